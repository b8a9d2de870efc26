"""Structured output goes to the output type it is: by the instance's class, or by the schema it fits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
import releases
from pydantic import BaseModel
from pydantic_ai import Agent, NativeOutput, PromptedOutput
from pydantic_ai.messages import ModelResponse
from releases import HAS_PROMPTED_OUTPUT_SCHEMA

from pytest_agentrun import InvalidOutputError, ScriptedModel, ScriptError, output

FIX = (
    'Fix the output in the script, or write output(..., valid=False) to send it as it is '
    '(to test how the agent handles invalid output).'
)


class Found(BaseModel):
    city: str


class Other(BaseModel):
    reason: str


class Moved(BaseModel):
    city: str


class NoFlight(BaseModel):
    pass


@dataclass
class Seat:
    row: int


def run(model: ScriptedModel, output_type: Any) -> Any:
    return Agent(model, output_type=output_type).run_sync('Find me a flight').output


def called(model: ScriptedModel) -> list[str]:
    return [
        p.tool_name
        for r in model.requests
        if isinstance(r.response, ModelResponse)
        for p in r.response.parts
        if p.part_kind == 'tool-call'
    ]


pytestmark = pytest.mark.usefixtures('close_run_sync_loop')  # the sync tests' run_sync loops


def test_an_instance_goes_to_the_output_tool_of_its_type() -> None:
    # before: it went to final_result_Found, failed validation, and a later turn answered the retry unnoticed
    model = ScriptedModel([output(Other(reason='no flights today'))])
    assert run(model, Found | Other) == Other(reason='no flights today')
    assert called(model) == ['final_result_Other']


def test_fields_go_to_the_type_they_fit() -> None:
    model = ScriptedModel([output(reason='sold out')])
    assert run(model, Found | Other) == Other(reason='sold out')
    assert called(model) == ['final_result_Other']


def test_the_class_decides_between_types_with_the_same_fields() -> None:
    model = ScriptedModel([output(Moved(city='Oslo'))])
    assert run(model, Found | Moved) == Moved(city='Oslo')
    model = ScriptedModel([output(city='Oslo')])  # fits both: the first, in the order of the output types
    assert run(model, Found | Moved) == Found(city='Oslo')


def test_field_less_models() -> None:
    model = ScriptedModel([output(NoFlight())])
    assert run(model, Found | NoFlight) == NoFlight()
    assert called(model) == ['final_result_NoFlight']
    assert run(ScriptedModel([output(NoFlight())]), NoFlight) == NoFlight()
    assert run(ScriptedModel([output(NoFlight())]), NativeOutput(NoFlight)) == NoFlight()


def test_dataclasses_scalars_and_lists() -> None:
    assert run(ScriptedModel([output(Seat(row=3))]), Found | Seat) == Seat(row=3)
    assert run(ScriptedModel([output(42)]), int) == 42
    assert run(ScriptedModel([output([Found(city='Rome')])]), list[Found]) == [Found(city='Rome')]


def test_a_value_that_fits_no_type_fails_naming_them() -> None:
    model = ScriptedModel([output(city=3)])
    with pytest.raises(InvalidOutputError) as exc_info:
        run(model, Found | Other)
    assert str(exc_info.value) == '\n'.join(
        [
            "Turn 1 of the script sends output({'city': 3}) in request 1, which fits none of the agent's output types:",
            "  Found (output tool 'final_result_Found'):",
            '    city: expected string, got 3',
            "  Other (output tool 'final_result_Other'):",
            '    reason: required, missing',
            FIX,
        ]
    )
    assert isinstance(exc_info.value, ScriptError)
    assert model.last_request.error is exc_info.value


def test_one_type_and_a_named_tool() -> None:
    with pytest.raises(InvalidOutputError) as exc_info:
        run(ScriptedModel([output(42)]), Found)
    assert str(exc_info.value).splitlines()[:3] == [
        "Turn 1 of the script sends output(42) in request 1, which does not fit the agent's output type:",
        "  Found (output tool 'final_result'):",
        '    (the value): expected object, got 42',
    ]
    with pytest.raises(InvalidOutputError) as exc_info:
        run(ScriptedModel([output(city='Rome', tool_name='final_result_Other')]), Found | Other)
    assert str(exc_info.value).splitlines()[:3] == [
        "Turn 1 of the script sends output({'city': 'Rome'}, tool_name='final_result_Other') in request 1, "
        "which does not fit the agent's output type:",
        "  Other (output tool 'final_result_Other'):",
        '    reason: required, missing',
    ]


def test_valid_false_sends_it_for_the_retry() -> None:
    model = ScriptedModel([output(city=3, valid=False), output(city='Rome')])
    assert run(model, Found) == Found(city='Rome')
    assert called(model) == ['final_result', 'final_result']
    assert repr(model.turns[0]) == "output({'city': 3}, valid=False)"


def test_structured_output_for_a_text_agent_fails() -> None:
    # before: the agent's output was the text '{"city":"Paris"}'
    model = ScriptedModel([output(city='Paris')])
    with pytest.raises(InvalidOutputError) as exc_info:
        run(model, str)
    assert str(exc_info.value) == '\n'.join(
        [
            "Turn 1 of the script sends output({'city': 'Paris'}) in request 1, but the agent's output is text "
            '(output_type=str), which takes no structured output.',
            'Script the answer as a string, or give the agent the output_type this output is for.',
        ]
    )
    assert run(ScriptedModel([output('Paris')]), str) == 'Paris'  # a string is the text
    assert run(ScriptedModel([output(city='Paris', valid=False)]), str) == '{"city":"Paris"}'  # sent as asked


def test_text_where_the_agent_also_takes_text() -> None:
    assert run(ScriptedModel([output('No idea.')]), [Found, str]) == 'No idea.'
    assert run(ScriptedModel([output(city='Rome')]), [Found, str]) == Found(city='Rome')


def test_native_output_of_several_types() -> None:
    model = ScriptedModel([output(Other(reason='x'))])
    assert run(model, NativeOutput([Found, Other])) == Other(reason='x')
    assert model.requests[0].response is not None
    [part] = model.requests[0].response.parts
    assert part.part_kind == 'text'
    assert part.content == '{"result":{"kind":"Other","data":{"reason":"x"}}}'
    assert run(ScriptedModel([output(42)]), NativeOutput([int, Found])) == 42
    assert run(ScriptedModel([output(42)]), NativeOutput(int)) == 42


def test_native_output_that_fits_no_type() -> None:
    with pytest.raises(InvalidOutputError) as exc_info:
        run(ScriptedModel([output(town='Rome')]), NativeOutput([Found, Other]))
    assert str(exc_info.value).splitlines()[:5] == [
        "Turn 1 of the script sends output({'town': 'Rome'}) in request 1, which fits none of the agent's output "
        'types:',
        '  Found:',
        '    city: required, missing',
        '  Other:',
        '    reason: required, missing',
    ]


@pytest.mark.skipif(not HAS_PROMPTED_OUTPUT_SCHEMA, reason='prompted-output requests carry no schema (1.0)')
def test_prompted_output_of_several_types() -> None:
    assert run(ScriptedModel([output(Other(reason='x'))]), PromptedOutput([Found, Other])) == Other(reason='x')
    with pytest.raises(InvalidOutputError, match=re.escape("which fits none of the agent's output types")):
        run(ScriptedModel([output(town='Rome')]), PromptedOutput([Found, Other]))


@pytest.mark.skipif(HAS_PROMPTED_OUTPUT_SCHEMA, reason='prompted-output requests carry their schema')
def test_prompted_output_without_a_schema_in_the_request_goes_unchecked() -> None:
    assert run(ScriptedModel([output(city='Rome')]), PromptedOutput(Found)) == Found(city='Rome')


def test_valid_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match=re.escape('output(): valid must be True or False, got 1')):
        output(city='x', valid=1)  # type: ignore[arg-type]


# --- as a user sees it ---------------------------------------------------------------------------------

TEST_FILE = """
from pydantic import BaseModel
from pydantic_ai import Agent
from pytest_agentrun import output


