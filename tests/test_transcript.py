"""What the agent did, in the report of a failed test: the terminal, --junitxml, teardown errors.

Under pytest-xdist: test_xdist.py.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import pytest
import releases

from pytest_agentrun._transcript import render

APP = """
from pydantic_ai import Agent, ModelRetry

agent = Agent('openai:gpt-5.2', instructions='Be brief.')


@agent.tool_plain
def get_weather(city: str) -> str:
    if city == 'Atlantis':
        raise ModelRetry('no such city')
    return f'Sunny in {city}'


async def ask(prompt):
    '''Code under test that runs the agent itself.'''
    return (await agent.run(prompt)).output
"""

CONFTEST = """
import pytest


@pytest.fixture
def anyio_backend():
    return 'asyncio'
"""

TESTS = """
import pytest
from pytest_agentrun import tool_call
from app import agent, ask

SCRIPT = [tool_call('get_weather', city='Atlantis'), tool_call('get_weather', city='Paris'), 'It is sunny in Paris.']


def test_wrong_answer(agentrun):
    run = agentrun.run_sync(agent, 'Weather in Paris?', script=SCRIPT)
    assert run.output == 'It rains.'


def test_passes(agentrun):
    assert agentrun.run_sync(agent, 'Hi', script=['Hello.']).output == 'Hello.'


def test_exhausted(agentrun):
    agentrun.run_sync(agent, 'Weather in Oslo?', script=[tool_call('get_weather', city='Oslo')], stream=True)


def test_unused(agentrun):
    agentrun.run_sync(agent, 'Hi', script=['Hello.', 'Anything else?'])


@pytest.mark.anyio
async def test_code_under_test(agentrun):
    agentrun.model('openai:gpt-5.2', ['Hello.'])
    assert await ask('Hi') == 'Bye.'


def test_without_runs(agentrun):
    assert False
