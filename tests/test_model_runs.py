"""Every kind of scripted turn, run through every way of driving an agent.

The matrix is `CASES x DRIVERS`: a case builds a fresh agent and model and checks an `Outcome`; a driver runs
the agent one way (`run`, `run_sync`, `iter`, `iter` + `next`, `iter` + `node.stream`, `run_stream`,
`run_stream_events`) and reports what it saw in one shape.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
import releases
from pydantic import BaseModel
from pydantic_ai import Agent, NativeOutput, PromptedOutput
from pydantic_ai.exceptions import ModelHTTPError
from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    PartDeltaEvent,
    PartStartEvent,
    TextPart,
    TextPartDelta,
    ToolCallPart,
    ToolCallPartDelta,
)
from pydantic_ai.models.fallback import FallbackModel
from pydantic_ai.usage import RequestUsage, RunUsage
from pydantic_graph import End
from releases import HAS_RUN_STREAM_EVENTS, PART_END_EVENT, run_stream_events

from pytest_agentrun import RequestInfo, ScriptedModel, output, raises, text, thinking, tool_call, turn
from pytest_agentrun._compat import HAS_FINISH_REASON, run_usage

# --- reading results the same way on every release -------------------------------------------------


def usage_of(run: Any) -> RunUsage:
    """A run's usage, read the same way on every release."""
    return run_usage(run)


def summarize(part: Any) -> tuple[Any, ...]:
    """A part as a short tuple holding everything a test cares about (and nothing that varies)."""
    kind = part.part_kind
    if kind == 'user-prompt':
        return ('user', part.content)
    if kind == 'system-prompt':
        return ('system', part.content)
    if kind == 'text':
        return ('text', part.content)
    if kind == 'thinking':
        return ('thinking', part.content, part.signature)
    if kind == 'tool-call':
        return ('call', part.tool_name, part.args_as_dict(), part.tool_call_id)
    if kind == 'tool-return':
        return ('return', part.tool_name, part.content, part.tool_call_id)
    if kind == 'retry-prompt':
        return ('retry', part.tool_name, part.tool_call_id)
    return (kind,)  # pragma: no cover


def shape(messages: list[ModelMessage]) -> list[list[tuple[Any, ...]]]:
    """Each message as the list of its summarized parts."""
    return [[summarize(p) for p in m.parts] for m in messages]


def responses(messages: list[ModelMessage]) -> list[ModelResponse]:
    return [m for m in messages if isinstance(m, ModelResponse)]


def tokens(usage: RequestUsage | RunUsage) -> tuple[int, int]:
    return usage.input_tokens, usage.output_tokens


# --- drivers ----------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What a driver saw of one agent run."""

    output: Any
    messages: list[ModelMessage]
    usage: RunUsage
    streamed: bool
    """Whether the driver streams model responses (so the model gets `request_stream` calls)."""
    events: list[Any] | None = None
    """Every event the driver saw, for drivers that see events."""
    deltas: list[Any] | None = None
    """What `stream_text(delta=True)` / `stream_output()` yielded, for `run_stream`."""


Driver = Callable[..., Awaitable[Outcome]]


async def drive_run(agent: Agent[Any, Any], prompt: str) -> Outcome:
    result = await agent.run(prompt)
    return Outcome(result.output, result.all_messages(), usage_of(result), streamed=False)


def drive_run_sync(agent: Agent[Any, Any], prompt: str) -> Outcome:
    result = agent.run_sync(prompt)
    return Outcome(result.output, result.all_messages(), usage_of(result), streamed=False)


async def drive_iter(agent: Agent[Any, Any], prompt: str) -> Outcome:
    async with agent.iter(prompt) as run:
        nodes = [node async for node in run]
    assert isinstance(nodes[-1], End)
    result = run.result
    assert result is not None
    assert nodes[-1].data.output == result.output
    return Outcome(result.output, result.all_messages(), usage_of(result), streamed=False)


async def drive_iter_next(agent: Agent[Any, Any], prompt: str) -> Outcome:
    async with agent.iter(prompt) as run:
        node: Any = run.next_node
        steps = 0
        while not isinstance(node, End):
            node = await run.next(node)
            steps += 1
    assert steps >= 3  # user prompt -> model request -> call tools -> End
    result = run.result
    assert result is not None
    return Outcome(result.output, result.all_messages(), usage_of(result), streamed=False)


async def drive_iter_stream(agent: Agent[Any, Any], prompt: str) -> Outcome:
    events: list[Any] = []
    async with agent.iter(prompt) as run:
        async for node in run:
            if Agent.is_model_request_node(node) or Agent.is_call_tools_node(node):
                async with node.stream(run.ctx) as stream:
                    events.extend([event async for event in stream])
    result = run.result
    assert result is not None
    return Outcome(result.output, result.all_messages(), usage_of(result), streamed=True, events=events)


