"""Recording real model responses into a cassette, and replaying them offline.

For a test with a cassette, the plugin gives the stand-ins (see `standin`) a `CassetteSession`. While
recording, a model string resolves to a `RecordingModel`: the real model, with every request summarised
and every response and stream delta kept. While replaying, it resolves to a `ReplayModel` that answers from
the cassette, compares each request with the one recorded, and never builds the real model.
"""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn, cast

import pydantic
import pydantic_core
import pytest
from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    ModelResponsePart,
    ModelResponseStreamEvent,
    PartDeltaEvent,
    PartStartEvent,
    TextPart,
    TextPartDelta,
    ThinkingPart,
    ThinkingPartDelta,
    ToolCallPart,
    ToolCallPartDelta,
)
from pydantic_ai.models import Model, ModelRequestParameters, StreamedResponse
from pydantic_ai.settings import ModelSettings
from pydantic_ai.usage import RequestUsage

from . import _compat
from .cassette import (
    CassetteFormatError,
    bad_file_message,
    dump_cassette,
    exhausted_message,
    match_view,
    mismatch_message,
    missing_message,
    read_cassette,
    unused_message,
)
from .files import write_atomically
from .model import NamedModel, now_utc

__all__ = ('CassetteSession', 'RecordingModel', 'ReplayModel', 'summarize_request')

Chunk = dict[str, Any]
"""One stream delta as the cassette keeps it: `{"part": 0, "text": "Hel"}`."""


# --- request summaries ----------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    """A JSON value for tool returns and prompts; objects JSON cannot hold become `'<TypeName>'`."""
    return pydantic_core.to_jsonable_python(value, fallback=lambda v: f'<{type(v).__name__}>')


def _retry_content(content: Any) -> Any:
    """A retry prompt's content, without the documentation URLs that change with the pydantic release."""
    if isinstance(content, list):
        errors = cast('list[Any]', content)
        return [
            {k: v for k, v in cast('dict[str, Any]', e).items() if k != 'url'} if isinstance(e, dict) else e
            for e in _jsonable(errors)
        ]
    return _jsonable(content)


def _summarize_part(part: Any) -> dict[str, Any]:
    kind: str = getattr(part, 'part_kind', type(part).__name__)
    summary: dict[str, Any] = {'kind': kind}
    if kind == 'user-prompt':
        content = part.content
        summary['content'] = content if isinstance(content, str) else [_jsonable(c) for c in content]
    elif kind == 'system-prompt':
        summary['content'] = part.content
    elif kind == 'tool-return':
        summary['tool'] = part.tool_name
        summary['content'] = _jsonable(part.content)
    elif kind == 'retry-prompt':
        summary['tool'] = part.tool_name
        summary['content'] = _retry_content(part.content)
    return summary


def summarize_request(messages: Sequence[ModelMessage], parameters: ModelRequestParameters) -> dict[str, Any]:
    """What a request asks, as the cassette keeps it and a replayed request is compared on.

    The parts of the latest request (prompts, tool returns, retries), how many messages came before it,
    its instructions and the names of the tools offered. Ids and timestamps are left out.
    """
    latest_at = next((i for i in range(len(messages) - 1, -1, -1) if isinstance(messages[i], ModelRequest)), None)
    latest = cast(ModelRequest, messages[latest_at]) if latest_at is not None else None
    summary: dict[str, Any] = {
        'history': latest_at if latest_at is not None else len(messages),
        'instructions': getattr(latest, 'instructions', None),
        'parts': [_summarize_part(p) for p in latest.parts] if latest is not None else [],
        'tools': [t.name for t in parameters.function_tools],
        'output_tools': [t.name for t in parameters.output_tools],
    }
    return json.loads(json.dumps(summary))


def _describe_summary(summary: Mapping[str, Any]) -> str:
    parts = cast('list[dict[str, Any]]', summary.get('parts') or [])
    described: list[str] = []
    for part in parts:
        if not isinstance(part, dict):  # pyright: ignore[reportUnnecessaryIsInstance]
            continue
        tool = part.get('tool')
        content = json.dumps(part.get('content'), ensure_ascii=False)
        described.append(f'{part.get("kind")} {f"{tool}: " if tool else ""}{content[:60]}')
    return ', '.join(described) or 'no parts'


