"""Source files for the small projects that pytester tests build."""

WEATHER_APP = """
from pydantic_ai import Agent

agent = Agent('openai:gpt-5.2', instructions='Be brief.')


@agent.tool_plain
def get_weather(city: str) -> str:
    return f'Sunny in {city}'
"""
"""An app module building `Agent('openai:gpt-5.2')` with one tool, at import time."""
