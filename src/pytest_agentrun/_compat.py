"""Every difference between the supported pydantic-ai releases, in one place.

Nothing else in the package looks at pydantic-ai's version or probes for a feature: it asks this module.
Differences are detected by feature (an attribute, a field, a signature), not by version number, so a
release we never tested keeps working as long as it has the feature.

Importing this module imports pydantic-ai: only modules that need pydantic-ai import it.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import re
import typing
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, cast

import pydantic_ai
from pydantic_ai import messages as _messages
from pydantic_ai import models as _models
from pydantic_ai import usage as _usage
from pydantic_ai.settings import ModelSettings

if TYPE_CHECKING:
    from pydantic_ai import profiles as _profiles
    from pydantic_ai.messages import ThinkingPart
    from pydantic_ai.usage import RequestUsage, RunUsage
else:
    ThinkingPart = vars(_messages).get('ThinkingPart') or type('ThinkingPart', (), {'__module__': __name__})
    """`ThinkingPart` (from 0.3.0); before, a class of ours that no part is an instance of."""
    RequestUsage = vars(_usage).get('RequestUsage') or _usage.Usage
    """The usage of one response: `RequestUsage` (from 0.7.3), before it one `Usage` class for responses and runs."""
    RunUsage = vars(_usage).get('RunUsage') or _usage.Usage
    """The usage of a run: `RunUsage` (from 0.7.3), `Usage` before."""

__all__ = (
    'CASSETTES_MISSING',
    'COUNTERS_ADDED',
    'FILE_PART',
    'FINISH_REASONS',
    'HAS_FINISH_REASON',
    'HAS_PROFILES',
    'HAS_REQUEST_USAGE',
    'HAS_THINKING',
    'NATIVE_CALL_PART',
    'NATIVE_RETURN_PART',
    'PROFILE_IS_DICT',
    'REQUEST_RETURNS_USAGE',
    'RESPONSE_FIELDS',
    'TEST_DOUBLE_BASE',
    'USAGE_FIELDS',
    'VERSION',
    'RequestUsage',
    'RunUsage',
    'ThinkingPart',
    'all_messages_json',
    'allow_text_output',
    'default_profile',
    'estimate_tokens',
    'estimate_usage',
    'file_part',
    'finish_reason',
    'image_output_only',
    'init_model',
    'missing',
    'model_settings_of',
    'native_call_part',
    'native_return_part',
    'native_tool_kind',
    'native_tool_support',
    'native_tools',
    'output_mode',
    'output_tools',
    'output_usage',
    'override_model',
    'prepare_messages',
    'prepare_request',
    'request_result',
    'response_usage',
    'result_output',
    'retry_of',
    'run_messages',
    'run_new_messages',
    'run_usage',
    'set_response_usage',
    'skipped_start',
    'stand_in_profile',
    'stream_cancelled',
    'stream_events',
    'stream_init',
    'stream_whole_part',
    'test_double_flags',
    'tool_return_retried',
    'translated_by_prepare',
    'usage_has_values',
    'usage_tokens',
)


def _field_names(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cls))


HAS_FINISH_REASON: bool = 'finish_reason' in _field_names(_messages.ModelResponse)
"""`ModelResponse.finish_reason` exists (from 1.1; not in 1.0)."""


def _finish_reasons() -> tuple[str, ...]:
    alias: Any = getattr(_messages, 'FinishReason', None)
    values = typing.get_args(getattr(alias, '__value__', alias)) if alias is not None else ()
    return tuple(v for v in values if isinstance(v, str)) or ('stop', 'length', 'content_filter', 'tool_call', 'error')


FINISH_REASONS: tuple[str, ...] = _finish_reasons()
"""The finish reasons a response can give: the installed release's `FinishReason`, or 1.1's where it has none."""


RESPONSE_FIELDS: frozenset[str] = _field_names(_messages.ModelResponse)
"""The fields of `ModelResponse` in the installed release (`provider_name`, `finish_reason`, ... where present)."""

USAGE_FIELDS: frozenset[str] = frozenset(
    name
    for name, f in ((f.name, f) for f in dataclasses.fields(RequestUsage))
    if f.init and not name.startswith('_') and name != 'details'
)
"""The integer counters a `RequestUsage` takes as keyword arguments in the installed release (before 0.7.3, those
of `Usage`: `requests`, `request_tokens`, `response_tokens`, `total_tokens`)."""


def prepare_request(
    model: _models.Model,
    model_settings: ModelSettings | None,
    parameters: _models.ModelRequestParameters,
) -> tuple[ModelSettings | None, _models.ModelRequestParameters]:
    """Merge settings and resolve the request parameters the way the installed release expects a model to.

    Newer releases give models `prepare_request` (which also resolves the `'auto'` output mode); in the oldest,
    the agent graph has already customised the parameters and merged nothing.
    """
    prepare = getattr(model, 'prepare_request', None)
    if prepare is not None:
        return cast('tuple[ModelSettings | None, _models.ModelRequestParameters]', prepare(model_settings, parameters))
    from pydantic_ai.settings import merge_model_settings

    return merge_model_settings(model_settings_of(model), model_settings), parameters


def _find_estimator() -> tuple[Any, bool]:
    try:
        from pydantic_ai.models.function import _estimate_usage  # pyright: ignore[reportPrivateUsage]
    except ImportError:  # pragma: no cover - only if a future release drops it
        return None, False
    takes_deltas = 'allow_tool_availability_deltas' in inspect.signature(_estimate_usage).parameters
    return _estimate_usage, takes_deltas


_ESTIMATOR, _ESTIMATOR_TAKES_DELTAS = _find_estimator()


def estimate_usage(messages: Iterable[_messages.ModelMessage]) -> RequestUsage:
    """Estimate a response's usage exactly as pydantic-ai's `FunctionModel` does in the installed release.

    Docs generated with `FunctionModel` print these numbers, so a scripted model must give the same ones.
    """
    if _ESTIMATOR is None:  # pragma: no cover - only if a future release drops it
        return _fallback_estimate(messages)
    if _ESTIMATOR_TAKES_DELTAS:
        return cast(RequestUsage, _ESTIMATOR(messages, allow_tool_availability_deltas=True))
    return cast(RequestUsage, _ESTIMATOR(messages))


def _count_words(text: str) -> int:  # pragma: no cover - only if a future release drops the estimators
    import re

    return len(re.split(r'[\s",.:]+', text.strip()))


def _find_token_estimator() -> Any:
    from pydantic_ai.models import function

    return getattr(function, '_estimate_string_tokens', None) or _count_words


_TOKEN_ESTIMATOR = _find_token_estimator()


def estimate_tokens(text: str) -> int:
    """Estimate the tokens in one streamed chunk with the function `FunctionModel`'s streams use."""
    if not text:
        return 0
    return cast(int, _TOKEN_ESTIMATOR(text))


