"""normalize_messages, and the inline-snapshot workflow (create, compare, fix) as users run it."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timezone
from typing import Any

import pytest
from projects import WEATHER_APP
from pydantic_ai import Agent
from pydantic_ai.messages import ModelRequest, ModelResponse

from pytest_agentrun import AgentRunFactory, RecordedRun, normalize_messages, tool_call
from pytest_agentrun._compat import HAS_CONVERSATION_ID, HAS_REQUEST_TIMESTAMP, HAS_RUN_ID

agent = Agent('openai:gpt-5.2', instructions='Be brief.')


@agent.tool_plain
def get_weather(city: str) -> str:
    return f'Sunny in {city}'


@agent.tool_plain
def buy(item: str, cost: int) -> str:
    return f'bought {item}'


TIMESTAMP = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def parts(normalized: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [m['parts'] for m in normalized]


@pytest.fixture
def run(agentrun: AgentRunFactory) -> RecordedRun[Any]:
    return agentrun.run_sync(
        agent,
        'Weather in Paris and Rome?',
        script=[
            [tool_call('get_weather', city='Paris'), tool_call('get_weather', city='Rome')],
            tool_call('get_weather', city='Oslo', tool_call_id='my-own-id'),
            'Sunny everywhere.',
        ],
    )


def test_tokens_and_pairing(run: RecordedRun[Any]) -> None:
    normalized = normalize_messages(run)
    assert [m['kind'] for m in normalized] == ['request', 'response', 'request', 'response', 'request', 'response']
    assert parts(normalized) == [
        [{'content': 'Weather in Paris and Rome?', 'timestamp': '<timestamp>', 'part_kind': 'user-prompt'}],
        [
            {
                'tool_name': 'get_weather',
                'args': {'city': 'Paris'},
                'tool_call_id': '<tool_call_id:1>',
                'part_kind': 'tool-call',
            },
            {
                'tool_name': 'get_weather',
                'args': {'city': 'Rome'},
                'tool_call_id': '<tool_call_id:2>',
                'part_kind': 'tool-call',
            },
        ],
        [
            {
                'tool_name': 'get_weather',
                'content': 'Sunny in Paris',
                'tool_call_id': '<tool_call_id:1>',
                'timestamp': '<timestamp>',
                'part_kind': 'tool-return',
            },
            {
                'tool_name': 'get_weather',
                'content': 'Sunny in Rome',
                'tool_call_id': '<tool_call_id:2>',
                'timestamp': '<timestamp>',
                'part_kind': 'tool-return',
            },
        ],
        [
            {
                'tool_name': 'get_weather',
                'args': {'city': 'Oslo'},
                'tool_call_id': '<tool_call_id:3>',
                'part_kind': 'tool-call',
            }
        ],
        [
            {
                'tool_name': 'get_weather',
                'content': 'Sunny in Oslo',
                'tool_call_id': '<tool_call_id:3>',
                'timestamp': '<timestamp>',
                'part_kind': 'tool-return',
            }
        ],
        [{'content': 'Sunny everywhere.', 'part_kind': 'text'}],
    ]
    for message in normalized:
        assert message.get('timestamp', '<timestamp>') == '<timestamp>'
        if message['kind'] == 'response':
            assert message['model_name'] == 'gpt-5.2'
            usage = message['usage']
            assert usage['input_tokens'] > 0
            assert usage.get('cost', '<cost>') == '<cost>'


def test_same_messages_give_the_same_data(agentrun: AgentRunFactory, run: RecordedRun[Any]) -> None:
    again = agentrun.run_sync(
        agent,
        'Weather in Paris and Rome?',
        script=[
            [tool_call('get_weather', city='Paris'), tool_call('get_weather', city='Rome')],
            tool_call('get_weather', city='Oslo', tool_call_id='another-id'),
            'Sunny everywhere.',
        ],
    )
    assert normalize_messages(again) == normalize_messages(run)
    assert run.result is not None
    assert normalize_messages(run.result) == normalize_messages(run)
    assert normalize_messages(run.messages) == normalize_messages(run)
    assert normalize_messages(tuple(run.messages)) == normalize_messages(run)


def _two_runs(agentrun: AgentRunFactory) -> list[dict[str, Any]]:
    first = agentrun.run_sync(agent, 'Hi', script=['Hello.'])
    second = agentrun.run_sync(agent, 'Again', script=['Hello again.'], message_history=first.messages)
    return normalize_messages(second)


@pytest.mark.skipif(not HAS_RUN_ID, reason='messages carry no run_id before pydantic-ai 1.15')
def test_run_ids_numbered_by_first_appearance(agentrun: AgentRunFactory) -> None:
    normalized = _two_runs(agentrun)
    assert [m['run_id'] for m in normalized] == ['<run_id:1>', '<run_id:1>', '<run_id:2>', '<run_id:2>']


@pytest.mark.skipif(HAS_RUN_ID, reason='messages carry a run_id from pydantic-ai 1.15')
def test_no_run_id_tokens_where_messages_have_none(agentrun: AgentRunFactory) -> None:
    assert all('run_id' not in m for m in _two_runs(agentrun))


@pytest.mark.skipif(not HAS_CONVERSATION_ID, reason='messages carry no conversation_id before pydantic-ai 1.89')
def test_one_conversation_id_token_across_runs(agentrun: AgentRunFactory) -> None:
    assert [m['conversation_id'] for m in _two_runs(agentrun)] == ['<conversation_id:1>'] * 4


@pytest.mark.skipif(HAS_CONVERSATION_ID, reason='messages carry a conversation_id from pydantic-ai 1.89')
def test_no_conversation_id_tokens_where_messages_have_none(agentrun: AgentRunFactory) -> None:
    assert all('conversation_id' not in m for m in _two_runs(agentrun))


@pytest.mark.skipif(not HAS_REQUEST_TIMESTAMP, reason='ModelRequest has no timestamp before pydantic-ai 1.38')
def test_request_timestamp_token(agentrun: AgentRunFactory) -> None:
    requests = [m for m in _two_runs(agentrun) if m['kind'] == 'request']
    assert [m['timestamp'] for m in requests] == ['<timestamp>', '<timestamp>']


@pytest.mark.skipif(HAS_REQUEST_TIMESTAMP, reason='ModelRequest has a timestamp from pydantic-ai 1.38')
def test_no_request_timestamp_where_requests_have_none(agentrun: AgentRunFactory) -> None:
    assert all('timestamp' not in m for m in _two_runs(agentrun) if m['kind'] == 'request')


def test_fields_at_their_default_are_left_out() -> None:
    messages = [
        ModelRequest.user_text_prompt('Hi'),
        ModelResponse(parts=[], model_name=None, timestamp=TIMESTAMP),
    ]
    request, response = normalize_messages(messages)
    assert request['parts'] == [{'content': 'Hi', 'timestamp': '<timestamp>', 'part_kind': 'user-prompt'}]
    assert response == {'parts': [], 'timestamp': '<timestamp>', 'kind': 'response'} | (
        {'run_id': response['run_id']} if 'run_id' in response else {}
    )
    assert 'usage' not in response  # RequestUsage() at its default
    assert 'model_name' not in response  # None, the default
    assert response['kind'] == 'response'  # discriminators stay even at their default


@dataclasses.dataclass
class Usage:
    input_tokens: int = 0
    cost: float | None = None


@dataclasses.dataclass
class Message:
    tool_call_id: str
    when: datetime
    run_id: str | None = None
    provider_response_id: str | None = None
    usage: Usage = dataclasses.field(default_factory=Usage)
    items: list[Any] = dataclasses.field(default_factory=list)
    hidden: str = dataclasses.field(default='x', repr=False)
    _private: int = 0
    kind: str = 'fake'


def test_token_rules_on_plain_dataclasses() -> None:
    messages = [
        Message('a', TIMESTAMP, run_id='r1', provider_response_id='p1', usage=Usage(3, 0.25), hidden='y', _private=1),
        Message('b', TIMESTAMP, run_id='r1', items=[TIMESTAMP, ('t', 1)], kind='fake'),
        Message('a', TIMESTAMP, run_id='r2', provider_response_id='p2', usage=Usage(cost=0.5)),
    ]
    assert normalize_messages(messages) == [
        {
            'tool_call_id': '<tool_call_id:1>',
            'when': '<timestamp>',
            'run_id': '<run_id:1>',
            'provider_response_id': '<provider_response_id:1>',
            'usage': {'input_tokens': 3, 'cost': '<cost>'},
            'kind': 'fake',
        },
        {
            'tool_call_id': '<tool_call_id:2>',
            'when': '<timestamp>',
            'run_id': '<run_id:1>',
            'items': ['<timestamp>', ['t', 1]],
            'kind': 'fake',
        },
        {
            'tool_call_id': '<tool_call_id:1>',
            'when': '<timestamp>',
            'run_id': '<run_id:2>',
            'provider_response_id': '<provider_response_id:2>',
            'usage': {'cost': '<cost>'},
            'kind': 'fake',
        },
    ]


def test_tool_arguments_named_like_volatile_fields_are_kept(agentrun: AgentRunFactory) -> None:
    run = agentrun.run_sync(agent, 'Buy bread', script=[tool_call('buy', item='bread', cost=3), 'Bought.'])
    call = normalize_messages(run)[1]['parts'][0]
    assert call['args'] == {'item': 'bread', 'cost': 3}


def test_bad_input() -> None:
    with pytest.raises(TypeError) as info:
        normalize_messages(42)
    assert str(info.value) == (
        'normalize_messages() takes a recorded run, an agent run or result, or a list of messages, got 42'
    )


# --- the inline-snapshot workflow --------------------------------------------------------------------


TEST_SNAPSHOT = """
from inline_snapshot import snapshot
from pytest_agentrun import normalize_messages, tool_call
from app import agent