async def drive_run_stream(agent: Agent[Any, Any], prompt: str) -> Outcome:
    async with agent.run_stream(prompt) as result:
        # Not `get_output()` after streaming: pydantic-ai 1.0 then adds the last response to the messages twice.
        if agent.output_type is str:
            deltas: list[Any] = [d async for d in result.stream_text(delta=True, debounce_by=None)]
            final = ''.join(deltas)
        else:
            deltas = [o async for o in result.stream_output(debounce_by=None)]
            final = deltas[-1]
        assert result.is_complete
    return Outcome(final, result.all_messages(), usage_of(result), streamed=True, deltas=deltas)


async def drive_run_stream_events(agent: Agent[Any, Any], prompt: str) -> Outcome:
    from pydantic_ai.run import AgentRunResultEvent

    async with run_stream_events(agent, prompt) as stream:
        events = [event async for event in stream]
    last = events[-1]
    assert isinstance(last, AgentRunResultEvent)
    assert not any(isinstance(e, AgentRunResultEvent) for e in events[:-1])
    result = last.result
    return Outcome(result.output, result.all_messages(), usage_of(result), streamed=True, events=events[:-1])


DRIVERS = [
    pytest.param(drive_run, id='run'),
    pytest.param(drive_iter, id='iter'),
    pytest.param(drive_iter_next, id='iter-next'),
    pytest.param(drive_iter_stream, id='iter-stream'),
    pytest.param(drive_run_stream, id='run_stream'),
    pytest.param(
        drive_run_stream_events,
        id='run_stream_events',
        marks=pytest.mark.skipif(not HAS_RUN_STREAM_EVENTS, reason='pydantic-ai without Agent.run_stream_events'),
    ),
]
"""The async drivers; `run_sync` runs in sync tests of its own."""

EVENT_DRIVERS = [p for p in DRIVERS if p.id in ('iter-stream', 'run_stream_events')]
"""The drivers that see model response stream events."""


# --- shared agent pieces ---------------------------------------------------------------------------

PROMPT = 'What is the weather in Paris?'
SETTINGS = {'temperature': 0.0}


def weather_agent(model: Any, **kwargs: Any) -> Agent[None, Any]:
    agent = Agent(model, model_settings=SETTINGS, **kwargs)  # type: ignore[arg-type]

    @agent.tool_plain
    def get_weather(city: str) -> str:
        return f'Sunny in {city}'

    return agent


class City(BaseModel):
    name: str
    population: int


def check_requests(
    out: Outcome, model: ScriptedModel, *, count: int, tool_names: list[str], output_tool_names: list[str]
) -> None:
    """The model's records: one per request, numbered, answered by the script in order."""
    assert len(model.requests) == count
    assert [r.number for r in model.requests] == list(range(1, count + 1))
    assert [r.answered_by for r in model.requests] == [f'turn {n} of the script' for n in range(1, count + 1)]
    assert all(r.streamed is out.streamed for r in model.requests)
    assert all(r.tool_names == tool_names for r in model.requests)
    assert all(r.output_tool_names == output_tool_names for r in model.requests)
    assert all(r.settings == SETTINGS for r in model.requests)
    assert all(r.error is None for r in model.requests)
    assert model.last_request is model.requests[-1]
    assert model.used == len(model.turns)
    model.assert_all_consumed()
    # each request was sent the messages of the run so far, and its response is the one the agent kept
    for r, response in zip(model.requests, responses(out.messages), strict=True):
        assert r.messages == out.messages[: out.messages.index(response)]
        assert r.response is not None
        assert shape([r.response]) == shape([response])
    assert out.usage.requests == count


# --- the cases ---------------------------------------------------------------------------------------


@dataclass
class Scenario:
    agent: Agent[Any, Any]
    model: ScriptedModel
    check: Callable[[Outcome], None]
    prompt: str = PROMPT


CASES: dict[str, Callable[[], Scenario]] = {}


def case(fn: Callable[[], Scenario]) -> Callable[[], Scenario]:
    CASES[fn.__name__.removeprefix('case_')] = fn
    return fn


@case
def case_text() -> Scenario:
    model = ScriptedModel(['The capital of France is Paris.'])

    def check(out: Outcome) -> None:
        assert out.output == 'The capital of France is Paris.'
        assert shape(out.messages) == [[('user', 'What is the capital of France?')], [('text', out.output)]]
        assert responses(out.messages)[0].model_name == 'scripted'
        check_requests(out, model, count=1, tool_names=[], output_tool_names=[])
        assert model.last_request.prompt == 'What is the capital of France?'
        # estimated like FunctionModel: from the whole exchange, or chunk by chunk when streamed
        assert tokens(responses(out.messages)[0].usage) == ((50, 7) if out.streamed else (56, 7))
        assert tokens(out.usage) == tokens(responses(out.messages)[0].usage)

    return Scenario(Agent(model, model_settings=SETTINGS), model, check, prompt='What is the capital of France?')


