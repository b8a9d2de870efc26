"""The script language: what a `ScriptedModel` answers, written as plain values.

A script is a sequence of *items*, one per model request. This module defines the item builders users
write (`tool_call`, `output`, `thinking`, `turn`, ...) and turns every accepted item into a `Turn`.
It does not import pydantic-ai, so building a script costs nothing until a model runs it.

Accepted items:

- `'text'`: a text response;
- a part (`text(...)`, `tool_call(...)`, `output(...)`, `thinking(...)`, `native_tool_call(...)`,
  `native_tool_return(...)`, `file(...)`, `image(...)`): a response holding that part;
- a list or tuple of parts and strings: one response holding all of them, in order;
- `turn(*parts, usage=..., finish_reason=..., chunk_words=...)`: a response with options of its own;
- an exception instance, or `raises(exc)`: the request raises it (a provider error, to test retries);
- a callable taking a `RequestInfo` (sync or async): returns any of the above, decided per request;
- a `pydantic_ai.messages.ModelResponse`: returned as it is.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, Union, cast

if TYPE_CHECKING:
    from pydantic_ai.messages import ModelMessage, ModelResponse
    from pydantic_ai.models import ModelRequestParameters
    from pydantic_ai.settings import ModelSettings
    from pydantic_ai.usage import RequestUsage

__all__ = (
    'FINISH_REASONS',
    'File',
    'NativeToolCall',
    'NativeToolReturn',
    'Output',
    'Part',
    'RequestInfo',
    'Retry',
    'ScriptItem',
    'Text',
    'Thinking',
    'ToolCall',
    'Turn',
    'file',
    'image',
    'native_tool_call',
    'native_tool_return',
    'output',
    'raises',
    'retry_text',
    'text',
    'thinking',
    'tool_call',
    'turn',
)

FinishReason: TypeAlias = Literal['stop', 'length', 'content_filter', 'tool_call', 'error']
FINISH_REASONS: tuple[str, ...] = ('stop', 'length', 'content_filter', 'tool_call', 'error')
"""The finish reasons pydantic-ai knows."""


def short_repr(value: object, limit: int = 60) -> str:
    """`repr(value)` in at most about `limit` characters: cut in the middle, a string it cuts closed again.

    `'a very long text'` becomes `'a very...'`, and `Ticket(summary='a very long text')` `Ticket(summary='a'...)`:
    a string cut inside an object is closed before the dots, so the cut shows as one.
    """
    text = repr(value)
    if len(text) <= limit:
        return text
    head = text[: limit - 4]
    if isinstance(value, str):
        return f'{head}...{text[-1]}'
    closing = text[-1] if text[-1] in ')]}>' else ''  # the end of the object cut, kept
    return f'{head}{_open_quote(head)}...{closing}'


def _open_quote(text: str) -> str:
    """The quote character of a string literal left open at the end of `text` (a repr), or ''."""
    open_quote = ''
    escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == '\\' and open_quote:
            escaped = True
        elif char in ('"', "'") and (not open_quote or char == open_quote):
            open_quote = '' if open_quote else char
    return open_quote


_short = short_repr


@dataclass(frozen=True)
class Text:
    """A text part. A plain string in a script means the same; use `text()` to choose the streamed chunks."""

    content: str
    """The text."""
    chunks: tuple[str, ...] | None = None
    """The exact deltas a streamed response sends, or `None` to split by words."""

    def __repr__(self) -> str:
        if self.chunks is None:
            return _short(self.content)
        return f'text(chunks={_short(list(self.chunks))})'


@dataclass(frozen=True)
class ToolCall:
    """A call to one of the agent's function tools (or, by name, an output tool)."""

    tool_name: str
    """The tool to call."""
    args: Mapping[str, Any] | str
    """The arguments: a mapping, or a JSON string sent as it is (to test invalid arguments)."""
    tool_call_id: str | None = None
    """The call's id; `None` gives a deterministic one (`call_1`, `call_2`, ... per model)."""
    valid: bool = True
    """Whether the arguments must fit the tool's parameters (checked at request time); `False` sends them unchecked."""
    chunks: tuple[str, ...] | None = None
    """The exact deltas of the arguments' JSON a streamed response sends, or `None` to split it in pieces."""

    def __repr__(self) -> str:
        if self.chunks is not None and isinstance(self.args, str):
            args = ''
        elif isinstance(self.args, str):
            args = f', {_short(self.args)}'
        elif not all(k.isidentifier() for k in self.args):
            args = f', {_short(dict(self.args))}'
        else:
            args = ''.join(f', {k}={_short(v, 30)}' for k, v in self.args.items())
        options = '' if self.valid else ', valid=False'
        if self.chunks is not None:
            options += f', chunks={_short(list(self.chunks))}'
        return f'tool_call({self.tool_name!r}{args}{options})'


