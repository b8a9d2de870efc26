"""What the fake model servers share: the threaded HTTP server, the request log, failures and the answers.

A server subclass knows one wire format: how to read a request into an `Asked`, and how to write an `Answer`
as a whole response or as a stream of server-sent events. Everything else is here, so the servers answer
the same questions the same way:

- the latest message a tool result: `The forecast says: <result>.`;
- a user message `weather in <City>?` with a `get_weather` tool offered: a call of that tool for the city;
- a `final_result` output tool offered: a call of it with `{"city": "Paris", "temperature": 21}`;
- anything else: `You said: <the latest user message>`.

When the request asks the model to think (or the model's name says it thinks: `...-thinking`, `...-reasoning`),
the answer starts with `Thinking about: <the tool result or the user message>`, where the wire format has a
place for it.

Like the real APIs, every response carries fresh ids, the current time and random tool-call ids (and, for
thinking, random signatures): a cassette must not keep any of them. Each request is kept in `requests`, with
the header carrying its API key.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import string
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import urlsplit

from typing_extensions import Self

CITY = re.compile(r'weather in ([A-Z][a-z]+)')
THINKING_MODEL = re.compile(r'think|reason')
"""A model name that says the model always thinks, whatever the request asks."""

Event = tuple[str | None, Any]
"""One server-sent event: its name (None: a `data:` line only) and its data (JSON-dumped unless a str)."""


@dataclass
class Received:
    """One request the server received."""

    path: str
    body: dict[str, Any]
    authorization: str | None
    """The header carrying the API key: `Authorization` (`Bearer ...`), or Anthropic's `x-api-key` (the key)."""
    headers: dict[str, str] = field(default_factory=dict[str, str])


@dataclass
class Asked:
    """What a request asks, whatever its wire format."""

    prompt: str
    """The text of the latest user message."""
    tools: list[str]
    """The names of the function tools offered."""
    tool_result: str | None = None
    """The content of the latest message, when it is a tool result."""
    thinks: bool = False
    """Whether the request asks the model to think (reason) before it answers."""


@dataclass
class Answer:
    """What the server answers: text, or one tool call; either after some thinking."""

    text: str | None = None
    tool_name: str | None = None
    arguments: str | None = None
    thinking: str | None = None


def decide(asked: Asked) -> Answer:
    """The answer to a request."""
    thinking = f'Thinking about: {asked.tool_result or asked.prompt}' if asked.thinks else None
    if asked.tool_result is not None:
        return Answer(text=f'The forecast says: {asked.tool_result}.', thinking=thinking)
    found = CITY.search(asked.prompt)
    if found and 'get_weather' in asked.tools:
        return Answer(tool_name='get_weather', arguments=json.dumps({'city': found.group(1)}), thinking=thinking)
    output_tool = next((t for t in asked.tools if t.startswith('final_result')), None)
    if output_tool is not None:
        arguments = json.dumps({'city': 'Paris', 'temperature': 21})
        return Answer(tool_name=output_tool, arguments=arguments, thinking=thinking)
    return Answer(text=f'You said: {asked.prompt}', thinking=thinking)


def model_thinks(model: object) -> bool:
    return isinstance(model, str) and THINKING_MODEL.search(model) is not None