@case
def case_tool_call() -> Scenario:
    model = ScriptedModel([tool_call('get_weather', city='Paris'), 'It is sunny in Paris.'])

    def check(out: Outcome) -> None:
        assert out.output == 'It is sunny in Paris.'
        assert shape(out.messages) == [
            [('user', PROMPT)],
            [('call', 'get_weather', {'city': 'Paris'}, 'call_1')],
            [('return', 'get_weather', 'Sunny in Paris', 'call_1')],
            [('text', 'It is sunny in Paris.')],
        ]
        check_requests(out, model, count=2, tool_names=['get_weather'], output_tool_names=[])
        if releases.HAS_TOOL_CALLS_COUNTER:  # counted from pydantic-ai 1.0
            assert out.usage.tool_calls == 1
        assert model.requests[1].prompt == PROMPT  # the latest user prompt, from the first request

    return Scenario(weather_agent(model), model, check)


@case
def case_several_tool_calls() -> Scenario:
    model = ScriptedModel(
        [
            [tool_call('get_weather', city='Paris'), tool_call('get_weather', city='London')],
            [tool_call('get_weather', city='Rome')],
            'Sunny everywhere.',
        ]
    )

    def check(out: Outcome) -> None:
        assert out.output == 'Sunny everywhere.'
        assert shape(out.messages) == [
            [('user', PROMPT)],
            [
                ('call', 'get_weather', {'city': 'Paris'}, 'call_1'),
                ('call', 'get_weather', {'city': 'London'}, 'call_2'),
            ],
            [
                ('return', 'get_weather', 'Sunny in Paris', 'call_1'),
                ('return', 'get_weather', 'Sunny in London', 'call_2'),
            ],
            [('call', 'get_weather', {'city': 'Rome'}, 'call_3')],
            [('return', 'get_weather', 'Sunny in Rome', 'call_3')],
            [('text', 'Sunny everywhere.')],
        ]
        check_requests(out, model, count=3, tool_names=['get_weather'], output_tool_names=[])
        if releases.HAS_TOOL_CALLS_COUNTER:  # counted from pydantic-ai 1.0
            assert out.usage.tool_calls == 3

    return Scenario(weather_agent(model), model, check)


def _output_tool_check(model: ScriptedModel, expected: Any, args: dict[str, Any]) -> Callable[[Outcome], None]:
    def check(out: Outcome) -> None:
        assert out.output == expected
        assert shape(out.messages) == [
            [('user', PROMPT)],
            [('call', 'final_result', args, 'call_1')],
            [('return', 'final_result', 'Final result processed.', 'call_1')],
        ]
        check_requests(out, model, count=1, tool_names=['get_weather'], output_tool_names=['final_result'])
        assert model.last_request.parameters.output_mode == 'tool'

    return check


@case
def case_output_tool() -> Scenario:
    model = ScriptedModel([output(name='Paris', population=2_100_000)])
    check = _output_tool_check(
        model, City(name='Paris', population=2_100_000), {'name': 'Paris', 'population': 2_100_000}
    )
    return Scenario(weather_agent(model, output_type=City), model, check)


@case
def case_output_model_instance() -> Scenario:
    model = ScriptedModel([output(City(name='Rome', population=3))])
    check = _output_tool_check(model, City(name='Rome', population=3), {'name': 'Rome', 'population': 3})
    return Scenario(weather_agent(model, output_type=City), model, check)


@case
def case_output_scalar() -> Scenario:
    model = ScriptedModel([output(42)])
    check = _output_tool_check(model, 42, {'response': 42})  # wrapped in the outer typed-dict key
    return Scenario(weather_agent(model, output_type=int), model, check)


@case
def case_output_scalar_already_wrapped() -> Scenario:
    model = ScriptedModel([output(response=7)])
    check = _output_tool_check(model, 7, {'response': 7})  # not wrapped twice
    return Scenario(weather_agent(model, output_type=int), model, check)


def _json_output_case(spec: Any, mode: str) -> Scenario:
    model = ScriptedModel([output(name='Paris', population=2_100_000)])

    def check(out: Outcome) -> None:
        assert out.output == City(name='Paris', population=2_100_000)
        assert shape(out.messages)[1:] == [[('text', '{"name":"Paris","population":2100000}')]]
        check_requests(out, model, count=1, tool_names=['get_weather'], output_tool_names=[])
        assert model.last_request.parameters.output_mode == mode

    return Scenario(weather_agent(model, output_type=spec), model, check)


@case
def case_native_output() -> Scenario:
    return _json_output_case(NativeOutput(City), 'native')