def _fallback_estimate(messages: Iterable[_messages.ModelMessage]) -> RequestUsage:  # pragma: no cover
    request_tokens = 50
    response_tokens = 0
    for message in messages:
        for part in message.parts:
            content = getattr(part, 'content', None)
            tokens = _count_words(content) if isinstance(content, str) and content else 0
            if isinstance(message, _messages.ModelRequest):
                request_tokens += tokens
            else:
                response_tokens += tokens
    return RequestUsage(input_tokens=request_tokens, output_tokens=response_tokens)


def stream_events(result: object) -> Iterator[_messages.ModelResponseStreamEvent]:
    """Normalise what a parts-manager `handle_*` method returned into the events it stands for.

    Older releases return one event or `None`; newer ones return an iterator of events.
    """
    if result is None:
        return iter(())
    if hasattr(result, 'event_kind'):
        return iter((cast(_messages.ModelResponseStreamEvent, result),))
    return iter(cast('Iterable[_messages.ModelResponseStreamEvent]', result))


def stream_whole_part(
    manager: Any, index: int, part: _messages.ModelResponsePart
) -> _messages.ModelResponseStreamEvent:
    """Send a part that has no delta form (a file, a native tool call) as one event.

    The parts manager's `handle_part` does it (from 1.x); 1.0 has none, nor streamed native parts of its own.
    """
    handle_part = getattr(manager, 'handle_part', None)
    if handle_part is None:
        return stream_whole_part_fallback(manager, part)
    return cast(_messages.ModelResponseStreamEvent, handle_part(vendor_part_id=index, part=part))


