"""What the agent did, as a compact transcript for the report of a failed test.

`render(factory)` turns the runs an `agentrun` fixture recorded (and the requests its scripted models answered
outside them) into lines a person reads in a failure report: the prompt, each model turn and which scripted
turn gave it, tool calls with arguments and results, retries, the output or the error, and the usage.

The messages are read by their attributes (`kind`, `part_kind`, ...): this module imports no pydantic-ai at
module level, so the plugin can import it; what differs between releases (retries, usage) is read through
`_compat`, imported only when there is a run to render.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from typing import Any, cast

__all__ = ('SECTION', 'render')

SECTION = 'agentrun transcript'
"""The title of the report section."""

_CLIP = 160
_MAX_LINES = 400


def _clip(text: str, limit: int = _CLIP) -> str:
    text = ' '.join(text.split()) if '\n' in text else text
    return text if len(text) <= limit else text[: limit - 3] + '...'


def _value(value: Any, limit: int = _CLIP) -> str:
    if isinstance(value, (bytes, bytearray)):
        return f'<{len(value)} bytes>'
    return _clip(repr(value), limit)


def _content(content: Any) -> str:
    """A user prompt or tool return: a string as it is (quoted), a list item by item, files by type and size."""
    if isinstance(content, (list, tuple)):
        return '[' + ', '.join(_content(item) for item in cast('Sequence[Any]', content)) + ']'
    data = getattr(content, 'data', None)
    media_type = getattr(content, 'media_type', None)
    if isinstance(data, (bytes, bytearray)) and media_type:
        return f'<{media_type}, {len(data)} bytes>'
    url = getattr(content, 'url', None)
    if isinstance(url, str):
        return f'<{type(content).__name__} {url}>'
    return _value(content)


def _args(args: Any) -> str:
    if isinstance(args, str):
        try:
            args = json.loads(args) if args else {}
        except ValueError:
            return _value(args)
    if isinstance(args, dict):
        mapping = cast('dict[str, Any]', args)
        if all(k.isidentifier() for k in mapping):
            return ', '.join(f'{k}={_value(v, 60)}' for k, v in mapping.items())
        return _value(mapping)
    return '' if args is None else _value(args)


def _response_part(part: Any) -> str:
    kind = getattr(part, 'part_kind', type(part).__name__)
    if kind == 'text':
        return _value(part.content)
    if kind == 'tool-call':
        return f'{part.tool_name}({_args(part.args)})'
    if kind == 'thinking':
        return f'thinking {_value(part.content, 80)}'
    if kind == 'builtin-tool-call':
        return f'native {part.tool_name}({_args(part.args)})'
    if kind == 'builtin-tool-return':
        return f'native {part.tool_name} -> {_content(part.content)}'
    if kind == 'file':
        return f'file {_content(part.content)}'
    return str(kind)


def _request_lines(message: Any, first: bool, retry_of: Any) -> list[str]:
    lines: list[str] = []
    instructions = getattr(message, 'instructions', None)
    if first and isinstance(instructions, str) and instructions:
        lines.append(f'instructions: {_value(instructions)}')
    for part in getattr(message, 'parts', ()):
        retry = retry_of(part)
        kind = getattr(part, 'part_kind', type(part).__name__)
        if retry is not None:
            from ._script import retry_text

            tool_name, content, _ = retry
            lines.append(
                f'retry {tool_name}: {_clip(retry_text(content))}'
                if tool_name
                else f'retry: {_clip(retry_text(content))}'
            )
        elif kind == 'user-prompt':
            lines.append(f'user: {_content(part.content)}')
        elif kind == 'system-prompt':
            if first:
                lines.append(f'system: {_value(part.content)}')
        elif kind == 'tool-return':
            lines.append(f'tool {part.tool_name} -> {_content(part.content)}')
        else:
            lines.append(str(kind))
    return lines


def _usage_line(usage: Any) -> str:
    from ._compat import usage_tokens

    requests = getattr(usage, 'requests', 0)
    tool_calls = getattr(usage, 'tool_calls', 0)
    input_tokens, output_tokens = usage_tokens(usage)
    parts = [
        f'{requests} request{"s" if requests != 1 else ""}',
        f'{input_tokens} input tokens',
        f'{output_tokens} output tokens',
    ]
    if hasattr(usage, 'tool_calls'):  # counted from pydantic-ai 1.0
        parts.append(f'{tool_calls} tool call{"s" if tool_calls != 1 else ""}')
    return 'usage: ' + ', '.join(parts)


def _error_line(error: BaseException) -> str:
    first = str(error).strip().splitlines()[0] if str(error).strip() else ''
    return f'error: {type(error).__name__}' + (f': {_clip(first)}' if first else '')


def _interrupted(message: Any) -> bool:
    return not getattr(message, 'parts', ()) and getattr(message, 'state', None) == 'interrupted'


def _run_lines(number: int, count: int, run: Any) -> list[str]:
    from . import _compat

    model = getattr(run, 'model', None)
    label = getattr(model, 'label', None) or "the agent's own model (replayed or real)"
    streamed = ', streamed' if getattr(run, 'events', None) else ''
    if run.result is not None:
        status = 'finished'
    elif run.error is not None:
        status = f'failed: {type(run.error).__name__}'
    else:
        status = 'unfinished'
    lines = [f'run {number} of {count}: {_content(run.prompt)} on {label}{streamed} ({status})']
    messages = list(run.messages)
    new = list(run.new_messages)
    if len(messages) > len(new):
        lines.append(f'  (after {len(messages) - len(new)} messages of history)')
    answered = [r.answered_by for r in run.requests if r.response is not None]
    responses = [m for m in new if getattr(m, 'kind', None) == 'response' and not _interrupted(m)]
    labels = answered if len(answered) == len(responses) else [None] * len(responses)
    index = 0
    first = True
    for message in new:
        if getattr(message, 'kind', None) == 'request':
            lines.extend(f'  {line}' for line in _request_lines(message, first, _compat.retry_of))
            first = False
        elif _interrupted(message):  # 2.x closes a response the error cut off with an empty one
            lines.append('  model: (interrupted)')
        else:
            by = labels[index]
            index += 1
            prefix = f'model ({by})' if by else 'model'
            parts = ', '.join(_response_part(p) for p in getattr(message, 'parts', ())) or '(no parts)'
            lines.append(f'  {prefix}: {parts}')
    if run.result is not None:
        lines.append(f'  output: {_value(run.output)}')
    if run.error is not None:
        lines.append(f'  {_error_line(run.error)}')
    with contextlib.suppress(AssertionError):  # a run that never started has no usage
        lines.append(f'  {_usage_line(run.usage)}')
    return lines


def _outside_lines(model: Any, requests: Sequence[Any]) -> list[str]:
    from . import _compat
    from ._errors import describe_message

    plural = 's' if len(requests) != 1 else ''
    lines = [f'{model.label}: {len(requests)} request{plural} from agents the code under test ran']
    for request in requests:
        latest = request.messages[-1] if request.messages else None
        asked = describe_message(latest, limit=_CLIP, retry_of=_compat.retry_of).removeprefix('request ')
        if request.response is not None:
            parts = ', '.join(_response_part(p) for p in request.response.parts) or '(no parts)'
            answer = f'model ({request.answered_by}): {parts}'
        else:
            answer = _error_line(request.error) if request.error is not None else 'no answer'
        agent = getattr(request, 'agent_name', None)
        lines.append(f'  request {request.number}{f" from {agent!r}" if agent else ""}: {asked}')
        lines.append(f'    {answer}')
    return lines


def render(factory: Any) -> str:
    """The transcript of every run `factory` recorded, and of requests its models answered outside them; or ''."""
    runs: list[Any] = list(getattr(factory, 'runs', ()))
    lines: list[str] = []
    in_runs: set[int] = set()
    for number, run in enumerate(runs, 1):
        in_runs.update(id(r) for r in run.requests)
        lines.extend(_run_lines(number, len(runs), run))
    for model in getattr(factory, 'models', ()):
        outside = [r for r in model.requests if id(r) not in in_runs]
        if outside:
            lines.extend(_outside_lines(model, outside))
    if len(lines) > _MAX_LINES:
        lines = [*lines[:_MAX_LINES], f'... {len(lines) - _MAX_LINES} more lines']
    return '\n'.join(lines)
