import pytest

from pytest_agentrun import assert_nodes, assert_tool_calls, assert_usage, tool_call

from .app import Deps, WeatherService, agent


class FakeWeather(WeatherService):
    def forecast(self, city: str) -> str:
        return f'Sunny, 24 °C in {city}'


@pytest.mark.anyio
async def test_forecast(agentrun):
    run = await agentrun.run(
        agent,
        'What is the weather in Paris?',
        script=[tool_call('get_forecast', city='Paris'), 'It is sunny and 24 °C in Paris.'],
        deps=Deps(weather=FakeWeather()),
    )
    assert run.output == 'It is sunny and 24 °C in Paris.'
    assert_nodes(run, 'UserPrompt -> (ModelRequest -> CallTools) * 2 -> End')
    assert_tool_calls(run, [tool_call('get_forecast', city='Paris')])
    assert run.tool_calls[0].result == 'Sunny, 24 °C in Paris'
    assert_usage(run, requests=2)


@pytest.mark.anyio
async def test_real_requests_are_blocked():
    from pytest_agentrun import RealRequestBlockedError

    with pytest.raises(RealRequestBlockedError, match=r"blocked a real request to the model 'openai:gpt-5\.2'"):
        await agent.run('Weather?', deps=Deps(weather=FakeWeather()))