def finish_reason(response: _messages.ModelResponse) -> str | None:
    """A response's finish reason; `None` where the installed release has no such field."""
    return cast('str | None', getattr(response, 'finish_reason', None))


def set_stream_finish_reason(stream: object, finish_reason: str | None) -> None:
    """Give a streamed response its finish reason, where the installed release has the field."""
    if finish_reason is not None and hasattr(stream, 'finish_reason'):
        stream.finish_reason = finish_reason  # type: ignore[attr-defined]


def run_usage(run: object) -> RunUsage:
    """The usage of an `AgentRun`, `AgentRunResult` or `StreamedRunResult`, read without a warning on any release.

    `usage` is a method up to 1.95 (in 0.x too, returning a `Usage` before 0.7.3); from 1.96 to 1.107 and again
    from 2.64 it is a property whose value is a `RunUsage` that warns when called; in 2.0-2.63 it is a plain
    property. Reading the attribute never warns, so it is read once: a `RunUsage` is the answer (copied to a plain
    one, which nobody can call by mistake), anything else is the method of the older releases.
    """
    value = run.usage  # type: ignore[attr-defined]
    if isinstance(value, RunUsage):
        return _plain_run_usage(value)
    return cast(RunUsage, value())


def _plain_run_usage(usage: RunUsage) -> RunUsage:
    if type(usage) is RunUsage:
        return usage
    return RunUsage(**{f.name: getattr(usage, f.name) for f in dataclasses.fields(RunUsage) if f.init})


def tool_return_retried(part: object) -> bool:
    """Whether a tool return sends the call back for a retry.

    2.x marks it on the return (`outcome='retried'`); 1.x sends a retry prompt instead, and has no such outcome.
    """
    return getattr(part, 'outcome', None) == 'retried'


_PREPARE_MESSAGES = getattr(_models.Model, 'prepare_messages', None)
_PREPARE_MESSAGES_TAKES_PARAMETERS = _PREPARE_MESSAGES is not None and (
    'model_request_parameters' in inspect.signature(_PREPARE_MESSAGES).parameters
)


def prepare_messages(
    model: _models.Model, messages: list[_messages.ModelMessage], parameters: _models.ModelRequestParameters
) -> list[_messages.ModelMessage]:
    """The messages as `model` prepares them before a request, the step an agent runs for the model it calls.

    Releases with `Model.prepare_messages` (from 1.x) expect it before `request`; newer ones pass the request
    parameters too. Without the step, the messages go as they are.
    """
    method = getattr(model, 'prepare_messages', None)
    if method is None:
        return messages
    if _PREPARE_MESSAGES_TAKES_PARAMETERS:
        return method(messages, parameters)
    return method(messages)


def _test_double_base() -> type[_models.Model]:
    try:
        from pydantic_ai.models._in_memory_batch import InMemoryBatchModel  # pyright: ignore[reportPrivateUsage]
    except ImportError:
        return _models.Model
    return InMemoryBatchModel


TEST_DOUBLE_BASE: type[_models.Model] = _test_double_base()
"""The base of pydantic-ai's own test doubles: `InMemoryBatchModel` where the release has a batch API (its batch runs
each request through `request()` at once), else `Model`. Scripted and stand-in models derive from it too, so code
that sends a batch (`model_request_batch`) gets their answers as it would `FunctionModel`'s."""


def test_double_flags() -> dict[str, bool]:
    """The private class flags by which `FunctionModel` tells pydantic-ai it is a test double, with no wire.

    2.63-2.66 add a sentence about `<system>` tags to the system prompt of every other model, 2.68 notes on
    lookalike tags; `FunctionModel` and `TestModel` switch them off with class attributes. A scripted model
    sets the same ones, so the messages it sees (and the usage estimated from them) match `FunctionModel`'s.
    """
    from pydantic_ai.models.function import FunctionModel

    return {
        name: value
        for name, value in vars(FunctionModel).items()
        if name.startswith('_')
        and isinstance(value, bool)
        and isinstance(getattr(_models.Model, name, None), bool)
        and getattr(_models.Model, name) != value
    }