def test_weather(agentrun):
    run = agentrun.run_sync(
        agent, 'Weather in Paris?', script=[tool_call('get_weather', city='Paris'), 'It is sunny.']
    )
    assert normalize_messages(run) == snapshot()
"""


def run_child(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """inline-snapshot keeps global state per session, so each run gets its own process."""
    return pytester.runpytest_subprocess('-p', 'no:xdist', '-p', 'no:cacheprovider', *args)


def snapshot_call(source: str) -> str:
    match = re.search(r'snapshot\((.*)\)\s*\Z', source, re.DOTALL)
    assert match is not None, source
    return match.group(1)


def test_inline_snapshot_create_compare_fix(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    # inline-snapshot writes nothing in CI or under xdist (it reads PYTEST_XDIST_WORKER, which an outer `-n` sets)
    for name in ('CI', 'PYTEST_XDIST_WORKER', 'PYTEST_XDIST_WORKER_COUNT', 'PYTEST_XDIST_TESTRUNUID'):
        monkeypatch.delenv(name, raising=False)
    pytester.makepyfile(app=WEATHER_APP)
    pytester.makeconftest('')
    test_file = pytester.makepyfile(test_weather=TEST_SNAPSHOT)

    # 1. create: inline-snapshot writes the normalized messages into the test file
    run_child(pytester, '--inline-snapshot=create')
    created = test_file.read_text()
    value = snapshot_call(created)
    assert '<timestamp>' in value
    assert "'<tool_call_id:1>'" in value
    assert value.count("'<tool_call_id:1>'") == 2  # the call and its return
    assert "'It is sunny.'" in value
    assert "'Weather in Paris?'" in value
    assert not re.search(r'\d{4}-\d\d-\d\d', value)  # no real timestamp leaked into the snapshot

    # 2. a plain run compares, passes, and leaves the file alone
    result = run_child(pytester)
    result.assert_outcomes(passed=1)
    assert test_file.read_text() == created

    # 3. the scripted text changes: a plain run fails and changes nothing
    test_file.write_text(created.replace("'It is sunny.']", "'It is cloudy.']", 1))
    changed = test_file.read_text()
    assert changed != created
    result = run_child(pytester)
    assert result.ret != 0
    assert result.parseoutcomes().get('failed') == 1
    assert test_file.read_text() == changed

    # 4. fix: the snapshot follows the new text and keeps its tokens
    run_child(pytester, '--inline-snapshot=fix')
    fixed = snapshot_call(test_file.read_text())
    assert "'It is cloudy.'" in fixed
    assert "'It is sunny.'" not in fixed
    assert fixed.count('<timestamp>') == value.count('<timestamp>')
    assert fixed.count("'<tool_call_id:1>'") == 2
    assert fixed == value.replace("'It is sunny.'", "'It is cloudy.'")

    # 5. and then a plain run passes again
    result = run_child(pytester)
    result.assert_outcomes(passed=1)
