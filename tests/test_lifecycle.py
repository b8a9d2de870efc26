"""The plugin across a pytest session's life: before the conftests, between tests, after the session, nested.

Agents are often built by the code a `conftest.py` imports, which pytest does before configuring plugins;
pydantic-ai may be imported before pytest starts (by another plugin, or by the program calling
`pytest.main()`); a session ends and the program goes on; a test runs a pytester session inside itself.
Those that depend on what a fresh process has imported run in one (tests/fresh.py).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import textwrap
from pathlib import Path

# Imported before any in-process pytester run: pytester drops the modules imported while it is in use, and
# pydantic cannot import twice into one process.
import pydantic_ai  # noqa: F401  # pyright: ignore[reportUnusedImport]
import pytest
from fresh import Finished, Launch, fresh_process, pytest_command, python, write_files
from projects import WEATHER_APP
from servers.openai_chat import FakeOpenAI
from test_cassette import MODEL

needs_openai = pytest.mark.skipif(
    importlib.util.find_spec('openai') is None, reason='the real model needs the openai SDK (pip install -e ".[dev]")'
)

CONFTEST_IMPORTS_THE_APP = """
import pytest

from app import agent  # imported, and the agent built, before pytest configures its plugins


@pytest.fixture
def anyio_backend():
    return 'asyncio'
"""

GUARDED = """
import pytest
from pydantic_ai import models

from pytest_agentrun import RealRequestBlockedError, StandInModel
from app import agent


def test_the_conftest_agent_stands_in():
    assert isinstance(agent.model, StandInModel)
    assert models.ALLOW_MODEL_REQUESTS is False


def test_the_conftest_agent_is_scripted(agentrun):
    agentrun.model('openai:gpt-5.2', ['Sunny in Paris.'])
    assert agent.run_sync('Weather in Paris?').output == 'Sunny in Paris.'


def test_the_conftest_agent_is_blocked():
    with pytest.raises(RealRequestBlockedError, match="'openai:gpt-5.2', asked by the agent 'agent', in test_app"):
        agent.run_sync('Weather in Paris?')
"""


RECORDED = """
import pytest

from app import agent


@pytest.mark.anyio
@pytest.mark.agentrun(cassette=True)
async def test_weather():
    result = await agent.run('What is the weather in Paris?')
    assert result.output == 'The forecast says: Sunny in Paris.'
"""


def record(path: Path) -> Launch:
    app = WEATHER_APP.replace("'openai:gpt-5.2'", repr(MODEL))
    write_files(path, {'app.py': app, 'test_app.py': RECORDED, 'conftest.py': CONFTEST_IMPORTS_THE_APP})
    server = FakeOpenAI().start()
    env = {'OPENAI_BASE_URL': server.base_url, 'OPENAI_API_KEY': 'test-key'}
    return Launch(pytest_command('-q', '-p', 'no:cacheprovider', '--agentrun-record'), env, server, server.stop)


@needs_openai
@fresh_process(record)
def test_an_agent_a_conftest_builds_is_recorded_then_replayed(
    fresh_run: Finished, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert fresh_run.returncode == 0, fresh_run.stdout + fresh_run.stderr
    assert 'recorded cassettes/test_app/test_weather.json' in fresh_run.stdout.splitlines()
    assert fresh_run.stdout.splitlines()[-1].startswith('1 passed'), fresh_run.stdout
    server: FakeOpenAI = fresh_run.context
    assert len(server.requests) == 2

    # the server is gone; in this process: the recording, in a fresh one, showed the conftest's agent guarded
    shutil.copytree(fresh_run.path, pytester.path, dirs_exist_ok=True)
    monkeypatch.setenv('OPENAI_BASE_URL', server.base_url)
    monkeypatch.setenv('OPENAI_API_KEY', 'test-key')
    replayed = pytester.runpytest_inprocess('-p', 'no:cacheprovider')
    replayed.assert_outcomes(passed=1)


AFTER_THE_SESSION = """
import json
import sys