@dataclass(frozen=True)
class Output:
    """Structured output, sent the way the request asks: output tool, native JSON or prompted JSON."""

    value: Any
    """The output: a mapping, a pydantic model, a dataclass, or any JSON-able value."""
    tool_name: str | None = None
    """Which output tool to call when the agent offers several; `None` routes the value to the type it fits."""
    valid: bool = True
    """Whether the value must fit an output type (checked at request time); `False` sends it unchecked."""

    def __repr__(self) -> str:
        name = f', tool_name={self.tool_name!r}' if self.tool_name else ''
        options = '' if self.valid else ', valid=False'
        return f'output({_short(self.value)}{name}{options})'


@dataclass(frozen=True)
class Thinking:
    """A thinking (reasoning) part."""

    content: str
    """The thinking text."""
    signature: str | None = None
    """A provider signature, as some providers send with thinking."""

    def __repr__(self) -> str:
        return f'thinking({_short(self.content)})'


@dataclass(frozen=True)
class NativeToolCall:
    """A call the model makes to a native (built-in) tool it runs itself: web search, code execution, ..."""

    tool_name: str
    """The native tool, by its kind: `'web_search'`, `'code_execution'`, `'image_generation'`, ..."""
    args: Mapping[str, Any] | str | None = None
    """The arguments the provider reports for the call (`{'query': ...}`), or `None`."""
    tool_call_id: str | None = None
    """The call's id; `None` gives a deterministic one, which a `native_tool_return` of the same tool reuses."""
    provider_name: str | None = None
    """The provider that ran it; `None`: the provider of the model stood in for (`'openai'`), if any."""

    def __repr__(self) -> str:
        if self.args is None:
            args = ''
        elif isinstance(self.args, str) or not all(k.isidentifier() for k in self.args):
            args = f', {_short(self.args if isinstance(self.args, str) else dict(self.args))}'
        else:
            args = ''.join(f', {k}={_short(v, 30)}' for k, v in self.args.items())
        return f'native_tool_call({self.tool_name!r}{args})'


@dataclass(frozen=True)
class NativeToolReturn:
    """What a native tool gave back, as the provider reports it in the same response."""

    tool_name: str
    """The native tool, by its kind."""
    content: Any
    """The result, as the provider reports it (search results, code output, ...)."""
    tool_call_id: str | None = None
    """The id of the call it answers; `None`: the latest `native_tool_call` of the same tool in the response."""
    provider_name: str | None = None
    """The provider that ran it; `None`: the provider of the model stood in for, if any."""

    def __repr__(self) -> str:
        return f'native_tool_return({self.tool_name!r}, {_short(self.content, 40)})'


@dataclass(frozen=True)
class File:
    """A file the model returns (an image it generated, a document)."""

    data: bytes = field(repr=False)
    """The file's bytes."""
    media_type: str
    """Its media type: `'image/png'`, `'application/pdf'`, ..."""

    def __repr__(self) -> str:
        helper = 'image' if self.media_type.startswith('image/') else 'file'
        return f'{helper}(<{len(self.data)} bytes>, media_type={self.media_type!r})'


