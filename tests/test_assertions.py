"""assert_nodes, assert_tool_calls and assert_usage: passing, and failing with the exact text a user reads."""

from __future__ import annotations

import dataclasses
import re
import warnings
from typing import Any

import pytest
import releases
from dirty_equals import IsInt, IsPositiveInt, IsStr
from projects import WEATHER_APP
from pydantic_ai import Agent
from pydantic_ai.usage import RequestUsage, RunUsage
from pydantic_graph import End

# before any in-process pytester run, which drops the modules a run imported once it ends
import pytest_agentrun._standin  # noqa: F401
from pytest_agentrun import (
    AgentRunFactory,
    RecordedRun,
    assert_nodes,
    assert_tool_calls,
    assert_usage,
    tool_call,
    turn,
)
from pytest_agentrun._assertions import expand_nodes

agent = Agent('openai:gpt-5.2', instructions='Be brief.')


@agent.tool_plain
def get_weather(city: str) -> str:
    return f'Sunny in {city}'


@agent.tool_plain
def get_time(tz: str) -> str:
    return '12:00'


SCRIPT = [
    turn(tool_call('get_weather', city='Paris'), tool_call('get_time', tz='CET'), usage={'input_tokens': 10}),
    turn(tool_call('get_weather', city='Rome'), usage={'input_tokens': 20, 'output_tokens': 5}),
    turn('Done.', usage={'input_tokens': 30, 'output_tokens': 7}),
]
NODES = [
    'UserPromptNode',
    *['ModelRequestNode', 'CallToolsNode'] * 3,
    'End',
]


@pytest.fixture
def run(agentrun: AgentRunFactory) -> RecordedRun[Any]:
    return agentrun.run_sync(agent, 'Weather and time?', script=SCRIPT)


def failure(check: Any, *args: Any, **kwargs: Any) -> str:
    """The message of the AssertionError `check(*args, **kwargs)` raises."""
    with pytest.raises(AssertionError) as info:
        check(*args, **kwargs)
    assert type(info.value) is AssertionError
    return str(info.value)


def lines(*text: str) -> str:
    return '\n'.join(text)


# --- assert_nodes ------------------------------------------------------------------------------------


def test_nodes_exact_passes(run: RecordedRun[Any]) -> None:
    assert run.node_names == NODES
    assert_nodes(run, NODES)
    assert_nodes(run, ' -> '.join(NODES))
    assert_nodes(run, 'UserPrompt -> (ModelRequest -> CallTools) * 3 -> End')
    assert_nodes(run, 'UserPrompt->(ModelRequest->CallTools)*3->End')
    assert_nodes(run, ['UserPrompt', 'ModelRequest', 'CallTools'] + ['ModelRequest', 'CallTools'] * 2 + ['End'])
    assert_nodes(run.nodes, 'UserPrompt -> (ModelRequest -> CallTools) * 3 -> End')  # node objects
    assert_nodes(run.node_names, 'UserPrompt -> (ModelRequest -> CallTools) * 3 -> End')  # names


@pytest.mark.anyio
async def test_nodes_of_the_agent_run_iter_gives(agentrun: AgentRunFactory) -> None:
    async with agentrun.iter(agent, 'Weather and time?', script=SCRIPT) as agent_run:
        node = agent_run.next_node
        while not isinstance(node, End):
            node = await agent_run.next(node)
        assert_nodes(agent_run, 'UserPrompt -> (ModelRequest -> CallTools) * 3 -> End')
    message = failure(assert_nodes, agent_run, 'UserPrompt -> End')
    assert message.startswith("Node sequence does not match (mode='exact'); first difference at index 1:")