def all_messages_json(run: object) -> bytes:
    """`all_messages_json()` of a run or a result; an `AgentRun` lacks it on older releases."""
    method = getattr(run, 'all_messages_json', None)
    if method is not None:
        return cast(bytes, method())
    messages = cast('list[_messages.ModelMessage]', run.all_messages())  # type: ignore[attr-defined]
    return _messages.ModelMessagesTypeAdapter.dump_json(messages)


def override_model(agent: object) -> object:
    """The model `agent.override(model=...)` puts in force in this context, or None.

    The agent keeps it in its private `_override_model`: a context variable holding an option (from 0.3.6), the
    option itself (`Some(model)` or `None`) before.
    """
    variable = getattr(agent, '_override_model', None)
    get = getattr(variable, 'get', None)
    option = get() if get is not None else variable
    return getattr(option, 'value', None)


def image_output_only(params: _models.ModelRequestParameters) -> bool:
    """Whether a request takes an image as its output and no text (`output_type=BinaryImage`; not in 1.0)."""
    return bool(getattr(params, 'allow_image_output', False)) and not allow_text_output(params)


def retry_of(part: object) -> tuple[str | None, Any, str | None] | None:
    """`(tool_name, content, tool_call_id)` if `part` is a retry prompt, else `None`; the same on every release.

    1.x sends a `RetryPromptPart` (with the tool's name, or none for a retry of the response as a whole); 2.x
    answers the retried call with a `ToolReturnPart` whose `outcome` is `'retried'`, and sends a
    `RetryFeedbackPart` for a retry that answers no call.
    """
    kind = getattr(part, 'part_kind', None)
    if kind == 'retry-prompt':
        tool_name = cast('str | None', getattr(part, 'tool_name', None))
        return tool_name, getattr(part, 'content', None), getattr(part, 'tool_call_id', None) if tool_name else None
    if kind == 'tool-return' and tool_return_retried(part):
        return cast(str, getattr(part, 'tool_name')), getattr(part, 'content', None), getattr(part, 'tool_call_id')  # noqa: B009
    if kind == 'retry-feedback':
        return None, getattr(part, 'content', None), None
    return None


def translated_by_prepare(part: object) -> bool:
    """Whether `Model.prepare_messages` may rewrite this request part (2.x turns a retry into a prompt)."""
    return getattr(part, 'part_kind', None) in ('retry-feedback', 'retry-prompt')


def stream_cancelled(stream: object) -> bool:
    """Whether a streamed response was cancelled by its consumer; `False` on releases without `cancel()` (1.0)."""
    return bool(getattr(stream, 'cancelled', False))


def run_messages(agent_run: Any) -> list[_messages.ModelMessage]:
    """The messages of an `AgentRun` so far (also after it failed); 1.0's `AgentRun` has no `all_messages()`."""
    method = getattr(agent_run, 'all_messages', None)
    if method is not None:
        return list(cast('list[_messages.ModelMessage]', method()))
    return list(cast('list[_messages.ModelMessage]', agent_run.ctx.state.message_history))


def run_new_messages(agent_run: Any) -> list[_messages.ModelMessage]:
    """The messages an `AgentRun` produced so far, without the history it was given; 1.0 has no `new_messages()`."""
    method = getattr(agent_run, 'new_messages', None)
    if method is not None:
        return list(cast('list[_messages.ModelMessage]', method()))
    return run_messages(agent_run)[cast(int, agent_run.ctx.deps.new_message_index) :]


# --- native (built-in) tools and files ------------------------------------------------------------------


def _message_class(*names: str) -> Any:
    """The first of `names` the installed `pydantic_ai.messages` defines, or `None`.

    Read from the module's own namespace, so a deprecated alias (which warns when looked up) is never touched.
    """
    namespace = vars(_messages)
    return next((namespace[n] for n in names if n in namespace), None)


