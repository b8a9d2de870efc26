"""Strict failures and their exact messages, and the ways to relax them: rules, `default=`, unknown tools."""

from __future__ import annotations

import re
from typing import Any

import pytest
import releases
from dirty_equals import IsStr
from pydantic import BaseModel
from pydantic_ai import Agent
from pydantic_ai.messages import ModelResponse

from pytest_agentrun import (
    RequestInfo,
    ScriptedModel,
    ScriptError,
    ScriptExhaustedError,
    UnknownToolError,
    UnusedTurnsError,
    output,
    raises,
    tool_call,
    tool_return,
    turn,
)

RELAX_EXHAUSTED = (
    'Add a turn to the script or a rule matching this request, or give default=... (to ScriptedModel, '
    'agentrun.model or agentrun.run) to answer every request the script does not.'
)
RELAX_UNKNOWN = (
    'Fix the tool name in the script, or pass allow_unknown_tools=True to ScriptedModel (or agentrun.model) '
    'to test how the agent handles an unknown tool.'
)


def weather_agent(model: ScriptedModel, **kwargs: Any) -> Agent[None, Any]:
    agent = Agent(model, **kwargs)

    @agent.tool_plain
    def get_weather(city: str) -> str:
        return f'Sunny in {city}'

    return agent


def texts(messages: list[Any]) -> list[str]:
    return [p.content for m in messages if isinstance(m, ModelResponse) for p in m.parts if p.part_kind == 'text']


class City(BaseModel):
    name: str


# --- the exhausted script ---------------------------------------------------------------------------


@pytest.mark.anyio
async def test_exhausted_script_after_a_tool_call() -> None:
    model = ScriptedModel([tool_call('get_weather', city='Paris')])
    with pytest.raises(ScriptExhaustedError) as exc_info:
        await weather_agent(model).run('Weather in Paris?')
    assert str(exc_info.value) == '\n'.join(
        [
            'ScriptedModel received request 2, but no scripted turn or rule answers it.',
            "Latest message: request [tool-return get_weather: 'Sunny in Paris']",
            'Script (1 turn, 1 used):',
            "  [used] 1. tool_call('get_weather', city='Paris')",
            RELAX_EXHAUSTED,
        ]
    )
    assert isinstance(exc_info.value, AssertionError)  # pytest reports it as a failure
    # the request that nothing answered is recorded, with the error
    assert [r.answered_by for r in model.requests] == ['turn 1 of the script', 'nothing']
    assert model.last_request.error is exc_info.value
    assert model.last_request.response is None


@pytest.mark.anyio
async def test_exhausted_script_lists_turns_and_rules() -> None:
    model = ScriptedModel(
        [tool_call('get_weather', city='Paris'), 'It is sunny.'],
        rules={
            'Hello': 'Hi!',
            re.compile('bye'): 'Bye!',
            tool_return('get_weather', 'Rain'): 'Wet.',
            tool_return('get_weather'): 'Some weather.',
        },
    )
    agent = weather_agent(model)
    assert (await agent.run('Weather?')).output == 'It is sunny.'
    with pytest.raises(ScriptExhaustedError) as exc_info:
        await agent.run('What now?')
    assert str(exc_info.value) == '\n'.join(
        [
            'ScriptedModel received request 3, but no scripted turn or rule answers it.',
            "Latest message: request [user-prompt 'What now?']",
            'Script (2 turns, 2 used):',
            "  [used] 1. tool_call('get_weather', city='Paris')",
            "  [used] 2. 'It is sunny.'",
            'Rules (4, none matched):',
            "  'Hello': 'Hi!'",
            "  re.compile('bye'): 'Bye!'",
            "  tool_return('get_weather', 'Rain'): 'Wet.'",
            "  tool_return('get_weather'): 'Some weather.'",
            RELAX_EXHAUSTED,
        ]
    )


@pytest.mark.anyio
async def test_exhausted_empty_script_of_a_stand_in_while_streaming() -> None:
    model = ScriptedModel(model='openai:gpt-5.2')
    prompt = 'Tell me everything about ' + 'the weather ' * 20
    with pytest.raises(ScriptExhaustedError) as exc_info:
        async with Agent(model).run_stream(prompt) as result:
            await result.get_output()  # pragma: no cover - never reached
    latest = f'request [user-prompt {prompt!r}]'
    assert str(exc_info.value) == '\n'.join(
        [
            "ScriptedModel('openai:gpt-5.2') received request 1, but no scripted turn or rule answers it.",
            f'Latest message: {latest[:157]}...',  # clipped to 160 characters
            'Script (0 turns, 0 used):',
            '  (no turns)',
            RELAX_EXHAUSTED,
        ]
    )
    assert model.last_request.streamed is True


