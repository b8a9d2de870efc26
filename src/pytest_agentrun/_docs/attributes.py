"""The attributes a code fence may carry, what each means, and what a block's attributes ask for.

Attributes that change how an example runs:

- `test="skip"` (optionally `test="skip - the reason"`): do not run it; `test="ci_only"`: run it only where the
  `CI` environment variable is set (true, 1 or yes), for examples that need a service only CI has;
- `title="x.py"`: the block is the module `x`, importable by blocks that `requires="x.py"` it;
- `requires="x.py, y.py"`: run those blocks first, as importable modules;
- `call="f"`, or `call_name="f"` as pydantic-ai's docs write it: call `f()` after the block runs;
- `dunder_name="name"`: the `__name__` the block runs under (default `'__main__'`, as `python x.py` runs it);
- `py="3.11"` / `max_py="3.12"`: run only on that Python or newer / older;
- `line_length="100"`: the line length printed output is laid out to when the doc is updated.

Display and lint attributes (mkdocs-material's `hl_lines`, `linenums`, ...; pytest-examples' `lint`, `noqa`,
`format`) are accepted and ignored: we run examples, we do not lint or render them. Any other attribute fails
the example, naming the known ones, unless the project lists it in `agentrun_docs_fence_attributes`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ('DISPLAY_ATTRIBUTES', 'MAIN', 'RUN_ATTRIBUTES', 'FenceError', 'FenceSettings', 'fence_settings')

RUN_ATTRIBUTES = ('call', 'call_name', 'dunder_name', 'line_length', 'max_py', 'py', 'requires', 'test', 'title')
"""The attributes that change how an example runs."""

DISPLAY_ATTRIBUTES = ('anchor_linenums', 'format', 'hl_lines', 'line_spans', 'linenums', 'lint', 'noqa')
"""Attributes for rendering (mkdocs-material) or linting (pytest-examples): accepted, not used."""

MAIN = '__main__'


class FenceError(Exception):
    """A fence attribute that cannot be honoured; the message names it and the fix (without the location)."""


@dataclass(frozen=True)
class FenceSettings:
    """What a block's fence attributes ask for."""

    skip: str | None = None
    """Why the example is not run, or None."""
    call: str | None = None
    """The function named by `call=`/`call_name=`, or None for the session's default."""
    dunder_name: str = MAIN
    """The `__name__` the example runs under."""
    line_length: int | None = None
    """The line length for updates, or None for the session's."""


def _version(text: str, key: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split('.'))
    except ValueError:
        raise FenceError(f'{key}="{text}" is not a Python version; write it like {key}="3.11"') from None


def fence_settings(attrs: Mapping[str, str], accepted: Iterable[str] = ()) -> FenceSettings:
    """Read a block's attributes.

    Raises:
        FenceError: an unknown attribute (not in `accepted` either), or a value an attribute does not take.

    """
    extra = set(accepted)
    for key, value in attrs.items():
        if key not in RUN_ATTRIBUTES and key not in DISPLAY_ATTRIBUTES and key not in extra:
            runs, shown = ', '.join(RUN_ATTRIBUTES), ', '.join(DISPLAY_ATTRIBUTES)
            raise FenceError(
                f'unknown code fence attribute {key}="{value}". Attributes that change how an example runs: '
                f'{runs}; accepted and ignored (display or lint): {shown}. '
                'Fix the name, or list it in the ini key agentrun_docs_fence_attributes to accept and ignore it.'
            )
    call, call_name = attrs.get('call'), attrs.get('call_name')
    if call and call_name and call != call_name:
        raise FenceError(f'call="{call}" and call_name="{call_name}" name different functions; keep one of them.')
    line_length: int | None = None
    if 'line_length' in attrs:
        text = attrs['line_length']
        if not text.isdigit() or int(text) < 20:
            raise FenceError(f'line_length="{text}" must be a whole number of at least 20.')
        line_length = int(text)
    return FenceSettings(
        skip=_skip_reason(attrs),
        call=call or call_name or None,
        dunder_name=attrs.get('dunder_name') or MAIN,
        line_length=line_length,
    )


def _skip_reason(attrs: Mapping[str, str]) -> str | None:
    test = attrs.get('test')
    if test is not None:
        if test.startswith('skip'):
            return test[4:].lstrip(' -:') or 'test="skip" on the code fence'
        if test != 'ci_only':
            raise FenceError(
                f'test="{test}" is not a value the test attribute takes: test="skip" '
                '(optionally with a reason: test="skip - why") or test="ci_only".'
            )
        if os.environ.get('CI', '').strip().lower() not in ('1', 'true', 'yes'):
            return 'test="ci_only": runs only where the CI environment variable is set'
    if 'py' in attrs and sys.version_info < _version(attrs['py'], 'py'):
        return f'py="{attrs["py"]}": needs Python {attrs["py"]} or newer'
    if 'max_py' in attrs and sys.version_info[:2] > _version(attrs['max_py'], 'max_py'):
        return f'max_py="{attrs["max_py"]}": needs Python {attrs["max_py"]} or older'
    return None
