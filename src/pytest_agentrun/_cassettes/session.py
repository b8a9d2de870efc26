"""One test's cassette: it records into the file, or replays from it, for every model with no script."""

from __future__ import annotations

import errno
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NoReturn

import pytest
from pydantic_ai.messages import ModelMessage
from pydantic_ai.models import Model, ModelRequestParameters

from pytest_agentrun._files import UnsafeWriteError, write_atomically

from .format import CassetteFormatError, Entry, dump_cassette, read_cassette, replayed
from .messages import (
    bad_file_message,
    exhausted_message,
    mismatch_message,
    missing_message,
    unused_message,
    unwritten_message,
)
from .models import RecordingModel, ReplayModel, Tape, run_key
from .summary import describe_summary, match_view, summarize_request

__all__ = ('CassetteSession', 'Finished')


@dataclass(frozen=True)
class Finished:
    """How a test's cassette ended: written or not (and why), and the problems to fail the test with."""

    recorded: bool | None = None
    """True: the cassette was written; False: a recording was not written; None: nothing to report."""
    detail: str = ''
    """Why a recording was not written (`the test failed`, `not written: <reason>`), or what changed in a
    cassette written when recording only what is missing (`1 new request, 2 replayed`)."""
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
    """The cassette of one test: records into it, replays from it, or both, for every model string.

    `record` is True to record every request against the real models, `'missing'` to replay what the cassette
    answers and record the rest, False to replay only.
    """

    def __init__(
        self,
        *,
        path: Path,
        display_path: str,
        nodeid: str,
        record: bool | Literal['missing'],
        match_on: Sequence[str],
    ) -> None:
        """`path` is the file, `display_path` how messages name it, `nodeid` the test's id."""
        self.path = path
        self.display_path = display_path
        self.nodeid = nodeid
        self.mode: Literal['record', 'missing', 'replay'] = (
            'record' if record is True else 'missing' if record == 'missing' else 'replay'
        )
        self.recording = self.mode != 'replay'
        """Whether real requests may be made."""
        self.match_on = tuple(match_on)
        self.failures: list[str] = []
        """Every failure raised inside a model call, to raise again at teardown if the code swallowed it."""
        self.tape = Tape()
        """What the test asked and was answered, recorded or replayed: the cassette to write when recording."""
        self._entries: list[Entry] | None = None
        self._existed = True
        self._counts: dict[str, int] = {}
        self._bound: dict[tuple[object, str], int] = {}
        """Which recorded run each agent run replays, per model: its later requests are answered from it first."""
        self._diverged: set[tuple[object, str]] = set()
        """The agent runs (per model) recorded from the real model from some request on, recording what is
        missing: their later requests follow another conversation than any recorded, so they are recorded too."""

    def model_for(self, name: str, real: Callable[[], Model], prepared: bool = False) -> Model:
        """The model answering for `name` now: the real one, recorded; or the cassette.

        `real` builds the real model; `prepared` says the messages are prepared for it already.
        """
        __tracebackhide__ = True
        if self.mode == 'record':
            return RecordingModel(name, real(), self.tape, prepared=prepared)
        return ReplayModel(name, self, real, prepared=prepared)

    def _fail(self, message: str) -> NoReturn:
        __tracebackhide__ = True
        self.failures.append(message)
        pytest.fail(message, pytrace=False)

    def _load(self, name: str) -> list[Entry]:
        __tracebackhide__ = True
        if self._entries is None:
            if not self.path.is_file():
                if self.mode == 'missing':  # nothing recorded yet: everything is missing
                    self._existed = False
                    self._entries = []
                    return self._entries
                self._fail(missing_message(nodeid=self.nodeid, path=self.display_path, name=name))
            try:
                self._entries = read_cassette(self.path)
            except CassetteFormatError as error:
                self._fail(bad_file_message(nodeid=self.nodeid, path=self.display_path, problem=error.problem))
        return self._entries

    def take(self, name: str, messages: Sequence[ModelMessage], parameters: ModelRequestParameters) -> Entry | None:
        """The recorded entry answering this request; fails the test if there is none or it differs.

        Recording what is missing, None instead: the real model answers, and is recorded.
        """
        __tracebackhide__ = True
        number = self._counts[name] = self._counts.get(name, 0) + 1
        entries = self._load(name)
        summary = summarize_request(messages, parameters)
        pending = [e for e in entries if e.model == name and not e.used]
        running = run_key()
        live = running[0] if running else None
        if (live, name) in self._diverged:
            return None
        found, expected = self._choose(name, live, pending, summary)
        if found is None:
            if self.mode == 'missing':
                if live is not None:
                    self._diverged.add((live, name))
                return None
            if expected is None:
                recorded = sum(1 for e in entries if e.model == name)
                self._fail(
                    exhausted_message(
                        nodeid=self.nodeid, path=self.display_path, name=name, number=number, recorded=recorded
                    )
                )
            self._fail(
                mismatch_message(
                    nodeid=self.nodeid,
                    path=self.display_path,
                    name=name,
                    number=number,
                    where=expected.where,
                    recorded=match_view(expected.summary, self.match_on),
                    actual=match_view(summary, self.match_on),
                )
            )
        found.used = True
        if self.mode == 'missing':
            self.tape.add(self.tape.run_for(name, messages), replayed(found.raw), fresh=False)
        return found

    def _choose(
        self, name: str, live: object, pending: list[Entry], summary: dict[str, Any]
    ) -> tuple[Entry | None, Entry | None]:
        """The recorded request answering, and the one it was expected to be (for a mismatch's diff).

        An agent run replays one recorded run: its first request binds it to the recorded run that answers it,
        and its later requests are answered from that run first, whatever other runs ask meanwhile. Failing
        that (and for requests outside agent runs), the first pending request that matches answers; except when
        recording what is missing, where a run that leaves its recorded run is recorded from there on.
        """
        bound = self._bound.get((live, name)) if live is not None else None
        if bound is not None:
            preferred = [e for e in pending if e.run == bound][:1]
        else:
            others = {run for (key, model), run in self._bound.items() if model == name and key is not live}
            preferred = [e for e in pending if e.run not in others]
        wanted = match_view(summary, self.match_on)

        def matches(entry: Entry) -> bool:
            return match_view(entry.summary, self.match_on) == wanted

        found = next((e for e in preferred if matches(e)), None)
        if found is None and (self.mode != 'missing' or live is None):
            found = next((e for e in pending if matches(e)), None)
        if found is not None and live is not None and bound is None:
            self._bound[(live, name)] = found.run
        expected = preferred[0] if preferred else pending[0] if pending else None
        return found, expected

    def finish(self, *, passed: bool, strict: bool) -> Finished:
        """At the end of the test: write what was recorded, or check every recorded request was replayed."""
        if self.mode == 'record':
            if not passed:
                return Finished(recorded=False, detail='the test failed')
            return self._write('')
        if self.mode == 'missing':
            return self._finish_missing(passed=passed)
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

    def _finish_missing(self, *, passed: bool) -> Finished:
        """Recording what is missing: write the cassette a full recording would give, if it changed.

        It holds every request the test made, replayed or recorded now; recorded requests the test no longer
        made are dropped. A file whose requests were all replayed is left as it was.
        """
        if not passed:
            return Finished(recorded=False, detail='the test failed') if self.tape.fresh else Finished()
        if self.failures:
            return Finished(problems=self.failures[:1])
        entries = self._entries or []
        dropped = sum(1 for e in entries if not e.used)
        if not self.tape.fresh and not dropped:
            return Finished()
        if not self._existed:
            return self._write('')
        fresh, replayed_count = self.tape.fresh, len(entries) - dropped
        detail = [f'{fresh} new request{"s" if fresh != 1 else ""}']
        if replayed_count:
            detail.append(f'{replayed_count} replayed')
        if dropped:
            detail.append(f'{dropped} no longer made and dropped')
        return self._write(', '.join(detail))

    def _write(self, detail: str) -> Finished:
        runs = self.tape.cassette_runs()
        if not runs:
            return Finished()  # a passing test that made no request records nothing
        try:
            write_atomically(self.path, dump_cassette(runs).encode())
        except OSError as error:
            reason = write_error_reason(error)
            return Finished(
                recorded=False,
                detail=f'not written: {reason}',
                problems=[unwritten_message(nodeid=self.nodeid, path=self.display_path, reason=reason)],
            )
        return Finished(recorded=True, detail=detail)
