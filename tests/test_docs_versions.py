"""A doc page written for one pydantic-ai release checks against that release, and reports drift on others.

Each page in tests/pages was written by `--agentrun-update-docs` on the release it names, each with model
'openai:gpt-4o' answered by a rule:

- nodes-1x.md on 1.0.0 (the oldest 1.x CI pass): no run or conversation ids, no request timestamp, no cost. On 1.0.0
  it passes; on a release that prints run ids (1.15 and newer) it fails, with those fields in the diff.
- nodes-0.0.md on 0.0.55 (the 0.0.x CI pass): parts print `part_kind=`, the run's result `AgentRunResult(data=...)`
  and its end `End(data=FinalResult(data='Paris', tool_name=None, tool_call_id=None))`. It passes on 0.0.55 and
  fails on every release that names the output `output` (0.1.0 on), with the diff.
- nodes-0.x.md on 0.8.1 (the late 0.x CI pass). It passes on 0.8.1 and fails with the diff on 0.0.x (`data=`,
  `part_kind=`) and on the releases that print run ids (1.15 on); 0.1 - 1.14 print the same nodes or fields of
  their own, and the test does not guess which.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pydantic_ai
import pytest
import releases
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


PARIS = """
import pytest


@pytest.fixture
def agentrun_doc_rules():
    return {'What is the capital of France?': 'Paris'}
"""


def run_page(pytester: pytest.Pytester, name: str) -> pytest.RunResult:
    pytester.makeconftest(PARIS)
    page = Path(__file__).parent / 'pages' / name
    (pytester.path / name).write_text(page.read_text())
    return pytester.runpytest('-p', 'no:cacheprovider', '--agentrun-docs')


def test_a_00x_page_passes_on_its_release_and_drifts_on_later_ones(pytester: pytest.Pytester) -> None:
    result = run_page(pytester, 'nodes-0.0.md')
    if pydantic_ai.__version__ == '0.0.55':
        result.assert_outcomes(passed=1)
    elif releases.HAS_OUTPUT_TYPE:
        result.assert_outcomes(failed=1)
        if releases.HAS_SHORT_REPRS:  # 0.2.7 on: no part_kind, nor any field at its default
            result.stdout.fnmatch_lines(["  - 32                      part_kind='user-prompt',"])
        result.stdout.fnmatch_lines(
            [
                'nodes-0.0.md:17: printed output differs from the doc',
                "  - 46      End(data=FinalResult(data='Paris', tool_name=None, tool_call_id=None)),",
                "  +         End(data=FinalResult(output='Paris'*)),",
                "Run pytest with --agentrun-update-docs to rewrite the doc's output with what was printed.",
                'nodes-0.0.md:49: printed output differs from the doc',
                "  - 50  AgentRunResult(data='Paris')",
                "  +     AgentRunResult(output='Paris'*",
            ]
        )
    else:  # pragma: no cover - 0.0.x releases other than the one that wrote the page
        pytest.skip(f'pydantic-ai {pydantic_ai.__version__} neither wrote the page nor names the output `output`')


def test_a_0x_page_passes_on_its_release_and_drifts_on_others(pytester: pytest.Pytester) -> None:
    result = run_page(pytester, 'nodes-0.x.md')
    has_run_ids = 'run_id' in {f.name for f in dataclasses.fields(ModelRequest)}
    if pydantic_ai.__version__ == '0.8.1':
        result.assert_outcomes(passed=1)
    elif not releases.HAS_OUTPUT_TYPE:
        result.assert_outcomes(failed=1)
        result.stdout.fnmatch_lines(
            [
                'nodes-0.x.md:17: printed output differs from the doc',
                "  +                         part_kind='user-prompt',",
                "  - 46      End(data=FinalResult(output='Paris')),",
                "  +         End(data=FinalResult(data='Paris', tool_name=None, tool_call_id=None)),",
                'nodes-0.x.md:49: printed output differs from the doc',
                "  - 50  AgentRunResult(output='Paris')",
                "  +     AgentRunResult(data='Paris')",
            ]
        )
    elif has_run_ids:
        result.assert_outcomes(failed=1)
        result.stdout.fnmatch_lines(
            [
                'nodes-0.x.md:17: printed output differs from the doc',
                "  +  *run_id='...',",
                "Run pytest with --agentrun-update-docs to rewrite the doc's output with what was printed.",
            ]
        )
    else:  # pragma: no cover - 0.1 - 1.14 releases other than the one that wrote the page
        pytest.skip(f'pydantic-ai {pydantic_ai.__version__} neither wrote the page nor prints run ids')
