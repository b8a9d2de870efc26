"""Scripted tool-call arguments are checked against the tool's parameters when the model sends them."""

from __future__ import annotations

import re

import pytest
from pydantic import BaseModel
from pydantic_ai import Agent

from pytest_agentrun import InvalidArgumentsError, ScriptedModel, ScriptError, output, tool_call

FIX = (
    'Fix the arguments in the script, or write tool_call(..., valid=False) to send them as they are '
    '(to test how the agent handles invalid arguments).'
)


def roulette(model: ScriptedModel) -> tuple[Agent[None, str], list[int]]:
    agent = Agent(model)
    spun: list[int] = []

    @agent.tool_plain
    def spin(square: int) -> str:
        """Bet on a square."""
        spun.append(square)
        return 'red'

    return agent, spun


def test_arguments_that_do_not_fit_fail_the_request(close_run_sync_loop: None) -> None:
    # before: the call became a retry prompt, 'You win.' answered it, and the test passed
    model = ScriptedModel([tool_call('spin', number=18), 'You win.'])
    agent, spun = roulette(model)
    with pytest.raises(InvalidArgumentsError) as exc_info:
        agent.run_sync('Bet on 18')
    assert str(exc_info.value) == '\n'.join(
        [
            "Turn 1 of the script sends tool_call('spin', number=18), whose arguments do not fit the tool "
            'in request 1:',
            '  square: required, missing',
            "  number: not expected (expected: 'square')",
            "The tool's parameters: spin(square: integer)",
            FIX,
        ]
    )
    assert isinstance(exc_info.value, ScriptError)
    assert spun == []
    assert model.last_request.error is exc_info.value


def test_a_wrong_type_and_a_json_string(close_run_sync_loop: None) -> None:
    agent, _ = roulette(ScriptedModel([tool_call('spin', square='eighteen')]))
    with pytest.raises(InvalidArgumentsError, match=re.escape("  square: expected integer, got 'eighteen'")):
        agent.run_sync('Bet')
    agent, _ = roulette(ScriptedModel([tool_call('spin', '{"square": 1.5}')]))
    with pytest.raises(InvalidArgumentsError, match=re.escape('  square: expected integer, got 1.5')):
        agent.run_sync('Bet')


def test_fitting_arguments_pass(close_run_sync_loop: None) -> None:
    agent, spun = roulette(ScriptedModel([tool_call('spin', square=18), tool_call('spin', '{"square": 7}'), 'Red.']))
    assert agent.run_sync('Bet twice').output == 'Red.'
    assert spun == [18, 7]


def test_valid_false_sends_them_for_the_retry(close_run_sync_loop: None) -> None:
    model = ScriptedModel([tool_call('spin', number=18, valid=False), tool_call('spin', square=18), 'Red.'])
    agent, spun = roulette(model)
    assert agent.run_sync('Bet on 18').output == 'Red.'
    assert spun == [18]
    assert repr(model.turns[0]) == "tool_call('spin', number=18, valid=False)"


def test_broken_json_is_sent_as_it_is(close_run_sync_loop: None) -> None:
    agent, spun = roulette(ScriptedModel([tool_call('spin', '{"square": '), tool_call('spin', square=1), 'Red.']))
    assert agent.run_sync('Bet').output == 'Red.'
    assert spun == [1]


class Verdict(BaseModel):
    guilty: bool


def test_a_call_to_an_output_tool_by_name_is_checked(close_run_sync_loop: None) -> None:
    agent = Agent(ScriptedModel([tool_call('final_result', guilty='yes')]), output_type=Verdict)
    with pytest.raises(InvalidArgumentsError) as exc_info:
        agent.run_sync('Verdict?')
    assert str(exc_info.value).splitlines()[:3] == [
        "Turn 1 of the script sends tool_call('final_result', guilty='yes'), whose arguments do not fit the output "
        'tool in request 1:',
        "  guilty: expected boolean, got 'yes'",
        "The output tool's parameters: final_result(guilty: boolean)",
    ]


def test_unknown_tools_allowed_are_not_checked(close_run_sync_loop: None) -> None:
    model = ScriptedModel([tool_call('nope', x=1), output(guilty=True)], allow_unknown_tools=True)
    assert Agent(model, output_type=Verdict).run_sync('Verdict?').output == Verdict(guilty=True)


def test_valid_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match=re.escape("tool_call('spin'): valid must be True or False, got 'no'")):
        tool_call('spin', valid='no')  # type: ignore[arg-type]


# --- as a user sees it ---------------------------------------------------------------------------------

TEST_FILE = """
from pydantic_ai import Agent
from pytest_agentrun import tool_call

agent = Agent('openai:gpt-5.2')


@agent.tool_plain
def spin(square: int) -> str:
    return 'red'


def test_bet(agentrun):
    run = agentrun.run_sync(agent, 'Bet on 18', script=[tool_call('spin', number=18), 'You win.'])
    assert run.output == 'You win.'
"""


def test_the_failure_a_user_sees(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_bet=TEST_FILE)
    result = pytester.runpytest_inprocess('-p', 'no:cacheprovider', '--tb=short')
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            'E   pytest_agentrun.InvalidArgumentsError: Turn 1 of the script sends tool_call(*spin*, number=18), '
            'whose arguments do not fit the tool in request 1:',
            'E     square: required, missing',
            "E     number: not expected (expected: 'square')",
            "E   The tool's parameters: spin(square: integer)",
            'E   Fix the arguments in the script, or write tool_call(..., valid=False) to send them as they are '
            '(to test how the agent handles invalid arguments).',
        ],
        consecutive=True,
    )