@pytest.mark.usefixtures('close_run_sync_loop')
def test_exhausted_script_run_sync_names_the_prompt_list() -> None:
    model = ScriptedModel(['one'])
    agent = Agent(model)
    assert agent.run_sync('a').output == 'one'
    with pytest.raises(ScriptExhaustedError, match=re.escape("Latest message: request [user-prompt 'b']")):
        agent.run_sync('b')


# --- unknown tools ------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_unknown_tool_lists_offered_tools_and_output_tools() -> None:
    model = ScriptedModel([tool_call('get_wether', city='Paris')])
    with pytest.raises(UnknownToolError) as exc_info:
        await weather_agent(model, output_type=City).run('Weather?')
    assert str(exc_info.value) == '\n'.join(
        [
            "Turn 1 of the script calls the tool 'get_wether', which the agent does not offer in request 1.",
            "Offered tools: 'get_weather'.",
            "Output tools: 'final_result'.",
            RELAX_UNKNOWN,
        ]
    )


@pytest.mark.anyio
@pytest.mark.skipif(not releases.HAS_STRUCTURED_OUTPUT_MODES, reason='a list of output types came in pydantic-ai 0.3.3')
async def test_unknown_tool_with_no_tools_and_several_output_tools() -> None:
    class Country(BaseModel):
        name: str

    model = ScriptedModel([output(name='x', tool_name='final_result_Town')])
    with pytest.raises(UnknownToolError) as exc_info:
        await Agent(model, output_type=[City, Country]).run('x')
    assert str(exc_info.value) == '\n'.join(
        [
            "Turn 1 of the script calls the tool 'final_result_Town', which the agent does not offer in request 1.",
            'Offered tools: none.',
            "Output tools: 'final_result_City', 'final_result_Country'.",
            RELAX_UNKNOWN,
        ]
    )


@pytest.mark.anyio
async def test_unknown_tool_in_a_rule_and_in_the_default() -> None:
    model = ScriptedModel(rules={'Hi': tool_call('nope')})
    with pytest.raises(UnknownToolError) as exc_info:
        await Agent(model).run('Hi')
    assert str(exc_info.value) == '\n'.join(
        [
            "Rule 1 ('Hi') calls the tool 'nope', which the agent does not offer in request 1.",
            'Offered tools: none.',
            RELAX_UNKNOWN,
        ]
    )
    model = ScriptedModel(default=tool_call('nope'))
    with pytest.raises(UnknownToolError, match=re.escape("The default answer calls the tool 'nope', which")):
        await weather_agent(model).run('Hi')


@pytest.mark.anyio
async def test_unknown_tool_streamed() -> None:
    model = ScriptedModel(['fine', tool_call('nope')])
    agent = weather_agent(model)
    await agent.run('first')
    with pytest.raises(UnknownToolError, match=re.escape("Turn 2 of the script calls the tool 'nope'")):
        async with agent.run_stream('second') as result:
            await result.get_output()  # pragma: no cover - never reached


@pytest.mark.anyio
async def test_unknown_tool_request_is_recorded() -> None:
    model = ScriptedModel([tool_call('nope')])
    with pytest.raises(UnknownToolError) as exc_info:
        await Agent(model).run('Hi')
    assert len(model.requests) == 1
    assert model.last_request.error is exc_info.value
    assert model.last_request.answered_by == 'turn 1 of the script'


@pytest.mark.anyio
async def test_allow_unknown_tools() -> None:
    model = ScriptedModel([tool_call('nope', x=1), 'Recovered.'], allow_unknown_tools=True)
    result = await weather_agent(model).run('Hi')
    assert result.output == 'Recovered.'
    [retry] = result.all_messages()[2].parts
    # the agent answers the unknown tool with a retry prompt (or, on newer releases, an error tool return)
    assert (retry.tool_name, retry.tool_call_id) == ('nope', 'call_1')
    assert "Unknown tool name: 'nope'" in str(retry.content)
    assert model.requests[0].response is not None
    assert model.requests[0].response.parts[0].tool_name == 'nope'  # type: ignore[union-attr]


# --- unused turns and last_request --------------------------------------------------------------------


@pytest.mark.anyio
async def test_assert_all_consumed() -> None:
    model = ScriptedModel(['a', 'b', raises(ValueError('x'))])
    await Agent(model).run('x')
    with pytest.raises(UnusedTurnsError) as exc_info:
        model.assert_all_consumed()
    assert str(exc_info.value) == '\n'.join(
        [
            'ScriptedModel received 1 request, but 2 scripted turns were never used:',
            "  [used] 1. 'a'",
            "  [    ] 2. 'b'",
            "  [    ] 3. raises(ValueError('x'))",
            'Remove the unused turns, or find why the agent stopped before reaching them.',
        ]
    )
    assert isinstance(exc_info.value, ScriptError)


