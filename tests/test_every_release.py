"""The core, run the same way on every supported release, 0.x included, against `FunctionModel` as the reference.

Written with what every release has: `result_type=`/`output_type=` by `releases.OUTPUT_TYPE`, the output read by
`_compat.result_output`, usage compared whole. On 0.0.x `Model.request` returns `(response, usage)`, on 0.2.0 - 0.7.2
a non-streamed request is counted only through its response's usage: these runs would count or estimate wrong if a
branch of `_compat` were.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import releases
from pydantic import BaseModel
from pydantic_ai import Agent
from pydantic_ai.messages import ModelMessage, ModelResponse, TextPart, ToolCallPart
from pydantic_ai.models.function import AgentInfo, DeltaToolCall, FunctionModel
from pydantic_graph import End

from pytest_agentrun import ScriptedModel, _compat, native_tool_call, output, thinking, tool_call, turn

ANSWER = 'It is sunny in Paris today.'


def weather_agent(model: Any = None) -> Agent[None, str]:
    agent: Agent[None, str] = Agent(model)

    @agent.tool_plain
    def get_weather(city: str) -> str:
        """Get the weather in a city."""
        return f'sunny in {city}'

    return agent


def returned(messages: list[ModelMessage]) -> bool:
    return any(p.part_kind == 'tool-return' for p in messages[-1].parts)


def reference(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    if returned(messages):
        return ModelResponse(parts=[TextPart(ANSWER)])
    return ModelResponse(parts=[ToolCallPart('get_weather', {'city': 'Paris'})])


async def reference_stream(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[Any]:
    if returned(messages):
        for chunk in ('It is sunny ', 'in Paris ', 'today.'):
            yield chunk
    else:
        yield {0: DeltaToolCall(name='get_weather', json_args=json.dumps({'city': 'Paris'}))}


SCRIPT = [tool_call('get_weather', city='Paris'), ANSWER]


def usage_of(run: Any) -> tuple[int, int, int]:
    usage = _compat.run_usage(run)
    return (usage.requests, *_compat.usage_tokens(usage))


@pytest.mark.anyio
async def test_run_counts_and_estimates_as_function_model() -> None:
    agent = weather_agent()
    expected = await agent.run('Weather?', model=FunctionModel(reference))
    result = await agent.run('Weather?', model=ScriptedModel(SCRIPT))
    assert _compat.result_output(result) == ANSWER
    assert usage_of(result) == usage_of(expected)
    assert usage_of(result)[0] == 2


@pytest.mark.anyio
async def test_run_stream_counts_and_estimates_as_function_model() -> None:
    agent = weather_agent()
    async with agent.run_stream('Weather?', model=FunctionModel(stream_function=reference_stream)) as stream:
        await stream.get_data() if not releases.HAS_OUTPUT_TYPE else await stream.get_output()
    expected = usage_of(stream)
    async with agent.run_stream('Weather?', model=ScriptedModel(SCRIPT, chunk_words=2)) as stream:
        deltas = [d async for d in stream.stream_text(delta=True)]
    assert ''.join(deltas) == ANSWER
    assert usage_of(stream) == expected


@pytest.mark.anyio
@pytest.mark.parametrize('stream', [False, True], ids=['next', 'next-stream'])
async def test_iter_node_by_node(stream: bool) -> None:
    """`agent.iter` driven with `next()`, each model request streamed node by node (`node.stream(ctx)`)."""
    agent = weather_agent(ScriptedModel(SCRIPT))
    names: list[str] = []
    events: list[str] = []
    async with agent.iter('Weather?') as run:
        node: Any = run.next_node
        while not isinstance(node, End):
            names.append(type(node).__name__)
            if stream and hasattr(node, 'stream') and names[-1] != 'UserPromptNode':
                async with node.stream(run.ctx) as node_events:
                    events.extend([e.event_kind async for e in node_events])
            node = await run.next(node)
        names.append(type(node).__name__)
    assert names == ['UserPromptNode', *['ModelRequestNode', 'CallToolsNode'] * 2, 'End']
    assert _compat.result_output(run.result) == ANSWER
    if stream:
        assert {'part_start', 'function_tool_call', 'function_tool_result', 'part_delta'} <= set(events)
    assert usage_of(run.result)[0] == 2


def test_run_sync(close_run_sync_loop: None) -> None:
    result = weather_agent(ScriptedModel(rules={'Weather?': ANSWER})).run_sync('Weather?')
    assert _compat.result_output(result) == ANSWER
    assert usage_of(result)[0] == 1


class City(BaseModel):
    name: str
    country: str


@pytest.mark.anyio
async def test_structured_output_through_the_output_tool() -> None:
    agent: Agent[None, City] = Agent(
        ScriptedModel([output(City(name='Paris', country='France'))]), **{releases.OUTPUT_TYPE: City}
    )
    result = await agent.run('Where?')
    assert _compat.result_output(result) == City(name='Paris', country='France')


@pytest.mark.anyio
async def test_the_fixture_records_the_run(agentrun: Any) -> None:
    run = await agentrun.run(weather_agent('openai:gpt-4o'), 'Weather?', script=SCRIPT, stream=True)
    assert run.output == ANSWER
    assert run.node_names == ['UserPromptNode', *['ModelRequestNode', 'CallToolsNode'] * 2, 'End']
    assert [c.result for c in run.tool_calls] == ['sunny in Paris']
    assert ''.join(run.text_deltas) == ANSWER
    assert run.usage.requests == 2
    assert [r.streamed for r in run.requests] == [True, True]
    assert repr(run).startswith("<RecordedRun 'Weather?': UserPrompt -> ModelRequest -> CallTools -> ")
    assert repr(run).endswith("; output='It is sunny in Paris today.'>")


@pytest.mark.anyio
async def test_a_stand_in_answers_for_a_model_string(agentrun: Any) -> None:
    agent = weather_agent('openai:gpt-4o')
    agentrun.model('openai:gpt-4o', rules={'Weather?': ANSWER})
    result = await agent.run('Weather?')
    assert _compat.result_output(result) == ANSWER
    response = result.all_messages()[-1]
    assert response.model_name == 'gpt-4o'


# --- what an old release cannot do is refused, naming the release that added it ------------------------------------


@pytest.mark.parametrize(
    ('flag', 'item', 'message'),
    [
        pytest.param(
            'HAS_THINKING',
            thinking('Hmm.'),
            "script[0] holds thinking('Hmm.'), but the installed pydantic-ai (0.0.49) has no thinking parts: they "
            'came in 0.3.0; upgrade pydantic-ai or leave thinking() out',
            id='thinking',
        ),
        pytest.param(
            'NATIVE_CALL_PART',
            native_tool_call('web_search', query='x'),
            "script[0] holds native_tool_call('web_search', query='x'), but the installed pydantic-ai (0.0.49) has no "
            'native tool parts: they came in 0.6.2; upgrade pydantic-ai or leave native tool calls out',
            id='native-tools',
        ),
        pytest.param(
            'HAS_FINISH_REASON',
            turn('x', finish_reason='stop'),
            'script[0] sets finish_reason, but the installed pydantic-ai (0.0.49) has no ModelResponse.finish_reason: '
            'it came in 1.1; upgrade pydantic-ai or leave finish_reason out',
            id='finish-reason',
        ),
    ],
)
def test_a_turn_an_old_release_cannot_send_is_refused(
    monkeypatch: pytest.MonkeyPatch, flag: str, item: Any, message: str
) -> None:
    monkeypatch.setattr(_compat, flag, False if flag.startswith('HAS_') else None)
    monkeypatch.setattr(_compat, 'VERSION', '0.0.49')
    with pytest.raises(ValueError, match='has no') as info:
        ScriptedModel([item])
    assert str(info.value) == message


@pytest.mark.skipif(_compat.HAS_THINKING, reason='the installed pydantic-ai has thinking parts')
def test_thinking_is_refused_by_the_installed_release() -> None:
    with pytest.raises(ValueError, match=r'has no thinking parts: they came in 0\.3\.0'):
        ScriptedModel([thinking('Hmm.')])


@pytest.mark.anyio
@pytest.mark.skipif(releases.HAS_TOOL_CALLS_COUNTER, reason='the installed pydantic-ai counts tool calls')
async def test_assert_usage_names_the_release_of_a_missing_counter(agentrun: Any) -> None:
    from pytest_agentrun import assert_usage

    run = await agentrun.run(weather_agent(), 'Weather?', script=SCRIPT)
    with pytest.raises(TypeError, match='has no tool_calls') as info:
        assert_usage(run, tool_calls=1)
    assert str(info.value).endswith(
        f'\n(the installed pydantic-ai ({_compat.VERSION}) has no tool_calls counter: it came in 1.0; '
        'upgrade pydantic-ai or leave tool_calls out)'
    )


def test_a_cassette_is_refused_where_there_is_no_request_usage(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_compat, 'HAS_REQUEST_USAGE', False)
    monkeypatch.setattr(_compat, 'CASSETTES_MISSING', _compat.missing('RequestUsage', '0.7.3', 'run it without'))
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.agentrun(cassette=True)
        def test_recorded():
            pass
        """
    )
    result = pytester.runpytest_inprocess('-p', 'no:cacheprovider')
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            '*::test_recorded: cassettes keep RequestUsage, '
            f'but the installed pydantic-ai ({_compat.VERSION}) has no RequestUsage: it came in 0.7.3; upgrade '
            'pydantic-ai or run it without'
        ]
    )