NATIVE_CALL_PART: Any = _message_class('NativeToolCallPart', 'BuiltinToolCallPart')
"""The part of a call to a native tool: `NativeToolCallPart` (from 1.x), `BuiltinToolCallPart` before."""

NATIVE_RETURN_PART: Any = _message_class('NativeToolReturnPart', 'BuiltinToolReturnPart')
"""The part of a native tool's return: `NativeToolReturnPart` (from 1.x), `BuiltinToolReturnPart` before."""

FILE_PART: Any = _message_class('FilePart')
"""`FilePart`, a file in a model's response (from 1.x; 1.0 has none), or `None`."""

_BINARY_IMAGE: Any = _message_class('BinaryImage')


def native_call_part(
    tool_name: str, args: Any, tool_call_id: str, provider_name: str | None
) -> _messages.ModelResponsePart:
    """A native tool call part, of the class the installed release names it by."""
    return cast(
        _messages.ModelResponsePart,
        NATIVE_CALL_PART(tool_name=tool_name, args=args, tool_call_id=tool_call_id, provider_name=provider_name),
    )


def native_return_part(
    tool_name: str, content: Any, tool_call_id: str, provider_name: str | None
) -> _messages.ModelResponsePart:
    """A native tool return part, of the class the installed release names it by."""
    return cast(
        _messages.ModelResponsePart,
        NATIVE_RETURN_PART(
            tool_name=tool_name, content=content, tool_call_id=tool_call_id, provider_name=provider_name
        ),
    )


def file_part(data: bytes, media_type: str) -> _messages.ModelResponsePart:
    """A `FilePart` holding the file: an image as a `BinaryImage` (what `output_type=BinaryImage` takes).

    Other files are `BinaryContent`. Raises `TypeError` on releases without `FilePart` (1.0), where a script
    using it fails when the model is built.
    """
    if FILE_PART is None:
        raise TypeError('the installed pydantic-ai has no FilePart')
    binary: Any = _BINARY_IMAGE if media_type.startswith('image/') and _BINARY_IMAGE is not None else None
    content = (binary or _messages.BinaryContent)(data, media_type=media_type)
    return cast(_messages.ModelResponsePart, FILE_PART(content=content))


def native_tools(params: _models.ModelRequestParameters) -> list[Any]:
    """The native tools a request offers: `native_tools` (from 1.x), `builtin_tools` in 1.0."""
    found = getattr(params, 'native_tools', None)
    if found is None:
        found = getattr(params, 'builtin_tools', None)
    return list(cast('list[Any]', found or []))


def native_tool_kind(tool: object) -> str:
    """The kind a native tool is named by in response parts (`'web_search'`).

    Tools carry it as `kind` from 1.x; 1.0's have none, and their class names say it (`WebSearchTool`).
    """
    kind = getattr(tool, 'kind', None)
    if isinstance(kind, str):
        return kind
    name = type(tool).__name__.removesuffix('Tool')
    return re.sub(r'(?<!^)(?=[A-Z])', '_', name).lower()


def stream_whole_part_fallback(manager: Any, part: _messages.ModelResponsePart) -> _messages.ModelResponseStreamEvent:
    """1.0's parts manager has no `handle_part`: add the part to its list and announce it, as `handle_part` does."""
    parts = cast('list[Any]', manager._parts)  # pyright: ignore[reportPrivateUsage]
    parts.append(part)
    return _messages.PartStartEvent(index=len(parts) - 1, part=part)


def _import_profiles() -> Any:
    try:
        from pydantic_ai import profiles
    except ImportError:  # before 0.2.12
        return None
    return profiles


_PROFILES: Any = _import_profiles()

HAS_PROFILES: bool = _PROFILES is not None
"""Models have a `ModelProfile` (`pydantic_ai.profiles`, from 0.2.12); before, no profiles at all."""

