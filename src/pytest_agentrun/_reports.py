"""What pytest reported for each phase of a test, for the checks made at its teardown.

A check at teardown (unused turns, a cassette never replayed, a blocked request the code caught) stays quiet
when the test already failed or was skipped: the failure the user sees is the first one.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ._fixture import AgentRunFactory

__all__ = ('FACTORY_KEY', 'PhaseReports', 'TranscriptPlugin', 'passed', 'went_wrong')

_key = pytest.StashKey[dict[str, pytest.TestReport]]()
_NO_REPORTS: dict[str, pytest.TestReport] = {}

FACTORY_KEY = pytest.StashKey['AgentRunFactory']()
"""The `agentrun` fixture's factory, on the item of the test that used it."""
_transcribed = pytest.StashKey[bool]()


class PhaseReports:
    """Keeps each phase's report on the test item (registered by the plugin)."""

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        """Keep the report of the phase that just ran."""
        report: pytest.TestReport = yield
        item.stash.setdefault(_key, {})[report.when] = report
        return report


def went_wrong(item: pytest.Item) -> bool:
    """Whether a phase of the test failed or skipped so far."""
    return any(r.failed or r.skipped for r in item.stash.get(_key, _NO_REPORTS).values())


def passed(item: pytest.Item) -> bool:
    """Whether the test ran and every phase so far passed."""
    reports = item.stash.get(_key, _NO_REPORTS)
    return 'call' in reports and all(r.passed for r in reports.values())


class TranscriptPlugin:
    """Adds what the agent did to the report of a failed test that used the `agentrun` fixture.

    The transcript goes into the failure's own text, as a section like "Captured stdout": the terminal shows
    it, and `--junitxml` writes it into the `<failure>` element. Once per test, on the first failed phase
    after the test body ran (the call, or the teardown).
    """

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        """Add the transcript to the report of a failed call or teardown."""
        report: pytest.TestReport = yield
        first = not item.stash.get(_transcribed, False)
        if report.failed and report.when in ('call', 'teardown') and FACTORY_KEY in item.stash and first:
            item.stash[_transcribed] = True
            add_transcript(report, item.stash[FACTORY_KEY])
        if report.when == 'teardown' and FACTORY_KEY in item.stash:
            del item.stash[FACTORY_KEY]  # items live as long as the session: their runs must not
        return report


def add_transcript(report: pytest.TestReport, factory: AgentRunFactory) -> None:
    """Put the transcript of `factory`'s runs into the report, if there is anything to tell."""
    from ._transcript import SECTION, render

    text = render(factory)
    if not text:
        return
    longrepr = report.longrepr
    add = getattr(longrepr, 'addsection', None)
    if add is not None:
        add(SECTION, text)
    else:  # a plain-text failure: a section of the report, which the terminal shows after it
        report.sections.append((SECTION, text))
