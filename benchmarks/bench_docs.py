"""Doc examples checked per second: `pytest --agentrun-docs` against pytest-examples' print checking.

Run it from the repository root, in an environment where pytest-agentrun and pytest-examples are installed
(pytest-examples is needed by this benchmark only: `pip install pytest-examples`):

    python benchmarks/bench_docs.py              # 60 examples (12 pages of 5), 5 rounds of each tool
    python benchmarks/bench_docs.py --rounds 9   # more rounds
    python benchmarks/bench_docs.py --check      # exit 1 if the target is missed

The script writes one set of Markdown pages into a temporary directory: each example builds an
`Agent('openai:gpt-5.2')`, runs it in an async `main()` and prints the string output and a small repr,
with the expected output written as `#>` lines, a form both tools read. Then it runs, as subprocesses of
this Python, alternately:

- (A) `pytest --agentrun-docs docs -q -p no:cacheprovider`: our checker;
- (B) `pytest test_pe.py -q -p no:cacheprovider`: a test parametrized over `pytest_examples.find_examples`
  calling `eval_example.run_print_check(example, call='main')`. Its model strings are answered offline by
  the same rules, through a resolver scripting pytest-agentrun's guard (our plugin is active in
  that session too, as it is in any session where it is installed).

Both sessions share one `conftest.py` that imports pydantic-ai and runs one warm-up agent run at session
start, and times the run phase: from `pytest_collection_finish` to `pytest_sessionfinish`
(`time.perf_counter`), so pytest start-up, imports and collection are left out. Each session must pass
every example, or the benchmark stops. The table gives, per tool, the median run phase over the rounds,
examples per second from it, and the median wall time of the whole subprocess.

Target: our checker at least twice as many examples per second as pytest-examples (ratio >= 2.0).
The exit status is 0 unless `--check` is given; then a missed target exits 1.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

MIN_RATIO = 2.0

CONFTEST = '''\
"""Shared by both sessions: rules for the doc checker, a warm-up, and the run-phase timer."""

import json
import os
import time

import pytest

from bench_rules import RULES

_times = {}


@pytest.fixture
def agentrun_doc_rules():
    return RULES


def pytest_sessionstart(session):
    # Import pydantic-ai and warm it up before collection, so neither tool's first example pays for it.
    from pydantic_ai import Agent
    from pydantic_ai.models.test import TestModel

    Agent(TestModel(custom_output_text='warm')).run_sync('warm up')


def pytest_collection_finish(session):
    _times['items'] = len(session.items)
    _times['start'] = time.perf_counter()


def pytest_runtest_logreport(report):
    if report.when == 'call' and report.passed:
        _times['passed'] = _times.get('passed', 0) + 1


def pytest_sessionfinish(session):
    _times['end'] = time.perf_counter()
    with open(os.environ['BENCH_DOCS_TIMES'], 'a', encoding='utf-8') as file:
        file.write(json.dumps(_times) + '\\n')
'''

TEST_PE = '''\
"""pytest-examples' print checking over the same pages, with model strings answered by the same rules."""

from pathlib import Path

import pytest
from pytest_examples import EvalExample, find_examples

from bench_rules import RULES
from pytest_agentrun._docs.execute import doc_model_resolver
from pytest_agentrun._guard import GUARD_KEY

DOCS = Path(__file__).parent / 'docs'


@pytest.fixture
def scripted_models(request):
    with request.config.stash[GUARD_KEY].scripting(doc_model_resolver(RULES, 'no rule answers this prompt')):
        yield


@pytest.mark.parametrize('example', list(find_examples(DOCS)), ids=str)
def test_docs(example, eval_example: EvalExample, scripted_models):
    eval_example.run_print_check(example, call='main')
