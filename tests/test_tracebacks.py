"""The traceback of a plugin error stops at the user's code: pydantic-ai's internals are not the problem."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fresh import Finished, Launch, fresh_process, pytest_command, write_files

# Imported before any in-process pytester run (see test_guard.py for why).
from pytest_agentrun import RealRequestBlockedError  # noqa: F401  # pyright: ignore[reportUnusedImport]

pytestmark = pytest.mark.usefixtures('close_run_sync_loop')  # the runs inside leave run_sync's loop set

APP = """
from pydantic_ai import Agent

agent = Agent('openai:gpt-5.2')


@agent.tool_plain
def get_weather(city: str) -> str:
    if city == 'Atlantis':
        raise LookupError(f'no weather for {city}')
    return f'Sunny in {city}'


def forecast(city):
    result = agent.run_sync(f'Weather in {city}?')
    return result.output
"""

TESTS = """
import pytest

from app import agent, forecast
from pytest_agentrun import tool_call


@pytest.mark.anyio  # first: the anyio runner would leave the loop of an earlier run_sync unclosed
async def test_exhausted_async(agentrun):
    agentrun.model('openai:gpt-5.2', [])
    await agent.run('Weather in Rome?')


def test_blocked():
    assert forecast('Paris')


def test_exhausted(agentrun):
    agentrun.model('openai:gpt-5.2', [])
    forecast('Paris')


def test_tool_fails(agentrun):
    agentrun.model('openai:gpt-5.2', [tool_call('get_weather', city='Atlantis'), 'never'])
    forecast('Atlantis')
"""

CONFTEST = """
import pytest


@pytest.fixture
def anyio_backend():
    return 'asyncio'
"""


def exact(*lines: str) -> list[str]:
    return [re.sub(r'([\[\]*?])', r'[\1]', line) for line in lines]


PROJECT = {'app.py': APP, 'test_app.py': TESTS, 'conftest.py': CONFTEST}


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    write_files(pytester.path, PROJECT)
    return pytester


def test_the_traceback_of_a_plugin_error_stops_at_the_users_code(project: pytest.Pytester) -> None:
    result = project.runpytest_inprocess('-p', 'no:cacheprovider', '-k', 'blocked or exhausted')
    result.assert_outcomes(failed=3)
    output = result.stdout.str()
    result.stdout.fnmatch_lines(
        exact(
            'test_app.py:14: ',
            '_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ ',
            '',
            "city = 'Paris'",
            '',
            '    def forecast(city):',
            ">       result = agent.run_sync(f'Weather in {city}?')",
        ),
        consecutive=True,
    )
    result.stdout.fnmatch_lines(  # after the caret line Python 3.11 on adds
        exact(
            'E       pytest_agentrun.RealRequestBlockedError: pytest-agentrun blocked a real request to the model '
            "'openai:gpt-5.2', asked by the agent 'agent', in test_app.py::test_blocked.",
        )
    )
    result.stdout.fnmatch_lines(
        [
            '*_ test_exhausted_async _*',
            *exact(">       await agent.run('Weather in Rome?')"),
            'E       pytest_agentrun.ScriptExhaustedError: *',
            'test_app.py:10: ScriptExhaustedError',
            '*_ test_blocked _*',
            'app.py:14: RealRequestBlockedError',
            '*_ test_exhausted _*',
            'app.py:14: ScriptExhaustedError',
        ]
    )
    for line in output.splitlines():
        assert not re.search(r'(pydantic_ai|pydantic_graph|pytest_agentrun|asyncio)/\w+\.py:\d+', line), line
    # The failures section, up to pytest's summary (on CI, where `CI` is set, pytest prints each summary
    # message whole rather than cut to the terminal's width).
    failures = output.split('short test summary info')[0]
    assert len(failures.splitlines()) < 100  # 80 today; 280 with every frame


def fulltrace_run(path: Path) -> Launch:
    write_files(path, PROJECT)
    return Launch(pytest_command('-p', 'no:cacheprovider', '--fulltrace', '-k', 'test_blocked'))


def own_error_run(path: Path) -> Launch:
    write_files(path, PROJECT)
    return Launch(pytest_command('-p', 'no:cacheprovider', '--tb=short', '-k', 'tool_fails'))


# Formatting every frame takes pytest a second: these two run in fresh processes, beside the suite (fresh.py).
@fresh_process(fulltrace_run)
def test_fulltrace_shows_every_frame(fresh_run: Finished) -> None:
    result = fresh_run.result()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            '*/pydantic_ai/*.py:[0-9]*: ',
            'E       pytest_agentrun.RealRequestBlockedError: *',
            '*/pytest_agentrun/*.py:[0-9]*: RealRequestBlockedError',
        ]
    )


@fresh_process(own_error_run)
def test_an_error_of_the_users_own_code_keeps_its_whole_traceback(fresh_run: Finished) -> None:
    result = fresh_run.result()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            '*/pydantic_ai/*.py:[0-9]*: in run_sync',
            'app.py:9: in get_weather',
            'E   LookupError: no weather for Atlantis',
        ]
    )
