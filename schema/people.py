"""The address book and autocomplete; the identities a user sends as."""

from __future__ import annotations

from typing import Optional

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ApiPermission
from db.units import run_write
from resolvers import contacts, identities, invite_answers, outbox
from resolvers.compose import own_message, sender_of
from resolvers.errors import BadUserInput
from resolvers.identities import IdentityRecord
from schema.context import Info
from schema.types.invite import InviteAnswer
from schema.types.message import Message, messages_of
from schema.types.people import Contact, ContactInput, Identity, IdentityInput

READ, CREATE, UPDATE, DELETE = ApiPermission.READ, ApiPermission.CREATE, ApiPermission.UPDATE, ApiPermission.DELETE


@strawberry.type
class PeopleQuery:
    @strawberry.field(
        description="Autocomplete over the address book: contacts a word of whose name or address starts\n"
        "with each word of `query` (case and accents ignored, Cyrillic included), ranked by how often\n"
        "the user wrote to them, then heard from them, then how recently; saved contacts first.\n"
        "Without a query, the top contacts. `first` is 1..50. (READ)"
    )
    async def contacts(self, info: Info, query: Optional[str] = None, first: Optional[int] = 10) -> list[Contact]:
        viewer = info.context.require(READ)
        async with info.context.db.read() as session:
            return [Contact.from_record(r) for r in await contacts.search_contacts(session, viewer, query, first)]

    @strawberry.field(description="One contact of the user's. (READ)")
    async def contact(self, info: Info, id: strawberry.ID) -> Contact:
        viewer = info.context.require(READ)
        async with info.context.db.read() as session:
            return Contact.from_record(await contacts.get_contact(session, viewer, str(id)))

    @strawberry.field(description="The identities the user sends as, the default first. (READ)")
    async def identities(self, info: Info) -> list[Identity]:
        viewer = info.context.require(READ)
        async with info.context.db.read() as session:
            return [Identity.from_record(r) for r in await identities.list_identities(session, viewer)]


@strawberry.type
class PeopleMutation:
    @strawberry.mutation(
        description="Save a contact; one collected from mail with the address becomes saved.\n"
        "CONFLICT when a saved contact has the address. (CREATE)"
    )
    async def create_contact(self, info: Info, input: ContactInput) -> Contact:
        viewer = info.context.require(CREATE)
        if not input.address:
            raise BadUserInput("a contact needs an e-mail address", argument="address")
        address = input.address
        rec = await run_write(
            info.context.db,
            lambda session: contacts.save_contact(session, viewer, name=input.name, address=address, notes=input.notes),
        )
        return Contact.from_record(rec)

    @strawberry.mutation(description="Change a contact; it becomes saved. (UPDATE)")
    async def update_contact(self, info: Info, id: strawberry.ID, input: ContactInput) -> Contact:
        viewer = info.context.require(UPDATE)
        rec = await run_write(
            info.context.db,
            lambda session: contacts.update_contact(
                session, viewer, str(id), name=input.name, address=input.address, notes=input.notes
            ),
        )
        return Contact.from_record(rec)

    @strawberry.mutation(description="Forget a contact; mail exchanged later collects it again. (DELETE)")
    async def delete_contact(self, info: Info, id: strawberry.ID) -> bool:
        viewer = info.context.require(DELETE)
        return await run_write(info.context.db, lambda session: contacts.delete_contact(session, viewer, str(id)))

    @strawberry.mutation(
        description="A new identity; its address must be the user's own or a +alias of it (else\n"
        "BAD_USER_INPUT). The first identity is the default. (CREATE)"
    )
    async def create_identity(self, info: Info, input: IdentityInput) -> Identity:
        viewer = info.context.require(CREATE)

        async def unit(session: AsyncSession) -> IdentityRecord:
            me = await sender_of(session, viewer)
            return await identities.create_identity(session, viewer, me, input.fields())

        return Identity.from_record(await run_write(info.context.db, unit))

    @strawberry.mutation(description="Change an identity; making it the default makes the others not. (UPDATE)")
    async def update_identity(self, info: Info, id: strawberry.ID, input: IdentityInput) -> Identity:
        viewer = info.context.require(UPDATE)

        async def unit(session: AsyncSession) -> IdentityRecord:
            me = await sender_of(session, viewer)
            return await identities.update_identity(session, viewer, me, str(id), input.fields())

        rec = await run_write(info.context.db, unit)
        return Identity.from_record(rec)

    @strawberry.mutation(description="Remove an identity; another one becomes the default if it was. (DELETE)")
    async def delete_identity(self, info: Info, id: strawberry.ID) -> bool:
        viewer = info.context.require(DELETE)
        return await run_write(info.context.db, lambda session: identities.delete_identity(session, viewer, str(id)))

    @strawberry.mutation(
        description="Answer an invitation in the user's mailbox: an iTIP REPLY with the answer goes to the\n"
        "organizer (internally, or through the relay for an outside organizer) and the answer is\n"
        "recorded on the invitation, which is returned. BAD_USER_INPUT when the message carries no\n"
        "invitation (METHOD:REQUEST). (UPDATE)"
    )
    async def respond_to_invite(
        self, info: Info, message_id: strawberry.ID, status: InviteAnswer, comment: Optional[str] = None
    ) -> Message:
        viewer = info.context.require(UPDATE)
        await run_write(
            info.context.db,
            lambda session: invite_answers.respond_to_invite(
                session, info.context.services, viewer, str(message_id), status.value, comment
            ),
        )
        outbox.nudge(info.context.services)
        async with info.context.db.read() as session:
            rec = await own_message(session, viewer, str(message_id))
        return (await messages_of(info, [rec]))[0]