@case
def case_prompted_output() -> Scenario:
    return _json_output_case(PromptedOutput(City), 'prompted')


@case
def case_thinking() -> Scenario:
    model = ScriptedModel(
        [
            [thinking('The user wants the weather, so I call the tool.'), tool_call('get_weather', city='Paris')],
            [thinking('Now answer.', signature='sig-2'), 'Sunny.'],
        ]
    )

    def check(out: Outcome) -> None:
        assert out.output == 'Sunny.'
        assert shape(responses(out.messages)) == [
            [
                ('thinking', 'The user wants the weather, so I call the tool.', None),
                ('call', 'get_weather', {'city': 'Paris'}, 'call_1'),
            ],
            [('thinking', 'Now answer.', 'sig-2'), ('text', 'Sunny.')],
        ]
        check_requests(out, model, count=2, tool_names=['get_weather'], output_tool_names=[])

    return Scenario(weather_agent(model), model, check)


@case
def case_list_of_parts() -> Scenario:
    model = ScriptedModel([('Here is the city.', output(name='Paris', population=1))])

    def check(out: Outcome) -> None:
        assert out.output == City(name='Paris', population=1)
        assert shape(out.messages)[1] == [
            ('text', 'Here is the city.'),
            ('call', 'final_result', {'name': 'Paris', 'population': 1}, 'call_1'),
        ]
        check_requests(out, model, count=1, tool_names=['get_weather'], output_tool_names=['final_result'])

    return Scenario(weather_agent(model, output_type=City), model, check)


@case
def case_raised_error_falls_back() -> Scenario:
    error = ModelHTTPError(status_code=503, model_name='x')
    failing = ScriptedModel([error])
    backup = ScriptedModel(['ok'])

    def check(out: Outcome) -> None:
        assert out.output == 'ok'
        assert shape(out.messages)[1:] == [[('text', 'ok')]]
        [failed] = failing.requests
        assert failed.error is error
        assert failed.response is None
        assert failed.answered_by == 'turn 1 of the script'
        assert failed.streamed is out.streamed
        check_requests(out, backup, count=1, tool_names=[], output_tool_names=[])

    return Scenario(Agent(FallbackModel(failing, backup), model_settings=SETTINGS), backup, check)


@case
def case_callable_turns() -> Scenario:
    seen: list[RequestInfo] = []
    sent: list[list[list[tuple[Any, ...]]]] = []  # the messages each call saw, when it was called

    def first(info: RequestInfo) -> Any:
        seen.append(info)
        sent.append(shape(list(info.messages)))
        return tool_call('get_weather', city=info.prompt.split()[-1].rstrip('?'))

    async def second(info: RequestInfo) -> Any:
        seen.append(info)
        sent.append(shape(list(info.messages)))
        return f'Answered request {info.number} after {len(info.messages)} messages.'

    model = ScriptedModel([first, second])

    def check(out: Outcome) -> None:
        assert out.output == 'Answered request 2 after 3 messages.'
        assert shape(out.messages)[1:3] == [
            [('call', 'get_weather', {'city': 'Paris'}, 'call_1')],
            [('return', 'get_weather', 'Sunny in Paris', 'call_1')],
        ]
        assert [i.number for i in seen] == [1, 2]
        assert [i.prompt for i in seen] == [PROMPT, PROMPT]
        assert [i.streamed for i in seen] == [out.streamed, out.streamed]
        assert [i.tool_names for i in seen] == [['get_weather'], ['get_weather']]
        assert [i.output_tool_names for i in seen] == [[], []]
        assert [i.settings for i in seen] == [SETTINGS, SETTINGS]
        assert sent == [shape(out.messages[:1]), shape(out.messages[:3])]
        check_requests(out, model, count=2, tool_names=['get_weather'], output_tool_names=[])

    return Scenario(weather_agent(model), model, check)


@case
def case_model_response_as_is() -> Scenario:
    model = ScriptedModel(
        [
            ModelResponse(parts=[ToolCallPart('get_weather', {'city': 'Oslo'}, tool_call_id='given-1')]),
            ModelResponse(parts=[TextPart('Snowy.')]),
        ]
    )

    def check(out: Outcome) -> None:
        assert out.output == 'Snowy.'
        assert shape(out.messages)[1:] == [
            [('call', 'get_weather', {'city': 'Oslo'}, 'given-1')],
            [('return', 'get_weather', 'Sunny in Oslo', 'given-1')],
            [('text', 'Snowy.')],
        ]
        assert [r.model_name for r in responses(out.messages)] == ['scripted', 'scripted']  # filled in when missing
        assert all(r.usage.output_tokens > 0 for r in responses(out.messages))  # estimated when missing
        check_requests(out, model, count=2, tool_names=['get_weather'], output_tool_names=[])

    return Scenario(weather_agent(model), model, check)


