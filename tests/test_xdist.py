"""A project using every feature of the plugin gives the same results under pytest-xdist (`-n 2`) as without it.

Scripted runs, blocked requests, unused turns failing at teardown, transcripts in the reports, cassettes recorded
by the workers and summarised by the controller, doc examples rewritten by the controller alone (once per file)
or refused: one project holds them all, so that one xdist session (two worker processes, each importing
pydantic-ai) checks every feature that crosses from the workers to the controller.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from fresh import Finished, Launch, fresh_process, pytest_command, write_files
from projects import WEATHER_APP
from servers.openai_chat import FakeOpenAI
from test_cassette import MODEL, needs_openai
from test_docs_plugin import FRESH_PAGE, RIVER_PAGE, RULES_CONFTEST, STALE_PAGE, exact

pytest.importorskip('xdist')


# Logs each file os.replace writes (how the docs and cassettes are written), with the process that wrote it
WRITE_LOG = """
import os

import pytest

_replace = os.replace


def pytest_configure(config):
    role = 'worker' if hasattr(config, 'workerinput') else 'controller'

    def logged_replace(src, dst):
        with open(os.path.join(str(config.rootpath), 'writes.log'), 'a') as log:
            log.write(f'{role} {os.path.basename(dst)}\\n')
        _replace(src, dst)

    os.replace = logged_replace
"""


CONFTEST = (
    RULES_CONFTEST
    + WRITE_LOG
    + """

@pytest.fixture
def anyio_backend():
    return 'asyncio'
"""
)

RECORDED_APP = """
from pydantic_ai import Agent

agent = Agent(MODEL, instructions='Be brief.')


@agent.tool_plain
def get_weather(city: str) -> str:
    return f'Sunny in {city}'
""".replace('MODEL', repr(MODEL))

RECORDED = """
import pytest

from recorded_app import agent


@pytest.mark.anyio
@pytest.mark.agentrun(cassette=True)
async def test_recorded():
    result = await agent.run('What is the weather in Paris?')
    assert result.output == 'The forecast says: Sunny in Paris.'
"""
CASSETTE = 'cassettes/test_recorded/test_recorded.json'

STALE_RIVERS = RIVER_PAGE.replace('#> The Tiber runs', '#> The Po runs').replace('#> model: claude', '#> model: gpt')

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

OUTCOMES = {'passed': 9 + 1 + 7, 'failed': 1, 'errors': 1}  # test_project.py, the cassette, the doc examples
ARGS = ('-p', 'no:cacheprovider', '--agentrun-docs', '--agentrun-update-docs')
RULE = '-' * 29 + ' agentrun transcript ' + '-' * 30


def project(path: Path) -> Launch:
    """The project, and its run under xdist, which records the cassette against a local server."""
    files = {
        'app.py': WEATHER_APP,
        'test_project.py': TESTS,
        'recorded_app.py': RECORDED_APP,
        'test_recorded.py': RECORDED,
        'conftest.py': CONFTEST,
    }
    write_files(path, files)
    for name in ('one', 'two', 'three'):
        (path / f'{name}.md').write_text(STALE_RIVERS)
    (path / 'linked.md').write_text(STALE_PAGE)
    os.link(path / 'linked.md', path / 'linked-copy.txt')
    server = FakeOpenAI().start()
    env = {'OPENAI_BASE_URL': server.base_url, 'OPENAI_API_KEY': 'test-key'}
    return Launch(pytest_command(*ARGS, '--agentrun-record', '-n', '2'), env, server, server.stop)


def check(result: pytest.RunResult) -> None:
    result.assert_outcomes(**OUTCOMES)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            '*RealRequestBlockedError: pytest-agentrun blocked a real request to the model '
            "'openai:gpt-5.2', asked by the agent 'agent', in test_project.py::test_unscripted_fails.",
        ]
    )
    result.stdout.fnmatch_lines(  # the failure at teardown, with what the agent did
        [
            "ScriptedModel('openai:gpt-5.2') received 1 request, but 1 scripted turn was never used:",
            "  [[]used[]] 1. 'Hello.'",
            "  [[]    []] 2. 'Never used.'",
            *exact(
                'Remove the unused turns, or find why the agent stopped before reaching them.',
                '(Or relax it with @pytest.mark.agentrun(strict=False).)',
                RULE,
                "run 1 of 1: 'Hi' on ScriptedModel('openai:gpt-5.2') (finished)",
                "  instructions: 'Be brief.'",
                "  user: 'Hi'",
                "  model (turn 1 of the script): 'Hello.'",
                "  output: 'Hello.'",
            ),
        ],
        consecutive=True,
    )
    result.stdout.fnmatch_lines(
        [
            'linked.md: not rewritten: it has 2 hard links *',
            *exact(
                '1 doc file not rewritten, so this run fails; fix what is named above and run pytest '
                '--agentrun-update-docs again.'
            ),
        ],
        consecutive=True,
    )


@needs_openai
@fresh_process(project)
def test_same_results_with_and_without_xdist(
    fresh_run: Finished, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_xdist = fresh_run.result()
    check(with_xdist)
    with_xdist.stdout.fnmatch_lines(['created: 2/2 workers'])
    # the workers recorded the cassette; the controller, which prints the summary, learnt of it from their reports
    with_xdist.stdout.fnmatch_lines(['*- pytest-agentrun: cassettes recorded -*', f'recorded {CASSETTE}'])
    server: FakeOpenAI = fresh_run.context
    assert len(server.requests) == 2
    # the workers ran the examples; the controller alone rewrote each page, once
    with_xdist.stdout.fnmatch_lines(
        [
            '*- pytest-agentrun: doc examples rewritten -*',
            'one.md: line 5, line 25',
            'three.md: line 5, line 25',
            'two.md: line 5, line 25',
        ],
        consecutive=True,
    )
    writes = (fresh_run.path / 'writes.log').read_text().splitlines()
    assert sorted(w for w in writes if w.endswith('.md')) == [
        'controller one.md',
        'controller three.md',
        'controller two.md',
    ]
    for name in ('one', 'two', 'three'):
        assert (fresh_run.path / f'{name}.md').read_text() == RIVER_PAGE
    assert (fresh_run.path / 'linked.md').read_text() == STALE_PAGE != FRESH_PAGE

    # without xdist, in this process: the pages now pass as they are, the cassette replays (the server is gone)
    shutil.copytree(fresh_run.path, pytester.path, dirs_exist_ok=True, symlinks=True)
    os.unlink(pytester.path / 'linked-copy.txt')  # copied as a file of its own: link it again
    os.link(pytester.path / 'linked.md', pytester.path / 'linked-copy.txt')
    monkeypatch.setenv('OPENAI_BASE_URL', server.base_url)
    monkeypatch.setenv('OPENAI_API_KEY', 'test-key')
    without = pytester.runpytest_inprocess(*ARGS)
    check(without)
    assert 'doc examples rewritten' not in without.stdout.str()
    assert 'cassettes recorded' not in without.stdout.str()