def test_nodes_repeat_syntax() -> None:
    assert expand_nodes('UserPrompt -> (ModelRequest -> CallTools) * 2 -> End') == [
        'UserPromptNode',
        'ModelRequestNode',
        'CallToolsNode',
        'ModelRequestNode',
        'CallToolsNode',
        'End',
    ]
    assert expand_nodes('A * 3 -> B') == ['A', 'A', 'A', 'B']
    assert expand_nodes('(A -> (B -> C) * 2) * 2') == ['A', 'B', 'C', 'B', 'C'] * 2
    assert expand_nodes('(A)') == ['A']
    assert expand_nodes('A * 0 -> B') == ['B']
    assert expand_nodes(['UserPrompt', 'ModelRequest', 'CallTools', 'End', 'Custom']) == [
        'UserPromptNode',
        'ModelRequestNode',
        'CallToolsNode',
        'End',
        'Custom',
    ]


def test_nodes_exact_fails_with_side_by_side_table(run: RecordedRun[Any]) -> None:
    assert failure(assert_nodes, run, 'UserPrompt -> (ModelRequest -> CallTools) * 2 -> End') == lines(
        "Node sequence does not match (mode='exact'); first difference at index 5:",
        '       expected         | actual',
        '     0 UserPromptNode   | UserPromptNode',
        '     1 ModelRequestNode | ModelRequestNode',
        '     2 CallToolsNode    | CallToolsNode',
        '     3 ModelRequestNode | ModelRequestNode',
        '     4 CallToolsNode    | CallToolsNode',
        '  >  5 End              | ModelRequestNode',
        '     6                  | CallToolsNode',
        '     7                  | End',
    )


def test_nodes_exact_fails_when_longer_than_actual() -> None:
    assert failure(assert_nodes, ['UserPromptNode', 'End'], 'UserPrompt -> ModelRequest -> End -> End') == lines(
        "Node sequence does not match (mode='exact'); first difference at index 1:",
        '       expected         | actual',
        '     0 UserPromptNode   | UserPromptNode',
        '  >  1 ModelRequestNode | End',
        '     2 End              | ',
        '     3 End              | ',
    )
    assert failure(assert_nodes, ['UserPromptNode', 'End'], ['UserPrompt', 'End', 'End']) == lines(
        "Node sequence does not match (mode='exact'); first difference at index 2:",
        '       expected       | actual',
        '     0 UserPromptNode | UserPromptNode',
        '     1 End            | End',
        '  >  2 End            | ',
    )


def test_nodes_prefix(run: RecordedRun[Any]) -> None:
    assert_nodes(run, 'UserPrompt -> ModelRequest', mode='prefix')
    assert_nodes(run, NODES, mode='prefix')
    assert failure(assert_nodes, run, 'UserPrompt -> ModelRequest -> End', mode='prefix') == lines(
        "Node sequence does not match (mode='prefix'); first difference at index 2:",
        '       expected         | actual',
        '     0 UserPromptNode   | UserPromptNode',
        '     1 ModelRequestNode | ModelRequestNode',
        '  >  2 End              | CallToolsNode',
        '     3                  | ModelRequestNode',
        '     4                  | CallToolsNode',
        '     5                  | ModelRequestNode',
        '     6                  | CallToolsNode',
        '     7                  | End',
    )
    assert failure(assert_nodes, ['UserPromptNode'], 'UserPrompt -> ModelRequest', mode='prefix') == lines(
        "Node sequence does not match (mode='prefix'); first difference at index 1:",
        '       expected         | actual',
        '     0 UserPromptNode   | UserPromptNode',
        '  >  1 ModelRequestNode | ',
    )


