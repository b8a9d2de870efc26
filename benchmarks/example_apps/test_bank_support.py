"""pydantic_ai_examples.bank_support: a support agent with deps, instructions built from them, a tool and
structured output (SupportOutput), on 'openai:gpt-5.2'.
"""

from __future__ import annotations

import sqlite3
from importlib.metadata import version

import pytest
from dirty_equals import IsDatetime, IsNumber, IsStr
from inline_snapshot import snapshot
from pydantic_ai_examples import bank_support
from pydantic_ai_examples.bank_support import DatabaseConn, SupportDependencies, SupportOutput, support_agent

from pytest_agentrun import (
    InvalidOutputError,
    assert_nodes,
    assert_tool_calls,
    assert_usage,
    normalize_messages,
    output,
    tool_call,
)

# the agent's instructions, then those its function adds from the deps
INSTRUCTIONS = (
    'You are a support agent in our bank, give the customer support and judge the risk level of their query. '
    "Reply using the customer's name.\n\nThe customer's name is 'John'"
)


class FakeDatabase:
    """Stands in for DatabaseConn: the two queries the agent makes."""

    def __init__(self, customers: dict[int, tuple[str, float]]) -> None:
        self.customers = customers
        self.asked: list[tuple[str, int]] = []

    async def customer_name(self, *, id: int) -> str | None:
        self.asked.append(('name', id))
        return self.customers[id][0] if id in self.customers else None

    async def customer_balance(self, *, id: int) -> float:
        self.asked.append(('balance', id))
        if id not in self.customers:
            raise ValueError('Customer not found')
        return self.customers[id][1]


@pytest.fixture
def db() -> FakeDatabase:
    return FakeDatabase({123: ('John', 123.45)})


def test_balance(agentrun, db):
    advice = 'Hello John, your current account balance, including pending transactions, is $123.45.'
    run = agentrun.run_sync(
        support_agent,
        'What is my balance?',
        deps=SupportDependencies(customer_id=123, db=db),
        script=[tool_call('customer_balance'), output(support_advice=advice, block_card=False, risk=1)],
    )

    assert run.output == SupportOutput(support_advice=advice, block_card=False, risk=1)
    assert_nodes(run, 'UserPrompt -> (ModelRequest -> CallTools) * 2 -> End')
    assert_tool_calls(run, ['customer_balance', 'final_result'])
    assert run.tool_calls[0].result == '$123.45'
    assert_usage(run, requests=2, tool_calls=1)
    # the instructions name the customer, from the deps
    assert run.requests[0].instructions.endswith("The customer's name is 'John'")
    assert db.asked == [('name', 123), ('balance', 123), ('name', 123)]