def test_assert_all_consumed_without_requests() -> None:
    model = ScriptedModel([tool_call('get_weather', city='Paris')], model='anthropic:claude-sonnet-4-5')
    with pytest.raises(UnusedTurnsError) as exc_info:
        model.assert_all_consumed()
    assert str(exc_info.value) == '\n'.join(
        [
            "ScriptedModel('anthropic:claude-sonnet-4-5') received 0 requests, but 1 scripted turn was never used:",
            "  [    ] 1. tool_call('get_weather', city='Paris')",
            'Remove the unused turns, or find why the agent stopped before reaching them.',
        ]
    )


@pytest.mark.anyio
async def test_assert_all_consumed_passes_when_used_up() -> None:
    model = ScriptedModel(['a'])
    ScriptedModel().assert_all_consumed()
    with pytest.raises(UnusedTurnsError):
        model.assert_all_consumed()
    await Agent(model).run('x')
    model.assert_all_consumed()


def test_last_request_without_requests() -> None:
    with pytest.raises(ScriptError) as exc_info:
        ScriptedModel(['a']).last_request  # noqa: B018
    assert str(exc_info.value) == 'ScriptedModel has received no request yet'
    with pytest.raises(ScriptError) as exc_info:
        ScriptedModel(model='openai:gpt-5.2').last_request  # noqa: B018
    assert str(exc_info.value) == "ScriptedModel('openai:gpt-5.2') has received no request yet"


# --- errors of callable turns, raised at request time ------------------------------------------------


@pytest.mark.anyio
async def test_callable_turn_returning_nothing() -> None:
    def forgot(info: RequestInfo) -> Any:
        return None

    with pytest.raises(TypeError) as exc_info:
        await Agent(ScriptedModel([forgot])).run('x')
    assert str(exc_info.value) == (
        'the answer of turn 1 of the script (<function test_callable_turn_returning_nothing.<locals>.forgot>) '
        'is None; write the answer, e.g. a string for a text response'
    )


@pytest.mark.anyio
async def test_callable_turn_returning_a_callable() -> None:
    def nested(info: RequestInfo) -> Any:
        return lambda info: 'x'

    with pytest.raises(TypeError) as exc_info:
        await Agent(ScriptedModel(rules={'x': nested})).run('x')
    assert str(exc_info.value) == (
        "the answer of rule 1 ('x') (<function test_callable_turn_returning_a_callable.<locals>.nested>) "
        'is itself a callable; a callable turn must return an answer'
    )


@pytest.mark.anyio
async def test_callable_turn_raising_through_raises() -> None:
    error = ConnectionError('gone')
    model = ScriptedModel(default=lambda info: raises(error))
    with pytest.raises(ConnectionError) as exc_info:
        await Agent(model).run('x')
    assert exc_info.value is error
    assert model.last_request.error is error
    assert model.last_request.answered_by == 'the default answer'


@pytest.mark.anyio
async def test_callable_turn_with_unsupported_finish_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    from pytest_agentrun import _compat

    monkeypatch.setattr(_compat, 'HAS_FINISH_REASON', False)  # as in every 0.x release and 1.0
    model = ScriptedModel([lambda info: turn('x', finish_reason='stop')])
    with pytest.raises(ValueError, match=re.escape('has no ModelResponse.finish_reason: it came in 1.1;')):
        await Agent(model).run('x')


# --- rules ---------------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_prompt_string_rule_matches_exactly() -> None:
    model = ScriptedModel(rules={'Hello': 'Hi there!'}, default='Default.')
    agent = Agent(model)
    assert (await agent.run('Hello')).output == 'Hi there!'
    assert (await agent.run('Hello!')).output == 'Default.'
    assert (await agent.run('Hello')).output == 'Hi there!'  # rules are not used up
    assert [r.answered_by for r in model.requests] == [
        "rule 1 ('Hello')",
        'the default answer',
        "rule 1 ('Hello')",
    ]
    assert model.used == 0


@pytest.mark.anyio
async def test_pattern_rule_searches_the_prompt() -> None:
    pattern = re.compile(r'weather in (\w+)')
    model = ScriptedModel(rules=[(pattern, lambda info: f'Sunny in {pattern.search(info.prompt or "")[1]}.')])  # type: ignore[index]
    agent = Agent(model)
    assert (await agent.run('What is the weather in Rome today?')).output == 'Sunny in Rome.'
    assert model.last_request.answered_by == "rule 1 (re.compile('weather in (\\\\w+)'))"
    with pytest.raises(ScriptExhaustedError):
        await agent.run('What is the Weather in Rome?')


def test_rule_repr_keeps_pattern_flags() -> None:
    [rule] = ScriptedModel(rules={re.compile('bye', re.IGNORECASE): 'Bye!'}).rules
    assert repr(rule) == "re.compile('bye', re.IGNORECASE): 'Bye!'"


