"""The cassettes' pytest hooks: a test with a cassette records or replays it, and is checked at teardown.

Which tests have a cassette is a test option (`_options`); while such a test runs, its `CassetteSession`
answers through the guard for every model the test does not script. At teardown the session writes what it
recorded, or checks every recorded request was replayed. The cassettes written reach the end-of-session
summary through the teardown reports, so under pytest-xdist the controller lists what every worker wrote.

This module imports no pydantic-ai: the session (which does) is imported only by a test with a cassette.
"""

from __future__ import annotations

from collections.abc import Generator
from contextlib import ExitStack
from typing import TYPE_CHECKING

import pytest

from pytest_agentrun._files import display_path
from pytest_agentrun._guard import GUARD_KEY
from pytest_agentrun._options import options_for
from pytest_agentrun._reports import passed

if TYPE_CHECKING:
    from .session import CassetteSession

__all__ = ('CassettePlugin',)

_WRITTEN_ATTRIBUTE = 'agentrun_cassettes_written'
"""The teardown report's attribute listing the cassettes the test wrote: plain data, so it survives xdist."""

_session_key: pytest.StashKey[CassetteSession] = pytest.StashKey()
_active_key = pytest.StashKey[ExitStack]()
_written_key = pytest.StashKey[list[tuple[str, bool, str]]]()


class CassettePlugin:
    """Records and replays the cassettes of the tests that have one; lists those written at the end."""

    def __init__(self) -> None:
        self.written: list[tuple[str, bool, str]] = []
        """Each cassette a test wrote (or failed to write), as `(path shown, written, detail)`, from every worker.

        The detail says why a cassette was not written, or what changed in one written when recording only what is
        missing."""

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """Give a test with a cassette its session, answering for every model the test does not script."""
        options = options_for(item)
        if not options.uses_cassette:
            return
        from pytest_agentrun import _compat

        if not _compat.HAS_REQUEST_USAGE:  # cassettes keep a response's RequestUsage
            pytest.fail(f'{item.nodeid}: cassettes keep RequestUsage, but ' + _compat.CASSETTES_MISSING, pytrace=False)
        from .format import cassette_path
        from .session import CassetteSession

        test_name = '.'.join(item.nodeid.split('::')[1:]) or item.name
        stem = options.cassette if isinstance(options.cassette, str) else None
        path = cassette_path(item.path, test_name, stem)
        session = item.stash[_session_key] = CassetteSession(
            path=path,
            display_path=display_path(path, item.config.rootpath),
            nodeid=item.nodeid,
            record=options.record,
            match_on=options.match_on,
        )
        active = item.stash[_active_key] = ExitStack()
        active.enter_context(item.config.stash[GUARD_KEY].replaying(session.model_for, recording=session.recording))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
        """Once the fixtures are torn down: write the cassette recorded, or check the one replayed was used up."""
        session = item.stash.get(_session_key, None)
        if session is None:
            return (yield)
        del item.stash[_session_key]
        item.stash[_active_key].close()
        written = item.stash.setdefault(_written_key, [])
        try:
            yield
        except BaseException:
            if session.mode == 'record' or session.tape.fresh:
                written.append((session.display_path, False, 'the test failed'))
            raise
        finished = session.finish(passed=passed(item), strict=options_for(item).strict)
        if finished.recorded is not None:
            written.append((session.display_path, finished.recorded, finished.detail))
        if finished.problems:
            pytest.fail('\n\n'.join(finished.problems), pytrace=False)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        """Carry the cassettes a test wrote on its teardown report, to the controller under xdist."""
        report: pytest.TestReport = yield
        written = item.stash.get(_written_key, None)
        if report.when == 'teardown' and written:
            setattr(report, _WRITTEN_ATTRIBUTE, [list(w) for w in written])
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Gather the cassettes a report says were written."""
        self.written.extend(
            (str(shown), bool(ok), str(detail)) for shown, ok, detail in getattr(report, _WRITTEN_ATTRIBUTE, None) or ()
        )

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        """List the cassettes recorded, and those left as they were."""
        done = [(shown, detail) for shown, ok, detail in self.written if ok]
        kept = [(shown, detail) for shown, ok, detail in self.written if not ok]
        if done:
            terminalreporter.write_sep('-', 'pytest-agentrun: cassettes recorded')
            for shown, detail in done:
                terminalreporter.write_line(f'recorded {shown}' + (f' ({detail})' if detail else ''))
        if kept:
            terminalreporter.write_sep('-', 'pytest-agentrun: cassettes not recorded')
            for shown, detail in kept:
                terminalreporter.write_line(f'not recorded ({detail}; the previous cassette is untouched): {shown}')
