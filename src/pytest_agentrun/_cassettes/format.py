"""The cassette file: where it lives, and its format, written, read and validated here and nowhere else.

A cassette holds what a real model answered during one test, so the test can replay it offline. Writing
turns responses and stream events into the format's plain data (`encode_response`, `encode_event`,
`dump_cassette`); reading checks a file down to each response and delta and rebuilds them (`read_cassette`),
raising `CassetteFormatError` with the JSON path of the first problem.

The format (version 1), as JSON with sorted keys, two-space indents and a final newline:

```json
{
  "runs": [
    {
      "model": "openai:gpt-5.2",
      "requests": [
        {
          "request": {"history": 0, "instructions": null, "output_tools": [], "parts": [...], "tools": [...]},
          "response": {"finish_reason": "stop", "model_name": "...", "parts": [...], "usage": {...}},
          "stream": [{"part": 0, "text": "The capital"}, {"part": 0, "text": " is Paris."}]
        }
      ]
    }
  ],
  "version": 1
}
```

A run is one agent run against one model, in the order the runs started. `request` summarises what was asked
(the parts of the latest request, how many messages came before it, the instructions and the tools offered)
and is what a replayed request is compared with; `response` is the answer; `stream` (streamed requests
only) is every delta as it came, one per line. Nothing in it depends on the clock, the network or the
provider's random values: tool-call ids become `call_1`, `call_2`, ... and thinking signatures (OpenAI's
encrypted reasoning among them) `signature_1`, ... in order of appearance, numbered when the file is written.

Reading is strict: a key given twice, a key or a finish reason the format does not have, nesting deeper than
`MAX_DEPTH` and numbers Python cannot hold as written are errors, like a value of the wrong type.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pydantic
from pydantic_ai.messages import (
    ModelResponse,
    ModelResponsePart,
    ModelResponseStreamEvent,
    PartDeltaEvent,
    PartStartEvent,
    TextPart,
    TextPartDelta,
    ThinkingPart,
    ThinkingPartDelta,
    ToolCallPart,
    ToolCallPartDelta,
)
from pydantic_ai.usage import RequestUsage

from pytest_agentrun import _compat

__all__ = (
    'FORMAT_VERSION',
    'PLACEHOLDER_SIGNATURE',
    'CassetteFormatError',
    'Chunk',
    'Entry',
    'cassette_path',
    'decode_part',
    'dump_cassette',
    'encode_event',
    'encode_response',
    'file_stem',
    'map_entry',
    'read_cassette',
    'replayed',
)

FORMAT_VERSION = 1
"""The cassette format this release writes, and the newest it reads."""

CASSETTE_DIR = 'cassettes'

_SAFE = re.compile(r'[^A-Za-z0-9_.\-\[\]]')

Chunk = dict[str, Any]
"""One stream delta as the cassette keeps it: `{"part": 0, "text": "Hel"}`."""


class CassetteFormatError(ValueError):
    """A cassette file that cannot be read: not JSON, not a cassette, or from a newer format."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f'{path}: {problem}')
        self.problem = problem
        """What is wrong with the file."""


# --- where cassettes live -------------------------------------------------------------------------------


def file_stem(test_name: str) -> str:
    """A file name for a test name: `test_x[Paris-1]` stays; other characters become `_`, plus a short hash.

    The hash keeps two names apart that differ only in characters replaced (`[a b]` and `[a/b]`).
    """
    safe = _SAFE.sub('_', test_name)
    if safe == test_name:
        return safe
    import hashlib

    return f'{safe}-{hashlib.sha1(test_name.encode()).hexdigest()[:8]}'


def cassette_path(module: Path, test_name: str, name: str | None = None) -> Path:
    """`<module dir>/cassettes/<module stem>/<test name>.json`, or `<name>.json` there when the test names it."""
    stem = file_stem(name if name is not None else test_name)
    return module.parent / CASSETTE_DIR / module.stem / f'{stem}.json'


# --- writing --------------------------------------------------------------------------------------------