# --- encoding responses ---------------------------------------------------------------------------------


class _Ids:
    """Replaces the provider's tool-call ids by `call_1`, `call_2`, ... in order of appearance."""

    def __init__(self) -> None:
        self._map: dict[str, str] = {}

    def __call__(self, raw: str | None) -> str | None:
        if raw is None:
            return None
        if raw not in self._map:
            self._map[raw] = f'call_{len(self._map) + 1}'
        return self._map[raw]


@functools.cache
def _part_adapter() -> pydantic.TypeAdapter[Any]:
    return pydantic.TypeAdapter(ModelResponsePart)


def _encode_part(part: ModelResponsePart, ids: _Ids) -> dict[str, Any]:
    if isinstance(part, TextPart):
        return {'kind': 'text', 'content': part.content}
    if isinstance(part, ThinkingPart):
        data: dict[str, Any] = {'kind': 'thinking', 'content': part.content}
        if part.signature is not None:
            data['signature'] = part.signature
        return data
    if type(part) is ToolCallPart:
        return {
            'kind': 'tool-call',
            'tool_name': part.tool_name,
            'args': part.args if part.args is not None else {},
            'tool_call_id': ids(part.tool_call_id),
        }
    # Parts with no delta form (native tool calls and returns, files): pydantic-ai's own schema, minus ids.
    dumped = cast('dict[str, Any]', _part_adapter().dump_python(part, mode='json'))
    dumped.pop('id', None)
    dumped.pop('timestamp', None)
    if isinstance(dumped.get('tool_call_id'), str):
        dumped['tool_call_id'] = ids(dumped['tool_call_id'])
    return {'kind': part.part_kind, 'data': dumped}


def _encode_usage(usage: RequestUsage) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in sorted(_compat.USAGE_FIELDS):
        value = getattr(usage, name, 0)
        if isinstance(value, int) and not isinstance(value, bool) and value:
            data[name] = value
    details = getattr(usage, 'details', None)
    if details:
        data['details'] = dict(sorted(cast('dict[str, int]', details).items()))
    return data


def encode_response(response: ModelResponse, ids: _Ids) -> dict[str, Any]:
    """A response as the cassette keeps it: parts, usage, finish reason and model name; no time or ids."""
    data: dict[str, Any] = {'parts': [_encode_part(p, ids) for p in response.parts]}
    if response.model_name:
        data['model_name'] = response.model_name
    for name in ('provider_name', 'finish_reason'):
        value = getattr(response, name, None)
        if value is not None:
            data[name] = value
    usage = _encode_usage(response.usage)
    if usage:
        data['usage'] = usage
    return data


def encode_event(event: ModelResponseStreamEvent, ids: _Ids) -> Chunk | None:
    """A stream event as a cassette delta; `None` for events the stream makes up itself (part ends)."""
    if isinstance(event, PartStartEvent):
        part = event.part
        if isinstance(part, TextPart):
            return {'part': event.index, 'text': part.content}
        if isinstance(part, ThinkingPart):
            chunk: Chunk = {'part': event.index, 'thinking': part.content}
            if part.signature is not None:
                chunk['signature'] = part.signature
            return chunk
        if type(part) is ToolCallPart:
            chunk = {'part': event.index, 'tool_name': part.tool_name, 'tool_call_id': ids(part.tool_call_id)}
            if part.args is not None:
                chunk['args'] = part.args
            return chunk
        return {'part': event.index, 'whole': _encode_part(part, ids)}
    if isinstance(event, PartDeltaEvent):
        delta = event.delta
        chunk = {'part': event.index}
        if isinstance(delta, TextPartDelta):
            chunk['text'] = delta.content_delta
        elif isinstance(delta, ThinkingPartDelta):
            if delta.content_delta is not None:
                chunk['thinking'] = delta.content_delta
            if delta.signature_delta is not None:
                chunk['signature'] = delta.signature_delta
        elif isinstance(delta, ToolCallPartDelta):  # pyright: ignore[reportUnnecessaryIsInstance]
            for key, value in (
                ('tool_name', delta.tool_name_delta),
                ('args', delta.args_delta),
                ('tool_call_id', ids(delta.tool_call_id)),
            ):
                if value is not None:
                    chunk[key] = value
        return chunk if len(chunk) > 1 else None
    return None