Part: TypeAlias = Union[Text, ToolCall, Output, Thinking, NativeToolCall, NativeToolReturn, File]  # noqa: UP007 - evaluated at runtime on 3.10
"""One part of a scripted response."""

_PART_TYPES = (Text, ToolCall, Output, Thinking, NativeToolCall, NativeToolReturn, File)


@dataclass(frozen=True, kw_only=True)
class Retry:
    """A retry prompt in a request: pydantic-ai asking the model to try again, and why."""

    tool_name: str | None
    """The tool whose call is retried (an output tool's, for structured output that failed validation), or
    `None` for a retry of the response as a whole (text output that failed validation, an output validator's
    `ModelRetry`)."""
    message: str
    """What was wrong, as text: the `ModelRetry` message, or each validation error as `loc: msg`, joined by `; `."""
    content: Any = None
    """The retry's content as pydantic-ai holds it: a string, or a list of pydantic error details."""
    tool_call_id: str | None = None
    """The id of the call retried, for a tool's retry."""

    def __repr__(self) -> str:
        return f'Retry({self.tool_name!r}, {_short(self.message)})'


def retry_text(content: Any) -> str:
    """A retry's content as text: a string as it is, pydantic error details as `loc: msg; loc: msg`."""
    if isinstance(content, str):
        return content
    if isinstance(content, (list, tuple)):
        lines: list[str] = []
        for detail in cast('Sequence[Any]', content):
            if isinstance(detail, Mapping):
                detail = cast('Mapping[str, Any]', detail)
                loc = '.'.join(str(x) for x in detail.get('loc', ()))
                msg = str(detail.get('msg', ''))
                lines.append(f'{loc}: {msg}' if loc else msg)
            else:
                lines.append(str(detail))
        return '; '.join(lines)
    return str(content)


@dataclass(frozen=True, kw_only=True)
class RequestInfo:
    """What a callable turn or a rule sees of the request it answers."""

    number: int
    """The request's number for this model, from 1."""
    messages: Sequence[ModelMessage]
    """The messages sent with the request."""
    parameters: ModelRequestParameters
    """Tools, output tools and output mode of the request."""
    settings: ModelSettings | None
    """The model settings of the request, merged with the model's own."""
    prompt: str | None
    """The latest user prompt text in the messages, if any."""
    streamed: bool
    """Whether the request is streamed."""
    model_name: str | None = None
    """The model asked, as its model string (`'openai:gpt-5.2'`); None for a model known by no model string."""
    agent_name: str | None = None
    """The name of the agent whose run makes the request (`Agent(name=...)`, or the variable it was run from)."""
    instructions: str | None = None
    """The instructions sent with the request, if any."""
    retries: tuple[Retry, ...] = ()
    """The retry prompts of the latest request (see `retry`)."""

    @property
    def retry(self) -> Retry | None:
        """The retry prompt of the latest request, `None` if it has none (the first, if it has several)."""
        return self.retries[0] if self.retries else None

    @property
    def tool_names(self) -> list[str]:
        """The function tools the agent offers in this request."""
        return [t.name for t in self.parameters.function_tools]

    @property
    def output_tool_names(self) -> list[str]:
        """The output tools the agent offers in this request."""
        return [t.name for t in self.parameters.output_tools]


TurnFunction: TypeAlias = Callable[[RequestInfo], 'ScriptItem | Awaitable[ScriptItem]']


