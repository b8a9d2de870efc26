"""pytest-agentrun: deterministic, offline tests for pydantic-ai agents.

`import pytest_agentrun` is light: the names that need pydantic-ai (`ScriptedModel`) import it on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import ScriptError, ScriptExhaustedError, UnknownToolError, UnusedTurnsError
from .rules import tool_return
from .script import RequestInfo, Turn, output, raises, text, thinking, tool_call, turn

if TYPE_CHECKING:
    from .assertions import assert_nodes, assert_tool_calls, assert_usage
    from .fixture import AgentRunFactory
    from .model import ScriptedModel, ScriptedRequest
    from .record import RecordedRun, ToolCallRecord
    from .snapshot import normalize_messages
    from .standin import RealRequestBlockedError, StandInModel

__all__ = (
    'AgentRunFactory',
    'RealRequestBlockedError',
    'RecordedRun',
    'RequestInfo',
    'ScriptError',
    'ScriptExhaustedError',
    'ScriptedModel',
    'ScriptedRequest',
    'StandInModel',
    'ToolCallRecord',
    'Turn',
    'UnknownToolError',
    'UnusedTurnsError',
    'assert_nodes',
    'assert_tool_calls',
    'assert_usage',
    'normalize_messages',
    'output',
    'raises',
    'text',
    'thinking',
    'tool_call',
    'tool_return',
    'turn',
)

_LAZY = {
    'ScriptedModel': 'model',
    'ScriptedRequest': 'model',
    'AgentRunFactory': 'fixture',
    'RecordedRun': 'record',
    'ToolCallRecord': 'record',
    'StandInModel': 'standin',
    'RealRequestBlockedError': 'standin',
    'assert_nodes': 'assertions',
    'assert_tool_calls': 'assertions',
    'assert_usage': 'assertions',
    'normalize_messages': 'snapshot',
}


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