def test_nodes_in_order(run: RecordedRun[Any]) -> None:
    assert_nodes(run, 'UserPrompt -> CallTools -> CallTools -> End', mode='in_order')
    assert_nodes(run, 'CallTools * 3', mode='in_order')
    assert_nodes(run, [], mode='in_order')
    assert failure(assert_nodes, run, 'CallTools * 4', mode='in_order') == lines(
        "Node sequence does not contain the expected nodes in order (mode='in_order'): "
        "expected[3] 'CallToolsNode' is missing after the nodes before it.",
        '  expected: CallToolsNode -> CallToolsNode -> CallToolsNode -> CallToolsNode',
        '  actual:   UserPromptNode -> ModelRequestNode -> CallToolsNode -> ModelRequestNode -> CallToolsNode '
        '-> ModelRequestNode -> CallToolsNode -> End',
    )
    assert failure(assert_nodes, [], 'End', mode='in_order') == lines(
        "Node sequence does not contain the expected nodes in order (mode='in_order'): "
        "expected[0] 'End' is missing after the nodes before it.",
        '  expected: End',
        '  actual:   (no nodes)',
    )


@pytest.mark.parametrize(
    ('sequence', 'message'),
    [
        ('UserPrompt ->', 'cannot read the node sequence \'UserPrompt ->\': ends with "->"'),
        ('UserPrompt End', "cannot read the node sequence 'UserPrompt End': missing \"->\" before 'End'"),
        ('(UserPrompt', 'cannot read the node sequence \'(UserPrompt\': missing ")"'),
        ('UserPrompt)', 'cannot read the node sequence \'UserPrompt)\': unbalanced ")"'),
        ('-> UserPrompt', 'cannot read the node sequence \'-> UserPrompt\': "->" without a node before it'),
        ('UserPrompt -> $', "cannot read the node sequence 'UserPrompt -> $': unexpected '$'"),
    ],
)
def test_nodes_bad_sequence(sequence: str, message: str) -> None:
    with pytest.raises(ValueError, match=f'^{re.escape(message)}$'):
        assert_nodes(['UserPromptNode'], sequence)


def test_nodes_bad_arguments() -> None:
    with pytest.raises(TypeError) as info:
        assert_nodes(['UserPromptNode'], ['UserPrompt', 1])  # type: ignore[list-item]
    assert str(info.value) == 'expected node names as strings, got 1'
    message = "assert_nodes(mode='weird'): mode must be 'exact', 'prefix' or 'in_order'"
    with pytest.raises(ValueError, match=f'^{re.escape(message)}$'):
        assert_nodes(['UserPromptNode'], ['UserPrompt'], mode='weird')  # type: ignore[arg-type]


# --- assert_tool_calls -------------------------------------------------------------------------------

ACTUAL_CALLS = (
    '  actual:',
    "    0. get_weather(city='Paris') -> 'Sunny in Paris'",
    "    1. get_time(tz='CET') -> '12:00'",
    "    2. get_weather(city='Rome') -> 'Sunny in Rome'",
)


def test_tool_calls_exact_passes(run: RecordedRun[Any]) -> None:
    assert_tool_calls(run, ['get_weather', 'get_time', 'get_weather'])
    assert_tool_calls(
        run,
        [
            tool_call('get_weather', city='Paris'),
            ('get_time', {'tz': 'CET'}),
            ('get_weather', {}),
        ],
    )
    assert run.result is not None
    assert_tool_calls(run.result, ['get_weather', 'get_time', 'get_weather'])  # an AgentRunResult
    assert_tool_calls(run.messages, ['get_weather', 'get_time', 'get_weather'])  # a list of messages


def test_tool_calls_dirty_equals(run: RecordedRun[Any]) -> None:
    assert_tool_calls(
        run,
        [
            ('get_weather', {'city': IsStr(regex='P.*')}),
            tool_call('get_time', tz=IsStr),
            tool_call('get_weather', city=IsStr() & ~IsStr(regex='P.*')),
        ],
    )
    message = failure(assert_tool_calls, run, [('get_weather', {'city': IsInt})], mode='in_order')
    assert message == lines(
        "Tool calls do not match (mode='in_order'): expected[0] get_weather(city=IsInt, ...) was not called after the "
        'calls before it.',
        '  expected:',
        '    0. get_weather(city=IsInt, ...)',
        *ACTUAL_CALLS,
    )


