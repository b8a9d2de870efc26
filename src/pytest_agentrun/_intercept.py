"""Intercepting model names: `Agent('openai:gpt-5.2')` gets a stand-in that the guard decides about at each request.

Agents are often built when the code under test is imported, long before a test runs, and with a model
string whose provider SDK and API key a test run does not have. While a pytest session runs, the plugin
therefore replaces `pydantic_ai.models.infer_model` the moment pydantic-ai's `models` module is imported (an
import hook, so pytest start-up never imports pydantic-ai itself), or at once if it already is. A model string
then resolves to a `StandInModel`, which asks the guard (`_guard`) at each request which model answers.

This module only knows how to patch pydantic-ai and how to undo it: `install()` and `uninstall()` nest (a
pytester session inside a test installs again), and the last `uninstall()` restores exactly what each patched
module had. Code that kept a reference to the patched `infer_model` afterwards gets pydantic-ai's behaviour.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

__all__ = ('allow_real_models', 'install', 'installed', 'uninstall')

_TARGET = 'pydantic_ai.models'
_FLAG = 'ALLOW_MODEL_REQUESTS'

_depth = 0
_allowed = False
_finder: _PatchOnImport | None = None
_patched: list[tuple[ModuleType, Any, Any]] = []
"""Each module patched, with the `infer_model` and the flag it had."""


def installed() -> bool:
    """Whether model strings resolve to stand-ins now."""
    return _depth > 0


def _patch(module: ModuleType) -> None:
    """Replace `infer_model` in pydantic-ai's `models` module with one returning stand-ins for model strings.

    Nothing of ours is imported here: this runs while pydantic-ai is still importing, so the stand-in class is
    looked up only when a model string is resolved.
    """
    original = getattr(module, 'infer_model')  # noqa: B009 - a module attribute pyright cannot see
    if getattr(original, '__agentrun_patched__', False):
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
    infer_model.__agentrun_patched__ = True  # type: ignore[attr-defined]
    _patched.append((module, original, getattr(module, _FLAG, True)))
    setattr(module, 'infer_model', infer_model)  # noqa: B010 - a module attribute pyright cannot see
    setattr(module, _FLAG, _allowed)  # every supported release has it


class _PatchingLoader(importlib.abc.Loader):
    def __init__(self, loader: importlib.abc.Loader) -> None:
        self._loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        if _depth:
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
    """Make model strings resolve to stand-ins from now on: patch now if pydantic-ai is imported, else on import."""
    global _depth, _finder
    _depth += 1
    if _depth > 1:
        return
    module = sys.modules.get(_TARGET)
    if module is not None:
        _patch(module)
    _finder = _PatchOnImport()
    sys.meta_path.insert(0, _finder)  # also for a later import of a fresh module (pytester drops modules)


def uninstall() -> None:
    """Undo one `install()`; the last one restores every patched module as it was."""
    global _depth, _finder, _allowed
    _depth -= 1
    if _depth:
        return
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    _finder = None
    _allowed = False
    while _patched:
        module, original, flag = _patched.pop()
        setattr(module, 'infer_model', original)  # noqa: B010 - a module attribute pyright cannot see
        setattr(module, _FLAG, flag)


def allow_real_models(allowed: bool) -> None:
    """Set pydantic-ai's own guard for real models (`ALLOW_MODEL_REQUESTS`) in every patched module."""
    global _allowed
    _allowed = allowed
    for module, _, _ in _patched:
        setattr(module, _FLAG, allowed)
