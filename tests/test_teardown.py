"""What the `agentrun` fixture checks at teardown: unused turns and script errors the code under test swallowed."""

from __future__ import annotations

import re

import pytest

# before any in-process pytester run, which drops the modules a run imported once it ends
import pytest_agentrun._standin  # noqa: F401

APP = """
from pydantic_ai import Agent

agent = Agent('openai:gpt-5.2', instructions='Be brief.')


@agent.tool_plain
def get_weather(city: str) -> str:
    return f'Sunny in {city}'


async def ask_safely(prompt):
    '''Code under test that swallows every error of the agent.'''
    try:
        return (await agent.run(prompt)).output
    except Exception:
        return None
"""

CONFTEST = """
import pytest


@pytest.fixture
def anyio_backend():
    return 'asyncio'
"""

UNUSED = """
import pytest
from pytest_agentrun import tool_call
from app import agent

SCRIPT = ['Hello.', tool_call('get_weather', city='Paris'), 'Sunny in Paris.']

def test_unused(agentrun):
    agentrun.model('openai:gpt-5.2', SCRIPT)
    assert agentrun.run_sync(agent, 'Hi').output == 'Hello.'
"""

UNUSED_LINES = [
    "ScriptedModel('openai:gpt-5.2') received 1 request, but 2 scripted turns were never used:",
    "  [used] 1. 'Hello.'",
    "  [    ] 2. tool_call('get_weather', city='Paris')",
    "  [    ] 3. 'Sunny in Paris.'",
    'Remove the unused turns, or find why the agent stopped before reaching them.',
    '(Or relax it with @pytest.mark.agentrun(strict=False).)',
]


def exact(*lines: str) -> list[str]:
    """fnmatch patterns that match these lines exactly (`[`, `]`, `*` and `?` taken literally)."""
    return [re.sub(r'([\[\]*?])', r'[\1]', line) for line in lines]


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(app=APP)
    pytester.makeconftest(CONFTEST)
    return pytester


# --- unused turns ------------------------------------------------------------------------------------


def test_unused_turns_fail_at_teardown(project: pytest.Pytester) -> None:
    project.makepyfile(test_unused=UNUSED)
    result = project.runpytest_inprocess('-rE')
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ['_* ERROR at teardown of test_unused _*', *exact(*UNUSED_LINES)],
        consecutive=True,
    )
    result.stdout.fnmatch_lines(['ERROR test_unused.py::test_unused - Failed: *'])


def test_unused_turns_of_several_models(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_unused="""
        import pytest
        from app import agent

        @pytest.mark.anyio
        async def test_two_models(agentrun):
            agentrun.model('anthropic:claude-sonnet-4-5', ['Never asked.'])
            run = await agentrun.run(agent, 'Hi', script=['Hello.', 'Unused.'])
            assert run.output == 'Hello.'
        """
    )
    result = project.runpytest_inprocess()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        exact(
            "ScriptedModel('anthropic:claude-sonnet-4-5') received 0 requests, but 1 scripted turn was never used:",
            "  [    ] 1. 'Never asked.'",
            'Remove the unused turns, or find why the agent stopped before reaching them.',
            '(Or relax it with @pytest.mark.agentrun(strict=False).)',
            '',
            "ScriptedModel('openai:gpt-5.2') received 1 request, but 1 scripted turn was never used:",
            "  [used] 1. 'Hello.'",
            "  [    ] 2. 'Unused.'",
            'Remove the unused turns, or find why the agent stopped before reaching them.',
            '(Or relax it with @pytest.mark.agentrun(strict=False).)',
        ),
        consecutive=True,
    )


def test_all_turns_used_passes(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_used="""
        from pytest_agentrun import tool_call
        from app import agent

        def test_used(agentrun):
            run = agentrun.run_sync(
                agent, 'Weather?', script=[tool_call('get_weather', city='Paris'), 'Sunny in Paris.']
            )
            assert run.output == 'Sunny in Paris.'
        """
    )
    project.runpytest_inprocess().assert_outcomes(passed=1)


