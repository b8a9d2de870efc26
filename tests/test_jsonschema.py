"""The JSON-schema check of scripted tool arguments and outputs, against the schemas pydantic writes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from typing_extensions import TypedDict

from pytest_agentrun._jsonschema import describe_schema, schema_errors, signature


class Unit(str, Enum):
    C = 'c'
    F = 'f'


class Address(BaseModel):
    city: str
    zip: Annotated[str, Field(pattern=r'^\d{5}$')] | None = None


class Order(BaseModel, extra='forbid'):
    id: int
    items: Annotated[list[str], Field(min_length=1, max_length=3)]
    unit: Unit = Unit.C
    ship_to: Address | None = None
    quantity: Annotated[int, Field(gt=0, le=10)] = 1
    price: Annotated[float, Field(multiple_of=0.5)] = 1.0
    kind: Literal['a', 'b'] = 'a'
    pair: tuple[int, str] = (1, 'x')
    tags: dict[str, int] = {}
    children: list[Order] = []


@dataclass
class Point:
    x: int
    y: int = 0


class Movie(TypedDict):
    title: str
    year: int


SCHEMA = Order.model_json_schema()

# values a model could send, and whether pydantic (strict JSON mode) takes them
CASES: list[tuple[Any, bool]] = [
    ({'id': 1, 'items': ['a']}, True),
    ({'id': 1, 'items': ['a'], 'unit': 'f', 'kind': 'b', 'pair': [2, 'y'], 'tags': {'k': 1}}, True),
    ({'id': 1, 'items': ['a'], 'ship_to': {'city': 'Paris', 'zip': '75001'}}, True),
    ({'id': 1, 'items': ['a'], 'children': [{'id': 2, 'items': ['b']}]}, True),
    ({'id': 1, 'items': ['a'], 'price': 2.5}, True),
    ({'items': ['a']}, False),  # required id missing
    ({'id': '1', 'items': ['a']}, False),  # a string for an integer (pydantic's lax mode would take it)
    ({'id': True, 'items': ['a']}, False),  # a boolean is not a number
    ({'id': 1, 'items': []}, False),  # too few items
    ({'id': 1, 'items': ['a', 'b', 'c', 'd']}, False),  # too many
    ({'id': 1, 'items': ['a'], 'unit': 'k'}, False),  # not in the enum
    ({'id': 1, 'items': ['a'], 'quantity': 0}, False),  # exclusive minimum
    ({'id': 1, 'items': ['a'], 'quantity': 11}, False),  # maximum
    ({'id': 1, 'items': ['a'], 'price': 1.2}, False),  # not a multiple of 0.5
    ({'id': 1, 'items': ['a'], 'kind': 'c'}, False),  # not one of the literals
    ({'id': 1, 'items': ['a'], 'pair': ['x', 2]}, False),  # prefix items of the wrong types
    ({'id': 1, 'items': ['a'], 'tags': {'k': 'v'}}, False),  # additionalProperties schema
    ({'id': 1, 'items': ['a'], 'extra': 1}, False),  # extra='forbid'
    ({'id': 1, 'items': ['a'], 'ship_to': {'zip': '75001'}}, False),  # nested required
    ({'id': 1, 'items': ['a'], 'ship_to': {'city': 'Paris', 'zip': 'abc'}}, False),  # nested pattern
    ({'id': 1, 'items': ['a'], 'children': [{'id': 'x', 'items': ['b']}]}, False),  # through $ref, recursively
    ([1, 2], False),
]


@pytest.mark.parametrize(('value', 'fits'), CASES)
def test_agrees_with_pydantic_strict_json(value: Any, fits: bool) -> None:
    errors = schema_errors(value, SCHEMA)
    assert (errors == []) is fits, errors
    try:
        Order.model_validate_json(json.dumps(value), strict=True)
    except ValidationError:
        assert not fits
    else:
        assert fits


def test_error_lines_say_where_and_what() -> None:
    value = {'items': [], 'id': '1', 'unit': 'k', 'extra': 1, 'ship_to': {'zip': 'abc'}, 'pair': ['x', 'y']}
    assert schema_errors(value, SCHEMA) == [  # in the order of the value's keys
        'items: expected at least 1 items, got 0',
        "id: expected integer, got '1'",
        "unit: expected one of 'c', 'f', got 'k'",
        "extra: not expected (expected: 'id', 'items', 'unit', 'ship_to', 'quantity', 'price', 'kind', 'pair', "
        "'tags', 'children')",
        'ship_to.city: required, missing',  # of `Address | None`, the one a dict can be
        "ship_to.zip: expected text matching '^\\d{5}$', got 'abc'",
        "pair[0]: expected integer, got 'x'",
    ]
    assert schema_errors([1], {'type': 'object'}) == ['(the value): expected object, got [1]']


@pytest.mark.parametrize(
    ('tp', 'good', 'bad'),
    [
        (Point, {'x': 1}, {'x': 1.5}),
        (Movie, {'title': 'Up', 'year': 2009}, {'title': 'Up'}),
        (list[int], [1, 2.0], [1, None]),
        (int | None, None, 'x'),
        (tuple[int, ...], [1, 2], [1, 'a']),
    ],
)
def test_dataclasses_typed_dicts_and_builtins(tp: Any, good: Any, bad: Any) -> None:
    schema = TypeAdapter(tp).json_schema()
    assert schema_errors(good, schema) == []
    assert schema_errors(bad, schema) != []


def test_json_rules_for_numbers() -> None:
    assert schema_errors(18.0, {'type': 'integer'}) == []  # JSON has one number type: 18.0 is an integer
    assert schema_errors(18.5, {'type': 'integer'}) == ['(the value): expected integer, got 18.5']
    assert schema_errors(False, {'type': 'number'}) == ['(the value): expected number, got False']
    assert schema_errors(1, {'const': True}) == ['(the value): expected True, got 1']
    assert schema_errors(1.0, {'enum': [1]}) == []


def test_combinators_and_references() -> None:
    schema = {
        '$defs': {'A': {'type': 'string'}},
        'oneOf': [{'$ref': '#/$defs/A'}, {'type': 'integer'}, {'type': 'number'}],
    }
    assert schema_errors('x', schema) == []
    assert schema_errors(None, schema) == ['(the value): expected A or integer or number, got None']
    assert schema_errors(1, schema) == ['(the value): fits 2 of the oneOf schemas, expected exactly one']
    assert schema_errors(3, {'allOf': [{'minimum': 1}, {'maximum': 2}]}) == ['(the value): expected at most 2, got 3']
    assert schema_errors('a', {'not': {'type': 'string'}}) == ["(the value): expected anything but string, got 'a'"]
    assert schema_errors([1, 1], {'uniqueItems': True}) == ['[1]: expected unique items, got 1 again']
    assert schema_errors([1, 2], {'prefixItems': [{}], 'items': False}) == ['[1]: not expected (expected 1 items)']
    assert schema_errors(1, False) == ['(the value): not expected']  # type: ignore[arg-type]


def test_what_is_not_checked_passes() -> None:
    assert schema_errors('not a date', {'type': 'string', 'format': 'date'}) == []
    assert schema_errors('x', {'$ref': 'https://example.com/schema.json'}) == []
    assert schema_errors('x', {'type': 'string', 'pattern': '(?<=\\p{L})'}) == []  # not Python syntax
    assert schema_errors('x', {'if': {'type': 'string'}, 'then': {'type': 'integer'}}) == []


def test_describe_schema_and_signature() -> None:
    assert describe_schema(SCHEMA['$defs']['Order']['properties']['ship_to'], SCHEMA) == 'Address or null'
    assert describe_schema({'type': 'array', 'items': {'type': 'integer'}}) == 'array of integer'
    assert describe_schema({'enum': ['c', 'f']}) == "'c' or 'f'"
    assert describe_schema({'type': ['string', 'null']}) == 'string or null'
    assert describe_schema(None) == 'anything'

    def spin(square: int, turns: int = 1, label: str | None = None) -> None: ...

    schema = TypeAdapter(spin).json_schema()
    assert signature('spin', schema) == 'spin(square: integer, turns: integer = 1, label: string or null = None)'
    assert signature('f', {'type': 'object'}) == 'f(...)'
