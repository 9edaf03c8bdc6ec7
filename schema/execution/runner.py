"""Run a compiled plan: the same answer as graphql-core's executor, without its per-field work.

The structure mirrors graphql-core's ``Executor`` (execute_field, complete_value,
complete_iterable_value, handle_field_error) so that values, errors, their ``path`` and
``locations``, and null propagation through non-null fields come out the same; the
difference is that every decision that depends only on the document was made at
compile time (``plan.py``). Awaitables (a loader behind ``later(...)``) are awaited the
way graphql-core awaits them: gathered per object and per list.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from graphql import GraphQLError
from graphql.execution.executor import Executor
from graphql.execution.types import ExecutionResult
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, Undefined, gather_with_cancel, is_iterable

from schema.execution.plan import (
    ATTRIBUTE,
    BOOLEAN,
    CALL,
    INT,
    LIST,
    NON_NULL,
    OBJECT,
    STRING,
    TYPENAME,
    FieldPlan,
    ObjectPlan,
    OperationPlan,
    TypePlan,
)

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


class PlanRunner:
    """One run of a plan, over a graphql-core executor built for the request (its
    variables, errors and resolve infos are graphql-core's own)."""

    __slots__ = ("executor", "info_class", "infos", "is_awaitable")

    def __init__(self, executor: Executor[Any], info_class: type) -> None:
        self.executor = executor
        self.is_awaitable = executor.is_awaitable
        self.info_class = info_class
        self.infos: dict[int, Any] = {}

    def run(self, plan: OperationPlan) -> ExecutionResult | Awaitable[ExecutionResult]:
        """The result of the operation (awaitable when a resolver was)."""
        executor = self.executor
        try:
            data = self.root_fields(plan.root)
        except GraphQLError as error:
            executor.collected_errors.add(error, None)
            return executor.build_response(None)  # type: ignore[return-value]
        if self.is_awaitable(data):

            async def await_data() -> ExecutionResult:
                try:
                    awaited = await data
                except GraphQLError as error:
                    executor.collected_errors.add(error, None)
                    return executor.build_response(None)  # type: ignore[return-value]
                return executor.build_response(awaited)  # type: ignore[return-value]

            return await_data()
        return executor.build_response(data)  # type: ignore[return-value]

    def root_fields(self, plan: ObjectPlan) -> Any:
        return self.fields(plan, self.executor.root_value, None)

    def fields(self, plan: ObjectPlan, source: Any, path: Path | None) -> Any:
        """graphql-core's execute_fields: every field of ``plan`` on ``source``."""
        results: dict[str, Any] = {}
        awaitable_keys: list[str] = []
        type_name = plan.type.name
        for field_plan in plan.fields:
            key = field_plan.key
            result = self.field(field_plan, source, path, type_name)
            results[key] = result
            if self.is_awaitable(result):
                awaitable_keys.append(key)
        if not awaitable_keys:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_keys) == 1:
                results[awaitable_keys[0]] = await results[awaitable_keys[0]]
            else:
                awaited = await gather_with_cancel(*(results[k] for k in awaitable_keys))
                results.update(zip(awaitable_keys, awaited, strict=True))
            return results

        return get_results()

    def field(self, plan: FieldPlan, source: Any, parent_path: Path | None, type_name: str) -> Any:
        """graphql-core's execute_field, with the read chosen at compile time.

        The field's response path is made only where it can be needed before an error
        (calls, lists, objects); a leaf read from an attribute makes it on error only.
        """
        path = Path(parent_path, plan.key, type_name) if plan.needs_path else None
        try:
            read = plan.read
            if read == ATTRIBUTE:
                result = getattr(source, plan.attribute)
            elif read == TYPENAME:
                result = plan.parent_type.name
            elif read == CALL:
                args = (source,) if plan.takes_source else ()
                if plan.info_name is None:
                    result = plan.function(*args)
                else:
                    result = plan.function(*args, **{plan.info_name: self.info(plan, path)})  # type: ignore[arg-type]
            else:
                result = self.resolve(plan, source, path)  # type: ignore[arg-type]
            if self.is_awaitable(result):
                return self.complete_awaitable(plan, path or Path(parent_path, plan.key, type_name), result)
            completed = self.complete(plan.completion, plan, path, result)
            if plan.may_await and self.is_awaitable(completed):
                return self.await_completed(plan, path, completed)  # type: ignore[arg-type]
        except Exception as raw_error:  # graphql-core turns every error into a field error
            error_path = path or Path(parent_path, plan.key, type_name)
            self.executor.handle_field_error(raw_error, plan.field_def.type, plan.details, error_path)
            return None
        return completed

    def resolve(self, plan: FieldPlan, source: Any, path: Path) -> Any:
        """The field's own resolver with a fresh resolve info and its arguments, as graphql-core calls it."""
        executor = self.executor
        info = executor.build_resolve_info(plan.field_def, plan.nodes, plan.parent_type, path)
        detail = plan.details[0]
        args = (
            get_argument_values(
                plan.field_def,
                detail.node,
                executor.variable_values,
                detail.fragment_variable_values,
                executor.hide_suggestions,
            )
            if plan.has_arguments
            else {}
        )
        resolve = plan.field_def.resolve or executor.field_resolver
        return resolve(source, info, **args)

    def info(self, plan: FieldPlan, path: Path) -> Any:
        """The Strawberry Info of a directly called resolver: one per field of the plan and run.

        The resolvers called this way take no arguments and read the context (loaders,
        links) from it; its ``path`` is that of the first object the field was read on.
        """
        info = self.infos.get(id(plan))
        if info is None:
            raw = self.executor.build_resolve_info(plan.field_def, plan.nodes, plan.parent_type, path)
            info = self.infos[id(plan)] = self.info_class(_raw_info=raw, _field=plan.strawberry_field)
        return info

    async def complete_awaitable(self, plan: FieldPlan, path: Path, result: Any) -> Any:
        try:
            completed = self.complete(plan.completion, plan, path, await result)
            if self.is_awaitable(completed):
                completed = await completed
        except Exception as raw_error:
            self.executor.handle_field_error(raw_error, plan.field_def.type, plan.details, path)
            return None
        return completed

    async def await_completed(self, plan: FieldPlan, path: Path, completed: Any) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.executor.handle_field_error(raw_error, plan.field_def.type, plan.details, path)
            return None

    def complete(self, type_plan: TypePlan, plan: FieldPlan, path: Path | None, result: Any) -> Any:
        """graphql-core's complete_value for the type the plan knows."""
        if isinstance(result, Exception):
            raise result
        kind = type_plan.kind
        if kind == NON_NULL:
            completed = self.complete(type_plan.inner, plan, path, result)  # type: ignore[arg-type]
            if self.is_awaitable(completed):
                return self.non_null_awaited(plan, completed)
            if completed is None:
                raise TypeError(f"Cannot return null for non-nullable field {plan.parent_type}.{plan.name}.")
            return completed
        if result is None or result is Undefined:
            return None
        if kind == STRING:
            if type(result) is str:
                return result
        elif kind == INT:
            if type(result) is int and _INT_MIN <= result <= _INT_MAX:
                return result
        elif kind == BOOLEAN:
            if type(result) is bool:
                return result
        elif kind == OBJECT:
            return self.fields(type_plan.object, result, path)  # type: ignore[arg-type]
        elif kind == LIST:
            return self.complete_list(type_plan.inner, plan, path, result)  # type: ignore[arg-type]
        return Executor.complete_leaf_value(type_plan.type, result)  # type: ignore[arg-type]

    async def non_null_awaited(self, plan: FieldPlan, completed: Awaitable[Any]) -> Any:
        value = await completed
        if value is None:
            raise TypeError(f"Cannot return null for non-nullable field {plan.parent_type}.{plan.name}.")
        return value

    def complete_list(self, item_plan: TypePlan, plan: FieldPlan, path: Path, result: Any) -> Any:
        """graphql-core's complete_list_value and complete_iterable_value (no @stream: not compiled)."""
        if self.executor.is_async_iterable(result) or not is_iterable(result):
            if self.executor.is_async_iterable(result):
                raise TypeError("an async iterable in a compiled plan")  # resolvers here return lists
            raise GraphQLError(f"Expected Iterable, but did not find one for field '{plan.parent_type}.{plan.name}'.")
        completed: list[Any] = []
        awaitable_indices: list[int] = []
        handle = self.executor.handle_field_error
        for index, item in enumerate(result):
            item_path = path.add_key(index, None)
            if self.is_awaitable(item):
                completed.append(self.complete_awaitable_item(item_plan, plan, item_path, item))
                awaitable_indices.append(index)
                continue
            try:
                value = self.complete(item_plan, plan, item_path, item)
                if self.is_awaitable(value):
                    completed.append(self.await_item(item_plan, plan, item_path, value))
                    awaitable_indices.append(index)
                else:
                    completed.append(value)
            except Exception as raw_error:
                handle(raw_error, item_plan.type, plan.details, item_path)
                completed.append(None)
        if not awaitable_indices:
            return completed

        async def get_completed() -> list[Any]:
            if len(awaitable_indices) == 1:
                completed[awaitable_indices[0]] = await completed[awaitable_indices[0]]
            else:
                awaited = await gather_with_cancel(*(completed[i] for i in awaitable_indices))
                for i, value in zip(awaitable_indices, awaited, strict=True):
                    completed[i] = value
            return completed

        return get_completed()

    async def await_item(self, item_plan: TypePlan, plan: FieldPlan, path: Path, value: Any) -> Any:
        try:
            return await value
        except Exception as raw_error:
            self.executor.handle_field_error(raw_error, item_plan.type, plan.details, path)
            return None

    async def complete_awaitable_item(self, item_plan: TypePlan, plan: FieldPlan, path: Path, item: Any) -> Any:
        try:
            completed = self.complete(item_plan, plan, path, await item)
            if self.is_awaitable(completed):
                completed = await completed
        except Exception as raw_error:
            self.executor.handle_field_error(raw_error, item_plan.type, plan.details, path)
            return None
        return completed
