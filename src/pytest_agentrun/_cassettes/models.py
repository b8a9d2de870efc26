"""The models a cassette puts in place of a real one: recording it, or replaying what it answered.

While recording, a model resolves to a `RecordingModel`: the real model, with every request summarised and
every response and stream delta kept on the test's `Tape`. While replaying, it resolves to a `ReplayModel` that
answers from the cassette through its `CassetteSession`, and never builds the real model, unless the session
records what is missing: then a request the cassette cannot answer goes to a `RecordingModel`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    ModelResponseStreamEvent,
    ThinkingPart,
)
from pydantic_ai.models import Model, ModelRequestParameters, StreamedResponse
from pydantic_ai.settings import ModelSettings

from pytest_agentrun import _compat, _intercept
from pytest_agentrun._guard import unguarded
from pytest_agentrun._model import NamedModel, now_utc

from .format import PLACEHOLDER_SIGNATURE, Chunk, Entry, decode_part, encode_event, encode_response
from .summary import summarize_request

if TYPE_CHECKING:
    from .session import CassetteSession

__all__ = ('RecordingModel', 'ReplayModel', 'ReplayedStream', 'Tape', 'TapeRun', 'run_key')


# --- the cassette being built ---------------------------------------------------------------------------


def run_key() -> tuple[object, int] | None:
    """The agent run making the current request, and when it started (see `_intercept.current_run`)."""
    return _intercept.current_run()


@dataclass(eq=False)
class TapeRun:
    """One run of one model, as the new cassette will hold it."""

    model: str
    order: tuple[int, int]
    """Where it goes in the cassette: when its agent run started, then when its first request was made."""
    requests: list[dict[str, Any]] = field(default_factory=list[dict[str, Any]])


class Tape:
    """Every request a test makes, in cassette form, whether recorded now or replayed: the cassette to write.

    Runs go in the order they started, not the order their answers came in: concurrent runs
    (`asyncio.gather`) are written the same way on every recording. Ids and signatures are numbered when the
    cassette is written (`format.dump_cassette`), in that order.
    """

    def __init__(self) -> None:
        self.runs: list[TapeRun] = []
        self.fresh = 0
        """How many requests were recorded now (the others were replayed)."""
        self._by_run: dict[tuple[str, object], TapeRun] = {}
        self._last: dict[str, tuple[TapeRun, int]] = {}

    def run_for(self, name: str, messages: Sequence[ModelMessage]) -> TapeRun:
        """The run a request to the model `name` belongs to, started now if it is the run's first.

        Its agent run where there is one (or the `run_id` pydantic-ai gives its messages); else a new run starts
        with a user prompt, or when the conversation is no longer than at the model's previous request.
        """
        latest = next((m for m in reversed(messages) if isinstance(m, ModelRequest)), None)
        running = run_key()
        identity: object = running[0] if running is not None else getattr(latest, 'run_id', None)
        if identity is not None:
            run = self._by_run.get((name, identity))
            if run is None:
                started = running[1] if running is not None else _intercept.next_order()
                run = self._by_run[(name, identity)] = self._new_run(name, started)
        else:
            last = self._last.get(name)
            prompted = latest is not None and any(p.part_kind == 'user-prompt' for p in latest.parts)
            if last is None or prompted or len(messages) <= last[1]:
                run = self._new_run(name, _intercept.next_order())
            else:
                run = last[0]
        self._last[name] = (run, len(messages))
        return run

    def _new_run(self, name: str, started: int) -> TapeRun:
        run = TapeRun(name, (started, _intercept.next_order()))
        self.runs.append(run)
        return run

    def add(self, run: TapeRun, entry: dict[str, Any], *, fresh: bool) -> None:
        """Keep a request's entry in its run, once its answer is complete."""
        run.requests.append(entry)
        self.fresh += fresh

    def cassette_runs(self) -> list[dict[str, Any]]:
        """The runs as the cassette holds them, in the order they started; runs with no request left out."""
        ordered = sorted((run for run in self.runs if run.requests), key=lambda run: run.order)
        return [{'model': run.model, 'requests': run.requests} for run in ordered]


def _without_placeholders(messages: list[ModelMessage]) -> list[ModelMessage]:
    """The messages with the signatures a cassette made up removed: a real model would reject them.

    A run recorded now can carry on a conversation replayed from the cassette (recording what is missing);
    its thinking is then sent as thinking from elsewhere, with no signature, as pydantic-ai sends another
    provider's.
    """

    def clean(message: ModelMessage) -> ModelMessage:
        if not isinstance(message, ModelResponse):
            return message
        parts = [
            dataclasses.replace(p, signature=None)
            if isinstance(p, ThinkingPart) and p.signature is not None and PLACEHOLDER_SIGNATURE.fullmatch(p.signature)
            else p
            for p in message.parts
        ]
        if all(new is old for new, old in zip(parts, message.parts, strict=True)):
            return message
        return dataclasses.replace(message, parts=parts)

    return [clean(m) for m in messages]


# --- recording ------------------------------------------------------------------------------------------