def test_the_fixtures_run_sync(agentrun: Any, close_run_sync_loop: None) -> None:
    run = agentrun.run_sync(weather_agent('openai:gpt-4o'), 'Weather?', rules={'Weather?': ANSWER})
    assert run.output == ANSWER
    assert run.node_names == ['UserPromptNode', 'ModelRequestNode', 'CallToolsNode', 'End']


@pytest.mark.anyio
async def test_the_fixtures_iter_records_the_nodes(agentrun: Any) -> None:
    from pytest_agentrun import assert_nodes

    async with agentrun.iter(weather_agent('openai:gpt-4o'), 'Weather?', script=SCRIPT) as run:
        async for _ in run:
            pass
    assert_nodes(agentrun.last, 'UserPrompt -> (ModelRequest -> CallTools) * 2 -> End')
    assert agentrun.last.output == ANSWER


@pytest.mark.anyio
async def test_an_unscripted_model_string_is_blocked(agentrun: Any) -> None:
    from pytest_agentrun import RealRequestBlockedError

    with pytest.raises(RealRequestBlockedError, match="'openai:gpt-4o'"):
        await weather_agent('openai:gpt-4o').run('Weather?')


@pytest.mark.anyio
async def test_record_nodes_keeps_the_start_node_async_for_skips() -> None:
    """pydantic-graph before 0.0.54: `async for` yields the node after the one the run started from."""
    from pytest_agentrun._runs import record_nodes

    class SkippingRun:
        def __init__(self) -> None:
            self.next_node = 'UserPromptNode'
            self._left = ['ModelRequestNode', 'End']

        def __aiter__(self) -> Any:
            return self

        async def __anext__(self) -> str:
            if not self._left:
                raise StopAsyncIteration
            return self._left.pop(0)

    nodes: list[Any] = []
    run = SkippingRun()
    record_nodes(run, nodes)
    assert [n async for n in run] == ['ModelRequestNode', 'End']
    assert nodes == ['UserPromptNode', 'ModelRequestNode', 'End']