import pydantic_ai.models as models  # imported before pytest starts, as another plugin or the program may

before = (models.infer_model, models.ALLOW_MODEL_REQUESTS)

import os

import pytest

# no OPENAI_API_KEY: the agent the conftest builds would fail to import, were it not a stand-in
code = pytest.main(['-q', '-p', 'no:cacheprovider', 'test_app.py'])
after = (models.infer_model, models.ALLOW_MODEL_REQUESTS)

from pydantic_ai import Agent

os.environ['OPENAI_API_KEY'] = 'test-key'  # for the real model, after the session

import app  # built during the session, by the conftest: its stand-in is the real model now

print(json.dumps({
    'code': int(code),
    'restored': after == before,
    'allow_model_requests': models.ALLOW_MODEL_REQUESTS,
    'new_agent_model': type(Agent(app.MODEL).model).__name__,
    'old_agent_answer': app.agent.run_sync('Hi').output,
}))
"""


def after_the_session(path: Path) -> Launch:
    app = f'MODEL = {MODEL!r}\n' + WEATHER_APP.replace("'openai:gpt-5.2'", 'MODEL')
    test = GUARDED.replace("'openai:gpt-5.2'", repr(MODEL))
    write_files(path, {'app.py': app, 'test_app.py': test, 'conftest.py': CONFTEST_IMPORTS_THE_APP})
    server = FakeOpenAI().start()
    # no OPENAI_API_KEY during the session (the script sets one after it, for the real model)
    env = {'OPENAI_BASE_URL': server.base_url, 'OPENAI_API_KEY': ''}
    return Launch(python(textwrap.dedent(AFTER_THE_SESSION)), env=env, close=server.stop)


@needs_openai
@fresh_process(after_the_session)
def test_an_agent_a_conftest_builds_is_guarded_and_after_pytest_main_pydantic_ai_is_as_it_was(
    fresh_run: Finished,
) -> None:
    assert fresh_run.returncode == 0, fresh_run.stdout + fresh_run.stderr
    report = json.loads(fresh_run.stdout.strip().splitlines()[-1])
    assert report == {
        'code': 0,
        'restored': True,
        'allow_model_requests': True,
        'new_agent_model': 'OpenAIChatModel',
        'old_agent_answer': 'You said: Hi',
    }


NESTED = """
import json
from pathlib import Path

import pytest
from pydantic_ai import Agent, models

pytest_plugins = ['pytester']

agent = Agent('openai:gpt-5.2')
replayed = Agent('openai:gpt-4o')

CASSETTE = {
    'runs': [
        {
            'model': 'openai:gpt-4o',
            'requests': [{'request': {}, 'response': {'parts': [{'kind': 'text', 'content': 'From the cassette.'}]}}],
        }
    ],
    'version': 1,
}


@pytest.fixture
def cassette():
    path = Path(__file__).parent / 'cassettes' / 'test_outer' / 'test_outer.json'
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(CASSETTE))


@pytest.mark.agentrun(real_requests=True, cassette=True, match_on=[])
def test_outer(cassette, agentrun, pytester):
    agentrun.model('openai:gpt-5.2', ['Outer answer.'])
    pytester.makepyfile(
        test_inner='''
from pydantic_ai import models

def test_inner_is_blocked():
    assert models.ALLOW_MODEL_REQUESTS is False
'''
    )
    pytester.runpytest_inprocess('-p', 'no:cacheprovider').assert_outcomes(passed=1)
    assert models.ALLOW_MODEL_REQUESTS is True  # the outer test allows real requests
    assert agent.run_sync('Hi').output == 'Outer answer.'  # its script still answers
    assert replayed.run_sync('Hi').output == 'From the cassette.'  # and its cassette still replays
"""


@pytest.mark.usefixtures('close_run_sync_loop')
def test_a_nested_session_leaves_the_outer_test_as_it_was(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_outer=NESTED)
    result = pytester.runpytest_inprocess('-p', 'no:cacheprovider')
    result.assert_outcomes(passed=1)
