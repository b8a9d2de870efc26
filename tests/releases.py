"""What the tests need to know of the installed pydantic-ai release: features to skip on, and readers of what differs.

The package's own release differences live in `pytest_agentrun._compat`; these are the ones only tests ask about.
Each is detected by feature, not by version number.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pydantic_ai
from pydantic_ai import agent as _agent
from pydantic_ai import messages as _messages
from pydantic_ai import models as _models

from pytest_agentrun import _compat


def _field_names(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cls))


HAS_CONVERSATION_ID: bool = 'conversation_id' in _field_names(_messages.ModelRequest)
"""Messages carry a `conversation_id` shared across runs continuing one history (from 1.89)."""

HAS_COST: bool = 'cost' in _field_names(_compat.RequestUsage)
"""`RequestUsage.cost` exists, priced by genai-prices from the model name (from 2.23)."""

HAS_MODEL_ID: bool = hasattr(_models.Model, 'model_id')
"""Models have a `model_id` such as `'openai:gpt-5.2'`."""

HAS_PREPARE_REQUEST: bool = hasattr(_models.Model, 'prepare_request')
"""Models merge settings and resolve request parameters themselves, in `prepare_request` (not in 1.0)."""

HAS_REQUEST_TIMESTAMP: bool = 'timestamp' in _field_names(_messages.ModelRequest)
"""`ModelRequest.timestamp` exists (from 1.38)."""

HAS_RESPONSE_MODEL_ID: bool = 'model_id' in _field_names(_messages.ModelResponse)
"""`ModelResponse.model_id` exists (from 2.64)."""

HAS_RUN_ID: bool = 'run_id' in _field_names(_messages.ModelRequest)
"""Messages carry the `run_id` of the run that made them (from 1.15)."""

HAS_RUN_STREAM_EVENTS: bool = hasattr(getattr(_agent, 'AbstractAgent', _agent.Agent), 'run_stream_events')
"""`Agent.run_stream_events` exists."""

HAS_STREAM_CANCEL: bool = hasattr(_models.StreamedResponse, 'cancel')
"""Streamed responses can be cancelled by their consumer (`result.cancel()`; not in 1.0)."""

PART_END_EVENT: type[Any] | None = getattr(_messages, 'PartEndEvent', None)
"""The `PartEndEvent` class, or `None` in releases whose streams do not mark the end of a part."""


def tool_result_part(event: object) -> Any:
    """The tool return a `FunctionToolResultEvent` carries: `part` in newer releases, `result` in older ones."""
    part = getattr(event, 'part', None)
    return part if part is not None else getattr(event, 'result', None)


@asynccontextmanager
async def run_stream_events(agent: Any, *args: Any, **kwargs: Any) -> AsyncGenerator[AsyncIterator[Any], None]:
    """`agent.run_stream_events(...)` as an async context manager yielding the events, on every release having it.

    Newer releases return an async context manager, older ones the async iterator itself.
    """
    stream: Any = agent.run_stream_events(*args, **kwargs)
    if hasattr(stream, '__aenter__'):
        async with stream as events:
            yield events
    else:
        yield stream


def _prompted_output_schema_in_request() -> bool:
    """Probe: does a prompted-output request carry the output schema (`output_object`)? Not in 1.0."""
    import anyio
    from pydantic import BaseModel
    from pydantic_ai import Agent

    PromptedOutput = getattr(pydantic_ai, 'PromptedOutput', None)
    if PromptedOutput is None:  # before 0.3.3: no prompted output at all
        return False

    from pytest_agentrun import ScriptedModel, output

    class Probe(BaseModel):
        x: int

    model = ScriptedModel([output(x=1)])

    async def main() -> None:
        await Agent(model, output_type=PromptedOutput(Probe)).run('probe')

    anyio.run(main)
    return model.requests[0].parameters.output_object is not None


HAS_PROMPTED_OUTPUT_SCHEMA: bool = _prompted_output_schema_in_request()
"""Prompted-output requests carry the output's JSON schema in `output_object` (not in 1.0)."""