# --- decoding -------------------------------------------------------------------------------------------


class _Bad(Exception):
    """A problem in one cassette entry, with where it is."""


def _want(
    data: Mapping[str, Any], key: str, types: type | tuple[type, ...], where: str, *, optional: bool = False
) -> Any:
    if key not in data:
        if optional:
            return None
        raise _Bad(f'{where} has no {key!r}')
    value = data[key]
    if not isinstance(value, types) or isinstance(value, bool):
        names = ' or '.join(t.__name__ for t in (types if isinstance(types, tuple) else (types,)))
        raise _Bad(f'{where}.{key} must be {names}, got {value!r}')
    return value


def _decode_part(data: Mapping[str, Any], where: str) -> ModelResponsePart:
    kind = data.get('kind')
    if kind == 'text':
        return TextPart(_want(data, 'content', str, where))
    if kind == 'thinking':
        return ThinkingPart(
            _want(data, 'content', str, where), signature=_want(data, 'signature', str, where, optional=True)
        )
    if kind == 'tool-call':
        return ToolCallPart(
            _want(data, 'tool_name', str, where),
            _want(data, 'args', (str, dict), where),
            tool_call_id=_want(data, 'tool_call_id', str, where),
        )
    raw = data.get('data')
    if not isinstance(kind, str) or not isinstance(raw, dict):
        raise _Bad(
            f"{where}.kind must be 'text', 'tool-call', 'thinking' or another part kind with 'data', got {kind!r}"
        )
    try:
        return cast(ModelResponsePart, _part_adapter().validate_python(raw))
    except pydantic.ValidationError as error:
        raise _Bad(f'{where}.data is not a {kind!r} part: {error.errors()[0]["msg"]}') from None


def _decode_usage(data: Any, where: str) -> RequestUsage:
    if data is None:
        return RequestUsage()
    if not isinstance(data, dict):
        raise _Bad(f'{where} must be an object of token counters, got {data!r}')
    counters = dict(cast('dict[str, Any]', data))
    details = counters.pop('details', None)
    unknown = sorted(set(counters) - _compat.USAGE_FIELDS)
    if unknown:
        raise _Bad(f'{where} has counters the installed pydantic-ai does not know: {", ".join(unknown)}')
    for name, value in [*counters.items(), *(cast('dict[str, Any]', details or {})).items()]:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise _Bad(f'{where}.{name} must be a non-negative integer, got {value!r}')
    usage = RequestUsage(**counters)
    if details:
        usage.details = dict(details)
    return usage


def decode_response(data: Mapping[str, Any], where: str) -> ModelResponse:
    """Rebuild a recorded response (raising `_Bad` for what does not fit)."""
    parts = [_decode_part(cast('dict[str, Any]', p), f'{where}.parts[{i}]') for i, p in enumerate(data['parts'])]
    extra: dict[str, Any] = {}
    for name in ('provider_name', 'finish_reason'):
        value = _want(data, name, str, where, optional=True)
        if value is not None and name in _compat.RESPONSE_FIELDS:
            extra[name] = value
    return ModelResponse(
        parts=parts,
        model_name=_want(data, 'model_name', str, where, optional=True),
        usage=_decode_usage(data.get('usage'), f'{where}.usage'),
        **extra,
    )


def _check_chunk(chunk: Mapping[str, Any], where: str) -> None:
    for key, types in (('text', str), ('thinking', str), ('signature', str), ('tool_name', str), ('tool_call_id', str)):
        _want(chunk, key, types, where, optional=True)
    _want(chunk, 'args', (str, dict), where, optional=True)
    whole = _want(chunk, 'whole', dict, where, optional=True)
    if whole is not None:
        _decode_part(whole, f'{where}.whole')
    if not set(chunk) - {'part'}:
        raise _Bad(f'{where} holds no delta')


