"""The guard on real model requests: which model answers a request, decided in one place.

A request to a model the code under test built (the stand-in a model string resolves to, or a model object
that would send a real request, known by its `system:model_name`) is answered, in order:

1. by the script of the run asking (`agentrun.run(agent, script=...)` answers every request of that agent's
   run), else by the scripted model the running test (its `agentrun` fixture) or doc example gives for that
   model (and, when the test scripts one agent among several on one model, for the agent whose run asks);
2. by the test's cassette, which replays the answer, or records the real model's;
3. by the real model, when the test allows real requests;
4. by nobody: the request raises `RealRequestBlockedError`. If the code under test catches that error, the
   test is failed at teardown all the same, unless the test said the block is expected.

pydantic-ai calls models from its own stack, where no pytest config is in reach, so the guard of the running
session is found through a process-wide stack: one `Guard` per pytest session, pushed before any conftest is
imported and popped when the session ends, the innermost (a pytester run inside a test) on top. A session's
end restores what was there before it, so the outer session, or the program that called `pytest.main()`,
finds its own state again. Everything that changes the guard for a while does it in a `with` block.

This module imports no pydantic-ai.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Generator
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import pytest

from . import _intercept
from ._errors import RealRequestBlockedError, blocked_message, caught_blocked_message
from ._options import options_for
from ._reports import went_wrong

if TYPE_CHECKING:
    from pydantic_ai.models import Model

__all__ = (
    'GUARD_KEY',
    'CassetteHandler',
    'Guard',
    'GuardPlugin',
    'Resolver',
    'current',
    'is_unguarded',
    'scripting_run',
    'session',
    'unguarded',
)

Resolver = Callable[[str, Any], 'Model | None']
"""Given a model name such as `'openai:gpt-5.2'` and the agent asking (or None), the scripted model answering."""

CassetteHandler = Callable[[str, Callable[[], 'Model'], bool], 'Model']
"""Given a model name, a builder of the real model and whether the messages are prepared for it already (a model
object's own request), the model answering from (or recording into) a cassette."""


class Guard:
    """One pytest session's guard: what the running test allows, scripts and replays."""

    def __init__(self) -> None:
        self.test: str | None = None
        """The running test's node id, for messages."""
        self._real_requests = False
        self._recording = False
        self._resolvers: list[Resolver] = []
        self._test_resolvers: list[Resolver] = []
        self._cassette: CassetteHandler | None = None
        self._blocked: list[RealRequestBlockedError] = []
        self._seen: set[int] = set()
        self._expecting = 0

    @property
    def real_requests(self) -> bool:
        """Whether a model with no script and no cassette may call the real model."""
        return self._real_requests

    @property
    def allows_real_models(self) -> bool:
        """Whether pydantic-ai's own guard lets real models send requests now (real requests, or recording)."""
        return self._real_requests or self._recording

    # --- the decision --------------------------------------------------------------------------------

    def answering(self, name: str, real: Callable[[], Model], *, prepared: bool = False) -> Model:
        """The model answering a request to the model `name` now; `real` builds the real one.

        `prepared`: the request's messages were prepared for the real model already (its own `request` asks).

        Raises:
            RealRequestBlockedError: nothing scripts or replays the model, and real requests are blocked.

        """
        __tracebackhide__ = True
        agent = _intercept.current_agent()
        for run_agent, scripted in reversed(_run_scripts.get()):
            if run_agent is agent:
                return scripted
        for resolver in reversed(self._resolvers):  # the innermost first
            scripted = resolver(name, agent)
            if scripted is not None:
                return scripted
        if self._cassette is not None:
            return self._cassette(name, real, prepared)
        if self._real_requests:
            return real()
        error = RealRequestBlockedError(blocked_message(name, self.test, getattr(agent, 'name', None)))
        if self._expecting:
            self._seen.add(id(error))
        self._blocked.append(error)
        raise error

    def can_answer(self, name: str) -> bool:
        """Whether a request to the model `name` would be answered now, rather than blocked."""
        return (
            self._real_requests
            or self._cassette is not None
            or any(agent is _intercept.current_agent() for agent, _ in _run_scripts.get())
            or any(resolver(name, _intercept.current_agent()) is not None for resolver in self._resolvers)
        )

    # --- changing it for a while ---------------------------------------------------------------------

    @contextmanager
    def running(self, test: str, *, real_requests: bool) -> Generator[None]:
        """While a test runs: its name in messages, and whether it allows real requests."""
        self.test, self._real_requests = test, real_requests
        _apply(self)
        try:
            yield
        finally:
            self.test, self._real_requests, self._recording, self._cassette = None, False, False, None
            for resolver in self._test_resolvers:
                self._resolvers.remove(resolver)
            self._test_resolvers.clear()
            self._blocked.clear()
            self._seen.clear()
            _apply(self)

    @contextmanager
    def scripting(self, resolver: Resolver) -> Generator[None]:
        """While the block runs, `resolver` scripts the models it knows (inside those already scripting)."""
        self._resolvers.append(resolver)
        try:
            yield
        finally:
            self._resolvers.remove(resolver)

    def scripting_for_the_test(self, resolver: Resolver) -> None:
        """From now until the running test ends, `resolver` scripts the models it knows (a hand-made factory)."""
        if self.test is not None and resolver not in self._resolvers:
            self._resolvers.append(resolver)
            self._test_resolvers.append(resolver)

    @contextmanager
    def replaying(self, cassette: CassetteHandler, *, recording: bool) -> Generator[None]:
        """While the block runs, models with no script answer from `cassette` (which, recording, calls them)."""
        self._cassette, self._recording = cassette, recording
        _apply(self)
        try:
            yield
        finally:
            self._cassette, self._recording = None, False
            _apply(self)

    @contextmanager
    def expecting_blocked(self) -> Generator[None]:
        """Requests blocked while the block runs are expected by the test: never reported at teardown."""
        self._expecting += 1
        try:
            yield
        finally:
            self._expecting -= 1

    # --- what the test did with blocked requests -----------------------------------------------------

    def saw(self, error: BaseException) -> None:
        """The test received `error` (through an `agentrun` call): it is the test's to handle."""
        self._seen.add(id(error))

    def caught_blocked(self) -> list[RealRequestBlockedError]:
        """The blocked requests whose error the test never saw: the code under test caught it."""
        return [error for error in self._blocked if id(error) not in self._seen]

    def report_caught_blocked(self, item: pytest.Item) -> list[str]:
        """The failures to report for blocked requests the code under test caught, each reported once.

        A blocked error the test function caught itself (e.g. in `pytest.raises`) was expected by the test.
        """
        caught = [error for error in self.caught_blocked() if not _caught_by_the_test(item, error)]
        self._seen.update(id(error) for error in caught)
        return [caught_blocked_message(error) for error in caught]


_stack: list[Guard] = []

_run_scripts: ContextVar[tuple[tuple[Any, Model], ...]] = ContextVar('agentrun_run_scripts', default=())
"""The scripts of the runs going on in this context, (agent, scripted model), innermost last."""


@contextmanager
def scripting_run(agent: Any, scripted: Model) -> Generator[None]:
    """While the block runs, `scripted` answers every request of `agent`'s runs in this context."""
    token = _run_scripts.set((*_run_scripts.get(), (agent, scripted)))
    try:
        yield
    finally:
        _run_scripts.reset(token)


def current() -> Guard | None:
    """The guard of the innermost running pytest session, or None outside pytest."""
    return _stack[-1] if _stack else None


def _apply(guard: Guard) -> None:
    """Set pydantic-ai's own flag for real models to what `guard` allows, if it is the session's running now."""
    if current() is guard:
        _intercept.allow_real_models(guard.allows_real_models)


@contextmanager
def session() -> Generator[Guard]:
    """A pytest session's guard: interception in place while it runs; what was there before is restored after."""
    guard = Guard()
    outer = current()
    _intercept.install(_redirect)
    _stack.append(guard)
    _apply(guard)
    try:
        yield guard
    finally:
        _stack.remove(guard)
        if outer is not None:
            _apply(outer)
        _intercept.uninstall()


def _redirect(model: Model) -> Model | None:
    """The model answering instead of a model object about to send a real request; None to let it send."""
    __tracebackhide__ = True
    guard = current()
    if guard is None or is_unguarded():
        return None
    answering = guard.answering(_intercept.model_id(model), lambda: model, prepared=True)
    return None if answering is model else answering


_unguarded: ContextVar[bool] = ContextVar('agentrun_unguarded', default=False)


@contextmanager
def unguarded() -> Generator[None]:
    """Calls made in the block go to the model as they are: the guard decided already (e.g. to record it)."""
    token = _unguarded.set(True)
    try:
        yield
    finally:
        _unguarded.reset(token)


def is_unguarded() -> bool:
    """Whether the current call runs inside `unguarded()`."""
    return _unguarded.get()


# --- the pytest side -------------------------------------------------------------------------------------

GUARD_KEY = pytest.StashKey[Guard]()
"""Where a session's config keeps its guard."""

_test_key = pytest.StashKey[ExitStack]()


class GuardPlugin:
    """The guard's hooks: each test runs with its own options, and is failed for blocked requests it hid."""

    def __init__(self, guard: Guard) -> None:
        self.guard = guard

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """Block or allow real requests for the test about to run (a bad marker fails its setup)."""
        options = options_for(item)
        stack = item.stash[_test_key] = ExitStack()
        stack.enter_context(self.guard.running(item.nodeid, real_requests=options.real_requests))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
        """Once the fixtures are torn down: fail the test if the code under test caught a blocked request."""
        yield
        if not went_wrong(item):
            problems = self.guard.report_caught_blocked(item)
            if problems:
                pytest.fail('\n\n'.join(problems), pytrace=False)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(
        self, item: pytest.Item, nextitem: pytest.Item | None
    ) -> Generator[None, object, object]:
        """Block real requests again once each test is over."""
        try:
            return (yield)
        finally:
            stack = item.stash.get(_test_key, None)
            if stack is not None:
                stack.close()


def _caught_by_the_test(item: pytest.Item, error: BaseException) -> bool:
    """Whether the test function itself caught `error` (e.g. in `pytest.raises`): then it expected the block."""
    function = getattr(item, 'obj', None)
    code = getattr(inspect.unwrap(getattr(function, '__func__', function)), '__code__', None)  # pyright: ignore[reportArgumentType]
    traceback = error.__traceback__
    return code is not None and traceback is not None and traceback.tb_frame.f_code is code