@case
def case_usage() -> Scenario:
    model = ScriptedModel(
        [
            turn(tool_call('get_weather', city='Paris'), usage={'input_tokens': 10, 'output_tokens': 2}),
            turn('Sunny.', usage=RequestUsage(input_tokens=20, output_tokens=3, cache_read_tokens=4)),
        ]
    )

    def check(out: Outcome) -> None:
        assert out.output == 'Sunny.'
        first, second = responses(out.messages)
        assert tokens(first.usage) == (10, 2)
        assert tokens(second.usage) == (20, 3)
        assert (first.usage.cache_read_tokens, second.usage.cache_read_tokens) == (0, 4)
        assert tokens(out.usage) == (30, 5)
        assert out.usage.cache_read_tokens == 4
        check_requests(out, model, count=2, tool_names=['get_weather'], output_tool_names=[])

    return Scenario(weather_agent(model), model, check)


@case
def case_finish_reason() -> Scenario:
    if not HAS_FINISH_REASON:
        pytest.skip('pydantic-ai without ModelResponse.finish_reason')
    model = ScriptedModel(
        [
            turn(tool_call('get_weather', city='Paris'), finish_reason='tool_call'),
            turn('Sunny.', finish_reason='length'),
        ]
    )

    def check(out: Outcome) -> None:
        assert out.output == 'Sunny.'
        assert [r.finish_reason for r in responses(out.messages)] == ['tool_call', 'length']
        check_requests(out, model, count=2, tool_names=['get_weather'], output_tool_names=[])

    return Scenario(weather_agent(model), model, check)


CASE_PARAMS = [pytest.param(fn, id=name) for name, fn in CASES.items()]


@pytest.mark.anyio
@pytest.mark.parametrize('make', CASE_PARAMS)
@pytest.mark.parametrize('drive', DRIVERS)
async def test_turn_kinds(drive: Driver, make: Callable[[], Scenario]) -> None:
    scenario = make()
    scenario.check(await drive(scenario.agent, scenario.prompt))


@pytest.mark.usefixtures('close_run_sync_loop')
@pytest.mark.parametrize('make', CASE_PARAMS)
def test_turn_kinds_run_sync(make: Callable[[], Scenario]) -> None:
    scenario = make()
    scenario.check(drive_run_sync(scenario.agent, scenario.prompt))


def test_every_case_is_in_the_matrix() -> None:
    assert list(CASES) == [
        'text',
        'tool_call',
        'several_tool_calls',
        'output_tool',
        'output_model_instance',
        'output_scalar',
        'output_scalar_already_wrapped',
        'native_output',
        'prompted_output',
        'thinking',
        'list_of_parts',
        'raised_error_falls_back',
        'callable_turns',
        'model_response_as_is',
        'usage',
        'finish_reason',
    ]


# --- raised errors without a fallback ---------------------------------------------------------------


def _failing_then_ok() -> tuple[ScriptedModel, ModelHTTPError]:
    error = ModelHTTPError(status_code=503, model_name='x')
    return ScriptedModel([raises(error), 'Recovered.']), error


def _check_failed_then_retried(model: ScriptedModel, error: ModelHTTPError, out: Outcome) -> None:
    assert out.output == 'Recovered.'
    first, second = model.requests
    assert (first.error, first.response, first.answered_by) == (error, None, 'turn 1 of the script')
    assert (second.error, second.answered_by) == (None, 'turn 2 of the script')
    assert first.streamed is second.streamed is out.streamed
    model.assert_all_consumed()


@pytest.mark.anyio
@pytest.mark.parametrize('drive', DRIVERS)
async def test_raised_error_reaches_the_caller_then_a_retry_succeeds(drive: Driver) -> None:
    model, error = _failing_then_ok()
    agent = Agent(model)
    with pytest.raises(ModelHTTPError) as exc_info:
        await drive(agent, 'Hi')
    assert exc_info.value is error
    assert exc_info.value.status_code == 503
    _check_failed_then_retried(model, error, await drive(agent, 'Hi'))


@pytest.mark.usefixtures('close_run_sync_loop')
def test_raised_error_reaches_the_caller_then_a_retry_succeeds_run_sync() -> None:
    model, error = _failing_then_ok()
    agent = Agent(model)
    with pytest.raises(ModelHTTPError) as exc_info:
        drive_run_sync(agent, 'Hi')
    assert exc_info.value is error
    _check_failed_then_retried(model, error, drive_run_sync(agent, 'Hi'))


# --- streaming: deltas and events --------------------------------------------------------------------

SEVEN_WORDS = 'one two three four five six seven'