@pytest.mark.parametrize(
    'marker',
    [
        '@pytest.mark.agentrun(strict=False)',
        'pytestmark = pytest.mark.agentrun(strict=False)',
        '@pytest.mark.agentrun(real_requests=False, strict=False)',
    ],
)
def test_strict_false_marker_relaxes(project: pytest.Pytester, marker: str) -> None:
    source = UNUSED.replace('def test_unused', f'{marker}\ndef test_unused')
    project.makepyfile(test_unused=source)
    project.runpytest_inprocess().assert_outcomes(passed=1)


def test_strict_ini_relaxes_and_marker_restores(project: pytest.Pytester) -> None:
    project.makeini('[pytest]\nagentrun_strict = false\n')
    project.makepyfile(
        test_unused=UNUSED
        + """
@pytest.mark.agentrun(strict=True)
def test_unused_strict(agentrun):
    agentrun.model('openai:gpt-5.2', SCRIPT)
    assert agentrun.run_sync(agent, 'Hi').output == 'Hello.'
"""
    )
    result = project.runpytest_inprocess()
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(['_* ERROR at teardown of test_unused_strict _*'])


# --- script errors swallowed by the code under test --------------------------------------------------


def test_swallowed_exhausted_error_fails_at_teardown(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_swallow="""
        import pytest
        from app import agent, ask_safely

        @pytest.mark.anyio
        async def test_swallowed(agentrun):
            agentrun.model('openai:gpt-5.2', ['Hello.'])
            assert await ask_safely('Hi') == 'Hello.'
            assert await ask_safely('Again') is None  # the script is used up: the error is swallowed

        @pytest.mark.anyio
        async def test_swallowed_in_the_test(agentrun):
            agentrun.model('openai:gpt-5.2', [])
            try:
                await agent.run('Hi')
            except Exception:
                pass
        """
    )
    result = project.runpytest_inprocess()
    result.assert_outcomes(passed=2, errors=2)
    result.stdout.fnmatch_lines(
        [
            '_* ERROR at teardown of test_swallowed _*',
            *exact(
                "ScriptedModel('openai:gpt-5.2') received request 2, but no scripted turn or rule answers it, and "
                "the code under test caught the error: the test went on without the model's answer.",
                "Latest message: request [user-prompt 'Again']",
                'Script (1 turn, 1 used):',
                "  [used] 1. 'Hello.'",
                'Add a turn to the script or a rule matching this request, or give default=... (to ScriptedModel, '
                'agentrun.model or agentrun.run) to answer every request the script does not.',
                'If the test is about how your code handles a failing model, script the failure: a turn '
                "raises(error), e.g. raises(ModelHTTPError(503, 'gpt-5.2')).",
            ),
        ],
        consecutive=True,
    )
    result.stdout.fnmatch_lines(
        exact(
            "ScriptedModel('openai:gpt-5.2') received request 1, but no scripted turn or rule answers it, and "
            "the code under test caught the error: the test went on without the model's answer.",
            "Latest message: request [user-prompt 'Hi']",
            'Script (0 turns, 0 used):',
            '  (no turns)',
        ),
        consecutive=True,
    )


def test_swallowed_error_fails_even_when_not_strict(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_swallow="""
        import pytest
        from app import ask_safely

        @pytest.mark.anyio
        @pytest.mark.agentrun(strict=False)
        async def test_swallowed(agentrun):
            agentrun.model('openai:gpt-5.2', [])
            assert await ask_safely('Hi') is None
        """
    )
    result = project.runpytest_inprocess()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        exact(
            "ScriptedModel('openai:gpt-5.2') received request 1, but no scripted turn or rule answers it, and "
            "the code under test caught the error: the test went on without the model's answer."
        )
    )