'''

EXAMPLE = """\
```python
from pydantic_ai import Agent

agent = Agent('openai:gpt-5.2', instructions='Answer in one short sentence.')


async def main():
    result = await agent.run('Which platform does train {n} leave from?')
    print(result.output)
    #> Train {n} leaves from platform {platform}.
    print([message.kind for message in result.all_messages()], result.usage.requests)
    #> ['request', 'response'] 1
```
"""


def write_examples(root: Path, examples: int, per_page: int) -> None:
    """The pages, the shared rules and conftest, the pytest-examples test module and an ini file."""
    docs = root / 'docs'
    docs.mkdir()
    rules = {
        f'Which platform does train {n} leave from?': f'Train {n} leaves from platform {n % 9 + 1}.'
        for n in range(examples)
    }
    (root / 'bench_rules.py').write_text(f'RULES = {rules!r}\n', encoding='utf-8')
    (root / 'conftest.py').write_text(CONFTEST, encoding='utf-8')
    (root / 'test_pe.py').write_text(TEST_PE, encoding='utf-8')
    (root / 'pytest.ini').write_text('[pytest]\n', encoding='utf-8')
    for page, first in enumerate(range(0, examples, per_page)):
        sections = [f'# Departures, page {page + 1}\n']
        for n in range(first, min(first + per_page, examples)):
            sections.append(f'## Train {n}\n\nAsk the agent where train {n} leaves from:\n')
            sections.append(EXAMPLE.format(n=n, platform=n % 9 + 1))
        (docs / f'page_{page + 1:02d}.md').write_text('\n'.join(sections), encoding='utf-8')


@dataclass
class Tool:
    """One of the two sessions, and its measurements over the rounds."""

    name: str
    args: list[str]
    run_s: list[float] = field(default_factory=list[float])
    wall_s: list[float] = field(default_factory=list[float])

    @property
    def median_run_s(self) -> float:
        return statistics.median(self.run_s)

    @property
    def median_wall_s(self) -> float:
        return statistics.median(self.wall_s)


def run_session(tool: Tool, root: Path, examples: int) -> None:
    """Run one pytest session of `tool`; record its run phase and wall time, or exit if it did not pass."""
    times_file = root / 'times.jsonl'
    times_file.unlink(missing_ok=True)
    env = {**os.environ, 'BENCH_DOCS_TIMES': str(times_file), 'PYTHONDONTWRITEBYTECODE': '1'}
    env.pop('PYTEST_ADDOPTS', None)
    command = [sys.executable, '-m', 'pytest', *tool.args, '-q', '-p', 'no:cacheprovider']
    start = time.perf_counter()
    completed = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    record = json.loads(times_file.read_text(encoding='utf-8')) if times_file.exists() else {}
    if completed.returncode != 0 or record.get('passed') != examples or record.get('items') != examples:
        sys.exit(
            f'{tool.name}: the session did not pass all {examples} examples '
            f'(exit {completed.returncode}, {record}):\n{completed.stdout[-3000:]}{completed.stderr[-2000:]}'
        )
    tool.run_s.append(record['end'] - record['start'])
    tool.wall_s.append(wall)


def report(tools: list[Tool], examples: int, rounds: int) -> bool:
    from importlib.metadata import version

    import pydantic_ai
    import pytest_examples  # noqa: F401 - checked to be installed before running

    print(
        f'CPython {platform.python_version()}, pydantic-ai-slim {pydantic_ai.__version__}, '
        f'pytest {version("pytest")}, pytest-examples {version("pytest-examples")}, '
        f'{platform.system()}, {os.cpu_count()} CPUs'
    )
    print(f'{examples} examples, {rounds} rounds of each tool, alternated; medians over the rounds\n')
    width = max(len(t.name) for t in tools)
    print(f'{"tool":<{width}}  {"run phase s":>11}  {"ms/example":>10}  {"examples/s":>10}  {"wall s":>8}')
    print(f'{"-" * width}  {"-" * 11}  {"-" * 10}  {"-" * 10}  {"-" * 8}')
    for t in tools:
        print(
            f'{t.name:<{width}}  {t.median_run_s:>11.3f}  {1000 * t.median_run_s / examples:>10.1f}  '
            f'{examples / t.median_run_s:>10.1f}  {t.median_wall_s:>8.2f}'
        )
    print('\nrun phase of each round, s')
    for t in tools:
        print(f'{t.name:<{width}}  {"  ".join(f"{s:.3f}" for s in t.run_s)}')
    ours, theirs = tools
    ratio = theirs.median_run_s / ours.median_run_s
    wall_ratio = theirs.median_wall_s / ours.median_wall_s
    print(f'\nexamples/s, pytest-agentrun / pytest-examples: {ratio:.2f} (run phase)')
    print(f'whole sessions (wall time, start-up included), pytest-examples / pytest-agentrun: {wall_ratio:.2f}')
    passed = ratio >= MIN_RATIO
    print(f'{"PASS" if passed else "FAIL"}: ratio {ratio:.2f} (>= {MIN_RATIO:.1f} required)')
    return passed


def main(args: argparse.Namespace) -> bool:
    try:
        import pytest_examples  # noqa: F401
    except ImportError:
        sys.exit('pytest-examples is not installed: pip install pytest-examples (needed by this benchmark only)')
    if args.examples < 1 or args.per_page < 1 or args.rounds < 1:
        sys.exit('--examples, --per-page and --rounds must be positive')
    with tempfile.TemporaryDirectory(prefix='bench_docs_') as tmp:
        root = Path(tmp)
        write_examples(root, args.examples, args.per_page)
        tools = [
            Tool('pytest-agentrun (--agentrun-docs)', ['--agentrun-docs', 'docs']),
            Tool('pytest-examples (run_print_check)', ['test_pe.py']),
        ]
        for round_number in range(args.rounds):
            order = tools if round_number % 2 == 0 else tools[::-1]
            for tool in order:
                run_session(tool, root, args.examples)
            print(f'round {round_number + 1}/{args.rounds} done', file=sys.stderr)
        return report(tools, args.examples, args.rounds)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument('--examples', type=int, default=60, help='examples in all (default 60)')
    parser.add_argument('--per-page', type=int, default=5, help='examples per Markdown page (default 5)')
    parser.add_argument('--rounds', type=int, default=5, help='sessions of each tool, alternated (default 5)')
    parser.add_argument('--check', action='store_true', help='exit 1 if the target is missed')
    return parser.parse_args(argv)


if __name__ == '__main__':
    arguments = parse_args()
    ok = main(arguments)
    sys.exit(0 if ok or not arguments.check else 1)