def test_tool_calls_exact_fails(run: RecordedRun[Any]) -> None:
    assert failure(assert_tool_calls, run, ['get_weather', ('get_time', {'tz': 'UTC'}), 'get_weather']) == lines(
        "Tool calls do not match (mode='exact'): call 1 is get_time(tz='CET') -> '12:00', "
        "expected get_time(tz='UTC', ...).",
        '  expected:',
        '    0. get_weather(...)',
        "    1. get_time(tz='UTC', ...)",
        '    2. get_weather(...)',
        *ACTUAL_CALLS,
    )
    assert failure(assert_tool_calls, run, ['get_weather', 'get_time']) == lines(
        "Tool calls do not match (mode='exact'): unexpected call 2: get_weather(city='Rome') -> 'Sunny in Rome'.",
        '  expected:',
        '    0. get_weather(...)',
        '    1. get_time(...)',
        *ACTUAL_CALLS,
    )
    assert failure(assert_tool_calls, run, ['get_weather', 'get_time', 'get_weather', 'get_time']) == lines(
        "Tool calls do not match (mode='exact'): expected[3] get_time(...) was not called.",
        '  expected:',
        '    0. get_weather(...)',
        '    1. get_time(...)',
        '    2. get_weather(...)',
        '    3. get_time(...)',
        *ACTUAL_CALLS,
    )
    assert failure(assert_tool_calls, [], ['get_weather']) == lines(
        "Tool calls do not match (mode='exact'): expected[0] get_weather(...) was not called.",
        '  expected:',
        '    0. get_weather(...)',
        '  actual:',
        '    (no tool calls)',
    )


def test_tool_calls_in_order(run: RecordedRun[Any]) -> None:
    assert_tool_calls(run, ['get_weather', 'get_weather'], mode='in_order')
    assert_tool_calls(run, [tool_call('get_weather', city='Rome')], mode='in_order')
    assert_tool_calls(run, [], mode='in_order')
    message = failure(assert_tool_calls, run, ['get_time', tool_call('get_weather', city='Paris')], mode='in_order')
    assert message == lines(
        "Tool calls do not match (mode='in_order'): expected[1] get_weather(city='Paris', ...) was not called after "
        'the calls before it.',
        '  expected:',
        '    0. get_time(...)',
        "    1. get_weather(city='Paris', ...)",
        *ACTUAL_CALLS,
    )


def test_tool_calls_any_order(run: RecordedRun[Any]) -> None:
    assert_tool_calls(run, ['get_time', 'get_weather', 'get_weather'], mode='any_order')
    assert_tool_calls(
        run,
        [tool_call('get_weather', city='Rome'), 'get_time', tool_call('get_weather', city='Paris')],
        mode='any_order',
    )
    assert failure(assert_tool_calls, run, ['get_time', 'get_weather'], mode='any_order') == lines(
        "Tool calls do not match (mode='any_order'): unexpected call: get_weather(city='Rome') -> 'Sunny in Rome'.",
        '  expected:',
        '    0. get_time(...)',
        '    1. get_weather(...)',
        *ACTUAL_CALLS,
    )
    message = failure(assert_tool_calls, run, ['get_time', 'get_weather', 'get_weather', 'get_time'], mode='any_order')
    assert message == lines(
        "Tool calls do not match (mode='any_order'): expected[3] get_time(...) was not called.",
        '  expected:',
        '    0. get_time(...)',
        '    1. get_weather(...)',
        '    2. get_weather(...)',
        '    3. get_time(...)',
        *ACTUAL_CALLS,
    )


def test_tool_calls_any_order_finds_a_matching_assignment(run: RecordedRun[Any]) -> None:
    assert_tool_calls(
        run,
        ['get_weather', 'get_time', tool_call('get_weather', city='Paris')],
        mode='any_order',
    )