def test_swallowed_error_and_unused_turns_both_reported(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_swallow="""
        import pytest
        from app import ask_safely

        @pytest.mark.anyio
        async def test_both(agentrun):
            agentrun.model('anthropic:claude-sonnet-4-5', ['Unused.'])
            agentrun.model('openai:gpt-5.2', [])
            assert await ask_safely('Hi') is None
        """
    )
    result = project.runpytest_inprocess()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        exact(
            "ScriptedModel('openai:gpt-5.2') received request 1, but no scripted turn or rule answers it, and "
            "the code under test caught the error: the test went on without the model's answer.",
            "Latest message: request [user-prompt 'Hi']",
            'Script (0 turns, 0 used):',
            '  (no turns)',
            'Add a turn to the script or a rule matching this request, or give default=... (to ScriptedModel, '
            'agentrun.model or agentrun.run) to answer every request the script does not.',
            'If the test is about how your code handles a failing model, script the failure: a turn '
            "raises(error), e.g. raises(ModelHTTPError(503, 'gpt-5.2')).",
            '',
            "ScriptedModel('anthropic:claude-sonnet-4-5') received 0 requests, but 1 scripted turn was never used:",
            "  [    ] 1. 'Unused.'",
        ),
        consecutive=True,
    )


def test_raised_exhausted_error_is_reported_once(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_raised="""
        import pytest
        from app import agent

        @pytest.mark.anyio
        async def test_raised(agentrun):
            agentrun.model('openai:gpt-5.2', [])
            await agent.run('Hi')
        """
    )
    result = project.runpytest_inprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        exact(
            'E       pytest_agentrun.ScriptExhaustedError: '
            "ScriptedModel('openai:gpt-5.2') received request 1, but no scripted turn or rule answers it."
        )
    )


# --- no second error when the test already failed ----------------------------------------------------


def test_failed_test_gets_no_teardown_error(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_failing="""
        import pytest
        from app import ask_safely

        def test_fails_with_unused_turns(agentrun):
            agentrun.model('openai:gpt-5.2', ['Never used.'])
            assert 1 == 2

        @pytest.mark.anyio
        async def test_fails_after_swallowed_error(agentrun):
            agentrun.model('openai:gpt-5.2', [])
            assert await ask_safely('Hi') == 'Hello.'

        def test_passes_after_them(agentrun):
            pass
        """
    )
    result = project.runpytest_inprocess('-p', 'no:randomly')
    result.assert_outcomes(failed=2, passed=1)
    result.stdout.no_fnmatch_line('*ERROR at teardown*')
    result.stdout.no_fnmatch_line('*never used*')
    result.stdout.fnmatch_lines(['E       assert 1 == 2', "E       AssertionError: assert None == 'Hello.'"])


def test_skipped_and_xfailed_tests_get_no_teardown_error(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_other="""
        import pytest

        def test_skipped(agentrun):
            agentrun.model('openai:gpt-5.2', ['Never used.'])
            pytest.skip('not today')

        @pytest.mark.xfail(strict=True)
        def test_xfailed(agentrun):
            agentrun.model('openai:gpt-5.2', ['Never used.'])
            assert False
        """
    )
    result = project.runpytest_inprocess()
    result.assert_outcomes(skipped=1, xfailed=1)


def test_expected_script_error_is_not_reported_again(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_expected="""
        import pytest
        from pytest_agentrun import ScriptExhaustedError, UnknownToolError, tool_call
        from app import agent

        @pytest.mark.anyio
        async def test_expects_exhausted(agentrun):
            with pytest.raises(ScriptExhaustedError):
                await agentrun.run(agent, 'Hi', script=[])

        def test_expects_unknown_tool(agentrun):
            with pytest.raises(UnknownToolError):
                agentrun.run_sync(agent, 'Hi', script=[tool_call('no_such_tool')])
        """
    )
    project.runpytest_inprocess().assert_outcomes(passed=2)
