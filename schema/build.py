"""The Schema object: the contract's types as an Apollo Federation 2 subgraph."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import GraphQLError, MaxIntrospectionDepthRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from schema.conversations import ConversationMutation, ConversationQuery
from schema.errors import ErrorCodes, log_unexpected
from schema.import_mutations import ImportMutation
from schema.limits import introspection_depth_rule
from schema.mailbox_mutations import MailboxMutation
from schema.mutation import AuthMutation
from schema.people import PeopleMutation, PeopleQuery
from schema.query import Query as ReadQuery
from schema.send_mutations import SendMutation
from schema.subscriptions import StreamErrorCodes, Subscription
from schema.sync import SyncQuery
from schema.thread_files import ThreadFilesMutation, ThreadFilesQuery, ThreadFilesSubscription
from schema.thread_mutations import ThreadMutation
from schema.types.files import Attachment
from schema.types.mailbox import Folder, Label
from schema.types.message import Message
from schema.types.thread import MailThread
from schema.types.user import User

ENTITIES: list[type] = [User, Folder, Label, Message, Attachment, MailThread]

#: Each area of the contract adds its queries and mutations here.
QUERIES: tuple[type, ...] = (ReadQuery, SyncQuery, ThreadFilesQuery, ConversationQuery, PeopleQuery)
Query = merge_types("Query", QUERIES)

MUTATIONS: tuple[type, ...] = (
    AuthMutation,
    MailboxMutation,
    ImportMutation,
    SendMutation,
    ThreadMutation,
    ThreadFilesMutation,
    ConversationMutation,
    PeopleMutation,
)
Mutation = merge_types("Mutation", MUTATIONS)

SUBSCRIPTIONS: tuple[type, ...] = (Subscription, ThreadFilesSubscription)
SubscriptionRoot = merge_types("Subscription", SUBSCRIPTIONS)


@dataclass(frozen=True, slots=True)
class Limits:
    max_depth: int = 12
    max_tokens: int = 2000
    max_aliases: int = 30
    max_introspection_depth: int = 8


class MailgateSchema(strawberry.federation.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        log_unexpected(errors, execution_context.context if execution_context else None)


def build_schema(limits: Limits | None = None) -> MailgateSchema:
    """The served schema, with its limits, caches and error codes."""
    limits = limits or Limits()
    extensions: list[Any] = [
        ErrorCodes,
        StreamErrorCodes,
        lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
        lambda: ParserCache(maxsize=256),
        lambda: QueryDepthLimiter(max_depth=limits.max_depth),
        lambda: MaxAliasesLimiter(max_alias_count=limits.max_aliases),
        # graphql-core's rule (no list field nested three deep under introspection) and ours.
        lambda: AddValidationRules(
            [MaxIntrospectionDepthRule, introspection_depth_rule(limits.max_introspection_depth)]
        ),
        lambda: ValidationCache(maxsize=256),
    ]
    return MailgateSchema(
        query=Query, mutation=Mutation, subscription=SubscriptionRoot, types=ENTITIES, extensions=extensions
    )