@pytest.mark.anyio
async def test_first_matching_rule_wins() -> None:
    model = ScriptedModel(rules=[(re.compile('a'), 'first'), ('abc', 'second')])
    assert (await Agent(model).run('abc')).output == 'first'


@pytest.mark.anyio
async def test_tool_round_trip_scripted_by_rules() -> None:
    model = ScriptedModel(
        rules={
            'Weather in Paris?': tool_call('get_weather', city='Paris'),
            tool_return('get_weather'): 'It is sunny in Paris.',
        }
    )
    agent = weather_agent(model)
    for _ in range(2):  # rules answer as often as they match
        result = await agent.run('Weather in Paris?')
        assert result.output == 'It is sunny in Paris.'
    assert [r.answered_by for r in model.requests] == [
        "rule 1 ('Weather in Paris?')",
        "rule 2 (tool_return('get_weather'))",
    ] * 2
    calls = [p.tool_call_id for m in result.all_messages() for p in m.parts if p.part_kind == 'tool-call']
    assert calls == ['call_2']  # ids keep counting across runs of one model


@pytest.mark.anyio
async def test_tool_return_rule_with_content() -> None:
    model = ScriptedModel(
        rules=[
            ('Paris?', tool_call('get_weather', city='Paris')),
            ('Oslo?', tool_call('get_weather', city='Oslo')),
            (tool_return('get_weather', 'Sunny in Oslo'), 'Oslo is sunny.'),
            (tool_return('get_weather', IsStr(regex='Sunny in .*')), 'Somewhere is sunny.'),  # dirty-equals works
        ],
    )
    agent = weather_agent(model)
    assert (await agent.run('Paris?')).output == 'Somewhere is sunny.'
    assert (await agent.run('Oslo?')).output == 'Oslo is sunny.'
    answered_by = [r.answered_by for r in model.requests]
    assert answered_by[0] == "rule 1 ('Paris?')"
    assert answered_by[1].startswith("rule 4 (tool_return('get_weather', ")
    assert answered_by[2:] == ["rule 2 ('Oslo?')", "rule 3 (tool_return('get_weather', 'Sunny in Oslo'))"]


@pytest.mark.anyio
async def test_prompt_rule_does_not_match_tool_return_requests() -> None:
    model = ScriptedModel(rules={'Weather?': tool_call('get_weather', city='Paris')})
    with pytest.raises(ScriptExhaustedError) as exc_info:
        await weather_agent(model).run('Weather?')
    assert "Latest message: request [tool-return get_weather: 'Sunny in Paris']" in str(exc_info.value)
    assert 'Rules (1, none matched):' in str(exc_info.value)


@pytest.mark.anyio
async def test_script_comes_before_rules_and_rules_after_it_runs_out() -> None:
    model = ScriptedModel(['From the script.'], rules={'Hi': 'From a rule.'})
    agent = Agent(model)
    assert (await agent.run('Hi')).output == 'From the script.'
    assert (await agent.run('Hi')).output == 'From a rule.'
    assert [r.answered_by for r in model.requests] == ['turn 1 of the script', "rule 1 ('Hi')"]
    model.assert_all_consumed()


@pytest.mark.anyio
async def test_default_answers_everything_else() -> None:
    model = ScriptedModel(['Scripted.'], rules={'Hi': 'Ruled.'}, default='Defaulted.')
    agent = Agent(model)
    outputs = [(await agent.run(p)).output for p in ['Hi', 'Hi', 'Other', 'Other']]
    assert outputs == ['Scripted.', 'Ruled.', 'Defaulted.', 'Defaulted.']
    assert [r.answered_by for r in model.requests] == [
        'turn 1 of the script',
        "rule 1 ('Hi')",
        'the default answer',
        'the default answer',
    ]


@pytest.mark.anyio
@pytest.mark.skipif(not releases.HAS_STREAM_OUTPUT, reason='StreamedRunResult.stream_output came in pydantic-ai 0.8.1')
async def test_default_streamed_and_structured() -> None:
    model = ScriptedModel(default=output(name='Paris'))
    async with Agent(model, output_type=City).run_stream('x') as result:
        outputs = [o async for o in result.stream_output(debounce_by=None)]
    assert outputs[-1] == City(name='Paris')
    assert model.last_request.answered_by == 'the default answer'
    assert model.last_request.streamed is True


@pytest.mark.anyio
async def test_rules_with_a_user_prompt_list() -> None:
    model = ScriptedModel(rules={'Describe this please': 'A picture.'})
    result = await Agent(model).run(['Describe', 'this please'])
    assert result.output == 'A picture.'
    assert model.last_request.prompt == 'Describe this please'
    assert texts(result.all_messages()) == ['A picture.']
