"""One test's cassette: it records into the file, or replays from it, for every model with no script."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

import pytest
from pydantic_ai.messages import ModelMessage
from pydantic_ai.models import Model, ModelRequestParameters

from pytest_agentrun._files import write_atomically

from .format import CassetteFormatError, Entry, dump_cassette, read_cassette
from .messages import bad_file_message, exhausted_message, mismatch_message, missing_message, unused_message
from .models import Recording, RecordingModel, ReplayModel
from .summary import describe_summary, match_view, summarize_request

__all__ = ('CassetteSession',)


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

    def finish(self, *, passed: bool, strict: bool) -> tuple[bool, list[str]]:
        """At the end of the test: write what was recorded, or check every recorded request was replayed.

        Returns whether the cassette was written, and the problems to fail the test with.
        """
        if self._recording is not None:
            if not passed or not self._recording.runs:
                return False, []
            write_atomically(self.path, dump_cassette(self._recording.runs).encode())
            return True, []
        if not passed:
            return False, []
        if self.failures:
            return False, self.failures[:1]
        if not strict or (self._entries is None and not self.path.is_file()):
            return False, []
        try:
            entries = self._entries if self._entries is not None else read_cassette(self.path)
        except CassetteFormatError as error:
            return False, [bad_file_message(nodeid=self.nodeid, path=self.display_path, problem=error.problem)]
        unused = [f'{e.where} to {e.model!r}: {describe_summary(e.summary)}' for e in entries if not e.used]
        if unused:
            return False, [
                unused_message(nodeid=self.nodeid, path=self.display_path, unused=unused, recorded=len(entries))
            ]
        return False, []