def _chunks_of(response: ModelResponse, data: Mapping[str, Any]) -> list[Chunk]:
    """The deltas of a response recorded without streaming: each part in one piece."""
    chunks: list[Chunk] = []
    for index, (part, raw) in enumerate(zip(response.parts, data['parts'], strict=True)):
        if isinstance(part, TextPart):
            chunks.append({'part': index, 'text': part.content})
        elif isinstance(part, ThinkingPart):
            chunk: Chunk = {'part': index, 'thinking': part.content}
            if part.signature is not None:
                chunk['signature'] = part.signature
            chunks.append(chunk)
        elif type(part) is ToolCallPart:
            chunks.append(
                {'part': index, 'tool_name': part.tool_name, 'args': part.args, 'tool_call_id': part.tool_call_id}
            )
        else:
            chunks.append({'part': index, 'whole': raw})
    return chunks


@dataclass(kw_only=True)
class _Entry:
    """One recorded request and its answer."""

    model: str
    run: int
    number: int
    summary: dict[str, Any]
    response: ModelResponse
    response_data: dict[str, Any]
    chunks: list[Chunk]
    used: bool = False

    @property
    def where(self) -> str:
        return f'run {self.run + 1}, request {self.number}'


def _entries(runs: list[dict[str, Any]], path: Path) -> list[_Entry]:
    entries: list[_Entry] = []
    for r, run in enumerate(runs):
        for q, entry in enumerate(cast('list[dict[str, Any]]', run['requests'])):
            where = f'runs[{r}].requests[{q}]'
            try:
                response = decode_response(entry['response'], f'{where}.response')
                stream = cast('list[Chunk] | None', entry.get('stream'))
                if stream is not None:
                    for d, chunk in enumerate(stream):
                        _check_chunk(chunk, f'{where}.stream[{d}]')
            except _Bad as error:
                raise CassetteFormatError(path, str(error)) from None
            entries.append(
                _Entry(
                    model=run['model'],
                    run=r,
                    number=q + 1,
                    summary=entry['request'],
                    response=response,
                    response_data=entry['response'],
                    chunks=stream if stream is not None else _chunks_of(response, entry['response']),
                )
            )
    return entries


# --- recording ------------------------------------------------------------------------------------------


class _Recorder:
    """The runs of one test as they are recorded, already in cassette form."""

    def __init__(self) -> None:
        self.runs: list[dict[str, Any]] = []
        self.ids = _Ids()
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

    def __init__(self, name: str, real: Model, recorder: _Recorder) -> None:
        """Record what `real` answers for the model string `name`."""
        self._name = name
        self._real = real
        self._recorder = recorder
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
        response = await self._real.request(prepared, model_settings, model_request_parameters)
        self._recorder.add(self._name, messages, summary, response, None)
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
        ids = self._recorder.ids
        prepared = _compat.prepare_messages(self._real, messages, model_request_parameters)
        async with self._real.request_stream(prepared, model_settings, model_request_parameters, run_context) as stream:
            events = stream._get_event_iterator  # pyright: ignore[reportPrivateUsage]

            async def recording() -> AsyncIterator[ModelResponseStreamEvent]:
                async for event in events():
                    chunk = encode_event(event, ids)
                    if chunk is not None:
                        chunks.append(chunk)
                    yield event

            stream._get_event_iterator = recording  # pyright: ignore[reportPrivateUsage]  # an instance attribute: this stream only
            yield stream
        self._recorder.add(self._name, messages, summary, stream.get(), chunks)


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

    _entry: _Entry
    _timestamp: datetime = field(default_factory=now_utc)

    async def _get_event_iterator(self) -> AsyncIterator[ModelResponseStreamEvent]:
        manager = self._parts_manager
        for chunk in self._entry.chunks:
            index = chunk['part']
            if 'whole' in chunk:
                part = _decode_part(chunk['whole'], 'whole')
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


