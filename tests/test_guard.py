"""The guard on real model requests, as users meet it in a pytest run: blocked by default, allowed on request."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from fresh import Finished, Launch, fresh_process, pytest_command, write_files
from projects import WEATHER_APP
from pydantic_ai import models

# Imported here, before any in-process pytester run: pytester drops the modules a run imported once it ends,
# and a child run that imported `standin` first would leave the next one with a second RealRequestBlockedError.
from pytest_agentrun import RealRequestBlockedError, ScriptError

CONFTEST = """
import pytest
from pydantic_ai import models

from pytest_agentrun import RealRequestBlockedError

from app import agent


@pytest.fixture
def anyio_backend():
    return 'asyncio'


@pytest.fixture
def outcome(agentrun):
    '''What a request through the import-time agent does: 'blocked', or 'real' (the real model was built).'''

    async def attempt():
        try:
            with agentrun.expect_blocked():
                await agent.run('Hi')
        except RealRequestBlockedError:
            assert models.ALLOW_MODEL_REQUESTS is False
            return 'blocked'
        except ImportError as error:  # the openai SDK is not installed: the stand-in tried the real model
            assert 'openai' in str(error)
            assert models.ALLOW_MODEL_REQUESTS is True
            return 'real'
        except Exception as error:  # the SDK is installed, but there is no API key: the real model was built
            assert 'api_key' in str(error).lower(), error
            assert models.ALLOW_MODEL_REQUESTS is True
            return 'real'
        raise AssertionError('the request neither was blocked nor reached the real model')

    return attempt
