"""A fake of OpenAI's Responses API (what pydantic-ai's `OpenAIResponsesModel`, and `'openai:...'`, speak).

It answers `POST /v1/responses`, plain and streamed. What it answers is decided in `base`; here it is written
as output items: a `reasoning` item first when the model thinks, then a `message` with one `output_text`
part or a `function_call`.

A stream is the real sequence of named server-sent events, each with its `sequence_number`:

    response.created, response.in_progress
    for a reasoning item:
        response.output_item.added, response.reasoning_summary_part.added,
        response.reasoning_summary_text.delta ..., response.reasoning_summary_text.done,
        response.reasoning_summary_part.done, response.output_item.done
    for a message:
        response.output_item.added, response.content_part.added, response.output_text.delta ...,
        response.output_text.done, response.content_part.done, response.output_item.done
    for a function call:
        response.output_item.added, response.function_call_arguments.delta ...,
        response.function_call_arguments.done, response.output_item.done
    response.completed (the whole response, with its usage)

The model thinks when the request sets `reasoning.effort` (other than `none`) or `reasoning.summary`, or its
name says so. As on the real API, the reasoning item has a summary only when `reasoning.summary` is set (or the
name says so), and `encrypted_content` only when `include` asks for `reasoning.encrypted_content`.
"""

from __future__ import annotations

import time
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
    random_hex,
    random_id,
    text_of,
    words,
)

__all__ = ('FakeOpenAIResponses',)


def _reasoning(body: dict[str, Any]) -> dict[str, Any]:
    return body.get('reasoning') or {}


def _thinks(body: dict[str, Any]) -> bool:
    reasoning = _reasoning(body)
    effort = reasoning.get('effort')
    return effort not in (None, 'none') or _summarises(body)


def _summarises(body: dict[str, Any]) -> bool:
    return bool(_reasoning(body).get('summary')) or model_thinks(body.get('model'))


def _latest_user_text(items: list[dict[str, Any]]) -> str:
    for item in reversed(items):
        if item.get('role') == 'user' and item.get('type', 'message') == 'message':
            return text_of(item.get('content'))
    return ''


def _input_items(body: dict[str, Any]) -> list[dict[str, Any]]:
    given = body.get('input', [])
    return [{'role': 'user', 'content': given}] if isinstance(given, str) else given


def _echoed_tool(tool: dict[str, Any]) -> dict[str, Any]:
    if tool.get('type') != 'function':
        return tool
    return {
        'type': 'function',
        'name': tool['name'],
        'description': tool.get('description'),
        'parameters': tool.get('parameters'),
        'strict': tool.get('strict', True),
    }