# --- one test's cassette --------------------------------------------------------------------------------


class CassetteSession:
    """The cassette of one test: records into it, or replays from it, for every model string."""

    def __init__(self, *, path: Path, shown: str, nodeid: str, record: bool, match_on: Sequence[str]) -> None:
        """`path` is the file, `shown` how messages name it, `nodeid` the test's id."""
        self.path = path
        self.shown = shown
        self.nodeid = nodeid
        self.recording = record
        self.match_on = tuple(match_on)
        self.failures: list[str] = []
        """Every failure raised inside a model call, to raise again at teardown if the code swallowed it."""
        self._recorder = _Recorder() if record else None
        self._entries: list[_Entry] | None = None
        self._replayers: dict[str, ReplayModel] = {}
        self._counts: dict[str, int] = {}

    def model_for(self, name: str, real: Callable[[], Model]) -> Model:
        """The model answering for `name` now: the real one, recorded; or the cassette."""
        __tracebackhide__ = True
        if self._recorder is not None:
            return RecordingModel(name, real(), self._recorder)
        replayer = self._replayers.get(name)
        if replayer is None:
            replayer = self._replayers[name] = ReplayModel(name, self)
        return replayer

    def _fail(self, message: str) -> NoReturn:
        __tracebackhide__ = True
        self.failures.append(message)
        pytest.fail(message, pytrace=False)

    def _load(self, name: str) -> list[_Entry]:
        __tracebackhide__ = True
        if self._entries is None:
            if not self.path.is_file():
                self._fail(missing_message(nodeid=self.nodeid, path=self.shown, name=name))
            try:
                self._entries = _entries(read_cassette(self.path), self.path)
            except CassetteFormatError as error:
                self._fail(bad_file_message(nodeid=self.nodeid, path=self.shown, problem=error.problem))
        return self._entries

    def take(self, name: str, messages: Sequence[ModelMessage], parameters: ModelRequestParameters) -> _Entry:
        """The recorded entry answering this request; fails the test if there is none or it differs."""
        __tracebackhide__ = True
        number = self._counts[name] = self._counts.get(name, 0) + 1
        entries = self._load(name)
        summary = summarize_request(messages, parameters)
        pending = [e for e in entries if e.model == name and not e.used]
        if not pending:
            recorded = sum(1 for e in entries if e.model == name)
            self._fail(
                exhausted_message(nodeid=self.nodeid, path=self.shown, name=name, number=number, recorded=recorded)
            )
        chosen = pending[0]
        if self.match_on:
            wanted = match_view(summary, self.match_on)
            found = next((e for e in pending if match_view(e.summary, self.match_on) == wanted), None)
            if found is None:
                self._fail(
                    mismatch_message(
                        nodeid=self.nodeid,
                        path=self.shown,
                        name=name,
                        number=number,
                        where=chosen.where,
                        recorded=match_view(chosen.summary, self.match_on),
                        actual=wanted,
                    )
                )
            chosen = found
        chosen.used = True
        return chosen

    def finish(self, *, passed: bool, strict: bool) -> tuple[bool, list[str]]:
        """At the end of the test: write what was recorded, or check every recorded request was replayed.

        Returns whether the cassette was written, and the problems to fail the test with.
        """
        if self._recorder is not None:
            if not passed or not self._recorder.runs:
                return False, []
            write_atomically(self.path, dump_cassette(self._recorder.runs).encode())
            return True, []
        if not passed:
            return False, []
        if self.failures:
            return False, self.failures[:1]
        if not strict or (self._entries is None and not self.path.is_file()):
            return False, []
        try:
            entries = self._entries if self._entries is not None else _entries(read_cassette(self.path), self.path)
        except CassetteFormatError as error:
            return False, [bad_file_message(nodeid=self.nodeid, path=self.shown, problem=error.problem)]
        unused = [f'{e.where} to {e.model!r}: {_describe_summary(e.summary)}' for e in entries if not e.used]
        if unused:
            return False, [unused_message(nodeid=self.nodeid, path=self.shown, unused=unused, recorded=len(entries))]
        return False, []