PROFILE_IS_DICT: bool = HAS_PROFILES and isinstance(_PROFILES.DEFAULT_PROFILE, dict)
"""`ModelProfile` is a `TypedDict` that a model's `profile=` dict is merged into (2.x), not a dataclass it replaces."""


def stand_in_profile(
    model: _models.Model,
    real_profile: Callable[[], _profiles.ModelProfile | None],
    given: _profiles.ModelProfileSpec | None,
) -> _profiles.ModelProfile:
    """The profile of `model`, standing in for a real model whose profile `real_profile()` gives, with `profile=given`.

    `given` goes on top of the real profile the way pydantic-ai puts it on a provider's profile: in 2.x a dict is
    merged key by key, a callable gets (a copy of) the profile and returns the one to use; in 1.x a profile, or what
    a callable `(model_name) -> profile` returns, replaces it, which pydantic-ai's own resolution does (and the real
    profile is not computed). Without a real profile (`None`), pydantic-ai resolves `given` as for any model. Unlike
    a real model's, the result is not narrowed to the native tools the model class implements: a stand-in answers
    whatever native tool the profile lists.
    """
    if not HAS_PROFILES:  # before 0.2.12: nothing reads a profile
        return cast('_profiles.ModelProfile', None)
    real = None if given is not None and not PROFILE_IS_DICT else real_profile()
    if real is None:
        return _models.Model.profile.__get__(model, type(model))
    if given is None:
        return copy.copy(real)
    merge_profile = cast('Callable[..., _profiles.ModelProfile]', _PROFILES.merge_profile)  # 2.x: also translates
    if callable(given):
        return merge_profile(given(merge_profile(real)))
    return merge_profile(real, given)


def native_tool_support() -> dict[str, Any]:
    """The class methods by which `FunctionModel` says it implements every native tool, where the release has them.

    `supported_native_tools` (1.95 and 2.x) or `supported_builtin_tools` (1.34 - 1.94): pydantic-ai narrows a profile's
    native tools to them. A scripted model, like `FunctionModel`, answers any native tool the profile lists.
    """
    from pydantic_ai.models.function import FunctionModel

    names = ('supported_native_tools', 'supported_builtin_tools')
    return {name: value for name, value in vars(FunctionModel).items() if name in names}


# --- pydantic-ai 0.x: the request's result, usage, request parameters, Model.__init__ --------------------------------

VERSION: str = str(getattr(pydantic_ai, '__version__', 'unknown'))
"""The installed pydantic-ai release, for messages only: nothing is decided by it."""


def missing(feature: str, added_in: str, advice: str, *, plural: bool = False) -> str:
    """What our refusals say of a feature the installed release lacks, naming the release that added it.

    `missing('thinking parts', '0.3.0', 'leave thinking() out', plural=True)` -> "the installed pydantic-ai
    (0.0.55) has no thinking parts: they came in 0.3.0; upgrade pydantic-ai or leave thinking() out".
    """
    came = 'they came' if plural else 'it came'
    return (
        f'the installed pydantic-ai ({VERSION}) has no {feature}: {came} in {added_in}; upgrade pydantic-ai or {advice}'
    )


HAS_THINKING: bool = 'ThinkingPart' in vars(_messages)
"""Responses can hold thinking parts (`ThinkingPart`, from 0.3.0)."""

REQUEST_RETURNS_USAGE: bool = 'usage' not in RESPONSE_FIELDS
"""`Model.request` returns `(ModelResponse, Usage)` and a response carries no usage (before 0.2.0); from 0.2.0 the
usage is the response's `usage` field, and `request` returns the response alone."""

_COUNTS_REQUESTS_BY_RESPONSE: bool = not REQUEST_RETURNS_USAGE and 'requests' in _field_names(RequestUsage)
"""0.2.0 - 0.7.2: the agent graph counts a non-streamed request only through its response's `usage.requests`
(`FunctionModel` sets it to 1); a streamed request is counted by the graph itself. From 0.7.3 a response's
`RequestUsage` has no `requests`, and before 0.2.0 the graph counts every request itself."""

_KEPT_USAGE = '_agentrun_usage'


