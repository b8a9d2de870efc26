"""Intercepting pydantic-ai while a pytest session runs, so that the guard (`_guard`) decides every request.

Three things are patched, each the moment its pydantic-ai module is imported (an import hook, so pytest
start-up never imports pydantic-ai itself), or at once if it already is:

- `pydantic_ai.models.infer_model`: a model string (`Agent('openai:gpt-5.2')`) resolves to a `StandInModel`.
  Agents are often built when the code under test is imported, with a model string whose provider SDK and
  API key a test run does not have; the stand-in builds the real model only if the guard lets it answer.
- the `request` and `request_stream` of every model class that sends real requests (those whose module uses
  pydantic-ai's `check_allow_model_requests`, including subclasses defined later): a model object
  (`OpenAIChatModel('gpt-5', provider=...)`) asks the guard too, known by its `system:model_name`.
- `Agent.iter`, through which every run goes: while an agent runs, `current_agent()` is that agent, so a
  script can answer one agent among several that share a model, and `current_run()` that run, so a cassette
  keeps concurrent runs apart.

This module only knows how to patch pydantic-ai and how to undo it: `install()` and `uninstall()` nest (a
pytester session inside a test installs again), and the last `uninstall()` restores exactly what was patched.
Code that kept a reference to a patched function afterwards gets pydantic-ai's own behaviour.
"""

from __future__ import annotations

import functools
import importlib.abc
import importlib.machinery
import itertools
import sys
from collections.abc import AsyncGenerator, Callable, Generator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from contextvars import ContextVar
from types import ModuleType, TracebackType
from typing import Any

__all__ = (
    'allow_real_models',
    'asked_name',
    'asking',
    'current_agent',
    'current_run',
    'install',
    'installed',
    'model_id',
    'next_order',
    'sends_real_requests',
    'uninstall',
)

_MODELS = 'pydantic_ai.models'
_AGENT = 'pydantic_ai.agent'
_FLAG = 'ALLOW_MODEL_REQUESTS'
_MARK = '__agentrun_patched__'

_depth = 0
_allowed = False
_finder: _PatchOnImport | None = None
_patched_modules: list[tuple[ModuleType, Any, Any]] = []
"""Each `models` module patched, with the `infer_model` and the flag it had."""
_patched_attributes: list[tuple[type, str, Any]] = []
"""Each class attribute replaced (methods, `__init_subclass__`), with what the class itself had (or `_ABSENT`)."""
_ABSENT: Any = object()

Redirect = Callable[[Any], Any]
"""Given a model object about to send a real request, the model answering instead, or None to let it send."""
_redirect: Redirect | None = None


def installed() -> bool:
    """Whether model strings resolve to stand-ins now."""
    return _depth > 0


def model_id(model: Any) -> str:
    """How a model object is known to scripts and cassettes: `'openai:gpt-5'` (its system and model name)."""
    return f'{model.system}:{model.model_name}'


# --- the model asked, and the agent running now -------------------------------------------------------

_asked: ContextVar[str | None] = ContextVar('agentrun_asked', default=None)


def asked_name() -> str | None:
    """The name of the model the current request was made to (`'openai:gpt-5.2'`), while another answers it."""
    return _asked.get()


@contextmanager
def asking(name: str) -> Generator[None]:
    """While the block runs, the request being handed on was made to the model `name`."""
    token = _asked.set(name)
    try:
        yield
    finally:
        _asked.reset(token)


_runs: ContextVar[tuple[_Running, ...]] = ContextVar('agentrun_runs', default=())
_order = itertools.count()


def current_agent() -> Any:
    """The agent whose run makes the current request (the innermost running), or None."""
    runs = _runs.get()
    return runs[-1].agent if runs else None


def current_run() -> tuple[object, int] | None:
    """The agent run making the current request (the innermost), and when it started; None outside runs.

    The first is the run's identity; the second counts runs in the order they started, as `next_order()` does.
    """
    runs = _runs.get()
    return (runs[-1], runs[-1].order) if runs else None


def next_order() -> int:
    """A number larger than those of every run started so far, smaller than those of runs still to start."""
    return next(_order)


class _Running:
    """`agent.iter(...)`, with the agent known as running while the block runs."""

    def __init__(self, agent: Any, inner: Any) -> None:
        self.agent = agent
        self.order = -1
        """When the run started, counted by `next_order()`."""
        self._inner = inner
        self._outer: tuple[_Running, ...] = ()

    async def __aenter__(self) -> Any:
        self.order = next_order()
        self._outer = _runs.get()
        _runs.set((*self._outer, self))
        try:
            return await self._inner.__aenter__()
        except BaseException:
            _runs.set(self._outer)
            raise

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> bool | None:
        try:
            return await self._inner.__aexit__(kind, error, traceback)
        finally:
            _runs.set(self._outer)


def _patch_agent(module: ModuleType) -> None:
    agent_class: type | None = getattr(module, 'Agent', None)
    original = agent_class.__dict__.get('iter') if agent_class is not None else None
    if agent_class is None or original is None or getattr(original, _MARK, False):
        return

    @functools.wraps(original)
    def iter(self: Any, *args: Any, **kwargs: Any) -> Any:
        return _Running(self, original(self, *args, **kwargs))

    _replace(agent_class, 'iter', iter)


# --- model objects that send real requests -------------------------------------------------------------


def sends_real_requests(cls: type) -> bool:
    """Whether a model class sends real requests: its `request` comes from a module using pydantic-ai's guard."""
    for klass in cls.__mro__:
        if 'request' in klass.__dict__:
            module = sys.modules.get(klass.__module__)
            return klass.__module__ != _MODELS and module is not None and 'check_allow_model_requests' in vars(module)
    return False