"""

RULE = '-' * 29 + ' agentrun transcript ' + '-' * 30


def calls(count: int) -> str:
    """The end of a usage line: its tool calls, where the release counts them (from pydantic-ai 1.0)."""
    if not releases.HAS_TOOL_CALLS_COUNTER:
        return ''
    return f', {count} tool call' + ('s' if count != 1 else '')


WRONG_ANSWER = [
    "run 1 of 1: 'Weather in Paris?' on ScriptedModel('openai:gpt-5.2') (finished)",
    "  instructions: 'Be brief.'",
    "  user: 'Weather in Paris?'",
    "  model (turn 1 of the script): get_weather(city='Atlantis')",
    '  retry get_weather: no such city',
    "  model (turn 2 of the script): get_weather(city='Paris')",
    "  tool get_weather -> 'Sunny in Paris'",
    "  model (turn 3 of the script): 'It is sunny in Paris.'",
    "  output: 'It is sunny in Paris.'",
    '  usage: 3 requests, * input tokens, * output tokens' + calls(1),
]

EXHAUSTED = [
    "run 1 of 1: 'Weather in Oslo?' on ScriptedModel('openai:gpt-5.2'), streamed (failed: ScriptExhaustedError)",
    "  instructions: 'Be brief.'",
    "  user: 'Weather in Oslo?'",
    "  model (turn 1 of the script): get_weather(city='Oslo')",
    "  tool get_weather -> 'Sunny in Oslo'",
]
EXHAUSTED_END = [
    "  error: ScriptExhaustedError: ScriptedModel('openai:gpt-5.2') received request 2, but no scripted turn or "
    'rule answers it.',
    '  usage: 1 request, * input tokens, * output tokens' + calls(1),
]

UNUSED = [
    "run 1 of 1: 'Hi' on ScriptedModel('openai:gpt-5.2') (finished)",
    "  instructions: 'Be brief.'",
    "  user: 'Hi'",
    "  model (turn 1 of the script): 'Hello.'",
    "  output: 'Hello.'",
    '  usage: 1 request, * input tokens, * output tokens' + calls(0),
]

CODE_UNDER_TEST = [
    "ScriptedModel('openai:gpt-5.2'): 1 request from agents the code under test ran",
    "  request 1 from 'agent': [user-prompt 'Hi']",
    "    model (turn 1 of the script): 'Hello.'",
]


def literal(*lines: str) -> list[str]:
    """fnmatch patterns for these lines: `[` and `]` taken literally, `*` still a wildcard."""
    return [re.sub(r'([\[\]?])', r'[\1]', line) for line in lines]


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(app=APP, test_weather=TESTS)
    pytester.makeconftest(CONFTEST)
    return pytester


def test_the_terminal_shows_what_the_agent_did(project: pytest.Pytester) -> None:
    result = project.runpytest_inprocess('-p', 'no:cacheprovider', '--tb=short')
    result.assert_outcomes(passed=2, failed=4, errors=1)  # test_unused passes, then errors at teardown
    output = result.stdout.str()
    assert output.count(RULE) == 4  # the failures and the teardown error of the tests that ran the agent
    result.stdout.fnmatch_lines(
        literal(
            'E     + It is sunny in Paris.',
            RULE,
            *WRONG_ANSWER,
            '*_ test_exhausted _*',
        ),
        consecutive=True,
    )
    result.stdout.fnmatch_lines(literal('E   Add a turn to the script or a rule*', RULE, *EXHAUSTED), consecutive=True)
    result.stdout.fnmatch_lines(literal(*EXHAUSTED_END, '*_ test_code_under_test _*'), consecutive=True)
    result.stdout.fnmatch_lines(
        literal('E     + Hello.', RULE, *CODE_UNDER_TEST, '*_ test_without_runs _*'), consecutive=True
    )
    result.stdout.fnmatch_lines(
        literal('(Or relax it with @pytest.mark.agentrun(strict=False).)', RULE, *UNUSED), consecutive=True
    )
    # a test that ran no agent gets no transcript; a passing test none either
    without = output[output.index('_ test_without_runs _') :]
    assert RULE not in without.split('short test summary')[0]


def test_junitxml_has_it_in_the_failure(project: pytest.Pytester) -> None:
    project.runpytest_inprocess('-p', 'no:cacheprovider', '--tb=short', '--junitxml=report.xml')
    cases = {case.get('name'): case for case in ET.parse(Path(project.path, 'report.xml')).iter('testcase')}
    failure = cases['test_wrong_answer'].find('failure')
    assert failure is not None
    assert failure.text is not None
    assert failure.text.endswith('\n'.join([RULE, *WRONG_ANSWER[:-1]]) + '\n' + failure.text.splitlines()[-1])
    assert re.fullmatch(
        r'  usage: 3 requests, \d+ input tokens, \d+ output tokens' + calls(1), failure.text.splitlines()[-1]
    )
    error = cases['test_unused'].find('error')
    assert error is not None
    assert error.text is not None
    assert RULE + '\n' + UNUSED[0] in error.text
    assert cases['test_passes'].find('failure') is None


def test_nothing_to_tell() -> None:
    assert render(SimpleNamespace(runs=[], models=[])) == ''


def test_the_factory_does_not_outlive_the_test(pytester: pytest.Pytester) -> None:
    # items live for the whole session: a factory left in an item's stash would keep every run's messages
    pytester.makeconftest(
        """
        import pytest
        from pytest_agentrun._reports import FACTORY_KEY

        kept = []


        @pytest.hookimpl(wrapper=True)
        def pytest_runtest_protocol(item, nextitem):
            result = yield
            kept.append(FACTORY_KEY in item.stash)
            return result


        def pytest_terminal_summary(terminalreporter):
            terminalreporter.write_line(f'kept: {kept}')
        """
    )
    pytester.makepyfile(
        """
        from pydantic_ai import Agent

        def test_passes(agentrun):
            agentrun.run_sync(Agent(), 'Hi', script=['Hello.'])

        def test_fails(agentrun):
            agentrun.run_sync(Agent(), 'Hi', script=['Hello.'])
            assert False
        """
    )
    result = pytester.runpytest_inprocess('-p', 'no:cacheprovider')
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(['kept: [[]False, False[]]'])


@pytest.mark.filterwarnings('ignore:`BuiltinTool.*` is deprecated:DeprecationWarning')  # pydantic-ai 1.x emits them
@pytest.mark.usefixtures('close_run_sync_loop')
@pytest.mark.skipif(not releases.HAS_NATIVE_TOOLS, reason='native tools came in pydantic-ai 0.6.2')
def test_native_tools_and_files_in_the_transcript() -> None:
    from releases import HAS_FILE_PART, native_tool_agent

    from pytest_agentrun import AgentRunFactory, file, native_tool_call, native_tool_return

    factory = AgentRunFactory()
    parts = [native_tool_call('web_search', query='x'), native_tool_return('web_search', ['r']), 'Sunny.']
    if HAS_FILE_PART:
        parts.insert(2, file(b'%PDF', media_type='application/pdf'))
    factory.run_sync(native_tool_agent(None), ['Weather?', 'Be brief.'], script=[parts])
    lines = render(factory).splitlines()
    shown_file = '<application/pdf, 4 bytes>, ' if HAS_FILE_PART else ''
    assert lines[:3] == [
        "run 1 of 1: ['Weather?', 'Be brief.'] on ScriptedModel (finished)",
        "  user: ['Weather?', 'Be brief.']",
        f"  model (turn 1 of the script): native web_search(query='x'), native web_search -> ['r'], "
        f"{'file ' + shown_file if HAS_FILE_PART else ''}'Sunny.'",
    ]
