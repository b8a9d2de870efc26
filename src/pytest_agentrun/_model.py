"""`ScriptedModel`: a pydantic-ai model that answers from a script, and records what it was asked."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import json
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

import pydantic_core
from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    ModelResponsePart,
    ModelResponseStreamEvent,
    TextPart,
    ToolCallPart,
)
from pydantic_ai.models import Model, ModelRequestParameters, StreamedResponse
from pydantic_ai.settings import ModelSettings
from pydantic_ai.tools import ToolDefinition

from . import _compat, _profiles
from ._compat import RequestUsage, ThinkingPart
from ._errors import (
    InvalidArgumentsError,
    InvalidOutputError,
    ScriptError,
    ScriptExhaustedError,
    UnknownToolError,
    UnusedTurnsError,
    exhausted_message,
    invalid_arguments_message,
    invalid_output_message,
    text_output_message,
    unknown_native_tool_message,
    unknown_tool_message,
    unused_message,
)
from ._jsonschema import schema_errors, signature
from ._outputs import as_sent, candidates, route
from ._rules import Rule, build_rules
from ._script import (
    File,
    NativeToolCall,
    NativeToolReturn,
    Output,
    RequestInfo,
    Retry,
    ScriptItem,
    Text,
    Thinking,
    ToolCall,
    Turn,
    args_json,
    check_chunk_delay,
    retry_text,
    split_args,
    split_words,
    to_turn,
)

if TYPE_CHECKING:
    from pydantic_ai.profiles import ModelProfile, ModelProfileSpec

__all__ = ('ScriptedModel', 'ScriptedRequest', 'collecting_requests')

DEFAULT_CHUNK_WORDS = 3
"""Words per streamed text delta unless the model or the turn says otherwise."""


@dataclass(frozen=True, kw_only=True)
class ScriptedRequest:
    """One request a `ScriptedModel` received, and how it answered."""

    number: int
    """The request's number for this model, from 1."""
    messages: list[ModelMessage]
    """The messages sent with the request (a copy of the list)."""
    settings: ModelSettings | None
    """The model settings of the request, merged with the model's own."""
    parameters: ModelRequestParameters
    """The request parameters: function tools, output tools, output mode."""
    streamed: bool
    """Whether the request was streamed."""
    answered_by: str
    """What answered: `'turn 2 of the script'`, `"rule 1 ('Hi')"`, `'the default answer'`, or `'nothing'`."""
    response: ModelResponse | None
    """The response given, or `None` when the request raised."""
    error: BaseException | None = None
    """The error the request raised, if any."""
    agent_name: str | None = None
    """The name of the agent whose run made the request (`Agent(name=...)`, or the variable it was run from)."""

    @property
    def instructions(self) -> str | None:
        """The instructions sent with the request, if any."""
        return latest_instructions(self.messages)

    prompt: str | None = None
    """The latest user prompt in the messages (a retry prompt is not one, though some releases send it as one)."""
    retries: tuple[Retry, ...] = ()
    """The retry prompts of the latest request: pydantic-ai asking the model to try again."""

    @property
    def tool_names(self) -> list[str]:
        """Names of the function tools offered."""
        return [t.name for t in self.parameters.function_tools]

    @property
    def output_tool_names(self) -> list[str]:
        """Names of the output tools offered."""
        return [t.name for t in _compat.output_tools(self.parameters)]

    def __repr__(self) -> str:
        kind = 'stream' if self.streamed else 'request'
        return f'<ScriptedRequest {self.number} ({kind}) answered by {self.answered_by}>'


_collecting: ContextVar[tuple[tuple[ScriptedModel, list[ScriptedRequest]], ...]] = ContextVar(
    'agentrun_collecting_requests', default=()
)


@contextmanager
def collecting_requests(model: ScriptedModel, into: list[ScriptedRequest]) -> Generator[None]:
    """Also put in `into` the requests `model` receives from this context (a run, and the tasks it starts).

    A context variable tells the runs apart: two runs of one model, even concurrent, each get their own.
    """
    token = _collecting.set((*_collecting.get(), (model, into)))
    try:
        yield
    finally:
        _collecting.reset(token)


def _prompt_text(content: Any) -> str:
    """The text of a user prompt: the string, or the string items of multi-modal content joined."""
    if isinstance(content, str):
        return content
    return ' '.join(c for c in content if isinstance(c, str))


def latest_instructions(messages: Sequence[ModelMessage]) -> str | None:
    """The instructions of the latest request in `messages` (releases without instructions: None)."""
    request = _latest_request(messages)
    return getattr(request, 'instructions', None) if request is not None else None


def _asking_agent_name() -> str | None:
    """The name of the agent whose run is asking now, if it has one."""
    from ._intercept import current_agent

    return getattr(current_agent(), 'name', None)


def _latest_request(messages: Sequence[ModelMessage]) -> ModelRequest | None:
    for message in reversed(messages):
        if isinstance(message, ModelRequest):
            return message
    return None