def native_tool_agent(model: Any, kind: str = 'web_search', **kwargs: Any) -> Any:
    """An agent offering a native tool (`'web_search'` or `'image_generation'`), as the installed release takes it.

    1.0 takes `builtin_tools=[...]` from `pydantic_ai.builtin_tools`; later releases a `NativeTool` capability
    holding a tool from `pydantic_ai.native_tools`.
    """
    import inspect

    from pydantic_ai import Agent

    if 'builtin_tools' in inspect.signature(Agent.__init__).parameters:
        from pydantic_ai import builtin_tools as tools  # pyright: ignore[reportAttributeAccessIssue]

        classes = {'web_search': tools.WebSearchTool, 'image_generation': getattr(tools, 'ImageGenerationTool', None)}
        return Agent(model, builtin_tools=[classes[kind]()], **kwargs)  # pyright: ignore[reportCallIssue]
    from pydantic_ai.capabilities import NativeTool
    from pydantic_ai.native_tools import ImageGenerationTool, WebSearchTool

    classes = {'web_search': WebSearchTool, 'image_generation': ImageGenerationTool}
    return Agent(model, capabilities=[NativeTool(classes[kind]())], **kwargs)


HAS_FILE_PART: bool = 'FilePart' in vars(_messages)
"""Model responses can hold files (`FilePart`; not in 1.0)."""


def _has_web_search_capability() -> bool:
    try:
        from pydantic_ai.capabilities import WebSearch  # noqa: F401  # pyright: ignore[reportUnusedImport]
    except ImportError:
        return False
    return True


PROFILE_IS_DICT: bool = _compat.PROFILE_IS_DICT
"""`ModelProfile` is a dict, and a `profile=` dict is merged into the model's own (2.x); in 1.x a dataclass, which a
`profile=` replaces. 2.0 also made `'openai:...'` name the Responses API, which searches the web."""

PROFILE_LISTS_NATIVE_TOOLS: bool = PROFILE_IS_DICT or (
    _compat.HAS_PROFILES
    and bool({'supported_native_tools', 'supported_builtin_tools'} & _field_names(_compat.default_profile().__class__))
)
"""The profile lists the native tools a model supports, and `prepare_request` refuses others (from 1.34; before, only
each model class's own request code refuses them)."""

HAS_WEB_SEARCH_CAPABILITY: bool = _has_web_search_capability()
"""`pydantic_ai.capabilities.WebSearch` exists, with its `local=` fallback (1.x late releases and 2.x)."""

HAS_IMAGE_OUTPUT_CHECK: bool = 'allow_image_output' in _field_names(_models.ModelRequestParameters)
"""Requests say whether image output is allowed, and models without image output refuse `BinaryImage` output."""


from pytest_agentrun._compat import native_tools  # noqa: E402, F401 - the test of profiles reads it from here too

# --- pydantic-ai 0.x ---------------------------------------------------------------------------------------------

HAS_TOOL_CALLS_COUNTER: bool = 'tool_calls' in _field_names(_compat.RunUsage)
"""`RunUsage.tool_calls` counts the tool calls a run made (from 1.0)."""

HAS_IO_TOKENS: bool = 'input_tokens' in _compat.USAGE_FIELDS
"""Usage counts `input_tokens`/`output_tokens` (from 0.7.3); before, `request_tokens`/`response_tokens`."""

HAS_OUTPUT_TYPE: bool = 'output' in _field_names(_agent.AgentRunResult) if hasattr(_agent, 'AgentRunResult') else True
"""Agents take `output_type=` and results have `.output` (from 0.1.0); before, `result_type=` and `.data`."""

OUTPUT_TYPE: str = 'output_type' if HAS_OUTPUT_TYPE else 'result_type'
"""The keyword an `Agent` takes its output type by."""

HAS_STRUCTURED_OUTPUT_MODES: bool = hasattr(pydantic_ai, 'NativeOutput')
"""`NativeOutput`/`PromptedOutput`/`ToolOutput` exist (from 0.3.3)."""

HAS_THINKING: bool = _compat.HAS_THINKING
"""Responses can hold thinking parts (from 0.3.0)."""

