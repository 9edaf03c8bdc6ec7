"""Batched GraphQL over HTTP: a JSON array of operations in one POST, answered in order.

Apollo Client's BatchHttpLink and urql's batch exchange send ``[{query, variables,
operationName}, ...]`` and expect ``[{data, errors}, ...]`` back, one answer per
operation, in the same order. Each operation runs on its own, one after another (a
mutation early in a batch is seen by a query later in it), with the request's sign-in
and the same limits as a single operation, but with fresh loaders so that no
operation reads what an earlier one cached. An operation that cannot be run (no
query, a mutation over GET) is answered with a BAD_USER_INPUT error in its place; a
batch that is not a list of objects, is empty or holds more than ``max_batch``
operations is refused whole with 400 BAD_USER_INPUT.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from cross_web import HTTPException
from graphql import GraphQLError
from strawberry.types import ExecutionResult

from resolvers.loaders import Loaders
from schema.context import Context

if TYPE_CHECKING:
    from strawberry.asgi import GraphQL

    _View = GraphQL[Context, None]
else:
    _View = object


def batch_item_context(context: Context) -> Context:
    """The context of one operation of a batch: the same request and viewer, fresh loaders and state."""
    viewer_id = context.viewer.user_id if context.viewer else None
    return dataclasses.replace(
        context, loaders=Loaders(context.services.db, viewer_id), operation=None, executor="generic"
    )


class BatchingMixin(_View):
    """Mixed into the GraphQL view (before Strawberry's class): batches of at most ``max_batch``."""

    max_batch: int = 10

    def _validate_batch_request(self, request_data: list[Any], protocol: Any) -> None:
        # Strawberry's hook, called with the parsed JSON array before it is turned into requests.
        if self.max_batch < 1:
            raise HTTPException(400, "batching is turned off on this server (MAILGATE_MAX_BATCH=0)")
        if not request_data:
            raise HTTPException(400, "a batch needs at least one operation")
        if len(request_data) > self.max_batch:
            raise HTTPException(
                400, f"a batch may hold at most {self.max_batch} operations; this one has {len(request_data)}"
            )
        if not all(isinstance(item, dict) for item in request_data):
            raise HTTPException(400, "each operation of a batch must be a JSON object with a query")
        if protocol != "http":
            raise HTTPException(400, "a batch cannot be streamed: send streamed operations one at a time")

    async def execute_operation(
        self,
        request: Any,
        request_adapter: Any,
        request_data: Any,
        context: Context,
        root_value: None,
        sub_response: Any,
    ) -> Any:
        """Each operation of a batch in turn; a single operation as Strawberry runs it."""
        if not isinstance(request_data, list):
            return await super().execute_operation(
                request, request_adapter, request_data, context, root_value, sub_response
            )
        results: list[ExecutionResult] = []
        for data in request_data:
            try:
                result = await self.execute_single(
                    request=request,
                    request_adapter=request_adapter,
                    sub_response=sub_response,
                    context=batch_item_context(context),
                    root_value=root_value,
                    request_data=data,
                )
            except HTTPException as error:
                # This operation cannot run; the others still do.
                result = ExecutionResult(
                    data=None, errors=[GraphQLError(error.reason, extensions={"code": "BAD_USER_INPUT"})]
                )
            results.append(result)
        return results