"""

needs_no_openai = pytest.mark.skipif(
    importlib.util.find_spec('openai') is not None,
    reason='checks the ImportError of a real model whose SDK is missing; the openai SDK is installed',
)


def exact(*lines: str) -> list[str]:
    """fnmatch patterns that match these lines exactly (`[`, `]`, `*` and `?` taken literally)."""
    return [re.sub(r'([\[\]*?])', r'[\1]', line) for line in lines]


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.delenv('OPENAI_API_KEY', raising=False)
    pytester.makepyfile(app=WEATHER_APP)
    pytester.makeconftest(CONFTEST)
    return pytester


# --- blocked by default ------------------------------------------------------------------------------


def test_blocked_by_default(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_blocked="""
        import pytest
        from app import agent

        @pytest.mark.anyio
        async def test_weather():
            await agent.run('Weather in Paris?')
        """
    )
    result = project.runpytest_inprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        exact(
            'E       pytest_agentrun.RealRequestBlockedError: pytest-agentrun blocked a real request to the '
            "model 'openai:gpt-5.2', asked by the agent 'agent', in test_blocked.py::test_weather.",
            'E       Tests must not call a paid model API by accident. Script the model instead:',
            "E           agentrun.model('openai:gpt-5.2', script=[...])   # with the agentrun fixture",
            "E           agentrun.model('openai:gpt-5.2', script=[...], agent=agent)   # for the agent 'agent' only",
            'E           agentrun.run(agent, prompt, script=[...])',
            'E       or replay its answers from a cassette: @pytest.mark.agentrun(cassette=True), recorded once with',
            'E       --agentrun-record; or allow real requests: @pytest.mark.agentrun(real_requests=True) on the test,',
            'E       class or module, the ini option agentrun_real_requests = true, or --agentrun-real-requests.',
        ),
        consecutive=True,
    )


def test_blocked_names_a_test_in_a_class_and_a_streamed_request(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_blocked="""
        import pytest
        from app import agent

        class TestWeather:
            @pytest.mark.anyio
            async def test_stream(self):
                async with agent.run_stream('Hi') as result:
                    await result.get_output()
        """
    )
    result = project.runpytest_inprocess('-rf')
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        exact(
            'E       pytest_agentrun.RealRequestBlockedError: pytest-agentrun blocked a real request to the '
            "model 'openai:gpt-5.2', asked by the agent 'agent', in test_blocked.py::TestWeather::test_stream.",
            'E       Tests must not call a paid model API by accident. Script the model instead:',
        ),
        consecutive=True,
    )
    result.stdout.fnmatch_lines(['FAILED test_blocked.py::TestWeather::test_stream - pytest_agentrun.RealReque*'])


def test_blocked_with_the_fixture_when_another_model_is_scripted(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_blocked="""
        import pytest
        from pytest_agentrun import RealRequestBlockedError
        from app import agent

        @pytest.mark.anyio
        async def test_other_model_scripted(agentrun):
            agentrun.model('openai:gpt-4o', script=['Hello.'], default=None)
            with agentrun.expect_blocked(), pytest.raises(
                RealRequestBlockedError, match="blocked a real request to the model 'openai:gpt-5.2'"
            ):
                await agent.run('Hi')
            assert (await agent.run('Hi', model='openai:gpt-4o')).output == 'Hello.'

        @pytest.mark.anyio
        async def test_scripted_model_answers(agentrun):
            agentrun.model('openai:gpt-5.2', script=['Hello.'])
            assert (await agent.run('Hi')).output == 'Hello.'
        """
    )
    result = project.runpytest_inprocess()
    result.assert_outcomes(passed=2)


def test_blocked_error_is_a_script_error() -> None:
    assert issubclass(RealRequestBlockedError, ScriptError)
    assert issubclass(RealRequestBlockedError, AssertionError)


def test_allow_model_requests_is_false_during_a_test() -> None:
    assert models.ALLOW_MODEL_REQUESTS is False


@pytest.mark.agentrun(real_requests=True)
def test_allow_model_requests_is_true_when_allowed() -> None:
    assert models.ALLOW_MODEL_REQUESTS is True


def test_pydantic_ai_guard_blocks_real_models(project: pytest.Pytester) -> None:
    """A test that builds a real model object (not a string) still meets pydantic-ai's own guard."""
    project.makepyfile(
        test_real_model="""
        import pytest
        from pydantic_ai import models
        from pydantic_ai.models.test import TestModel

        def test_guard_on():
            assert models.ALLOW_MODEL_REQUESTS is False
            with pytest.raises(RuntimeError, match='ALLOW_MODEL_REQUESTS'):
                models.check_allow_model_requests()

        @pytest.mark.agentrun(real_requests=True)
        def test_guard_off():
            assert models.ALLOW_MODEL_REQUESTS is True
            models.check_allow_model_requests()
        """
    )
    result = project.runpytest_inprocess()
    result.assert_outcomes(passed=2)


# --- allowed by marker, ini and command line ---------------------------------------------------------


def test_allowed_per_test_class_and_module_closest_marker_wins(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_module_allows="""
        import pytest

        pytestmark = [pytest.mark.anyio, pytest.mark.agentrun(real_requests=True)]

        async def test_module_allows(outcome):
            assert await outcome() == 'real'

        @pytest.mark.agentrun(real_requests=False)
        async def test_test_forbids(outcome):
            assert await outcome() == 'blocked'

        @pytest.mark.agentrun(real_requests=False)
        class TestClassForbids:
            async def test_class_forbids(self, outcome):
                assert await outcome() == 'blocked'

            @pytest.mark.agentrun(real_requests=True)
            async def test_test_allows_again(self, outcome):
                assert await outcome() == 'real'

            @pytest.mark.agentrun(strict=False)
            async def test_other_option_keeps_class_choice(self, outcome):
                assert await outcome() == 'blocked'
        """,
        test_default="""
        import pytest

        pytestmark = pytest.mark.anyio

        async def test_default_blocks(outcome):
            assert await outcome() == 'blocked'

        @pytest.mark.agentrun(real_requests=True)
        async def test_test_allows(outcome):
            assert await outcome() == 'real'

        @pytest.mark.agentrun(real_requests=True)
        class TestClassAllows:
            async def test_class_allows(self, outcome):
                assert await outcome() == 'real'

        async def test_allowing_does_not_leak_to_the_next_test(outcome):
            assert await outcome() == 'blocked'
        """,
    )
    result = project.runpytest_inprocess('-v', '-p', 'no:randomly')
    result.assert_outcomes(passed=9)
    result.stdout.fnmatch_lines(
        [
            'test_default.py::test_default_blocks PASSED*',
            'test_default.py::test_test_allows PASSED*',
            'test_default.py::TestClassAllows::test_class_allows PASSED*',
            'test_default.py::test_allowing_does_not_leak_to_the_next_test PASSED*',
            'test_module_allows.py::test_module_allows PASSED*',
            'test_module_allows.py::test_test_forbids PASSED*',
            'test_module_allows.py::TestClassForbids::test_class_forbids PASSED*',
            'test_module_allows.py::TestClassForbids::test_test_allows_again PASSED*',
            'test_module_allows.py::TestClassForbids::test_other_option_keeps_class_choice PASSED*',
        ],
        consecutive=True,
    )


