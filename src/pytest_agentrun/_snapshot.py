"""Message snapshots that stay stable across runs and across pydantic-ai upgrades.

`normalize_messages(run)` turns a run's messages into plain JSON-like data for `== snapshot(...)`:

- values that change on every run become placeholders, which inline-snapshot writes as dirty-equals
  matchers: timestamps as `IsDatetime()`, ids (run, conversation, tool call, provider response) as
  `IsStr()`, prices as `IsNumber()`. `--inline-snapshot=create` writes them with their
  `from dirty_equals import ...`, and `--inline-snapshot=fix` keeps them;
- binary data (images, files) becomes `'<N bytes, sha256 0123456789ab>'`, stable and still telling files apart;
- fields left at their default are left out, so a pydantic-ai release that adds a field with a default
  does not break the snapshot; the `kind`/`part_kind` discriminators always stay, for readability;
- values the user masks (`mask=`) stay themselves in Python, and are written in a snapshot as the user's
  dirty-equals matcher: the hook recognises each masked value by its identity (see `_masked`).

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

import copy
import dataclasses
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeAlias, cast

__all__ = ('Mask', 'normalize_messages')

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


def _fresh(matcher: Any) -> Any:
    """A copy of a dirty-equals matcher that has compared nothing: its repr is its code, not the last value."""
    fresh = copy.copy(matcher)
    for name in ('_other', '_was_equal'):
        if hasattr(fresh, name):
            setattr(fresh, name, None)
    return fresh


def _matcher_code(matcher: Any) -> str:
    repr_ne = getattr(matcher, '_repr_ne', None)
    return cast(str, repr_ne()) if callable(repr_ne) else repr(matcher)


_MASKED: dict[int, tuple[Any, Any]] = {}
"""Each masked value by its id, with the user's matcher; the entry keeps the value alive, so its id stays its own."""
_MASKED_LIMIT = 65536


def _masked(value: Any, matcher: Any) -> Any:
    """Mark `value` as masked by `matcher`: the same value, but an object of its own, known to the snapshot hook.

    In Python the value stays itself (a matcher must compare equal to the plain value: `IsStr` takes no `str`
    subclass); inline-snapshot asks `placeholder_matcher` how to write each value, and gets the matcher for this
    object. A string is copied into a new object first, so that the same text elsewhere in the messages is not
    taken for the masked one (one-character strings and small numbers are shared by Python: the hook writes
    the matcher only for values it matches, so a shared one is at worst written as a matcher that matches it).
    """
    if isinstance(value, str) and len(value) > 1:
        value = value[:1] + value[1:]
    elif isinstance(value, dict):
        value = dict(cast('dict[Any, Any]', value))
    elif isinstance(value, list):
        value = list(cast('list[Any]', value))
    if len(_MASKED) >= _MASKED_LIMIT:
        del _MASKED[next(iter(_MASKED))]
    _MASKED[id(value)] = (value, matcher)
    return value


def _mask_of(value: Any) -> Any:
    entry = _MASKED.get(id(value))
    if entry is None or entry[0] is not value:
        return None
    matcher = _fresh(entry[1])
    return matcher if _fresh(entry[1]) == value else None


def placeholder_matcher(value: Any) -> Any:
    """The dirty-equals matcher a snapshot holds for a placeholder in normalized messages, or None.

    Called by the inline-snapshot plugin for every value it writes, so it returns fast for anything else.
    """
    if _MASKED and id(value) in _MASKED:
        return _mask_of(value)
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


def _binary(data: bytes | bytearray) -> str:
    """A stable stand-in for binary data (an image, a file): its size and the start of its SHA-256."""
    return f'<{len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()[:12]}>'


Mask: TypeAlias = 'Mapping[str, Any] | Iterable[Any]'
"""Values to mask: `{field or key name: matcher}`, or matchers each masking every value it matches."""


