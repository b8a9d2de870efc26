"""Where a scripted `output(...)` goes: which output tool, or which JSON text, for the output the agent asks for.

The agent's output types are not in the request; what is there is their JSON schemas: one output tool per
type (`final_result_Found`, `final_result_Other`) whose schema is titled by the type, or, in native and
prompted modes, one schema in `output_object` (for several types, a `{"result": {"kind": ..., "data": ...}}`
wrapper with one branch per type). So a value is routed by what is there, in this order:

1. `output(..., tool_name=...)`: that output tool;
2. an instance (a pydantic model, a dataclass): the output type named like its class (the schema's `title`,
   the tool name's `_Name` suffix, the branch's `kind`), if its value fits that schema;
3. otherwise the first output type whose schema the value fits (checked by `_jsonschema`).

The class name alone would be wrong for two types of the same name from different modules, and validation
alone for two types with the same fields (`Found(city)` and `Moved(city)`): the name picks among the fitting,
and fitting decides when no name matches. A value that fits no type fails, naming the types and why each
rejects it; `valid=False` sends it unchecked (to the named tool, or the first).

This module reads the request parameters by their attributes and imports no pydantic-ai.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from ._jsonschema import describe_schema, schema_errors

__all__ = ('Candidate', 'Routed', 'candidates', 'route')

_PLAIN = (dict, list, tuple, str, int, float, bool, type(None))
_WRAP_KEY = 'response'
"""The key pydantic-ai wraps a value that is not an object in (`int` is sent as `{"response": 42}`)."""


@dataclass(frozen=True)
class Candidate:
    """One output type the request offers: how it is sent, its schema and the name a user knows it by."""

    type_name: str
    """The output type as the schema names it: `Found`, `integer`, ..."""
    schema: Mapping[str, Any]
    """The JSON schema of the value (inside any wrapping)."""
    tool_name: str | None = None
    """The output tool, when the output goes through one."""
    wrap_key: str | None = None
    """The key the value is wrapped in, for types that are not objects (`{"response": 42}`)."""
    kind: str | None = None
    """The union branch (`{"result": {"kind": kind, "data": ...}}`) in native and prompted output with several types."""
    root: Mapping[str, Any] | None = None
    """The schema `$ref`s are resolved against, when it is not `schema` itself."""

    def label(self) -> str:
        """`Found (output tool 'final_result_Found')`, `Found (native output)`."""
        if self.tool_name is not None:
            return f'{self.type_name} (output tool {self.tool_name!r})'
        return self.type_name

    def wrapped(self, value: Any) -> Any:
        """The value as the schema wants it: wrapped in the outer key unless it already is."""
        if self.wrap_key is None:
            return value
        if isinstance(value, dict) and list(cast('dict[str, Any]', value)) == [self.wrap_key]:
            return cast(Any, value)
        wrapped: dict[str, Any] = {self.wrap_key: value}
        return wrapped

    def errors(self, value: Any) -> list[str]:
        """What in `value` (not yet wrapped) does not fit the schema."""
        schema = self.schema
        if self.root is not None and '$defs' not in schema:
            schema = {**schema, '$defs': self.root.get('$defs', {})}
        return schema_errors(self.wrapped(value), schema)

    def matches_class(self, name: str) -> bool:
        """Whether the type is named `name`, by the schema title, the tool name suffix or the union kind."""
        return (
            self.schema.get('title') == name
            or self.kind == name
            or (self.tool_name is not None and self.tool_name.endswith(f'_{name}'))
        )


def _is_wrapper(schema: Mapping[str, Any]) -> bool:
    properties = schema.get('properties')
    return (
        'title' not in schema
        and isinstance(properties, Mapping)
        and list(cast('Mapping[str, Any]', properties)) == [_WRAP_KEY]
        and schema.get('required') == [_WRAP_KEY]
    )


def _type_name(schema: Mapping[str, Any], fallback: str) -> str:
    if _is_wrapper(schema):
        return describe_schema(cast('Mapping[str, Any]', schema['properties'])[_WRAP_KEY], schema)
    title = schema.get('title')
    return title if isinstance(title, str) else fallback


def _union_branches(schema: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]] | None:
    """The `(kind, data schema)` of each branch of pydantic-ai's union wrapper, or None for another schema."""
    properties = schema.get('properties')
    if not isinstance(properties, Mapping) or list(cast('Mapping[str, Any]', properties)) != ['result']:
        return None
    options = cast('Mapping[str, Any]', properties)['result'].get('anyOf')
    if not isinstance(options, list):
        return None
    branches: list[tuple[str, Mapping[str, Any]]] = []
    for option in cast('list[Any]', options):
        inner: Any = cast('Mapping[str, Any]', option).get('properties') if isinstance(option, Mapping) else None
        if not isinstance(inner, Mapping):
            return None
        inner = cast('Mapping[str, Any]', inner)
        kind = inner.get('kind')
        data = inner.get('data')
        if not isinstance(kind, Mapping) or 'const' not in kind or not isinstance(data, Mapping):
            return None
        branches.append((str(cast('Mapping[str, Any]', kind)['const']), cast('Mapping[str, Any]', data)))
    return branches


