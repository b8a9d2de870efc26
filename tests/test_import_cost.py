"""Importing the package, and loading the plugin into a pytest run, must not import pydantic-ai.

Each check runs in a fresh process (tests/fresh.py), where nothing is imported yet.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from fresh import Finished, Launch, fresh_process, pytest_command, python, write_files

LIGHT_IMPORT = textwrap.dedent(
    """
        import json, sys
        import pytest_agentrun
        import pytest_agentrun.plugin
        from pytest_agentrun import output, raises, text, thinking, tool_call, tool_return, turn

        # building a script needs no pydantic-ai either
        script = [tool_call('f', a=1), turn('Hi', chunk_words=1), output(x=1), thinking('t'), text('x'),
                  raises(ValueError('v')), tool_return('f')]
        before = sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic_ai')
        try:
            pytest_agentrun.NoSuchName
        except AttributeError as e:
            missing = str(e)
        from pytest_agentrun import ScriptedRequest
        from pytest_agentrun._model import ScriptedModel
        print(json.dumps({
            'before': before,
            'after': 'pydantic_ai' in sys.modules,
            'missing': missing,
            'dir is __all__': sorted(dir(pytest_agentrun)) == sorted(pytest_agentrun.__all__),
            'same class': pytest_agentrun.ScriptedModel is ScriptedModel,
        }))
    """
)


@fresh_process(lambda path: Launch(python(LIGHT_IMPORT)))
def test_import_is_light_and_the_names_lazy(fresh_run: Finished) -> None:
    """One fresh process: importing the package, the plugin and the script language imports no pydantic-ai; each
    public name is imported on first use, and only those that need pydantic-ai import it."""
    assert fresh_run.returncode == 0, fresh_run.stderr
    assert json.loads(fresh_run.stdout) == {
        'before': [],
        'after': True,
        'missing': "module 'pytest_agentrun' has no attribute 'NoSuchName'",
        'dir is __all__': True,
        'same class': True,
    }


PLAIN_TESTS = """
import pytest


def test_plain():
    assert 1 + 1 == 2


@pytest.mark.agentrun(strict=False, real_requests=True)
def test_marked_without_the_fixture():
    pass


class TestInAClass:
    def test_method(self):
        pass
"""


REPORT = """
import json
import sys


def pytest_unconfigure(config):
    with open('report.json', 'w') as f:
        json.dump(
            {
                'plugin_loaded': config.pluginmanager.has_plugin('agentrun'),
                'pydantic_ai': sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic_ai'),
            },
            f,
        )
"""
"""A conftest writing, at the session's end, whether the plugin was loaded and which pydantic_ai modules were."""


def plain_project(path: Path) -> Launch:
    write_files(
        path, {'pytest.ini': '[pytest]\nagentrun_strict = true\n', 'test_plain.py': PLAIN_TESTS, 'conftest.py': REPORT}
    )
    # a run collects the tests too: what a collection imports, a run has imported by its end
    return Launch(pytest_command('-q', '-p', 'no:cacheprovider'))


@fresh_process(plain_project)
def test_pytest_with_the_plugin_does_not_import_pydantic_ai(fresh_run: Finished) -> None:
    """Collecting and running tests that use none of the plugin's features imports no pydantic-ai."""
    assert fresh_run.returncode == 0, fresh_run.stdout + fresh_run.stderr
    assert fresh_run.stdout.splitlines()[-1].startswith('3 passed'), fresh_run.stdout
    report = json.loads((fresh_run.path / 'report.json').read_text())
    assert report == {'plugin_loaded': True, 'pydantic_ai': []}