def test_allowed_by_ini(project: pytest.Pytester) -> None:
    project.makeini('[pytest]\nagentrun_real_requests = true\n')
    project.makepyfile(
        test_ini="""
        import pytest

        pytestmark = pytest.mark.anyio

        async def test_ini_allows(outcome):
            assert await outcome() == 'real'

        @pytest.mark.agentrun(real_requests=False)
        async def test_marker_beats_ini(outcome):
            assert await outcome() == 'blocked'

        async def test_fixture_sees_it(agentrun):
            assert agentrun.options.real_requests is True
        """
    )
    result = project.runpytest_inprocess()
    result.assert_outcomes(passed=3)


def test_ini_false_keeps_blocking(project: pytest.Pytester) -> None:
    project.makeini('[pytest]\nagentrun_real_requests = false\n')
    project.makepyfile(
        test_ini="""
        import pytest

        @pytest.mark.anyio
        async def test_ini_blocks(outcome):
            assert await outcome() == 'blocked'
        """
    )
    result = project.runpytest_inprocess()
    result.assert_outcomes(passed=1)


def test_allowed_by_command_line(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_cli="""
        import pytest

        pytestmark = pytest.mark.anyio

        async def test_cli_allows(outcome):
            assert await outcome() == 'real'

        @pytest.mark.agentrun(real_requests=False)
        async def test_marker_beats_cli(outcome):
            assert await outcome() == 'blocked'
        """
    )
    assert project.runpytest_inprocess('--agentrun-real-requests').parseoutcomes() == {'passed': 2}
    without = project.runpytest_inprocess()
    without.assert_outcomes(passed=1, failed=1)
    without.stdout.fnmatch_lines(["E       AssertionError: assert 'blocked' == 'real'"])


@needs_no_openai
def test_allowed_real_model_without_sdk_fails_with_import_error(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_real="""
        import pytest
        from app import agent

        @pytest.mark.anyio
        @pytest.mark.agentrun(real_requests=True)
        async def test_real():
            await agent.run('Hi')
        """
    )
    result = project.runpytest_inprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(['E       ImportError: Please install *openai*'])
    result.stdout.no_fnmatch_line('*RealRequestBlockedError*')


# --- bad marker use ----------------------------------------------------------------------------------

BAD_MARKERS = [
    pytest.param(
        '@pytest.mark.agentrun(True)',
        'test_bad.py::test_bad: @pytest.mark.agentrun takes keyword options only (real_requests, strict, '
        'cassette, record, match_on), got positional (True,)',
        id='positional',
    ),
    pytest.param(
        '@pytest.mark.agentrun(real_request=True)',
        "test_bad.py::test_bad: @pytest.mark.agentrun has no option 'real_request'; options: real_requests, strict, "
        'cassette, record, match_on',
        id='unknown-option',
    ),
    pytest.param(
        "@pytest.mark.agentrun(strict='no')",
        "test_bad.py::test_bad: @pytest.mark.agentrun(strict=...) takes True or False, got 'no'",
        id='not-a-bool',
    ),
]


