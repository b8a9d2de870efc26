"""pydantic_ai_examples.stream_whales: structured output (list[Whale], a TypedDict with optional fields and a
bound) streamed and validated as it arrives, shown as a live rich table, on 'openai:gpt-5.2'.
"""

from __future__ import annotations

import pytest
from pydantic_ai_examples import stream_whales
from pydantic_ai_examples.stream_whales import agent

from pytest_agentrun import InvalidOutputError, assert_nodes, assert_tool_calls, assert_usage, output

WHALES = [
    {
        'name': 'Blue whale',
        'length': 25.0,
        'weight': 150000.0,
        'ocean': 'All oceans',
        'description': 'The largest animal known to have lived.',
    },
    {'name': 'Humpback whale', 'length': 14.0, 'weight': 30000.0, 'ocean': 'All oceans'},
    {'name': 'Sperm whale', 'length': 16.0},
]


@pytest.mark.anyio
async def test_streamed_structured_output(agentrun):
    run = await agentrun.run(
        agent, 'Generate me details of 5 species of Whale.', script=[output(WHALES)], stream=True, chunk_words=2
    )

    assert run.output == WHALES
    assert_tool_calls(run, ['final_result'])
    assert_nodes(run, 'UserPrompt -> ModelRequest -> CallTools -> End')
    assert_usage(run, requests=1, tool_calls=0)
    # the output tool's arguments arrived in pieces
    deltas = [e for e in run.events if type(e).__name__ == 'PartDeltaEvent']
    assert len(deltas) > 10


@pytest.mark.anyio
async def test_partial_whales_grow_as_they_stream(agentrun):
    agentrun.model('openai:gpt-5.2', [output(WHALES)], chunk_words=2)

    partials = []
    async with agent.run_stream('Generate me details of 5 species of Whale.') as result:
        async for whales in result.stream_output(debounce_by=None):
            partials.append(whales)

    assert partials[-1] == WHALES
    assert len(partials) > 3
    # each partial list is a prefix of the next (the last whale in it possibly incomplete)
    names = [[w['name'] for w in whales if 'name' in w] for whales in partials]
    assert names[0] in ([], ['Blue whale'])
    assert names == sorted(names, key=len)
    assert ['Blue whale', 'Humpback whale'] in names


def test_a_whale_under_the_weight_bound_is_caught_in_the_script(agentrun):
    with pytest.raises(InvalidOutputError, match='weight'):
        agentrun.run_sync(agent, 'Whales?', script=[output([{'name': 'Tiny whale', 'length': 1.0, 'weight': 10.0}])])


@pytest.mark.anyio
async def test_main_shows_the_table(agentrun, capsys):
    model = agentrun.model('openai:gpt-5.2', [output(WHALES)])

    await stream_whales.main()

    out = capsys.readouterr().out
    assert 'Species of Whale' in out
    for name in ('Blue whale', 'Humpback whale', 'Sperm whale'):
        assert name in out
    assert '150000' in out
    assert model.requests[0].streamed
