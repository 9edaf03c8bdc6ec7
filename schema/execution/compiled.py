"""Compiled execution as a Strawberry extension: a query runs on its plan, not field by field.

On ``on_execute`` the extension builds graphql-core's executor for the request (which
coerces the variables), finds or compiles the plan of the operation for the values of
the variables that ``@skip``/``@include`` read, runs it and hands Strawberry the result,
which then skips graphql-core's execution and goes on as usual (errors logged and coded
by the other extensions). Anything the plan does not cover falls back to graphql-core
and is counted by reason.

With ``verify`` on (tests: ``MAILGATE_EXECUTOR_VERIFY=1``) every compiled run is
followed by graphql-core's run of the same operation, and the two answers, as a client
would read them, must be identical; a difference is logged and kept in ``mismatches``.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
from graphql import DocumentNode, OperationType, VariableNode, visit
from graphql.execution import ExecutionResult, execute
from graphql.execution.middleware import MiddlewareManager
from graphql.language import DirectiveNode, Visitor
from strawberry.execution import optimized_is_awaitable
from strawberry.extensions import SchemaExtension

from schema.context import Context
from schema.errors import coded, request_id_of
from schema.execution.plan import OperationPlan, Unsupported, compile_operation
from schema.execution.runner import PlanRunner

if TYPE_CHECKING:
    from strawberry.types import ExecutionContext

    from schema.build import MailgateSchema

log = logging.getLogger("mailgate.execution")

#: How many verifying runs are under way; tests that count statements leave theirs out.
verifying = 0
#: Every difference seen by a verifying schema of this process (tests fail on any).
mismatches: list[dict[str, Any]] = []


@dataclass(slots=True)
class CompiledQueries:
    """The executor's settings and counters, one per schema."""

    enabled: bool = True
    verify: bool = False
    compiled: int = 0
    runs: int = 0
    fallbacks: Counter[str] = field(default_factory=Counter)
    uses_middleware: bool | None = None


class _ConditionVariables(Visitor):
    """The variables that @skip and @include read: a plan is compiled per their values."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_directive(self, node: DirectiveNode, *_args: Any) -> None:
        if node.name.value in ("skip", "include"):
            for argument in node.arguments or ():
                if isinstance(argument.value, VariableNode):
                    self.names.add(argument.value.name.value)


def condition_variables(document: DocumentNode) -> tuple[str, ...]:
    """The variable names that decide @skip/@include anywhere in ``document``."""
    visitor = _ConditionVariables()
    visit(document, visitor)
    return tuple(sorted(visitor.names))


class CompiledExecution(SchemaExtension):
    """Runs a validated query on its compiled plan (see the module docstring)."""

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        schema: MailgateSchema = context.schema  # type: ignore[assignment]
        queries = schema.compiled_queries
        if queries.enabled and context.graphql_document is not None and context.result is None:
            result = await run_compiled(schema, context)
            if result is not None:
                context.result = result
                if isinstance(context.context, Context):
                    context.context.executor = "compiled"
        yield


async def run_compiled(schema: MailgateSchema, context: ExecutionContext) -> ExecutionResult | None:
    """The compiled answer to ``context``'s operation, or None to let graphql-core answer."""
    queries = schema.compiled_queries
    if queries.uses_middleware is None:
        queries.uses_middleware = any(e._implements_resolve() for e in schema.get_extensions())
    if queries.uses_middleware:
        queries.fallbacks["field middleware"] += 1
        return None
    try:
        if context.operation_type.value != OperationType.QUERY.value:  # Strawberry's enum, not graphql-core's
            queries.fallbacks[context.operation_type.value] += 1
            return None
    except RuntimeError:
        return None
    assert context.graphql_document is not None
    executor = schema.execution_context_class.build(
        schema._schema,
        context.graphql_document,
        root_value=context.root_value,
        context_value=context.context,
        raw_variable_values=context.variables,
        operation_name=context.operation_name,
        middleware=MiddlewareManager(),
        is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
        operation_extensions=context.operation_extensions,
    )
    if isinstance(executor, list):
        queries.fallbacks["variables"] += 1
        return None  # graphql-core answers with the same coercion errors
    plan = _plan_for(schema, context, executor)
    if isinstance(plan, str):
        queries.fallbacks[plan] += 1
        return None
    runner = PlanRunner(executor, schema.config.info_class)
    try:
        result = runner.run(plan)
        if not isinstance(result, ExecutionResult):
            result = await result
    except Exception:  # a fault of the runner itself (field errors never get here): a query may run again
        log.exception("compiled execution failed; graphql-core answers instead")
        queries.fallbacks["runner error"] += 1
        return None
    queries.runs += 1
    if queries.verify and not plan.fresh:
        await _verify(schema, context, result)
    return result