def _dump(value: Any, indent: str, inline: bool) -> str:
    if inline or not isinstance(value, (dict, list)) or not value:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(', ', ': '))
    inner = indent + '  '
    if isinstance(value, dict):
        mapping = cast('dict[str, Any]', value)
        items = [
            f'{inner}{json.dumps(key, ensure_ascii=False)}: {_dump(mapping[key], inner, False)}'
            if key != 'stream'
            else f'{inner}"stream": {_dump_lines(mapping[key], inner)}'
            for key in sorted(mapping)
        ]
        return '{\n' + ',\n'.join(items) + '\n' + indent + '}'
    items = [f'{inner}{_dump(item, inner, False)}' for item in cast('list[Any]', value)]
    return '[\n' + ',\n'.join(items) + '\n' + indent + ']'


def _dump_lines(values: Any, indent: str) -> str:
    """A list with one compact item per line: a stream's deltas read like the stream."""
    if not isinstance(values, list) or not values:
        return _dump(values, indent, True)
    inner = indent + '  '
    return (
        '[\n' + ',\n'.join(f'{inner}{_dump(v, inner, True)}' for v in cast('list[Any]', values)) + '\n' + indent + ']'
    )


def dump_cassette(runs: Sequence[Mapping[str, Any]]) -> str:
    """The text of a cassette holding `runs`: the same runs always give the same bytes.

    Tool-call ids become `call_1`, `call_2`, ... and thinking signatures `signature_1`, ... in the order they
    appear in the file, whatever the provider sent: the same conversation gives the same file.
    """
    ids, signatures = _Numbering('call_'), _Numbering('signature_')
    numbered = [{**run, 'requests': [map_entry(entry, ids, signatures) for entry in run['requests']]} for run in runs]
    return _dump({'runs': numbered, 'version': FORMAT_VERSION}, '', False) + '\n'


PLACEHOLDER_SIGNATURE = re.compile(r'signature_[0-9]+')
"""A thinking signature as a cassette keeps it: the provider's own, random per response, is not kept."""

_REPLAYED = '\x00replayed:'
"""Marks the ids and signatures of a request replayed from a cassette while a new cassette is built: they are
numbered apart from those a provider sends, which could be spelled alike (`call_1`)."""


class _Numbering:
    """`<prefix>1`, `<prefix>2`, ... for the values given, in the order they are first given."""

    def __init__(self, prefix: str) -> None:
        self._prefix = prefix
        self._map: dict[str, str] = {}

    def __call__(self, raw: str) -> str:
        if raw not in self._map:
            self._map[raw] = f'{self._prefix}{len(self._map) + 1}'
        return self._map[raw]


