"""Structured output with validation retries, tested synchronously.

Shows: `output(...)` turns for an output type, a retry the output validator asks for (in the nodes and the
tool calls), a callable turn that reads the retry prompt from its `RequestInfo`, rules keyed on a prompt
pattern, `agentrun.run_sync`, and code that calls pydantic-ai's own `run_sync`.
"""

import re

import pytest
from pydantic_ai.exceptions import UnexpectedModelBehavior

from pytest_agentrun import RequestInfo, assert_nodes, assert_tool_calls, assert_usage, output

from .app import Household, Recipe, plan_dinner, planner

PEANUT_NOODLES = {
    'title': 'Peanut noodles',
    'servings': 2,
    'ingredients': [{'name': 'Peanuts', 'quantity': '80 g'}, {'name': 'Noodles', 'quantity': '200 g'}],
    'steps': ['Boil the noodles.', 'Toss with crushed peanuts.'],
}
SESAME_NOODLES = {
    **PEANUT_NOODLES,
    'title': 'Sesame noodles',
    'ingredients': [{'name': 'Sesame seeds', 'quantity': '2 tbsp'}, {'name': 'Noodles', 'quantity': '200 g'}],
    'steps': ['Boil the noodles.', 'Toss with toasted sesame seeds.'],
}


def test_avoided_ingredient_is_sent_back(agentrun):
    run = agentrun.run_sync(
        planner,
        'Something quick with noodles.',
        script=[output(PEANUT_NOODLES), output(SESAME_NOODLES)],
        deps=Household(people=2, avoids={'peanuts'}),
    )
    assert run.output == Recipe.model_validate(SESAME_NOODLES)
    assert_nodes(run, 'UserPrompt -> (ModelRequest -> CallTools) * 2 -> End')
    # the output tool is a tool call too: the first one was sent back with the validator's reason
    assert_tool_calls(run, [('final_result', {'title': 'Peanut noodles'}), ('final_result', {'servings': 2})])
    assert run.tool_calls[0].retried
    assert run.tool_calls[0].result == 'The household does not eat Peanuts; replace it.'
    assert_usage(run, requests=2, tool_calls=0)


def test_model_fixes_what_it_is_told(agentrun):
    def fix_servings(info: RequestInfo):
        retry = info.messages[-1].parts[0]
        assert retry.content == 'The recipe must serve 4, not 2.'
        return output({**SESAME_NOODLES, 'servings': 4})

    run = agentrun.run_sync(
        planner,
        'Noodles for the family.',
        script=[output(SESAME_NOODLES), fix_servings],
        deps=Household(people=4),
    )
    assert run.output.servings == 4
    assert run.requests[1].output_tool_names == ['final_result']


def test_gives_up_after_one_retry(agentrun):
    with pytest.raises(UnexpectedModelBehavior, match=r'Exceeded maximum (output )?retries \(1\)'):
        agentrun.run_sync(
            planner,
            'Anything with peanuts.',
            script=[output(PEANUT_NOODLES), output(PEANUT_NOODLES)],
            deps=Household(people=2, avoids={'peanuts'}),
        )


def test_plan_dinner_answers_by_prompt(agentrun, close_run_sync_loop):
    # rules answer by what is asked, however many times plan_dinner runs
    agentrun.model('openai:gpt-5.2', rules={re.compile('noodles', re.IGNORECASE): output(SESAME_NOODLES)})
    for request in ['Noodles tonight?', 'Something with noodles.']:
        assert plan_dinner(request, Household(people=2)).title == 'Sesame noodles'
