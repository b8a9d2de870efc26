"""Short tracebacks for the plugin's own errors: they stop at the user's code.

A script error (an exhausted script, a blocked real request, an unknown tool...) is raised inside the model,
some thirty frames below the line of the test or app that ran the agent: pydantic-ai's run loop, its graph,
asyncio. None of those frames is the problem, and the error's message already says what is. So the report
of a test that failed with one keeps only the frames of other code, ending at the line that ran the agent;
`--fulltrace` shows every frame, as pytest does. Errors of any other kind keep their whole traceback.

Formatting fewer frames is also faster: pytest reads and parses the source of each frame it shows.
"""

from __future__ import annotations

from collections.abc import Generator
from types import TracebackType

import pytest

from ._errors import ScriptError

__all__ = ('ShortTracebacks',)

_LIBRARIES = ('pydantic_ai', 'pydantic_graph', 'pytest_agentrun', 'asyncio', 'anyio', 'concurrent', 'contextlib')
"""Top-level modules whose frames a script error's traceback leaves out."""


class ShortTracebacks:
    """Cuts the library frames out of the traceback of a test that failed with a script error."""

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        """Shorten the traceback before pytest formats it into the report."""
        excinfo = call.excinfo
        if excinfo is not None and isinstance(excinfo.value, ScriptError) and not item.config.option.fulltrace:
            shortened = _without_library_frames(excinfo.tb)
            if shortened is not None:  # None only if every frame were a library's: then keep them all
                cut = pytest.ExceptionInfo[BaseException].from_exc_info((excinfo.type, excinfo.value, shortened))
                excinfo.traceback = cut.traceback
        return (yield)


def _without_library_frames(tb: TracebackType | None) -> TracebackType | None:
    """A copy of the chain of frames without those of the libraries (pytest cuts and shows the chain's links)."""
    kept: list[TracebackType] = []
    while tb is not None:
        module = tb.tb_frame.f_globals.get('__name__')
        if not isinstance(module, str) or module.partition('.')[0] not in _LIBRARIES:
            kept.append(tb)
        tb = tb.tb_next
    shortened = None
    for link in reversed(kept):
        shortened = TracebackType(shortened, link.tb_frame, link.tb_lasti, link.tb_lineno)
    return shortened