def replayed(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A request read from a cassette, to go into a new one: its ids and signatures kept apart from new ones."""
    return map_entry(entry, _REPLAYED.__add__, _REPLAYED.__add__)


def map_entry(entry: Mapping[str, Any], ids: Callable[[str], str], signatures: Callable[[str], str]) -> dict[str, Any]:
    """A copy of a cassette's request with its tool-call ids and (non-empty) thinking signatures mapped."""

    def part(data: Mapping[str, Any]) -> dict[str, Any]:
        mapped = dict(data)
        if isinstance(mapped.get('tool_call_id'), str):
            mapped['tool_call_id'] = ids(mapped['tool_call_id'])
        if mapped.get('kind') == 'thinking' and isinstance(mapped.get('signature'), str) and mapped['signature']:
            mapped['signature'] = signatures(mapped['signature'])
        inner = mapped.get('data')
        if isinstance(inner, dict) and isinstance(inner.get('tool_call_id'), str):  # pyright: ignore[reportUnknownMemberType]
            mapped['data'] = {**cast('dict[str, Any]', inner), 'tool_call_id': ids(cast(str, inner['tool_call_id']))}
        return mapped

    def chunk(data: Mapping[str, Any]) -> dict[str, Any]:
        mapped = dict(data)
        if isinstance(mapped.get('tool_call_id'), str):
            mapped['tool_call_id'] = ids(mapped['tool_call_id'])
        if isinstance(mapped.get('signature'), str) and mapped['signature']:
            mapped['signature'] = signatures(mapped['signature'])
        if isinstance(mapped.get('whole'), dict):
            mapped['whole'] = part(mapped['whole'])
        return mapped

    copy = dict(entry)
    response = entry.get('response')
    if isinstance(response, dict) and isinstance(response.get('parts'), list):  # pyright: ignore[reportUnknownMemberType]
        parts = cast('list[Any]', response['parts'])
        copy['response'] = {
            **response,
            'parts': [part(cast('dict[str, Any]', p)) if isinstance(p, dict) else p for p in parts],
        }
    stream = entry.get('stream')
    if isinstance(stream, list):
        copy['stream'] = [
            chunk(cast('dict[str, Any]', c)) if isinstance(c, dict) else c for c in cast('list[Any]', stream)
        ]
    return copy


@functools.cache
def _part_adapter() -> pydantic.TypeAdapter[Any]:
    return pydantic.TypeAdapter(ModelResponsePart)


def _encode_part(part: ModelResponsePart) -> dict[str, Any]:
    if isinstance(part, TextPart):
        return {'kind': 'text', 'content': part.content}
    if isinstance(part, ThinkingPart):
        data: dict[str, Any] = {'kind': 'thinking', 'content': part.content}
        if part.signature is not None:
            data['signature'] = part.signature
        return data
    if type(part) is ToolCallPart:
        return {
            'kind': 'tool-call',
            'tool_name': part.tool_name,
            'args': part.args if part.args is not None else {},
            'tool_call_id': part.tool_call_id,
        }
    # Parts with no delta form (native tool calls and returns, files): pydantic-ai's own schema, minus ids.
    dumped = cast('dict[str, Any]', _part_adapter().dump_python(part, mode='json'))
    dumped.pop('id', None)
    dumped.pop('timestamp', None)
    return {'kind': part.part_kind, 'data': dumped}


def _encode_usage(usage: RequestUsage) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in sorted(_compat.USAGE_FIELDS):
        value = getattr(usage, name, 0)
        if isinstance(value, int) and not isinstance(value, bool) and value:
            data[name] = value
    details = getattr(usage, 'details', None)
    if details:
        data['details'] = dict(sorted(cast('dict[str, int]', details).items()))
    return data


def encode_response(response: ModelResponse) -> dict[str, Any]:
    """A response as the cassette keeps it: parts, usage, finish reason and model name; no time or response id.

    Tool-call ids and signatures are the provider's until `dump_cassette` numbers them.
    """
    data: dict[str, Any] = {'parts': [_encode_part(p) for p in response.parts]}
    if response.model_name:
        data['model_name'] = response.model_name
    for name in ('provider_name', 'finish_reason'):
        value = getattr(response, name, None)
        if value is not None:
            data[name] = value
    usage = _encode_usage(response.usage)
    if usage:
        data['usage'] = usage
    return data


def encode_event(event: ModelResponseStreamEvent) -> Chunk | None:
    """A stream event as a cassette delta; `None` for events the stream makes up itself (part ends)."""
    if isinstance(event, PartStartEvent):
        part = event.part
        if isinstance(part, TextPart):
            return {'part': event.index, 'text': part.content}
        if isinstance(part, ThinkingPart):
            chunk: Chunk = {'part': event.index, 'thinking': part.content}
            if part.signature is not None:
                chunk['signature'] = part.signature
            return chunk
        if type(part) is ToolCallPart:
            chunk = {'part': event.index, 'tool_name': part.tool_name, 'tool_call_id': part.tool_call_id}
            if part.args is not None:
                chunk['args'] = part.args
            return chunk
        return {'part': event.index, 'whole': _encode_part(part)}
    if isinstance(event, PartDeltaEvent):
        delta = event.delta
        chunk = {'part': event.index}
        if isinstance(delta, TextPartDelta):
            chunk['text'] = delta.content_delta
        elif isinstance(delta, ThinkingPartDelta):
            if delta.content_delta is not None:
                chunk['thinking'] = delta.content_delta
            if delta.signature_delta is not None:
                chunk['signature'] = delta.signature_delta
        elif isinstance(delta, ToolCallPartDelta):  # pyright: ignore[reportUnnecessaryIsInstance]
            for key, value in (
                ('tool_name', delta.tool_name_delta),
                ('args', delta.args_delta),
                ('tool_call_id', delta.tool_call_id),
            ):
                if value is not None:
                    chunk[key] = value
        return chunk if len(chunk) > 1 else None
    return None


# --- reading --------------------------------------------------------------------------------------------


@dataclass(kw_only=True)
class Entry:
    """One recorded request and its answer, as read from a cassette."""

    model: str
    """The model name it was recorded for."""
    run: int
    """The run it belongs to (from 0)."""
    number: int
    """Its number within the run (from 1)."""
    summary: dict[str, Any]
    """What was asked, as `summary.summarize_request` gives it."""
    response: ModelResponse
    """The recorded answer."""
    chunks: list[Chunk]
    """The stream deltas: as recorded, or each part in one piece for a request recorded without streaming."""
    raw: dict[str, Any]
    """The request as the file holds it, to be written again (recording only what is missing)."""
    used: bool = False
    """Whether a replayed request took it."""

    @property
    def where(self) -> str:
        """How messages name it: `run 1, request 2`."""
        return f'run {self.run + 1}, request {self.number}'


def read_cassette(path: Path) -> list[Entry]:
    """The recorded requests of the cassette at `path`, in order, checked down to each response and delta.

    Raises `CassetteFormatError` naming what is wrong and where; `FileNotFoundError` if there is no file.
    """
    return _entries(_runs(path), path)


def _runs(path: Path) -> list[dict[str, Any]]:
    """The runs of the cassette at `path`, checked down to the shape of each response and delta."""
    try:
        text = path.read_text(encoding='utf-8')
    except UnicodeDecodeError as error:
        raise CassetteFormatError(path, f'not UTF-8 text ({error.reason} at byte {error.start})') from None
    if not text.strip():
        raise CassetteFormatError(path, 'the file is empty')
    document = _parse(text, path)
    if not isinstance(document, dict):
        raise CassetteFormatError(path, f'expected a JSON object with "version" and "runs", got {_kind(document)}')
    document = cast('dict[str, Any]', document)
    version = document.get('version')
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise CassetteFormatError(path, f'"version" must be a positive integer, got {version!r}')
    if version > FORMAT_VERSION:
        raise CassetteFormatError(
            path,
            f'the cassette is in format version {version}, but this pytest-agentrun reads versions up to '
            f'{FORMAT_VERSION}; upgrade pytest-agentrun, or re-record the cassette',
        )
    _known_keys(document, _TOP_KEYS, 'the top-level object', 'a cassette has "runs" and "version"', path)
    runs = _list(document.get('runs'), 'runs', path)
    for r, run in enumerate(runs):
        where = f'runs[{r}]'
        run = _dict(run, where, path)
        _known_keys(run, _RUN_KEYS, where, 'a run has "model" and "requests"', path)
        if not isinstance(run.get('model'), str) or not run['model']:
            raise CassetteFormatError(path, f'{where}.model must be a model name, got {run.get("model")!r}')
        for q, entry in enumerate(_list(run.get('requests'), f'{where}.requests', path)):
            here = f'{where}.requests[{q}]'
            entry = _dict(entry, here, path)
            _known_keys(entry, _ENTRY_KEYS, here, 'a request has "request", "response" and maybe "stream"', path)
            request = _dict(entry.get('request'), f'{here}.request', path)
            _known_keys(request, _SUMMARY_KEYS, f'{here}.request', _describe(_SUMMARY_KEYS, 'a summary'), path)
            response = _dict(entry.get('response'), f'{here}.response', path)
            _known_keys(response, _RESPONSE_KEYS, f'{here}.response', _RESPONSE_HAS, path)
            for p, part in enumerate(_list(response.get('parts'), f'{here}.response.parts', path)):
                _dict(part, f'{here}.response.parts[{p}]', path)
            if 'stream' in entry:
                for d, delta in enumerate(_list(entry['stream'], f'{here}.stream', path)):
                    delta = _dict(delta, f'{here}.stream[{d}]', path)
                    index = delta.get('part')
                    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
                        raise CassetteFormatError(
                            path, f'{here}.stream[{d}].part must be a part index (0, 1, ...), got {index!r}'
                        )
    return cast('list[dict[str, Any]]', runs)


_TOP_KEYS = frozenset({'runs', 'version'})
_RUN_KEYS = frozenset({'model', 'requests'})
_ENTRY_KEYS = frozenset({'request', 'response', 'stream'})
_SUMMARY_KEYS = frozenset({'history', 'instructions', 'output_tools', 'parts', 'tools'})
_RESPONSE_KEYS = frozenset({'parts', 'finish_reason', 'model_name', 'provider_name', 'usage'})
_RESPONSE_HAS = 'a response has "parts" and some of "finish_reason", "model_name", "provider_name" and "usage"'
_PART_KEYS: dict[str, tuple[frozenset[str], str]] = {
    'text': (frozenset({'kind', 'content'}), 'a text part has "kind" and "content"'),
    'thinking': (
        frozenset({'kind', 'content', 'signature'}),
        'a thinking part has "kind", "content" and maybe "signature"',
    ),
    'tool-call': (
        frozenset({'kind', 'tool_name', 'args', 'tool_call_id'}),
        'a tool-call part has "kind", "tool_name", "args" and "tool_call_id"',
    ),
}
_DELTA_KEYS = ('text', 'thinking', 'signature', 'tool_name', 'args', 'tool_call_id')
_CHUNK_KEYS = frozenset({'part', 'whole', *_DELTA_KEYS})
_DELTA_KINDS = (
    frozenset({'text'}),
    frozenset({'thinking', 'signature'}),
    frozenset({'tool_name', 'args', 'tool_call_id'}),
    frozenset({'whole'}),
)
_CHUNK_HAS = (
    'a delta has "part" and some of "text", "thinking", "signature", "tool_name", "args" and "tool_call_id", or "whole"'
)


def _describe(keys: frozenset[str], what: str) -> str:
    names = [f'"{k}"' for k in sorted(keys)]
    return f'{what} has {", ".join(names[:-1])} and {names[-1]}'


def _known_keys(data: Mapping[str, Any], known: frozenset[str], where: str, has: str, path: Path) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        raise CassetteFormatError(path, f'{where} has an unknown key {json.dumps(unknown[0])}; {has}')


# --- parsing: JSON as strict as the format ---------------------------------------------------------------

MAX_DEPTH = 100
"""How deeply a cassette may nest arrays and objects (it needs about 8 levels, tool arguments a few more)."""

MAX_DIGITS = 4300
"""The most digits a number in a cassette may have: Python's own default limit for reading an integer."""

_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
"""A JSON string, or a bracket outside strings."""


class _Duplicated(dict[str, Any]):
    """A JSON object in which a key was given twice: the key is kept, to be reported with where it is."""

    duplicate: str = ''


@dataclass(frozen=True)
class _BadNumber:
    """A number the format refuses, kept as written to be reported with where it is."""

    problem: str


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) == len(pairs):
        return result
    marked = _Duplicated(result)
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            marked.duplicate = key
            break
        seen.add(key)
    return marked