HAS_INSTRUCTIONS: bool = 'instructions' in _field_names(_messages.ModelRequest)
"""Agents take `instructions=`, sent with each request (`ModelRequest.instructions`, from 0.1.0)."""

ASYNC_FOR_YIELDS_USER_PROMPT: bool = True
"""`async for node in agent_run` yields `UserPromptNode` first (from pydantic-graph 0.0.54); set below."""


def _async_for_yields_user_prompt() -> bool:
    import anyio
    from pydantic_ai import Agent

    from pytest_agentrun import ScriptedModel

    async def main() -> list[str]:
        async with Agent(ScriptedModel(['x'])).iter('probe') as run:
            return [type(node).__name__ async for node in run]

    return anyio.run(main)[0] == 'UserPromptNode'


ASYNC_FOR_YIELDS_USER_PROMPT = _async_for_yields_user_prompt()


def request_parameters(**fields: Any) -> Any:
    """`ModelRequestParameters(**fields)`; up to 0.2.x its fields had no defaults (and before 0.1.0 named output
    tools `result_tools`), so they are filled in."""
    names = _field_names(_models.ModelRequestParameters)
    defaults = {
        'function_tools': [],
        'allow_text_result': True,
        'result_tools': [],
        'allow_text_output': True,
        'output_tools': [],
    }
    return _models.ModelRequestParameters(**{**{k: v for k, v in defaults.items() if k in names}, **fields})


def usage(cls: Any, *, requests: int = 0, input_tokens: int = 0, output_tokens: int = 0) -> Any:
    """A usage of `cls` (`RequestUsage`/`RunUsage`, or before 0.7.3 `Usage`) with these counters."""
    counters: dict[str, int] = {'input_tokens': input_tokens, 'output_tokens': output_tokens}
    if not HAS_IO_TOKENS:
        counters = {'request_tokens': input_tokens, 'response_tokens': output_tokens}
    if 'requests' in _field_names(cls):
        counters['requests'] = requests
    return cls(**counters)


HAS_RUN_MODULE: bool = __import__('importlib.util').util.find_spec('pydantic_ai.run') is not None
"""`pydantic_ai.run` (`AgentRun`, `AgentRunResult`) exists (from 1.0; before, they are in `pydantic_ai.agent`)."""

HAS_STREAM_OUTPUT: bool = hasattr(__import__('pydantic_ai.result').result.StreamedRunResult, 'stream_output')
"""`StreamedRunResult.stream_output` exists (from 0.8.1; `stream` before)."""

HAS_NATIVE_TOOLS: bool = _compat.NATIVE_CALL_PART is not None
"""Responses can hold native (built-in) tool calls and returns (from 0.6.2)."""


HAS_SHORT_REPRS: bool = 'part_kind' not in repr(_messages.TextPart('x'))
"""Messages and parts print without the fields left at their default, `part_kind=` among them (from 0.2.7)."""


def _openai_stand_in_searches_the_web() -> bool:
    """Probe: may a stand-in for 'openai:gpt-5.2' call the native web search, by its real profile?

    Not in 1.34 - 1.x, where 'openai:' names Chat Completions, whose profile lists no native tools (2.x names the
    Responses API); before 1.34 profiles list none and nothing refuses.
    """
    from pytest_agentrun import ScriptedModel

    profile: Any = ScriptedModel([], model='openai:gpt-5.2').profile
    if profile is None:
        return True
    read = profile.get if isinstance(profile, dict) else lambda key: getattr(profile, key, None)
    tools = read('supported_native_tools')
    if tools is None:  # 1.34 - 1.94 (later 1.x also have it, deprecated: read only where the new name is not)
        tools = read('supported_builtin_tools')
    if tools is None:
        return True
    return any(getattr(t, '__name__', '') == 'WebSearchTool' for t in tools)


OPENAI_STAND_IN_SEARCHES_THE_WEB: bool = _openai_stand_in_searches_the_web()
"""A stand-in for 'openai:gpt-5.2' may call the native web search (its real profile lists it, or lists nothing)."""
