"""The `agentrun` fixture: run / run_sync / iter, recorded runs, scripting model strings, concurrency."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import anyio
import pytest
import releases
from pydantic_ai import Agent, ModelRetry, RunContext
from pydantic_ai.agent import AgentRun, AgentRunResult
from pydantic_ai.messages import (
    FunctionToolCallEvent,
    FunctionToolResultEvent,
    ModelMessagesTypeAdapter,
    ModelRequest,
    ModelResponse,
    PartDeltaEvent,
    PartStartEvent,
    TextPart,
    TextPartDelta,
)
from pydantic_ai.usage import RunUsage
from pydantic_graph import End
from releases import tool_result_part

from pytest_agentrun import (
    AgentRunFactory,
    RecordedRun,
    ScriptedModel,
    ScriptedRequest,
    StandInModel,
    ToolCallRecord,
    text,
    tool_call,
)

# Built at import time, with model strings whose SDKs are not installed: the plugin gives them stand-ins.
weather_agent = Agent('openai:gpt-5.2', instructions='Answer about the weather.')


@weather_agent.tool_plain
def get_weather(city: str) -> str:
    if city == 'Atlantis':
        raise ModelRetry('Unknown city Atlantis, try another one')
    return f'Sunny in {city}'


research_agent = Agent('anthropic:claude-sonnet-4-5', instructions='Research the topic.')
lead_agent = Agent('openai:gpt-5.2', instructions='Delegate research.')


@lead_agent.tool_plain
async def research(topic: str) -> str:
    result = await research_agent.run(f'Research {topic}')
    return result.output


@dataclass
class Deps:
    user: str


deps_agent = Agent('openai:gpt-5.2', deps_type=Deps)


@deps_agent.tool
def whoami(ctx: RunContext[Deps]) -> str:
    return f'you are {ctx.deps.user}'


def _result_part(event: FunctionToolResultEvent) -> Any:
    return tool_result_part(event)


WEATHER_SCRIPT = [tool_call('get_weather', city='Paris'), 'It is sunny in Paris.']
NODES = ['UserPromptNode', 'ModelRequestNode', 'CallToolsNode', 'ModelRequestNode', 'CallToolsNode', 'End']


def test_import_time_agent_has_a_stand_in() -> None:
    assert isinstance(weather_agent.model, StandInModel)
    assert weather_agent.model.name == 'openai:gpt-5.2'
    assert repr(weather_agent.model) == "StandInModel('openai:gpt-5.2')"


# --- run / run_sync ----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_run_records_everything(agentrun: AgentRunFactory) -> None:
    run = await agentrun.run(weather_agent, 'Weather in Paris?', script=WEATHER_SCRIPT)

    assert isinstance(run, RecordedRun)
    assert agentrun.runs == [run]
    assert agentrun.last is run
    assert run.prompt == 'Weather in Paris?'
    assert run.output == 'It is sunny in Paris.'
    assert run.node_names == NODES
    assert isinstance(run.nodes[-1], End)
    assert run.events == []
    assert isinstance(run.result, AgentRunResult)

    usage = run.usage
    assert isinstance(usage, RunUsage)
    assert usage.requests == 2
    if releases.HAS_TOOL_CALLS_COUNTER:  # counted from pydantic-ai 1.0
        assert usage.tool_calls == 1
    assert usage.input_tokens > 0
    assert usage.output_tokens > 0

    assert [type(m) for m in run.messages] == [ModelRequest, ModelResponse, ModelRequest, ModelResponse]
    assert run.new_messages == run.messages
    assert [m['kind'] for m in json.loads(run.all_messages_json())] == ['request', 'response', 'request', 'response']
    assert json.loads(run.all_messages_json()) == json.loads(ModelMessagesTypeAdapter.dump_json(run.messages))

    assert run.tool_calls == [
        ToolCallRecord(tool_name='get_weather', args={'city': 'Paris'}, tool_call_id='call_1', result='Sunny in Paris')
    ]
    call = run.tool_calls[0]
    assert (call.tool_name, call.args, call.result, call.retried) == (
        'get_weather',
        {'city': 'Paris'},
        'Sunny in Paris',
        False,
    )

    assert isinstance(run.model, ScriptedModel)
    assert run.model is agentrun.models[-1]
    assert (run.model.system, run.model.model_name) == ('openai', 'gpt-5.2')
    assert run.model.used == 2
    assert run.requests == run.model.requests
    assert [type(r) for r in run.requests] == [ScriptedRequest, ScriptedRequest]
    first, second = run.requests
    assert (first.number, first.streamed, first.answered_by) == (1, False, 'turn 1 of the script')
    assert first.tool_names == ['get_weather']
    assert first.prompt == 'Weather in Paris?'
    assert first.response is not None
    assert first.response.parts[0].part_kind == 'tool-call'
    assert second.answered_by == 'turn 2 of the script'
    assert second.messages[-1].parts[0].part_kind == 'tool-return'


def test_run_sync(agentrun: AgentRunFactory) -> None:
    run = agentrun.run_sync(weather_agent, 'Weather in Paris?', script=WEATHER_SCRIPT)
    assert run.output == 'It is sunny in Paris.'
    assert run.node_names == NODES
    assert agentrun.last is run
    assert [c.result for c in run.tool_calls] == ['Sunny in Paris']


def test_run_sync_passes_options_through(agentrun: AgentRunFactory) -> None:
    run = agentrun.run_sync(weather_agent, 'Hi', script=[text(chunks=['Hel', 'lo!'])], stream=True)
    assert run.output == 'Hello!'
    deltas = [e.delta.content_delta for e in run.events if isinstance(e, PartDeltaEvent)]
    assert deltas == ['lo!']
    assert run.requests[0].streamed is True


@pytest.mark.anyio
async def test_run_without_script_explains(agentrun: AgentRunFactory) -> None:
    with pytest.raises(TypeError) as info:
        await agentrun.run(weather_agent, 'Hi')
    assert str(info.value) == (
        'agentrun.run() needs a script: agentrun.run(agent, prompt, script=[...]) (or rules=..., or script the '
        "model the run uses first with agentrun.model('openai:gpt-5.2', [...]))"
    )
    assert agentrun.runs == []


@pytest.mark.anyio
async def test_run_with_rules_and_default(agentrun: AgentRunFactory) -> None:
    by_rule = await agentrun.run(weather_agent, 'Hi', rules={'Hi': 'Hello!'})
    by_default = await agentrun.run(weather_agent, 'Anything', default='Default answer.')
    assert (by_rule.output, by_default.output) == ('Hello!', 'Default answer.')
    assert by_rule.requests[0].answered_by == "rule 1 ('Hi')"
    assert by_default.requests[0].answered_by == 'the default answer'


# --- pass-through of run keywords --------------------------------------------------------------------


@pytest.mark.anyio
async def test_deps_pass_through(agentrun: AgentRunFactory) -> None:
    run = await agentrun.run(
        deps_agent, 'Who am I?', script=[tool_call('whoami'), 'You are Ada.'], deps=Deps(user='Ada')
    )
    assert [(c.tool_name, c.result) for c in run.tool_calls] == [('whoami', 'you are Ada')]
    assert run.output == 'You are Ada.'


@pytest.mark.anyio
async def test_message_history_pass_through(agentrun: AgentRunFactory) -> None:
    first = await agentrun.run(weather_agent, 'Weather in Paris?', script=WEATHER_SCRIPT)
    second = await agentrun.run(weather_agent, 'And tomorrow?', script=['Still sunny.'], message_history=first.messages)

    assert second.output == 'Still sunny.'
    assert len(second.messages) == len(first.messages) + 2
    assert second.messages[: len(first.messages)] == first.messages
    assert len(second.new_messages) == 2
    assert second.new_messages[0].parts[-1].content == 'And tomorrow?'
    # the model saw the whole history; tool_calls covers all messages, history included
    assert len(second.requests[0].messages) == len(first.messages) + 1
    assert [c.tool_name for c in second.tool_calls] == ['get_weather']
    assert second.node_names == ['UserPromptNode', 'ModelRequestNode', 'CallToolsNode', 'End']


# --- stream=True -------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_stream_records_events(agentrun: AgentRunFactory) -> None:
    run = await agentrun.run(
        weather_agent,
        'Weather in Paris?',
        script=[tool_call('get_weather', city='Paris'), 'It is sunny in Paris today.'],
        stream=True,
        chunk_words=2,
    )
    assert run.output == 'It is sunny in Paris today.'
    assert run.node_names == NODES
    assert [r.streamed for r in run.requests] == [True, True]

    calls = [e for e in run.events if isinstance(e, FunctionToolCallEvent)]
    results = [e for e in run.events if isinstance(e, FunctionToolResultEvent)]
    assert [(e.part.tool_name, e.part.args_as_dict()) for e in calls] == [('get_weather', {'city': 'Paris'})]
    assert [_result_part(e).content for e in results] == ['Sunny in Paris']

    starts = [e for e in run.events if isinstance(e, PartStartEvent) and isinstance(e.part, TextPart)]
    deltas = [e for e in run.events if isinstance(e, PartDeltaEvent) and isinstance(e.delta, TextPartDelta)]
    assert len(starts) == 1
    assert starts[0].part.content + ''.join(d.delta.content_delta for d in deltas) == 'It is sunny in Paris today.'
    assert [starts[0].part.content, *(d.delta.content_delta for d in deltas)] == ['It is ', 'sunny in ', 'Paris today.']
    # events are recorded in the order they happened: the tool ran before the answer streamed
    assert run.events.index(results[0]) < run.events.index(starts[0])


@pytest.mark.anyio
async def test_no_stream_no_events(agentrun: AgentRunFactory) -> None:
    run = await agentrun.run(weather_agent, 'Hi', script=['Hello.'])
    assert run.events == []
    assert [r.streamed for r in run.requests] == [False]


# --- iter --------------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_iter_async_for(agentrun: AgentRunFactory) -> None:
    names: list[str] = []
    async with agentrun.iter(weather_agent, 'Weather in Paris?', script=WEATHER_SCRIPT) as agent_run:
        assert isinstance(agent_run, AgentRun)
        async for node in agent_run:
            names.append(type(node).__name__)
        assert agent_run.result is not None
        assert agent_run.result.output == 'It is sunny in Paris.'
    assert names == NODES
    recorded = agentrun.last
    assert recorded.node_names == NODES
    assert recorded.prompt == 'Weather in Paris?'
    assert recorded.output == 'It is sunny in Paris.'
    assert [c.result for c in recorded.tool_calls] == ['Sunny in Paris']
    assert len(recorded.requests) == 2
    assert recorded.usage.requests == 2


@pytest.mark.anyio
async def test_iter_next(agentrun: AgentRunFactory) -> None:
    async with agentrun.iter(weather_agent, 'Weather in Paris?', script=WEATHER_SCRIPT) as agent_run:
        node: Any = agent_run.next_node
        names = [type(node).__name__]
        while not isinstance(node, End):
            node = await agent_run.next(node)
            names.append(type(node).__name__)
    assert names == NODES
    assert agentrun.last.node_names == NODES
    assert agentrun.last.output == 'It is sunny in Paris.'


@pytest.mark.anyio
async def test_iter_uses_a_named_model(agentrun: AgentRunFactory) -> None:
    model = agentrun.model('openai:gpt-5.2', ['Hello.'])
    async with agentrun.iter(weather_agent, 'Hi') as agent_run:
        async for _ in agent_run:
            pass
    assert agentrun.last.output == 'Hello.'
    assert agentrun.last.model is model


@pytest.mark.anyio
async def test_iter_unfinished_run_has_no_output(agentrun: AgentRunFactory) -> None:
    async with agentrun.iter(weather_agent, 'Hi', default='Hello.') as agent_run:
        await agent_run.next(agent_run.next_node)  # only the user prompt node
    recorded = agentrun.last
    assert recorded.result is None
    assert recorded.node_names == ['UserPromptNode', 'ModelRequestNode']
    # what was exchanged so far: nothing yet, and no request made
    assert recorded.messages == []
    assert recorded.new_messages == []
    assert recorded.all_messages_json() == b'[]'
    assert recorded.usage.requests == 0
    assert recorded.error is None
    message = "<RecordedRun 'Hi': UserPrompt -> ModelRequest; (unfinished)> did not finish, so it has no output"
    with pytest.raises(AssertionError, match=f'^{re.escape(message)}$'):
        _ = recorded.output


# --- agentrun.model(name, script) --------------------------------------------------------------------


@pytest.mark.anyio
async def test_model_scripts_an_import_time_agent(agentrun: AgentRunFactory) -> None:
    model = agentrun.model('openai:gpt-5.2', WEATHER_SCRIPT)
    assert agentrun.resolve('openai:gpt-5.2') is model
    assert agentrun.resolve('openai:gpt-4o') is None

    result = await weather_agent.run('Weather in Paris?')  # the agent itself, not through agentrun

    assert result.output == 'It is sunny in Paris.'
    assert [r.prompt for r in model.requests] == ['Weather in Paris?', 'Weather in Paris?']
    assert agentrun.runs == []  # not run through the fixture, so not recorded


@pytest.mark.anyio
async def test_model_run_through_fixture_uses_the_named_script(agentrun: AgentRunFactory) -> None:
    model = agentrun.model('openai:gpt-5.2', WEATHER_SCRIPT)
    run = await agentrun.run(weather_agent, 'Weather in Paris?')
    assert run.model is model
    assert run.output == 'It is sunny in Paris.'
    assert agentrun.models == [model]


@pytest.mark.anyio
async def test_model_scripts_an_agent_nested_in_a_tool(agentrun: AgentRunFactory) -> None:
    research_model = agentrun.model('anthropic:claude-sonnet-4-5', ['Bees dance to share where food is.'])
    run = await agentrun.run(
        lead_agent,
        'Tell me about bees',
        script=[tool_call('research', topic='bees'), 'Bees dance.'],
    )

    assert run.output == 'Bees dance.'
    assert [(c.tool_name, c.args, c.result) for c in run.tool_calls] == [
        ('research', {'topic': 'bees'}, 'Bees dance to share where food is.')
    ]
    assert (research_model.system, research_model.model_name) == ('anthropic', 'claude-sonnet-4-5')
    assert [r.prompt for r in research_model.requests] == ['Research bees']
    assert research_model.requests[0].tool_names == []
    assert run.model is not research_model
    assert len(run.requests) == 2
    assert agentrun.runs == [run]  # the nested run is not recorded as a run of its own


def test_model_twice_with_one_name(agentrun: AgentRunFactory) -> None:
    agentrun.model('openai:gpt-5.2', [])
    message = (
        "the model 'openai:gpt-5.2' is already scripted in this test; put all its turns in one script, "
        'or use rules to answer by prompt'
    )
    with pytest.raises(ValueError, match=f'^{re.escape(message)}$'):
        agentrun.model('openai:gpt-5.2', ['Two.'])


@pytest.mark.anyio
async def test_model_without_name(agentrun: AgentRunFactory) -> None:
    model = agentrun.model(script=['Hi.'])
    assert (model.system, model.model_name) == ('scripted', 'scripted')
    assert agentrun.resolve('scripted') is None
    with weather_agent.override(model=model):
        result = await weather_agent.run('Hello')
    assert result.output == 'Hi.'
    assert agentrun.models == [model]
    assert agentrun.runs == []


def test_last_without_runs(agentrun: AgentRunFactory) -> None:
    with pytest.raises(AssertionError) as raised:
        _ = agentrun.last
    assert str(raised.value) == (
        'agentrun has recorded no run yet: it records the runs a test starts with agentrun.run, run_sync or iter.'
    )


@pytest.mark.anyio
async def test_last_without_runs_when_the_code_under_test_ran_agents(agentrun: AgentRunFactory) -> None:
    model = agentrun.model('openai:gpt-5.2', ['Hi.', 'Hello.'])
    assert (await weather_agent.run('Hello')).output == 'Hi.'  # the code under test runs the agent itself
    assert (await weather_agent.run('Hello')).output == 'Hello.'
    with pytest.raises(AssertionError) as raised:
        _ = agentrun.last
    assert str(raised.value).splitlines() == [
        'agentrun has recorded no run yet: it records the runs a test starts with agentrun.run, run_sync or iter.',
        'The code under test made 2 requests to scripted models; each model keeps its own: '
        "model = agentrun.model('openai:gpt-5.2', ...), then model.requests.",
    ]
    assert [request.prompt for request in model.requests] == ['Hello', 'Hello']


def test_factory_repr(agentrun: AgentRunFactory) -> None:
    assert repr(agentrun) == '<AgentRunFactory: 0 runs, 0 scripted models>'
    agentrun.model('openai:gpt-5.2', [])
    agentrun.run_sync(weather_agent, 'Hi', script=['Hello.'])
    assert repr(agentrun) == '<AgentRunFactory: 1 runs, 2 scripted models>'


def test_factory_options_default(agentrun: AgentRunFactory) -> None:
    assert (agentrun.options.real_requests, agentrun.options.strict) == (False, True)
    assert agentrun.test_name == 'tests/test_fixture.py::test_factory_options_default'


@pytest.mark.agentrun(strict=False, real_requests=True)
def test_factory_options_from_marker(agentrun: AgentRunFactory) -> None:
    assert (agentrun.options.real_requests, agentrun.options.strict) == (True, False)


# --- reprs -------------------------------------------------------------------------------------------


def test_recorded_run_repr(agentrun: AgentRunFactory) -> None:
    run = agentrun.run_sync(weather_agent, 'Weather in Paris?', script=WEATHER_SCRIPT)
    assert repr(run) == (
        "<RecordedRun 'Weather in Paris?': UserPrompt -> ModelRequest -> CallTools -> ModelRequest -> CallTools "
        "-> End; output='It is sunny in Paris.'>"
    )
    long = agentrun.run_sync(weather_agent, 'x' * 100, script=['y' * 100])
    assert repr(long) == (
        f"<RecordedRun '{'x' * 35}...': UserPrompt -> ModelRequest -> CallTools -> End; output='{'y' * 35}...'>"
    )
    assert repr(RecordedRun(prompt='Hi')) == "<RecordedRun 'Hi': no nodes; (unfinished)>"


def test_tool_call_record_repr(agentrun: AgentRunFactory) -> None:
    run = agentrun.run_sync(
        weather_agent,
        'Weather?',
        script=[
            tool_call('get_weather', city='Atlantis'),
            tool_call('get_weather', city='Paris'),
            'Sunny.',
        ],
    )
    assert [repr(c) for c in run.tool_calls] == [
        "get_weather(city='Atlantis') -> 'Unknown city Atlantis, try another one' (retried)",
        "get_weather(city='Paris') -> 'Sunny in Paris'",
    ]
    assert [c.retried for c in run.tool_calls] == [True, False]
    assert repr(ToolCallRecord(tool_name='f', args={'a': 1, 'b': 'x'}, tool_call_id='c')) == "f(a=1, b='x') -> None"


def test_tool_call_record_args_from_json_string(agentrun: AgentRunFactory) -> None:
    run = agentrun.run_sync(
        weather_agent,
        'Weather?',
        script=[[tool_call('get_weather', '{"city": "Paris"}'), tool_call('get_weather', '{"city": ')], 'Done.'],
    )
    assert [(c.args, c.retried) for c in run.tool_calls] == [({'city': 'Paris'}, False), ({}, True)]


# --- many runs at once -------------------------------------------------------------------------------

concurrent_agent = Agent('openai:gpt-5.2')
in_flight = {'now': 0, 'most': 0}


@concurrent_agent.tool_plain
async def double(n: int) -> int:
    in_flight['now'] += 1
    in_flight['most'] = max(in_flight['most'], in_flight['now'])
    await anyio.sleep(0.001 * (n % 7))
    in_flight['now'] -= 1
    return n * 2


@pytest.mark.anyio
async def test_100_concurrent_runs_keep_scripts_and_records_apart(agentrun: AgentRunFactory) -> None:
    count = 100
    runs: dict[int, RecordedRun[Any]] = {}
    in_flight.update(now=0, most=0)

    async def one(i: int) -> None:
        await anyio.sleep(0.001 * (i % 5))
        runs[i] = await agentrun.run(
            concurrent_agent,
            f'question {i}',
            script=[tool_call('double', n=i), f'answer {i}'],
            stream=i % 2 == 0,
        )

    async with anyio.create_task_group() as tg:
        for i in range(count):
            tg.start_soon(one, i)

    assert in_flight['most'] > 1, 'the runs did not overlap'
    assert len(agentrun.runs) == count
    assert sorted(map(id, agentrun.runs)) == sorted(map(id, runs.values()))
    assert len({id(r.model) for r in agentrun.runs}) == count
    for i, run in runs.items():
        assert run.prompt == f'question {i}'
        assert run.output == f'answer {i}'
        assert [(c.tool_name, c.args, c.result) for c in run.tool_calls] == [('double', {'n': i}, i * 2)]
        assert run.node_names == NODES
        assert run.model is not None
        assert run.model.used == 2
        assert [r.prompt for r in run.requests] == [f'question {i}', f'question {i}']
        assert [r.streamed for r in run.requests] == [i % 2 == 0] * 2
        tool_return = run.requests[1].messages[-1].parts[0]
        assert (tool_return.part_kind, tool_return.content) == ('tool-return', i * 2)
        assert run.requests[1].response is not None
        assert run.requests[1].response.parts == [TextPart(f'answer {i}')]
        assert (len(run.events) > 0) == (i % 2 == 0)


@pytest.mark.anyio
async def test_runs_of_one_shared_model_each_have_their_own_requests(agentrun: AgentRunFactory) -> None:
    agent = Agent('openai:gpt-5.2')
    shared = agentrun.model('openai:gpt-5.2', rules={re.compile('question'): 'an answer'})
    first = await agentrun.run(agent, 'question 1')
    second = await agentrun.run(agent, 'question 2')
    assert [r.prompt for r in first.requests] == ['question 1']
    assert [r.prompt for r in second.requests] == ['question 2']

    async def one(i: int) -> RecordedRun[Any]:
        await anyio.sleep(0.001 * (i % 3))
        return await agentrun.run(agent, f'question {i}', stream=i % 2 == 0)

    concurrent: list[RecordedRun[Any]] = []

    async def keep(i: int) -> None:
        concurrent.append(await one(i))

    async with anyio.create_task_group() as tg:
        for i in range(100):
            tg.start_soon(keep, i)
    assert len(shared.requests) == 102
    assert sorted(len(run.requests) for run in concurrent) == [1] * 100
    assert all(run.requests[0].prompt == run.prompt for run in concurrent)
    assert all(run.requests[0].streamed == (int(run.prompt.split()[1]) % 2 == 0) for run in concurrent)
