"""The answer of a bulk mutation over messages."""

from __future__ import annotations

import strawberry

from resolvers.bulk import BulkOutcome
from schema.context import Info
from schema.types.message import Message, messages_of


@strawberry.type
class BulkResult:
    ok: bool
    count: int = strawberry.field(
        description="How many messages changed. A message already in the asked-for state does not count."
    )
    ids: list[strawberry.ID] = strawberry.field(description="The ids asked for, de-duplicated, in their given order.")
    messages: list[Message] = strawberry.field(
        description="The messages in their new state; empty for messages that were destroyed."
    )

    @classmethod
    async def of(cls, info: Info, outcome: BulkOutcome) -> BulkResult:
        return cls(
            ok=True,
            count=outcome.count,
            ids=[strawberry.ID(str(i)) for i in outcome.ids],
            messages=await messages_of(info, outcome.records),
        )
