"""The models a cassette puts in place of a real one: recording it, or replaying what it answered.

While recording, a model resolves to a `RecordingModel`: the real model, with every request summarised and
every response and stream delta kept in a `Recording`. While replaying, it resolves to a `ReplayModel` that
answers from the cassette through its `CassetteSession`, and never builds the real model.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, ModelResponseStreamEvent
from pydantic_ai.models import Model, ModelRequestParameters, StreamedResponse
from pydantic_ai.settings import ModelSettings

from pytest_agentrun import _compat
from pytest_agentrun._guard import unguarded
from pytest_agentrun._model import NamedModel, now_utc

from .format import CallIds, Chunk, Entry, decode_part, encode_event, encode_response
from .summary import summarize_request

if TYPE_CHECKING:
    from .session import CassetteSession

__all__ = ('Recording', 'RecordingModel', 'ReplayModel', 'ReplayedStream')


# --- recording ------------------------------------------------------------------------------------------


class Recording:
    """The runs of one test as they are recorded, already in cassette form."""

    def __init__(self) -> None:
        self.runs: list[dict[str, Any]] = []
        self.ids = CallIds()
        self._last: dict[str, tuple[int, int]] = {}
        self._by_run_id: dict[tuple[str, str], int] = {}

    def _run_for(self, name: str, messages: Sequence[ModelMessage]) -> int:
        """The run a request belongs to.

        Its agent run's id where pydantic-ai has one; else a new run starts with a user prompt, or when the
        conversation is no longer than at the model's previous request.
        """
        latest = next((m for m in reversed(messages) if isinstance(m, ModelRequest)), None)
        run_id = getattr(latest, 'run_id', None)
        if isinstance(run_id, str):
            index = self._by_run_id.get((name, run_id))
            if index is None:
                index = self._by_run_id[(name, run_id)] = self._new_run(name)
            return index
        last = self._last.get(name)
        prompted = latest is not None and any(p.part_kind == 'user-prompt' for p in latest.parts)
        if last is None or prompted or len(messages) <= last[1]:
            return self._new_run(name)
        return last[0]

    def _new_run(self, name: str) -> int:
        self.runs.append({'model': name, 'requests': []})
        return len(self.runs) - 1

    def add(
        self,
        name: str,
        messages: Sequence[ModelMessage],
        summary: dict[str, Any],
        response: ModelResponse,
        stream: list[Chunk] | None,
    ) -> None:
        index = self._run_for(name, messages)
        self._last[name] = (index, len(messages))
        entry: dict[str, Any] = {'request': summary, 'response': encode_response(response, self.ids)}
        if stream is not None:
            entry['stream'] = stream
        self.runs[index]['requests'].append(entry)


class RecordingModel(Model):
    """The real model, with every request summarised and every response and stream delta recorded."""

    def __init__(self, name: str, real: Model, recording: Recording) -> None:
        """Record what `real` answers for the model string `name`."""
        self._name = name
        self._real = real
        self._recording = recording
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

    async def request(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        """Ask the real model, and record its answer."""
        summary = summarize_request(messages, model_request_parameters)
        prepared = _compat.prepare_messages(self._real, messages, model_request_parameters)
        with unguarded():
            response = await self._real.request(prepared, model_settings, model_request_parameters)
        self._recording.add(self._name, messages, summary, response, None)
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
        chunks: list[Chunk] = []
        ids = self._recording.ids
        prepared = _compat.prepare_messages(self._real, messages, model_request_parameters)
        async with AsyncExitStack() as stack:
            with unguarded():  # only while the real model opens its stream
                stream = await stack.enter_async_context(
                    self._real.request_stream(prepared, model_settings, model_request_parameters, run_context)
                )
            events = stream._get_event_iterator  # pyright: ignore[reportPrivateUsage]

            async def recording() -> AsyncIterator[ModelResponseStreamEvent]:
                async for event in events():
                    chunk = encode_event(event, ids)
                    if chunk is not None:
                        chunks.append(chunk)
                    yield event

            stream._get_event_iterator = recording  # pyright: ignore[reportPrivateUsage]  # an instance attribute: this stream only
            yield stream
        self._recording.add(self._name, messages, summary, stream.get(), chunks)


# --- replaying ------------------------------------------------------------------------------------------


class ReplayModel(NamedModel):
    """Answers for a model string from the test's cassette; never reaches the real model."""

    def __init__(self, name: str, session: CassetteSession) -> None:
        """Replay what the cassette recorded for the model string `name`."""
        self._session = session
        super().__init__(name)

    def prepare_messages(self, messages: list[ModelMessage], *args: Any, **kwargs: Any) -> list[ModelMessage]:
        """Leave the messages as the agent sent them, as recording summarised them."""
        return messages

    async def request(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        """The recorded response to this request."""
        return self._session.take(self._name, messages, model_request_parameters).response

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