def response_usage(response: _messages.ModelResponse) -> RequestUsage:
    """The usage of a response: its `usage` field; before 0.2.0 (no such field), what `set_response_usage` kept."""
    if REQUEST_RETURNS_USAGE:
        kept = vars(response).get(_KEPT_USAGE)
        return kept if kept is not None else RequestUsage()
    return response.usage


def set_response_usage(response: _messages.ModelResponse, usage: RequestUsage) -> None:
    """Give a response its usage: the `usage` field; before 0.2.0 kept beside the fields (`request` returns it)."""
    if REQUEST_RETURNS_USAGE:
        vars(response)[_KEPT_USAGE] = usage
    else:
        response.usage = usage


def request_result(response: _messages.ModelResponse) -> Any:
    """What a model's non-streamed `request` returns for `response` in the installed release.

    The response (from 0.2.0); `(response, usage)` before. In 0.2.0 - 0.7.2 the response's usage also counts the
    request (`requests=1`, as `FunctionModel` sets it), or the run's usage would count none.
    """
    if REQUEST_RETURNS_USAGE:
        return response, response_usage(response)
    if _COUNTS_REQUESTS_BY_RESPONSE and not getattr(response.usage, 'requests', 1):
        response.usage = dataclasses.replace(response.usage, requests=1)  # a copy: a given usage stays the user's
    return response


def usage_has_values(usage: RequestUsage) -> bool:
    """Whether a response's usage holds any counter (`has_values()` from 0.2.0; before, read the token counters)."""
    method = getattr(usage, 'has_values', None)
    if method is not None:
        return bool(method())
    return any(getattr(usage, name, None) for name in ('request_tokens', 'response_tokens', 'total_tokens'))


_OUTPUT_TOKENS_FIELD = 'output_tokens' if 'output_tokens' in USAGE_FIELDS else 'response_tokens'


def output_usage(tokens: int) -> RequestUsage:
    """The usage one streamed chunk of `tokens` adds, as `FunctionModel`'s streams add it.

    `RequestUsage(output_tokens=...)` (from 0.7.3); `Usage(response_tokens=..., total_tokens=...)` before.
    """
    if _OUTPUT_TOKENS_FIELD == 'output_tokens':
        return RequestUsage(output_tokens=tokens)
    return RequestUsage(response_tokens=tokens, total_tokens=tokens)  # pyright: ignore[reportCallIssue]


def usage_tokens(usage: object) -> tuple[int, int]:
    """`(input tokens, output tokens)` of a usage.

    `input_tokens`/`output_tokens` from 0.7.3; before, `request_tokens`/`response_tokens` (which may be `None`).
    """
    if hasattr(usage, 'input_tokens'):
        return getattr(usage, 'input_tokens') or 0, getattr(usage, 'output_tokens') or 0  # noqa: B009
    return getattr(usage, 'request_tokens', None) or 0, getattr(usage, 'response_tokens', None) or 0


def output_tools(params: _models.ModelRequestParameters) -> list[Any]:
    """The output tools a request offers: `output_tools` (from 0.1.0), `result_tools` before."""
    tools = getattr(params, 'output_tools', None)
    return cast('list[Any]', tools if tools is not None else getattr(params, 'result_tools'))  # noqa: B009


def allow_text_output(params: _models.ModelRequestParameters) -> bool:
    """Whether a request takes text as its output: `allow_text_output` (from 0.1.0), `allow_text_result` before."""
    allowed = getattr(params, 'allow_text_output', None)
    return bool(allowed if allowed is not None else getattr(params, 'allow_text_result'))  # noqa: B009


def output_mode(params: _models.ModelRequestParameters) -> str:
    """A request's output mode: its `output_mode` (from 0.3.3).

    Before 0.3.3, `'tool'` or `'text'` (no native or prompted output there), as its output tools and text output say.
    """
    mode = getattr(params, 'output_mode', None)
    if mode is not None:
        return cast(str, mode)
    return 'tool' if output_tools(params) and not allow_text_output(params) else 'text'