def _integer(text: str) -> int | _BadNumber:
    digits = len(text.lstrip('-'))
    if digits <= MAX_DIGITS:
        try:
            return int(text)
        except ValueError:  # the program lowered Python's limit (sys.set_int_max_str_digits)
            pass
    return _BadNumber(f'a number of {digits} digits; a cassette holds numbers of up to {MAX_DIGITS} digits')


def _float(text: str) -> float | _BadNumber:
    value = float(text)
    if math.isfinite(value):
        return value
    return _BadNumber(f'{text}, too large for a number (it would be infinity)')


def _constant(text: str) -> _BadNumber:
    return _BadNumber(f'{text}, which is not JSON')


def _parse(text: str, path: Path) -> Any:
    """The JSON document `text`, refusing what the format does not hold, with where it is.

    Duplicate keys, numbers Python cannot hold as they are (`NaN`, `1e999`, thousands of digits) and nesting
    deeper than `MAX_DEPTH` (which would exhaust Python's recursion while parsing) are errors.
    """
    _check_depth(text, path)
    try:
        data = json.loads(
            text, object_pairs_hook=_pairs, parse_int=_integer, parse_float=_float, parse_constant=_constant
        )
    except json.JSONDecodeError as error:
        raise CassetteFormatError(
            path,
            f'not valid JSON: {error.msg} at line {error.lineno}, column {error.colno} '
            '(is the file truncated, or was it edited by hand?)',
        ) from None
    except RecursionError:  # pragma: no cover - `_check_depth` refuses such files first
        raise CassetteFormatError(path, 'nested too deeply to read (was it edited by hand?)') from None
    _check_values(data, '', path)
    return data


