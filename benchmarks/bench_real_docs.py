"""The doc checker on documentation we did not write: pydantic-ai's docstring examples (and, optionally, its docs/).

Run it from the repository root, in an environment where pytest-agentrun is installed (and pytest-examples for
the comparison: `pip install pytest-examples`, needed by this benchmark only):

    python benchmarks/bench_real_docs.py                       # the installed pydantic_ai's docstrings, 3 rounds
    python benchmarks/bench_real_docs.py --rounds 5 --check    # exit 1 if a target is missed
    python benchmarks/bench_real_docs.py --docs /tmp/pai/docs  # also pydantic-ai's docs/ pages (fetched by you)

What is checked is read where it is installed or fetched, never copied into this repository:

- every module of the installed `pydantic_ai` package with a Python block in a docstring (found by parsing its
  source, not importing it) is given to `--agentrun-docs-module`; the prompts are answered by our own rules in
  `benchmarks/real_docs_rules.py`;
- with `--docs DIR`, the Markdown pages under DIR (e.g. pydantic-ai's `docs/`, taken from its repository with
  `git archive HEAD docs | tar -x -C /tmp/pai`) are checked with `--agentrun-docs` and the rules in
  `benchmarks/real_docs_page_rules.py`.

Each example's outcome is sorted by cause: passed; skipped by its fence (`test="skip"`, `py=`...); failed because it
needs something outside (a package not installed, a real service or provider credentials); failed for any other
cause, named by the first line of its failure. Then pytest-examples (`run_print_check(example, call='main')`, the
same model strings answered by the same rules through pytest-agentrun's guard) runs on the same files, and both
sessions' run phase (from collection's end to the session's end, `time.perf_counter`, start-up and collection left
out) gives examples per second, the median over the rounds.

Targets (docstrings): every example that needs nothing outside passes, and the doc checker runs at least 5x as many
examples per second as pytest-examples. The exit status is 0 unless `--check` is given; then a missed target
exits 1.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
MIN_RATIO = 5.0

RECORDER = '''\
"""A plugin (-p bench_recorder) of both sessions: a warm-up, the run-phase timer, and each example's outcome.

A plugin, not a conftest.py: the examples of installed modules live outside this directory, where a conftest's
hooks would not see them.
"""

import json
import os
import time

import pytest

_times = {}
_results = []


def pytest_sessionstart(session):
    # Import what the examples import, and warm pydantic-ai up, before either tool's timer starts: the run
    # phase measures checking examples, not importing pydantic-ai's modules for the first time.
    import importlib

    from pydantic_ai import Agent
    from pydantic_ai.models.test import TestModel

    for name in json.loads(os.environ['BENCH_REAL_DOCS_MODULES']):
        try:
            importlib.import_module(name)
        except Exception:
            pass  # a module needing a package not installed: its examples fail the same way in both tools
    Agent(TestModel(custom_output_text='warm')).run_sync('warm up')
    if os.environ.get('BENCH_REAL_DOCS_NO_DEBOUNCE'):
        # pydantic-ai's pages show streamed text one chunk at a time: their harness turns debouncing off
        import contextlib

        from pydantic_ai import _utils

        @contextlib.asynccontextmanager
        async def one_group_per_item(aiterable, soft_max_interval):
            async def groups():
                async for item in aiterable:
                    yield [item]

            yield groups()

        _utils.group_by_temporal = one_group_per_item


def pytest_collection_finish(session):
    _times['items'] = len(session.items)
    _times['start'] = time.perf_counter()


def pytest_runtest_logreport(report):
    if report.when == 'call' or report.outcome != 'passed':
        if report.when != 'call' and report.outcome == 'skipped':
            _results.append({'id': report.nodeid, 'outcome': 'skipped', 'message': str(report.longrepr[-1])})
            return
        if report.when == 'teardown' and report.outcome == 'passed':
            return
        text = report.longreprtext if report.failed else ''
        _results.append({'id': report.nodeid, 'outcome': report.outcome, 'message': text})


def pytest_sessionfinish(session):
    _times['end'] = time.perf_counter()
    with open(os.environ['BENCH_REAL_DOCS_OUT'], 'w', encoding='utf-8') as file:
        json.dump({'times': _times, 'results': _results}, file)
'''

TEST_PE = '''\
"""pytest-examples' print checking on the same examples, the model strings answered by the same rules.

