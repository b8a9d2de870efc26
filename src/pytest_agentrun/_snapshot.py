"""Message snapshots that stay stable across runs and across pydantic-ai upgrades.

`normalize_messages(run)` turns a run's messages into plain JSON-like data for `== snapshot(...)`:

- values that change on every run become placeholders, which inline-snapshot writes as dirty-equals
  matchers: timestamps as `IsDatetime()`, ids (run, conversation, tool call, provider response) as
  `IsStr()`, prices as `IsNumber()`. `--inline-snapshot=create` writes them with their
  `from dirty_equals import ...`, and `--inline-snapshot=fix` keeps them;
- fields left at their default are left out, so a pydantic-ai release that adds a field with a default
  does not break the snapshot; the `kind`/`part_kind` discriminators always stay, for readability.

In Python the placeholders stay comparable: an id becomes a token numbered by first appearance
(`'<tool_call_id:2>'`), so a tool call still pairs with its return; a timestamp becomes a `Timestamp`
and a price a `Cost`, which equal any other of their kind and match `IsDatetime()` and `IsNumber()`.
A snapshot holds `IsStr()` for every id, so there the pairing shows only by order and tool name.

The inline-snapshot hook that writes the matchers is `pytest_agentrun._inline_snapshot`, loaded through
the `inline_snapshot` entry point. It writes `IsStr()` for any plain string that is exactly an id token,
wherever it appears in a snapshot. A snapshot written with the string tokens of earlier releases
(`'<timestamp>'`) fails; `--inline-snapshot=fix` writes matchers for its timestamps and prices, and
`--inline-snapshot=update` for its ids, which still match.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

__all__ = ('normalize_messages',)

_KEEP = frozenset({'kind', 'part_kind'})
_ID_FIELDS = frozenset({'run_id', 'conversation_id', 'tool_call_id', 'provider_response_id'})


_ID_TOKEN = re.compile(r'<(?:run_id|conversation_id|tool_call_id|provider_response_id):[1-9][0-9]*>')


class Timestamp(datetime):
    """A timestamp that changes from run to run: equal to any other `Timestamp`, written `IsDatetime()`."""

    __slots__ = ()

    @classmethod
    def of(cls, value: datetime) -> Timestamp:
        """The placeholder for `value`, which it still holds."""
        return cls(
            value.year,
            value.month,
            value.day,
            value.hour,
            value.minute,
            value.second,
            value.microsecond,
            value.tzinfo,
            fold=value.fold,
        )

    def __eq__(self, other: object) -> bool:
        return True if isinstance(other, Timestamp) else super().__eq__(other)

    def __ne__(self, other: object) -> bool:
        return False if isinstance(other, Timestamp) else super().__ne__(other)

    def __hash__(self) -> int:
        return hash(Timestamp)

    def __repr__(self) -> str:
        return 'IsDatetime()'


class Cost(Decimal):
    """A price, which changes with the price tables: equal to any other `Cost`, written `IsNumber()`."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return True if isinstance(other, Cost) else super().__eq__(other)

    def __ne__(self, other: object) -> bool:
        return False if isinstance(other, Cost) else super().__ne__(other)

    def __hash__(self) -> int:
        return hash(Cost)

    def __repr__(self) -> str:
        return 'IsNumber()'


def placeholder_matcher(value: Any) -> Any:
    """The dirty-equals matcher a snapshot holds for a placeholder in normalized messages, or None.

    Called by the inline-snapshot plugin for every value it writes, so it returns fast for anything else.
    """
    if type(value) is str:
        if value[:1] != '<' or not _ID_TOKEN.fullmatch(value):
            return None
        from dirty_equals import IsStr

        return IsStr()
    if isinstance(value, Timestamp):
        from dirty_equals import IsDatetime

        return IsDatetime()
    if isinstance(value, Cost):
        from dirty_equals import IsNumber

        return IsNumber()
    return None


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
        return Timestamp.of(value)
    if name in _ID_FIELDS and isinstance(value, str):
        return tokens.token(name, value)
    if name == 'cost' and isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return Cost(str(value))
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
    become placeholders that inline-snapshot writes as dirty-equals matchers, and fields at their default
    are left out.
    """
    tokens = _Tokens()
    return [_normalize(message, tokens) for message in _messages_of(run)]