def _check_depth(text: str, path: Path) -> None:
    depth = 0
    for token in _TOKENS.finditer(text):
        bracket = token.group()
        if bracket in '[{':
            depth += 1
            if depth > MAX_DEPTH:
                line = text.count('\n', 0, token.start()) + 1
                column = token.start() - (text.rfind('\n', 0, token.start()) + 1) + 1
                raise CassetteFormatError(
                    path,
                    f'nested more than {MAX_DEPTH} levels deep at line {line}, column {column} '
                    '(was it edited by hand?)',
                )
        elif bracket in ']}':
            depth -= 1


def _child(where: str, key: str | int) -> str:
    if isinstance(key, int):
        return f'{where}[{key}]'
    name = key if key.isidentifier() else json.dumps(key, ensure_ascii=False)
    if not key.isidentifier():
        return f'{where}[{name}]'
    return f'{where}.{name}' if where else name


def _check_values(value: Any, where: str, path: Path) -> None:
    """Refuse a duplicated key or a bad number anywhere in `value` (at most `MAX_DEPTH` deep)."""
    if isinstance(value, _BadNumber):
        raise CassetteFormatError(path, f'{where} is {value.problem}')
    if isinstance(value, _Duplicated):
        raise CassetteFormatError(
            path,
            f'{where or "the top-level object"} has the key {json.dumps(value.duplicate)} twice; '
            'a key may appear once in an object',
        )
    if isinstance(value, dict):
        for key, item in cast('dict[str, Any]', value).items():
            _check_values(item, _child(where, key), path)
    elif isinstance(value, list):
        for index, item in enumerate(cast('list[Any]', value)):
            _check_values(item, _child(where, index), path)