@pytest.mark.parametrize(('marker', 'message'), BAD_MARKERS)
@pytest.mark.parametrize('with_fixture', [False, True], ids=['plain', 'fixture'])
def test_bad_marker_fails_the_test(project: pytest.Pytester, marker: str, message: str, with_fixture: bool) -> None:
    argument = 'agentrun' if with_fixture else ''
    project.makepyfile(
        test_bad=f"""
        import pytest

        {marker}
        def test_bad({argument}):
            pass

        def test_good():
            pass
        """
    )
    result = project.runpytest_inprocess()
    assert 'INTERNALERROR' not in result.stdout.str()
    outcomes = result.parseoutcomes()
    assert outcomes.get('passed') == 1
    assert outcomes.get('failed', 0) + outcomes.get('errors', 0) == 1
    result.stdout.fnmatch_lines(exact(message))


# --- registration: --strict-markers, --help, --markers ----------------------------------------------


def test_marker_is_registered_under_strict_markers(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_marked="""
        import pytest

        pytestmark = pytest.mark.agentrun(strict=False)

        @pytest.mark.agentrun(real_requests=False)
        class TestMarked:
            @pytest.mark.agentrun(strict=True)
            def test_marked(self):
                pass
        """
    )
    result = project.runpytest_inprocess('--strict-markers', '--strict-config', '-W', 'error')
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line('*warning*')


def test_help_lists_the_option_in_an_agentrun_group(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess('--help')
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            'pytest-agentrun: scripted models for pydantic-ai agents:',
            '  --agentrun-real-requests*',
        ],
        consecutive=True,
    )
    result.stdout.fnmatch_lines(['*let agents whose model string has no script call the*'])
    result.stdout.fnmatch_lines(['  agentrun_real_requests (bool):*'])
    result.stdout.fnmatch_lines(['  agentrun_strict (bool):*'])


def test_markers_lists_the_agentrun_marker(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess('--markers')
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        exact(
            '@pytest.mark.agentrun(*, real_requests=False, strict=True, cassette=False, record=False, match_on=[...]): '
            'pytest-agentrun options for a test, class or module (the closest marker wins): real_requests lets '
            'unscripted model strings call the real model; strict=False lets scripted turns and recorded requests go '
            'unused; cassette=True (or a file stem) replays unscripted model strings from a cassette beside the test '
            'module; record=True records it against the real model; match_on picks what a replayed request is '
            'compared on (prompt, instructions, tools, tool_returns, history).'
        )
    )


# --- importing the guard's names before pydantic-ai --------------------------------------------------


def import_first(path: Path, name: str) -> Launch:
    test = f"""
        import pytest
        from pytest_agentrun import {name}
        from pydantic_ai import Agent
        from pytest_agentrun import RealRequestBlockedError, StandInModel

        def test_first():
            agent = Agent('openai:gpt-5.2')
            assert isinstance(agent.model, StandInModel)
            with pytest.raises(RealRequestBlockedError):
                agent.run_sync('Hi')
        """
    write_files(path, {'test_first.py': test})
    return Launch(pytest_command('-q', '-p', 'no:cacheprovider'))  # a fresh process: pydantic-ai not imported


@pytest.mark.parametrize('name', ['RealRequestBlockedError', 'StandInModel'])
@fresh_process(import_first)
def test_import_blocked_error_first(fresh_run: Finished, name: str) -> None:
    assert fresh_run.returncode == 0, fresh_run.stdout + fresh_run.stderr
    assert fresh_run.stdout.splitlines()[-1].startswith('1 passed'), fresh_run.stdout


# --- blocked requests the code under test catches ----------------------------------------------------