class _Masks:
    """The user's masks, checked and applied to normalized values."""

    def __init__(self, mask: Mask | None) -> None:
        self.by_name: dict[str, Any] = {}
        self.by_value: list[Any] = []
        if mask is None:
            return
        from dirty_equals import DirtyEquals

        def matcher(value: Any, where: str) -> Any:
            if not isinstance(value, DirtyEquals):  # pyright: ignore[reportUnknownArgumentType]
                raise TypeError(
                    f'normalize_messages(mask=...): {where} is {value!r}; a mask is a dirty-equals matcher, '
                    "e.g. IsStr(regex=r'ord_\\w+'), which a snapshot keeps in place of the value"
                )
            return cast(Any, value)

        if isinstance(mask, Mapping):
            for key, value in cast('Mapping[Any, Any]', mask).items():
                if not isinstance(key, str):
                    raise TypeError(f'normalize_messages(mask=...): the key {key!r} is not a field or key name')
                self.by_name[key] = matcher(value, f'the mask of {key!r}')
        elif isinstance(mask, (str, bytes)) or not isinstance(mask, Iterable):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise TypeError(
                f'normalize_messages(mask=...) takes {{field name: matcher}} or a list of matchers, got {mask!r}'
            )
        else:
            for index, item in enumerate(mask):
                if isinstance(item, tuple) and len(cast('tuple[Any, ...]', item)) == 2:
                    key, value = cast('tuple[Any, Any]', item)
                    self.by_name[str(key)] = matcher(value, f'the mask of {key!r}')
                else:
                    self.by_value.append(matcher(item, f'mask[{index}]'))

    def __bool__(self) -> bool:
        return bool(self.by_name or self.by_value)

    def apply(self, value: Any, name: str | None, path: str) -> Any:
        """`value` masked if a mask names its field or key (it must match), or a value mask matches it."""
        if isinstance(value, (Timestamp, Cost)) or (type(value) is str and _ID_TOKEN.fullmatch(value)):
            return value
        if name is not None and name in self.by_name:
            matcher = self.by_name[name]
            if _fresh(matcher) != value:
                raise ValueError(
                    f'normalize_messages(mask=...): {path} is {value!r}, which the mask of {name!r}, '
                    f'{_matcher_code(matcher)}, does not match; fix the matcher, or mask another field'
                )
            return _masked(value, matcher)
        for matcher in self.by_value:
            if _fresh(matcher) == value:
                return _masked(value, matcher)
        return value


def _normalize(value: Any, tokens: _Tokens, masks: _Masks, name: str | None = None, path: str = '') -> Any:
    result = _normalize_value(value, tokens, masks, name, path)
    return masks.apply(result, name, path) if masks else result


def _normalize_value(value: Any, tokens: _Tokens, masks: _Masks, name: str | None, path: str) -> Any:
    if isinstance(value, datetime):
        return Timestamp.of(value)
    if name in _ID_FIELDS and isinstance(value, str):
        return tokens.token(name, value)
    if name == 'cost' and isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return Cost(str(value))
    if isinstance(value, (bytes, bytearray)):
        return _binary(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(value):
            if f.name.startswith('_') or not f.repr:
                continue
            item = getattr(value, f.name)
            if f.name not in _KEEP and _is_default(f, item):
                continue
            out[f.name] = _normalize(item, tokens, masks, f.name, f'{path}.{f.name}')
        return out
    if isinstance(value, dict):
        mapping = cast('dict[Any, Any]', value)
        return {str(k): _normalize(v, tokens, masks, str(k), f'{path}[{str(k)!r}]') for k, v in mapping.items()}
    if isinstance(value, (list, tuple)):
        items = cast('Sequence[Any]', value)
        return [_normalize(v, tokens, masks, None, f'{path}[{i}]') for i, v in enumerate(items)]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    import pydantic_core

    return pydantic_core.to_jsonable_python(value, bytes_mode='base64')


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


def normalize_messages(run: Any, *, mask: Mask | None = None) -> list[dict[str, Any]]:
    r"""Turn a run's messages into JSON-like data to compare with `snapshot(...)`.

    Takes a recorded run, an `AgentRun`/`AgentRunResult`, or a list of messages. Timestamps, ids and prices
    become placeholders that inline-snapshot writes as dirty-equals matchers, binary data (images, files)
    a stable `'<1024 bytes, sha256 ...>'`, and fields at their default are left out.

    `mask` masks values of your own with dirty-equals matchers, which inline-snapshot writes in their place
    and `--inline-snapshot=fix` keeps: `mask={'order_id': IsStr(regex=r'ord_\w+')}` masks the value of every
    field or key of that name (the matcher must match it), `mask=[IsStr(regex=r'Today is .*')]` every value
    a matcher matches. In Python a masked value stays the plain value.
    """
    tokens = _Tokens()
    masks = _Masks(mask)
    return [_normalize(message, tokens, masks, None, f'messages[{i}]') for i, message in enumerate(_messages_of(run))]
