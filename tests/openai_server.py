"""A small OpenAI-compatible chat completions server on 127.0.0.1, for recording cassettes without the internet.

It answers `POST /v1/chat/completions`, plain and streamed (server-sent events), the way the real API does
as far as pydantic-ai's `OpenAIChatModel` cares. Answers are decided by the request, so a test knows them:

- a user message `weather in <City>?` with a `get_weather` tool offered: a call of that tool for the city;
- a `final_result` output tool offered: a call of it with `{"city": "Paris", "temperature": 21}`;
- the latest message a tool result: `The forecast says: <result>.`;
- anything else: `You said: <the latest user message>`.

Like the real API, every response carries a fresh id, the current time, a random system fingerprint and
random tool-call ids: a cassette must not keep any of them. Each request is kept in `requests`, with the
`Authorization` header it came with.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CITY = re.compile(r'weather in ([A-Z][a-z]+)')


@dataclass
class Received:
    """One request the server received."""

    path: str
    body: dict[str, Any]
    authorization: str | None


@dataclass
class Answer:
    """What the server answers: text, or one tool call."""

    text: str | None = None
    tool_name: str | None = None
    arguments: str | None = None


def _latest_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get('role') == 'user':
            content = message.get('content')
            if isinstance(content, str):
                return content
            return ' '.join(c.get('text', '') for c in content if isinstance(c, dict))  # pyright: ignore
    return ''


def decide(body: dict[str, Any]) -> Answer:
    """The answer to a chat completions request."""
    messages: list[dict[str, Any]] = body.get('messages', [])
    tools = [t['function']['name'] for t in body.get('tools', [])]
    latest = messages[-1] if messages else {}
    if latest.get('role') == 'tool':
        return Answer(text=f'The forecast says: {latest.get("content")}.')
    prompt = _latest_user_text(messages)
    found = CITY.search(prompt)
    if found and 'get_weather' in tools:
        return Answer(tool_name='get_weather', arguments=json.dumps({'city': found.group(1)}))
    output_tool = next((t for t in tools if t.startswith('final_result')), None)
    if output_tool is not None:
        return Answer(tool_name=output_tool, arguments=json.dumps({'city': 'Paris', 'temperature': 21}))
    return Answer(text=f'You said: {prompt}')


def pieces(text: str, size: int) -> list[str]:
    """`text` in pieces of `size` words (the streamed chunks a test expects)."""
    words = re.findall(r'\S+\s*', text)
    return [''.join(words[i : i + size]) for i in range(0, len(words), size)]


def _tokens(body: dict[str, Any]) -> int:
    return sum(len(str(m.get('content') or '').split()) + 3 for m in body.get('messages', []))


class FakeOpenAI:
    """The server, in a thread; `with FakeOpenAI() as server:` starts and stops it."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.fail_after: int | None = None
        """Answer HTTP 500 to every request after this many (to crash a recording midway)."""
        self._server = ThreadingHTTPServer(('127.0.0.1', 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f'http://{host}:{port}/v1'

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get('Content-Length', 0))
                body = json.loads(self.rfile.read(length) or b'{}')
                server.requests.append(Received(self.path, body, self.headers.get('Authorization')))
                if self.path != '/v1/chat/completions':
                    self._send_json(404, {'error': {'message': f'no route {self.path}', 'type': 'not_found'}})
                    return
                if server.fail_after is not None and len(server.requests) > server.fail_after:
                    self._send_json(500, {'error': {'message': 'the server fell over', 'type': 'server_error'}})
                    return
                answer = decide(body)
                if body.get('stream'):
                    self._stream(body, answer)
                else:
                    self._send_json(200, self._completion(body, answer))

            def _send_json(self, status: int, data: dict[str, Any]) -> None:
                payload = json.dumps(data).encode()
                self.send_response(status)
                if status >= 500:
                    self.send_header('retry-after-ms', '1')  # the openai SDK retries: let it do so at once
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _completion(self, body: dict[str, Any], answer: Answer) -> dict[str, Any]:
                message: dict[str, Any] = {'role': 'assistant', 'content': answer.text}
                if answer.tool_name is not None:
                    message['tool_calls'] = [
                        {
                            'id': f'call_{uuid.uuid4().hex[:24]}',
                            'type': 'function',
                            'function': {'name': answer.tool_name, 'arguments': answer.arguments},
                        }
                    ]
                output = len((answer.text or answer.arguments or '').split())
                return {
                    'id': f'chatcmpl-{uuid.uuid4().hex}',
                    'object': 'chat.completion',
                    'created': int(time.time()),
                    'model': f'{body["model"]}-2025-01-01',
                    'system_fingerprint': f'fp_{uuid.uuid4().hex[:10]}',
                    'choices': [
                        {
                            'index': 0,
                            'message': message,
                            'finish_reason': 'tool_calls' if answer.tool_name else 'stop',
                            'logprobs': None,
                        }
                    ],
                    'usage': {
                        'prompt_tokens': _tokens(body),
                        'completion_tokens': output,
                        'total_tokens': _tokens(body) + output,
                    },
                }

            def _stream(self, body: dict[str, Any], answer: Answer) -> None:
                self.send_response(200)
                self.send_header('Content-Type', 'text/event-stream')
                self.end_headers()
                base = {
                    'id': f'chatcmpl-{uuid.uuid4().hex}',
                    'object': 'chat.completion.chunk',
                    'created': int(time.time()),
                    'model': f'{body["model"]}-2025-01-01',
                    'system_fingerprint': f'fp_{uuid.uuid4().hex[:10]}',
                }

                def send(delta: dict[str, Any], finish: str | None = None) -> None:
                    chunk = {**base, 'choices': [{'index': 0, 'delta': delta, 'finish_reason': finish}]}
                    self.wfile.write(f'data: {json.dumps(chunk)}\n\n'.encode())
                    self.wfile.flush()

                send({'role': 'assistant'})
                output = 0
                if answer.text is not None:
                    for piece in pieces(answer.text, 2):
                        send({'content': piece})
                    output = len(answer.text.split())
                    finish = 'stop'
                else:
                    assert answer.tool_name is not None
                    assert answer.arguments is not None
                    call_id = f'call_{uuid.uuid4().hex[:24]}'
                    send(
                        {
                            'tool_calls': [
                                {
                                    'index': 0,
                                    'id': call_id,
                                    'type': 'function',
                                    'function': {'name': answer.tool_name, 'arguments': ''},
                                }
                            ]
                        }
                    )
                    for piece in re.findall(r'[^,:]*[,:]?', answer.arguments):
                        if piece:
                            send({'tool_calls': [{'index': 0, 'function': {'arguments': piece}}]})
                    output = len(answer.arguments.split())
                    finish = 'tool_calls'
                send({}, finish)
                if body.get('stream_options', {}).get('include_usage'):
                    usage = {
                        'prompt_tokens': _tokens(body),
                        'completion_tokens': output,
                        'total_tokens': _tokens(body) + output,
                    }
                    self.wfile.write(f'data: {json.dumps({**base, "choices": [], "usage": usage})}\n\n'.encode())
                self.wfile.write(b'data: [DONE]\n\n')
                self.wfile.flush()

        return Handler
