"""Assertion helpers for recorded runs: node sequences, tool calls and usage.

Each takes a `RecordedRun` or the raw objects, and fails with an `AssertionError` whose message shows
expected and actual side by side, so the failure explains itself without a debugger.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from ._runs import RECORDED_NODES
from ._script import ToolCall

__all__ = ('assert_nodes', 'assert_tool_calls', 'assert_usage', 'expand_nodes')

NodesMode = Literal['exact', 'prefix', 'in_order']
CallsMode = Literal['exact', 'in_order', 'any_order']

_ALIASES = {'UserPrompt': 'UserPromptNode', 'ModelRequest': 'ModelRequestNode', 'CallTools': 'CallToolsNode'}


def _canonical(name: str) -> str:
    name = name.strip()
    return _ALIASES.get(name, name)


def _parse_sequence(text: str) -> list[str]:
    tokens = re.findall(r'->|\(|\)|\*\s*\d+|[A-Za-z_][A-Za-z0-9_]*|\S', text)
    position = 0

    def fail(message: str) -> ValueError:
        return ValueError(f'cannot read the node sequence {text!r}: {message}')

    def sequence(closing: bool) -> list[str]:
        nonlocal position
        items: list[str] = []
        expect_item = True
        while position < len(tokens):
            token = tokens[position]
            if token == ')':
                if not closing:
                    raise fail('unbalanced ")"')
                break
            position += 1
            if token == '->':
                if expect_item:
                    raise fail('"->" without a node before it')
                expect_item = True
                continue
            if not expect_item:
                raise fail(f'missing "->" before {token!r}')
            if token == '(':
                group = sequence(closing=True)
                if position >= len(tokens) or tokens[position] != ')':
                    raise fail('missing ")"')
                position += 1
                count = 1
                if position < len(tokens) and tokens[position].startswith('*'):
                    count = int(tokens[position][1:])
                    position += 1
                items.extend(group * count)
            elif re.fullmatch(r'[A-Za-z_][A-Za-z0-9_]*', token):
                name = _canonical(token)
                if position < len(tokens) and tokens[position].startswith('*'):
                    items.extend([name] * int(tokens[position][1:]))
                    position += 1
                else:
                    items.append(name)
            else:
                raise fail(f'unexpected {token!r}')
            expect_item = False
        if expect_item and items:
            raise fail('ends with "->"')
        return items

    result = sequence(closing=False)
    if position != len(tokens):
        raise fail('unbalanced ")"')
    return result


def expand_nodes(expected: str | Sequence[str]) -> list[str]:
    """Expected node names as a flat list.

    Takes a list of names, or one string with arrows and repeats:
    `'UserPrompt -> (ModelRequest -> CallTools) * 2 -> End'`. The `Node` suffix may be left out.
    """
    if isinstance(expected, str):
        return _parse_sequence(expected)
    names: list[str] = []
    for item in expected:
        if not isinstance(item, str):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise TypeError(f'expected node names as strings, got {item!r}')
        names.append(_canonical(item))
    return names


def _actual_names(run: Any) -> list[str]:
    if hasattr(run, 'node_names'):
        return list(run.node_names)
    recorded = getattr(run, RECORDED_NODES, None)  # the AgentRun that agentrun.iter gives
    if recorded is not None:
        run = recorded
    return [item if isinstance(item, str) else type(item).__name__ for item in run]


def _side_by_side(expected: Sequence[str], actual: Sequence[str], marked: int | None) -> list[str]:
    width = max([len('expected'), *(len(e) for e in expected)])
    rows = [f'       {"expected".ljust(width)} | actual']
    for index in range(max(len(expected), len(actual))):
        left = expected[index] if index < len(expected) else ''
        right = actual[index] if index < len(actual) else ''
        mark = '>' if index == marked else ' '
        rows.append(f'  {mark}{index:3} {left.ljust(width)} | {right}')
    return rows


def assert_nodes(run: Any, expected: str | Sequence[str], *, mode: NodesMode = 'exact') -> None:
    """Assert the run's node sequence.

    `mode='exact'` (default) wants exactly `expected`; `'prefix'` wants the run to start with it;
    `'in_order'` wants those nodes in that order, others allowed between them.

    ```python
    assert_nodes(run, 'UserPrompt -> (ModelRequest -> CallTools) * 2 -> End')
    ```
    """
    __tracebackhide__ = True
    wanted = expand_nodes(expected)
    actual = _actual_names(run)
    if mode == 'in_order':
        position = 0
        for index, name in enumerate(wanted):
            while position < len(actual) and actual[position] != name:
                position += 1
            if position == len(actual):
                found = ' -> '.join(actual) or '(no nodes)'
                raise AssertionError(
                    f'Node sequence does not contain the expected nodes in order (mode={mode!r}): '
                    f'expected[{index}] {name!r} is missing after the nodes before it.\n'
                    f'  expected: {" -> ".join(wanted)}\n'
                    f'  actual:   {found}'
                )
            position += 1
        return
    if mode not in ('exact', 'prefix'):
        raise ValueError(f"assert_nodes(mode={mode!r}): mode must be 'exact', 'prefix' or 'in_order'")
    compared = actual[: len(wanted)] if mode == 'prefix' else actual
    if compared == wanted:
        return
    first = next(
        (i for i, (e, a) in enumerate(zip(wanted, compared, strict=False)) if e != a),
        min(len(wanted), len(compared)),
    )
    lines = [
        f'Node sequence does not match (mode={mode!r}); first difference at index {first}:',
        *_side_by_side(wanted, actual, first),
    ]
    raise AssertionError('\n'.join(lines))


def _expected_call(item: Any) -> tuple[str, Mapping[str, Any] | None]:
    if isinstance(item, str):
        return item, None
    if isinstance(item, ToolCall):
        if isinstance(item.args, str):
            raise TypeError(f'assert_tool_calls: {item!r} has JSON-string arguments; give them as keywords')
        return item.tool_name, item.args
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):  # pyright: ignore[reportUnknownArgumentType]
        name, args = item  # pyright: ignore[reportUnknownVariableType]
        if isinstance(args, Mapping):
            return name, args  # pyright: ignore[reportUnknownVariableType]
    raise TypeError(
        f'assert_tool_calls: cannot read the expected call {item!r}; '
        "write a tool name, tool_call('name', arg=value) or ('name', {'arg': value})"
    )


def _call_matches(expected: tuple[str, Mapping[str, Any] | None], actual: Any) -> bool:
    name, args = expected
    if actual.tool_name != name:
        return False
    if args is None:
        return True
    return all(key in actual.args and value == actual.args[key] for key, value in args.items())


def _describe_expected(expected: tuple[str, Mapping[str, Any] | None]) -> str:
    name, args = expected
    if args is None:
        return f'{name}(...)'
    return f'{name}({", ".join(f"{k}={v!r}" for k, v in args.items())}, ...)'


def _unordered_problem(wanted: Sequence[tuple[str, Mapping[str, Any] | None]], actual: Sequence[Any]) -> str | None:
    """Pair every expected call with a distinct actual call (a bipartite matching), or say what is left over."""
    owner: dict[int, int] = {}  # actual index -> expected index

    def place(index: int, tried: set[int]) -> bool:
        for candidate, call in enumerate(actual):
            if candidate in tried or not _call_matches(wanted[index], call):
                continue
            tried.add(candidate)
            if candidate not in owner or place(owner[candidate], tried):
                owner[candidate] = index
                return True
        return False

    for index, want in enumerate(wanted):
        if not place(index, set()):
            return f'expected[{index}] {_describe_expected(want)} was not called'
    extra = [call for position, call in enumerate(actual) if position not in owner]
    if extra:
        return f'unexpected call: {extra[0]!r}'
    return None


def _calls_of(run: Any) -> list[Any]:
    if hasattr(run, 'tool_calls'):
        return list(run.tool_calls)
    from ._runs import tool_calls_of

    if hasattr(run, 'all_messages'):
        return tool_calls_of(run.all_messages())
    return tool_calls_of(run)


def assert_tool_calls(run: Any, expected: Sequence[Any], *, mode: CallsMode = 'exact') -> None:
    """Assert the tool calls the model made: names, arguments (partial match) and order.

    Each expected call is a tool name, `tool_call('name', arg=value)` or `('name', {'arg': value})`; only
    the arguments given are compared, with `==`, so dirty-equals values work (`city=IsStr()`).
    `mode='exact'` wants these calls and no others, in order; `'in_order'` allows other calls between
    them; `'any_order'` wants these calls and no others, in any order.
    """
    __tracebackhide__ = True
    if mode not in ('exact', 'in_order', 'any_order'):
        raise ValueError(f"assert_tool_calls(mode={mode!r}): mode must be 'exact', 'in_order' or 'any_order'")
    wanted = [_expected_call(item) for item in expected]
    actual = _calls_of(run)
    problem: str | None = None
    if mode == 'exact':
        for index, want in enumerate(wanted):
            if index >= len(actual):
                problem = f'expected[{index}] {_describe_expected(want)} was not called'
                break
            if not _call_matches(want, actual[index]):
                problem = f'call {index} is {actual[index]!r}, expected {_describe_expected(want)}'
                break
        else:
            if len(actual) > len(wanted):
                problem = f'unexpected call {len(wanted)}: {actual[len(wanted)]!r}'
    elif mode == 'in_order':
        position = 0
        for index, want in enumerate(wanted):
            while position < len(actual) and not _call_matches(want, actual[position]):
                position += 1
            if position == len(actual):
                problem = f'expected[{index}] {_describe_expected(want)} was not called after the calls before it'
                break
            position += 1
    else:
        problem = _unordered_problem(wanted, actual)
    if problem is None:
        return
    lines = [
        f'Tool calls do not match (mode={mode!r}): {problem}.',
        '  expected:',
        *(f'    {i}. {_describe_expected(w)}' for i, w in enumerate(wanted)),
        '  actual:',
        *([f'    {i}. {c!r}' for i, c in enumerate(actual)] or ['    (no tool calls)']),
    ]
    raise AssertionError('\n'.join(lines))


def _usage_of(run: Any) -> Any:
    from . import _compat

    if hasattr(run, 'input_tokens') or isinstance(run, (_compat.RequestUsage, _compat.RunUsage)):
        return run
    if hasattr(run, 'result') and hasattr(run, 'nodes'):
        return run.usage
    return _compat.run_usage(run)


def _usage_fields(usage: Any) -> dict[str, Any]:
    import dataclasses

    values = {f.name: getattr(usage, f.name) for f in dataclasses.fields(usage) if not f.name.startswith('_')}
    if hasattr(usage, 'total_tokens'):
        values['total_tokens'] = usage.total_tokens
    return values


def assert_usage(run: Any, **expected: Any) -> None:
    """Assert usage counters of a run, e.g. `assert_usage(run, requests=1, input_tokens=56)`.

    Only the counters given are checked; values compare with `==`, so dirty-equals works
    (`output_tokens=IsPositiveInt`). Takes a recorded run, an `AgentRun`/`AgentRunResult`, or a usage object.
    """
    __tracebackhide__ = True
    if not expected:
        raise TypeError('assert_usage() needs at least one counter, e.g. assert_usage(run, requests=1)')
    usage = _usage_of(run)
    fields = _usage_fields(usage)
    unknown = sorted(set(expected) - set(fields))
    if unknown:
        from . import _compat

        releases = [
            _compat.missing(f'{n} counter', _compat.COUNTERS_ADDED[n], f'leave {n} out')
            for n in unknown
            if n in _compat.COUNTERS_ADDED
        ]
        raise TypeError(
            f'assert_usage(): {type(usage).__name__} has no {", ".join(unknown)}; counters: {", ".join(sorted(fields))}'
            + ''.join(f'\n({line})' for line in releases)
        )
    wrong = [(k, v, fields[k]) for k, v in expected.items() if v != fields[k]]
    if wrong:
        lines = ['Usage does not match:']
        lines.extend(f'  {k}: expected {v!r}, got {a!r}' for k, v, a in wrong)
        lines.append(f'  actual usage: {usage!r}')
        raise AssertionError('\n'.join(lines))