class FakeOpenAIResponses(FakeServer):
    """OpenAI's Responses API: `POST /v1/responses`."""

    route = '/v1/responses'

    def read(self, body: dict[str, Any]) -> Asked:
        items = _input_items(body)
        tools = [t['name'] for t in body.get('tools', []) if t.get('type') == 'function']
        latest = items[-1] if items else {}
        tool_result = text_of(latest.get('output')) if latest.get('type') == 'function_call_output' else None
        return Asked(prompt=_latest_user_text(items), tools=tools, tool_result=tool_result, thinks=_thinks(body))

    def response_headers(self) -> dict[str, str]:
        return {'x-request-id': random_hex('req_', 32)}

    # --- the output items of an answer -------------------------------------------------------------------

    def _output(self, body: dict[str, Any], answer: Answer) -> list[dict[str, Any]]:
        output: list[dict[str, Any]] = []
        if answer.thinking is not None:
            item: dict[str, Any] = {
                'id': random_hex('rs_'),
                'type': 'reasoning',
                'summary': [{'type': 'summary_text', 'text': answer.thinking}] if _summarises(body) else [],
            }
            if 'reasoning.encrypted_content' in body.get('include', []):
                item['encrypted_content'] = 'gAAAAA' + random_blob()
            output.append(item)
        if answer.text is not None:
            text = {'type': 'output_text', 'text': answer.text, 'annotations': [], 'logprobs': []}
            output.append(
                {
                    'id': random_hex('msg_'),
                    'type': 'message',
                    'status': 'completed',
                    'role': 'assistant',
                    'content': [text],
                }
            )
        if answer.tool_name is not None:
            output.append(
                {
                    'id': random_hex('fc_'),
                    'type': 'function_call',
                    'status': 'completed',
                    'arguments': answer.arguments,
                    'call_id': random_id('call_'),
                    'name': answer.tool_name,
                }
            )
        return output

    def _usage(self, body: dict[str, Any], answer: Answer) -> dict[str, Any]:
        prompt = words(body.get('input')) + words(body.get('instructions')) + 3
        reasoning = words(answer.thinking or '')
        output = answer_tokens(answer)
        return {
            'input_tokens': prompt,
            'input_tokens_details': {'cached_tokens': 0, 'cache_write_tokens': 0},
            'output_tokens': output,
            'output_tokens_details': {'reasoning_tokens': reasoning},
            'total_tokens': prompt + output,
        }

    def _response(
        self,
        body: dict[str, Any],
        response_id: str,
        created_at: int,
        output: list[dict[str, Any]],
        usage: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """The response object: `in_progress` without usage, `completed` with it."""
        reasoning = _reasoning(body)
        return {
            'id': response_id,
            'object': 'response',
            'created_at': created_at,
            'status': 'completed' if usage is not None else 'in_progress',
            'background': False,
            'completed_at': int(time.time()) if usage is not None else None,
            'error': None,
            'incomplete_details': None,
            'instructions': body.get('instructions'),
            'max_output_tokens': body.get('max_output_tokens'),
            'model': f'{body["model"]}-2025-01-01',
            'output': output,
            'parallel_tool_calls': body.get('parallel_tool_calls', True),
            'previous_response_id': body.get('previous_response_id'),
            'reasoning': {'effort': reasoning.get('effort'), 'summary': reasoning.get('summary')},
            'service_tier': 'default',
            'store': body.get('store', True),
            'temperature': body.get('temperature', 1.0),
            'text': body.get('text') or {'format': {'type': 'text'}, 'verbosity': 'medium'},
            'tool_choice': body.get('tool_choice', 'auto'),
            'tools': [_echoed_tool(t) for t in body.get('tools', [])],
            'top_p': body.get('top_p', 1.0),
            'truncation': body.get('truncation', 'disabled'),
            'usage': usage,
            'user': None,
            'metadata': body.get('metadata') or {},
        }

    def respond(self, body: dict[str, Any], answer: Answer) -> dict[str, Any]:
        output = self._output(body, answer)
        return self._response(body, random_hex('resp_'), int(time.time()), output, self._usage(body, answer))

    # --- streaming -------------------------------------------------------------------------------------

    def stream(self, body: dict[str, Any], answer: Answer) -> Iterator[Event]:
        for number, (name, data) in enumerate(self._events(body, answer)):
            yield name, {'type': name, 'sequence_number': number, **data}

    def _events(self, body: dict[str, Any], answer: Answer) -> Iterator[tuple[str, dict[str, Any]]]:
        response_id, created_at = random_hex('resp_'), int(time.time())
        started = self._response(body, response_id, created_at, [], None)
        yield 'response.created', {'response': started}
        yield 'response.in_progress', {'response': started}
        output = self._output(body, answer)
        for index, item in enumerate(output):
            if item['type'] == 'reasoning':
                yield from self._reasoning_events(index, item)
            elif item['type'] == 'message':
                yield from self._message_events(index, item)
            else:
                yield from self._function_call_events(index, item)
        finished = self._response(body, response_id, created_at, output, self._usage(body, answer))
        yield 'response.completed', {'response': finished}

    def _reasoning_events(self, index: int, item: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
        at = {'item_id': item['id'], 'output_index': index}
        # the encrypted reasoning and the summary come with the finished item
        added = {**{k: v for k, v in item.items() if k != 'encrypted_content'}, 'summary': []}
        yield 'response.output_item.added', {'output_index': index, 'item': added}
        for summary_index, summary in enumerate(item['summary']):
            where = {**at, 'summary_index': summary_index}
            yield 'response.reasoning_summary_part.added', {**where, 'part': {'type': 'summary_text', 'text': ''}}
            for piece in pieces(summary['text'], 2):
                yield 'response.reasoning_summary_text.delta', {**where, 'delta': piece}
            yield 'response.reasoning_summary_text.done', {**where, 'text': summary['text']}
            yield 'response.reasoning_summary_part.done', {**where, 'part': summary}
        yield 'response.output_item.done', {'output_index': index, 'item': item}

    def _message_events(self, index: int, item: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
        at = {'item_id': item['id'], 'output_index': index}
        added = {**item, 'status': 'in_progress', 'content': []}
        yield 'response.output_item.added', {'output_index': index, 'item': added}
        for content_index, part in enumerate(item['content']):
            where = {**at, 'content_index': content_index}
            yield 'response.content_part.added', {**where, 'part': {**part, 'text': ''}}
            for piece in pieces(part['text'], 2):
                yield 'response.output_text.delta', {**where, 'delta': piece, 'logprobs': []}
            yield 'response.output_text.done', {**where, 'text': part['text'], 'logprobs': []}
            yield 'response.content_part.done', {**where, 'part': part}
        yield 'response.output_item.done', {'output_index': index, 'item': item}

    def _function_call_events(self, index: int, item: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
        at = {'item_id': item['id'], 'output_index': index}
        added = {**item, 'status': 'in_progress', 'arguments': ''}
        yield 'response.output_item.added', {'output_index': index, 'item': added}
        for piece in json_pieces(item['arguments']):
            yield 'response.function_call_arguments.delta', {**at, 'delta': piece}
        yield 'response.function_call_arguments.done', {**at, 'name': item['name'], 'arguments': item['arguments']}
        yield 'response.output_item.done', {'output_index': index, 'item': item}
