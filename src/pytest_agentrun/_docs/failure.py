"""`DocCheckFailure`: a doc example that failed its check, and how its report shows it."""

from __future__ import annotations

from typing import Any

__all__ = ('DocCheckFailure', 'DocFailureRepr')


class DocCheckFailure(Exception):
    """A doc example that failed its check; the message is all the report shows (no plugin traceback)."""


class _Crash:
    """What pytest's one-line views show of a failure (the summary, `--tb=line`, junitxml's `message`)."""

    def __init__(self, message: str) -> None:
        self.message = message

    def __str__(self) -> str:
        return self.message


class DocFailureRepr:
    """A failed check's report: its whole text in the failure, its first line wherever pytest shows one line.

    A plain string would do on pytest 9, which takes a text report's message whole (on CI, the whole diff again in
    the summary), but pytest 8 shows no message at all for one. pytest reads reports by duck typing: `toterminal`
    writes the failure, `reprcrash.message` is its one line, `str()` the text (junitxml, and pytest-xdist, which
    sends any report without a traceback to the controller as its text).
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.reprcrash = _Crash(text.partition('\n')[0])

    def toterminal(self, tw: Any) -> None:
        """Write the failure's text, as pytest writes a text report."""
        tw.line(self.text)

    def __str__(self) -> str:
        return self.text
