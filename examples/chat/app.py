"""A bookshop's website chat: replies stream to the visitor word by word, and the conversation is kept.

`ChatSession.send` yields the reply's text as it arrives, for the web layer to push down a socket; once the
reply is complete, the session keeps the whole exchange so the next message has its context.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from pydantic_ai import Agent, RunContext
from pydantic_ai.messages import ModelMessage

OPENING_HOURS = {'saturday': '10:00-18:00', 'sunday': 'closed'}


@dataclass
class Visitor:
    name: str
    member: bool = False


assistant = Agent(
    'anthropic:claude-sonnet-4-5',
    deps_type=Visitor,
    instructions='You are the chat assistant of Quire & Co, a bookshop. Check opening hours with the tool.',
)


@assistant.instructions
def about_visitor(ctx: RunContext[Visitor]) -> str:
    membership = 'a member (10% off)' if ctx.deps.member else 'not a member'
    return f'The visitor is {ctx.deps.name}, {membership}.'


@assistant.tool_plain
def opening_hours(day: str) -> str:
    """Opening hours for a day of the week, e.g. "sunday"."""
    return OPENING_HOURS.get(day.lower(), '09:00-19:00')


class ChatSession:
    """One visitor's conversation."""

    def __init__(self, visitor: Visitor) -> None:
        self.visitor = visitor
        self.history: list[ModelMessage] = []

    async def send(self, message: str) -> AsyncIterator[str]:
        """Stream the reply to `message` as text deltas, then add the exchange to the history."""
        async with assistant.run_stream(message, deps=self.visitor, message_history=self.history) as result:
            async for delta in result.stream_text(delta=True, debounce_by=None):
                yield delta
        self.history = result.all_messages()
