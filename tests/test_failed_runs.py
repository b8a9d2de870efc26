"""Records of runs that fail keep what was exchanged; streamed runs give the text the user saw."""

from __future__ import annotations

import json

import pytest
import releases
from pydantic_ai import Agent
from pydantic_ai.exceptions import ModelHTTPError
from pydantic_ai.messages import ModelRequest, ModelResponse

from pytest_agentrun import AgentRunFactory, ScriptExhaustedError, raises, text, tool_call, turn

pytestmark = pytest.mark.usefixtures('close_run_sync_loop')


def weather_agent() -> Agent[None, str]:
    agent = Agent('openai:gpt-5.2')

    @agent.tool_plain
    def get_weather(city: str) -> str:
        if city == 'Atlantis':
            raise ValueError('no such city')
        return f'Sunny in {city}'

    return agent


def kinds(messages: list[object]) -> list[str]:
    return [type(m).__name__ for m in messages]


def test_a_run_that_raises_keeps_what_was_exchanged() -> None:
    agentrun = AgentRunFactory()
    with pytest.raises(ScriptExhaustedError):
        agentrun.run_sync(weather_agent(), 'Weather in Paris?', script=[tool_call('get_weather', city='Paris')])
    run = agentrun.last
    # before: messages == [], and .usage raised
    assert kinds(run.messages) == ['ModelRequest', 'ModelResponse', 'ModelRequest']
    assert kinds(run.new_messages) == kinds(run.messages)
    assert [repr(c) for c in run.tool_calls] == ["get_weather(city='Paris') -> 'Sunny in Paris'"]
    assert run.usage.requests == 1
    if releases.HAS_TOOL_CALLS_COUNTER:  # counted from pydantic-ai 1.0
        assert run.usage.tool_calls == 1
    assert isinstance(run.error, ScriptExhaustedError)
    assert run.result is None
    assert [m['kind'] for m in json.loads(run.all_messages_json())] == ['request', 'response', 'request']
    assert repr(run) == (
        "<RecordedRun 'Weather in Paris?': UserPrompt -> ModelRequest -> CallTools -> ModelRequest; "
        'failed: ScriptExhaustedError>'
    )
    with pytest.raises(AssertionError) as exc_info:
        run.output  # noqa: B018
    assert str(exc_info.value) == (f'{run!r} did not finish, it ended with {run.error!r}, so it has no output')


def test_a_tool_that_raises() -> None:
    agentrun = AgentRunFactory()
    with pytest.raises(ValueError, match='no such city'):
        agentrun.run_sync(weather_agent(), 'Weather?', script=[tool_call('get_weather', city='Atlantis'), 'x'])
    run = agentrun.last
    # (2.x then records an empty request, interrupted by the error)
    assert kinds(run.messages)[:2] == ['ModelRequest', 'ModelResponse']
    assert [repr(c) for c in run.tool_calls] == ["get_weather(city='Atlantis') -> None"]
    assert run.usage.requests == 1
    assert isinstance(run.error, ValueError)


def test_a_provider_error_with_history() -> None:
    agentrun = AgentRunFactory()
    first = agentrun.run_sync(weather_agent(), 'Hi', script=['Hello.'])
    with pytest.raises(ModelHTTPError):
        agentrun.run_sync(
            weather_agent(),
            'Weather?',
            script=[raises(ModelHTTPError(503, 'gpt-5.2'))],
            message_history=first.messages,
        )
    run = agentrun.last
    assert kinds(run.messages) == ['ModelRequest', 'ModelResponse', 'ModelRequest']
    assert kinds(run.new_messages) == ['ModelRequest']
    assert run.usage.requests == 0


@pytest.mark.anyio
async def test_a_run_driven_by_hand_that_fails() -> None:
    agentrun = AgentRunFactory()
    script = [tool_call('get_weather', city='Rome')]
    with pytest.raises(ScriptExhaustedError):  # noqa: PT012 - the error comes while iterating
        async with agentrun.iter(weather_agent(), 'Weather?', script=script) as run:
            async for _ in run:
                pass
    recorded = agentrun.last
    assert kinds(recorded.messages) == ['ModelRequest', 'ModelResponse', 'ModelRequest']
    assert recorded.usage.requests == 1
    assert isinstance(recorded.error, ScriptExhaustedError)


# --- streamed text ---------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_streamed_text_is_what_the_user_saw() -> None:
    script = [
        ['Let me check.', tool_call('get_weather', city='Paris')],
        turn(text(chunks=['Sunny', ' in Paris', '.'])),
    ]
    run = await AgentRunFactory().run(weather_agent(), 'Weather?', script=script, stream=True)
    assert run.text_deltas == ['Let me check.', 'Sunny', ' in Paris', '.']  # 3 words a delta, or as given
    assert run.streamed_text == 'Let me check.Sunny in Paris.'
    assert run.output == 'Sunny in Paris.'


@pytest.mark.anyio
async def test_a_streamed_run_that_fails_keeps_the_text_so_far() -> None:
    agentrun = AgentRunFactory()
    with pytest.raises(ScriptExhaustedError):
        await agentrun.run(
            weather_agent(),
            'Weather?',
            script=[['It is about to rain.', tool_call('get_weather', city='Oslo')]],
            stream=True,
            chunk_words=2,
        )
    run = agentrun.last
    assert run.text_deltas == ['It is ', 'about to ', 'rain.']
    assert run.streamed_text == 'It is about to rain.'
    assert isinstance(run.messages[0], ModelRequest)
    assert isinstance(run.messages[1], ModelResponse)


def test_not_streamed_there_are_no_deltas() -> None:
    run = AgentRunFactory().run_sync(weather_agent(), 'Hi', script=['Hello.'])
    assert run.text_deltas == []
    assert run.streamed_text == ''


# --- as a user writes it -----------------------------------------------------------------------------

TEST_FILE = """
import pytest
from pydantic_ai import Agent
from pytest_agentrun import ScriptExhaustedError, tool_call

agent = Agent('openai:gpt-5.2')


@agent.tool_plain
def get_weather(city: str) -> str:
    return f'Sunny in {city}'


def test_the_agent_asks_once_too_often(agentrun):
    with pytest.raises(ScriptExhaustedError):
        agentrun.run_sync(agent, 'Weather in Paris?', script=[tool_call('get_weather', city='Paris')])
    run = agentrun.last
    assert [c.result for c in run.tool_calls] == ['Sunny in Paris']
    assert run.usage.requests == 1
    assert len(run.messages) == 3
"""


def test_a_user_asserts_on_the_failed_run(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_weather=TEST_FILE)
    pytester.runpytest_inprocess('-p', 'no:cacheprovider').assert_outcomes(passed=1)