def test_tool_calls_bad_expected_items() -> None:
    with pytest.raises(TypeError) as info:
        assert_tool_calls([], [42])
    assert str(info.value) == (
        'assert_tool_calls: cannot read the expected call 42; '
        "write a tool name, tool_call('name', arg=value) or ('name', {'arg': value})"
    )
    with pytest.raises(TypeError) as info:
        assert_tool_calls([], [('get_weather', 'Paris')])
    assert str(info.value) == (
        "assert_tool_calls: cannot read the expected call ('get_weather', 'Paris'); "
        "write a tool name, tool_call('name', arg=value) or ('name', {'arg': value})"
    )
    with pytest.raises(TypeError) as info:
        assert_tool_calls([], [tool_call('get_weather', '{"city": "Paris"}')])
    assert str(info.value) == (
        'assert_tool_calls: tool_call(\'get_weather\', \'{"city": "Paris"}\') has JSON-string arguments; '
        'give them as keywords'
    )
    message = "assert_tool_calls(mode='sorted'): mode must be 'exact', 'in_order' or 'any_order'"
    with pytest.raises(ValueError, match=f'^{re.escape(message)}$'):
        assert_tool_calls([], [], mode='sorted')  # type: ignore[arg-type]


# --- assert_usage ------------------------------------------------------------------------------------


def counters() -> str:
    names = {f.name for f in dataclasses.fields(RunUsage) if not f.name.startswith('_')} | {'total_tokens'}
    return ', '.join(sorted(names))


def test_usage_partial_and_dirty_equals(run: RecordedRun[Any]) -> None:
    assert_usage(run, requests=3)
    tool_calls = {'tool_calls': 3} if releases.HAS_TOOL_CALLS_COUNTER else {}  # counted from pydantic-ai 1.0
    assert_usage(run, requests=3, **tool_calls, input_tokens=60, output_tokens=IsPositiveInt)
    assert_usage(run, input_tokens=IsInt(gt=50), total_tokens=IsPositiveInt)


def test_usage_of_result_agent_run_and_usage_objects(run: RecordedRun[Any], agentrun: AgentRunFactory) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert run.result is not None
        assert_usage(run.result, requests=3, input_tokens=60)  # an AgentRunResult
        assert_usage(run.usage, requests=3, input_tokens=60)  # a RunUsage
        assert_usage(RunUsage(requests=1, input_tokens=5), requests=1, input_tokens=5)
        assert_usage(RequestUsage(input_tokens=5, output_tokens=2), input_tokens=5, output_tokens=2)

        async def drive_by_hand() -> None:
            async with agentrun.iter(agent, 'Hi', script=[turn('Hello.', usage={'input_tokens': 4})]) as agent_run:
                async for _ in agent_run:
                    pass
                assert_usage(agent_run, requests=1, input_tokens=4)  # an AgentRun

        import anyio

        anyio.run(drive_by_hand)


def test_usage_fails(run: RecordedRun[Any]) -> None:
    usage_repr = repr(run.usage)
    assert failure(assert_usage, run, requests=2, input_tokens=60, output_tokens=IsInt(lt=5)) == lines(
        'Usage does not match:',
        '  requests: expected 2, got 3',
        f'  output_tokens: expected IsInt(lt=5), got {run.usage.output_tokens}',
        f'  actual usage: {usage_repr}',
    )
    assert failure(assert_usage, RunUsage(requests=1), requests=2) == lines(
        'Usage does not match:',
        '  requests: expected 2, got 1',
        '  actual usage: RunUsage(requests=1)',
    )


def test_usage_unknown_counter_and_no_counter(run: RecordedRun[Any]) -> None:
    with pytest.raises(TypeError) as info:
        assert_usage(run, nope=1, foo=2, requests=3)
    assert str(info.value) == f'assert_usage(): RunUsage has no foo, nope; counters: {counters()}'
    expected = {'input_tokens', 'output_tokens', 'requests', 'total_tokens'}
    assert expected | ({'tool_calls'} if releases.HAS_TOOL_CALLS_COUNTER else set()) <= set(counters().split(', '))
    with pytest.raises(TypeError) as info:
        assert_usage(run)
    assert str(info.value) == 'assert_usage() needs at least one counter, e.g. assert_usage(run, requests=1)'


