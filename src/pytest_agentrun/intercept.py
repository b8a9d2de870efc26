"""Intercepting model names: `Agent('openai:gpt-5.2')` gets a stand-in the running test decides about.

Agents are often built when the code under test is imported, long before a test runs, and with a model
string whose provider SDK and API key a test run does not have. The plugin therefore patches
`pydantic_ai.models.infer_model` the moment pydantic-ai's `models` module is imported (an import hook, so
pytest start-up never imports pydantic-ai itself). A model string then resolves to a `StandInModel`
that, at each request, asks the active resolver (the test's `agentrun` fixture, or a doc example) for a
scripted model; with none, the request is blocked unless real requests are allowed.

The state lives at module level because pydantic-ai calls into it from its own stack, where no pytest
config is in reach; the plugin sets it per test.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic_ai.models import Model

__all__ = ('CassetteHandler', 'Resolver', 'install', 'state')

_TARGET = 'pydantic_ai.models'

Resolver = Callable[[str], 'Model | None']
"""Given a model name such as `'openai:gpt-5.2'`, the scripted model that answers for it, or `None`."""

CassetteHandler = Callable[[str, Callable[[], 'Model']], 'Model']
"""Given a model name and a builder of the real model, the model answering from (or recording into) a cassette."""


@dataclass
class _State:
    """What the stand-ins consult at request time."""

    resolvers: list[Resolver] = field(default_factory=list['Resolver'])
    """Active resolvers, innermost last."""
    real_requests: bool = False
    """Whether a stand-in with no scripted model may call the real model."""
    cassette: CassetteHandler | None = None
    """The running test's cassette, consulted when no resolver answers; it replays, or records the real model."""
    test_name: str | None = None
    """The running test, for messages."""
    installed: bool = False

    def resolve(self, name: str) -> Model | None:
        """Ask the resolvers, innermost first, for the model answering for `name`."""
        for resolver in reversed(self.resolvers):
            model = resolver(name)
            if model is not None:
                return model
        return None


state = _State()
"""The process-wide interception state."""


def _patch(module: ModuleType) -> None:
    """Replace `infer_model` in pydantic-ai's `models` module with one returning stand-ins for strings.

    Nothing is imported here: this runs while pydantic-ai is still importing, possibly under an import of
    our own `standin` module, so the stand-in class is looked up only when a model string is resolved.
    """
    original = getattr(module, 'infer_model')  # noqa: B009 - a module attribute pyright cannot see
    if getattr(original, '__agentrun_patched__', False):
        return

    def infer_model(model: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(model, str) and model != 'test':
            from .standin import StandInModel

            def real() -> Any:
                return original(model, *args, **kwargs)

            return StandInModel(model, real)
        return original(model, *args, **kwargs)

    infer_model.__doc__ = original.__doc__
    infer_model.__wrapped__ = original  # type: ignore[attr-defined]
    infer_model.__agentrun_patched__ = True  # type: ignore[attr-defined]
    setattr(module, 'infer_model', infer_model)  # noqa: B010 - a module attribute pyright cannot see
    setattr(module, 'ALLOW_MODEL_REQUESTS', state.real_requests)  # noqa: B010 - every supported release has it


class _PatchingLoader(importlib.abc.Loader):
    def __init__(self, loader: importlib.abc.Loader) -> None:
        self._loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        _patch(module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Finds `pydantic_ai.models` like everyone else, and patches it once it has run."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != _TARGET:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, 'find_spec'):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _PatchingLoader(spec.loader)
                return spec
        return None


def install() -> None:
    """Make model strings resolve to stand-ins from now on, patching now if pydantic-ai is already imported."""
    if state.installed:
        return
    state.installed = True
    module = sys.modules.get(_TARGET)
    if module is not None:
        _patch(module)
    else:
        sys.meta_path.insert(0, _PatchOnImport())


def set_real_requests(allowed: bool) -> None:
    """Allow or block real model requests, for stand-ins and for pydantic-ai's own guard on real models."""
    state.real_requests = allowed
    module = sys.modules.get(_TARGET)
    if module is not None:
        setattr(module, 'ALLOW_MODEL_REQUESTS', allowed)  # noqa: B010 - a module attribute pyright cannot see
