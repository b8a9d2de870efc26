"""A recipe planner: structured output, checked against the household's diet before anyone cooks it.

The agent answers with a `Recipe`, not text. Pydantic checks the shape; `check_diet` checks what a schema
cannot: no ingredient the household avoids, and enough steps to cook from. A recipe that fails goes back
to the model with the reason, and the agent tries again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, Field
from pydantic_ai import Agent, ModelRetry, RunContext


class Ingredient(BaseModel):
    name: str
    quantity: str = Field(description='Amount with its unit, e.g. "200 g" or "2 tbsp"')


class Recipe(BaseModel):
    title: str
    servings: int = Field(ge=1)
    ingredients: list[Ingredient]
    steps: list[str]


@dataclass
class Household:
    """Who the recipe is for: how many people and what they do not eat."""

    people: int
    avoids: set[str] = field(default_factory=set[str])


planner = Agent(
    'openai:gpt-5.2',
    deps_type=Household,
    output_type=Recipe,
    instructions='Plan one home-cooked dish. Quantities must suit the number of people.',
)


@planner.instructions
def describe_household(ctx: RunContext[Household]) -> str:
    avoided = ', '.join(sorted(ctx.deps.avoids)) or 'nothing'
    return f'Cooking for {ctx.deps.people}. They avoid: {avoided}.'


@planner.output_validator
def check_diet(ctx: RunContext[Household], recipe: Recipe) -> Recipe:
    """Send the recipe back if it uses an avoided ingredient, serves the wrong number or has too few steps."""
    banned = sorted(i.name for i in recipe.ingredients if i.name.lower() in ctx.deps.avoids)
    if banned:
        raise ModelRetry(f'The household does not eat {", ".join(banned)}; replace it.')
    if recipe.servings != ctx.deps.people:
        raise ModelRetry(f'The recipe must serve {ctx.deps.people}, not {recipe.servings}.')
    if len(recipe.steps) < 2:
        raise ModelRetry('Give at least two steps.')
    return recipe


def plan_dinner(request: str, household: Household) -> Recipe:
    """Plan a dish for `household` (synchronous, for a command-line tool or a worker)."""
    return planner.run_sync(request, deps=household).output
