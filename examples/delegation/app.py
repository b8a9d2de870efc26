"""Customer support with a specialist: the front desk hands billing questions to a billing agent.

`front_desk` talks to the customer and answers general questions itself. For invoices, payments and
refunds it calls `ask_billing`, which runs `billing` (another agent, on another provider) with the same
dependencies and usage, so one customer's run counts every request and token of both agents.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel
from pydantic_ai import Agent, RunContext


class Invoice(BaseModel):
    number: str
    amount_eur: float
    paid: bool


class BillingService:
    """The real service queries the billing database; tests pass a fake one."""

    def invoices(self, customer_id: str) -> list[Invoice]:
        raise NotImplementedError


@dataclass
class SupportDeps:
    customer_id: str
    billing: BillingService


billing = Agent(
    'anthropic:claude-sonnet-4-5',
    deps_type=SupportDeps,
    instructions='You are a billing specialist. Look up the invoices before answering; quote invoice numbers.',
)


@billing.tool
def list_invoices(ctx: RunContext[SupportDeps]) -> list[Invoice]:
    """The customer's invoices, newest first."""
    return ctx.deps.billing.invoices(ctx.deps.customer_id)


front_desk = Agent(
    'openai:gpt-5.2',
    deps_type=SupportDeps,
    instructions='You are the support desk of a broadband provider. Send billing questions to the specialist.',
)


@front_desk.tool
async def ask_billing(ctx: RunContext[SupportDeps], question: str) -> str:
    """Ask the billing specialist about invoices, payments or refunds; returns their answer."""
    result = await billing.run(question, deps=ctx.deps, usage=ctx.usage)
    return result.output
