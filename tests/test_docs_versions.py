"""A doc page written for one pydantic-ai release checks against that release, and reports drift on others.

tests/pages/nodes-1x.md was written by `--agentrun-update-docs` on pydantic-ai-slim 1.0.0 (the oldest CI pass):
model 'openai:gpt-4o', no run or conversation ids, no request timestamp, no cost. On 1.0.0 it passes; on a
release that prints run ids (1.15 and newer) the same page fails, with those fields in the diff.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pydantic_ai
import pytest
from pydantic_ai.messages import ModelRequest

PAGE = Path(__file__).parent / 'pages' / 'nodes-1x.md'
RULES = """
import pytest


@pytest.fixture
def agentrun_doc_rules():
    return {'Which planet is closest to the Sun?': 'Mercury is the closest planet to the Sun.'}
"""
WRITTEN_ON = '1.0.0'


def test_a_1x_page_passes_on_its_release_and_drifts_on_later_ones(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(RULES)
    (pytester.path / PAGE.name).write_text(PAGE.read_text())
    result = pytester.runpytest('-p', 'no:cacheprovider', '--agentrun-docs')
    has_run_ids = 'run_id' in {f.name for f in dataclasses.fields(ModelRequest)}
    if pydantic_ai.__version__ == WRITTEN_ON:
        result.assert_outcomes(passed=1)
    elif has_run_ids:
        result.assert_outcomes(failed=1)
        result.stdout.fnmatch_lines(
            [
                'nodes-1x.md:16: printed output differs from the doc',
                "  +  *run_id='...',",
                "Run pytest with --agentrun-update-docs to rewrite the doc's output with what was printed.",
            ]
        )
    else:  # pragma: no cover - early 1.x releases other than the one that wrote the page
        pytest.skip(f'pydantic-ai {pydantic_ai.__version__} neither wrote the page nor prints run ids')
