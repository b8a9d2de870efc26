"""Message snapshots that stay stable across runs and across pydantic-ai upgrades.

`normalize_messages(run)` turns a run's messages into plain JSON-like data for `== snapshot(...)`:

- values that change on every run become stable tokens: timestamps `'<timestamp>'`, prices `'<cost>'`, and
  ids numbered by first appearance (`'<run_id:1>'`, `'<tool_call_id:2>'`), so a tool call still pairs
  visibly with its return;
- fields left at their default are left out, so a pydantic-ai release that adds a field with a default
  does not break the snapshot; the `kind`/`part_kind` discriminators always stay, for readability.

Tokens are plain strings, so `--inline-snapshot=create` and `--inline-snapshot=fix` write them as they
are. Any value in a snapshot may also be written by hand as a dirty-equals matcher (`IsStr()`), which
inline-snapshot keeps through `fix`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

__all__ = ('normalize_messages',)

_KEEP = frozenset({'kind', 'part_kind'})
_ID_FIELDS = frozenset({'run_id', 'conversation_id', 'tool_call_id', 'provider_response_id'})


class _Tokens:
    """Numbers each distinct volatile id by first appearance, per field."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], str] = {}
        self._counts: dict[str, int] = {}

    def token(self, name: str, value: str) -> str:
        key = (name, value)
        if key not in self._seen:
            self._counts[name] = self._counts.get(name, 0) + 1
            self._seen[key] = f'<{name}:{self._counts[name]}>'
        return self._seen[key]


def _is_default(f: dataclasses.Field[Any], value: Any) -> bool:
    if f.default is not dataclasses.MISSING:
        default = f.default
    elif f.default_factory is not dataclasses.MISSING:
        default = f.default_factory()
    else:
        return False
    try:
        return type(value) is type(default) and bool(value == default)
    except Exception:  # pragma: no cover - exotic values that cannot compare
        return False


def _normalize(value: Any, tokens: _Tokens, name: str | None = None) -> Any:
    if isinstance(value, datetime):
        return '<timestamp>'
    if name in _ID_FIELDS and isinstance(value, str):
        return tokens.token(name, value)
    if name == 'cost' and value is not None:
        return '<cost>'
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(value):
            if f.name.startswith('_') or not f.repr:
                continue
            item = getattr(value, f.name)
            if f.name not in _KEEP and _is_default(f, item):
                continue
            out[f.name] = _normalize(item, tokens, f.name)
        return out
    if isinstance(value, dict):
        mapping = cast('dict[Any, Any]', value)
        return {str(k): _normalize(v, tokens) for k, v in mapping.items()}
    if isinstance(value, (list, tuple)):
        items = cast('Sequence[Any]', value)
        return [_normalize(v, tokens) for v in items]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    import pydantic_core

    return pydantic_core.to_jsonable_python(value)


def _messages_of(run: Any) -> Sequence[Any]:
    if isinstance(run, (list, tuple)):
        return run  # pyright: ignore[reportUnknownVariableType]
    if hasattr(run, 'all_messages'):
        return run.all_messages()
    if hasattr(run, 'messages'):
        return run.messages
    raise TypeError(
        f'normalize_messages() takes a recorded run, an agent run or result, or a list of messages, got {run!r}'
    )


def normalize_messages(run: Any) -> list[dict[str, Any]]:
    """Turn a run's messages into JSON-like data to compare with `snapshot(...)`.

    Takes a recorded run, an `AgentRun`/`AgentRunResult`, or a list of messages. Timestamps, ids and prices
    become stable tokens, and fields at their default are left out.
    """
    tokens = _Tokens()
    return [_normalize(message, tokens) for message in _messages_of(run)]
