"""Checks that need a fresh Python process, started as the session begins so that they run beside the rest.

Some checks are about what a new process has imported (the guard in place before any conftest, pydantic-ai never
imported by a plain test, profiles built without a network call): they run Python or pytest in a child process,
which spends a second or two importing before it checks anything. Run one after the other, they would make up a
fifth of the suite's time, with one core of two idle. So a test marks its check with `@fresh_process(prepare)`:
`prepare(path, **params)` writes the files the check needs into an empty directory and returns the command to run
(a `Launch`); as soon as collection ends, tests/conftest.py runs the selected tests' commands one after the other
in a thread beside the session, and the test's `fresh_run` fixture waits for its own process and hands over what it
did. The check is the same as if the test had started the process itself, which it does under pytest-xdist (whose
workers each run only some tests): then the process runs when the test does.
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

TIMEOUT = 180


@dataclass
class Launch:
    """A command to run in a fresh process, in the directory `prepare` wrote."""

    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    """Set on top of the inherited environment (less its `PYTEST_*` variables); a variable set to '' is removed."""
    context: Any = None
    """Whatever the test needs besides the output (e.g. a local server, to count its requests)."""
    close: Callable[[], None] | None = None
    """Called once the process has ended (e.g. to stop a local server)."""


@dataclass
class Finished:
    """What the fresh process did."""

    path: Path
    returncode: int
    stdout: str
    stderr: str
    context: Any

    def result(self) -> pytest.RunResult:
        """The output of a pytest run, to check as pytester's (`assert_outcomes`, `stdout.fnmatch_lines`)."""
        return pytest.RunResult(self.returncode, self.stdout.splitlines(), self.stderr.splitlines(), 0.0)


def write_files(path: Path, files: dict[str, str]) -> None:
    """Write each file (name -> text) into `path`, dedented and stripped as pytester's `makepyfile` writes it."""
    for name, text in files.items():
        (path / name).write_text(textwrap.dedent(text).strip() + '\n')


def python(code: str) -> list[str]:
    """The command that runs `code` in a fresh interpreter."""
    return [sys.executable, '-c', code]


def pytest_command(*args: str) -> list[str]:
    """The command that runs pytest in a fresh interpreter."""
    return [sys.executable, '-m', 'pytest', *args]


class Job:
    """One test's fresh process: prepared, run and waited for once, by `run()`."""

    def __init__(self, item: pytest.Item, path: Path) -> None:
        self.item = item
        self.path = path
        self._finished: Finished | None = None
        self._error: BaseException | None = None
        self._process: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()

    def run(self) -> None:
        with self._lock:
            if self._finished is not None or self._error is not None:
                return
            try:
                self._finished = self._run()
            except BaseException as error:  # raised again in the test that waits
                self._error = error

    def finished(self) -> Finished:
        """What the process did; runs it now if no one has."""
        self.run()
        if self._error is not None:
            raise self._error
        assert self._finished is not None
        return self._finished

    def kill(self) -> None:
        process = self._process
        if process is not None and process.poll() is None:
            process.kill()

    def _run(self) -> Finished:
        launch = launch_for(self.item, self.path)
        try:
            inherited = {k: v for k, v in os.environ.items() if not k.startswith('PYTEST_')}
            env = {**inherited, 'PYTHONDONTWRITEBYTECODE': '1', **launch.env}
            env = {k: v for k, v in env.items() if launch.env.get(k) != ''}
            self._process = subprocess.Popen(
                launch.argv,
                cwd=self.path,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                preexec_fn=_lower_priority if hasattr(os, 'nice') else None,
            )
            try:
                stdout, stderr = self._process.communicate(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                self._process.kill()
                stdout, stderr = self._process.communicate()
                stderr += f'\n(killed after {TIMEOUT} s)'
            return Finished(self.path, self._process.returncode, stdout, stderr, launch.context)
        finally:
            if launch.close is not None:
                launch.close()


def _lower_priority() -> None:
    os.nice(10)  # where the session and a fresh process meet on one core, the session goes first


class Runner:
    """Runs the jobs one after the other, in the order of the tests, in a thread beside the session.

    One at a time: the session keeps a core of its own (two fresh processes at once would slow it more than they
    save).
    """

    def __init__(self, jobs: list[Job]) -> None:
        self.jobs = jobs
        self._stopped = False
        self._thread = threading.Thread(target=self._work, name='fresh-processes', daemon=True)
        self._thread.start()

    def _work(self) -> None:
        for job in self.jobs:
            if self._stopped:
                return
            job.run()

    def stop(self) -> None:
        """At the session's end: start no more, and end the one running (the session may have stopped early)."""
        self._stopped = True
        for job in self.jobs:
            job.kill()
        self._thread.join()


JOB_KEY = pytest.StashKey[Job]()


def fresh_process(prepare: Callable[..., Launch]) -> pytest.MarkDecorator:
    """Mark a test whose check runs in a fresh process that `prepare(path, **params)` sets up."""
    return pytest.mark.fresh_process.with_args(prepare)  # with_args: a lone callable would be decorated


def launch_for(item: pytest.Item, path: Path) -> Launch:
    """Call the `prepare` of `item`'s marker with the directory and the test's parameters it takes."""
    marker = item.get_closest_marker('fresh_process')
    assert marker is not None
    function: Callable[..., Launch] = marker.args[0]
    callspec = getattr(item, 'callspec', None)
    params = dict(callspec.params) if callspec is not None else {}
    wanted = inspect.signature(function).parameters
    return function(path, **{k: v for k, v in params.items() if k in wanted})
