"""A check of JSON values against the JSON schemas pydantic writes for tools and output types; no dependency.

A scripted model checks each tool call it sends against the tool's `parameters_json_schema`, and structured
output against the output tools' schemas, so that a script whose arguments the agent would reject fails at
once, not as a retry that a later turn silently answers.

It covers what pydantic emits for function parameters, models, dataclasses and typed dicts:

- `type` (one or a list), with JSON's rules: an integral float is an `integer`, a boolean is not a number;
- `properties`, `required`, `additionalProperties` (`false` or a schema), `minProperties`, `maxProperties`;
- `items`, `prefixItems`, `minItems`, `maxItems`, `uniqueItems`;
- `enum`, `const`; `minLength`, `maxLength`, `pattern`; `minimum`, `maximum`, `exclusiveMinimum`,
  `exclusiveMaximum`, `multipleOf`;
- `anyOf`, `oneOf`, `allOf`, `not`, and `$ref` to `#`, `#/$defs/...` or `#/definitions/...`.

It does not check `format` (dates, emails, URLs), `if`/`then`/`else`, `dependent*`, `contains`,
`unevaluated*` or remote references, and it cannot see what pydantic checks beyond the schema: validators
(`@field_validator`), lax conversions (pydantic accepts `'18'` for an `int`; the schema, like a model reading
it, says `integer`). A keyword it does not know is ignored, never an error.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, cast

__all__ = ('describe_schema', 'schema_errors', 'signature')

_MAX_DEPTH = 64


def schema_errors(value: Any, schema: Mapping[str, Any]) -> list[str]:
    """What in `value` does not fit `schema`, one line per problem, each starting with where it is; `[]` if it fits."""
    errors: list[str] = []
    _check(value, schema, schema, '', errors, 0)
    return errors


def _where(path: str) -> str:
    return path or '(the value)'


def _join(path: str, key: object) -> str:
    if isinstance(key, int):
        return f'{path}[{key}]'
    return f'{path}.{key}' if path else str(key)


def _resolve(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = schema.get('$ref')
    if not isinstance(ref, str):
        return schema
    target: Any = root
    if ref != '#':
        if not ref.startswith('#/'):
            return {}  # a remote reference: not checked
        for name in ref[2:].split('/'):
            if not isinstance(target, Mapping):
                return {}
            target = cast('Mapping[str, Any]', target).get(name.replace('~1', '/').replace('~0', '~'))
    if not isinstance(target, Mapping):
        return {}
    rest = {k: v for k, v in schema.items() if k != '$ref'}
    resolved = cast('Mapping[str, Any]', target)
    return {**resolved, **rest} if rest else resolved


def _type_ok(value: Any, name: str) -> bool:
    if name == 'string':
        return isinstance(value, str)
    if name == 'integer':
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if name == 'number':
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == 'boolean':
        return isinstance(value, bool)
    if name == 'null':
        return value is None
    if name == 'array':
        return isinstance(value, (list, tuple))
    if name == 'object':
        return isinstance(value, Mapping)
    return True  # an unknown type name: not checked


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + '...' + text[-1]


def _equal(a: Any, b: Any) -> bool:
    """JSON equality: `1 == 1.0`, but `True != 1`."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


def _check(value: Any, schema: Any, root: Mapping[str, Any], path: str, errors: list[str], depth: int) -> None:
    if schema is False:
        errors.append(f'{_where(path)}: not expected')
        return
    if not isinstance(schema, Mapping) or depth > _MAX_DEPTH:
        return
    schema = _resolve(cast('Mapping[str, Any]', schema), root)
    before = len(errors)
    if not _check_type(value, schema, path, errors):
        return
    _check_values(value, schema, path, errors)
    if isinstance(value, Mapping):
        _check_object(cast('Mapping[str, Any]', value), schema, root, path, errors, depth)
    elif isinstance(value, (list, tuple)):
        _check_array(cast('Sequence[Any]', value), schema, root, path, errors, depth)
    if len(errors) == before:
        _check_combinators(value, schema, root, path, errors, depth)


def _check_type(value: Any, schema: Mapping[str, Any], path: str, errors: list[str]) -> bool:
    expected = schema.get('type')
    if expected is None:
        return True
    names = [expected] if isinstance(expected, str) else list(cast('Sequence[str]', expected))
    if any(_type_ok(value, n) for n in names):
        return True
    errors.append(f'{_where(path)}: expected {" or ".join(names)}, got {_short(value)}')
    return False