pytest-examples' own finder pairs the triple quotes of a .py file by regex and finds 3 of pydantic_ai's 132
docstring blocks, so its examples are built from the blocks our parser finds: the same set for both.
"""

import json
import os
import uuid
from pathlib import Path

import pytest
from pytest_examples import CodeExample, EvalExample

from pytest_agentrun._docs.blocks import docstring_blocks
from pytest_agentrun._docs.execute import doc_model_resolver
from pytest_agentrun._docs.rules import load_rules_file
from pytest_agentrun._guard import GUARD_KEY

FILES = json.loads(os.environ['BENCH_REAL_DOCS_FILES'])
RULES = load_rules_file(Path(os.environ['BENCH_REAL_DOCS_RULES']))


def find_examples(*files):
    for name in files:
        path = Path(name)
        for block in docstring_blocks(path, path.read_text(encoding='utf-8')):
            prefix = 'python ' + ' '.join(f'{k}="{v}"' for k, v in block.attrs.items())
            lines = block.source.count('\\n')
            yield CodeExample(
                source=block.source,
                path=path,
                start_line=block.first_line - 1,
                end_line=block.first_line + lines,
                start_index=0,
                end_index=0,
                prefix=prefix,
                indent=len(block.indent),
                group=uuid.uuid4(),
            )


@pytest.fixture
def scripted_models(request):
    with request.config.stash[GUARD_KEY].scripting(doc_model_resolver(RULES, 'no rule answers this prompt')):
        yield


@pytest.mark.parametrize('example', list(find_examples(*FILES)), ids=str)
def test_example(example: CodeExample, eval_example: EvalExample, scripted_models):
    settings = example.prefix_settings()
    if settings.get('test', '').startswith('skip'):
        pytest.skip('test="skip"')
    call = settings.get('call_name', 'main')
    eval_example.run_print_check(example, call=call, module_globals={'__name__': '__main__'})
'''

FAKE_KEYS = (
    'OPENAI_API_KEY',
    'ANTHROPIC_API_KEY',
    'GEMINI_API_KEY',
    'GOOGLE_API_KEY',
    'GROQ_API_KEY',
    'CO_API_KEY',
    'MISTRAL_API_KEY',
    'OPENROUTER_API_KEY',
    'CEREBRAS_API_KEY',
    'CRUSOE_API_KEY',
    'ZAI_API_KEY',
    'XAI_API_KEY',
    'DEEPSEEK_API_KEY',
    'FIREWORKS_API_KEY',
    'TOGETHER_API_KEY',
    'TAVILY_API_KEY',
    'VOYAGE_API_KEY',
    'HF_TOKEN',
)
"""Providers built in page examples want a key in the environment: these get a fake one (requests stay blocked)."""

OUTSIDE = (
    (
        re.compile(r'ModuleNotFoundError|ImportError|Please install|pip install|is not installed'),
        'a package not installed',
    ),
    (
        re.compile(
            r'RealRequestBlockedError|real model|ALLOW_MODEL_REQUESTS|Could not reach|failed to connect|'
            r'ConnectionError|ConnectError|Name or service not known|API key|api_key|credentials'
        ),
        'a real service',
    ),
    (
        re.compile(r'Set the `\w+` environment variable|You must provide a `region_name`|azure_endpoint'),
        'provider settings',
    ),
)
"""Failures that mean the example needs something outside: a package not installed, a real service."""


SKIPPED_MODULES = frozenset({'pydantic_ai._utils'})
"""Internal helpers whose docstrings are notes for pydantic-ai's developers, not documentation: pydantic-ai's own
doc-example harness leaves `_utils.py` out too (its one block is a fragment using names it never defines)."""


def modules_with_examples() -> dict[str, Path]:
    """The installed pydantic_ai's documented modules with a Python block in a docstring, and their source files."""
    import pydantic_ai

    from pytest_agentrun._docs.blocks import DocSourceError, docstring_blocks

    root = Path(pydantic_ai.__file__).parent
    found: dict[str, Path] = {}
    for path in sorted(root.rglob('*.py')):
        try:
            blocks = docstring_blocks(path, path.read_text(encoding='utf-8'))
        except (DocSourceError, UnicodeDecodeError):
            continue
        if blocks:
            name = '.'.join(('pydantic_ai', *path.relative_to(root).with_suffix('').parts)).removesuffix('.__init__')
            if name not in SKIPPED_MODULES:
                found[name] = path
    return found


