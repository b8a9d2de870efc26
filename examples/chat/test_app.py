"""A streaming chat, tested through the app's own streaming code and through `agentrun.run(stream=True)`.

Shows: `text(chunks=[...])` fixing the exact deltas a visitor sees, a model string scripted for code that
runs the agent itself (`agentrun.model`), rules that answer by prompt pattern and by tool return, the
recorded stream events, and a snapshot of a two-message conversation.
"""

import dataclasses
import re

import pytest
from dirty_equals import IsDatetime, IsNumber, IsPositiveInt, IsStr
from inline_snapshot import snapshot
from pydantic_ai.messages import FunctionToolCallEvent, ModelResponse, PartDeltaEvent, TextPartDelta

from pytest_agentrun import (
    assert_nodes,
    assert_tool_calls,
    assert_usage,
    normalize_messages,
    text,
    tool_call,
    tool_return,
)

from .app import ChatSession, Visitor, assistant

MODEL = 'anthropic:claude-sonnet-4-5'


async def chat(session: ChatSession, message: str) -> list[str]:
    return [delta async for delta in session.send(message)]


@pytest.mark.anyio
async def test_reply_streams_in_the_scripted_chunks(agentrun):
    agentrun.model(MODEL, [text(chunks=['Hello Ada! ', 'How can I ', 'help today?'])])
    assert await chat(ChatSession(Visitor('Ada')), 'Hi!') == ['Hello Ada! ', 'How can I ', 'help today?']


@pytest.mark.anyio
async def test_rules_answer_every_question_about_opening(agentrun):
    # rules are not used up: every question about opening checks the hours, every hours return is answered
    model = agentrun.model(
        MODEL,
        rules={
            re.compile(r'\bopen\b', re.IGNORECASE): tool_call('opening_hours', day='sunday'),
            tool_return('opening_hours', 'closed'): 'We are closed on Sundays, sorry!',
        },
    )
    session = ChatSession(Visitor('Ada'))
    for question in ['Are you open on Sunday?', 'So you are not open on Sunday?']:
        assert ''.join(await chat(session, question)) == 'We are closed on Sundays, sorry!'
    assert [r.answered_by for r in model.requests] == [IsStr(regex='rule 1 .*'), IsStr(regex='rule 2 .*')] * 2
    assert all(r.streamed for r in model.requests)


@pytest.mark.anyio
async def test_stream_events(agentrun):
    run = await agentrun.run(
        assistant,
        'When do you open on Saturday?',
        script=[tool_call('opening_hours', day='Saturday'), text(chunks=['From 10:00 ', 'to 18:00.'])],
        deps=Visitor('Grace', member=True),
        stream=True,
    )
    assert run.output == 'From 10:00 to 18:00.'
    assert_nodes(run, 'UserPrompt -> (ModelRequest -> CallTools) * 2 -> End')
    assert_tool_calls(run, [tool_call('opening_hours', day=IsStr(regex='(?i)saturday'))])
    calls = [e.part.tool_name for e in run.events if isinstance(e, FunctionToolCallEvent)]
    deltas = [e.delta for e in run.events if isinstance(e, PartDeltaEvent)]
    assert calls == ['opening_hours']
    # the first chunk came with the text part's start event, the rest as deltas
    assert [d.content_delta for d in deltas if isinstance(d, TextPartDelta)] == ['to 18:00.']
    assert_usage(run, requests=2, tool_calls=1, output_tokens=IsPositiveInt)


# A snapshot shows the messages as the release that wrote it records them: this one was written on pydantic-ai
# 2.68, whose responses carry `model_id` (from 2.64), costs and run and conversation ids. Older releases record
# fewer fields, so there it would rightly differ: re-create it on the release you pin.
WRITTEN_ON_A_RELEASE_LIKE_THIS = 'model_id' in {f.name for f in dataclasses.fields(ModelResponse)}


@pytest.mark.skipif(
    not WRITTEN_ON_A_RELEASE_LIKE_THIS,
    reason='the snapshot holds model_id, costs and run ids, which responses before pydantic-ai 2.64 lack',
)
@pytest.mark.anyio
async def test_conversation_snapshot(agentrun):
    # written by `pytest examples/chat --inline-snapshot=create -p no:xdist`: inline-snapshot writes nothing under
    # xdist, though comparing works there
    agentrun.model(MODEL, ['Hello Ada!', text(chunks=['Sunday: ', 'closed.'])])
    session = ChatSession(Visitor('Ada'))
    await chat(session, 'Hi!')
    await chat(session, 'Sunday hours?')
    assert normalize_messages(session.history) == snapshot(
        [
            {
                'parts': [{'content': 'Hi!', 'timestamp': IsDatetime(), 'part_kind': 'user-prompt'}],
                'timestamp': IsDatetime(),
                'instructions': """\
You are the chat assistant of Quire & Co, a bookshop. Check opening hours with the tool.

The visitor is Ada, not a member.\
""",
                'kind': 'request',
                'run_id': IsStr(),
                'conversation_id': IsStr(),
            },
            {
                'parts': [{'content': 'Hello Ada!', 'part_kind': 'text'}],
                'usage': {'input_tokens': 50, 'output_tokens': 2, 'cost': IsNumber()},
                'model_name': 'claude-sonnet-4-5',
                'model_id': 'anthropic:claude-sonnet-4-5',
                'timestamp': IsDatetime(),
                'kind': 'response',
                'run_id': IsStr(),
                'conversation_id': IsStr(),
            },
            {
                'parts': [{'content': 'Sunday hours?', 'timestamp': IsDatetime(), 'part_kind': 'user-prompt'}],
                'timestamp': IsDatetime(),
                'instructions': """\
You are the chat assistant of Quire & Co, a bookshop. Check opening hours with the tool.

The visitor is Ada, not a member.\
""",
                'kind': 'request',
                'run_id': IsStr(),
                'conversation_id': IsStr(),
            },
            {
                'parts': [{'content': 'Sunday: closed.', 'part_kind': 'text'}],
                'usage': {'input_tokens': 50, 'output_tokens': 4, 'cost': IsNumber()},
                'model_name': 'claude-sonnet-4-5',
                'model_id': 'anthropic:claude-sonnet-4-5',
                'timestamp': IsDatetime(),
                'kind': 'response',
                'run_id': IsStr(),
                'conversation_id': IsStr(),
            },
        ]
    )
