"""Cassette files: where they live, how they are written and read, and the messages about them.

A cassette holds what a real model answered during one test, so the test can replay it offline. This module
knows the file and its format; `replay` builds the models that record and replay. It does not import
pydantic-ai, so the plugin can use it for every test at no cost.

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

A run is one agent run against one model, in the order they happened. `request` summarises what was asked
(the parts of the latest request, how many messages came before it, the instructions and the tools offered)
and is what a replayed request is compared with; `response` is the answer; `stream` (streamed requests
only) is every delta as it came, one per line. Nothing in it depends on the clock, the network or the
provider's random ids: tool-call ids become `call_1`, `call_2`, ... in order of appearance.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

__all__ = (
    'FORMAT_VERSION',
    'MATCH_ASPECTS',
    'CassetteFormatError',
    'cassette_path',
    'dump_cassette',
    'read_cassette',
)

FORMAT_VERSION = 1
"""The cassette format this release writes, and the newest it reads."""

MATCH_ASPECTS: tuple[str, ...] = ('prompt', 'instructions', 'tools', 'tool_returns', 'history')
"""What a replayed request is compared on, unless the test narrows it with `match_on=`."""

CASSETTE_DIR = 'cassettes'

_PROMPT_KINDS = ('user-prompt', 'system-prompt')
_RETURN_KINDS = ('tool-return', 'retry-prompt')
_SAFE = re.compile(r'[^A-Za-z0-9_.\-\[\]]')


class CassetteFormatError(ValueError):
    """A cassette file that cannot be read: not JSON, not a cassette, or from a newer format."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f'{path}: {problem}')
        self.path = path
        """The file."""
        self.problem = problem
        """What is wrong with it."""


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
    """The text of a cassette holding `runs`: the same runs always give the same bytes."""
    return _dump({'runs': list(runs), 'version': FORMAT_VERSION}, '', False) + '\n'


# --- reading --------------------------------------------------------------------------------------------


def read_cassette(path: Path) -> list[dict[str, Any]]:
    """The runs of the cassette at `path`, checked down to the shape of each response and delta.

    Raises `CassetteFormatError` naming what is wrong and where; `FileNotFoundError` if there is no file.
    """
    try:
        text = path.read_text(encoding='utf-8')
    except UnicodeDecodeError as error:
        raise CassetteFormatError(path, f'not UTF-8 text ({error.reason} at byte {error.start})') from None
    if not text.strip():
        raise CassetteFormatError(path, 'the file is empty')
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise CassetteFormatError(
            path,
            f'not valid JSON: {error.msg} at line {error.lineno}, column {error.colno} '
            '(is the file truncated, or was it edited by hand?)',
        ) from None
    if not isinstance(data, dict):
        raise CassetteFormatError(path, f'expected a JSON object with "version" and "runs", got {_kind(data)}')
    document = cast('dict[str, Any]', data)
    version = document.get('version')
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise CassetteFormatError(path, f'"version" must be a positive integer, got {version!r}')
    if version > FORMAT_VERSION:
        raise CassetteFormatError(
            path,
            f'the cassette is in format version {version}, but this pytest-agentrun reads versions up to '
            f'{FORMAT_VERSION}; upgrade pytest-agentrun, or re-record the cassette',
        )
    runs = _list(document.get('runs'), 'runs', path)
    for r, run in enumerate(runs):
        where = f'runs[{r}]'
        run = _dict(run, where, path)
        if not isinstance(run.get('model'), str) or not run['model']:
            raise CassetteFormatError(path, f'{where}.model must be a model name, got {run.get("model")!r}')
        for q, entry in enumerate(_list(run.get('requests'), f'{where}.requests', path)):
            here = f'{where}.requests[{q}]'
            entry = _dict(entry, here, path)
            _dict(entry.get('request'), f'{here}.request', path)
            response = _dict(entry.get('response'), f'{here}.response', path)
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


# --- matching -------------------------------------------------------------------------------------------