def _guard_model_class(cls: type) -> None:
    """Let the guard redirect the requests of a model class that sends real requests."""
    if not sends_real_requests(cls):
        return
    request = cls.__dict__.get('request')
    if request is not None and not getattr(request, _MARK, False):

        @functools.wraps(request)
        async def guarded_request(self: Any, *args: Any, **kwargs: Any) -> Any:
            target = _redirect(self) if _redirect is not None else None
            if target is None:
                return await request(self, *args, **kwargs)
            with asking(model_id(self)):
                return await target.request(*args, **kwargs)

        _replace(cls, 'request', guarded_request)
    stream = cls.__dict__.get('request_stream')
    if stream is not None and not getattr(stream, _MARK, False):

        @functools.wraps(stream)
        @asynccontextmanager
        async def guarded_stream(self: Any, *args: Any, **kwargs: Any) -> AsyncGenerator[Any]:
            target = _redirect(self) if _redirect is not None else None
            if target is None:
                async with stream(self, *args, **kwargs) as streamed:
                    yield streamed
                return
            async with AsyncExitStack() as stack:
                with asking(model_id(self)):  # while the answering model opens its stream, and chooses its answer
                    streamed = await stack.enter_async_context(target.request_stream(*args, **kwargs))
                yield streamed

        _replace(cls, 'request_stream', guarded_stream)


def _patch_model_classes(module: ModuleType) -> None:
    """Guard the model classes defined so far, and every one defined from now on."""
    base: Any = getattr(module, 'Model')  # noqa: B009 - a module attribute pyright cannot see
    original = base.__dict__.get('__init_subclass__')
    if original is not None and getattr(getattr(original, '__func__', None), _MARK, False):
        return

    def __init_subclass__(cls: type, **kwargs: Any) -> None:
        if original is not None:
            original.__get__(None, cls)(**kwargs)
        else:
            super(base, cls).__init_subclass__(**kwargs)
        if _depth:
            _guard_model_class(cls)

    setattr(__init_subclass__, _MARK, True)
    _replace(base, '__init_subclass__', classmethod(__init_subclass__))
    pending = list(base.__subclasses__())
    while pending:
        cls = pending.pop()
        _guard_model_class(cls)
        pending.extend(cls.__subclasses__())


def _replace(cls: type, name: str, value: Any) -> None:
    if not isinstance(value, classmethod):
        setattr(value, _MARK, True)
    _patched_attributes.append((cls, name, cls.__dict__.get(name, _ABSENT)))
    setattr(cls, name, value)


# --- model strings -------------------------------------------------------------------------------------


def _patch(module: ModuleType) -> None:
    """Replace `infer_model` in pydantic-ai's `models` module with one returning stand-ins for model strings.

    Nothing of ours is imported here: this runs while pydantic-ai is still importing, so the stand-in class is
    looked up only when a model string is resolved.
    """
    original = getattr(module, 'infer_model')  # noqa: B009 - a module attribute pyright cannot see
    if getattr(original, _MARK, False):
        return

    def infer_model(model: Any, *args: Any, **kwargs: Any) -> Any:
        if _depth and isinstance(model, str) and model != 'test':
            from ._standin import StandInModel

            def real() -> Any:
                return original(model, *args, **kwargs)

            return StandInModel(model, real)
        return original(model, *args, **kwargs)

    infer_model.__doc__ = original.__doc__
    infer_model.__wrapped__ = original  # type: ignore[attr-defined]
    setattr(infer_model, _MARK, True)
    _patched_modules.append((module, original, getattr(module, _FLAG, True)))
    setattr(module, 'infer_model', infer_model)  # noqa: B010 - a module attribute pyright cannot see
    setattr(module, _FLAG, _allowed)  # every supported release has it
    _patch_model_classes(module)


_PATCHES: dict[str, Callable[[ModuleType], None]] = {_MODELS: _patch, _AGENT: _patch_agent}


class _PatchingLoader(importlib.abc.Loader):
    def __init__(self, loader: importlib.abc.Loader) -> None:
        self._loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        if _depth:
            _PATCHES[module.__name__](module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Finds `pydantic_ai.models` like everyone else, and patches it once it has run."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in _PATCHES:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, 'find_spec'):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _PatchingLoader(spec.loader)
                return spec
        return None


def install(redirect: Redirect) -> None:
    """Intercept from now on: patch what pydantic-ai has imported, and the rest when it is imported.

    `redirect` is asked, for a model object about to send a real request, which model answers instead.
    """
    global _depth, _finder, _redirect
    _depth += 1
    if _depth > 1:
        return
    _redirect = redirect
    for name, patch in _PATCHES.items():
        module = sys.modules.get(name)
        if module is not None:
            patch(module)
    _finder = _PatchOnImport()
    sys.meta_path.insert(0, _finder)  # also for a later import of a fresh module (pytester drops modules)


def uninstall() -> None:
    """Undo one `install()`; the last one restores everything patched as it was."""
    global _depth, _finder, _allowed, _redirect
    _depth -= 1
    if _depth:
        return
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    _finder, _allowed, _redirect = None, False, None
    while _patched_modules:
        module, original, flag = _patched_modules.pop()
        setattr(module, 'infer_model', original)  # noqa: B010 - a module attribute pyright cannot see
        setattr(module, _FLAG, flag)
    while _patched_attributes:
        cls, name, original = _patched_attributes.pop()
        if original is _ABSENT:
            delattr(cls, name)
        else:
            setattr(cls, name, original)


def allow_real_models(allowed: bool) -> None:
    """Set pydantic-ai's own guard for real models (`ALLOW_MODEL_REQUESTS`) in every patched module."""
    global _allowed
    _allowed = allowed
    for module, _, _ in _patched_modules:
        setattr(module, _FLAG, allowed)
