"""Keeping examples apart: each runs in a set directory, with a fresh event loop, a time limit, and no way out.

- `working_directory`: the example runs in a directory (the rootdir, `agentrun_docs_cwd`, or a fresh temporary
  one), and whatever it `chdir`s to is undone afterwards;
- `fresh_event_loop`: a new current event loop, as a fresh `python` process has for module-level code that
  calls `asyncio.get_event_loop()`; it, and any loop the example leaves current, is closed afterwards (tasks
  cancelled, async generators and the default executor shut down), so nothing warns later;
- `time_limit`: SIGALRM through `signal.setitimer` interrupts the example after the timeout, wherever the main
  thread is: a `while True:` loop, a `time.sleep`, an event loop waiting in `select`. The signal handler
  raises `ExampleTimeout`, a `BaseException`, so an example's `except Exception:` does not swallow it, and
  records the example's lines that were running (the calling stack's, else a waiting task's). Without
  `setitimer` (Windows) or off the main thread, the limit is not enforced;
- `no_process_exit`: `os._exit` raises `ExampleExit` instead of ending the test session without a word.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
import warnings
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

__all__ = (
    'ExampleExit',
    'ExampleTimeout',
    'close_left_loop',
    'current_loop',
    'fresh_event_loop',
    'no_process_exit',
    'time_limit',
    'working_directory',
)


@contextmanager
def working_directory(path: Path | None) -> Generator[None]:
    """Run the block in `path` (None: where the process is); the directory is restored afterwards in any case."""
    before = os.getcwd()
    try:
        if path is not None:
            os.chdir(path)
        yield
    finally:
        os.chdir(before)


# --- event loops -----------------------------------------------------------------------------------------------


def current_loop() -> asyncio.AbstractEventLoop | None:
    """The current event loop of this thread, or None (without the deprecation warning some releases give)."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        try:
            return asyncio.get_event_loop()
        except RuntimeError:
            return None


def _shut_down(loop: asyncio.AbstractEventLoop) -> None:
    """Close `loop` as `asyncio.run` closes its own: cancel what still runs, then release its resources."""
    if loop.is_closed() or loop.is_running():
        return
    try:
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        loop.close()


def close_left_loop() -> None:
    """Close the event loop left set as current (e.g. by `Agent.run_sync`), and unset it.

    Left open, its `ResourceWarning` is raised during some later, unrelated test (under
    `filterwarnings = error`, a failure there), and on CPython 3.11 a warning raised while the
    interpreter builds an AST can even break that build.
    """
    loop = current_loop()
    if loop is not None and not loop.is_running():
        _shut_down(loop)
        asyncio.set_event_loop(None)


@contextmanager
def fresh_event_loop() -> Generator[None]:
    """A new current event loop while the block runs; it and any loop left current are closed after it."""
    close_left_loop()  # one an earlier test left behind would be collected during the example
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        yield
    finally:
        try:
            close_left_loop()
        finally:
            _shut_down(loop)
            asyncio.set_event_loop(None)


# --- a time limit ----------------------------------------------------------------------------------------------


class ExampleTimeout(BaseException):
    """The example ran past its time limit. `where` holds the example's (file, line) pairs that were running."""

    def __init__(self, seconds: float, where: list[tuple[str, int]]) -> None:
        super().__init__(f'the example did not finish within {seconds:g} s')
        self.seconds = seconds
        self.where = where


def _lines_in(filename: str, frame: FrameType | None) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    while frame is not None:
        if frame.f_code.co_filename == filename:
            found.append((filename, frame.f_lineno))
        frame = frame.f_back
    return found


def _waiting_lines(filename: str) -> list[tuple[str, int]]:
    """The example's lines where the tasks of the running event loop wait, if one runs."""
    loop = asyncio._get_running_loop()  # pyright: ignore[reportPrivateUsage]
    if loop is None:
        return []
    found: list[tuple[str, int]] = []
    for task in asyncio.all_tasks(loop):
        awaiting: Any = task.get_coro()
        while awaiting is not None:  # down the chain of awaits: the task's own coroutine is the outermost
            frame = getattr(awaiting, 'cr_frame', None) or getattr(awaiting, 'gi_frame', None)
            if frame is not None and frame.f_code.co_filename == filename:
                found.append((filename, frame.f_lineno))
            awaiting = getattr(awaiting, 'cr_await', None) or getattr(awaiting, 'gi_yieldfrom', None)
    return found[::-1]


@contextmanager
def time_limit(seconds: float | None, filename: str) -> Generator[None]:
    """Raise `ExampleTimeout` in the main thread if the block runs longer than `seconds` (None: no limit).

    A timer already set (e.g. by pytest-timeout) is set again afterwards, less the time the block took.
    """
    if not seconds or not hasattr(signal, 'setitimer') or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum: int, frame: FrameType | None) -> NoReturn:
        where = _lines_in(filename, frame)  # innermost first
        raise ExampleTimeout(seconds, where or _waiting_lines(filename))

    previous_handler: Any = signal.signal(signal.SIGALRM, expired)
    previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    start = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay:
            remaining = max(previous_delay - (time.monotonic() - start), 0.001)
            signal.setitimer(signal.ITIMER_REAL, remaining, previous_interval)


# --- os._exit ----------------------------------------------------------------------------------------------------


class ExampleExit(BaseException):
    """The example called `os._exit(status)`."""

    def __init__(self, status: int) -> None:
        super().__init__(f'os._exit({status})')
        self.status = status


@contextmanager
def no_process_exit() -> Generator[None]:
    """While the block runs, `os._exit(n)` raises `ExampleExit(n)` instead of ending the process."""

    def intercepted(status: int) -> NoReturn:
        raise ExampleExit(status)

    real = os._exit
    os._exit = intercepted
    try:
        yield
    finally:
        os._exit = real