class RecordingModel(Model):
    """The real model, with every request summarised and every response and stream delta recorded."""

    def __init__(self, name: str, real: Model, tape: Tape, *, prepared: bool = False) -> None:
        """Record what `real` answers for the model string `name`.

        `prepared`: the messages come prepared for `real` already (a model object's own request).
        """
        self._name = name
        self._real = real
        self._tape = tape
        self._prepared = prepared
        super().__init__(profile=real.profile)

    @property
    def model_name(self) -> str:
        """The real model's name."""
        return self._real.model_name

    @property
    def system(self) -> str:
        """The real model's provider system."""
        return self._real.system

    def prepare_messages(self, messages: list[ModelMessage], *args: Any, **kwargs: Any) -> list[ModelMessage]:
        """Leave the messages as the agent sent them: they are summarised so, then prepared for the real model.

        How a model prepares messages depends on the release and the model's profile (e.g. 2.63-2.66 add a
        sentence to some models' system prompts); a summary of the messages as sent compares the same on replay.
        """
        return messages

    def _for_real(self, messages: list[ModelMessage], parameters: ModelRequestParameters) -> list[ModelMessage]:
        """The messages as the real model gets them: prepared once, without made-up signatures."""
        prepared = messages if self._prepared else _compat.prepare_messages(self._real, messages, parameters)
        return _without_placeholders(prepared)

    async def request(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        """Ask the real model, and record its answer."""
        summary = summarize_request(messages, model_request_parameters)
        run = self._tape.run_for(self._name, messages)
        prepared = self._for_real(messages, model_request_parameters)
        with unguarded():
            response = await self._real.request(prepared, model_settings, model_request_parameters)
        self._tape.add(run, {'request': summary, 'response': encode_response(response)}, fresh=True)
        return response

    @asynccontextmanager
    async def request_stream(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
        run_context: Any = None,
    ) -> AsyncGenerator[StreamedResponse, None]:
        """Stream from the real model, recording each delta as it comes, and the whole response at the end."""
        summary = summarize_request(messages, model_request_parameters)
        run = self._tape.run_for(self._name, messages)
        chunks: list[Chunk] = []
        prepared = self._for_real(messages, model_request_parameters)
        async with AsyncExitStack() as stack:
            with unguarded():  # only while the real model opens its stream
                stream = await stack.enter_async_context(
                    self._real.request_stream(prepared, model_settings, model_request_parameters, run_context)
                )
            events = stream._get_event_iterator  # pyright: ignore[reportPrivateUsage]

            async def recording() -> AsyncIterator[ModelResponseStreamEvent]:
                async for event in events():
                    chunk = encode_event(event)
                    if chunk is not None:
                        chunks.append(chunk)
                    yield event

            stream._get_event_iterator = recording  # pyright: ignore[reportPrivateUsage]  # an instance attribute: this stream only
            yield stream
        entry = {'request': summary, 'response': encode_response(stream.get()), 'stream': chunks}
        self._tape.add(run, entry, fresh=True)


# --- replaying ------------------------------------------------------------------------------------------


class ReplayModel(NamedModel):
    """Answers for a model string from the test's cassette; never reaches the real model.

    Unless the session records what is missing: a request the cassette cannot answer is then recorded from the
    real model, which `real` builds.
    """

    def __init__(self, name: str, session: CassetteSession, real: Callable[[], Model], *, prepared: bool) -> None:
        """Replay what the cassette recorded for the model string `name`."""
        self._session = session
        self._real = real
        self._prepared = prepared
        super().__init__(name)

    def prepare_messages(self, messages: list[ModelMessage], *args: Any, **kwargs: Any) -> list[ModelMessage]:
        """Leave the messages as the agent sent them, as recording summarised them."""
        return messages

    def _recorder(self) -> RecordingModel:
        return RecordingModel(self._name, self._real(), self._session.tape, prepared=self._prepared)

    async def request(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        """The recorded response to this request."""
        entry = self._session.take(self._name, messages, model_request_parameters)
        if entry is None:
            return await self._recorder().request(messages, model_settings, model_request_parameters)
        return entry.response

    @asynccontextmanager
    async def request_stream(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
        run_context: Any = None,
    ) -> AsyncGenerator[StreamedResponse, None]:
        """The recorded response, streamed in the deltas recorded."""
        entry = self._session.take(self._name, messages, model_request_parameters)
        if entry is None:
            async with self._recorder().request_stream(
                messages, model_settings, model_request_parameters, run_context
            ) as stream:
                yield stream
            return
        _, parameters = _compat.prepare_request(self, model_settings, model_request_parameters)
        yield ReplayedStream(model_request_parameters=parameters, _entry=entry)


@dataclass
class ReplayedStream(StreamedResponse):
    """A recorded stream, sent again delta by delta."""

    _entry: Entry
    _timestamp: datetime = field(default_factory=now_utc)

    async def _get_event_iterator(self) -> AsyncIterator[ModelResponseStreamEvent]:
        manager = self._parts_manager
        for chunk in self._entry.chunks:
            index = chunk['part']
            if 'whole' in chunk:
                part = decode_part(chunk['whole'], 'whole')
                yield _compat.stream_whole_part(manager, index, part)
                continue
            if 'text' in chunk:
                result: object = manager.handle_text_delta(vendor_part_id=index, content=chunk['text'])
            elif 'thinking' in chunk or 'signature' in chunk:
                result = manager.handle_thinking_delta(
                    vendor_part_id=index, content=chunk.get('thinking'), signature=chunk.get('signature')
                )
            else:
                result = manager.handle_tool_call_delta(
                    vendor_part_id=index,
                    tool_name=chunk.get('tool_name'),
                    args=chunk.get('args'),
                    tool_call_id=chunk.get('tool_call_id'),
                )
            for event in _compat.stream_events(result):
                yield event
        self._usage = self._entry.response.usage
        _compat.set_stream_finish_reason(self, getattr(self._entry.response, 'finish_reason', None))

    @property
    def model_name(self) -> str:
        """The model name the recorded response reported."""
        return self._entry.response.model_name or ''

    @property
    def provider_name(self) -> str | None:
        """The provider the recorded response reported."""
        return getattr(self._entry.response, 'provider_name', None)

    @property
    def provider_url(self) -> str | None:
        """No provider URL: a replayed response is not sent anywhere."""
        return None

    @property
    def timestamp(self) -> datetime:
        """When the stream was opened."""
        return self._timestamp
