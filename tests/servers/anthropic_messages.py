"""A fake of Anthropic's Messages API (what pydantic-ai's `AnthropicModel` speaks).

It answers `POST /v1/messages` (older SDKs' beta client adds `?beta=true`), plain and streamed. What it
answers is decided in `base`; here it is written as content blocks: a `thinking` block first when the model
thinks, then a `text` block or a `tool_use` block.

A stream is the real sequence of named server-sent events:

    message_start (the message, without content, and the input usage)
    for each block:
        content_block_start, content_block_delta ..., content_block_stop
        (deltas: text_delta, input_json_delta, or thinking_delta ... then one signature_delta)
    message_delta (stop_reason and the final usage), message_stop

with a `ping` after the first `content_block_start`, as the real API sends. The model thinks when the
request's `thinking` is `enabled` or `adaptive`, or its name says so. Besides fresh message ids and tool-use
ids, each thinking block carries a random signature.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from .base import (
    Answer,
    Asked,
    Event,
    FakeServer,
    answer_tokens,
    json_pieces,
    model_thinks,
    pieces,
    random_blob,
    random_id,
    text_of,
    words,
)

__all__ = ('FakeAnthropic',)

DATED = re.compile(r'-\d{8}$')
_ERRORS = {404: 'not_found_error', 500: 'api_error'}


def _blocks(content: Any) -> list[dict[str, Any]]:
    return [{'type': 'text', 'text': content}] if isinstance(content, str) else content


def _latest_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get('role') == 'user':
            text = text_of([b for b in _blocks(message.get('content')) if b.get('type') == 'text'])
            if text:
                return text
    return ''


def _tool_result(messages: list[dict[str, Any]]) -> str | None:
    if not messages or messages[-1].get('role') != 'user':
        return None
    results = [b for b in _blocks(messages[-1].get('content')) if b.get('type') == 'tool_result']
    return text_of(results[-1].get('content')) if results else None


def _thinks(body: dict[str, Any]) -> bool:
    thinking = body.get('thinking') or {}
    return thinking.get('type') in ('enabled', 'adaptive') or model_thinks(body.get('model'))


class FakeAnthropic(FakeServer):
    """Anthropic's Messages API: `POST /v1/messages`."""

    route = '/v1/messages'
    url_prefix = ''
    # older anthropic SDKs send the key as `x-api-key`; newer ones (2.14 here) as `Authorization: Bearer ...`
    key_headers = ('x-api-key', 'Authorization')

    def read(self, body: dict[str, Any]) -> Asked:
        messages: list[dict[str, Any]] = body.get('messages', [])
        tools = [t['name'] for t in body.get('tools', []) if t.get('type', 'custom') == 'custom']
        return Asked(_latest_user_text(messages), tools, _tool_result(messages), _thinks(body))

    def error(self, status: int, message: str) -> dict[str, Any]:
        kind = _ERRORS.get(status, 'invalid_request_error')
        return {'type': 'error', 'error': {'type': kind, 'message': message}, 'request_id': random_id('req_011')}

    def response_headers(self) -> dict[str, str]:
        return {'request-id': random_id('req_011')}

    def _content(self, answer: Answer) -> list[dict[str, Any]]:
        content: list[dict[str, Any]] = []
        if answer.thinking is not None:
            content.append({'type': 'thinking', 'thinking': answer.thinking, 'signature': random_blob(192)})
        if answer.text is not None:
            content.append({'type': 'text', 'text': answer.text})
        if answer.tool_name is not None:
            assert answer.arguments is not None
            tool_use = {'type': 'tool_use', 'id': random_id('toolu_01'), 'name': answer.tool_name}
            content.append({**tool_use, 'input': json.loads(answer.arguments)})
        return content

    def _usage(self, body: dict[str, Any], output: int) -> dict[str, Any]:
        return {
            'input_tokens': words(body.get('messages')) + words(body.get('system')) + 3,
            'cache_creation_input_tokens': 0,
            'cache_read_input_tokens': 0,
            'cache_creation': {'ephemeral_5m_input_tokens': 0, 'ephemeral_1h_input_tokens': 0},
            'output_tokens': output,
            'service_tier': 'standard',
        }

    def _message(self, body: dict[str, Any], content: list[dict[str, Any]], output: int) -> dict[str, Any]:
        model = body['model'] if DATED.search(body['model']) else f'{body["model"]}-20250101'
        return {
            'id': random_id('msg_01'),
            'type': 'message',
            'role': 'assistant',
            'model': model,
            'content': content,
            'stop_reason': None,
            'stop_sequence': None,
            'usage': self._usage(body, output),
        }

    def respond(self, body: dict[str, Any], answer: Answer) -> dict[str, Any]:
        message = self._message(body, self._content(answer), answer_tokens(answer))
        return {**message, 'stop_reason': _stop_reason(answer)}

    def stream(self, body: dict[str, Any], answer: Answer) -> Iterator[Event]:
        for name, data in self._events(body, answer):
            yield name, {'type': name, **data}

    def _events(self, body: dict[str, Any], answer: Answer) -> Iterator[tuple[str, dict[str, Any]]]:
        yield 'message_start', {'message': self._message(body, [], 1)}
        for index, block in enumerate(self._content(answer)):
            if block['type'] == 'thinking':
                started = {**block, 'thinking': '', 'signature': ''}
                yield 'content_block_start', {'index': index, 'content_block': started}
                deltas = [{'type': 'thinking_delta', 'thinking': p} for p in pieces(block['thinking'], 2)]
                deltas.append({'type': 'signature_delta', 'signature': block['signature']})
            elif block['type'] == 'text':
                yield 'content_block_start', {'index': index, 'content_block': {**block, 'text': ''}}
                deltas = [{'type': 'text_delta', 'text': p} for p in pieces(block['text'], 2)]
            else:
                yield 'content_block_start', {'index': index, 'content_block': {**block, 'input': {}}}
                arguments = answer.arguments or '{}'
                deltas = [{'type': 'input_json_delta', 'partial_json': p} for p in ['', *json_pieces(arguments)]]
            if index == 0:
                yield 'ping', {}
            for delta in deltas:
                yield 'content_block_delta', {'index': index, 'delta': delta}
            yield 'content_block_stop', {'index': index}
        # the final usage, cumulative: it replaces what `message_start` said
        usage = self._usage(body, answer_tokens(answer))
        del usage['cache_creation'], usage['service_tier']
        delta = {'stop_reason': _stop_reason(answer), 'stop_sequence': None}
        yield 'message_delta', {'delta': delta, 'usage': usage}
        yield 'message_stop', {}


def _stop_reason(answer: Answer) -> str:
    return 'tool_use' if answer.tool_name is not None else 'end_turn'