def _check_values(value: Any, schema: Mapping[str, Any], path: str, errors: list[str]) -> None:
    where = _where(path)
    if 'const' in schema and not _equal(value, schema['const']):
        errors.append(f'{where}: expected {schema["const"]!r}, got {_short(value)}')
    enum = schema.get('enum')
    if isinstance(enum, list) and not any(_equal(value, option) for option in cast('list[Any]', enum)):
        options = ', '.join(repr(option) for option in cast('list[Any]', enum))
        errors.append(f'{where}: expected one of {options}, got {_short(value)}')
    if isinstance(value, str):
        _check_string(value, schema, where, errors)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        _check_number(value, schema, where, errors)


def _check_string(value: str, schema: Mapping[str, Any], where: str, errors: list[str]) -> None:
    if isinstance(min_length := schema.get('minLength'), int) and len(value) < min_length:
        errors.append(f'{where}: expected at least {min_length} characters, got {_short(value)}')
    if isinstance(max_length := schema.get('maxLength'), int) and len(value) > max_length:
        errors.append(f'{where}: expected at most {max_length} characters, got {_short(value)}')
    pattern = schema.get('pattern')
    if isinstance(pattern, str):
        try:
            matched = re.search(pattern, value) is not None
        except re.error:  # a pattern Python cannot read (ECMA-262 syntax): not checked
            matched = True
        if not matched:
            errors.append(f"{where}: expected text matching '{pattern}', got {_short(value)}")


_BOUNDS = (
    ('minimum', 'at least'),
    ('maximum', 'at most'),
    ('exclusiveMinimum', 'more than'),
    ('exclusiveMaximum', 'less than'),
)


def _within(value: float, keyword: str, bound: float) -> bool:
    if keyword == 'minimum':
        return value >= bound
    if keyword == 'maximum':
        return value <= bound
    if keyword == 'exclusiveMinimum':
        return value > bound
    return value < bound


def _check_number(value: float, schema: Mapping[str, Any], where: str, errors: list[str]) -> None:
    for keyword, words in _BOUNDS:
        bound = schema.get(keyword)
        if isinstance(bound, (int, float)) and not isinstance(bound, bool) and not _within(value, keyword, bound):
            errors.append(f'{where}: expected {words} {bound}, got {value!r}')
    step = schema.get('multipleOf')
    if isinstance(step, (int, float)) and not isinstance(step, bool) and step > 0:
        quotient = value / step
        if not math.isclose(quotient, round(quotient), rel_tol=1e-9, abs_tol=1e-9):
            errors.append(f'{where}: expected a multiple of {step}, got {value!r}')


def _check_object(
    value: Mapping[str, Any],
    schema: Mapping[str, Any],
    root: Mapping[str, Any],
    path: str,
    errors: list[str],
    depth: int,
) -> None:
    properties = schema.get('properties')
    known: Mapping[str, Any] = cast('Mapping[str, Any]', properties) if isinstance(properties, Mapping) else {}
    required = schema.get('required')
    if isinstance(required, list):
        for name in cast('list[str]', required):
            if name not in value:
                errors.append(f'{_join(path, name)}: required, missing')
    extra = schema.get('additionalProperties', True)
    for name, item in value.items():
        if name in known:
            _check(item, known[name], root, _join(path, name), errors, depth + 1)
        elif extra is False:
            allowed = ', '.join(map(repr, known)) or 'none'
            errors.append(f'{_join(path, name)}: not expected (expected: {allowed})')
        elif isinstance(extra, Mapping):
            _check(item, extra, root, _join(path, name), errors, depth + 1)
    count = len(value)
    if isinstance(low := schema.get('minProperties'), int) and count < low:
        errors.append(f'{_where(path)}: expected at least {low} properties, got {count}')
    if isinstance(high := schema.get('maxProperties'), int) and count > high:
        errors.append(f'{_where(path)}: expected at most {high} properties, got {count}')


def _check_array(
    value: Sequence[Any], schema: Mapping[str, Any], root: Mapping[str, Any], path: str, errors: list[str], depth: int
) -> None:
    prefix = schema.get('prefixItems')
    prefix_schemas: list[Any] = list(cast('list[Any]', prefix)) if isinstance(prefix, list) else []
    items = schema.get('items')
    for index, item in enumerate(value):
        if index < len(prefix_schemas):
            _check(item, prefix_schemas[index], root, _join(path, index), errors, depth + 1)
        elif items is False:
            errors.append(f'{_join(path, index)}: not expected (expected {len(prefix_schemas)} items)')
        elif isinstance(items, Mapping):
            _check(item, items, root, _join(path, index), errors, depth + 1)
    count = len(value)
    if isinstance(low := schema.get('minItems'), int) and count < low:
        errors.append(f'{_where(path)}: expected at least {low} items, got {count}')
    if isinstance(high := schema.get('maxItems'), int) and count > high:
        errors.append(f'{_where(path)}: expected at most {high} items, got {count}')
    if schema.get('uniqueItems') is True:
        for index, item in enumerate(value):
            if any(_equal(item, earlier) for earlier in value[:index]):
                errors.append(f'{_join(path, index)}: expected unique items, got {_short(item)} again')
                break


