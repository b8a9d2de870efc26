"""A fake of OpenAI's Chat Completions API, for recording cassettes without the internet.

It answers `POST /v1/chat/completions`, plain and streamed (server-sent events, `data:` lines ending with
`data: [DONE]`), the way the real API does as far as pydantic-ai's `OpenAIChatModel` cares. What it answers
is decided in `base`. Besides fresh ids, times and tool-call ids, each response carries a random system
fingerprint. It never thinks: the Chat Completions API has no place for OpenAI's reasoning.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

from .base import Answer, Asked, Event, FakeServer, json_pieces, pieces, text_of

__all__ = ('FakeOpenAI',)


def _latest_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get('role') == 'user':
            return text_of(message.get('content'))
    return ''


def _tokens(body: dict[str, Any]) -> int:
    return sum(len(str(m.get('content') or '').split()) + 3 for m in body.get('messages', []))


def _call_id() -> str:
    return f'call_{uuid.uuid4().hex[:24]}'


class FakeOpenAI(FakeServer):
    """OpenAI's Chat Completions API: `POST /v1/chat/completions`."""

    route = '/v1/chat/completions'

    def read(self, body: dict[str, Any]) -> Asked:
        messages: list[dict[str, Any]] = body.get('messages', [])
        tools = [t['function']['name'] for t in body.get('tools', [])]
        latest = messages[-1] if messages else {}
        tool_result = str(latest.get('content')) if latest.get('role') == 'tool' else None
        return Asked(prompt=_latest_user_text(messages), tools=tools, tool_result=tool_result)

    def _usage(self, body: dict[str, Any], output: int) -> dict[str, int]:
        prompt = _tokens(body)
        return {'prompt_tokens': prompt, 'completion_tokens': output, 'total_tokens': prompt + output}

    def _head(self, body: dict[str, Any], kind: str) -> dict[str, Any]:
        return {
            'id': f'chatcmpl-{uuid.uuid4().hex}',
            'object': kind,
            'created': int(time.time()),
            'model': f'{body["model"]}-2025-01-01',
            'system_fingerprint': f'fp_{uuid.uuid4().hex[:10]}',
        }

    def respond(self, body: dict[str, Any], answer: Answer) -> dict[str, Any]:
        message: dict[str, Any] = {'role': 'assistant', 'content': answer.text}
        if answer.tool_name is not None:
            function = {'name': answer.tool_name, 'arguments': answer.arguments}
            message['tool_calls'] = [{'id': _call_id(), 'type': 'function', 'function': function}]
        output = len((answer.text or answer.arguments or '').split())
        choice = {
            'index': 0,
            'message': message,
            'finish_reason': 'tool_calls' if answer.tool_name else 'stop',
            'logprobs': None,
        }
        return {**self._head(body, 'chat.completion'), 'choices': [choice], 'usage': self._usage(body, output)}

    def stream(self, body: dict[str, Any], answer: Answer) -> Iterator[Event]:
        head = self._head(body, 'chat.completion.chunk')

        def chunk(delta: dict[str, Any], finish: str | None = None) -> Event:
            return None, {**head, 'choices': [{'index': 0, 'delta': delta, 'finish_reason': finish}]}

        yield chunk({'role': 'assistant'})
        if answer.text is not None:
            for piece in pieces(answer.text, 2):
                yield chunk({'content': piece})
            output = len(answer.text.split())
            finish = 'stop'
        else:
            assert answer.tool_name is not None
            assert answer.arguments is not None
            function = {'name': answer.tool_name, 'arguments': ''}
            yield chunk({'tool_calls': [{'index': 0, 'id': _call_id(), 'type': 'function', 'function': function}]})
            for piece in json_pieces(answer.arguments):
                yield chunk({'tool_calls': [{'index': 0, 'function': {'arguments': piece}}]})
            output = len(answer.arguments.split())
            finish = 'tool_calls'
        yield chunk({}, finish)
        if body.get('stream_options', {}).get('include_usage'):
            yield None, {**head, 'choices': [], 'usage': self._usage(body, output)}
        yield None, '[DONE]'
