"""Wall time per agent run: `ScriptedModel` against pydantic-ai's `TestModel` and `FunctionModel`.

Run it from the repository root, in an environment where pytest-agentrun is installed:

    python benchmarks/bench_model.py              # 2000 runs of each case
    python benchmarks/bench_model.py --runs 5000  # more runs
    python benchmarks/bench_model.py --check      # exit 1 if a target is missed

Every case answers `'What is the capital of France?'` with `'The capital of France is Paris.'`.
All cases run in one process and one event loop, interleaved: each round runs every case once, in an
order shuffled per round (with a fixed seed), so machine noise falls on all cases alike. A warm-up
precedes the measured rounds. Times come from `time.perf_counter_ns` around one `agent.run(...)`
(or one fully consumed `agent.run_stream(...)`), including the model's construction where a case
builds a fresh model per run.

Targets, checked on the medians: every `ScriptedModel` case within 5% of `TestModel` (ratio <= 1.05),
and faster than `FunctionModel` with a sync function (ratio < 1.0). PASS/FAIL lines are printed;
the exit status is 0 unless `--check` is given.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import random
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pydantic_ai
from pydantic_ai import Agent
from pydantic_ai.messages import ModelMessage, ModelResponse, TextPart
from pydantic_ai.models.function import AgentInfo, FunctionModel
from pydantic_ai.models.test import TestModel

from pytest_agentrun import ScriptedModel

PROMPT = 'What is the capital of France?'
ANSWER = 'The capital of France is Paris.'
STREAM_CHUNKS = ('The capital of ', 'France is Paris.')
"""The deltas `FunctionModel`'s stream function sends: the same as `ScriptedModel`'s default (3 words each)."""

MAX_RATIO_TO_TEST_MODEL = 1.05
MAX_RATIO_TO_SYNC_FUNCTION_MODEL = 1.0


@dataclass
class Case:
    """One thing to time: `run()` performs one agent run and returns the output text."""

    name: str
    run: Callable[[], Awaitable[str]]
    streamed: bool = False
    times_ns: list[int] = field(default_factory=list[int])

    @property
    def median_us(self) -> float:
        return statistics.median(self.times_ns) / 1000

    @property
    def p90_us(self) -> float:
        ordered = sorted(self.times_ns)
        return ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))] / 1000


# --- the models' answers ----------------------------------------------------------------------------


def answer_sync(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    return ModelResponse(parts=[TextPart(ANSWER)])


async def answer_async(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    return ModelResponse(parts=[TextPart(ANSWER)])


async def answer_stream(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[str]:
    for chunk in STREAM_CHUNKS:
        yield chunk


# --- the cases ----------------------------------------------------------------------------------------


def run_case(agent: Agent[None, str], *, fresh_script: bool = False) -> Callable[[], Awaitable[str]]:
    """One `agent.run`; with `fresh_script`, on a new `ScriptedModel([ANSWER])` built inside the timed call."""

    async def run() -> str:
        if fresh_script:
            result = await agent.run(PROMPT, model=ScriptedModel([ANSWER]))
        else:
            result = await agent.run(PROMPT)
        return result.output

    return run


def stream_case(agent: Agent[None, str], *, fresh_script: bool = False) -> Callable[[], Awaitable[str]]:
    """One `agent.run_stream`, consuming every text delta (no debouncing)."""

    async def run() -> str:
        model = ScriptedModel([ANSWER]) if fresh_script else None
        async with agent.run_stream(PROMPT, model=model) as result:
            return ''.join([delta async for delta in result.stream_text(delta=True, debounce_by=None)])

    return run


def build_cases(*, stream: bool) -> list[Case]:
    no_model: Agent[None, str] = Agent()
    rules_model = ScriptedModel(rules={PROMPT: ANSWER})
    test_agent: Agent[None, str] = Agent(TestModel(custom_output_text=ANSWER))
    cases = [
        Case('ScriptedModel (fresh script)', run_case(no_model, fresh_script=True)),
        Case('ScriptedModel (rules, reused)', run_case(Agent(rules_model))),
        Case('TestModel', run_case(test_agent)),
        Case('FunctionModel (sync)', run_case(Agent(FunctionModel(answer_sync)))),
        Case('FunctionModel (async)', run_case(Agent(FunctionModel(answer_async)))),
    ]
    if stream:
        cases += [
            Case('stream: ScriptedModel (fresh script)', stream_case(no_model, fresh_script=True), streamed=True),
            Case('stream: TestModel', stream_case(test_agent), streamed=True),
            Case(
                'stream: FunctionModel (stream_function)',
                stream_case(Agent(FunctionModel(stream_function=answer_stream))),
                streamed=True,
            ),
        ]
    return cases


# --- measuring ----------------------------------------------------------------------------------------


async def measure(cases: list[Case], *, runs: int, warmup: int, seed: int) -> None:
    rng = random.Random(seed)
    order = list(cases)
    for round_number in range(warmup + runs):
        rng.shuffle(order)
        for case in order:
            start = time.perf_counter_ns()
            output = await case.run()
            elapsed = time.perf_counter_ns() - start
            if output != ANSWER:
                raise AssertionError(f'{case.name} answered {output!r}, expected {ANSWER!r}')
            if round_number >= warmup:
                case.times_ns.append(elapsed)


# --- reporting ----------------------------------------------------------------------------------------


def print_table(cases: list[Case]) -> None:
    width = max(len(c.name) for c in cases)
    print(f'{"case":<{width}}  {"median µs":>10}  {"p90 µs":>10}')
    print(f'{"-" * width}  {"-" * 10}  {"-" * 10}')
    for case in cases:
        print(f'{case.name:<{width}}  {case.median_us:>10.1f}  {case.p90_us:>10.1f}')


def ratio_lines(scripted: list[Case], baselines: list[Case]) -> None:
    for s in scripted:
        for b in baselines:
            print(f'{s.name} / {b.name}: {s.median_us / b.median_us:.3f}')


def check_targets(by_name: dict[str, Case]) -> bool:
    """Print a PASS/FAIL line per target; return whether all passed."""
    test_model = by_name['TestModel']
    sync_function = by_name['FunctionModel (sync)']
    ok = True
    for name in ('ScriptedModel (fresh script)', 'ScriptedModel (rules, reused)'):
        case = by_name[name]
        for baseline, limit, strict in (
            (test_model, MAX_RATIO_TO_TEST_MODEL, False),
            (sync_function, MAX_RATIO_TO_SYNC_FUNCTION_MODEL, True),
        ):
            ratio = case.median_us / baseline.median_us
            passed = ratio < limit if strict else ratio <= limit
            ok = ok and passed
            op = '<' if strict else '<='
            print(f'{"PASS" if passed else "FAIL"}: {name} / {baseline.name} = {ratio:.3f} ({op} {limit:.2f} required)')
    return ok


async def main(args: argparse.Namespace) -> bool:
    cases = build_cases(stream=not args.no_stream)
    print(
        f'Python {platform.python_version()} ({sys.implementation.name}), pydantic-ai {pydantic_ai.__version__}, '
        f'{args.runs} runs per case after {args.warmup} warm-up rounds, interleaved (seed {args.seed})'
    )
    await measure(cases, runs=args.runs, warmup=args.warmup, seed=args.seed)
    by_name = {c.name: c for c in cases}
    scripted = [c for c in cases if not c.streamed and c.name.startswith('ScriptedModel')]
    baselines = [c for c in cases if not c.streamed and not c.name.startswith('ScriptedModel')]

    print('\nagent.run()')
    print_table([c for c in cases if not c.streamed])
    print('\nratios of medians')
    ratio_lines(scripted, baselines)
    streamed = [c for c in cases if c.streamed]
    if streamed:
        print('\nagent.run_stream(), all text deltas consumed')
        print_table(streamed)
        print('\nratios of medians')
        ratio_lines(streamed[:1], streamed[1:])
        print('(TestModel streams one delta per word: 6 deltas; the others send 2)')
    print('\ntargets')
    return check_targets(by_name)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument('--runs', type=int, default=2000, help='measured runs per case (default 2000)')
    parser.add_argument('--warmup', type=int, default=200, help='warm-up rounds, not measured (default 200)')
    parser.add_argument('--seed', type=int, default=0, help='seed for the per-round order (default 0)')
    parser.add_argument('--no-stream', action='store_true', help='skip the streaming cases')
    parser.add_argument('--check', action='store_true', help='exit 1 if a target is missed')
    args = parser.parse_args(argv)
    if args.runs < 1 or args.warmup < 0:
        parser.error('--runs must be at least 1 and --warmup at least 0')
    return args


if __name__ == '__main__':
    arguments = parse_args()
    all_passed = asyncio.run(main(arguments))
    sys.exit(1 if arguments.check and not all_passed else 0)
