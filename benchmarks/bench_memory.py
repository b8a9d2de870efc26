"""Memory per agent run: a `ScriptedModel` reused for many runs, and the `agentrun` fixture over many tests.

Run it from the repository root, in an environment where pytest-agentrun is installed:

    python benchmarks/bench_memory.py                  # 2000 runs of a reused model; 10,000 tests
    python benchmarks/bench_memory.py --tests 2000     # fewer tests (the fixture part takes a minute or two)
    python benchmarks/bench_memory.py --no-fixture     # the reused model only

Part 1, a reused model: one `ScriptedModel(rules={...})` answers `--runs` agent runs, in one process, under
`tracemalloc`. The memory still allocated after a garbage collection is read after a quarter of the runs and
after all of them; the growth between the two, divided by the runs between, is the memory each run keeps.
Three ways: the model as it is (it records every request), with `keep_requests=10`, and with `reset()` after
each run.

Part 2, the fixture: a pytest session (a subprocess) runs `--tests` tests, each `agentrun.run_sync(...)` of an
agent built at import time with a model string, and a conftest reads the process's resident memory (RSS, from
`/proc/self/statm`) after a garbage collection every `--tests // 10` tests. A second session runs the same
number of tests that run the same agent on a fresh `ScriptedModel` without the fixture: pytest itself keeps a
report per test, so that session's growth is the baseline. The fixture's own cost per test is the difference.

Figures are printed (bytes per run or test, and ratios); nothing is timed and the exit status is always 0.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import tracemalloc
from pathlib import Path

PROMPT = 'What is the capital of France?'
ANSWER = 'The capital of France is Paris.'


# --- part 1: a reused model ---------------------------------------------------------------------------


def allocated() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def reused_model_growth(runs: int, how: str) -> float:
    """Bytes kept per agent run by a reused model, measured between a quarter of the runs and all of them."""
    from pydantic_ai import Agent

    from pytest_agentrun import ScriptedModel

    keep = 10 if how == 'keep_requests=10' else None
    model = ScriptedModel(rules={PROMPT: ANSWER}, keep_requests=keep)
    agent = Agent(model)
    tracemalloc.start()
    try:
        start = runs // 4
        before = 0
        for n in range(runs):
            if n == start:
                before = allocated()
            assert agent.run_sync(PROMPT).output == ANSWER
            if how == 'reset()':
                model.reset()
        after = allocated()
    finally:
        tracemalloc.stop()
    return (after - before) / (runs - start)


# --- part 2: the fixture over many tests --------------------------------------------------------------

APP = """
from pydantic_ai import Agent

agent = Agent('openai:gpt-5.2', instructions='Be brief.')
"""

CONFTEST = """
import gc
import json
import os

N = int(os.environ['BENCH_TESTS'])
EVERY = max(1, N // 10)
samples = []
done = 0


def rss():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


def pytest_runtest_logfinish(nodeid, location):
    global done
    done += 1
    if done % EVERY == 0:
        gc.collect()
        samples.append((done, rss()))


def pytest_sessionfinish(session):
    with open(os.environ['BENCH_OUT'], 'w') as f:
        json.dump(samples, f)
"""

WITH_FIXTURE = f"""
import pytest
from app import agent

N = int(__import__('os').environ['BENCH_TESTS'])


@pytest.mark.parametrize('n', range(N))
def test_run(agentrun, n):
    assert agentrun.run_sync(agent, {PROMPT!r}, script=[{ANSWER!r}]).output == {ANSWER!r}
"""

WITHOUT_FIXTURE = f"""
import pytest
from pydantic_ai import Agent
from pytest_agentrun import ScriptedModel

agent = Agent(instructions='Be brief.')
N = int(__import__('os').environ['BENCH_TESTS'])


@pytest.mark.parametrize('n', range(N))
def test_run(n, close_loop):
    assert agent.run_sync({PROMPT!r}, model=ScriptedModel([{ANSWER!r}])).output == {ANSWER!r}


@pytest.fixture
def close_loop():
    yield
    from pytest_agentrun._docs.execute import _close_left_loop

    _close_left_loop()
"""


def session_samples(test_source: str, tests: int) -> list[tuple[int, int]]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / 'app.py').write_text(textwrap.dedent(APP))
        (root / 'conftest.py').write_text(textwrap.dedent(CONFTEST))
        (root / 'test_bench.py').write_text(textwrap.dedent(test_source))
        (root / 'pytest.ini').write_text('[pytest]\n')
        out = root / 'samples.json'
        env = {**os.environ, 'BENCH_TESTS': str(tests), 'BENCH_OUT': str(out)}
        env.pop('PYTEST_ADDOPTS', None)
        subprocess.run(
            [sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-p', 'no:xdist', '-x'],
            cwd=root,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return [tuple(s) for s in json.loads(out.read_text())]  # type: ignore[misc]


def per_test(samples: list[tuple[int, int]]) -> float:
    """RSS growth per test from the first sample (after a tenth of the tests) to the last."""
    (first_n, first_rss), (last_n, last_rss) = samples[0], samples[-1]
    return (last_rss - first_rss) / (last_n - first_n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument('--runs', type=int, default=2000, help='agent runs of the reused model (default 2000)')
    parser.add_argument('--tests', type=int, default=10_000, help='tests in each pytest session (default 10,000)')
    parser.add_argument('--no-fixture', action='store_true', help='skip the fixture part')
    args = parser.parse_args()

    import pydantic_ai

    print(f'Python {sys.version.split()[0]}, pydantic-ai {pydantic_ai.__version__}')
    print(f'\n1. one ScriptedModel(rules=...) reused for {args.runs} agent runs (tracemalloc, after gc)')
    for how in ('as it is', 'keep_requests=10', 'reset()'):
        growth = reused_model_growth(args.runs, how)
        print(f'   {how:<18} {growth:>8.0f} bytes kept per run')

    if args.no_fixture:
        return
    print(f'\n2. the agentrun fixture over {args.tests} tests (RSS after gc, every {args.tests // 10} tests)')
    with_fixture = session_samples(WITH_FIXTURE, args.tests)
    baseline = session_samples(WITHOUT_FIXTURE, args.tests)
    for name, samples in (('with agentrun', with_fixture), ('without (baseline)', baseline)):
        mib = ' '.join(f'{rss / 2**20:.0f}' for _, rss in samples)
        print(f'   {name:<18} RSS MiB: {mib}')
        print(f'   {"":<18} {per_test(samples):>8.0f} bytes per test, from test {samples[0][0]} to {samples[-1][0]}')
    extra = per_test(with_fixture) - per_test(baseline)
    print(f'   the fixture keeps {extra:.0f} bytes per test beyond what pytest itself keeps (the baseline)')
    print(f'   growth per test, with agentrun / baseline: {per_test(with_fixture) / per_test(baseline):.3f}')


if __name__ == '__main__':
    main()