def text_of(content: Any) -> str:
    """The text of a message's content: a string, or a list of blocks with `text`."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return ' '.join(c['text'] for c in content if isinstance(c, dict) and isinstance(c.get('text'), str))
    return ''


def pieces(text: str, size: int) -> list[str]:
    """`text` in pieces of `size` words (the streamed chunks a test expects)."""
    words = re.findall(r'\S+\s*', text)
    return [''.join(words[i : i + size]) for i in range(0, len(words), size)]


def json_pieces(arguments: str) -> list[str]:
    """Tool-call arguments (JSON) in the pieces they stream in: each up to and with a `,` or `:`."""
    return [piece for piece in re.findall(r'[^,:]*[,:]?', arguments) if piece]


def words(value: Any) -> int:
    """How many words the strings in `value` hold (a stand-in for counting tokens)."""
    if isinstance(value, str):
        return len(value.split())
    if isinstance(value, dict):
        return sum(words(v) for v in value.values())  # pyright: ignore[reportUnknownVariableType]
    if isinstance(value, list):
        return sum(words(v) for v in value)  # pyright: ignore[reportUnknownVariableType]
    return 0


def answer_tokens(answer: Answer) -> int:
    return words(answer.text or answer.arguments or '') + words(answer.thinking or '')


def random_id(prefix: str, length: int = 24, alphabet: str = string.ascii_letters + string.digits) -> str:
    return prefix + ''.join(secrets.choice(alphabet) for _ in range(length))


def random_hex(prefix: str, length: int = 48) -> str:
    return prefix + secrets.token_hex(length // 2)


def random_blob(size: int = 96) -> str:
    """Random base64, like the opaque signatures and encrypted reasoning the APIs hand out."""
    return base64.b64encode(os.urandom(size)).decode()


class FakeServer:
    """A fake model API on 127.0.0.1, in a thread; `with Server() as server:` starts and stops it."""

    route: ClassVar[str]
    """The path it answers, e.g. `/v1/chat/completions`."""
    url_prefix: ClassVar[str] = '/v1'
    """What `base_url` ends with: the SDKs add the rest of `route` to it."""
    key_headers: ClassVar[tuple[str, ...]] = ('Authorization',)
    """The headers that can carry the API key, the first one present kept as `Received.authorization`."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.fail_after: int | None = None
        """Answer HTTP 500 to every request after this many (to crash a recording midway)."""
        self.delays: dict[str, float] = {}
        """Seconds to wait before answering a request whose latest user message holds the key (to reorder answers)."""
        self._server = ThreadingHTTPServer(('127.0.0.1', 0), self._handler())
        self._server.daemon_threads = True
        # `stop` waits for the serving loop to look at its shutdown flag, which it does every poll interval
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f'http://{host}:{port}{self.url_prefix}'

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- the wire format, for subclasses ---------------------------------------------------------------

    def read(self, body: dict[str, Any]) -> Asked:
        """What a request asks."""
        raise NotImplementedError

    def respond(self, body: dict[str, Any], answer: Answer) -> dict[str, Any]:
        """The whole response to a request that does not stream."""
        raise NotImplementedError

    def stream(self, body: dict[str, Any], answer: Answer) -> Iterable[Event]:
        """The events of a streamed response."""
        raise NotImplementedError

    def error(self, status: int, message: str) -> dict[str, Any]:
        """The body of an error response."""
        kind = 'server_error' if status >= 500 else 'invalid_request_error'
        return {'error': {'message': message, 'type': kind, 'param': None, 'code': None}}

    def response_headers(self) -> dict[str, str]:
        """Headers every response carries (request ids and the like)."""
        return {}

    # --- the HTTP side -------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get('Content-Length', 0))
                body = json.loads(self.rfile.read(length) or b'{}')
                headers = {k.lower(): v for k, v in self.headers.items()}
                key = next((headers[h.lower()] for h in server.key_headers if h.lower() in headers), None)
                server.requests.append(Received(self.path, body, key, headers))
                path = urlsplit(self.path).path
                if path != server.route:
                    self._send_json(404, server.error(404, f'no route {path}'))
                    return
                if server.fail_after is not None and len(server.requests) > server.fail_after:
                    self._send_json(500, server.error(500, 'the server fell over'))
                    return
                asked = server.read(body)
                time.sleep(sum(delay for key, delay in server.delays.items() if key in asked.prompt))
                answer = decide(asked)
                if body.get('stream'):
                    self._send_events(server.stream(body, answer))
                else:
                    self._send_json(200, server.respond(body, answer))

            def _start(self, status: int, content_type: str) -> None:
                self.send_response(status)
                if status >= 500:
                    self.send_header('retry-after-ms', '1')  # the SDKs retry: let them do so at once
                for name, value in server.response_headers().items():
                    self.send_header(name, value)
                self.send_header('Content-Type', content_type)

            def _send_json(self, status: int, data: dict[str, Any]) -> None:
                payload = json.dumps(data).encode()
                self._start(status, 'application/json')
                self.send_header('Content-Length', str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _send_events(self, events: Iterable[Event]) -> None:
                # HTTP/1.0 without a length: the stream ends when the connection closes
                self._start(200, 'text/event-stream; charset=utf-8')
                self.end_headers()
                for name, data in events:
                    self.wfile.write(sse(name, data))
                    self.wfile.flush()

        return Handler


def sse(name: str | None, data: Any) -> bytes:
    """One server-sent event."""
    text = data if isinstance(data, str) else json.dumps(data)
    head = f'event: {name}\n' if name is not None else ''
    return f'{head}data: {text}\n\n'.encode()