def text_events(events: list[Any]) -> list[str]:
    """The text each start/delta event of text parts carried, in order."""
    pieces: list[str] = []
    for event in events:
        if isinstance(event, PartStartEvent) and isinstance(event.part, TextPart):
            pieces.append(event.part.content)
        elif isinstance(event, PartDeltaEvent) and isinstance(event.delta, TextPartDelta):
            pieces.append(event.delta.content_delta)
    return pieces


async def stream_text_deltas(model: ScriptedModel) -> list[str]:
    out = await drive_run_stream(Agent(model), 'Count.')
    assert out.deltas is not None
    return out.deltas


@pytest.mark.anyio
@pytest.mark.parametrize(
    ('model', 'expected'),
    [
        pytest.param(ScriptedModel([SEVEN_WORDS]), ['one two three ', 'four five six ', 'seven'], id='default-3-words'),
        pytest.param(
            ScriptedModel([SEVEN_WORDS], chunk_words=2),
            ['one two ', 'three four ', 'five six ', 'seven'],
            id='model-chunk-words',
        ),
        pytest.param(
            ScriptedModel([turn(SEVEN_WORDS, chunk_words=5)], chunk_words=1),
            ['one two three four five ', 'six seven'],
            id='turn-chunk-words-wins',
        ),
        pytest.param(
            ScriptedModel([text(chunks=['on', 'e two three four five six sev', 'en'])]),
            ['on', 'e two three four five six sev', 'en'],
            id='exact-chunks',
        ),
    ],
)
async def test_stream_text_deltas(model: ScriptedModel, expected: list[str]) -> None:
    assert await stream_text_deltas(model) == expected
    assert model.last_request.streamed is True


@pytest.mark.anyio
@pytest.mark.parametrize('drive', EVENT_DRIVERS)
async def test_text_arrives_in_several_deltas(drive: Driver) -> None:
    out = await drive(Agent(ScriptedModel([SEVEN_WORDS])), 'Count.')
    assert out.events is not None
    assert text_events(out.events) == ['one two three ', 'four five six ', 'seven']
    starts = [e for e in out.events if isinstance(e, PartStartEvent)]
    deltas = [e for e in out.events if isinstance(e, PartDeltaEvent)]
    assert [(e.index, e.part.part_kind) for e in starts] == [(0, 'text')]
    assert [e.index for e in deltas] == [0, 0]
    assert out.output == SEVEN_WORDS


@pytest.mark.anyio
@pytest.mark.parametrize('drive', EVENT_DRIVERS)
async def test_text_chunks_per_turn_and_exact(drive: Driver) -> None:
    model = ScriptedModel(
        [
            turn(tool_call('get_weather', city='Paris'), 'Checking the weather now please wait', chunk_words=2),
            text(chunks=['Sun', 'ny.']),
        ],
        chunk_words=1,
    )
    out = await drive(weather_agent(model), PROMPT)
    assert out.events is not None
    assert text_events(out.events) == ['Checking the ', 'weather now ', 'please wait', 'Sun', 'ny.']
    assert out.output == 'Sunny.'


@pytest.mark.anyio
@pytest.mark.parametrize('drive', EVENT_DRIVERS)
async def test_tool_call_args_stream_in_several_deltas(drive: Driver) -> None:
    model = ScriptedModel([tool_call('forecast', city='Paris', days=3, unit='C', hourly=True), 'Done.'])
    agent = Agent(model)

    @agent.tool_plain
    def forecast(city: str, days: int, unit: str, hourly: bool) -> str:
        return f'{city} {days} {unit} {hourly}'

    out = await drive(agent, 'Forecast?')
    assert out.events is not None
    [start] = [e for e in out.events if isinstance(e, PartStartEvent) and isinstance(e.part, ToolCallPart)]
    deltas = [e for e in out.events if isinstance(e, PartDeltaEvent) and isinstance(e.delta, ToolCallPartDelta)]
    assert start.part.tool_name == 'forecast'
    assert start.part.tool_call_id == 'call_1'
    # {"city":  "Paris",  "days":  3,  "unit":  "C",  "hourly":  true}  - 8 pieces, 3 per delta
    assert start.part.args == '{"city":"Paris","days":'
    assert [d.delta.args_delta for d in deltas] == ['3,"unit":"C",', '"hourly":true}']
    assert all(d.index == start.index for d in deltas)
    assert shape(out.messages)[1] == [
        ('call', 'forecast', {'city': 'Paris', 'days': 3, 'unit': 'C', 'hourly': True}, 'call_1')
    ]
    assert shape(out.messages)[2] == [('return', 'forecast', 'Paris 3 C True', 'call_1')]