def cause(result: dict[str, str]) -> str:
    """Why an example did not pass, in a few words."""
    if result['outcome'] == 'passed':
        return 'passed'
    message = result['message']
    if result['outcome'] == 'skipped':
        return 'skipped by its fence: ' + message.split(':', 1)[-1].strip()[:60]
    for pattern, needs in OUTSIDE:
        if pattern.search(message):
            return f'needs {needs}'
    if 'not supported by this model' in message:
        return 'a model feature scripted models lack (native tools, image output)'
    if 'has no batch API' in message:
        return 'a model feature scripted models lack (batch API)'
    if 'reading from stdin' in message:
        return 'reads from stdin (interactive)'
    if 'no scripted turn or rule answers it' in message:
        return 'a prompt no rule answers'
    if 'printed output differs' in message or 'printed output the doc does not show' in message:
        return 'printed output differs'
    if 'but it never printed' in message:
        return 'output written under a print that never ran'
    errors = re.findall(r'^E\s+(\w+(?:\.\w+)*(?:Error|Exception|Exit|Warning)\w*)', message, re.MULTILINE)
    if errors:
        return f'raised {errors[-1].rsplit(".", 1)[-1]}'
    return 'other: ' + (message.strip().splitlines() or ['?'])[0][:80]


def run_session(root: Path, args: list[str], env_extra: dict[str, str]) -> dict[str, object]:
    out = root / 'out.json'
    out.unlink(missing_ok=True)
    env = {**os.environ, 'BENCH_REAL_DOCS_OUT': str(out), 'PYTHONDONTWRITEBYTECODE': '1', **env_extra}
    env.pop('PYTEST_ADDOPTS', None)
    for key in ('CI', 'GITHUB_ACTIONS'):
        env.pop(key, None)  # test="ci_only" examples need CI's services
    # --tb=line for both: pytest-examples' traceback rewriting raises INTERNALERROR under the default style
    command = [
        sys.executable,
        '-m',
        'pytest',
        *args,
        '-q',
        '--tb=line',
        '-p',
        'no:cacheprovider',
        '-p',
        'bench_recorder',
    ]
    completed = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False)
    if not out.exists():
        sys.exit(
            f'the session did not run (exit {completed.returncode}):\n'
            f'{completed.stdout[-3000:]}{completed.stderr[-3000:]}'
        )
    return json.loads(out.read_text(encoding='utf-8'))


def run_phase(record: dict[str, object]) -> float:
    times = record['times']
    assert isinstance(times, dict)
    return float(times['end']) - float(times['start'])  # pyright: ignore[reportUnknownArgumentType]


def summarize(title: str, record: dict[str, object], show_failures: bool) -> tuple[int, int, Counter[str]]:
    results = record['results']
    assert isinstance(results, list)
    causes = Counter(cause(r) for r in results)  # pyright: ignore[reportUnknownArgumentType]
    collected = len(results)  # pyright: ignore[reportUnknownArgumentType]
    ran = collected - sum(n for c, n in causes.items() if c.startswith('skipped'))
    print(f'\n{title}')
    print(
        f'  collected {collected}, run {ran}, passed {causes["passed"]} '
        f'({100 * causes["passed"] / max(ran, 1):.1f}% of run)'
    )
    for name, count in sorted(causes.items(), key=lambda kv: (-kv[1], kv[0])):
        if name != 'passed':
            print(f'  {count:>4}  {name}')
    if show_failures:
        for r in results:  # pyright: ignore[reportUnknownVariableType]
            c = cause(r)  # pyright: ignore[reportUnknownArgumentType]
            if c != 'passed' and not c.startswith(('skipped', 'needs')):
                print(f'    {r["id"]}: {c}')
    return collected, ran, causes


