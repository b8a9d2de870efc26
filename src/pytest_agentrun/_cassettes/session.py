"""One test's cassette: it records into the file, or replays from it, for every model with no script."""

from __future__ import annotations

import errno
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import pytest
from pydantic_ai.messages import ModelMessage
from pydantic_ai.models import Model, ModelRequestParameters

from pytest_agentrun._files import UnsafeWriteError, write_atomically

from .format import CassetteFormatError, Entry, dump_cassette, read_cassette
from .messages import (
    bad_file_message,
    exhausted_message,
    mismatch_message,
    missing_message,
    unused_message,
    unwritten_message,
)
from .models import Recording, RecordingModel, ReplayModel
from .summary import describe_summary, match_view, summarize_request

__all__ = ('CassetteSession', 'Finished')


@dataclass(frozen=True)
class Finished:
    """How a test's cassette ended: written or not (and why), and the problems to fail the test with."""

    recorded: bool | None = None
    """True: the cassette was written; False: a recording was not written; None: nothing to report."""
    detail: str = ''
    """Why a recording was not written (`the test failed`, `not written: <reason>`)."""
    problems: list[str] = field(default_factory=list[str])
    """The failures to report at the test's teardown."""


def write_error_reason(error: OSError) -> str:
    """Why a write failed, in words: the refusal's own reason, or the system's message and its errno name."""
    if isinstance(error, UnsafeWriteError):
        return error.reason
    name = errno.errorcode.get(error.errno) if error.errno is not None else None
    message = error.strerror or str(error)
    return f'{message} ({name})' if name else message


class CassetteSession:
    """The cassette of one test: records into it, or replays from it, for every model string."""

    def __init__(self, *, path: Path, display_path: str, nodeid: str, record: bool, match_on: Sequence[str]) -> None:
        """`path` is the file, `display_path` how messages name it, `nodeid` the test's id."""
        self.path = path
        self.display_path = display_path
        self.nodeid = nodeid
        self.recording = record
        self.match_on = tuple(match_on)
        self.failures: list[str] = []
        """Every failure raised inside a model call, to raise again at teardown if the code swallowed it."""
        self._recording = Recording() if record else None
        self._entries: list[Entry] | None = None
        self._replayers: dict[str, ReplayModel] = {}
        self._counts: dict[str, int] = {}

    def model_for(self, name: str, real: Callable[[], Model]) -> Model:
        """The model answering for `name` now: the real one, recorded; or the cassette."""
        __tracebackhide__ = True
        if self._recording is not None:
            return RecordingModel(name, real(), self._recording)
        replayer = self._replayers.get(name)
        if replayer is None:
            replayer = self._replayers[name] = ReplayModel(name, self)
        return replayer

    def _fail(self, message: str) -> NoReturn:
        __tracebackhide__ = True
        self.failures.append(message)
        pytest.fail(message, pytrace=False)

    def _load(self, name: str) -> list[Entry]:
        __tracebackhide__ = True
        if self._entries is None:
            if not self.path.is_file():
                self._fail(missing_message(nodeid=self.nodeid, path=self.display_path, name=name))
            try:
                self._entries = read_cassette(self.path)
            except CassetteFormatError as error:
                self._fail(bad_file_message(nodeid=self.nodeid, path=self.display_path, problem=error.problem))
        return self._entries

    def take(self, name: str, messages: Sequence[ModelMessage], parameters: ModelRequestParameters) -> Entry:
        """The recorded entry answering this request; fails the test if there is none or it differs."""
        __tracebackhide__ = True
        number = self._counts[name] = self._counts.get(name, 0) + 1
        entries = self._load(name)
        summary = summarize_request(messages, parameters)
        pending = [e for e in entries if e.model == name and not e.used]
        if not pending:
            recorded = sum(1 for e in entries if e.model == name)
            self._fail(
                exhausted_message(
                    nodeid=self.nodeid, path=self.display_path, name=name, number=number, recorded=recorded
                )
            )
        chosen = pending[0]
        if self.match_on:
            wanted = match_view(summary, self.match_on)
            found = next((e for e in pending if match_view(e.summary, self.match_on) == wanted), None)
            if found is None:
                self._fail(
                    mismatch_message(
                        nodeid=self.nodeid,
                        path=self.display_path,
                        name=name,
                        number=number,
                        where=chosen.where,
                        recorded=match_view(chosen.summary, self.match_on),
                        actual=wanted,
                    )
                )
            chosen = found
        chosen.used = True
        return chosen

    def finish(self, *, passed: bool, strict: bool) -> Finished:
        """At the end of the test: write what was recorded, or check every recorded request was replayed."""
        if self._recording is not None:
            if not passed:
                return Finished(recorded=False, detail='the test failed')
            if not self._recording.runs:
                return Finished()  # a passing test that made no request records nothing
            try:
                write_atomically(self.path, dump_cassette(self._recording.runs).encode())
            except OSError as error:
                reason = write_error_reason(error)
                return Finished(
                    recorded=False,
                    detail=f'not written: {reason}',
                    problems=[unwritten_message(nodeid=self.nodeid, path=self.display_path, reason=reason)],
                )
            return Finished(recorded=True)
        if not passed:
            return Finished()
        if self.failures:
            return Finished(problems=self.failures[:1])
        if not strict or (self._entries is None and not self.path.is_file()):
            return Finished()
        try:
            entries = self._entries if self._entries is not None else read_cassette(self.path)
        except CassetteFormatError as error:
            return Finished(
                problems=[bad_file_message(nodeid=self.nodeid, path=self.display_path, problem=error.problem)]
            )
        unused = [f'{e.where} to {e.model!r}: {describe_summary(e.summary)}' for e in entries if not e.used]
        if unused:
            return Finished(
                problems=[
                    unused_message(nodeid=self.nodeid, path=self.display_path, unused=unused, recorded=len(entries))
                ]
            )
        return Finished()
