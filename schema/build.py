"""The Schema object: the contract's types as an Apollo Federation 2 subgraph."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from schema.auth_mutations import AuthMutation
from schema.conversations import ConversationMutation, ConversationQuery
from schema.errors import ErrorCodes, log_unexpected
from schema.execution.compiled import CompiledExecution, CompiledQueries
from schema.execution.documents import DocumentCache, Limits
from schema.hygiene import InputHygiene
from schema.import_mutations import ImportMutation
from schema.introspection import introspection_policy
from schema.mailbox_mutations import MailboxMutation
from schema.message_changes import SyncQuery
from schema.people import PeopleMutation, PeopleQuery
from schema.query import Query as ReadQuery
from schema.scalars import SCALARS
from schema.send_mutations import SendMutation
from schema.subscriptions import StreamErrorCodes, Subscription
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

__all__ = ["Limits", "MailgateSchema", "build_schema"]


class MailgateSchema(strawberry.federation.Schema):
    """The federation schema, with its documents parsed and validated once (``documents``)."""

    documents: DocumentCache
    compiled_queries: CompiledQueries

    def _create_execution_context(
        self,
        query: str | None,
        allowed_operation_types: Iterable[OperationType],
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionContext:
        """Strawberry's execution context, with the document and its validation from the cache.

        Every way in (execute, subscribe, stream) comes through here: Strawberry skips
        parsing when the document is set and validation when its errors are.
        """
        context = super()._create_execution_context(
            query,
            allowed_operation_types,
            variable_values,
            context_value,
            root_value,
            operation_name,
            operation_extensions,
        )
        context.parse_options["max_tokens"] = self.documents.limits.max_tokens
        if query:
            prepared = self.documents.prepare(query)
            if prepared.document is not None:  # else Strawberry parses it again and fails the same way
                context.graphql_document = prepared.document
                context.pre_execution_errors = list(prepared.errors)
        return context

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        log_unexpected(errors, execution_context.context if execution_context else None)


def build_schema(
    limits: Limits | None = None,
    *,
    document_cache_size: int = 1024,
    compiled_execution: bool = True,
    verify_execution: bool = False,
    extra_extensions: Sequence[Any] = (),
) -> MailgateSchema:
    """The served schema, with its error codes and the edge's extensions (logs, traces); its
    documents are prepared once with ``limits`` and its queries run on compiled plans
    (``compiled_execution``; ``verify_execution`` checks each compiled answer against graphql-core's)."""
    limits = limits or Limits()
    # Hygiene and the introspection policy answer before the compiled executor looks at the operation.
    extensions: list[Any] = [
        ErrorCodes,
        StreamErrorCodes,
        InputHygiene,
        introspection_policy(limits.introspection),
        CompiledExecution,
        *extra_extensions,
    ]
    schema = MailgateSchema(
        query=Query,
        mutation=Mutation,
        subscription=SubscriptionRoot,
        types=ENTITIES,
        extensions=extensions,
        scalar_overrides=SCALARS,  # type: ignore[arg-type]
    )
    schema.documents = DocumentCache(schema._schema, limits, maxsize=document_cache_size)
    schema.compiled_queries = CompiledQueries(enabled=compiled_execution, verify=verify_execution)
    return schema