@pytest.mark.skipif(
    tuple(int(n) for n in version('pydantic-ai-slim').split('.')[:2]) < (2, 64),
    reason='the snapshot was written on pydantic-ai 2.64+, whose responses have model_id (docs/versions.md)',
)
def test_balance_messages_snapshot(agentrun, db):
    run = agentrun.run_sync(
        support_agent,
        'What is my balance?',
        deps=SupportDependencies(customer_id=123, db=db),
        script=[tool_call('customer_balance'), output(support_advice='John: $123.45.', block_card=False, risk=1)],
    )

    assert normalize_messages(run) == snapshot(
        [
            {
                'parts': [{'content': 'What is my balance?', 'timestamp': IsDatetime(), 'part_kind': 'user-prompt'}],
                'timestamp': IsDatetime(),
                'instructions': INSTRUCTIONS,
                'kind': 'request',
                'run_id': IsStr(),
                'conversation_id': IsStr(),
            },
            {
                'parts': [
                    {'tool_name': 'customer_balance', 'args': {}, 'tool_call_id': IsStr(), 'part_kind': 'tool-call'}
                ],
                'usage': {'input_tokens': 54, 'output_tokens': 2, 'cost': IsNumber()},
                'model_name': 'gpt-5.2',
                'model_id': 'openai:gpt-5.2',
                'timestamp': IsDatetime(),
                'kind': 'response',
                'run_id': IsStr(),
                'conversation_id': IsStr(),
            },
            {
                'parts': [
                    {
                        'tool_name': 'customer_balance',
                        'content': '$123.45',
                        'tool_call_id': IsStr(),
                        'timestamp': IsDatetime(),
                        'part_kind': 'tool-return',
                    }
                ],
                'timestamp': IsDatetime(),
                'instructions': INSTRUCTIONS,
                'kind': 'request',
                'run_id': IsStr(),
                'conversation_id': IsStr(),
            },
            {
                'parts': [
                    {
                        'tool_name': 'final_result',
                        'args': {'support_advice': 'John: $123.45.', 'block_card': False, 'risk': 1},
                        'tool_call_id': IsStr(),
                        'part_kind': 'tool-call',
                    }
                ],
                'usage': {'input_tokens': 56, 'output_tokens': 12, 'cost': IsNumber()},
                'model_name': 'gpt-5.2',
                'model_id': 'openai:gpt-5.2',
                'timestamp': IsDatetime(),
                'kind': 'response',
                'run_id': IsStr(),
                'conversation_id': IsStr(),
            },
            {
                'parts': [
                    {
                        'tool_name': 'final_result',
                        'content': 'Final result processed.',
                        'tool_call_id': IsStr(),
                        'timestamp': IsDatetime(),
                        'part_kind': 'tool-return',
                    }
                ],
                'timestamp': IsDatetime(),
                'kind': 'request',
                'run_id': IsStr(),
                'conversation_id': IsStr(),
            },
        ]
    )


def test_lost_card_blocks_it(agentrun, db):
    run = agentrun.run_sync(
        support_agent,
        'I just lost my card!',
        deps=SupportDependencies(customer_id=123, db=db),
        script=[
            output(
                SupportOutput(
                    support_advice="I'm sorry to hear that, John. We are temporarily blocking your card.",
                    block_card=True,
                    risk=8,
                )
            )
        ],
    )

    assert run.output.block_card is True
    assert run.output.risk == 8
    assert run.tool_calls[0].tool_name == 'final_result'


def test_unknown_customer_fails_the_run(agentrun, db):
    with pytest.raises(ValueError, match='Customer not found'):
        agentrun.run_sync(
            support_agent,
            'What is my balance?',
            deps=SupportDependencies(customer_id=999, db=db),
            script=[tool_call('customer_balance')],
        )
    assert "The customer's name is None" in agentrun.last.requests[0].instructions
    assert agentrun.last.error is not None


def test_a_script_whose_output_does_not_fit_fails_at_once(agentrun, db):
    # a typo in the test's script (risk as a word) is reported against the output type, not as a model retry
    with pytest.raises(InvalidOutputError, match='risk'):
        agentrun.run_sync(
            support_agent,
            'I just lost my card!',
            deps=SupportDependencies(customer_id=123, db=db),
            script=[output(support_advice='Blocked.', block_card=True, risk='high')],
        )


@pytest.mark.app_workaround(
    "DatabaseConn's queries use a module global `cur` that only the app's `if __name__ == '__main__':` block "
    'defines: the test sets it'
)
def test_with_the_apps_own_sqlite_database(agentrun, monkeypatch):
    with sqlite3.connect(':memory:') as con:
        con.execute('CREATE TABLE customers(id, name, balance)')
        con.execute("INSERT INTO customers VALUES (123, 'John', 123.45)")
        monkeypatch.setattr(bank_support, 'cur', con.cursor(), raising=False)
        deps = SupportDependencies(customer_id=123, db=DatabaseConn(sqlite_conn=con))
        run = agentrun.run_sync(
            support_agent,
            'What is my balance?',
            deps=deps,
            script=[tool_call('customer_balance'), output(support_advice='John: $123.45.', block_card=False, risk=1)],
        )

    assert run.tool_calls[0].result == '$123.45'
    assert "The customer's name is 'John'" in run.requests[0].instructions