FALLBACK_APP = """
from pydantic_ai import Agent

agent = Agent('openai:gpt-5.2')


def answer_or_fallback(prompt):
    try:
        return agent.run_sync(prompt).output
    except Exception:
        return 'Sorry, try again later.'
"""


@pytest.mark.usefixtures('close_run_sync_loop')
def test_a_blocked_request_the_code_catches_fails_at_teardown(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(fallback=FALLBACK_APP)
    pytester.makepyfile(
        test_fallback="""
        import pytest
        from pytest_agentrun import RealRequestBlockedError
        from fallback import agent, answer_or_fallback

        def test_no_fixture():
            assert answer_or_fallback('Hi') == 'Sorry, try again later.'

        def test_with_fixture(agentrun):
            agentrun.model('openai:gpt-4o', ['Unused: the agent asks another model.'])
            assert answer_or_fallback('Hi') == 'Sorry, try again later.'

        def test_expected(agentrun):
            with agentrun.expect_blocked():
                assert answer_or_fallback('Hi') == 'Sorry, try again later.'

        def test_caught_by_the_test():
            with pytest.raises(RealRequestBlockedError):
                agent.run_sync('Hi')
        """
    )
    result = pytester.runpytest_inprocess('-p', 'no:randomly')
    result.assert_outcomes(passed=4, errors=2)
    result.stdout.fnmatch_lines(
        [
            '_* ERROR at teardown of test_no_fixture _*',
            *exact(
                "pytest-agentrun blocked a real request to the model 'openai:gpt-5.2', asked by the agent 'agent', in "
                'test_fallback.py::test_no_fixture, and the code under test caught the error: the test went on '
                "without the model's answer.",
                'Tests must not call a paid model API by accident. Script the model instead:',
                "    agentrun.model('openai:gpt-5.2', script=[...])   # with the agentrun fixture",
                "    agentrun.model('openai:gpt-5.2', script=[...], agent=agent)   # for the agent 'agent' only",
                '    agentrun.run(agent, prompt, script=[...])',
                'or replay its answers from a cassette: @pytest.mark.agentrun(cassette=True), recorded once with',
                '--agentrun-record; or allow real requests: @pytest.mark.agentrun(real_requests=True) on the test,',
                'class or module, the ini option agentrun_real_requests = true, or --agentrun-real-requests.',
                'If the test expects the request to be blocked, make it inside `with agentrun.expect_blocked():` '
                '(the test takes the agentrun fixture).',
            ),
        ],
        consecutive=True,
    )
    result.stdout.fnmatch_lines(
        [
            '_* ERROR at teardown of test_with_fixture _*',
            "pytest-agentrun blocked a real request to the model 'openai:gpt-5.2', asked by the agent 'agent', in *",
            *['*'] * 8,
            '',
            *exact(
                "ScriptedModel('openai:gpt-4o') received 0 requests, but 1 scripted turn was never used:",
                "  [    ] 1. 'Unused: the agent asks another model.'",
            ),
        ],
        consecutive=True,
    )
    result.stdout.fnmatch_lines(
        [
            'ERROR test_fallback.py::test_no_fixture - Failed: pytest-agentrun blocked*',
            'ERROR test_fallback.py::test_with_fixture - Failed: pytest-agentrun blocke*',
        ]
    )


def test_a_model_error_a_doc_example_catches_fails_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(fallback=FALLBACK_APP)
    pytester.makefile(
        '.md',
        page="""
        # Fallback

        ```python
        from fallback import answer_or_fallback

        print(answer_or_fallback('Hi'))
        #> Sorry, try again later.
        ```
        """,
    )
    pytester.syspathinsert()
    result = pytester.runpytest_inprocess('--agentrun-docs', 'page.md')
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        exact(
            "page.md:3: the example caught the error of a model request, and went on without the model's answer:",
            "ScriptedModel('openai:gpt-5.2') received request 1, but no scripted turn or rule answers it.",
            "Latest message: request [user-prompt 'Hi']",
        ),
        consecutive=True,
    )
