"""pydantic_ai_examples.sql_gen: a SQL-writing agent on 'google:gemini-3-flash-preview'.

Union output (Success | InvalidRequest); dynamic instructions with today's date; an output validator that strips
backslashes, wants a SELECT and has Postgres EXPLAIN the query, asking the model for another try when it fails.
Postgres is faked the way a user fakes it: a connection object with the one method the app calls.
"""

from __future__ import annotations

import sys
from contextlib import asynccontextmanager
from datetime import date

import asyncpg
import pytest
from pydantic_ai_examples import sql_gen
from pydantic_ai_examples.sql_gen import Deps, InvalidRequest, Success, agent

from pytest_agentrun import assert_nodes, assert_tool_calls, assert_usage, output, retry_prompt

ERRORS_YESTERDAY = "SELECT * FROM records WHERE level = 'error' AND start_timestamp::date = CURRENT_DATE - 1"


class FakeConnection:
    """Stands in for asyncpg.Connection: records what it is asked to execute, fails the queries it is told to."""

    def __init__(self, failures: dict[str, asyncpg.PostgresError] | None = None) -> None:
        self.executed: list[str] = []
        self.failures = failures or {}

    async def execute(self, query: str) -> str:
        self.executed.append(query)
        for fragment, error in self.failures.items():
            if fragment in query:
                raise error
        return 'EXPLAIN'


@pytest.mark.anyio
async def test_success_is_explained_by_postgres(agentrun):
    conn = FakeConnection()
    run = await agentrun.run(
        agent,
        'show me logs from yesterday, with level "error"',
        deps=Deps(conn),
        script=[output(Success(sql_query=ERRORS_YESTERDAY, explanation='Error records of yesterday.'))],
    )

    assert run.output == Success(sql_query=ERRORS_YESTERDAY, explanation='Error records of yesterday.')
    assert conn.executed == [f'EXPLAIN {ERRORS_YESTERDAY}']
    assert_nodes(run, 'UserPrompt -> ModelRequest -> CallTools -> End')
    assert_tool_calls(run, ['final_result_Success'])
    assert_usage(run, requests=1, tool_calls=0)
    # the model got the schema, the examples and today's date in its instructions, and both output tools
    instructions = run.requests[0].instructions
    assert 'CREATE TABLE records' in instructions
    assert f"today's date = {date.today()}" in instructions
    assert '<request>show me records where foobar is false</request>' in instructions
    assert sorted(run.requests[0].output_tool_names) == ['final_result_InvalidRequest', 'final_result_Success']
    assert run.messages[1].model_name == 'gemini-3-flash-preview'


@pytest.mark.anyio
async def test_invalid_request_is_not_explained(agentrun):
    conn = FakeConnection()
    run = await agentrun.run(
        agent,
        'show me the thing',
        deps=Deps(conn),
        script=[output(error_message='Which records do you want to see?')],
    )

    assert run.output == InvalidRequest(error_message='Which records do you want to see?')
    assert conn.executed == []


@pytest.mark.anyio
async def test_validator_asks_for_a_select(agentrun):
    conn = FakeConnection()
    run = await agentrun.run(
        agent,
        'delete the debug logs',
        deps=Deps(conn),
        script=[output(Success(sql_query="DELETE FROM records WHERE level = 'debug'"))],
        rules={retry_prompt(message='Please create a SELECT query'): output(Success(sql_query=ERRORS_YESTERDAY))},
    )

    assert run.output.sql_query == ERRORS_YESTERDAY
    assert conn.executed == [f'EXPLAIN {ERRORS_YESTERDAY}']
    assert run.requests[1].retries[0].message == 'Please create a SELECT query'
    assert_usage(run, requests=2)


@pytest.mark.anyio
async def test_validator_sends_postgres_errors_back(agentrun):
    conn = FakeConnection({'attributes.foo': asyncpg.exceptions.UndefinedColumnError('column "foo" does not exist')})
    run = await agentrun.run(
        agent,
        'records where foo is 1',
        deps=Deps(conn),
        script=[
            output(Success(sql_query='SELECT * FROM records WHERE attributes.foo = 1')),
            output(Success(sql_query="SELECT * FROM records WHERE attributes->>'foo' = '1'")),
        ],
    )

    assert run.output.sql_query == "SELECT * FROM records WHERE attributes->>'foo' = '1'"
    assert conn.executed == [
        'EXPLAIN SELECT * FROM records WHERE attributes.foo = 1',
        "EXPLAIN SELECT * FROM records WHERE attributes->>'foo' = '1'",
    ]
    (retry,) = run.requests[1].retries
    assert retry.tool_name == 'final_result_Success'
    assert retry.message == 'Invalid query: column "foo" does not exist'


@pytest.mark.anyio
async def test_validator_strips_backslashes(agentrun):
    conn = FakeConnection()
    run = await agentrun.run(
        agent,
        'records tagged foobar',
        deps=Deps(conn),
        script=[output(Success(sql_query="SELECT * FROM records WHERE \\'foobar\\' = ANY(tags)"))],
    )

    assert run.output.sql_query == "SELECT * FROM records WHERE 'foobar' = ANY(tags)"
    assert conn.executed == ["EXPLAIN SELECT * FROM records WHERE 'foobar' = ANY(tags)"]


@pytest.mark.anyio
async def test_main_prints_the_query(agentrun, monkeypatch, capsys):
    conn = FakeConnection()

    @asynccontextmanager
    async def database_connect(server_dsn, database):
        assert database == 'pydantic_ai_sql_gen'
        yield conn

    monkeypatch.setattr(sql_gen, 'database_connect', database_connect)
    monkeypatch.setattr(sys, 'argv', ['sql_gen', "show me error records with the tag 'foobar'"])
    model = agentrun.model(
        'google:gemini-3-flash-preview',
        [output(Success(sql_query="SELECT * FROM records WHERE level = 'error' and 'foobar' = ANY(tags)"))],
    )

    await sql_gen.main()

    assert model.requests[0].prompt == "show me error records with the tag 'foobar'"
    assert conn.executed == ["EXPLAIN SELECT * FROM records WHERE level = 'error' and 'foobar' = ANY(tags)"]
    out = capsys.readouterr().out
    assert 'result.output: Success(' in out
    assert "sql_query=\"SELECT * FROM records WHERE level = 'error' and 'foobar' = ANY(tags)\"" in out