# --- as a user sees it in a pytest run ---------------------------------------------------------------

USER_TESTS = """
import pytest
from pytest_agentrun import assert_nodes, assert_tool_calls, assert_usage, tool_call
from app import agent

SCRIPT = [tool_call('get_weather', city='Paris'), 'Sunny.']

@pytest.fixture
def run(agentrun):
    return agentrun.run_sync(agent, 'Weather?', script=SCRIPT)

def test_nodes(run):
    assert_nodes(run, 'UserPrompt -> ModelRequest -> CallTools -> End')

def test_tool_calls(run):
    assert_tool_calls(run, [tool_call('get_weather', city='Rome')])

def test_usage(run):
    assert_usage(run, requests=1)

def test_passes(run):
    assert_nodes(run, 'UserPrompt -> (ModelRequest -> CallTools) * 2 -> End')
    assert_tool_calls(run, ['get_weather'])
    assert_usage(run, requests=2, tool_calls=1)
"""


def exact(*text: str) -> list[str]:
    """fnmatch patterns that match these lines exactly (`[`, `]`, `*` and `?` taken literally)."""
    return [re.sub(r'([\[\]*?])', r'[\1]', line) for line in text]


def as_error(first: str, *rest: str) -> list[str]:
    """Exact patterns for the `E` lines pytest prints for an AssertionError with this message."""
    return exact(f'E       AssertionError: {first}', *(f'E       {line}' for line in rest))


@pytest.mark.skipif(not releases.HAS_TOOL_CALLS_COUNTER, reason='the tool_calls counter came in pydantic-ai 1.0')
def test_failures_as_a_user_sees_them(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(app=WEATHER_APP, test_user=USER_TESTS)
    result = pytester.runpytest_inprocess('-p', 'no:randomly')
    result.assert_outcomes(failed=3, passed=1)
    result.stdout.fnmatch_lines(
        [
            ">       assert_nodes(run, 'UserPrompt -> ModelRequest -> CallTools -> End')",
            *as_error(
                "Node sequence does not match (mode='exact'); first difference at index 3:",
                '       expected         | actual',
                '     0 UserPromptNode   | UserPromptNode',
                '     1 ModelRequestNode | ModelRequestNode',
                '     2 CallToolsNode    | CallToolsNode',
                '  >  3 End              | ModelRequestNode',
                '     4                  | CallToolsNode',
                '     5                  | End',
            ),
            '',
            'test_user.py:12: AssertionError',
        ],
        consecutive=True,
    )
    result.stdout.fnmatch_lines(
        [
            ">       assert_tool_calls(run, [tool_call('get_weather', city='Rome')])",
            *as_error(
                "Tool calls do not match (mode='exact'): call 0 is "
                "get_weather(city='Paris') -> 'Sunny in Paris', expected get_weather(city='Rome', ...).",
                '  expected:',
                "    0. get_weather(city='Rome', ...)",
                '  actual:',
                "    0. get_weather(city='Paris') -> 'Sunny in Paris'",
            ),
            '',
            'test_user.py:15: AssertionError',
        ],
        consecutive=True,
    )
    result.stdout.fnmatch_lines(
        [
            '>       assert_usage(run, requests=1)',
            *as_error('Usage does not match:', '  requests: expected 1, got 2'),
            'E         actual usage: RunUsage(*input_tokens=105, output_tokens=12, requests=2, tool_calls=1)',
            '',
            'test_user.py:18: AssertionError',
        ],
        consecutive=True,
    )
    # the helpers hide their own frames: the traceback ends in the test
    result.stdout.no_fnmatch_line('*assertions.py*')
