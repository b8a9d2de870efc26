"""Recorded runs: everything an agent run did, kept for assertions.

`drive()` runs an agent through `agent.iter(...)` node by node (as `agent.run` does), recording each node
and, when streaming, every stream event; `RecordedRun` holds the result.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from . import _compat
from ._model import ScriptedModel, ScriptedRequest, collecting_requests
from ._script import short_repr

if TYPE_CHECKING:
    from pydantic_ai import Agent
    from pydantic_ai.messages import AgentStreamEvent, ModelMessage
    from pydantic_ai.run import AgentRunResult
    from pydantic_ai.usage import RunUsage

__all__ = ('RecordedRun', 'ToolCallRecord', 'drive', 'node_name', 'record_nodes', 'tool_calls_of')

OutputT = TypeVar('OutputT')

_NO_RETURN: Any = object()


@dataclass(frozen=True, kw_only=True)
class ToolCallRecord:
    """One tool call the model made, with what the tool returned."""

    tool_name: str
    """The tool called."""
    args: dict[str, Any]
    """The arguments, parsed from JSON when the model sent a string (`{}` when they are not JSON)."""
    tool_call_id: str
    """The call's id."""
    result: Any = None
    """The content the tool returned, or the retry message sent back; `None` if no return was recorded."""
    retried: bool = False
    """Whether the call was sent back for a retry (invalid arguments, `ModelRetry`, unknown tool)."""

    def __repr__(self) -> str:
        args = ', '.join(f'{k}={v!r}' for k, v in self.args.items())
        outcome = ' (retried)' if self.retried else ''
        return f'{self.tool_name}({args}) -> {self.result!r}{outcome}'


def _parse_args(args: Any) -> dict[str, Any]:
    if isinstance(args, dict):
        return dict(args)  # pyright: ignore[reportUnknownArgumentType]
    if isinstance(args, str) and args:
        try:
            parsed = json.loads(args)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}  # pyright: ignore[reportUnknownVariableType]
    return {}


def tool_calls_of(messages: Sequence[ModelMessage]) -> list[ToolCallRecord]:
    """The tool calls in `messages`, in order, each paired with its return or retry by call id."""
    returns: dict[str, tuple[Any, bool]] = {}
    for message in messages:
        if message.kind == 'request':
            for part in message.parts:
                if part.part_kind == 'tool-return':
                    returns[part.tool_call_id] = (part.content, _compat.tool_return_retried(part))
                elif part.part_kind == 'retry-prompt' and part.tool_name is not None:
                    returns[part.tool_call_id] = (part.content, True)
    calls: list[ToolCallRecord] = []
    for message in messages:
        if message.kind == 'response':
            for part in message.parts:
                if part.part_kind == 'tool-call':
                    result, retried = returns.get(part.tool_call_id, (None, False))
                    calls.append(
                        ToolCallRecord(
                            tool_name=part.tool_name,
                            args=_parse_args(part.args),
                            tool_call_id=part.tool_call_id,
                            result=result,
                            retried=retried,
                        )
                    )
    return calls


def node_name(node: object) -> str:
    """A node's class name: `'UserPromptNode'`, `'ModelRequestNode'`, `'CallToolsNode'`, `'End'`."""
    return type(node).__name__


@dataclass(kw_only=True, repr=False, eq=False)
class RecordedRun(Generic[OutputT]):
    """One agent run as recorded by the `agentrun` fixture."""

    prompt: Any
    """The user prompt the run started with."""
    nodes: list[Any] = field(default_factory=list[Any])
    """The graph nodes in the order they ran, ending with `End` when the run finished."""
    events: list[AgentStreamEvent] = field(default_factory=list['AgentStreamEvent'])
    """Stream events (part start/delta/end, tool call and result events), when the run was streamed."""
    result: AgentRunResult[OutputT] | None = None
    """The run's result, once it finished."""
    model: ScriptedModel | None = None
    """The scripted model that answered, with the requests it received."""
    error: BaseException | None = None
    """The exception that ended the run, when it failed (the run still has its messages, tool calls and usage)."""
    _requests: list[ScriptedRequest] = field(default_factory=list['ScriptedRequest'])
    _agent_run: Any = None

    @property
    def output(self) -> OutputT:
        """The run's output; raises if the run did not finish."""
        if self.result is None:
            ended = f', it ended with {self.error!r}' if self.error is not None else ''
            raise AssertionError(f'{self!r} did not finish{ended}, so it has no output')
        return _compat.result_output(self.result)

    @property
    def node_names(self) -> list[str]:
        """The class names of the nodes, in order."""
        return [node_name(n) for n in self.nodes]

    @property
    def messages(self) -> list[ModelMessage]:
        """All messages of the run, including any message history it was given; so far, if it failed."""
        if self.result is not None:
            return self.result.all_messages()
        return _compat.run_messages(self._agent_run) if self._agent_run is not None else []

    @property
    def new_messages(self) -> list[ModelMessage]:
        """The messages produced by this run (so far, if it failed)."""
        if self.result is not None:
            return self.result.new_messages()
        return _compat.run_new_messages(self._agent_run) if self._agent_run is not None else []

    def all_messages_json(self) -> bytes:
        """All messages as JSON bytes, as `AgentRunResult.all_messages_json()` gives them."""
        if self.result is None:
            return _compat.all_messages_json(_MessagesOnly(self.messages))
        return _compat.all_messages_json(self.result)

    @property
    def usage(self) -> RunUsage:
        """The run's usage, read the way the installed pydantic-ai exposes it; so far, if it failed."""
        if self.result is not None:
            return _compat.run_usage(self.result)
        if self._agent_run is not None:
            return _compat.run_usage(self._agent_run)
        raise AssertionError(f'{self!r} never started, so it has no usage')

    @property
    def text_deltas(self) -> list[str]:
        """The text of a streamed run as it came, delta by delta, over all its responses (`stream=True`)."""
        return text_deltas(self.events)

    @property
    def streamed_text(self) -> str:
        """Every text delta of a streamed run, joined: what a user watching the stream saw."""
        return ''.join(self.text_deltas)

    @property
    def tool_calls(self) -> list[ToolCallRecord]:
        """The tool calls the model made, in order, with their returns."""
        return tool_calls_of(self.messages)

    @property
    def requests(self) -> list[ScriptedRequest]:
        """The requests the scripted model received during this run (not those of other runs of the model)."""
        return list(self._requests)

    def collecting(self) -> AbstractContextManager[None, bool | None]:
        """While the run goes on: keep the requests its scripted model receives in this context."""
        if self.model is None:
            return nullcontext()
        return collecting_requests(self.model, self._requests)

    def __repr__(self) -> str:
        nodes = ' -> '.join(n.removesuffix('Node') for n in self.node_names) or 'no nodes'
        if self.result is not None:
            ending = f' output={_clip(_compat.result_output(self.result))}'
        elif self.error is not None:
            ending = f' failed: {type(self.error).__name__}'
        else:
            ending = ' (unfinished)'
        return f'<RecordedRun {_clip(self.prompt)}: {nodes};{ending}>'