@dataclass(frozen=True, kw_only=True)
class Turn:
    """One scripted answer, normalised. Build one with `turn()`; every other item becomes one too."""

    parts: tuple[Part, ...] = ()
    """The parts of the response."""
    error: BaseException | None = None
    """An exception the request raises instead of answering."""
    function: TurnFunction | None = None
    """A callable deciding the answer per request."""
    response: ModelResponse | None = None
    """A complete response returned as it is."""
    usage: RequestUsage | Mapping[str, int] | None = None
    """The usage the response reports; `None` estimates it as `FunctionModel` does."""
    finish_reason: FinishReason | None = None
    """The finish reason the response reports."""
    chunk_words: int | None = None
    """Words per streamed text delta for this turn; `None` uses the model's setting."""
    chunk_delay: float | None = None
    """Seconds between the streamed deltas of this turn; `None` uses the model's setting."""
    source: str = field(default='', compare=False)
    """How the turn was written, for messages."""

    def __repr__(self) -> str:
        return self.source or describe_turn(self)


ScriptItem: TypeAlias = Union[str, Part, Turn, BaseException, Sequence[str | Part], TurnFunction, 'ModelResponse']
"""Anything a script may hold: see the module docstring."""


def text(content: str | None = None, *, chunks: Sequence[str] | None = None) -> Text:
    """A text part; give `chunks` to fix the exact deltas a streamed response sends.

    `text(chunks=['The capital', ' is Paris.'])` streams two deltas whose joined text is the content.
    """
    if chunks is not None:
        chunk_list = list(chunks)
        if not chunk_list or not all(isinstance(c, str) for c in chunk_list):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise TypeError(f'text(chunks=...) takes a non-empty list of strings, got {chunks!r}')
        joined = ''.join(chunk_list)
        if content is not None and content != joined:
            raise ValueError(f'text(): the chunks join to {joined!r}, not to the content {content!r}; give one of them')
        return Text(joined, tuple(chunk_list))
    if not isinstance(content, str):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f'text() takes a string, got {content!r}')
    return Text(content)


def tool_call(
    tool_name: str,
    args: Mapping[str, Any] | str | None = None,
    /,
    *,
    tool_call_id: str | None = None,
    valid: bool = True,
    chunks: Sequence[str] | None = None,
    **kwargs: Any,
) -> ToolCall:
    """A call to the tool `tool_name`: `tool_call('get_weather', city='Paris')`.

    Arguments go as keywords, or as one mapping (`tool_call('f', {'from': 1})`, for names that are not
    identifiers), or as a JSON string sent as it is (`tool_call('f', '{"city": ')`, to test invalid JSON).
    When the model sends the call, the arguments are checked against the tool's JSON schema, and arguments
    that do not fit fail the request (`InvalidArgumentsError`); `valid=False` sends them unchecked, to test
    how the agent handles invalid arguments (pydantic-ai sends a retry prompt back).

    `chunks=['{"city": "Pa', 'ris"}']` fixes the deltas of the arguments' JSON a streamed response sends;
    they are the arguments, or join to JSON equal to the arguments given.
    """
    if not isinstance(tool_name, str) or not tool_name:  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f'tool_call() needs the tool name as a non-empty string first, got {tool_name!r}')
    if args is not None and kwargs:
        raise TypeError(f'tool_call({tool_name!r}): give the arguments as one mapping or as keywords, not both')
    if chunks is not None:
        return _chunked_call(tool_name, args, kwargs, chunks, tool_call_id, valid)
    if args is None:
        args = dict(kwargs)
    elif isinstance(args, Mapping):
        args = dict(args)
    elif not isinstance(args, str):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f'tool_call({tool_name!r}): arguments must be a mapping or a JSON string, got {args!r}')
    if not isinstance(valid, bool):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f'tool_call({tool_name!r}): valid must be True or False, got {valid!r}')
    return ToolCall(tool_name, args, tool_call_id, valid)


