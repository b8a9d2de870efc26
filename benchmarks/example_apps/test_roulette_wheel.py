"""pydantic_ai_examples.roulette_wheel: a tool reading the deps and a bool output, streamed, on
'groq:llama-3.3-70b-versatile' (whose SDK is not installed here).
"""

from __future__ import annotations

import pytest
from pydantic_ai_examples import roulette_wheel
from pydantic_ai_examples.roulette_wheel import Deps, roulette_agent

from pytest_agentrun import InvalidArgumentsError, assert_nodes, assert_tool_calls, assert_usage, output, tool_call


@pytest.mark.anyio
@pytest.mark.parametrize(('square', 'spun', 'won'), [(18, 'winner', True), (5, 'loser', False)])
async def test_bet(agentrun, square, spun, won):
    run = await agentrun.run(
        roulette_agent,
        f'Put my money on square {square}',
        deps=Deps(winning_number=18),
        script=[tool_call('roulette_wheel', square=square), output(won)],
        stream=True,
    )

    assert run.output is won
    assert run.tool_calls[0].result == spun
    assert_tool_calls(run, [tool_call('roulette_wheel', square=square), 'final_result'])
    assert_nodes(run, 'UserPrompt -> (ModelRequest -> CallTools) * 2 -> End')
    assert_usage(run, requests=2, tool_calls=1)
    assert run.messages[1].model_name == 'llama-3.3-70b-versatile'
    assert 'roulette_wheel' in run.requests[0].instructions


@pytest.mark.anyio
async def test_a_square_in_words_is_sent_back_to_the_model(agentrun):
    run = await agentrun.run(
        roulette_agent,
        'Put my money on square eighteen',
        deps=Deps(winning_number=18),
        script=[
            tool_call('roulette_wheel', square='eighteen', valid=False),
            tool_call('roulette_wheel', square=18),
            output(True),
        ],
    )

    assert run.output is True
    (retry,) = run.requests[1].retries
    assert retry.tool_name == 'roulette_wheel'
    assert 'square' in retry.message
    assert [c.retried for c in run.tool_calls] == [True, False, False]


def test_a_script_with_wrong_arguments_fails_at_once(agentrun):
    with pytest.raises(InvalidArgumentsError, match='square: required, missing'):
        agentrun.run_sync(
            roulette_agent,
            'Put my money on square eighteen',
            deps=Deps(winning_number=18),
            script=[tool_call('roulette_wheel', number=18)],
        )


@pytest.mark.anyio
async def test_main_streams_two_bets(agentrun, capsys):
    model = agentrun.model(
        'groq:llama-3.3-70b-versatile',
        [
            tool_call('roulette_wheel', square=18),
            output(True),
            tool_call('roulette_wheel', square=5),
            output(False),
        ],
    )

    await roulette_wheel.main()

    out = capsys.readouterr().out
    assert 'Bet on 18: True' in out
    assert 'Bet on 5: False' in out
    assert [r.prompt for r in model.requests] == [
        'Put my money on square eighteen',
        'Put my money on square eighteen',
        'I bet five is the winner',
        'I bet five is the winner',
    ]
    assert all(r.streamed for r in model.requests)
