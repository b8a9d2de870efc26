"""pydantic_ai_examples.flight_booking: three agents on one model ('openai:gpt-5.2').

The search agent's output is a union (FlightDetails | NoFlightFound) checked by an output validator that retries;
its tool runs a nested extraction agent (list[FlightDetails] output) sharing the run's usage; a seat agent
(SeatPreference | Failed) runs after the user buys; `main()` loops on the user's answers with message history.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator

import pytest
from pydantic_ai import UsageLimitExceeded
from pydantic_ai.messages import ToolReturnPart, UserPromptPart
from pydantic_ai_examples import flight_booking
from pydantic_ai_examples.flight_booking import (
    Deps,
    FlightDetails,
    NoFlightFound,
    SeatPreference,
    extraction_agent,
    search_agent,
    seat_preference_agent,
)

from pytest_agentrun import RealRequestBlockedError, assert_nodes, assert_tool_calls, assert_usage, output, tool_call

JAN_10 = datetime.date(2025, 1, 10)
# what the extraction agent reads in the page (flights_web_page), as a model would extract it
PAGE_FLIGHTS = [
    FlightDetails(flight_number='SFO-AK123', price=350, origin='SFO', destination='ANC', date=JAN_10),
    FlightDetails(flight_number='SFO-AK456', price=370, origin='SFO', destination='FAI', date=JAN_10),
    FlightDetails(flight_number='NYC-LA101', price=250, origin='SFO', destination='ANC', date=JAN_10),
]
CHEAPEST = PAGE_FLIGHTS[2]
OTHER = PAGE_FLIGHTS[0]
WRONG_DESTINATION = PAGE_FLIGHTS[1]


@pytest.fixture
def deps() -> Deps:
    return Deps(web_page_text=flight_booking.flights_web_page, req_origin='SFO', req_destination='ANC', req_date=JAN_10)


@pytest.mark.anyio
async def test_search_extracts_then_picks_the_cheapest_flight(agentrun, deps):
    extraction = agentrun.model('openai:gpt-5.2', [output(PAGE_FLIGHTS)], agent=extraction_agent)

    run = await agentrun.run(
        search_agent,
        'Find me a flight from SFO to ANC on 2025-01-10',
        deps=deps,
        script=[tool_call('extract_flights'), output(CHEAPEST)],
    )

    assert run.output == CHEAPEST
    assert isinstance(run.output, FlightDetails)
    assert_nodes(run, 'UserPrompt -> (ModelRequest -> CallTools) * 2 -> End')
    assert_tool_calls(run, ['extract_flights', tool_call('final_result_FlightDetails', flight_number='NYC-LA101')])
    assert run.tool_calls[0].result == PAGE_FLIGHTS
    # the nested agent read the web page, and its request counts in the search run's usage (usage=ctx.usage)
    assert [r.prompt for r in extraction.requests] == [flight_booking.flights_web_page]
    assert extraction.requests[0].instructions == 'Extract all the flight details from the given text.'
    assert_usage(run, requests=3, tool_calls=1)


@pytest.mark.anyio
async def test_the_error_for_an_unscripted_nested_agent_names_it(agentrun, deps):
    with pytest.raises(RealRequestBlockedError) as blocked:
        await agentrun.run(
            search_agent,
            'Find me a flight from SFO to ANC on 2025-01-10',
            deps=deps,
            script=[tool_call('extract_flights')],  # the nested agent's request fails the run there
        )

    assert 'extraction_agent' in str(blocked.value)
    assert 'agent=' in str(blocked.value)


@pytest.mark.anyio
async def test_output_validator_sends_a_flight_to_the_wrong_airport_back(agentrun, deps):
    agentrun.model('openai:gpt-5.2', [output(PAGE_FLIGHTS)], agent=extraction_agent)

    run = await agentrun.run(
        search_agent,
        'Find me a flight from SFO to ANC on 2025-01-10',
        deps=deps,
        script=[tool_call('extract_flights'), output(WRONG_DESTINATION), output(CHEAPEST)],
    )

    assert run.output == CHEAPEST
    (retry,) = run.requests[2].retries
    assert retry.tool_name == 'final_result_FlightDetails'
    assert retry.message == 'Flight should have destination ANC, not FAI'
    assert_nodes(run, 'UserPrompt -> (ModelRequest -> CallTools) * 3 -> End')
    assert_usage(run, requests=4)


@pytest.mark.anyio
async def test_no_flight_found(agentrun, deps):
    agentrun.model('openai:gpt-5.2', [output([])], agent=extraction_agent)

    run = await agentrun.run(
        search_agent,
        'Find me a flight from SFO to ANC on 2025-01-10',
        deps=deps,
        script=[tool_call('extract_flights'), output(NoFlightFound())],
    )

    assert isinstance(run.output, NoFlightFound)
    assert run.tool_calls[0].result == []
    assert_tool_calls(run, ['extract_flights', 'final_result_NoFlightFound'])


@pytest.mark.anyio
async def test_seat_preference_union_output(agentrun):
    run = await agentrun.run(
        seat_preference_agent,
        'window seat with leg room please',
        script=[output(row=31, seat='A', valid=False), output(row=1, seat='A')],
    )

    assert run.output == SeatPreference(row=1, seat='A')
    # row 31 is past the plane's last row (le=30): pydantic-ai sent the validation error back
    (retry,) = run.requests[1].retries
    assert retry.tool_name == 'final_result_SeatPreference'
    assert 'row' in retry.message


def answers(*replies: str) -> Iterator[str]:
    yield from replies
    raise AssertionError('main() asked the user more questions than the test answers')


@pytest.mark.anyio
async def test_main_searches_again_then_buys_with_a_seat(agentrun, monkeypatch, capsys):
    replies = answers('search', 'buy', 'somewhere nice', 'window seat in the front row')
    monkeypatch.setattr(flight_booking.Prompt, 'ask', lambda *args, **kwargs: next(replies))
    search = agentrun.model(
        'openai:gpt-5.2',
        [
            # first run: extract the page, offer the cheapest flight
            tool_call('extract_flights'),
            output(CHEAPEST),
            # second run (the user said "search"): with the history, offer another
            output(OTHER),
        ],
        agent=search_agent,
    )
    agentrun.model('openai:gpt-5.2', [output(PAGE_FLIGHTS)], agent=extraction_agent)
    seat = agentrun.model(
        'openai:gpt-5.2', [output(flight_booking.Failed()), output(row=1, seat='A')], agent=seat_preference_agent
    )

    await flight_booking.main()

    out = capsys.readouterr().out
    assert f'Flight found: {CHEAPEST}' in out
    assert f'Flight found: {OTHER}' in out
    assert 'Could not understand seat preference. Please try again.' in out
    bought = re.search(r"Purchasing flight flight_details=FlightDetails\(flight_number='(.*?)'.*? seat=(.*)\.\.\.", out)
    assert bought is not None
    assert bought.groups() == ('SFO-AK123', "SeatPreference(row=1, seat='A')")
    # the second search carried the first one's messages, its output answered with "Please suggest another flight"
    second_search = search.requests[2]
    returns = [p for m in second_search.messages for p in m.parts if isinstance(p, ToolReturnPart)]
    assert returns[-1].content == 'Please suggest another flight'
    assert second_search.prompt == 'Find me a flight from SFO to ANC on 2025-01-10'
    # the seat agent's second run had the first one's messages
    assert [r.prompt for r in seat.requests] == ['somewhere nice', 'window seat in the front row']
    history = [p.content for m in seat.requests[1].messages for p in m.parts if isinstance(p, UserPromptPart)]
    assert history == ['somewhere nice', 'window seat in the front row']


@pytest.mark.anyio
async def test_main_stops_at_the_usage_limit(agentrun, monkeypatch):
    # a user who never buys: the shared usage (extraction requests included) reaches request_limit=15
    monkeypatch.setattr(flight_booking.Prompt, 'ask', lambda *args, **kwargs: 'search')
    search = agentrun.model(
        'openai:gpt-5.2',
        rules={re.compile('Find me a flight'): [tool_call('extract_flights')]},
        default=output(CHEAPEST),
        agent=search_agent,
    )
    extraction = agentrun.model('openai:gpt-5.2', default=output(PAGE_FLIGHTS), agent=extraction_agent)

    with pytest.raises(UsageLimitExceeded, match='request_limit of 15'):
        await flight_booking.main()

    assert len(search.requests) + len(extraction.requests) == 15
