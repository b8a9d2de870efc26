"""What pytest reported for each phase of a test, for the checks made at its teardown.

A check at teardown (unused turns, a cassette never replayed, a blocked request the code caught) stays quiet
when the test already failed or was skipped: the failure the user sees is the first one.
"""

from __future__ import annotations

from collections.abc import Generator

import pytest

__all__ = ('PhaseReports', 'passed', 'went_wrong')

_key = pytest.StashKey[dict[str, pytest.TestReport]]()
_NO_REPORTS: dict[str, pytest.TestReport] = {}


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
