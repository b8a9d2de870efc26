"""The errors a scripted model raises, and the text that explains them.

Every message names what happened, shows enough of the script and the request to see why, and ends with
how to fix or relax it. This module does not import pydantic-ai: messages are read by duck typing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

__all__ = (
    'InvalidArgumentsError',
    'InvalidOutputError',
    'RealRequestBlockedError',
    'ScriptError',
    'ScriptExhaustedError',
    'UnknownToolError',
    'UnusedTurnsError',
    'describe_message',
)


class ScriptError(AssertionError):
    """Base of the errors raised when an agent and its script disagree.

    An `AssertionError`, so pytest reports it as a test failure, and agent code that catches `Exception`
    around a model call still sees it re-raised at teardown by the fixtures.
    """

    __module__ = 'pytest_agentrun'


class ScriptExhaustedError(ScriptError):
    """A request came that no scripted turn, rule or default answers."""

    __module__ = 'pytest_agentrun'


class UnknownToolError(ScriptError):
    """A scripted turn calls a tool the agent does not offer in that request."""

    __module__ = 'pytest_agentrun'


class InvalidArgumentsError(ScriptError):
    """A scripted tool call's arguments do not fit the tool's parameters (its JSON schema)."""

    __module__ = 'pytest_agentrun'


class InvalidOutputError(ScriptError):
    """A scripted output fits none of the agent's output types, or the agent takes no structured output."""

    __module__ = 'pytest_agentrun'


class UnusedTurnsError(ScriptError):
    """Scripted turns were never used: the agent made fewer requests than the script expects."""

    __module__ = 'pytest_agentrun'


class RealRequestBlockedError(ScriptError):
    """A model was asked for a response with no script, no cassette and real requests blocked."""

    __module__ = 'pytest_agentrun'


def blocked_message(name: str, test: str | None, agent: str | None = None) -> str:
    """The message of `RealRequestBlockedError`; `agent` is the name of the agent whose run asked, if known."""
    where = f' in {test}' if test else ''
    asker = f', asked by the agent {agent!r},' if agent else ''
    for_agent = (
        [f'    agentrun.model({name!r}, script=[...], agent={agent})   # for the agent {agent!r} only']
        if agent and agent.isidentifier()
        else []
    )
    return '\n'.join(
        [
            f'pytest-agentrun blocked a real request to the model {name!r}{asker}{where}.',
            'Tests must not call a paid model API by accident. Script the model instead:',
            f'    agentrun.model({name!r}, script=[...])   # with the agentrun fixture',
            *for_agent,
            '    agentrun.run(agent, prompt, script=[...])',
            'or replay its answers from a cassette: @pytest.mark.agentrun(cassette=True), recorded once with',
            '--agentrun-record; or allow real requests: @pytest.mark.agentrun(real_requests=True) on the test,',
            'class or module, the ini option agentrun_real_requests = true, or --agentrun-real-requests.',
        ]
    )


def caught_blocked_message(error: RealRequestBlockedError) -> str:
    """The teardown failure for a blocked request whose error the code under test caught."""
    return _caught(
        error,
        'If the test expects the request to be blocked, make it inside `with agentrun.expect_blocked():` '
        '(the test takes the agentrun fixture).',
    )


def caught_script_error_message(error: ScriptError, model_name: str) -> str:
    """The teardown failure for a script error the code under test caught (a fallback, an evaluation loop)."""
    return _caught(
        error,
        'If the test is about how your code handles a failing model, script the failure: a turn raises(error), '
        f'e.g. raises(ModelHTTPError(503, {model_name!r})).',
    )


def _caught(error: ScriptError, hint: str) -> str:
    """`error`'s message, its first line saying that the code under test caught it, then `hint`."""
    first, _, rest = str(error).partition('\n')
    caught = (
        f'{first.removesuffix(".")}, and the code under test caught the error: the test went on without '
        "the model's answer."
    )
    return '\n'.join([caught, *([rest] if rest else []), hint])


