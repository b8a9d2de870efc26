"""A small weather agent: a tool that calls a service passed in `deps`."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic_ai import Agent, RunContext


class WeatherService:
    """The real service would call an HTTP API; tests pass a fake one."""

    def forecast(self, city: str) -> str:
        raise NotImplementedError


@dataclass
class Deps:
    weather: WeatherService


agent = Agent('openai:gpt-5.2', deps_type=Deps, instructions='Answer in one sentence.')


@agent.tool
def get_forecast(ctx: RunContext[Deps], city: str) -> str:
    """Get the forecast for a city."""
    return ctx.deps.weather.forecast(city)
