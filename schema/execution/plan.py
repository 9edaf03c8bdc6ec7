"""Compile a validated query into a plan: what to read and how to write each field.

Field collection (aliases, fragments, ``@skip``/``@include`` for the given variable
values) is graphql-core's own ``collect_fields``, run once at compile time instead of
once per object. Each field then gets a way to read its value (an attribute, a plain
call of its Strawberry resolver, or the full resolver for fields with arguments) and a
way to complete it (non-null, list, scalar or enum, or the sub-plan of an object type).
What the plan cannot express raises ``Unsupported`` and the operation runs on
graphql-core instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from graphql import (
    GraphQLBoolean,
    GraphQLField,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
    OperationType,
    is_leaf_type,
    is_object_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet, collect_fields, collect_subfields
from graphql.execution.executor import Executor
from graphql.language import FieldNode

#: Fields that belong to graphql-core (introspection) or to federation: never compiled.
_NOT_COMPILED = frozenset({"__schema", "__type", "_entities", "_service"})
_STRAWBERRY_FIELD = "strawberry-definition"

#: Strawberry field metadata of a field whose answer is made anew on every call (a new
#: UUID, say): two runs of it differ by design, so the differential check skips it.
FRESH = "mailgate.fresh"


class Unsupported(Exception):
    """The operation uses something the plan does not cover; the reason is counted."""


# How a field's value is read from its parent (plain ints: the runner compares them per field).
#: Strawberry's default resolver: getattr(source, python_name).
ATTRIBUTE: Final = 1
#: A plain Strawberry resolver with no arguments, called directly.
CALL: Final = 2
#: The field's full resolver (arguments, extensions, async), called as graphql-core calls it.
RESOLVE: Final = 3
#: __typename of an object type, known at compile time.
TYPENAME: Final = 4

# How a value is completed for its type.
NON_NULL: Final = 11
LIST: Final = 12
#: A str passes as is (graphql-core's String and ID do the same).
STRING: Final = 13
#: An int within 32 bits passes as is.
INT: Final = 14
#: A bool passes as is.
BOOLEAN: Final = 15
#: Any other scalar or enum: the type's own coerce_output_value.
LEAF: Final = 16
OBJECT: Final = 17


@dataclass(slots=True)
class TypePlan:
    """The completion of a value of ``type``: ``inner`` for wrappers, ``object`` for object types."""

    kind: int
    type: GraphQLOutputType
    inner: TypePlan | None = None
    object: ObjectPlan | None = None


@dataclass(slots=True)
class FieldPlan:
    """One response key of a selection set."""

    key: str
    name: str
    parent_type: GraphQLObjectType
    field_def: GraphQLField
    details: FieldDetailsList
    nodes: list[FieldNode]
    read: int
    completion: TypePlan
    attribute: str = ""
    function: Any = None
    info_name: str | None = None
    takes_source: bool = False
    strawberry_field: Any = None
    has_arguments: bool = False
    #: Whether the field needs its response path before an error (a call, a list or an object).
    needs_path: bool = True
    #: Whether completing its value may give an awaitable (lists and objects may; what the
    #: read gives is checked whatever the type).
    may_await: bool = True


@dataclass(slots=True)
class ObjectPlan:
    type: GraphQLObjectType
    fields: list[FieldPlan] = field(default_factory=list)


@dataclass(slots=True)
class OperationPlan:
    root: ObjectPlan
    #: Whether a field of the plan answers anew on every call (see FRESH).
    fresh: bool = False


def compile_operation(executor: Executor[Any]) -> OperationPlan:
    """The plan of ``executor``'s operation for its variable values, or Unsupported."""
    operation = executor.operation
    if operation.operation is not OperationType.QUERY:
        raise Unsupported(operation.operation.value)
    if not executor.error_propagation:
        raise Unsupported("error propagation disabled")
    root_type = executor.schema.query_type
    assert root_type is not None  # a schema always has a query type
    grouped, defer_usages, _forbidden = collect_fields(
        executor.schema,
        executor.fragments,
        executor.variable_values,
        root_type,
        operation,
        executor.hide_suggestions,
    )
    if defer_usages:
        raise Unsupported("@defer")
    fresh: list[bool] = []
    return OperationPlan(root=_object_plan(executor, root_type, grouped, root=True, fresh=fresh), fresh=any(fresh))