@pytest.mark.anyio
@pytest.mark.parametrize('drive', EVENT_DRIVERS)
async def test_output_tool_args_stream(drive: Driver) -> None:
    model = ScriptedModel([output(name='Paris', population=2)], chunk_words=1)
    out = await drive(Agent(model, output_type=City), PROMPT)
    assert out.events is not None
    [start] = [e for e in out.events if isinstance(e, PartStartEvent)]
    deltas = [e.delta.args_delta for e in out.events if isinstance(e, PartDeltaEvent)]
    assert (start.part.tool_name, start.part.args) == ('final_result', '{"name":')
    assert deltas == ['"Paris",', '"population":', '2}']
    assert out.output == City(name='Paris', population=2)


@pytest.mark.anyio
@pytest.mark.parametrize('drive', EVENT_DRIVERS)
async def test_thinking_streams_in_deltas(drive: Driver) -> None:
    model = ScriptedModel([[thinking('a b c d e'), 'Done.']], chunk_words=2)
    out = await drive(Agent(model), 'Think.')
    assert out.events is not None
    starts = [e for e in out.events if isinstance(e, PartStartEvent)]
    deltas = [e for e in out.events if isinstance(e, PartDeltaEvent) and e.index == 0]
    assert [(e.index, e.part.part_kind) for e in starts] == [(0, 'thinking'), (1, 'text')]
    assert starts[0].part.content == 'a b '
    assert [d.delta.content_delta for d in deltas] == ['c d ', 'e']
    assert shape(out.messages)[1] == [('thinking', 'a b c d e', None), ('text', 'Done.')]


@pytest.mark.anyio
@pytest.mark.parametrize('drive', EVENT_DRIVERS)
async def test_streamed_thinking_keeps_its_signature(drive: Driver) -> None:
    model = ScriptedModel([[thinking('a b c d e', signature='sig'), 'Done.']], chunk_words=2)
    out = await drive(Agent(model), 'Think.')
    assert shape(out.messages)[1] == [('thinking', 'a b c d e', 'sig'), ('text', 'Done.')]


@pytest.mark.anyio
@pytest.mark.skipif(PART_END_EVENT is None, reason='pydantic-ai without PartEndEvent (1.0)')
@pytest.mark.parametrize('drive', EVENT_DRIVERS)
async def test_parts_start_and_end(drive: Driver) -> None:
    model = ScriptedModel([[thinking('Hmm.'), tool_call('get_weather', city='Paris')], 'Sunny in Paris.'])
    out = await drive(weather_agent(model), PROMPT)
    assert out.events is not None
    part_end: Any = PART_END_EVENT
    bounds = [
        (type(e).__name__, e.index, e.part.part_kind) for e in out.events if isinstance(e, (PartStartEvent, part_end))
    ]
    assert bounds == [
        ('PartStartEvent', 0, 'thinking'),
        ('PartEndEvent', 0, 'thinking'),
        ('PartStartEvent', 1, 'tool-call'),
        ('PartEndEvent', 1, 'tool-call'),
        ('PartStartEvent', 0, 'text'),
        ('PartEndEvent', 0, 'text'),
    ]
    ends = [e for e in out.events if isinstance(e, part_end)]
    assert ends[1].part.args_as_dict() == {'city': 'Paris'}
    assert ends[2].part.content == 'Sunny in Paris.'


@pytest.mark.anyio
async def test_stream_output_yields_the_validated_output() -> None:
    out = await drive_run_stream(Agent(ScriptedModel([output(name='Paris', population=2)]), output_type=City), 'x')
    assert out.deltas is not None
    assert out.deltas[-1] == City(name='Paris', population=2)
    assert all(isinstance(d, City) for d in out.deltas)


@pytest.mark.anyio
async def test_run_stream_get_output_without_streaming() -> None:
    model = ScriptedModel([tool_call('get_weather', city='Paris'), 'Sunny.'])
    async with weather_agent(model).run_stream(PROMPT) as result:
        assert await result.get_output() == 'Sunny.'
    assert shape(result.all_messages())[-1] == [('text', 'Sunny.')]
    assert [r.streamed for r in model.requests] == [True, True]


@pytest.mark.anyio
@pytest.mark.parametrize('drive', EVENT_DRIVERS)
async def test_streamed_usage_is_explicit_when_scripted(drive: Driver) -> None:
    model = ScriptedModel([turn(SEVEN_WORDS, usage={'input_tokens': 9, 'output_tokens': 4})])
    out = await drive(Agent(model), 'Count.')
    assert tokens(responses(out.messages)[0].usage) == (9, 4)
    assert tokens(out.usage) == (9, 4)


# --- the records ---------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_model_settings_are_merged_into_the_records() -> None:
    model = ScriptedModel(['Hi.'], settings={'max_tokens': 9, 'temperature': 1.0})
    await Agent(model).run('Hi', model_settings={'temperature': 0.5})
    assert model.last_request.settings == {'max_tokens': 9, 'temperature': 0.5}