STREAM_TAKES_PARAMETERS: bool = 'model_request_parameters' in _field_names(_models.StreamedResponse)
"""A `StreamedResponse` is built with the request parameters (from 0.7.0); before, it has no init fields of its own."""


def stream_init(params: _models.ModelRequestParameters) -> dict[str, Any]:
    """The keyword arguments of `StreamedResponse`'s own init fields in the installed release."""
    return {'model_request_parameters': params} if STREAM_TAKES_PARAMETERS else {}


MODEL_HAS_INIT: bool = _models.Model.__init__ is not object.__init__
"""`Model.__init__(*, settings=None, profile=None)` exists (from 0.4.2)."""


def init_model(model: _models.Model, settings: ModelSettings | None, profile: Any) -> None:
    """Initialise a model of ours with its settings and profile, as the installed release keeps them.

    `Model.__init__` from 0.4.2; before, the settings are kept where `model_settings_of` finds them (`prepare_request`
    merges them), and the profile (0.2.12 - 0.4.1) in `_profile`, where `Model.profile` reads it.
    """
    if MODEL_HAS_INIT:
        _models.Model.__init__(model, settings=settings, profile=profile)
        return
    vars(model)['_settings'] = settings
    if HAS_PROFILES:
        vars(model)['_profile'] = profile


def model_settings_of(model: _models.Model) -> ModelSettings | None:
    """A model's own settings: `model.settings` (from 0.4.2), else those `init_model` kept (None for others)."""
    settings = getattr(model, 'settings', None)
    if settings is None and not MODEL_HAS_INIT:
        settings = vars(model).get('_settings')
    return cast('ModelSettings | None', settings)


def _default_profile_flags() -> dict[str, bool]:
    if _PROFILES is None:
        return {}
    cls = _PROFILES.ModelProfile
    if dataclasses.is_dataclass(cls):  # 0.2.12 - 1.x
        names = {f.name for f in dataclasses.fields(cls)}
    else:  # 2.x: a TypedDict
        names = set(cls.__required_keys__) | set(cls.__optional_keys__)
    return {name: True for name in ('supports_json_schema_output', 'supports_json_object_output') if name in names}


_DEFAULT_PROFILE_FLAGS = _default_profile_flags()


def default_profile() -> _profiles.ModelProfile | None:
    """The profile of a scripted model standing in for no real one: every structured output mode it can have.

    JSON schema and JSON object output from 0.3.3 (the flags exist from then); `None` before 0.2.12 (no profiles).
    """
    if _PROFILES is None:
        return None
    return cast('_profiles.ModelProfile', _PROFILES.ModelProfile(**_DEFAULT_PROFILE_FLAGS))


def result_output(result: Any) -> Any:
    """A run result's output: `output` (from 0.1.0), `data` before (a deprecated alias of `output` 0.1.0 - 0.5.x)."""
    try:
        return result.output
    except AttributeError:
        return result.data


COUNTERS_ADDED: dict[str, str] = {
    'tool_calls': '1.0',
    **dict.fromkeys(
        (
            'input_tokens',
            'output_tokens',
            'cache_write_tokens',
            'cache_read_tokens',
            'input_audio_tokens',
            'cache_audio_read_tokens',
            'output_audio_tokens',
        ),
        '0.7.3',
    ),
}
"""The release that added each usage counter a test may ask for (messages only: `request_tokens` and
`response_tokens` were their names before 0.7.3)."""


HAS_REQUEST_USAGE: bool = 'RequestUsage' in vars(_usage)
"""`RequestUsage`, the usage of one response that cassettes record, exists (from 0.7.3)."""

CASSETTES_MISSING: str = missing('RequestUsage', '0.7.3', 'run the test without a cassette')
"""Why a test cannot record or replay a cassette on a release without `RequestUsage`."""


def skipped_start(start: object, first_yielded: object) -> object | None:
    """The node a run started from, if `async for` ran it without yielding it; else `None`.

    pydantic-graph before 0.0.54 yields the node after `UserPromptNode` first; from 0.0.54 the first node yielded is
    the one the run started from (`AgentRun.next_node` before iterating).
    """
    return start if start is not None and first_yielded is not start else None
