"""What the plugin adds to pytest start-up: `pytest --collect-only` with and without it, interleaved.

A small project of test files that do not import pydantic-ai is collected by subprocesses of this Python,
alternately with the plugin (as installed) and without it (`-p no:agentrun`), so machine noise falls on
both alike. The plugin must not import pydantic-ai at start-up; the difference is the cost of importing
the plugin module and registering its options, marker and hooks.

    python benchmarks/bench_startup.py             # 20 rounds
    python benchmarks/bench_startup.py --rounds 40
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEST_FILE = """
def test_one():
    assert 1 + 1 == 2


def test_two():
    assert 'a' in 'abc'
"""


def collect(project: Path, *extra: str) -> float:
    """Seconds for one `pytest --collect-only -q` of `project`, as a fresh process."""
    command = [sys.executable, '-m', 'pytest', '--collect-only', '-q', '-p', 'no:cacheprovider', *extra]
    start = time.perf_counter()
    subprocess.run(command, cwd=project, check=True, capture_output=True)
    return time.perf_counter() - start


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
        collect(project)  # warm the file system caches and .pyc files
        collect(project, '-p', 'no:agentrun')
        with_plugin: list[float] = []
        without: list[float] = []
        for round_number in range(args.rounds):
            cases = [(with_plugin, ()), (without, ('-p', 'no:agentrun'))]
            if round_number % 2:
                cases.reverse()
            for times, extra in cases:
                times.append(collect(project, *extra))
    plugin_ms = statistics.median(with_plugin) * 1000
    bare_ms = statistics.median(without) * 1000
    print(f'pytest --collect-only of 10 files x 2 tests, {args.rounds} rounds, median wall time per process')
    print(f'  with pytest-agentrun    {plugin_ms:8.1f} ms')
    print(f'  without (-p no:agentrun){bare_ms:8.1f} ms')
    print(f'  difference              {plugin_ms - bare_ms:8.1f} ms ({plugin_ms / bare_ms:.3f}x)')


if __name__ == '__main__':
    main()
