"""Importing the package, and loading the plugin into a pytest run, must not import pydantic-ai."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith('PYTEST_')}
    env['PYTHONDONTWRITEBYTECODE'] = '1'
    return env


def run_python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, '-c', textwrap.dedent(code)],
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_import_is_light_and_the_names_lazy(tmp_path: Path) -> None:
    """One fresh process: importing the package, the plugin and the script language imports no pydantic-ai; each
    public name is imported on first use, and only those that need pydantic-ai import it."""
    result = run_python(
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
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
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


def test_pytest_with_the_plugin_does_not_import_pydantic_ai(tmp_path: Path) -> None:
    """Collecting and running tests that use none of the plugin's features imports no pydantic-ai."""
    report = tmp_path / 'report.json'
    (tmp_path / 'pytest.ini').write_text('[pytest]\nagentrun_strict = true\n')
    (tmp_path / 'test_plain.py').write_text(PLAIN_TESTS)
    (tmp_path / 'conftest.py').write_text(
        textwrap.dedent(
            f"""
            import json
            import sys


            def pytest_unconfigure(config):
                with open({str(report)!r}, 'w') as f:
                    json.dump(
                        {{
                            'plugin_loaded': config.pluginmanager.has_plugin('agentrun'),
                            'pydantic_ai': sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic_ai'),
                        }},
                        f,
                    )
            """
        )
    )
    # a run collects the tests too: what a collection imports, a run has imported by its end
    result = subprocess.run(
        [sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider'],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].startswith('3 passed'), result.stdout
    assert json.loads(report.read_text()) == {'plugin_loaded': True, 'pydantic_ai': []}
