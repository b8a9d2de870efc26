"""What the plugin adds to a pytest run of tests that do not use it, with and without it, interleaved.

A small project of plain test files (no pydantic-ai; some with an `agentrun` marker but no fixture) is run by
subprocesses of this Python, alternately with the plugin (as installed) and without it (`-p no:agentrun`), so
machine noise falls on both alike: once as a whole run (`pytest -q`), once collection only. The plugin must not
import pydantic-ai for such tests; the difference is the cost of importing the plugin's modules and running
its hooks. Target: a run with the plugin takes at most 1.03x as long as one without.

    python benchmarks/bench_startup.py             # 20 rounds
    python benchmarks/bench_startup.py --rounds 40
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEST_FILE = """
import pytest


def test_one():
    assert 1 + 1 == 2


@pytest.mark.agentrun(strict=False)
def test_two():
    assert 'a' in 'abc'
"""


# An installed package has its bytecode; an editable checkout gets it on first import, unless
# PYTHONDONTWRITEBYTECODE forbids it (some sandboxes set it), which would time compiling our source in every run.
ENV = {k: v for k, v in os.environ.items() if k != 'PYTHONDONTWRITEBYTECODE'}


def pytest_seconds(project: Path, *extra: str) -> float:
    """Seconds for one `pytest -q` of `project` (with `extra` arguments), as a fresh process."""
    command = [sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', *extra]
    start = time.perf_counter()
    subprocess.run(command, cwd=project, check=True, capture_output=True, env=ENV)
    return time.perf_counter() - start


def compare(project: Path, rounds: int, *extra: str) -> tuple[float, float]:
    """Median seconds with and without the plugin, interleaved (the order alternates each round)."""
    with_plugin: list[float] = []
    without: list[float] = []
    for round_number in range(rounds):
        cases = [(with_plugin, extra), (without, (*extra, '-p', 'no:agentrun'))]
        if round_number % 2:
            cases.reverse()
        for times, arguments in cases:
            times.append(pytest_seconds(project, *arguments))
    return statistics.median(with_plugin), statistics.median(without)


def main() -> None:
    """Run the rounds and print the medians and their difference."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--rounds', type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        project = Path(directory)
        (project / 'pytest.ini').write_text('[pytest]\n')
        for index in range(10):
            (project / f'test_{index}.py').write_text(TEST_FILE)
        pytest_seconds(project)  # warm the file system caches and .pyc files
        pytest_seconds(project, '-p', 'no:agentrun')
        results = {
            'pytest -q (a run of 10 files x 2 tests)': compare(project, args.rounds),
            'pytest --collect-only -q': compare(project, args.rounds, '--collect-only'),
        }
    print(f'{args.rounds} rounds, median wall time per process, with pytest-agentrun and without (-p no:agentrun)')
    for label, (plugin, bare) in results.items():
        print(f'  {label}')
        print(f'    with {plugin * 1000:8.1f} ms   without {bare * 1000:8.1f} ms   ratio {plugin / bare:.3f}x')


if __name__ == '__main__':
    main()
