"""pytest-agentrun: deterministic, offline tests for pydantic-ai agents.

`import pytest_agentrun` is light: each name is imported on first use, and only the names that need
pydantic-ai (`ScriptedModel`, ...) import it. The plugin, loaded into every pytest run, pays for none of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._assertions import assert_nodes, assert_tool_calls, assert_usage
    from ._errors import (
        InvalidArgumentsError,
        InvalidOutputError,
        RealRequestBlockedError,
        ScriptError,
        ScriptExhaustedError,
        UnknownToolError,
        UnusedTurnsError,
    )
    from ._fixture import AgentRunFactory
    from ._model import ScriptedModel, ScriptedRequest
    from ._rules import for_model, retry_prompt, tool_return
    from ._runs import RecordedRun, ToolCallRecord
    from ._script import (
        RequestInfo,
        Retry,
        Turn,
        file,
        image,
        native_tool_call,
        native_tool_return,
        output,
        raises,
        text,
        thinking,
        tool_call,
        turn,
    )
    from ._snapshot import normalize_messages
    from ._standin import StandInModel

__all__ = (
    'AgentRunFactory',
    'InvalidArgumentsError',
    'InvalidOutputError',
    'RealRequestBlockedError',
    'RecordedRun',
    'RequestInfo',
    'Retry',
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
    'file',
    'for_model',
    'image',
    'native_tool_call',
    'native_tool_return',
    'normalize_messages',
    'output',
    'raises',
    'retry_prompt',
    'text',
    'thinking',
    'tool_call',
    'tool_return',
    'turn',
)

_LAZY = {
    'InvalidArgumentsError': '_errors',
    'InvalidOutputError': '_errors',
    'RealRequestBlockedError': '_errors',
    'ScriptError': '_errors',
    'ScriptExhaustedError': '_errors',
    'UnknownToolError': '_errors',
    'UnusedTurnsError': '_errors',
    'tool_return': '_rules',
    'retry_prompt': '_rules',
    'for_model': '_rules',
    'RequestInfo': '_script',
    'Retry': '_script',
    'file': '_script',
    'image': '_script',
    'native_tool_call': '_script',
    'native_tool_return': '_script',
    'Turn': '_script',
    'output': '_script',
    'raises': '_script',
    'text': '_script',
    'thinking': '_script',
    'tool_call': '_script',
    'turn': '_script',
    'ScriptedModel': '_model',
    'ScriptedRequest': '_model',
    'AgentRunFactory': '_fixture',
    'RecordedRun': '_runs',
    'ToolCallRecord': '_runs',
    'StandInModel': '_standin',
    'assert_nodes': '_assertions',
    'assert_tool_calls': '_assertions',
    'assert_usage': '_assertions',
    'normalize_messages': '_snapshot',
}


def __getattr__(name: str) -> Any:
    """Import each public name on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
    import importlib

    value = getattr(importlib.import_module(f'{__name__}.{module}'), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
