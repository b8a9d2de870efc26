"""How the doc checker's output comparison scales: `compare()` against long printed outputs.

Run it from the repository root, in an environment where pytest-agentrun is installed:

    python benchmarks/bench_compare.py                        # outputs of 1,000 to 10,000 tokens
    python benchmarks/bench_compare.py --sizes 2000 4000      # other sizes (tokens, about)
    python benchmarks/bench_compare.py --check                # exit 1 if a target is missed
    python benchmarks/bench_compare.py --only '[..., ...]' --only dict      # only the cases so named
    python benchmarks/bench_compare.py --module old_compare.py --sizes 1000 2000 4000 --repeat 1

`--module` times the `compare` of another copy of `_docs/compare.py` (for instance the one before a change:
`git show <commit>:src/pytest_agentrun/_docs/compare.py > old_compare.py`).

Each case is a pattern as a doc writes it (ellipsis-heavy: `[..., ...]`, `[...]`, 200 `...` in a row, a
mismatch found only at the end, ...) and a printed output of about N tokens (a list of numbers, a list of
tuples, a dict of strings, brackets nested N/2 deep). Tokenizing is done once, outside the timing: only
`compare()` is timed, the best of `--repeat` runs (`time.perf_counter`). The table gives milliseconds per
case and size, then, per case, the growth from the smallest to the largest size divided by the growth in
tokens: about 1 for linear work, about the size ratio for quadratic work.

Targets: every case under 50 ms at 10,000 tokens; growth ratio under 2 (linear, with room for noise).
The exit status is 0 unless `--check` is given; then a missed target exits 1.
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import sys
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

from pytest_agentrun._docs.compare import tokenize

TARGET_MS = 50.0
TARGET_TOKENS = 10_000
MAX_GROWTH = 2.0


def numbers(tokens: int) -> str:
    return repr(list(range(tokens // 2)))


def pairs(tokens: int) -> str:
    return repr([(i, f'v{i}') for i in range(tokens // 6)])


def strings(tokens: int) -> str:
    return repr({i: f'value {i}' for i in range(tokens // 4)})


def nested(tokens: int) -> str:
    return '[' * (tokens // 2) + ']' * (tokens // 2)


def flat_then_deep(tokens: int) -> str:
    """A long flat list whose last item is nested 100 deep (more depths than `compare` moves by bit operations)."""
    return '[' + ', '.join(map(str, range(tokens // 2 - 100))) + ', ' + '[' * 100 + ']' * 100 + ']'


def many_ellipses(count: int) -> str:
    return '[' + ', '.join(['...'] * count) + ']'


# name -> (printed output of about n tokens, the doc's pattern for it, whether they match)
CASES: dict[str, tuple[Callable[[int], str], Callable[[int], str], bool]] = {
    '[..., ...] / numbers': (numbers, lambda n: '[..., ...]', True),
    '[...] / numbers': (numbers, lambda n: '[...]', True),
    '[0, ..., last] / numbers': (numbers, lambda n: f'[0, ..., {n // 2 - 1}]', True),
    '[..., middle, ...] / numbers': (numbers, lambda n: f'[..., {n // 4}, ...]', True),
    '[..., x] / numbers (no match)': (numbers, lambda n: '[..., x]', False),
    '200 x ... / numbers': (numbers, lambda n: many_ellipses(200), True),
    "[(..., '...'), ...] / pairs": (pairs, lambda n: "[(..., '...'), ...]", True),
    "{...: '...', ...} / dict": (strings, lambda n: "{...: '...', ...}", True),
    '[[...], ...] / nested (no match)': (nested, lambda n: '[[...], ...]', False),
    '[...] / nested': (nested, lambda n: '[...]', True),
    '200 x ... / flat, then 100 deep': (flat_then_deep, lambda n: many_ellipses(200), True),
    'exact copy / numbers': (numbers, numbers, True),
}


def load_compare(module_path: str | None) -> Callable[[Any, Any], Any]:
    if module_path is None:
        from pytest_agentrun._docs.compare import compare

        return compare
    # loaded as a module of the package, so its relative imports (`.blocks`, `.expected`) resolve
    spec = importlib.util.spec_from_file_location('pytest_agentrun._docs._bench_compare', module_path)
    if spec is None or spec.loader is None:
        sys.exit(f'cannot load {module_path}')
    module: ModuleType = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.compare


def best_ms(compare: Callable[[Any, Any], Any], expected: Any, actual: Any, repeat: int) -> tuple[float, Any]:
    best = float('inf')
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = compare(expected, actual)
        best = min(best, time.perf_counter() - start)
    return best * 1000, result


def main(args: argparse.Namespace) -> bool:
    compare = load_compare(args.module)
    sizes = sorted(args.sizes)
    cases = {name: case for name, case in CASES.items() if not args.only or any(o in name for o in args.only)}
    if not cases:
        sys.exit(f'no case is named by --only {args.only}; the cases: {", ".join(CASES)}')
    print(f'CPython {platform.python_version()}, {platform.system()}; compare() from {args.module or "the package"}')
    print(f'best of {args.repeat} runs, ms; columns: output size in tokens (about: exact counts below)\n')
    rows: dict[str, list[float]] = {}
    counts: list[int] = []
    for size in sizes:
        for name, (output, pattern, should_match) in cases.items():
            actual = tokenize([output(size)])
            expected = tokenize([pattern(size)])
            ms, result = best_ms(compare, expected, actual, args.repeat)
            if (result is None) != should_match:
                wanted = 'a match' if should_match else 'a mismatch'
                sys.exit(f'{name} at {size}: compare() returned {result!r}, expected {wanted}')
            rows.setdefault(name, []).append(ms)
        counts.append(len(tokenize([numbers(size)])))
        print(f'size {size} done', file=sys.stderr)
    width = max(len(name) for name in cases)
    print(f'{"case":<{width}}  ' + '  '.join(f'{size:>9}' for size in sizes) + '     growth')
    print(f'{"-" * width}  ' + '  '.join('-' * 9 for _ in sizes) + '  ---------')
    passed = True
    growth_of_tokens = sizes[-1] / sizes[0]
    for name, times in rows.items():
        growth = (times[-1] / times[0]) / growth_of_tokens if len(sizes) > 1 and times[0] > 0 else float('nan')
        print(f'{name:<{width}}  ' + '  '.join(f'{ms:>9.2f}' for ms in times) + f'  {growth:>9.2f}')
        if len(sizes) > 1 and growth >= MAX_GROWTH:
            passed = False
    print(f'\n(tokens in the numbers output at each size: {", ".join(map(str, counts))})')
    if TARGET_TOKENS in sizes:
        worst_name, worst = max(((n, t[sizes.index(TARGET_TOKENS)]) for n, t in rows.items()), key=lambda x: x[1])
        ok = worst < TARGET_MS
        passed = passed and ok
        print(
            f'{"PASS" if ok else "FAIL"}: slowest case at {TARGET_TOKENS} tokens: {worst:.2f} ms ({worst_name}); '
            f'< {TARGET_MS:.0f} ms required'
        )
    if len(sizes) > 1:
        worst_growth = max((t[-1] / t[0]) / growth_of_tokens for t in rows.values())
        print(
            f'{"PASS" if worst_growth < MAX_GROWTH else "FAIL"}: largest growth {worst_growth:.2f} '
            f'(time ratio / token ratio, {sizes[0]} -> {sizes[-1]}); < {MAX_GROWTH:.1f} required (1 is linear)'
        )
    return passed


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument('--sizes', type=int, nargs='+', default=[1000, 2000, 5000, 10_000], help='output sizes, tokens')
    parser.add_argument('--repeat', type=int, default=5, help='runs per case; the best is kept (default 5)')
    parser.add_argument('--module', help='time the compare() of this copy of _docs/compare.py instead')
    parser.add_argument('--only', action='append', help='run only the cases whose name contains this (repeatable)')
    parser.add_argument('--check', action='store_true', help='exit 1 if a target is missed')
    arguments = parser.parse_args(argv)
    if arguments.repeat < 1 or min(arguments.sizes) < 10:
        parser.error('--repeat must be positive and sizes at least 10 tokens')
    return arguments


if __name__ == '__main__':
    arguments = parse_args()
    ok = main(arguments)
    sys.exit(0 if ok or not arguments.check else 1)