def _chunked_call(
    tool_name: str,
    args: Mapping[str, Any] | str | None,
    kwargs: dict[str, Any],
    chunks: Sequence[str],
    tool_call_id: str | None,
    valid: bool,
) -> ToolCall:
    where = f'tool_call({tool_name!r})'
    chunk_list = list(chunks)
    if isinstance(chunks, str) or not chunk_list or not all(isinstance(c, str) for c in chunk_list):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f'{where}: chunks takes a non-empty list of strings, got {chunks!r}')
    joined = ''.join(chunk_list)
    given: Any = dict(kwargs) if args is None and kwargs else args
    if given is None:
        given = joined
    elif isinstance(given, str):
        if given != joined:
            raise ValueError(
                f'{where}: the chunks join to {joined!r}, not to the arguments {given!r}; give one of them'
            )
    else:
        try:
            parsed = json.loads(joined)
        except ValueError:
            parsed = _MISSING
        if parsed != dict(given):
            raise ValueError(
                f'{where}: the chunks join to {joined!r}, which is not the JSON of the arguments {dict(given)!r}; '
                'give one of them'
            )
        given = dict(given)
    if not isinstance(valid, bool):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f'{where}: valid must be True or False, got {valid!r}')
    return ToolCall(tool_name, given, tool_call_id, valid, tuple(chunk_list))


_MISSING: Any = object()


def output(value: Any = _MISSING, /, *, tool_name: str | None = None, valid: bool = True, **fields: Any) -> Output:
    """Structured output: `output(city='Paris', temperature=21)` or `output(WeatherReport(...))`.

    The model sends it the way the agent's request asks: by calling an output tool, or as JSON text for
    native and prompted output. With several output types (`output_type=Found | Other`), an instance goes to
    the type of its class, and any other value to the first type whose JSON schema it fits; a value that
    fits none fails the request (`InvalidOutputError`). `tool_name` names the output tool yourself;
    `valid=False` sends a value that fits no type unchecked, to test how the agent handles invalid output.
    """
    if value is _MISSING:
        if not fields:
            raise TypeError('output() needs a value or keyword fields, e.g. output(city="Paris")')
        value = fields
    elif fields:
        raise TypeError('output(): give the value or keyword fields, not both')
    if not isinstance(valid, bool):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f'output(): valid must be True or False, got {valid!r}')
    return Output(value, tool_name, valid)


def native_tool_call(
    tool_name: str,
    args: Mapping[str, Any] | str | None = None,
    /,
    *,
    tool_call_id: str | None = None,
    provider_name: str | None = None,
    **kwargs: Any,
) -> NativeToolCall:
    """A call the model makes to a native tool it runs itself: `native_tool_call('web_search', query='...')`.

    The agent must offer the native tool (pydantic-ai's `WebSearchTool`, ...; named here by its kind, e.g.
    `'web_search'`). Follow it with `native_tool_return(...)` in the same response, as providers report both.
    """
    if not isinstance(tool_name, str) or not tool_name:  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f"native_tool_call() needs the native tool's kind first, e.g. 'web_search', got {tool_name!r}")
    if args is not None and kwargs:
        raise TypeError(f'native_tool_call({tool_name!r}): give the arguments as one mapping or as keywords, not both')
    if args is None and kwargs:
        args = dict(kwargs)
    elif isinstance(args, Mapping):
        args = dict(args)
    elif args is not None and not isinstance(args, str):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f'native_tool_call({tool_name!r}): arguments must be a mapping or a JSON string, got {args!r}')
    return NativeToolCall(tool_name, args, tool_call_id, provider_name)


def native_tool_return(
    tool_name: str, content: Any, /, *, tool_call_id: str | None = None, provider_name: str | None = None
) -> NativeToolReturn:
    """What a native tool gave back: `native_tool_return('web_search', [{'title': ..., 'url': ...}])`.

    Without `tool_call_id`, it answers the latest `native_tool_call` of the same tool in the response.
    """
    if not isinstance(tool_name, str) or not tool_name:  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(
            f"native_tool_return() needs the native tool's kind first, e.g. 'web_search', got {tool_name!r}"
        )
    return NativeToolReturn(tool_name, content, tool_call_id, provider_name)