def durable_refused_message(agent: str, model: object, engine: str, container: str | None) -> str:
    """Why a script cannot be handed to a durable run as its model, and what to do instead.

    `engine` refuses a model passed at run time: always (a wrapper agent such as `DBOSAgent`), or inside a
    `container` (a capability such as `DBOSDurability`, inside a workflow).
    """
    where = f' inside a {container}' if container else ''
    owner = 'The agent' if container else 'The wrapped agent'
    if model is None:
        problem = f'{owner} has no model,'
    else:
        problem = (
            f"{owner}'s model ({type(model).__name__}) is a model of your own, which pytest-agentrun leaves alone,"
        )
    fixes = [
        "Build the agent on the model it uses in production, a model string such as 'openai:gpt-5.2' or a model",
        'object: the script then answers its requests in place, inside the durable steps.',
    ]
    if container:
        fixes.append(f'Or run the agent outside the {container}, where {engine} steps aside.')
    return '\n'.join(
        [
            f'agentrun.run({agent}): the script cannot answer this run{where}.',
            problem,
            f'so the script would have to be passed to the run as its model, which {engine} refuses{where}.',
            *fixes,
        ]
    )


def _clip(text: str, limit: int) -> str:
    text = ' '.join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + '...'


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return repr(content)
    if isinstance(content, (list, tuple)):
        items = cast('Sequence[Any]', content)
        return '[' + ', '.join(repr(c) if isinstance(c, str) else type(c).__name__ for c in items) + ']'
    return repr(content)


RetryReader = Callable[[Any], 'tuple[str | None, Any, str | None] | None']
"""Reads a part as a retry prompt, `(tool_name, content, tool_call_id)`, or `None` (`_compat.retry_of`)."""


def describe_part(part: Any, retry_of: RetryReader | None = None) -> str:
    """One part of a message in a few words: `user-prompt 'Hi'`, `tool-return get_weather: 'Sunny'`.

    With `retry_of`, a retry prompt reads `retry get_weather: city: Field required`, whatever part carries it.
    """
    retry = retry_of(part) if retry_of is not None else None
    if retry is not None:
        from ._script import retry_text

        tool_name, content, _ = retry
        return f'retry {tool_name}: {retry_text(content)}' if tool_name else f'retry: {retry_text(content)}'
    kind = getattr(part, 'part_kind', type(part).__name__)
    if kind in ('tool-return', 'retry-prompt', 'tool-call') and getattr(part, 'tool_name', None):
        content = getattr(part, 'args', None) if kind == 'tool-call' else getattr(part, 'content', None)
        return f'{kind} {part.tool_name}: {_content_text(content)}'
    if hasattr(part, 'content'):
        return f'{kind} {_content_text(part.content)}'
    return str(kind)


def describe_message(message: Any, limit: int = 160, retry_of: RetryReader | None = None) -> str:
    """A message on one line: its kind and its parts, clipped to `limit` characters."""
    if message is None:
        return '(no messages)'
    kind = getattr(message, 'kind', type(message).__name__)
    parts = ', '.join(describe_part(p, retry_of) for p in getattr(message, 'parts', ()))
    return _clip(f'{kind} [{parts}]', limit)


def list_script(turns: Sequence[object], used: int, indent: str = '  ') -> list[str]:
    """The script's turns, numbered from 1, the used ones marked."""
    if not turns:
        return [f'{indent}(no turns)']
    return [f'{indent}{"[used]" if i < used else "[    ]"} {i + 1}. {t!r}' for i, t in enumerate(turns)]


def exhausted_message(
    *,
    model: str,
    number: int,
    latest: Any,
    turns: Sequence[object],
    used: int,
    rules: Sequence[object],
    advice: str | None = None,
    retry_of: RetryReader | None = None,
) -> str:
    """The message of `ScriptExhaustedError`; `advice` replaces the closing line on how to fix it."""
    lines = [
        f'{model} received request {number}, but no scripted turn or rule answers it.',
        f'Latest message: {describe_message(latest, retry_of=retry_of)}',
    ]
    if turns or not rules:  # a model answering by rules alone (a doc example's) has no script to show
        lines.append(f'Script ({len(turns)} turn{"s" if len(turns) != 1 else ""}, {used} used):')
        lines.extend(list_script(turns, used))
    if rules:
        lines.append(f'Rules ({len(rules)}, none matched):')
        lines.extend(f'  {r!r}' for r in rules)
    lines.append(
        advice
        or 'Add a turn to the script or a rule matching this request, or give default=... (to ScriptedModel, '
        'agentrun.model or agentrun.run) to answer every request the script does not.'
    )
    return '\n'.join(lines)