@dataclass(frozen=True)
class Signals:
    """What rules and callable turns see of a request, read from the messages as the agent keeps them."""

    prompt: str | None = None
    """The latest user prompt in the messages."""
    request_prompt: str | None = None
    """The user prompt of the latest request, if it has one (prompt rules look at this one)."""
    returns: tuple[tuple[str, Any], ...] = ()
    """`(tool_name, content)` of each tool return in the latest request (retried calls are retries, not returns)."""
    retries: tuple[Retry, ...] = ()
    """The retry prompts of the latest request."""


def read_signals(messages: Sequence[ModelMessage]) -> Signals:
    """The prompt, tool returns and retries of `messages`, the same on every release (see `_compat.retry_of`)."""
    request = _latest_request(messages)
    if request is None:
        return Signals()
    request_prompt: str | None = None
    returns: list[tuple[str, Any]] = []
    retries: list[Retry] = []
    for part in request.parts:
        retry = _compat.retry_of(part)
        if retry is not None:
            tool_name, content, call_id = retry
            retries.append(
                Retry(tool_name=tool_name, message=retry_text(content), content=content, tool_call_id=call_id)
            )
        elif part.part_kind == 'user-prompt':
            request_prompt = _prompt_text(part.content)
        elif part.part_kind == 'tool-return':
            returns.append((part.tool_name, part.content))
    prompt = request_prompt
    if prompt is None:
        for message in reversed(messages):
            if isinstance(message, ModelRequest) and message is not request:
                texts = [_prompt_text(p.content) for p in message.parts if p.part_kind == 'user-prompt']
                if texts:
                    prompt = texts[-1]
                    break
    return Signals(prompt, request_prompt, tuple(returns), tuple(retries))


def _corresponds(original: ModelRequest, prepared: ModelRequest) -> bool:
    """Whether `prepared` is `original` as `prepare_messages` left it: a part kept, or a retry translated in place."""
    if original is prepared:
        return True
    stamps = {getattr(p, 'timestamp', None) for p in original.parts if _compat.translated_by_prepare(p)}
    stamps.discard(None)
    return any(any(p is o for o in original.parts) or getattr(p, 'timestamp', None) in stamps for p in prepared.parts)


def split_model_name(name: str) -> tuple[str, str]:
    """`'openai:gpt-5.2'` -> `('openai', 'gpt-5.2')`; a name without a provider gets `'scripted'`."""
    system, colon, model_name = name.partition(':')
    return (system, model_name) if colon else ('scripted', name)


def default_profile() -> ModelProfile | None:
    """The profile of a scripted model standing in for no real one: every structured output mode is supported.

    `None` where pydantic-ai has no profiles (before 0.2.12).
    """
    return _compat.default_profile()


def now_utc() -> datetime:
    """The time now, in UTC: the timestamp of a scripted or replayed stream."""
    return datetime.now(tz=timezone.utc)


if TYPE_CHECKING:
    _TestDoubleBase = Model
else:
    _TestDoubleBase = _compat.TEST_DOUBLE_BASE


_PLAIN_PROFILES: dict[tuple[type[Model], str], Any] = {}
"""The profiles of models that stand in for no real model, by class and name (see `NamedModel.profile`)."""


class NamedModel(_TestDoubleBase):
    """A model known by a model string (`'openai:gpt-5.2'`): it reports that model's name, provider and profile.

    Like pydantic-ai's own test doubles, it runs a batch of requests (`model_request_batch`) in memory, each through
    `request()`, where the installed release has a batch API.
    """

    def __init__(
        self, name: str, *, settings: ModelSettings | None = None, profile: ModelProfileSpec | None = None
    ) -> None:
        """Be known as `name`; `profile` goes on top of the real model's profile (see `profile`)."""
        if profile is not None and not _compat.HAS_PROFILES:
            raise ValueError(
                f'{type(self).__name__}(profile=...): '
                + _compat.missing('model profiles', '0.2.12', 'leave profile= out', plural=True)
            )
        self._name = name
        self._system, self._model_name = split_model_name(name)
        self._given_profile = profile
        _compat.init_model(self, settings, default_profile() if profile is None else profile)

    @cached_property
    def profile(self) -> ModelProfile:
        """The profile pydantic-ai gives the real model this name stands for, computed on first use.

        A `profile=` goes on top of it as on any model of the installed pydantic-ai (2.x: a dict is merged into it, a
        callable gets it; 1.x: it replaces it). A name pydantic-ai builds no model for here (an unknown provider, no
        provider prefix) has the permissive default, every structured output mode and native tool, or its
        `profile=` as pydantic-ai resolves it for any model.
        """
        name, given = self._name, self._given_profile
        if ':' in name:
            return _compat.stand_in_profile(self, lambda: _profiles.real_profile(name), given)
        if given is not None:
            return _compat.stand_in_profile(self, lambda: None, given)
        # No real model and no profile=: the same profile for every model of this class and name, which a script
        # built for each run (`ScriptedModel([...])`) would otherwise have pydantic-ai compute every time (~30 µs).
        key = (type(self), name)
        plain = _PLAIN_PROFILES.get(key)
        if plain is None:
            plain = _PLAIN_PROFILES[key] = _compat.stand_in_profile(self, lambda: None, None)
        return copy.copy(plain)

    @property
    def name(self) -> str:
        """The model string."""
        return self._name

    @property
    def model_name(self) -> str:
        """The model name, as the real model reports it (`'gpt-5.2'`)."""
        return self._model_name

    @property
    def system(self) -> str:
        """The provider system, as the real model reports it (`'openai'`)."""
        return self._system

    def __repr__(self) -> str:
        return f'{type(self).__name__}({self._name!r})'


