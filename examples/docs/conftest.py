"""Rules answering the prompts of the pages in this directory.

The pages are checked with `pytest --agentrun-docs examples/docs`: every model string in an example
(`'openai:gpt-5.2'`, `'anthropic:claude-sonnet-4-5'`) is answered by a scripted model that looks its answer
up here, by the latest user prompt or by the tool whose return the request carries. Nothing calls a real
model, so the output the pages show is the same on every run.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from pydantic_ai.messages import ModelResponse

from pytest_agentrun import output, tool_call, tool_return

# The pages show what pydantic-ai 2.64 and newer print (responses with `model_id`, costs, run ids). On an older
# release, as on Python 3.10 where pip stops at 2.54, they would rightly report drift: skip them there.
PRINTS_LIKE_THE_PAGES = 'model_id' in {f.name for f in dataclasses.fields(ModelResponse)}
HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if PRINTS_LIKE_THE_PAGES:
        return
    skip = pytest.mark.skip(reason='the page shows what pydantic-ai 2.64+ prints; this release prints less')
    for item in items:
        if item.path.parent == HERE and item.path.suffix == '.md':
            item.add_marker(skip)


@pytest.fixture
def agentrun_doc_rules() -> dict[Any, Any]:
    return {
        # tools.md: one round trip through the catalogue tool.
        'Do you have anything by Octavia E. Butler?': tool_call('search_catalogue', author='Octavia E. Butler'),
        tool_return('search_catalogue'): (
            'Yes: Kindred is on the shelf, and Parable of the Sower is out on loan until 14 March.'
        ),
        # tools.md: two tool calls in one response, then the answer.
        'How long is a 10 km run in miles, and 5 kg in pounds?': [
            tool_call('convert', value=10, from_unit='km', to_unit='mi'),
            tool_call('convert', value=5, from_unit='kg', to_unit='lb'),
        ],
        tool_return('convert'): '10 km is about 6.21 miles, and 5 kg is about 11.02 pounds.',
        # structured-output.md
        'Summarise "Kindred" by Octavia E. Butler.': output(
            title='Kindred',
            author='Octavia E. Butler',
            year=1979,
            genres=['science fiction', 'historical fiction'],
        ),
        'Suggest two novels about generation ships.': output(
            [
                {'title': 'Aurora', 'author': 'Kim Stanley Robinson', 'year': 2015},
                {'title': 'Orphans of the Sky', 'author': 'Robert A. Heinlein', 'year': 1963},
            ]
        ),
        # streaming.md
        'Describe a lighthouse at night in one sentence.': (
            'A lone beam sweeps the dark water while the keeper watches the storm roll in.'
        ),
        # iter-next.md
        'What is the boiling point of water at sea level?': 'Water boils at 100 °C (212 °F) at sea level.',
    }
