"""Request summaries: what a request asks, as a cassette keeps it and a replayed request is compared on."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, cast

import pydantic_core
from pydantic_ai.messages import ModelMessage, ModelRequest
from pydantic_ai.models import ModelRequestParameters

__all__ = ('describe_summary', 'diff_lines', 'match_view', 'summarize_request')

_PROMPT_KINDS = ('user-prompt', 'system-prompt')
_RETURN_KINDS = ('tool-return', 'retry-prompt')


def _jsonable(value: Any) -> Any:
    """A JSON value for tool returns and prompts; objects JSON cannot hold become `'<TypeName>'`."""
    return pydantic_core.to_jsonable_python(value, fallback=lambda v: f'<{type(v).__name__}>')


def _retry_content(content: Any) -> Any:
    """A retry prompt's content, without the documentation URLs that change with the pydantic release."""
    if isinstance(content, list):
        errors = cast('list[Any]', content)
        return [
            {k: v for k, v in cast('dict[str, Any]', e).items() if k != 'url'} if isinstance(e, dict) else e
            for e in _jsonable(errors)
        ]
    return _jsonable(content)


def _summarize_part(part: Any) -> dict[str, Any]:
    kind: str = getattr(part, 'part_kind', type(part).__name__)
    summary: dict[str, Any] = {'kind': kind}
    if kind == 'user-prompt':
        content = part.content
        summary['content'] = content if isinstance(content, str) else [_jsonable(c) for c in content]
    elif kind == 'system-prompt':
        summary['content'] = part.content
    elif kind == 'tool-return':
        summary['tool'] = part.tool_name
        summary['content'] = _jsonable(part.content)
    elif kind == 'retry-prompt':
        summary['tool'] = part.tool_name
        summary['content'] = _retry_content(part.content)
    return summary


def summarize_request(messages: Sequence[ModelMessage], parameters: ModelRequestParameters) -> dict[str, Any]:
    """What a request asks, as the cassette keeps it and a replayed request is compared on.

    The parts of the latest request (prompts, tool returns, retries), how many messages came before it,
    its instructions and the names of the tools offered. Ids and timestamps are left out.
    """
    latest_at = next((i for i in range(len(messages) - 1, -1, -1) if isinstance(messages[i], ModelRequest)), None)
    latest = cast(ModelRequest, messages[latest_at]) if latest_at is not None else None
    summary: dict[str, Any] = {
        'history': latest_at if latest_at is not None else len(messages),
        'instructions': getattr(latest, 'instructions', None),
        'parts': [_summarize_part(p) for p in latest.parts] if latest is not None else [],
        'tools': [t.name for t in parameters.function_tools],
        'output_tools': [t.name for t in parameters.output_tools],
    }
    return json.loads(json.dumps(summary))


def describe_summary(summary: Mapping[str, Any]) -> str:
    """A summary in a few words, for messages."""
    parts = cast('list[dict[str, Any]]', summary.get('parts') or [])
    described: list[str] = []
    for part in parts:
        if not isinstance(part, dict):  # pyright: ignore[reportUnnecessaryIsInstance]
            continue
        tool = part.get('tool')
        content = json.dumps(part.get('content'), ensure_ascii=False)
        described.append(f'{part.get("kind")} {f"{tool}: " if tool else ""}{content[:60]}')
    return ', '.join(described) or 'no parts'


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
