"""A project using the plugin gives the same results under pytest-xdist (`-n 2`) as without it."""

from __future__ import annotations

import pytest
from projects import WEATHER_APP

pytest.importorskip('xdist')


CONFTEST = """
import pytest


@pytest.fixture
def anyio_backend():
    return 'asyncio'
"""

TESTS = """
import pytest
from pytest_agentrun import RealRequestBlockedError, assert_nodes, assert_tool_calls, tool_call
from app import agent

SCRIPT = [tool_call('get_weather', city='Paris'), 'Sunny in Paris.']


@pytest.mark.parametrize('city', ['Paris', 'Rome', 'Oslo', 'Lima'])
def test_run_sync(agentrun, city):
    run = agentrun.run_sync(agent, 'Weather?', script=[tool_call('get_weather', city=city), f'Sunny in {city}.'])
    assert run.output == f'Sunny in {city}.'
    assert_tool_calls(run, [tool_call('get_weather', city=city)])


@pytest.mark.anyio
async def test_named_model(agentrun):
    agentrun.model('openai:gpt-5.2', SCRIPT)
    assert (await agent.run('Weather?')).output == 'Sunny in Paris.'


@pytest.mark.anyio
async def test_iter(agentrun):
    async with agentrun.iter(agent, 'Weather?', script=SCRIPT) as agent_run:
        async for _ in agent_run:
            pass
    assert_nodes(agentrun.last, 'UserPrompt -> (ModelRequest -> CallTools) * 2 -> End')


@pytest.mark.anyio
async def test_blocked():
    with pytest.raises(RealRequestBlockedError, match='test_project.py::test_blocked'):
        await agent.run('Hi')


@pytest.mark.anyio
async def test_unscripted_fails():
    await agent.run('Hi')


def test_unused_turns(agentrun):
    agentrun.model('openai:gpt-5.2', ['Hello.', 'Never used.'])
    assert agentrun.run_sync(agent, 'Hi').output == 'Hello.'


@pytest.mark.agentrun(strict=False)
def test_unused_turns_relaxed(agentrun):
    agentrun.model('openai:gpt-5.2', ['Hello.', 'Never used.'])
    assert agentrun.run_sync(agent, 'Hi').output == 'Hello.'
"""

OUTCOMES = {'passed': 9, 'failed': 1, 'errors': 1}


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(app=WEATHER_APP, test_project=TESTS)
    pytester.makeconftest(CONFTEST)
    return pytester


def check(result: pytest.RunResult) -> None:
    result.assert_outcomes(**OUTCOMES)
    result.stdout.fnmatch_lines(
        [
            '*RealRequestBlockedError: pytest-agentrun blocked a real request to the model '
            "'openai:gpt-5.2', asked by the agent 'agent', in test_project.py::test_unscripted_fails.",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "ScriptedModel('openai:gpt-5.2') received 1 request, but 1 scripted turn was never used:",
            "  [[]used[]] 1. 'Hello.'",
            "  [[]    []] 2. 'Never used.'",
        ],
        consecutive=True,
    )


def test_same_results_with_and_without_xdist(project: pytest.Pytester) -> None:
    check(project.runpytest_inprocess('-p', 'no:cacheprovider'))
    with_xdist = project.runpytest_inprocess('-p', 'no:cacheprovider', '-n', '2')
    check(with_xdist)
    with_xdist.stdout.fnmatch_lines(['created: 2/2 workers'])
