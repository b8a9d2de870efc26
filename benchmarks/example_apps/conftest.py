"""Shared fakes for the example-app tests, and the report benchmarks/bench_example_apps.py reads.

With EXAMPLE_APPS_REPORT=path set, each test's outcome and its workaround markers are written there as JSON
when the session ends.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

_results: dict[str, dict[str, Any]] = {}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        _results[item.nodeid] = {
            'outcome': 'not run',
            'workarounds': [m.kwargs.get('reason') or m.args[0] for m in item.iter_markers('workaround')],
            'app_workarounds': [m.kwargs.get('reason') or m.args[0] for m in item.iter_markers('app_workaround')],
            'xfail': [m.kwargs.get('reason', '') for m in item.iter_markers('xfail')],
        }


_RANK = ('not run', 'passed', 'skipped', 'xfailed', 'xpassed', 'failed', 'error')


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """The test's outcome is its worst phase's: an error in setup or teardown, else the call's."""
    entry = _results.setdefault(report.nodeid, {'workarounds': [], 'app_workarounds': [], 'xfail': []})
    if hasattr(report, 'wasxfail'):
        outcome = 'xfailed' if report.skipped else 'xpassed'
    elif report.failed and report.when != 'call':
        outcome = 'error'
    elif report.passed and report.when != 'call':
        return
    else:
        outcome = report.outcome
    if _RANK.index(outcome) >= _RANK.index(entry.get('outcome', 'not run')):
        entry['outcome'] = outcome
    if report.skipped and not hasattr(report, 'wasxfail') and isinstance(report.longrepr, tuple):
        entry['message'] = f'skipped: {report.longrepr[2].removeprefix("Skipped: ")}'
    if report.failed and 'message' not in entry:
        entry['message'] = report.longreprtext.strip().splitlines()[-1] if report.longreprtext else ''


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = os.environ.get('EXAMPLE_APPS_REPORT')
    if path:
        with open(path, 'w', encoding='utf-8') as f:
            json.dump(_results, f, indent=2)