def _object_plan(
    executor: Executor[Any], type_: GraphQLObjectType, grouped: GroupedFieldSet, *, root: bool, fresh: list[bool]
) -> ObjectPlan:
    plan = ObjectPlan(type_)
    for key, details in grouped.items():
        if any(d.fragment_variable_values is not None or d.defer_usage is not None for d in details):
            raise Unsupported("fragment arguments or @defer")
        node = details[0].node
        name = node.name.value
        if name in _NOT_COMPILED:
            raise Unsupported(name)
        field_def = executor.schema.get_field(type_, name)
        if field_def is None:
            continue  # graphql-core leaves it out too (validation forbids it)
        if any(d.name.value == "stream" for n in details for d in n.node.directives or ()):
            raise Unsupported("@stream")
        field_plan = FieldPlan(
            key=key,
            name=name,
            parent_type=type_,
            field_def=field_def,
            details=details,
            nodes=[d.node for d in details],
            read=RESOLVE,
            completion=_type_plan(executor, field_def.type, details, fresh),
            has_arguments=bool(field_def.args or node.arguments),
        )
        strawberry_field = field_def.extensions.get(_STRAWBERRY_FIELD)
        if strawberry_field is not None and strawberry_field.metadata.get(FRESH):
            fresh.append(True)
        if name == "__typename":
            field_plan.read = TYPENAME
        elif not root:
            _choose_read(field_plan)
        leaf = _unwrapped(field_plan.completion).kind not in (LIST, OBJECT)
        field_plan.may_await = not leaf
        field_plan.needs_path = not leaf or field_plan.read in (CALL, RESOLVE)
        plan.fields.append(field_plan)
    return plan


def _choose_read(plan: FieldPlan) -> None:
    """Read an attribute or call the resolver directly when Strawberry would do nothing more."""
    resolve = plan.field_def.resolve
    strawberry_field = plan.field_def.extensions.get(_STRAWBERRY_FIELD)
    if resolve is None or strawberry_field is None or plan.has_arguments or strawberry_field.extensions:
        return
    if getattr(resolve, "__name__", "") == "_get_basic_result" and strawberry_field.default_resolver is getattr:
        plan.read, plan.attribute = ATTRIBUTE, strawberry_field.python_name
        return
    resolver = strawberry_field.base_resolver
    if (
        resolver is None
        or strawberry_field.is_async
        or getattr(resolve, "__name__", "") != "_resolver"
        or _exception_handlers(resolve)
        or resolver.root_parameter is not None
        or resolver.parent_parameter is not None
        or resolver.arguments
    ):
        return
    plan.read = CALL
    plan.function = resolver.wrapped_func
    plan.takes_source = resolver.self_parameter is not None
    plan.info_name = resolver.info_parameter.name if resolver.info_parameter is not None else None
    plan.strawberry_field = strawberry_field


def _unwrapped(plan: TypePlan) -> TypePlan:
    return plan.inner if plan.kind == NON_NULL and plan.inner is not None else plan


def _exception_handlers(resolve: Any) -> bool:
    """Whether Strawberry wrapped this resolver with exception handlers (then it is called in full)."""
    code = resolve.__code__
    if "field_exception_handlers" not in code.co_freevars:
        return True  # not the closure we know: do not guess
    cell = resolve.__closure__[code.co_freevars.index("field_exception_handlers")]
    return bool(cell.cell_contents)


def _type_plan(
    executor: Executor[Any], type_: GraphQLOutputType, details: FieldDetailsList, fresh: list[bool]
) -> TypePlan:
    if isinstance(type_, GraphQLNonNull):
        return TypePlan(NON_NULL, type_, inner=_type_plan(executor, type_.of_type, details, fresh))
    if isinstance(type_, GraphQLList):
        return TypePlan(LIST, type_, inner=_type_plan(executor, type_.of_type, details, fresh))
    if is_leaf_type(type_):
        if type_ is GraphQLString or type_ is GraphQLID:
            return TypePlan(STRING, type_)
        if type_ is GraphQLInt:
            return TypePlan(INT, type_)
        if type_ is GraphQLBoolean:
            return TypePlan(BOOLEAN, type_)
        return TypePlan(LEAF, type_)
    if is_object_type(type_):
        assert isinstance(type_, GraphQLObjectType)
        if type_.is_type_of is not None:
            raise Unsupported(f"is_type_of on {type_.name}")
        grouped, defer_usages, _forbidden = collect_subfields(
            executor.schema,
            executor.fragments,
            executor.variable_values,
            executor.operation,
            type_,
            details,
            executor.hide_suggestions,
        )
        if defer_usages:
            raise Unsupported("@defer")
        sub_plan = _object_plan(executor, type_, grouped, root=False, fresh=fresh)
        return TypePlan(OBJECT, type_, object=sub_plan)
    raise Unsupported(f"abstract type {type_}")
