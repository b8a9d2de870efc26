"""An agent that delegates to a second agent through a tool; both are built at import time from model strings.

Shows: `agentrun.model(name, script)` for the agent the code under test runs itself, `agentrun.run` with a
script for the agent under test, tool calls checked with dirty-equals and in the other agent's messages,
usage shared by both agents, `agentrun.iter` to watch a run node by node, and the request that is blocked
when a model is not scripted.
"""

import pytest
from dirty_equals import IsPositiveInt, IsStr
from pydantic_ai import Agent

from pytest_agentrun import RealRequestBlockedError, assert_nodes, assert_tool_calls, assert_usage, tool_call

from .app import BillingService, Invoice, SupportDeps, front_desk

ANSWER = 'Invoice INV-7 (€39.99) is still unpaid; INV-6 was paid on time.'


class FakeBilling(BillingService):
    def invoices(self, customer_id: str) -> list[Invoice]:
        assert customer_id == 'C-1024'
        return [
            Invoice(number='INV-7', amount_eur=39.99, paid=False),
            Invoice(number='INV-6', amount_eur=39.99, paid=True),
        ]


DEPS = SupportDeps(customer_id='C-1024', billing=FakeBilling())


@pytest.mark.anyio
async def test_billing_question_goes_to_the_specialist(agentrun):
    specialist = agentrun.model('anthropic:claude-sonnet-4-5', [tool_call('list_invoices'), ANSWER])
    run = await agentrun.run(
        front_desk,
        'Did my last payment go through?',
        script=[tool_call('ask_billing', question='Was the last invoice of C-1024 paid?'), ANSWER],
        deps=DEPS,
    )
    assert run.output == ANSWER
    assert_tool_calls(run, [tool_call('ask_billing', question=IsStr(regex='.*paid.*'))])
    assert run.tool_calls[0].result == ANSWER
    # the specialist got the front desk's question and looked the invoices up (its messages, checked as a run's)
    assert specialist.requests[0].prompt == 'Was the last invoice of C-1024 paid?'
    assert_tool_calls(specialist.requests[-1].messages, ['list_invoices'])
    # usage=ctx.usage: the run counts both agents' requests and tokens
    assert_usage(run, requests=4, tool_calls=2, input_tokens=IsPositiveInt)


@pytest.mark.anyio
async def test_general_question_is_answered_at_the_desk(agentrun):
    agentrun.model('anthropic:claude-sonnet-4-5', [])  # the specialist must not be asked
    async with agentrun.iter(front_desk, 'Do you sell routers?', script=['Yes, from €49.'], deps=DEPS) as agent_run:
        async for node in agent_run:
            if Agent.is_call_tools_node(node):
                assert node.model_response.parts[0].part_kind == 'text'
    assert agent_run.result.output == 'Yes, from €49.'
    assert_nodes(agentrun.last, 'UserPrompt -> ModelRequest -> CallTools -> End')
    assert_usage(agent_run, requests=1)


@pytest.mark.anyio
async def test_unscripted_specialist_is_blocked(agentrun):
    with pytest.raises(RealRequestBlockedError, match="blocked a real request to the model 'anthropic:claude-sonnet"):
        await agentrun.run(
            front_desk,
            'Why was I charged twice?',
            script=[tool_call('ask_billing', question='Was C-1024 charged twice?')],
            deps=DEPS,
        )
    assert_nodes(agentrun.last, 'UserPrompt -> ModelRequest -> CallTools', mode='prefix')
