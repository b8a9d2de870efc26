"""pytest-agentrun: deterministic, offline tests for pydantic-ai agents.

`import pytest_agentrun` is light: the names that need pydantic-ai (`ScriptedModel`) import it on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import ScriptError, ScriptExhaustedError, UnknownToolError, UnusedTurnsError
from .rules import tool_return
from .script import RequestInfo, Turn, output, raises, text, thinking, tool_call, turn

if TYPE_CHECKING:
    from .model import ScriptedModel, ScriptedRequest

__all__ = (
    # the scripted model
    'ScriptedModel',
    'ScriptedRequest',
    # writing scripts
    'RequestInfo',
    'Turn',
    'output',
    'raises',
    'text',
    'thinking',
    'tool_call',
    'tool_return',
    'turn',
    # errors
    'ScriptError',
    'ScriptExhaustedError',
    'UnknownToolError',
    'UnusedTurnsError',
)

_LAZY = {'ScriptedModel': 'model', 'ScriptedRequest': 'model'}


def __getattr__(name: str) -> Any:
    """Import the names that need pydantic-ai on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
    import importlib

    value = getattr(importlib.import_module(f'{__name__}.{module}'), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