def _check_combinators(
    value: Any, schema: Mapping[str, Any], root: Mapping[str, Any], path: str, errors: list[str], depth: int
) -> None:
    for keyword in ('anyOf', 'oneOf'):
        options = schema.get(keyword)
        if not isinstance(options, list) or not options:
            continue
        options = cast('list[Any]', options)
        found = [_errors_of(value, o, root, path, depth) for o in options]
        fitting = [o for o, e in zip(options, found, strict=True) if not e]
        if not fitting:
            same_kind = [e for o, e in zip(options, found, strict=True) if _same_kind(value, o, root)]
            if len(same_kind) == 1:  # `Address | None` given a dict: what is wrong inside the Address
                errors.extend(same_kind[0])
            else:
                choices = ' or '.join(describe_schema(o, root) for o in options)
                errors.append(f'{_where(path)}: expected {choices}, got {_short(value)}')
        elif keyword == 'oneOf' and len(fitting) > 1:
            errors.append(f'{_where(path)}: fits {len(fitting)} of the oneOf schemas, expected exactly one')
    all_of = schema.get('allOf')
    if isinstance(all_of, list):
        for option in cast('list[Any]', all_of):
            _check(value, option, root, path, errors, depth + 1)
    negated = schema.get('not')
    if isinstance(negated, Mapping) and not _errors_of(value, negated, root, path, depth):
        errors.append(f'{_where(path)}: expected anything but {describe_schema(negated, root)}, got {_short(value)}')


def _same_kind(value: Any, schema: Any, root: Mapping[str, Any]) -> bool:
    """Whether `value` has the JSON type `schema` asks for (or it asks for none)."""
    if not isinstance(schema, Mapping):
        return True
    return _check_type(value, _resolve(cast('Mapping[str, Any]', schema), root), '', [])


def _errors_of(value: Any, schema: Any, root: Mapping[str, Any], path: str, depth: int) -> list[str]:
    found: list[str] = []
    _check(value, schema, root, path, found, depth + 1)
    return found


def describe_schema(schema: Any, root: Mapping[str, Any] | None = None, depth: int = 0) -> str:
    """A schema in a few words, as a type: `integer`, `string or null`, `array of City`, `'c' or 'f'`."""
    if not isinstance(schema, Mapping) or depth > 4:
        return 'anything'
    schema = cast('Mapping[str, Any]', schema)
    ref = schema.get('$ref')
    if isinstance(ref, str):
        return ref.rsplit('/', 1)[-1] if ref != '#' else 'the same object'
    if 'const' in schema:
        return repr(schema['const'])
    enum = schema.get('enum')
    if isinstance(enum, list):
        return ' or '.join(repr(option) for option in cast('list[Any]', enum))
    for keyword in ('anyOf', 'oneOf'):
        options = schema.get(keyword)
        if isinstance(options, list):
            return ' or '.join(describe_schema(o, root, depth + 1) for o in cast('list[Any]', options))
    kind = schema.get('type')
    if kind == 'array' and isinstance(schema.get('items'), Mapping):
        return f'array of {describe_schema(schema["items"], root, depth + 1)}'
    if kind == 'object' and isinstance(schema.get('title'), str):
        return str(schema['title'])
    if isinstance(kind, str):
        return kind
    if isinstance(kind, list):
        return ' or '.join(str(k) for k in cast('list[Any]', kind))
    if isinstance(schema.get('title'), str):
        return str(schema['title'])
    return 'anything'


def signature(name: str, schema: Mapping[str, Any]) -> str:
    """A tool's parameters as a call signature: `spin(square: integer, turns: integer = 1)`."""
    properties = schema.get('properties')
    if not isinstance(properties, Mapping):
        return f'{name}(...)'
    required = schema.get('required')
    names: set[str] = set(cast('list[str]', required)) if isinstance(required, list) else set()
    params: list[str] = []
    for key, sub in cast('Mapping[str, Any]', properties).items():
        text = f'{key}: {describe_schema(sub, schema)}'
        if key not in names:
            default: Any = cast('Mapping[str, Any]', sub).get('default', ...) if isinstance(sub, Mapping) else ...
            text += ' = ...' if default is ... else f' = {default!r}'
        params.append(text)
    return f'{name}({", ".join(params)})'