@pytest.mark.anyio
async def test_request_records_and_reprs() -> None:
    model = ScriptedModel([tool_call('get_weather', city='Paris'), 'Sunny.', 'Unused.'])
    assert repr(model) == '<ScriptedModel: 3 turns, 0 used, 0 requests>'
    out = await drive_run_stream(weather_agent(model), PROMPT)
    assert out.output == 'Sunny.'
    assert [repr(r) for r in model.requests] == [
        '<ScriptedRequest 1 (stream) answered by turn 1 of the script>',
        '<ScriptedRequest 2 (stream) answered by turn 2 of the script>',
    ]
    assert repr(model) == '<ScriptedModel: 3 turns, 2 used, 2 requests>'
    assert model.unused_turns == model.turns[2:]
    await weather_agent(model).run(PROMPT)
    assert repr(model.last_request) == '<ScriptedRequest 3 (request) answered by turn 3 of the script>'
    assert model.unused_turns == ()


@pytest.mark.anyio
async def test_tool_call_ids_count_per_model() -> None:
    model = ScriptedModel(
        [
            tool_call('get_weather', city='A'),
            'x',
            tool_call('get_weather', city='B', tool_call_id='mine'),
            tool_call('get_weather', city='C'),
            'y',
        ]
    )
    agent = weather_agent(model)
    first = await agent.run(PROMPT)
    second = await agent.run(PROMPT)
    ids = [p[3] for m in shape(first.all_messages() + second.all_messages()) for p in m if p[0] == 'call']
    assert ids == ['call_1', 'mine', 'call_2']


@pytest.mark.anyio
async def test_invalid_json_args_are_sent_as_they_are() -> None:
    model = ScriptedModel([tool_call('get_weather', '{"city": '), tool_call('get_weather', city='Paris'), 'Sunny.'])
    result = await weather_agent(model).run(PROMPT)
    assert result.output == 'Sunny.'
    [retry] = result.all_messages()[2].parts
    # a retry prompt (or, on newer releases, an error tool return) quoting the JSON error
    assert (retry.tool_name, retry.tool_call_id) == ('get_weather', 'call_1')
    assert 'Invalid JSON' in str(retry.content)
    assert model.requests[0].response is not None
    assert model.requests[0].response.parts[0].args == '{"city": '  # type: ignore[union-attr]


@pytest.mark.anyio
async def test_output_tool_by_name() -> None:
    class Country(BaseModel):
        name: str

    model = ScriptedModel([output(name='France', tool_name='final_result_Country')])
    result = await Agent(model, output_type=[City, Country]).run('x')
    assert result.output == Country(name='France')
    assert model.last_request.output_tool_names == ['final_result_City', 'final_result_Country']


@pytest.mark.anyio
async def test_given_model_response_keeps_its_name_and_usage() -> None:
    given = ModelResponse(
        parts=[TextPart('Given as is.')], model_name='custom', usage=RequestUsage(input_tokens=3, output_tokens=4)
    )
    out = await drive_run(Agent(ScriptedModel([given])), 'x')
    [response] = responses(out.messages)
    assert response.model_name == 'custom'
    assert tokens(response.usage) == (3, 4)


@pytest.mark.anyio
@pytest.mark.parametrize('drive', [p for p in DRIVERS if p.id in ('run_stream', 'iter-stream')])
async def test_given_model_response_keeps_its_name_and_usage_when_streamed(drive: Driver) -> None:
    given = ModelResponse(
        parts=[TextPart('Given as is.')], model_name='custom', usage=RequestUsage(input_tokens=3, output_tokens=4)
    )
    out = await drive(Agent(ScriptedModel([given])), 'x')
    [response] = responses(out.messages)
    assert response.model_name == 'custom'
    assert tokens(response.usage) == (3, 4)


@pytest.mark.anyio
async def test_request_info_messages_are_those_of_the_request() -> None:
    seen: list[RequestInfo] = []

    def remember(info: RequestInfo) -> str:
        seen.append(info)
        return 'Hello.'

    await Agent(ScriptedModel([remember])).run('Hi')
    assert len(seen[0].messages) == 1


@pytest.mark.anyio
async def test_request_info_names_the_model_asked() -> None:
    seen: list[str | None] = []

    def remember(info: RequestInfo) -> str:
        seen.append(info.model_name)
        return 'Hello.'

    await Agent(ScriptedModel([remember], model='openai:gpt-5.2')).run('Hi')
    await Agent(ScriptedModel([remember])).run('Hi')
    assert seen == ['openai:gpt-5.2', None]


@pytest.mark.anyio
async def test_message_list_in_records_is_a_copy() -> None:
    model = ScriptedModel(['a'])
    result = await Agent(model).run('Hi')
    record = model.last_request
    assert isinstance(record.messages[0], ModelRequest)
    assert record.messages is not result.all_messages()
    assert len(record.messages) == 1
