"""Retry prompts: answered by rules, seen by callable turns, shown in errors, the same on every release."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import BaseModel
from pydantic_ai import Agent, ModelRetry

from pytest_agentrun import (
    RequestInfo,
    Retry,
    ScriptedModel,
    ScriptExhaustedError,
    output,
    retry_prompt,
    tool_call,
    tool_return,
)

pytestmark = pytest.mark.usefixtures('close_run_sync_loop')  # the run_sync loops

RELAX_EXHAUSTED = (
    'Add a turn to the script or a rule matching this request, or give default=... (to ScriptedModel, '
    'agentrun.model or agentrun.run) to answer every request the script does not.'
)


def volume_agent(model: ScriptedModel, **kwargs: Any) -> Agent[None, Any]:
    agent = Agent(model, **kwargs)

    @agent.tool_plain
    def calc_volume(size: float) -> float:
        """The volume of a cube."""
        if size < 0:
            raise ModelRetry('size must be positive')
        return size**3

    return agent


def test_a_rule_answers_a_tool_retry() -> None:
    model = ScriptedModel(
        rules={
            'Volume of a cube of side -2?': tool_call('calc_volume', size=-2),
            retry_prompt('calc_volume'): tool_call('calc_volume', size=2),
            tool_return('calc_volume'): 'It is 8.',
        }
    )
    assert volume_agent(model).run_sync('Volume of a cube of side -2?').output == 'It is 8.'
    assert [r.answered_by for r in model.requests] == [
        "rule 1 ('Volume of a cube of side -2?')",
        "rule 2 (retry_prompt('calc_volume'))",
        "rule 3 (tool_return('calc_volume'))",
    ]
    assert model.requests[1].retries == (
        Retry(tool_name='calc_volume', message='size must be positive', content='size must be positive',
              tool_call_id='call_1'),
    )  # fmt: skip
    assert model.requests[1].prompt == 'Volume of a cube of side -2?'


def test_a_retried_call_is_no_tool_return() -> None:
    # on 2.x the retry is a tool return whose outcome is 'retried'; a tool_return rule must not take it for one
    model = ScriptedModel([tool_call('calc_volume', size=-2)], rules={tool_return('calc_volume'): 'Done.'})
    with pytest.raises(ScriptExhaustedError) as exc_info:
        volume_agent(model).run_sync('Volume?')
    assert str(exc_info.value).splitlines()[1] == 'Latest message: request [retry calc_volume: size must be positive]'


def test_a_rule_answers_a_text_output_retry() -> None:
    model = ScriptedModel(
        rules={
            re.compile('.*'): 'Eight.',  # matches any prompt: not the retry, which is no prompt
            retry_prompt(None): 'It is 8.',
        }
    )
    agent = volume_agent(model)

    @agent.output_validator
    def digits(text: str) -> str:
        if not any(c.isdigit() for c in text):
            raise ModelRetry('answer with digits')
        return text

    assert agent.run_sync('Volume of a cube of side 2?').output == 'It is 8.'
    assert [r.answered_by for r in model.requests] == ["rule 1 (re.compile('.*'))", 'rule 2 (retry_prompt(None))']
    [retry] = model.requests[1].retries
    assert (retry.tool_name, retry.message) == (None, 'answer with digits')
    assert model.requests[1].prompt == 'Volume of a cube of side 2?'


class Cube(BaseModel):
    side: float


def test_a_rule_answers_an_output_validation_retry() -> None:
    model = ScriptedModel(
        [output(side='two', valid=False)],
        rules={retry_prompt('final_result', message=re.compile('valid number')): output(side=2)},
    )
    assert volume_agent(model, output_type=Cube).run_sync('A cube?').output == Cube(side=2)
    [retry] = model.requests[1].retries
    assert retry.tool_name == 'final_result'
    assert retry.message == 'side: Input should be a valid number, unable to parse string as a number'
    assert isinstance(retry.content, list)


def test_a_callable_turn_sees_the_retry() -> None:
    seen: list[Retry | None] = []

    def answer(info: RequestInfo) -> Any:
        seen.append(info.retry)
        return tool_call('calc_volume', size=2) if info.retry else 'Done.'

    model = ScriptedModel([tool_call('calc_volume', size=-1), answer, answer])
    assert volume_agent(model).run_sync('Volume?').output == 'Done.'
    assert [r and (r.tool_name, r.message) for r in seen] == [('calc_volume', 'size must be positive'), None]


def test_the_exhausted_error_shows_the_validation_errors() -> None:
    model = ScriptedModel([tool_call('calc_volume', side=2, valid=False)])
    with pytest.raises(ScriptExhaustedError) as exc_info:
        volume_agent(model).run_sync('Volume?')
    assert str(exc_info.value) == '\n'.join(
        [
            'ScriptedModel received request 2, but no scripted turn or rule answers it.',
            'Latest message: request [retry calc_volume: size: Field required; side: Extra inputs are not permitted]',
            'Script (1 turn, 1 used):',
            "  [used] 1. tool_call('calc_volume', side=2, valid=False)",
            RELAX_EXHAUSTED,
        ]
    )


def test_retry_prompt_keys() -> None:
    assert repr(retry_prompt()) == 'retry_prompt()'
    assert repr(retry_prompt('f', message='x')) == "retry_prompt('f', message='x')"
    assert repr(retry_prompt(None)) == 'retry_prompt(None)'
    retry = Retry(tool_name='f', message='bad size')
    assert retry_prompt().matches([retry])
    assert retry_prompt('f', message='bad size').matches([retry])
    assert retry_prompt('f', message=re.compile('size')).matches([retry])
    assert not retry_prompt('f', message='bad').matches([retry])
    assert not retry_prompt('g').matches([retry])
    assert not retry_prompt(None).matches([retry])
    assert not retry_prompt().matches([])
    with pytest.raises(
        TypeError, match=re.escape("retry_prompt() takes a tool name (a non-empty string) or None, got ''")
    ):
        retry_prompt('')


# --- as a user sees it ---------------------------------------------------------------------------------

TEST_FILE = """
from pydantic_ai import Agent, ModelRetry
from pytest_agentrun import tool_call

agent = Agent('openai:gpt-5.2')


@agent.tool_plain
def calc_volume(size: float) -> float:
    if size < 0:
        raise ModelRetry('size must be positive')
    return size**3


def test_volume(agentrun):
    agentrun.run_sync(agent, 'Volume?', script=[tool_call('calc_volume', size=-2)])
"""


def test_what_a_user_sees(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_volume=TEST_FILE)
    result = pytester.runpytest_inprocess('-p', 'no:cacheprovider', '--tb=short')
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E   pytest_agentrun.ScriptExhaustedError: ScriptedModel('openai:gpt-5.2') received request 2, "
            'but no scripted turn or rule answers it.',
            'E   Latest message: request ?retry calc_volume: size must be positive?',
        ],
        consecutive=True,
    )