def file(data: bytes, *, media_type: str) -> File:
    """A file the model returns: `file(pdf_bytes, media_type='application/pdf')`."""
    if not isinstance(data, (bytes, bytearray)):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f'file() takes the data as bytes, got {_short(data)}')
    if not isinstance(media_type, str) or '/' not in media_type:  # pyright: ignore[reportUnnecessaryIsInstance]
        raise ValueError(f"file(): media_type must be a media type such as 'application/pdf', got {media_type!r}")
    return File(bytes(data), media_type)


def image(data: bytes, *, media_type: str = 'image/png') -> File:
    """An image the model returns (as an image-generating model does): `image(png_bytes)`.

    An agent with `output_type=BinaryImage` takes it as its output.
    """
    if not isinstance(data, (bytes, bytearray)):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f'image() takes the data as bytes, got {_short(data)}')
    if not isinstance(media_type, str) or not media_type.startswith('image/'):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise ValueError(f"image(): media_type must be an image type such as 'image/png', got {media_type!r}")
    return File(bytes(data), media_type)


def thinking(content: str, *, signature: str | None = None) -> Thinking:
    """A thinking part, as reasoning models send before their answer."""
    if not isinstance(content, str):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f'thinking() takes a string, got {content!r}')
    return Thinking(content, signature)


def raises(error: BaseException) -> Turn:
    """A turn whose request raises `error`, e.g. `raises(ModelHTTPError(503, 'gpt-5.2'))`."""
    if not isinstance(error, BaseException):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f'raises() takes an exception instance, got {error!r}')
    return Turn(error=error, source=f'raises({_short(error)})')


def turn(
    *parts: str | Part,
    usage: RequestUsage | Mapping[str, int] | None = None,
    finish_reason: FinishReason | None = None,
    chunk_words: int | None = None,
    chunk_delay: float | None = None,
) -> Turn:
    """One response made of `parts`, with options: `turn('Hi', usage={'input_tokens': 3}, finish_reason='stop')`.

    `chunk_delay=0.2` waits 0.2 s between the deltas of a streamed response, as a real model's arrive, so code that
    debounces a stream (pydantic-ai's `stream_text` does, by 0.1 s) sees them apart.
    """
    if not parts:
        raise ValueError('turn() needs at least one part, e.g. turn("Hello", finish_reason="stop")')
    built = tuple(_as_part(p, f'turn() part {i}') for i, p in enumerate(parts))
    if finish_reason is not None and finish_reason not in FINISH_REASONS:
        raise ValueError(
            f'turn(): finish_reason must be one of {", ".join(map(repr, FINISH_REASONS))}, got {finish_reason!r}'
        )
    _check_chunk_words(chunk_words, 'turn()')
    check_chunk_delay(chunk_delay, 'turn()')
    if usage is not None and not isinstance(usage, Mapping) and not hasattr(usage, 'details'):  # a usage dataclass
        raise TypeError(f'turn(): usage must be a RequestUsage or a mapping of counters, got {usage!r}')
    return Turn(parts=built, usage=usage, finish_reason=finish_reason, chunk_words=chunk_words, chunk_delay=chunk_delay)


def check_chunk_delay(chunk_delay: float | None, where: str) -> None:
    """Refuse a delay between streamed deltas that is not a non-negative number of seconds."""
    if chunk_delay is not None and (
        not isinstance(chunk_delay, (int, float)) or isinstance(chunk_delay, bool) or chunk_delay < 0  # pyright: ignore[reportUnnecessaryIsInstance]
    ):
        raise ValueError(f'{where}: chunk_delay must be a non-negative number of seconds, got {chunk_delay!r}')


def _check_chunk_words(chunk_words: int | None, where: str) -> None:
    if chunk_words is not None and (
        not isinstance(chunk_words, int) or isinstance(chunk_words, bool) or chunk_words < 1  # pyright: ignore[reportUnnecessaryIsInstance]
    ):
        raise ValueError(f'{where}: chunk_words must be a positive integer, got {chunk_words!r}')