def match_view(summary: Mapping[str, Any], aspects: Sequence[str]) -> dict[str, Any]:
    """The part of a request summary that `aspects` compare."""
    view: dict[str, Any] = {}
    kinds: list[str] = []
    if 'prompt' in aspects:
        kinds.extend(_PROMPT_KINDS)
    if 'tool_returns' in aspects:
        kinds.extend(_RETURN_KINDS)
    if kinds:
        parts = cast('list[Any]', summary.get('parts') or [])
        view['parts'] = [p for p in parts if not isinstance(p, dict) or p.get('kind') in kinds]  # pyright: ignore[reportUnknownMemberType]
    if 'instructions' in aspects:
        view['instructions'] = summary.get('instructions')
    if 'tools' in aspects:
        view['tools'] = summary.get('tools')
        view['output_tools'] = summary.get('output_tools')
    if 'history' in aspects:
        view['history'] = summary.get('history')
    return view


def diff_lines(recorded: Mapping[str, Any], actual: Mapping[str, Any]) -> list[str]:
    """A unified diff of two request summaries, as indented JSON."""
    import difflib

    def lines(value: Mapping[str, Any]) -> list[str]:
        return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False).splitlines()

    return list(difflib.unified_diff(lines(recorded), lines(actual), 'recorded', 'actual', lineterm='', n=2))


# --- messages -------------------------------------------------------------------------------------------


def record_command(nodeid: str) -> str:
    """The command that records the cassette of one test."""
    return f'    pytest --agentrun-record {shlex.quote(nodeid)}'


def missing_message(*, nodeid: str, path: str, name: str) -> str:
    """The failure of a replayed request when the test has no cassette."""
    return '\n'.join(
        [
            f'pytest-agentrun: {nodeid} replays the model {name!r} from a cassette, but {path} does not exist.',
            'Record it against the real model (this makes real, possibly paid, requests):',
            record_command(nodeid),
            'A test with a cassette never calls the real model while replaying.',
        ]
    )


def bad_file_message(*, nodeid: str, path: str, problem: str) -> str:
    """The failure for a cassette that cannot be read."""
    return '\n'.join(
        [
            f'pytest-agentrun: cannot read the cassette {path}:',
            f'  {problem}',
            'Restore the file from version control, or delete it and record it again:',
            record_command(nodeid),
        ]
    )


def mismatch_message(
    *,
    nodeid: str,
    path: str,
    name: str,
    number: int,
    where: str,
    recorded: Mapping[str, Any],
    actual: Mapping[str, Any],
) -> str:
    """The failure of a replayed request that differs from the recorded one, with the diff."""
    return '\n'.join(
        [
            f'pytest-agentrun: request {number} to {name!r} differs from the one recorded in {path} ({where}):',
            *diff_lines(recorded, actual),
            'If the change is intended, record the cassette again:',
            record_command(nodeid),
            'or compare on less: @pytest.mark.agentrun(match_on=[...]) with some of '
            f'{", ".join(MATCH_ASPECTS)} (match_on=[] replays in order).',
        ]
    )


def exhausted_message(*, nodeid: str, path: str, name: str, number: int, recorded: int) -> str:
    """The failure of a replayed request after every recorded answer for its model was used."""
    plural = 's' if recorded != 1 else ''
    return '\n'.join(
        [
            f'pytest-agentrun: request {number} to {name!r} has no answer in {path}: the cassette recorded '
            f'{recorded} request{plural} to that model, and all were replayed.',
            'The test now makes more requests than when it was recorded. Record the cassette again:',
            record_command(nodeid),
        ]
    )


def unused_message(*, nodeid: str, path: str, unused: Sequence[str], recorded: int) -> str:
    """The teardown failure for recorded requests the test never made."""
    return '\n'.join(
        [
            f'pytest-agentrun: {len(unused)} of the {recorded} requests recorded in {path} were never replayed:',
            *(f'  {u}' for u in unused),
            'The test now makes fewer requests than when it was recorded. Record the cassette again:',
            record_command(nodeid),
            'or let recorded requests go unused with @pytest.mark.agentrun(strict=False).',
        ]
    )