def candidates(params: Any, output_tools: Sequence[Any] = ()) -> list[Candidate]:
    """The output types a request offers: its output tools, or its native/prompted output schema.

    `output_tools` are the request's output tools, read by `_compat.output_tools` (their name changed in 0.1.0).
    """
    mode = getattr(params, 'output_mode', None)
    output_object = getattr(params, 'output_object', None)
    if mode in ('native', 'prompted'):
        if output_object is None:
            return []
        schema = cast('Mapping[str, Any]', output_object.json_schema)
        branches = _union_branches(schema)
        if branches is not None:
            return [
                Candidate(
                    _type_name(data, kind),
                    data,
                    wrap_key=_WRAP_KEY if _is_wrapper(data) else None,
                    kind=kind,
                    root=schema,
                )
                for kind, data in branches
            ]
        name = getattr(output_object, 'name', None) or 'the output'
        return [Candidate(_type_name(schema, name), schema, wrap_key=_WRAP_KEY if _is_wrapper(schema) else None)]
    found: list[Candidate] = []
    for tool in output_tools:
        schema = cast('Mapping[str, Any]', tool.parameters_json_schema)
        key = tool.outer_typed_dict_key
        # without a title (a strict provider schema drops it), a union's tool is named after its type
        named = tool.name.removeprefix('final_result_') if tool.name.startswith('final_result_') else tool.name
        found.append(Candidate(_type_name(schema, named), schema, tool_name=tool.name, wrap_key=key))
    return found


@dataclass(frozen=True)
class Routed:
    """Where an output goes: the candidate it fits (or `None` for plain text), or why it fits nowhere."""

    candidate: Candidate | None
    """The output type chosen; `None` when the value goes as text, or when nothing fits."""
    rejections: Sequence[tuple[Candidate, list[str]]] = ()
    """When nothing fits: each candidate with what in the value it rejects."""


def route(value: Any, jsonable: Any, offered: Sequence[Candidate], *, check: bool) -> Routed:
    """Choose the output type for `value` (whose JSON form is `jsonable`) among `offered`; see the module doc."""
    class_name = None if isinstance(value, _PLAIN) else type(value).__name__
    if not check:
        named = [c for c in offered if class_name is not None and c.matches_class(class_name)]
        return Routed((named or list(offered) or [None])[0])
    rejections = [(c, c.errors(jsonable)) for c in offered]
    fitting = [c for c, errors in rejections if not errors]
    if class_name is not None:
        for candidate in fitting:
            if candidate.matches_class(class_name):
                return Routed(candidate)
    if fitting:
        return Routed(fitting[0])
    return Routed(None, rejections)


def as_sent(candidate: Candidate, jsonable: Any) -> Any:
    """The value as the output type takes it: wrapped, and inside the union branch in native/prompted modes."""
    value = candidate.wrapped(jsonable)
    if candidate.kind is not None:
        return {'result': {'kind': candidate.kind, 'data': value}}
    return value