@dataclass(frozen=True)
class _Request:
    """One request being answered: the messages as sent and as the agent keeps them, and what they say."""

    messages: list[ModelMessage]
    kept: list[ModelMessage]
    signals: Signals
    settings: ModelSettings | None
    parameters: ModelRequestParameters
    streamed: bool


# Where pydantic-ai resolves a named model's profile itself (no real profile, or a `profile=` on 1.x), it narrows the
# native tools to those the model class implements: like `FunctionModel`, a named model implements them all.
for _name, _value in _compat.native_tool_support().items():
    setattr(NamedModel, _name, _value)


class ScriptedModel(NamedModel):
    """A model that answers each request with the next turn of a script, then by rules.

    ```python
    model = ScriptedModel([
        tool_call('get_weather', city='Paris'),
        'It is sunny in Paris.',
    ])
    ```

    It is strict both ways: a request nothing answers raises `ScriptExhaustedError` inside the call,
    and `assert_all_consumed()` raises `UnusedTurnsError` for turns never used.
    """

    def __init__(
        self,
        script: Iterable[ScriptItem] = (),
        *,
        rules: Mapping[Any, ScriptItem] | Iterable[tuple[Any, ScriptItem]] | None = None,
        default: ScriptItem | None = None,
        model: str | None = None,
        chunk_words: int = DEFAULT_CHUNK_WORDS,
        chunk_delay: float = 0.0,
        allow_unknown_tools: bool = False,
        keep_requests: int | None = None,
        profile: ModelProfileSpec | None = None,
        settings: ModelSettings | None = None,
    ) -> None:
        """Build a scripted model.

        Args:
            script: The turns, one per request, in order. See `pytest_agentrun._script` for what a turn can be.
            rules: Answers chosen by the latest prompt or tool return, used once the script is used up.
            default: The answer to any request that neither the script nor a rule answers.
            model: A model to stand in for, e.g. `'openai:gpt-5.2'`: its name, provider and profile are reported.
            chunk_words: Words per streamed text delta.
            chunk_delay: Seconds between streamed deltas (for code that debounces a stream); 0 sends them at once.
            allow_unknown_tools: Let scripted tool calls name tools the agent does not offer.
            keep_requests: Keep only the latest this many requests in `requests` (`None`: all), for a model
                reused for many runs; numbering goes on.
            profile: The model profile, on top of the real model's (see `NamedModel.profile`); without `model`,
                resolved by pydantic-ai as for any model. By default, without `model`, one that supports every
                structured output mode and native tool.
            settings: Default model settings.

        """
        _check_script(script)
        if not isinstance(chunk_words, int) or isinstance(chunk_words, bool) or chunk_words < 1:  # pyright: ignore[reportUnnecessaryIsInstance]
            raise ValueError(f'ScriptedModel: chunk_words must be a positive integer, got {chunk_words!r}')
        if model is not None and (not isinstance(model, str) or not model):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise TypeError(f"ScriptedModel: model must be a model name such as 'openai:gpt-5.2', got {model!r}")
        self._turns: tuple[Turn, ...] = tuple(
            _checked(to_turn(item, f'script[{i}]'), f'script[{i}]') for i, item in enumerate(script)
        )
        self._rules: tuple[Rule, ...] = tuple(
            dataclasses.replace(r, turn=_checked(r.turn, f'rules[{i}]')) for i, r in enumerate(build_rules(rules))
        )
        self._default: Turn | None = None if default is None else _checked(to_turn(default, 'default'), 'default')
        self._stand_in = model
        self._chunk_words = chunk_words
        check_chunk_delay(chunk_delay, 'ScriptedModel')
        self._chunk_delay = float(chunk_delay)
        self._allow_unknown_tools = allow_unknown_tools
        if keep_requests is not None and (
            not isinstance(keep_requests, int) or isinstance(keep_requests, bool) or keep_requests < 0  # pyright: ignore[reportUnnecessaryIsInstance]
        ):
            raise ValueError(
                f'ScriptedModel: keep_requests must be a number of requests to keep (0 or more) or None, '
                f'got {keep_requests!r}'
            )
        self._keep_requests = keep_requests
        self._used = 0
        self._call_ids = 0
        self._received = 0
        self._unprepared: deque[list[ModelMessage]] = deque(maxlen=8)
        self.requests: list[ScriptedRequest] = []
        """Every request received, in order (the latest `keep_requests` of them, when that is set)."""
        self.exhausted_advice: str | None = None
        """How to fix a request nothing answers: the last line of `ScriptExhaustedError` (None: the default)."""
        super().__init__(model or 'scripted', settings=settings, profile=profile)

    # --- identity -----------------------------------------------------------------------------------

    @property
    def label(self) -> str:
        """How messages name this model: `ScriptedModel('openai:gpt-5.2')`."""
        return f'ScriptedModel({self._stand_in!r})' if self._stand_in else 'ScriptedModel'

    def __repr__(self) -> str:
        rules = f', {len(self._rules)} rules' if self._rules else ''
        return f'<{self.label}: {len(self._turns)} turns, {self._used} used{rules}, {self._received} requests>'

    def __eq__(self, other: object) -> bool:
        return other is self

    def __hash__(self) -> int:
        return id(self)

    # --- the script ---------------------------------------------------------------------------------

    @property
    def turns(self) -> tuple[Turn, ...]:
        """The scripted turns."""
        return self._turns

    @property
    def rules(self) -> tuple[Rule, ...]:
        """The rules."""
        return self._rules

    @property
    def used(self) -> int:
        """How many scripted turns have been used."""
        return self._used

    @property
    def unused_turns(self) -> tuple[Turn, ...]:
        """The scripted turns not used yet."""
        return self._turns[self._used :]

    @property
    def last_request(self) -> ScriptedRequest:
        """The latest request received; raises `ScriptError` if there was none."""
        if not self.requests:
            if self._received:
                raise ScriptError(f'{self.label} received {self._received} requests but keeps none (keep_requests=0)')
            raise ScriptError(f'{self.label} has received no request yet')
        return self.requests[-1]

    @property
    def received(self) -> int:
        """How many requests the model received since it was built (or reset), kept or not."""
        return self._received

    def reset(self) -> None:
        """Start over: forget the requests received, rewind the script, and number requests and call ids from 1.

        For a model reused for many runs (with rules, say), whose records would otherwise grow with each run;
        `keep_requests=` bounds them without forgetting the latest.
        """
        self.requests.clear()
        self._unprepared.clear()
        self._used = 0
        self._call_ids = 0
        self._received = 0

    def assert_all_consumed(self) -> None:
        """Raise `UnusedTurnsError`, naming them, if any scripted turn was never used."""
        __tracebackhide__ = True
        if self._used < len(self._turns):
            raise UnusedTurnsError(
                unused_message(model=self.label, turns=self._turns, used=self._used, requests=self._received)
            )

    # --- answering ----------------------------------------------------------------------------------

    def prepare_messages(self, messages: list[ModelMessage], *args: Any, **kwargs: Any) -> list[ModelMessage]:
        """Prepare the messages as pydantic-ai does for every model, keeping the originals when it rewrites retries.

        Releases from 2.x send a retry that answers no tool call (invalid text output, an output validator's
        `ModelRetry`) as a user or system prompt; rules and `RequestInfo` read it from the messages as the agent
        keeps them, so a retry stays a retry and the user's prompt stays the prompt on every release.
        """
        base = getattr(super(), 'prepare_messages', None)
        prepared: list[ModelMessage] = messages if base is None else base(messages, *args, **kwargs)
        if prepared is not messages:
            latest = _latest_request(messages)
            if latest is not None and any(_compat.translated_by_prepare(p) for p in latest.parts):
                self._unprepared.append(list(messages))
        return prepared

    def _as_kept(self, messages: list[ModelMessage]) -> list[ModelMessage]:
        """The messages as the agent keeps them: the originals of prepared ones, when this model prepared them."""
        latest = _latest_request(messages)
        if latest is None or not self._unprepared:
            return messages
        for original in reversed(self._unprepared):
            kept = _latest_request(original)
            if kept is not None and _corresponds(kept, latest):
                self._unprepared.remove(original)
                return original
        return messages

    async def request(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        """Answer a request with the next turn of the script (or a rule, or the default)."""
        _, response = await self._answer(messages, model_settings, model_request_parameters, streamed=False)
        return _compat.request_result(response)  # 0.x: `(response, usage)` before 0.2.0

    @asynccontextmanager
    async def request_stream(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
        run_context: Any = None,
    ) -> AsyncGenerator[StreamedResponse, None]:
        """Answer a streamed request: the same turn as `request`, sent as part-start/delta/end events."""
        turn, response = await self._answer(messages, model_settings, model_request_parameters, streamed=True)
        given = turn.response is not None
        chunks = [p.chunks if isinstance(p, (Text, ToolCall)) else None for p in turn.parts]
        usage = _compat.response_usage(response)
        explicit_usage = turn.usage is not None or (given and _compat.usage_has_values(usage))
        yield ScriptedStreamedResponse(
            **_compat.stream_init(self.requests[-1].parameters),
            _model_name=response.model_name or self._model_name,
            _parts=list(response.parts),
            _chunks=chunks,
            _chunk_words=turn.chunk_words or self._chunk_words,
            _chunk_delay=turn.chunk_delay if turn.chunk_delay is not None else self._chunk_delay,
            _explicit_usage=usage if explicit_usage else None,
            _finish_reason=_compat.finish_reason(response),
        )

    async def _answer(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
        *,
        streamed: bool,
    ) -> tuple[Turn, ModelResponse]:
        """Choose the turn, build its response and record the request (also when building it fails)."""
        __tracebackhide__ = True
        settings, params = _compat.prepare_request(self, model_settings, model_request_parameters)
        kept = self._as_kept(messages)
        signals = read_signals(kept)
        request = _Request(messages, kept, signals, settings, params, streamed)
        turn, answered_by = await self._choose(request)
        try:
            response = self._respond(turn, answered_by, messages, params)
        except ScriptError as error:
            self._record(request, answered_by, None, error)
            raise
        self._record(request, answered_by, response)
        return turn, response

    def _record(
        self, request: _Request, answered_by: str, response: ModelResponse | None, error: BaseException | None = None
    ) -> None:
        recorded = ScriptedRequest(
            number=self._received + 1,
            messages=list(request.messages),
            settings=request.settings,
            parameters=request.parameters,
            streamed=request.streamed,
            answered_by=answered_by,
            response=response,
            error=error,
            agent_name=_asking_agent_name(),
            prompt=request.signals.prompt,
            retries=request.signals.retries,
        )
        self._received += 1
        self.requests.append(recorded)
        if self._keep_requests is not None and len(self.requests) > self._keep_requests:
            del self.requests[: len(self.requests) - self._keep_requests]
        for model, into in _collecting.get():
            if model is self:
                into.append(recorded)

    async def _choose(self, request: _Request) -> tuple[Turn, str]:
        """Pick the turn answering this request, resolve callables, and raise scripted errors."""
        __tracebackhide__ = True
        turn: Turn | None = None
        answered_by = 'nothing'
        signals = request.signals
        if self._used < len(self._turns):
            turn = self._turns[self._used]
            self._used += 1
            answered_by = f'turn {self._used} of the script'
        else:
            for index, rule in enumerate(self._rules):
                if rule.matches(signals.request_prompt, signals.returns, signals.retries, self._asked_as()[0]):
                    turn, answered_by = rule.turn, f'rule {index + 1} ({rule.key!r})'
                    break
            else:
                if self._default is not None:
                    turn, answered_by = self._default, 'the default answer'
        if turn is None:
            error = ScriptExhaustedError(
                exhausted_message(
                    model=self.label,
                    number=self._received + 1,
                    latest=request.kept[-1] if request.kept else None,
                    turns=self._turns,
                    used=self._used,
                    rules=self._rules,
                    advice=self.exhausted_advice,
                    retry_of=_compat.retry_of,
                )
            )
            self._record(request, answered_by, None, error)
            raise error
        if turn.function is not None:
            info = RequestInfo(
                number=self._received + 1,
                messages=list(request.messages),
                parameters=request.parameters,
                settings=request.settings,
                prompt=signals.prompt,
                streamed=request.streamed,
                retries=signals.retries,
                model_name=self._asked_as()[0],
                agent_name=_asking_agent_name(),
                instructions=latest_instructions(request.messages),
            )
            result: Any = turn.function(info)
            if inspect.isawaitable(result):
                result = await result
            where = f'the answer of {answered_by} ({turn!r})'
            resolved = _checked(to_turn(result, where), where)
            if resolved.function is not None:
                raise TypeError(f'{where} is itself a callable; a callable turn must return an answer')
            turn = resolved
        if turn.error is not None:
            self._record(request, answered_by, None, turn.error)
            raise turn.error
        return turn, answered_by

    def _asked_as(self) -> tuple[str | None, str]:
        """The model string and model name this request was made to: this model's, unless it answers for another.

        A run's script answers every request of its agent's run, whichever model of a fallback is asked: it answers
        under the name of the model asked, as that model would.
        """
        from ._intercept import asked_name

        asked = asked_name()
        if asked is None or asked == self._stand_in:
            return self._stand_in, self._model_name
        return asked, split_model_name(asked)[1]

    def _respond(
        self, turn: Turn, answered_by: str, messages: list[ModelMessage], params: ModelRequestParameters
    ) -> ModelResponse:
        __tracebackhide__ = True
        if turn.response is not None:
            given = turn.response
            response = dataclasses.replace(given, model_name=given.model_name or self._asked_as()[1])
            if not _compat.usage_has_values(_compat.response_usage(response)):
                _compat.set_response_usage(response, _compat.estimate_usage([*messages, response]))
            return response
        number = self._received + 1
        native_ids: dict[str, str] = {}
        parts = [self._part(spec, answered_by, number, params, native_ids) for spec in turn.parts]
        extra: dict[str, Any] = {}
        if turn.finish_reason is not None:
            extra['finish_reason'] = turn.finish_reason
        response = ModelResponse(parts=parts, model_name=self._asked_as()[1], **extra)
        if turn.usage is not None:
            _compat.set_response_usage(response, _usage(turn.usage))
        else:
            _compat.set_response_usage(response, _compat.estimate_usage([*messages, response]))
        return response

    def _next_call_id(self) -> str:
        self._call_ids += 1
        return f'call_{self._call_ids}'

    def _part(
        self, spec: Any, answered_by: str, number: int, params: ModelRequestParameters, native_ids: dict[str, str]
    ) -> ModelResponsePart:
        __tracebackhide__ = True
        if isinstance(spec, Text):
            return TextPart(spec.content)
        if isinstance(spec, Thinking):
            return ThinkingPart(spec.content, signature=spec.signature)
        if isinstance(spec, NativeToolCall):
            self._check_native_tool(spec.tool_name, answered_by, number, params)
            call_id = native_ids[spec.tool_name] = spec.tool_call_id or self._next_call_id()
            args: Any = spec.args if spec.args is None or isinstance(spec.args, str) else dict(spec.args)
            provider = spec.provider_name or self._native_provider()
            return _compat.native_call_part(spec.tool_name, pydantic_core.to_jsonable_python(args), call_id, provider)
        if isinstance(spec, NativeToolReturn):
            call_id = spec.tool_call_id or native_ids.get(spec.tool_name) or self._next_call_id()
            provider = spec.provider_name or self._native_provider()
            return _compat.native_return_part(spec.tool_name, spec.content, call_id, provider)
        if isinstance(spec, File):
            return _compat.file_part(spec.data, spec.media_type)
        if isinstance(spec, ToolCall):
            output_tools = _compat.output_tools(params)
            tool = next((t for t in (*params.function_tools, *output_tools) if t.name == spec.tool_name), None)
            if tool is None and not self._allow_unknown_tools:
                self._used_unknown_tool(spec.tool_name, answered_by, number, params)
            args: Any = spec.args if isinstance(spec.args, str) else pydantic_core.to_jsonable_python(spec.args)
            if tool is not None and spec.valid:
                self._check_arguments(spec, args, tool, answered_by, number, output=tool in output_tools)
            return ToolCallPart(spec.tool_name, args, tool_call_id=spec.tool_call_id or self._next_call_id())
        return self._output_part(cast(Output, spec), answered_by, number, params)

    def _native_provider(self) -> str | None:
        """The provider native parts come from: the one of the model stood in for (`'openai'`), if any."""
        return self._system if self._stand_in else None

    def _check_native_tool(self, name: str, answered_by: str, number: int, params: ModelRequestParameters) -> None:
        """Raise `UnknownToolError` for a call to a native tool the agent does not offer."""
        __tracebackhide__ = True
        kinds = [_compat.native_tool_kind(t) for t in _compat.native_tools(params)]
        if self._allow_unknown_tools or any(name == k or name.startswith(f'{k}:') for k in kinds):
            return
        raise UnknownToolError(
            unknown_native_tool_message(
                where=answered_by[0].upper() + answered_by[1:], tool_name=name, number=number, native_tools=kinds
            )
        )

    def _check_arguments(
        self, spec: ToolCall, args: Any, tool: ToolDefinition, answered_by: str, number: int, *, output: bool
    ) -> None:
        """Raise `InvalidArgumentsError` if the arguments do not fit the tool's JSON schema.

        A JSON string that does not parse is left alone: writing one is already asking for invalid arguments.
        """
        __tracebackhide__ = True
        if isinstance(args, str):
            try:
                args = json.loads(args)
            except ValueError:
                return
        schema = tool.parameters_json_schema
        errors = schema_errors(args, schema)
        if errors:
            raise InvalidArgumentsError(
                invalid_arguments_message(
                    where=answered_by[0].upper() + answered_by[1:],
                    call=repr(spec),
                    number=number,
                    errors=errors,
                    signature=signature(tool.name, schema),
                    output=output,
                )
            )

    def _used_unknown_tool(self, name: str, answered_by: str, number: int, params: ModelRequestParameters) -> None:
        __tracebackhide__ = True
        raise UnknownToolError(
            unknown_tool_message(
                where=answered_by[0].upper() + answered_by[1:],
                tool_name=name,
                number=number,
                tools=[t.name for t in params.function_tools],
                output_tools=[t.name for t in _compat.output_tools(params)],
            )
        )

    def _output_part(
        self, spec: Output, answered_by: str, number: int, params: ModelRequestParameters
    ) -> ModelResponsePart:
        """The part carrying a scripted output: routed to the output type it fits (see `_outputs`)."""
        __tracebackhide__ = True
        jsonable: Any = pydantic_core.to_jsonable_python(spec.value)
        offered = candidates(params, _compat.output_tools(params))
        if spec.tool_name is not None:
            offered = [c for c in offered if c.tool_name == spec.tool_name]
            if not offered:
                self._used_unknown_tool(spec.tool_name, answered_by, number, params)
        where = answered_by[0].upper() + answered_by[1:]
        if not offered:
            if _compat.output_mode(params) in ('native', 'prompted') or isinstance(jsonable, str) or not spec.valid:
                # a string for a text agent is its text, and so is output sent unchecked (valid=False); a release
                # that does not put the prompted output's schema in the request (1.0) gets the JSON unchecked
                return TextPart(_json_text(jsonable))
            takes = (
                'an image (output_type=BinaryImage)' if _compat.image_output_only(params) else 'text (output_type=str)'
            )
            raise InvalidOutputError(text_output_message(where=where, output=repr(spec), number=number, takes=takes))
        routed = route(spec.value, jsonable, offered, check=spec.valid)
        candidate = routed.candidate
        if candidate is None:
            if isinstance(jsonable, str) and _compat.allow_text_output(params):
                return TextPart(jsonable)
            rejections = [(c.label(), errors) for c, errors in routed.rejections]
            raise InvalidOutputError(
                invalid_output_message(where=where, output=repr(spec), number=number, rejections=rejections)
            )
        sent: Any = as_sent(candidate, jsonable)
        if candidate.tool_name is None:
            return TextPart(_json_text(sent))
        args: Any = cast(Any, sent) if isinstance(sent, dict) else _json_text(sent)
        return ToolCallPart(candidate.tool_name, args, tool_call_id=self._next_call_id())


def _json_text(value: Any) -> str:
    return value if isinstance(value, str) else pydantic_core.to_json(value).decode()


# A scripted model is a test double like `FunctionModel`: pydantic-ai must prepare its messages the same way.
for _name, _value in _compat.test_double_flags().items():
    setattr(ScriptedModel, _name, _value)


def _usage(usage: RequestUsage | Mapping[str, int]) -> RequestUsage:
    if isinstance(usage, RequestUsage):
        return dataclasses.replace(usage)
    counters: dict[str, Any] = dict(usage)
    return RequestUsage(**counters)


def _check_script(script: object) -> None:
    """Reject what is not a script before iterating it: a dict would give its keys as turns, a set no order."""
    if isinstance(script, Mapping):
        pairs = cast('Mapping[Any, Any]', script)
        raise TypeError(
            f'ScriptedModel takes a list of turns, got the dict {_short_repr(pairs)}; '
            f'to answer by prompt, pass it as rules={_short_repr(pairs)}'
        )
    if isinstance(script, (set, frozenset)):
        raise TypeError(
            f'ScriptedModel takes a list of turns, got the set {_short_repr(cast(object, script))}; '
            'a script is in order: use a list'
        )
    if isinstance(script, (str, bytes)) or not isinstance(script, Iterable):
        raise TypeError(
            f'ScriptedModel takes a list of turns, got {script!r}; '
            "for a single text answer write ScriptedModel(['...'])"
        )


def _short_repr(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + '...' + text[-1]


_NOT_JSON = (
    'a model sends JSON: use strings, numbers, booleans, None, lists and dicts '
    '(pydantic models, dataclasses and dates are sent as their JSON form)'
)


def _is_json_able(value: object) -> bool:
    try:
        pydantic_core.to_jsonable_python(value)
    except ValueError:  # PydanticSerializationError, or UnicodeDecodeError for bytes that are not UTF-8
        return False
    return True


def _check_json(part: object, where: str) -> None:
    """A scripted part whose values a model could not send as JSON fails when the model is built."""
    if isinstance(part, ToolCall) and not isinstance(part.args, str):
        for name, value in part.args.items():
            if not _is_json_able(value):
                raise TypeError(
                    f'{where}: {part!r} passes {name}={_short_repr(value, 40)}, which is not JSON-serialisable; '
                    + _NOT_JSON
                )
    elif isinstance(part, Output) and not _is_json_able(part.value):
        raise TypeError(f'{where}: {part!r} is not JSON-serialisable; {_NOT_JSON}')


def _checked(turn: Turn, where: str) -> Turn:
    """Check a turn's values, and the parts of it that depend on the installed pydantic-ai release."""
    for part in turn.parts:
        _check_json(part, where)
        if isinstance(part, Thinking) and not _compat.HAS_THINKING:
            raise ValueError(
                f'{where} holds {part!r}, but '
                + _compat.missing('thinking parts', '0.3.0', 'leave thinking() out', plural=True)
            )
        if isinstance(part, (NativeToolCall, NativeToolReturn)) and _compat.NATIVE_CALL_PART is None:
            raise ValueError(
                f'{where} holds {part!r}, but '
                + _compat.missing('native tool parts', '0.6.2', 'leave native tool calls out', plural=True)
            )
        if isinstance(part, File) and _compat.FILE_PART is None:
            raise ValueError(
                f'{where} holds {part!r}, but the installed pydantic-ai has no FilePart (models return files from '
                '1.x on); upgrade pydantic-ai or leave the file out'
            )
    if turn.finish_reason is not None and not _compat.HAS_FINISH_REASON:
        raise ValueError(
            f'{where} sets finish_reason, but '
            + _compat.missing('ModelResponse.finish_reason', '1.1', 'leave finish_reason out')
        )
    if isinstance(turn.usage, Mapping):
        unknown = sorted(set(turn.usage) - _compat.USAGE_FIELDS)
        if unknown:
            later = [f'{n} came in {_compat.COUNTERS_ADDED[n]}' for n in unknown if n in _compat.COUNTERS_ADDED]
            raise ValueError(
                f'{where} sets usage counters the installed pydantic-ai does not have: {", ".join(unknown)}; '
                f'known counters: {", ".join(sorted(_compat.USAGE_FIELDS))}'
                + (f' (the installed pydantic-ai is {_compat.VERSION}: {"; ".join(later)})' if later else '')
            )
        bad = {k: v for k, v in turn.usage.items() if not isinstance(v, int) or isinstance(v, bool) or v < 0}  # pyright: ignore[reportUnnecessaryIsInstance]
        if bad:
            raise ValueError(f'{where}: usage counters must be non-negative integers, got {bad!r}')
    return turn


@dataclass
class ScriptedStreamedResponse(StreamedResponse):
    """The streamed form of a scripted response: text by words, tool arguments in pieces."""

    _model_name: str
    _parts: list[ModelResponsePart]
    _chunks: list[tuple[str, ...] | None]
    _chunk_words: int
    _chunk_delay: float
    _explicit_usage: RequestUsage | None
    _finish_reason: Any
    _timestamp: datetime = field(default_factory=now_utc)
    _sent: int = 0

    async def _paced(self) -> None:
        """Wait the scripted delay before every delta but the first."""
        if self._chunk_delay and self._sent:
            import anyio

            await anyio.sleep(self._chunk_delay)
        self._sent += 1

    async def _get_event_iterator(self) -> AsyncIterator[ModelResponseStreamEvent]:
        manager = self._parts_manager
        for index, part in enumerate(self._parts):
            explicit = self._chunks[index] if index < len(self._chunks) else None
            if self._stopped():
                return
            if isinstance(part, TextPart):
                for chunk in explicit or split_words(part.content, self._chunk_words):
                    await self._paced()
                    if self._stopped():
                        return
                    self._count(chunk)
                    for event in _compat.stream_events(manager.handle_text_delta(vendor_part_id=index, content=chunk)):
                        yield event
            elif isinstance(part, ThinkingPart):
                for chunk in split_words(part.content, self._chunk_words) or ['']:
                    await self._paced()
                    if self._stopped():
                        return
                    self._count(chunk)
                    for event in _compat.stream_events(
                        manager.handle_thinking_delta(vendor_part_id=index, content=chunk)
                    ):
                        yield event
                if part.signature is not None:
                    for event in _compat.stream_events(
                        manager.handle_thinking_delta(vendor_part_id=index, signature=part.signature)
                    ):
                        yield event
            elif isinstance(part, ToolCallPart):
                pieces = explicit or split_args(
                    args_json(part.args if part.args is not None else {}), self._chunk_words
                )
                for n, piece in enumerate(pieces or ['']):
                    await self._paced()
                    if self._stopped():
                        return
                    self._count(piece)
                    result = manager.handle_tool_call_delta(
                        vendor_part_id=index,
                        tool_name=part.tool_name if n == 0 else None,
                        args=piece,
                        tool_call_id=part.tool_call_id if n == 0 else None,
                    )
                    for event in _compat.stream_events(result):
                        yield event
            else:  # another kind of part, from a ModelResponse given as it is
                yield _compat.stream_whole_part(manager, index, part)
        if self._explicit_usage is not None:
            self._usage = self._explicit_usage
        _compat.set_stream_finish_reason(self, self._finish_reason)

    def __post_init__(self) -> None:
        self._usage = _compat.estimate_usage([]) if self._explicit_usage is None else RequestUsage()

    def _stopped(self) -> bool:
        """Whether the consumer cancelled the stream (`result.cancel()`, where the release has it): send no more."""
        return _compat.stream_cancelled(self)

    async def close_stream(self) -> None:
        """Nothing to close: a scripted stream has no connection. The events stop at the next delta."""

    def _count(self, chunk: str) -> None:
        if self._explicit_usage is None:
            self._usage = self._usage + _compat.output_usage(_compat.estimate_tokens(chunk))

    @property
    def model_name(self) -> str:
        """The model name of the response."""
        return self._model_name

    @property
    def provider_name(self) -> str | None:
        """No provider: a scripted response is not sent anywhere."""
        return None

    @property
    def provider_url(self) -> str | None:
        """No provider URL."""
        return None

    @property
    def timestamp(self) -> datetime:
        """When the stream was opened."""
        return self._timestamp
