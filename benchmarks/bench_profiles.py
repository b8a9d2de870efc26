"""What a stand-in's real profile costs: the first use of each model string's profile, in a fresh process.

Run it from the repository root, in an environment where pytest-agentrun is installed:

    python benchmarks/bench_profiles.py              # 5 rounds per model string
    python benchmarks/bench_profiles.py --rounds 9

Each round of each model string is a fresh Python process that imports pydantic-ai's `models` module (as a test
session has by the time a profile is used), then times `_profiles.real_profile(name)`: the first call, which has
pydantic-ai build the real model (importing its provider and model modules, and the SDK where it is installed,
or stubs for it where it is not), and the second call, which reads the kept profile. A second column times the
first call once the SDK-backed modules are already imported (`import pydantic_ai.models.<provider>` first, where
that works), which is what a string costs when another string of the same provider came before it.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import statistics
import subprocess
import sys

import pydantic_ai

NAMES = [
    'openai:gpt-5.2',
    'openai-responses:gpt-5.2',
    'anthropic:claude-sonnet-4-5',
    'google:gemini-2.5-pro',
    'groq:llama-3.3-70b-versatile',
    'mistral:mistral-large-latest',
    'bedrock:amazon.nova-pro-v1:0',
    'cohere:command-r-plus',
    'foo:bar',
]

PROBE = """
import importlib, json, sys, time, warnings
import pydantic_ai.models
from pytest_agentrun import _profiles

name, preimport = sys.argv[1], sys.argv[2] == '1'
if preimport:
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        try:
            importlib.import_module('pydantic_ai.models.' + name.partition(':')[0].partition('-')[0])
        except ImportError:
            pass
start = time.perf_counter()
profile = _profiles.real_profile(name)
first = time.perf_counter() - start
start = time.perf_counter()
_profiles.real_profile(name)
again = time.perf_counter() - start
print(json.dumps({'first': first, 'again': again, 'built': profile is not None}))
"""


def probe(name: str, *, preimport: bool) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, '-c', PROBE, name, '1' if preimport else '0'], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def sdk_state(name: str) -> str:
    sdk = {
        'openai': 'openai',
        'anthropic': 'anthropic',
        'google': 'google.genai',
        'groq': 'groq',
        'mistral': 'mistralai',
        'bedrock': 'boto3',
        'cohere': 'cohere',
    }.get(name.partition(':')[0].partition('-')[0])
    if sdk is None:
        return '-'
    try:
        found = importlib.util.find_spec(sdk) is not None
    except ModuleNotFoundError:  # a namespace parent (google) that is not installed either
        found = False
    return 'installed' if found else 'stubbed'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument('--rounds', type=int, default=5, help='fresh processes per model string (default 5)')
    args = parser.parse_args()
    print(
        f'Python {platform.python_version()}, pydantic-ai {pydantic_ai.__version__}, '
        f'median of {args.rounds} fresh processes per model string'
    )
    width = max(len(n) for n in NAMES)
    columns = f'{"SDK":>9}  {"built":>5}  {"first ms":>9}  {"SDK imported":>12}  {"again µs":>8}'
    header = f'{"model string":<{width}}  {columns}'
    print(header)
    print('-' * len(header))
    for name in NAMES:
        cold = [probe(name, preimport=False) for _ in range(args.rounds)]
        warm = [probe(name, preimport=True) for _ in range(args.rounds)]
        first = statistics.median(r['first'] for r in cold) * 1000
        first_warm = statistics.median(r['first'] for r in warm) * 1000
        again = statistics.median(r['again'] for r in cold) * 1e6
        built = 'yes' if cold[0]['built'] else 'no'
        print(f'{name:<{width}}  {sdk_state(name):>9}  {built:>5}  {first:>9.1f}  {first_warm:>12.1f}  {again:>8.2f}')


if __name__ == '__main__':
    main()