def _kind(value: object) -> str:
    names: dict[type, str] = {dict: 'an object', list: 'a list', str: 'a string'}
    return names.get(type(value), type(value).__name__)


def _list(value: object, where: str, path: Path) -> list[Any]:
    if not isinstance(value, list):
        raise CassetteFormatError(path, f'{where} must be a list, got {_kind(value)}')
    return cast('list[Any]', value)


def _dict(value: object, where: str, path: Path) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CassetteFormatError(path, f'{where} must be an object, got {_kind(value)}')
    return cast('dict[str, Any]', value)


class _EntryProblem(Exception):
    """A problem in one cassette entry, with where it is."""


def _field(
    data: Mapping[str, Any], key: str, types: type | tuple[type, ...], where: str, *, optional: bool = False
) -> Any:
    if key not in data:
        if optional:
            return None
        raise _EntryProblem(f'{where} has no {key!r}')
    value = data[key]
    if not isinstance(value, types) or isinstance(value, bool):
        names = ' or '.join(t.__name__ for t in (types if isinstance(types, tuple) else (types,)))
        raise _EntryProblem(f'{where}.{key} must be {names}, got {value!r}')
    return value


def _no_unknown_keys(data: Mapping[str, Any], known: frozenset[str], where: str, has: str) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        raise _EntryProblem(f'{where} has an unknown key {json.dumps(unknown[0])}; {has}')


def decode_part(data: Mapping[str, Any], where: str) -> ModelResponsePart:
    kind = data.get('kind')
    if isinstance(kind, str) and kind in _PART_KEYS:
        known, has = _PART_KEYS[kind]
        _no_unknown_keys(data, known, where, has)
    if kind == 'text':
        return TextPart(_field(data, 'content', str, where))
    if kind == 'thinking':
        return ThinkingPart(
            _field(data, 'content', str, where), signature=_field(data, 'signature', str, where, optional=True)
        )
    if kind == 'tool-call':
        return ToolCallPart(
            _field(data, 'tool_name', str, where),
            _field(data, 'args', (str, dict), where),
            tool_call_id=_field(data, 'tool_call_id', str, where),
        )
    raw = data.get('data')
    if not isinstance(kind, str) or not isinstance(raw, dict):
        raise _EntryProblem(
            f"{where}.kind must be 'text', 'tool-call', 'thinking' or another part kind with 'data', got {kind!r}"
        )
    _no_unknown_keys(data, frozenset({'kind', 'data'}), where, f'a {kind} part has "kind" and "data"')
    try:
        return cast(ModelResponsePart, _part_adapter().validate_python(raw))
    except pydantic.ValidationError as error:
        raise _EntryProblem(f'{where}.data is not a {kind!r} part: {error.errors()[0]["msg"]}') from None


