"""Every difference between the supported pydantic-ai releases, in one place.

Nothing else in the package looks at pydantic-ai's version or probes for a feature: it asks this module.
Differences are detected by feature (an attribute, a field, a signature), not by version number, so a
release we never tested keeps working as long as it has the feature.

Importing this module imports pydantic-ai: only modules that need pydantic-ai import it.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Iterable, Iterator
from typing import Any, cast

from pydantic_ai import messages as _messages
from pydantic_ai import models as _models
from pydantic_ai import usage as _usage
from pydantic_ai.settings import ModelSettings

__all__ = (
    'FINISH_REASONS',
    'HAS_FINISH_REASON',
    'RESPONSE_FIELDS',
    'USAGE_FIELDS',
    'all_messages_json',
    'estimate_tokens',
    'estimate_usage',
    'finish_reason',
    'override_model',
    'prepare_messages',
    'prepare_request',
    'run_usage',
    'stream_events',
    'test_double_flags',
    'tool_return_retried',
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
    for name, f in ((f.name, f) for f in dataclasses.fields(_usage.RequestUsage))
    if f.init and not name.startswith('_') and name != 'details'
)
"""The integer counters a `RequestUsage` takes as keyword arguments in the installed release."""


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

    return merge_model_settings(model.settings, model_settings), parameters


def _find_estimator() -> tuple[Any, bool]:
    try:
        from pydantic_ai.models.function import _estimate_usage  # pyright: ignore[reportPrivateUsage]
    except ImportError:  # pragma: no cover - only if a future release drops it
        return None, False
    takes_deltas = 'allow_tool_availability_deltas' in inspect.signature(_estimate_usage).parameters
    return _estimate_usage, takes_deltas


_ESTIMATOR, _ESTIMATOR_TAKES_DELTAS = _find_estimator()


def estimate_usage(messages: Iterable[_messages.ModelMessage]) -> _usage.RequestUsage:
    """Estimate a response's usage exactly as pydantic-ai's `FunctionModel` does in the installed release.

    Docs generated with `FunctionModel` print these numbers, so a scripted model must give the same ones.
    """
    if _ESTIMATOR is None:  # pragma: no cover - only if a future release drops it
        return _fallback_estimate(messages)
    if _ESTIMATOR_TAKES_DELTAS:
        return cast('_usage.RequestUsage', _ESTIMATOR(messages, allow_tool_availability_deltas=True))
    return cast('_usage.RequestUsage', _ESTIMATOR(messages))


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


def _fallback_estimate(messages: Iterable[_messages.ModelMessage]) -> _usage.RequestUsage:  # pragma: no cover
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
    return _usage.RequestUsage(input_tokens=request_tokens, output_tokens=response_tokens)


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
    """Send a part that has no delta form (a file, a native tool call) as one event."""
    handle_part = getattr(manager, 'handle_part', None)
    if handle_part is None:  # pragma: no cover - releases without it have no such parts either
        raise TypeError(f'the installed pydantic-ai cannot stream a {type(part).__name__}')
    return cast(_messages.ModelResponseStreamEvent, handle_part(vendor_part_id=index, part=part))


def finish_reason(response: _messages.ModelResponse) -> str | None:
    """A response's finish reason; `None` where the installed release has no such field."""
    return cast('str | None', getattr(response, 'finish_reason', None))


def set_stream_finish_reason(stream: object, finish_reason: str | None) -> None:
    """Give a streamed response its finish reason, where the installed release has the field."""
    if finish_reason is not None and hasattr(stream, 'finish_reason'):
        stream.finish_reason = finish_reason  # type: ignore[attr-defined]


def run_usage(run: object) -> _usage.RunUsage:
    """The usage of an `AgentRun`, `AgentRunResult` or `StreamedRunResult`, read without a warning on any release.

    `usage` is a method up to 1.95; from 1.96 to 1.107 and again from 2.64 it is a property whose value is a
    `RunUsage` that warns when called; in 2.0-2.63 it is a plain property. Reading the attribute never warns,
    so it is read once: a `RunUsage` is the answer (copied to a plain one, which nobody can call by mistake),
    anything else is the method of the older releases.
    """
    value = run.usage  # type: ignore[attr-defined]
    if isinstance(value, _usage.RunUsage):
        return _plain_run_usage(value)
    return cast(_usage.RunUsage, value())


def _plain_run_usage(usage: _usage.RunUsage) -> _usage.RunUsage:
    if type(usage) is _usage.RunUsage:
        return usage
    return _usage.RunUsage(**{f.name: getattr(usage, f.name) for f in dataclasses.fields(_usage.RunUsage) if f.init})


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

    Every supported release keeps it in the agent's private `_override_model` context variable, as an option.
    """
    variable = getattr(agent, '_override_model', None)
    option = variable.get() if variable is not None else None
    return getattr(option, 'value', None)