def _plan_for(schema: MailgateSchema, context: ExecutionContext, executor: Any) -> OperationPlan | str:
    """The cached plan (or the reason there is none) for this operation and its conditions."""
    assert context.query is not None and context.graphql_document is not None
    prepared = schema.documents.prepare(context.query)
    if prepared.document is not context.graphql_document:
        return "document not from the cache"
    plans: dict[Any, Any] = prepared.plans
    names = plans.get("conditions")
    if names is None:
        names = plans["conditions"] = condition_variables(prepared.document)
    coerced = executor.variable_values.coerced
    key = (context.operation_name, tuple(coerced.get(name) for name in names))
    plan = plans.get(key)
    if plan is None:
        try:
            plan = compile_operation(executor)
            schema.compiled_queries.compiled += 1
        except Unsupported as reason:
            plan = str(reason)
        plans[key] = plan
    return plan


def client_view(result: ExecutionResult, context: object) -> dict[str, Any]:
    """What a client reads of ``result``: data and coded errors, as JSON."""
    request_id = request_id_of(context)
    errors = [coded(e, request_id).formatted for e in result.errors or ()]
    return orjson.loads(orjson.dumps({"data": result.data, "errors": errors}))


async def _verify(schema: MailgateSchema, context: ExecutionContext, compiled: ExecutionResult) -> None:
    """Run graphql-core on the same operation and compare the answers.

    Signed links carry an expiry in whole seconds, so two runs a second apart may
    differ there: a difference is confirmed by running both once more.
    """
    global verifying
    for attempt in (1, 2):
        verifying += 1
        try:
            reference = await _reference(schema, context)
        finally:
            verifying -= 1
        expected, got = client_view(reference, context.context), client_view(compiled, context.context)
        if expected == got:
            return
        if attempt == 1:
            verifying += 1
            try:
                rerun = await run_compiled_again(schema, context)
            finally:
                verifying -= 1
            if rerun is None:
                break
            compiled = rerun
    mismatch = {"query": context.query, "variables": context.variables, "expected": expected, "got": got}
    mismatches.append(mismatch)
    log.error("compiled execution differs from graphql-core: %s", mismatch)


async def run_compiled_again(schema: MailgateSchema, context: ExecutionContext) -> ExecutionResult | None:
    """The compiled answer once more, to confirm a difference (not counted as a run)."""
    queries = schema.compiled_queries
    queries.verify = False
    try:
        rerun = await run_compiled(schema, context)
    finally:
        queries.verify = True
    if rerun is not None:
        queries.runs -= 1
    return rerun


async def _reference(schema: MailgateSchema, context: ExecutionContext) -> ExecutionResult:
    """graphql-core's answer, called the way Strawberry calls it."""
    assert context.graphql_document is not None
    result = execute(
        schema._schema,
        context.graphql_document,
        root_value=context.root_value,
        middleware=MiddlewareManager(),
        variable_values=context.variables,
        operation_name=context.operation_name,
        context_value=context.context,
        is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
        executor_class=schema.execution_context_class,
        operation_extensions=context.operation_extensions,
    )
    if not isinstance(result, ExecutionResult):
        result = await result
    return result


__all__ = ["CompiledExecution", "CompiledQueries", "client_view", "mismatches", "verifying"]