def _decode_usage(data: Any, where: str) -> RequestUsage:
    if data is None:
        return RequestUsage()
    if not isinstance(data, dict):
        raise _EntryProblem(f'{where} must be an object of token counters, got {data!r}')
    counters = dict(cast('dict[str, Any]', data))
    details = counters.pop('details', None)
    unknown = sorted(set(counters) - _compat.USAGE_FIELDS)
    if unknown:
        raise _EntryProblem(f'{where} has counters the installed pydantic-ai does not know: {", ".join(unknown)}')
    for name, value in [*counters.items(), *(cast('dict[str, Any]', details or {})).items()]:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise _EntryProblem(f'{where}.{name} must be a non-negative integer, got {value!r}')
    usage = RequestUsage(**counters)
    if details:
        usage.details = dict(details)
    return usage


def decode_response(data: Mapping[str, Any], where: str) -> ModelResponse:
    """Rebuild a recorded response (raising `_EntryProblem` for what does not fit)."""
    parts = [decode_part(cast('dict[str, Any]', p), f'{where}.parts[{i}]') for i, p in enumerate(data['parts'])]
    extra: dict[str, Any] = {}
    for name in ('provider_name', 'finish_reason'):
        value = _field(data, name, str, where, optional=True)
        if name == 'finish_reason' and value is not None and value not in _compat.FINISH_REASONS:
            *others, last = (repr(reason) for reason in _compat.FINISH_REASONS)
            raise _EntryProblem(f'{where}.finish_reason must be {", ".join(others)} or {last}, got {value!r}')
        if value is not None and name in _compat.RESPONSE_FIELDS:
            extra[name] = value
    return ModelResponse(
        parts=parts,
        model_name=_field(data, 'model_name', str, where, optional=True),
        usage=_decode_usage(data.get('usage'), f'{where}.usage'),
        **extra,
    )


def _check_chunk(chunk: Mapping[str, Any], where: str) -> None:
    _no_unknown_keys(chunk, _CHUNK_KEYS, where, _CHUNK_HAS)
    for key in _DELTA_KEYS:
        _field(chunk, key, (str, dict) if key == 'args' else str, where, optional=True)
    whole = _field(chunk, 'whole', dict, where, optional=True)
    if whole is not None:
        decode_part(whole, f'{where}.whole')
    kinds = [sorted(keys & set(chunk)) for keys in _DELTA_KINDS if keys & set(chunk)]
    if not kinds:
        raise _EntryProblem(f'{where} holds no delta')
    if len(kinds) > 1:
        raise _EntryProblem(
            f'{where} mixes {json.dumps(kinds[0][0])} and {json.dumps(kinds[1][0])}; a delta is text, thinking '
            '(with or without a signature), pieces of a tool call, or a "whole" part'
        )


def _chunks_of(response: ModelResponse, data: Mapping[str, Any]) -> list[Chunk]:
    """The deltas of a response recorded without streaming: each part in one piece."""
    chunks: list[Chunk] = []
    for index, (part, raw) in enumerate(zip(response.parts, data['parts'], strict=True)):
        if isinstance(part, TextPart):
            chunks.append({'part': index, 'text': part.content})
        elif isinstance(part, ThinkingPart):
            chunk: Chunk = {'part': index, 'thinking': part.content}
            if part.signature is not None:
                chunk['signature'] = part.signature
            chunks.append(chunk)
        elif type(part) is ToolCallPart:
            chunks.append(
                {'part': index, 'tool_name': part.tool_name, 'args': part.args, 'tool_call_id': part.tool_call_id}
            )
        else:
            chunks.append({'part': index, 'whole': raw})
    return chunks


def _entries(runs: list[dict[str, Any]], path: Path) -> list[Entry]:
    entries: list[Entry] = []
    for r, run in enumerate(runs):
        for q, entry in enumerate(cast('list[dict[str, Any]]', run['requests'])):
            where = f'runs[{r}].requests[{q}]'
            try:
                response = decode_response(entry['response'], f'{where}.response')
                stream = cast('list[Chunk] | None', entry.get('stream'))
                if stream is not None:
                    for d, chunk in enumerate(stream):
                        _check_chunk(chunk, f'{where}.stream[{d}]')
            except _EntryProblem as error:
                raise CassetteFormatError(path, str(error)) from None
            entries.append(
                Entry(
                    model=run['model'],
                    run=r,
                    number=q + 1,
                    summary=entry['request'],
                    response=response,
                    chunks=stream if stream is not None else _chunks_of(response, entry['response']),
                    raw=entry,
                )
            )
    return entries