def unused_message(*, model: str, turns: Sequence[object], used: int, requests: int) -> str:
    """The message of `UnusedTurnsError`."""
    unused = len(turns) - used
    plural = 's were' if unused != 1 else ' was'
    lines = [
        f'{model} received {requests} request{"s" if requests != 1 else ""}, '
        f'but {unused} scripted turn{plural} never used:',
        *list_script(turns, used),
        'Remove the unused turns, or find why the agent stopped before reaching them.',
    ]
    return '\n'.join(lines)


def unknown_tool_message(
    *, where: str, tool_name: str, number: int, tools: Sequence[str], output_tools: Sequence[str]
) -> str:
    """The message of `UnknownToolError`."""
    offered = ', '.join(map(repr, tools)) or 'none'
    lines = [
        f'{where} calls the tool {tool_name!r}, which the agent does not offer in request {number}.',
        f'Offered tools: {offered}.',
    ]
    if output_tools:
        lines.append(f'Output tools: {", ".join(map(repr, output_tools))}.')
    lines.append(
        'Fix the tool name in the script, or pass allow_unknown_tools=True to ScriptedModel (or agentrun.model) '
        'to test how the agent handles an unknown tool.'
    )
    return '\n'.join(lines)


def invalid_arguments_message(
    *, where: str, call: str, number: int, errors: Sequence[str], signature: str, output: bool = False
) -> str:
    """The message of `InvalidArgumentsError`."""
    kind = 'output tool' if output else 'tool'
    lines = [
        f'{where} sends {call}, whose arguments do not fit the {kind} in request {number}:',
        *(f'  {e}' for e in errors),
        f"The {kind}'s parameters: {signature}",
        'Fix the arguments in the script, or write tool_call(..., valid=False) to send them as they are '
        '(to test how the agent handles invalid arguments).',
    ]
    return '\n'.join(lines)


def invalid_output_message(
    *, where: str, output: str, number: int, rejections: Sequence[tuple[str, Sequence[str]]]
) -> str:
    """The message of `InvalidOutputError` for an output that fits none of the agent's output types."""
    fits = "fits none of the agent's output types" if len(rejections) > 1 else "does not fit the agent's output type"
    lines = [f'{where} sends {output} in request {number}, which {fits}:']
    for label, errors in rejections:
        lines.append(f'  {label}:')
        lines.extend(f'    {e}' for e in errors)
    lines.append(
        'Fix the output in the script, or write output(..., valid=False) to send it as it is '
        '(to test how the agent handles invalid output).'
    )
    return '\n'.join(lines)


def text_output_message(*, where: str, output: str, number: int, takes: str) -> str:
    """The message of `InvalidOutputError` for structured output scripted for an agent whose output is `takes`."""
    return '\n'.join(
        [
            f"{where} sends {output} in request {number}, but the agent's output is {takes}, "
            'which takes no structured output.',
            'Script the answer as a string, or give the agent the output_type this output is for.',
        ]
    )


def unknown_native_tool_message(*, where: str, tool_name: str, number: int, native_tools: Sequence[str]) -> str:
    """The message of `UnknownToolError` for a call to a native tool the agent does not offer."""
    offered = ', '.join(map(repr, native_tools)) or 'none'
    return '\n'.join(
        [
            f'{where} calls the native tool {tool_name!r}, which the agent does not offer in request {number}.',
            f'Native tools offered: {offered}.',
            "Give the agent the native tool (e.g. pydantic-ai's WebSearchTool for 'web_search'), fix the name in "
            'the script, or pass allow_unknown_tools=True to ScriptedModel (or agentrun.model).',
        ]
    )