@dataclass(frozen=True)
class _MessagesOnly:
    """A stand-in for a run that only has messages, for `_compat.all_messages_json`."""

    messages: list[Any]

    def all_messages(self) -> list[Any]:
        return self.messages


def text_deltas(events: Sequence[Any]) -> list[str]:
    """The text deltas in stream events: each text part's first content, then its deltas, in order."""
    deltas: list[str] = []
    for event in events:
        kind = getattr(event, 'event_kind', None)
        if kind == 'part_start' and getattr(event.part, 'part_kind', None) == 'text':
            if event.part.content:
                deltas.append(event.part.content)
        elif kind == 'part_delta' and getattr(event.delta, 'part_delta_kind', None) == 'text':
            deltas.append(event.delta.content_delta)
    return deltas


def _clip(value: object, limit: int = 40) -> str:
    return short_repr(value, limit)


async def drive(
    agent: Agent[Any, Any],
    prompt: Any,
    *,
    model: Any,
    stream: bool,
    recorded: RecordedRun[Any],
    kwargs: dict[str, Any],
) -> None:
    """Run `agent` node by node with `next()`, as `agent.run` does, filling `recorded` as it goes."""
    if model is not None:
        kwargs = {**kwargs, 'model': model}
    with recorded.collecting():
        await _drive(agent, prompt, stream=stream, recorded=recorded, kwargs=kwargs)


async def _drive(
    agent: Agent[Any, Any], prompt: Any, *, stream: bool, recorded: RecordedRun[Any], kwargs: dict[str, Any]
) -> None:
    from pydantic_graph import End

    try:
        async with agent.iter(prompt, **kwargs) as agent_run:
            recorded._agent_run = agent_run  # pyright: ignore[reportPrivateUsage]
            node: Any = agent_run.next_node
            recorded.nodes.append(node)
            while not isinstance(node, End):
                if stream and hasattr(node, 'stream') and not _is_user_prompt(node):
                    async with node.stream(agent_run.ctx) as events:
                        async for event in events:
                            recorded.events.append(event)
                node = await agent_run.next(node)
                recorded.nodes.append(node)
            recorded.result = agent_run.result
    except BaseException as error:
        recorded.error = error
        raise


def _is_user_prompt(node: object) -> bool:
    return node_name(node) == 'UserPromptNode'


RECORDED_NODES = '_agentrun_recorded_nodes'
"""The attribute of an `AgentRun` from `agentrun.iter` holding the nodes recorded so far."""


def record_nodes(agent_run: Any, nodes: list[Any]) -> None:
    """Record into `nodes` every node `agent_run` reaches, whether driven by `async for` or by `next()`.

    The object stays the real `AgentRun`: its class becomes a subclass whose `__anext__` and `next` also
    append the node they return (and, for `next`, the node passed in, so the first node is kept too). The node the
    run starts from is kept even where `async for` runs it without yielding it (pydantic-graph before 0.0.54 yields
    the `ModelRequestNode` after `UserPromptNode` first), so a run records the same nodes on every release.
    """
    base: Any = agent_run.__class__
    start = getattr(agent_run, 'next_node', None)

    def keep(node: Any) -> None:
        if not nodes or nodes[-1] is not node:
            nodes.append(node)

    async def __anext__(self: Any) -> Any:
        node = await base.__anext__(self)
        skipped = _compat.skipped_start(start, node) if not nodes else None
        if skipped is not None:
            nodes.append(skipped)
        keep(node)
        return node

    async def next(self: Any, node: Any) -> Any:
        keep(node)
        result = await base.next(self, node)
        keep(result)
        return result

    namespace = {'__slots__': (), '__anext__': __anext__, 'next': next, RECORDED_NODES: nodes}
    recording = type(base.__name__, (base,), namespace)
    recording.__qualname__ = base.__qualname__
    recording.__module__ = base.__module__
    agent_run.__class__ = recording
