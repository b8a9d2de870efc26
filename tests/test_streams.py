"""Streams as real models stream them: exact tool-argument deltas, pieces per delta, and cancellation."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic_ai import Agent
from pydantic_ai.messages import ModelResponse, PartDeltaEvent, PartStartEvent, ToolCallPart
from pydantic_ai.models.test import TestModel
from releases import HAS_STREAM_CANCEL

from pytest_agentrun import AgentRunFactory, ScriptedModel, text, tool_call, turn


def weather_agent() -> Agent[None, str]:
    agent = Agent()

    @agent.tool_plain
    def get_weather(city: str, days: int) -> str:
        return 'sunny'

    return agent


def argument_deltas(events: list[Any]) -> list[str]:
    """The argument deltas of the first tool call in the events: its start, then each delta."""
    deltas: list[str] = []
    for event in events:
        if isinstance(event, PartStartEvent) and isinstance(event.part, ToolCallPart):
            assert isinstance(event.part.args, str)
            deltas.append(event.part.args)
        elif isinstance(event, PartDeltaEvent) and event.delta.part_delta_kind == 'tool_call':
            assert isinstance(event.delta.args_delta, str)
            deltas.append(event.delta.args_delta)
        elif deltas:
            break
    return deltas


@pytest.mark.anyio
async def test_exact_argument_deltas() -> None:
    chunks = ['{"city": "Pa', 'ris", "da', 'ys": 3}']
    run = await AgentRunFactory().run(
        weather_agent(),
        'Weather?',
        script=[tool_call('get_weather', city='Paris', days=3, chunks=chunks), 'Sunny.'],
        stream=True,
    )
    assert argument_deltas(run.events) == chunks
    assert run.tool_calls[0].args == {'city': 'Paris', 'days': 3}


@pytest.mark.anyio
async def test_chunks_alone_are_the_arguments() -> None:
    chunks = ['{"city": "Oslo", ', '"days": 1}']
    model = ScriptedModel([tool_call('get_weather', chunks=chunks), 'Snow.'])
    assert repr(model.turns[0]) == """tool_call('get_weather', chunks=['{"city": "Oslo", ', '"days": 1}'])"""
    run = await AgentRunFactory().run(weather_agent(), 'Weather?', script=model.turns, stream=True)
    assert argument_deltas(run.events) == chunks
    # not streamed, the call carries the joined text, as a model that sends its arguments as a string does
    result = await weather_agent().run(
        'Weather?', model=ScriptedModel([tool_call('get_weather', chunks=chunks), 'Snow.'])
    )
    call = result.all_messages()[1].parts[0]
    assert isinstance(call, ToolCallPart)
    assert call.args == '{"city": "Oslo", "days": 1}'


@pytest.mark.anyio
@pytest.mark.parametrize(
    ('chunk_words', 'deltas'),
    [
        (1, ['{"city":', '"Paris",', '"days":', '3}']),
        (2, ['{"city":"Paris",', '"days":3}']),
        (3, ['{"city":"Paris","days":', '3}']),
    ],
)
async def test_chunk_words_pieces_per_argument_delta(chunk_words: int, deltas: list[str]) -> None:
    run = await AgentRunFactory().run(
        weather_agent(),
        'Weather?',
        script=[tool_call('get_weather', city='Paris', days=3), 'Sunny.'],
        stream=True,
        chunk_words=chunk_words,
    )
    assert argument_deltas(run.events) == deltas


def test_chunk_errors() -> None:
    message = """tool_call('f'): the chunks join to '{"a": 2}', which is not the JSON of the arguments {'a': 1}"""
    with pytest.raises(ValueError, match=re.escape(message + '; give one of them')):
        tool_call('f', a=1, chunks=['{"a": ', '2}'])
    with pytest.raises(ValueError, match=re.escape(
        """tool_call('f'): the chunks join to '{"a"', not to the arguments '{"a": 1}'; give one of them"""
    )):  # fmt: skip
        tool_call('f', '{"a": 1}', chunks=['{"a"'])
    with pytest.raises(TypeError, match=re.escape("tool_call('f'): chunks takes a non-empty list of strings, got []")):
        tool_call('f', chunks=[])
    with pytest.raises(
        TypeError, match=re.escape("tool_call('f'): chunks takes a non-empty list of strings, got 'ab'")
    ):
        tool_call('f', chunks='ab')
    assert tool_call('f', '{"a": 1}', chunks=['{"a":', ' 1}']).args == '{"a": 1}'


# --- cancellation --------------------------------------------------------------------------------------

STORY = 'Once upon a time there was a cat.'


def story_models() -> list[Any]:
    return [
        pytest.param(lambda: ScriptedModel([STORY], chunk_words=1), id='ScriptedModel'),
        pytest.param(lambda: TestModel(custom_output_text=STORY), id='TestModel'),
    ]


@pytest.mark.anyio
@pytest.mark.skipif(not HAS_STREAM_CANCEL, reason='pydantic-ai without StreamedRunResult.cancel() (1.0)')
@pytest.mark.parametrize('make_model', story_models())
async def test_a_cancelled_stream_stops_like_pydantic_ais_own_test_model(make_model: Any) -> None:
    # before: `result.cancel()` raised NotImplementedError (no close_stream)
    agent = Agent(make_model())
    seen: list[str] = []
    async with agent.run_stream('Tell me a story') as result:
        async for delta in result.stream_text(delta=True, debounce_by=None):
            seen.append(delta)
            if len(seen) == 2:
                await result.cancel()
        assert result.cancelled
        response = result.all_messages()[-1]
    assert isinstance(response, ModelResponse)
    assert response.parts[0].content == 'Once upon '  # type: ignore[union-attr]
    assert getattr(response, 'state', 'interrupted') == 'interrupted'
    assert seen[:2] == ['Once ', 'upon ']


# --- pacing: code that debounces a stream ----------------------------------------------------------------


@pytest.mark.anyio
async def test_paced_deltas_reach_code_that_debounces_them_apart() -> None:
    chunks = ['Once', ' upon', ' a', ' time']

    async def deltas(model: ScriptedModel) -> list[str]:
        async with Agent(model).run_stream('Tell me a story') as result:
            return [d async for d in result.stream_text(delta=True, debounce_by=0.02)]

    assert await deltas(ScriptedModel([text(chunks=chunks)])) == ['Once upon a time']  # all at once: merged
    assert await deltas(ScriptedModel([text(chunks=chunks)], chunk_delay=0.06)) == chunks
    assert await deltas(ScriptedModel([turn(text(chunks=chunks), chunk_delay=0.06)])) == chunks


def test_chunk_delay_is_checked() -> None:
    with pytest.raises(ValueError, match=r'turn\(\): chunk_delay must be a non-negative number of seconds, got -1'):
        turn('Hi', chunk_delay=-1)
    with pytest.raises(ValueError, match='ScriptedModel: chunk_delay must be a non-negative number of seconds'):
        ScriptedModel(['Hi'], chunk_delay='fast')  # type: ignore[arg-type]
    assert repr(turn('Hi', chunk_delay=0.1)) == "turn('Hi', chunk_delay=0.1)"
