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


def test_import_does_not_import_pydantic_ai(tmp_path: Path) -> None:
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
        pytest_agentrun.ScriptedModel  # the lazy name imports it on first use
        print(json.dumps({'before': before, 'after': 'pydantic_ai' in sys.modules}))
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {'before': [], 'after': True}


def test_lazy_names(tmp_path: Path) -> None:
    result = run_python(
        """
        import pytest_agentrun
        try:
            pytest_agentrun.NoSuchName
        except AttributeError as e:
            print(e)
        print(sorted(dir(pytest_agentrun)) == sorted(pytest_agentrun.__all__))
        from pytest_agentrun import ScriptedRequest
        from pytest_agentrun._model import ScriptedModel
        print(pytest_agentrun.ScriptedModel is ScriptedModel)
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "module 'pytest_agentrun' has no attribute 'NoSuchName'",
        'True',
        'True',
    ]


def test_pytest_with_the_plugin_does_not_import_pydantic_ai(tmp_path: Path) -> None:
    report = tmp_path / 'report.json'
    (tmp_path / 'pytest.ini').write_text('[pytest]\n')
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
    result = subprocess.run(
        [sys.executable, '-m', 'pytest', '--co', '-q', '-p', 'no:cacheprovider'],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 5, result.stdout + result.stderr  # 5: no tests collected
    assert json.loads(report.read_text()) == {'plugin_loaded': True, 'pydantic_ai': []}
