"""pydantic_ai_examples.weather_agent: two tools that call HTTP services through an httpx client in the deps,
on 'openai:gpt-5-mini'. The services are faked with httpx's own MockTransport; the agent is not touched.
"""

from __future__ import annotations

import json

import httpx
import pytest
from pydantic_ai_examples import weather_agent as app
from pydantic_ai_examples.weather_agent import Deps, LatLng, weather_agent

from pytest_agentrun import assert_nodes, assert_tool_calls, assert_usage, tool_call

PLACES = {'London': (51.5, -0.13), 'Wiltshire': (51.35, -1.99)}
WEATHER = {(51.5, -0.13): ('21', 'Sunny'), (51.35, -1.99): ('17', 'Light rain')}


class FakeWeatherService:
    """The demo endpoints the tools call, answering from the tables above, and the requests they got."""

    def __init__(self, fail: str | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.fail = fail

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        params = request.url.params
        if request.url.path == self.fail:
            return httpx.Response(503, text='overloaded')
        if request.url.path == '/latlng':
            lat, lng = PLACES[params['location']]
            return httpx.Response(200, text=json.dumps({'lat': lat, 'lng': lng}))
        if request.url.path == '/number':
            return httpx.Response(200, text='21')
        if request.url.path == '/weather':
            return httpx.Response(200, text=WEATHER[float(params['lat']), float(params['lng'])][1])
        return httpx.Response(404)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self))


LONDON_AND_WILTSHIRE = [
    [
        tool_call('get_lat_lng', location_description='London'),
        tool_call('get_lat_lng', location_description='Wiltshire'),
    ],
    [tool_call('get_weather', lat=51.5, lng=-0.13), tool_call('get_weather', lat=51.35, lng=-1.99)],
    'It is 21 °C and sunny in London, and 21 °C with light rain in Wiltshire.',
]


@pytest.mark.anyio
async def test_two_cities_two_tools_each(agentrun):
    service = FakeWeatherService()
    async with service.client() as client:
        run = await agentrun.run(
            weather_agent,
            'What is the weather like in London and in Wiltshire?',
            deps=Deps(client=client),
            script=LONDON_AND_WILTSHIRE,
        )

    assert run.output == 'It is 21 °C and sunny in London, and 21 °C with light rain in Wiltshire.'
    assert_nodes(run, 'UserPrompt -> (ModelRequest -> CallTools) * 3 -> End')
    assert_tool_calls(
        run,
        [
            tool_call('get_lat_lng', location_description='London'),
            tool_call('get_lat_lng', location_description='Wiltshire'),
            tool_call('get_weather', lat=51.5, lng=-0.13),
            tool_call('get_weather', lat=51.35, lng=-1.99),
        ],
    )
    assert [c.result for c in run.tool_calls] == [
        LatLng(lat=51.5, lng=-0.13),
        LatLng(lat=51.35, lng=-1.99),
        {'temperature': '21 °C', 'description': 'Sunny'},
        {'temperature': '21 °C', 'description': 'Light rain'},
    ]
    assert_usage(run, requests=3, tool_calls=4)
    # what the tools asked the services
    assert [(r.url.path, dict(r.url.params)) for r in service.requests[:2]] == [
        ('/latlng', {'location': 'London'}),
        ('/latlng', {'location': 'Wiltshire'}),
    ]
    assert sorted(r.url.path for r in service.requests[2:]) == ['/number', '/number', '/weather', '/weather']
    assert run.requests[0].instructions == 'Be concise, reply with one sentence.'
    assert sorted(run.requests[0].tool_names) == ['get_lat_lng', 'get_weather']


@pytest.mark.anyio
async def test_a_failing_service_fails_the_run(agentrun):
    service = FakeWeatherService(fail='/weather')
    async with service.client() as client:
        with pytest.raises(httpx.HTTPStatusError, match='503'):
            await agentrun.run(
                weather_agent,
                'Weather in London?',
                deps=Deps(client=client),
                script=[
                    tool_call('get_lat_lng', location_description='London'),
                    tool_call('get_weather', lat=51.5, lng=-0.13),
                ],
            )

    run = agentrun.last
    assert [c.tool_name for c in run.tool_calls] == ['get_lat_lng', 'get_weather']
    assert run.usage.requests == 2


@pytest.mark.anyio
async def test_main(agentrun, monkeypatch, capsys):
    service = FakeWeatherService()
    monkeypatch.setattr(app, 'AsyncClient', service.client)
    model = agentrun.model('openai:gpt-5-mini', LONDON_AND_WILTSHIRE)

    await app.main()

    assert 'Response: It is 21 °C and sunny in London' in capsys.readouterr().out
    assert model.requests[0].prompt == 'What is the weather like in London and in Wiltshire?'
    assert len(service.requests) == 6
