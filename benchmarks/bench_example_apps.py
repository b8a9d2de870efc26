"""pytest-agentrun on pydantic-ai's own example apps, tested the way a user of the plugin tests them.

`benchmarks/example_apps/` holds our tests (test_<app>.py) for ten apps of the `pydantic-ai-examples` package:
they import each app from the installed package, script its agents with the `agentrun` fixture (no API key, no
network) and fake the services the apps use (Postgres, HTTP APIs, the user at the terminal), never the agents. The
apps' code is installed from the registry, never copied here.

    python benchmarks/bench_example_apps.py                    # a fresh venv in a temporary directory
    python benchmarks/bench_example_apps.py --here             # the current environment (installs into it)
    python benchmarks/bench_example_apps.py --pydantic-ai 2.62.0   # pin pydantic-ai-slim in the fresh venv
    python benchmarks/bench_example_apps.py --check            # exit 1 on a workaround too, not only a failure

The environment gets the plugin (from this repository), `pydantic-ai-examples` with `--no-deps` (the release
matching the installed pydantic-ai, or the newest one before it: the package is published up to 2.62.0), and only
what the tested apps import (APP_REQUIREMENTS). Then `pytest benchmarks/example_apps -q` runs with every
`*_API_KEY` and `LOGFIRE_TOKEN` removed from the environment, and the script prints, per app, its tests'
outcomes, and per test whether it needed a workaround: anything a user would not write naturally. Workarounds are
found two ways: the markers the tests declare (`@pytest.mark.workaround(reason)`, and `app_workaround` for a bug
of the example app itself), and a scan of each test's source for `tool_name=` (naming an output tool), an agent
scripted twice, pytest-agentrun's private modules, monkeypatching pydantic-ai, and pydantic-ai's own test models.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import subprocess
import sys
import tempfile
import venv
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / 'benchmarks' / 'example_apps'
EXAMPLES = 'pydantic-ai-examples'

APPS = (
    'flight_booking',
    'sql_gen',
    'bank_support',
    'weather_agent',
    'roulette_wheel',
    'pydantic_model',
    'stream_markdown',
    'stream_whales',
    'chat_app',
    'medical_agent_delegation',
)

# What the tested apps import beyond pydantic-ai (the package's own list adds gradio, modal, datasets, duckdb,
# pandas, mcp, twelvelabs, ... for apps not tested here), and what the tests use.
APP_REQUIREMENTS = (
    # logfire.configure()/instrument_pydantic_ai() at import: flight_booking, sql_gen, weather_agent, pydantic_model,
    # stream_markdown, stream_whales, chat_app; the extras are for instrument_asyncpg (sql_gen, at import),
    # instrument_fastapi (chat_app, at import), instrument_sqlite3 (chat_app's Database) and instrument_httpx
    # (weather_agent's main)
    'logfire[asyncpg,fastapi,sqlite3,httpx]',
    'rich',  # flight_booking (Prompt), stream_markdown and stream_whales (Live display)
    'asyncpg',  # sql_gen (the connection type and its errors)
    'devtools',  # sql_gen (debug() of the output)
    'httpx',  # weather_agent (AsyncClient); the chat_app tests' ASGI client
    'fastapi',  # chat_app
    'python-multipart',  # chat_app (its form field)
)

WORKAROUND_PATTERNS = (
    'tool_name= on output (names the output tool)',
    'the same agent scripted twice',
    "pytest-agentrun's private modules",
    'monkeypatching pydantic-ai',
    "pydantic-ai's own test models instead of a script",
)


def run(command: list[str], **kwargs: object) -> None:
    """Run a command, echoing it; stop the benchmark if it fails."""
    print('$', ' '.join(command), flush=True)
    subprocess.run(command, check=True, **kwargs)  # type: ignore[call-overload]


def python_of(venv_dir: Path) -> str:
    return str(venv_dir / ('Scripts' if os.name == 'nt' else 'bin') / 'python')


def version_of(python: str, distribution: str) -> str:
    code = f'from importlib.metadata import version; print(version({distribution!r}))'
    return subprocess.run([python, '-c', code], check=True, capture_output=True, text=True).stdout.strip()


def install(python: str, pydantic_ai: str | None, examples: str | None) -> tuple[str, str]:
    """Install the plugin, the example apps (no dependencies) and what the apps import; return both versions."""
    pip = [python, '-m', 'pip', 'install', '-q']
    pinned = [f'pydantic-ai-slim=={pydantic_ai}'] if pydantic_ai else []
    run([*pip, str(ROOT), *APP_REQUIREMENTS, *pinned])
    installed = version_of(python, 'pydantic-ai-slim')
    # the examples release matching pydantic-ai, else the newest before it
    wanted = f'{EXAMPLES}=={examples}' if examples else f'{EXAMPLES}<={installed}'
    run([*pip, '--no-deps', wanted])
    return installed, version_of(python, EXAMPLES)


def run_tests(python: str, report: Path, extra: list[str]) -> int:
    env = {k: v for k, v in os.environ.items() if not k.endswith('_API_KEY') and k != 'LOGFIRE_TOKEN'}
    env['EXAMPLE_APPS_REPORT'] = str(report)
    env.pop('PYTEST_ADDOPTS', None)
    command = [python, '-m', 'pytest', str(TESTS.relative_to(ROOT)), '-q', *extra]
    print('$', ' '.join(command), flush=True)
    return subprocess.run(command, cwd=ROOT, env=env).returncode


# --- the source scan -----------------------------------------------------------------------------------------


def _call_name(node: ast.Call) -> str:
    return ast.unparse(node.func)


def scan(path: Path) -> dict[str, list[str]]:
    """Per test function of one test file: the workaround patterns its source shows."""
    tree = ast.parse(path.read_text(encoding='utf-8'))
    private: set[str] = set()  # names imported from pytest-agentrun's private modules
    pydantic_ai_names: set[str] = set()  # names bound to pydantic-ai's modules and objects
    helpers: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            names = {a.asname or a.name for a in node.names}
            if node.module.startswith('pytest_agentrun._'):
                private |= names
            elif node.module == 'pytest_agentrun':
                private |= {a.asname or a.name for a in node.names if a.name.startswith('_')}
            if node.module.split('.')[0] == 'pydantic_ai':
                pydantic_ai_names |= names
        elif isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.split('.')[0]
                if alias.name.startswith('pytest_agentrun._'):
                    private.add(bound)
                if alias.name.split('.')[0] == 'pydantic_ai':
                    pydantic_ai_names.add(bound)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and not node.name.startswith(
            'test'
        ):
            helpers[node.name] = node

    def flags_of(function: ast.AST) -> list[str]:
        found: list[str] = []
        scripted: Counter[str] = Counter()
        # the test's own body, and the module's helpers and fixtures it names (by name or as an argument)
        named = {n.id for n in ast.walk(function) if isinstance(n, ast.Name)}
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            named |= {a.arg for a in function.args.args}
        bodies = [function] + [helpers[name] for name in sorted(named & set(helpers))]
        for body in bodies:
            for node in ast.walk(body):
                if isinstance(node, ast.Name) and node.id in private:
                    found.append(WORKAROUND_PATTERNS[2])
                if (
                    isinstance(node, ast.Attribute)
                    and node.attr.startswith('_')
                    and ast.unparse(node.value) == 'pytest_agentrun'
                ):
                    found.append(WORKAROUND_PATTERNS[2])
                if not isinstance(node, ast.Call):
                    continue
                name = _call_name(node)
                keywords = {k.arg: k.value for k in node.keywords if k.arg}
                if name.split('.')[-1] == 'output' and 'tool_name' in keywords:
                    found.append(WORKAROUND_PATTERNS[0])
                if name == 'agentrun.model' and 'agent' in keywords:
                    model = ast.unparse(node.args[0]) if node.args else ''
                    scripted[f'{model} {ast.unparse(keywords["agent"])}'] += 1
                if name.endswith(('monkeypatch.setattr', 'monkeypatch.setitem', 'monkeypatch.delattr')) and node.args:
                    target = node.args[0]
                    text = ast.unparse(target)
                    root = text.split('.')[0].strip('\'"')
                    if root in pydantic_ai_names or root == 'pydantic_ai':
                        found.append(WORKAROUND_PATTERNS[3])
                if name in ('TestModel', 'FunctionModel') or name.endswith(('.TestModel', '.FunctionModel')):
                    found.append(WORKAROUND_PATTERNS[4])
        if any(count > 1 for count in scripted.values()):
            found.append(WORKAROUND_PATTERNS[1])
        return sorted(set(found))

    return {
        node.name: flags_of(node)
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith('test')
    }


# --- the report ----------------------------------------------------------------------------------------------


def summarize(report: dict[str, dict[str, object]], versions: tuple[str, str]) -> tuple[int, int]:
    """Print the per-app table and the per-test lines; return (failures, tests needing a plugin workaround)."""
    scanned = {path.stem: scan(path) for path in sorted(TESTS.glob('test_*.py'))}
    per_app: dict[str, list[tuple[str, dict[str, object], list[str]]]] = defaultdict(list)
    for nodeid, entry in report.items():
        file, _, test = nodeid.partition('::')
        module = Path(file).stem
        function = test.split('[')[0]
        detected = scanned.get(module, {}).get(function, [])
        per_app[module.removeprefix('test_')].append((test, entry, detected))

    apps = [*APPS, *sorted(set(per_app) - set(APPS))]  # a test file for another app is reported too
    failures = workarounds = 0
    print(f'\npydantic-ai-slim {versions[0]}, pydantic-ai-examples {versions[1]}, Python {sys.version.split()[0]}')
    print(f'\n{"app":<26} {"tests":>5} {"passed":>6} {"xfailed":>7} {"skipped":>7} {"failed":>6} {"workarounds":>11}')
    for app in apps:
        tests = per_app.get(app, [])
        outcomes = Counter(str(e.get('outcome')) for _, e, _ in tests)
        needing = sum(1 for _, e, d in tests if d or e.get('workarounds'))
        failed = len(tests) - outcomes['passed'] - outcomes['xfailed'] - outcomes['skipped']
        print(
            f'{app:<26} {len(tests):>5} {outcomes["passed"]:>6} {outcomes["xfailed"]:>7} {outcomes["skipped"]:>7} '
            f'{failed:>6} {needing:>11}'
        )
        failures += failed + (0 if tests else 1)
        workarounds += needing

    for app in apps:
        print(f'\n{app}')
        if not per_app.get(app):
            print('  no tests ran')
        for test, entry, detected in per_app.get(app, []):
            outcome = str(entry.get('outcome')).upper()
            notes: list[str] = []
            for reason in entry.get('workarounds', []):  # type: ignore[union-attr]
                notes.append(f'workaround: {reason}')
            for pattern in detected:
                notes.append(f'workaround (found in its source): {pattern}')
            for reason in entry.get('app_workarounds', []):  # type: ignore[union-attr]
                notes.append(f'works around the app: {reason}')
            if entry.get('outcome') == 'xfailed':
                notes.append(f'known limitation: {entry["xfail"][0]}')  # type: ignore[index]
            if entry.get('message'):
                notes.append(str(entry['message']))
            print(f'  {outcome:<8} {test}: {"; ".join(notes) if notes else "no workaround"}')
    limitations = Counter(
        str(entry['xfail'][0]) for tests in per_app.values() for _, entry, _ in tests if entry.get('xfail')
    )
    if limitations:
        print('\nknown limitations (strict xfail: each fails the benchmark the day it is fixed, to be un-marked)')
        for reason, count in limitations.items():
            print(f'  {count} test{"s" if count > 1 else ""}: {reason}')
    return failures, workarounds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument('--here', action='store_true', help='install into and run in the current environment')
    parser.add_argument('--venv', type=Path, help='create (or reuse) the venv here and keep it')
    parser.add_argument('--pydantic-ai', help='pin pydantic-ai-slim to this version (fresh venv only)')
    parser.add_argument('--examples', help=f'pin {EXAMPLES} to this version (default: matching pydantic-ai)')
    parser.add_argument('--check', action='store_true', help='exit 1 on a workaround too (always on a failed test)')
    parser.add_argument('pytest_args', nargs='*', help='more arguments for pytest (after --)')
    args = parser.parse_args()
    if args.here and (args.venv or args.pydantic_ai):
        parser.error('--here uses the current environment: it takes neither --venv nor --pydantic-ai')

    with tempfile.TemporaryDirectory(prefix='bench-example-apps-') as tmp:
        if args.here:
            python = sys.executable
        else:
            venv_dir = args.venv or Path(tmp) / 'venv'
            if not (venv_dir / 'pyvenv.cfg').exists():
                print(f'creating a venv in {venv_dir}', flush=True)
                venv.create(venv_dir, with_pip=True)
            python = python_of(venv_dir)
        versions = install(python, args.pydantic_ai, args.examples)
        report_path = Path(tmp) / 'report.json'
        exit_code = run_tests(python, report_path, args.pytest_args)
        if not report_path.exists():
            print(f'pytest wrote no report (exit code {exit_code})')
            return 1
        report = json.loads(report_path.read_text(encoding='utf-8'))
    failures, workarounds = summarize(report, versions)
    print(f'\n{failures} failing, {workarounds} needing a workaround (pytest exit code {exit_code})')
    if failures or exit_code != 0 or (args.check and workarounds):
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