class Found(BaseModel):
    city: str


class Other(BaseModel):
    reason: str


agent = Agent('openai:gpt-5.2', output_type=Found | Other)


def test_no_flight(agentrun):
    run = agentrun.run_sync(agent, 'A flight to Oslo?', script=[output(Other(reason='sold out'))])
    assert run.output == Other(reason='sold out')


def test_typo(agentrun):
    agentrun.run_sync(agent, 'A flight to Oslo?', script=[output(reasons='sold out')])
"""


def test_what_a_user_sees(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_flights=TEST_FILE)
    result = pytester.runpytest_inprocess('-p', 'no:cacheprovider', '--tb=short')
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "E   pytest_agentrun.InvalidOutputError: Turn 1 of the script sends output({'reasons': 'sold out'}) "
            "in request 1, which fits none of the agent's output types:",
            "E     Found (output tool 'final_result_Found'):",
            'E       city: required, missing',
            "E       reasons: not expected (expected: 'city')",  # the real model's strict schema
            "E     Other (output tool 'final_result_Other'):",
            'E       reason: required, missing',
            "E       reasons: not expected (expected: 'reason')",
            f'E   {FIX}',
        ],
        consecutive=True,
    )


@pytest.mark.anyio
@pytest.mark.skipif(not releases.HAS_STREAM_OUTPUT, reason='StreamedRunResult.stream_output came in pydantic-ai 0.8.1')
async def test_streamed_output_of_several_types() -> None:
    agent = Agent(ScriptedModel([output(Other(reason='x'))]), output_type=Found | Other)
    async with agent.run_stream('A flight?') as result:
        outputs = [o async for o in result.stream_output(debounce_by=None)]
    assert outputs[-1] == Other(reason='x')
    agent = Agent(ScriptedModel([output(Other(reason='x'))]), output_type=NativeOutput([Found, Other]))
    async with agent.run_stream('A flight?') as result:
        outputs = [o async for o in result.stream_output(debounce_by=None)]
    assert outputs[-1] == Other(reason='x')