def main(args: argparse.Namespace) -> bool:
    import pydantic_ai

    try:
        from importlib.metadata import version

        pe_version = version('pytest-examples')
    except Exception:
        pe_version = None
    modules = modules_with_examples()
    files = sorted(str(p) for p in modules.values())
    print(
        f'CPython {platform.python_version()}, pydantic-ai-slim {pydantic_ai.__version__}, '
        f'pytest-examples {pe_version or "not installed"}, {platform.system()}, {os.cpu_count()} CPUs'
    )
    print(f'pydantic_ai docstrings: {len(modules)} modules with examples')
    ok = True
    with tempfile.TemporaryDirectory(prefix='bench_real_docs_') as tmp:
        root = Path(tmp)
        (root / 'bench_recorder.py').write_text(RECORDER, encoding='utf-8')
        (root / 'test_pe.py').write_text(TEST_PE, encoding='utf-8')
        rules = HERE / 'real_docs_rules.py'
        (root / 'pytest.ini').write_text(
            '[pytest]\npythonpath = .\nagentrun_docs_modules =\n'
            + ''.join(f'    {m}\n' for m in modules)
            + f'agentrun_doc_rules_file = {rules}\nagentrun_docs_timeout = 20\n',
            encoding='utf-8',
        )
        ours: list[float] = []
        theirs: list[float] = []
        record: dict[str, object] = {}
        pe_record: dict[str, object] = {}
        env = {
            'BENCH_REAL_DOCS_FILES': json.dumps(files),
            'BENCH_REAL_DOCS_RULES': str(rules),
            'BENCH_REAL_DOCS_MODULES': json.dumps(sorted(modules)),
        }
        for round_number in range(args.rounds):
            record = run_session(root, ['--ignore=test_pe.py'], env)
            ours.append(run_phase(record))
            if pe_version:
                pe_record = run_session(root, ['test_pe.py', '-o', 'agentrun_docs_modules='], env)
                theirs.append(run_phase(pe_record))
            print(f'round {round_number + 1}/{args.rounds} done', file=sys.stderr)
        _, ran, causes = summarize('pytest-agentrun (--agentrun-docs-module, each module)', record, args.verbose)
        outside = sum(n for c, n in causes.items() if c.startswith('needs'))
        inside_failed = ran - causes['passed'] - outside
        print(f'  examples that need nothing outside: {ran - outside}, of which failed: {inside_failed}')
        ok = inside_failed == 0
        print(f'{"PASS" if ok else "FAIL"}: every example that needs nothing outside passes')
        our_rate = ran / statistics.median(ours)
        print(f'  run phase, median of {len(ours)}: {statistics.median(ours):.3f} s, {our_rate:.1f} examples/s')
        if pe_version:
            _, pe_ran, _ = summarize('pytest-examples (run_print_check) on the same files', pe_record, False)
            pe_rate = pe_ran / statistics.median(theirs)
            print(f'  run phase, median of {len(theirs)}: {statistics.median(theirs):.3f} s, {pe_rate:.1f} examples/s')
            ratio = our_rate / pe_rate
            print(f'\nexamples/s, pytest-agentrun / pytest-examples: {ratio:.2f}')
            print(f'{"PASS" if ratio >= MIN_RATIO else "FAIL"}: ratio {ratio:.2f} (>= {MIN_RATIO:.1f} required)')
            ok = ok and ratio >= MIN_RATIO
        if args.docs:
            docs = Path(args.docs).resolve()
            page_rules = HERE / 'real_docs_page_rules.py'
            (root / 'pytest.ini').write_text(
                f'[pytest]\npythonpath = .\nagentrun_doc_rules_file = {page_rules}\nagentrun_docs_timeout = 20\n'
                'agentrun_docs_tmpdir = page\n'
                # the pages write datetimes inside printed strings as datetime.datetime(...): a normaliser of ours
                'agentrun_docs_normalize =\n    datetime\\.datetime\\([^)]*\\) => datetime.datetime(...)\n',
                encoding='utf-8',
            )
            keys = {**dict.fromkeys(FAKE_KEYS, 'not-a-real-key'), 'BENCH_REAL_DOCS_NO_DEBOUNCE': '1'}
            if args.docs_pythonpath:
                keys['PYTHONPATH'] = str(Path(args.docs_pythonpath).resolve())
            args_docs = ['--agentrun-docs', str(docs), '-c', str(root / 'pytest.ini'), '--rootdir', str(root)]
            page_record = run_session(root, args_docs, {**env, **keys})
            summarize(f'pytest-agentrun (--agentrun-docs) on {docs}', page_record, args.verbose)
            print(f'  run phase: {run_phase(page_record):.2f} s')
    return ok


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument('--rounds', type=int, default=3, help='sessions of each tool (default 3)')
    parser.add_argument('--docs', help="a directory of Markdown pages to check too, e.g. pydantic-ai's docs/")
    parser.add_argument(
        '--docs-pythonpath',
        help="a directory the pages' examples import helper modules from (pydantic-ai's tests/example_modules)",
    )
    parser.add_argument('--verbose', action='store_true', help='list every failure not caused by something outside')
    parser.add_argument('--check', action='store_true', help='exit 1 if a target is missed')
    return parser.parse_args(argv)


if __name__ == '__main__':
    arguments = parse_args()
    passed = main(arguments)
    sys.exit(0 if passed or not arguments.check else 1)