def _as_part(item: object, where: str) -> Part:
    if isinstance(item, str):
        return Text(item)
    if isinstance(item, _PART_TYPES):
        return item
    raise TypeError(
        f'{where} is {_short(item)}, which is not a response part; '
        'use a string, text(), tool_call(), output(), thinking(), native_tool_call(), native_tool_return(), '
        'file() or image()'
    )


def _is_model_response(item: object) -> bool:
    return type(item).__name__ == 'ModelResponse' and hasattr(item, 'parts') and getattr(item, 'kind', '') == 'response'


def to_turn(item: Any, where: str) -> Turn:
    """Normalise one script item into a `Turn`, or raise `TypeError`/`ValueError` naming `where` and the fix."""
    if isinstance(item, Turn):
        return item
    if isinstance(item, (str, *_PART_TYPES)):
        return Turn(parts=(_as_part(item, where),))
    if isinstance(item, BaseException):
        return Turn(error=item, source=_short(item))
    if inspect.isclass(item) and issubclass(item, BaseException):
        raise TypeError(
            f'{where} is the exception class {item.__name__}; script an instance, e.g. {item.__name__}(...)'
        )
    if _is_model_response(item):
        response: Any = item
        return Turn(response=response, source=f'ModelResponse(parts={_short(response.parts, 50)})')
    if isinstance(item, (list, tuple)):
        seq = cast('Sequence[object]', item)
        if not seq:
            raise ValueError(f'{where} is an empty list; a response needs at least one part')
        parts = tuple(_as_part(p, f'{where}, part {i}') for i, p in enumerate(seq))
        return Turn(parts=parts)
    if callable(item):
        name = getattr(item, '__qualname__', None) or type(item).__name__
        return Turn(function=item, source=f'<function {name}>')  # pyright: ignore[reportArgumentType]
    if item is None:
        raise TypeError(f'{where} is None; write the answer, e.g. a string for a text response')
    raise TypeError(
        f'{where} is {_short(item)} of type {type(item).__name__}, which a script cannot hold; '
        'use a string, tool_call(), output(), thinking(), a list of those, turn(), an exception or a callable'
    )


def describe_turn(t: Turn) -> str:
    """A short, code-like description of a turn, for error messages and reprs."""
    if t.source:
        return t.source
    body = repr(t.parts[0]) if len(t.parts) == 1 else '[' + ', '.join(repr(p) for p in t.parts) + ']'
    options = [
        f'{name}={value!r}'
        for name, value in (
            ('usage', t.usage),
            ('finish_reason', t.finish_reason),
            ('chunk_words', t.chunk_words),
            ('chunk_delay', t.chunk_delay),
        )
        if value is not None
    ]
    if options:
        inner = ', '.join(repr(p) for p in t.parts)
        return f'turn({inner}, {", ".join(options)})'
    return body


def args_json(args: Mapping[str, Any] | str) -> str:
    """The JSON text of tool-call arguments, as streamed."""
    if isinstance(args, str):
        return args
    return json.dumps(args, separators=(',', ':'), default=str)


_WORD = re.compile(r'\s*\S+\s*|\s+')


def split_words(content: str, words: int) -> list[str]:
    """Split `content` into deltas of `words` words each, keeping every character."""
    pieces = _WORD.findall(content)
    if not pieces:
        return [content] if content else []
    return [''.join(pieces[i : i + words]) for i in range(0, len(pieces), words)]


_ARG_PIECE = re.compile(r'[^,:]*[,:]?')


def split_args(args: str, pieces_per_delta: int) -> list[str]:
    """Split a tool call's JSON arguments into deltas at `,` and `:` boundaries."""
    pieces = [p for p in _ARG_PIECE.findall(args) if p]
    if not pieces:
        return [args] if args else []
    return [''.join(pieces[i : i + pieces_per_delta]) for i in range(0, len(pieces), pieces_per_delta)]
