"""The profile of the real model behind a model string, as pydantic-ai computes it, without the SDK or an API key.

A stand-in for `'openai:gpt-5.2'` must behave as the model pydantic-ai builds for that string: the same
`ModelProfile` (output modes, JSON schema transformer, image output, native tools). That profile comes from the
provider, the model class and the release (`Model.profile` layers them differently from release to release), so
it is not computed here: `real_profile(name)` calls pydantic-ai's own `infer_model(name)` (the original, not the
one `_intercept` puts in its place) and reads the built model's `.profile`. No request is ever made with that
model; it is dropped at once, and only the profile is kept, once per model string for the whole process.

`infer_model` needs the provider's API key and SDK, which a test run often lacks. While it runs:

- **Stand-in credentials.** `os.environ` is a view of the environment that reads a dummy value for an unset
  variable that looks like a credential (`*_API_KEY`, `*_TOKEN`, `*_SECRET`, ...), a region or an endpoint the
  providers insist on. Set variables read as they are; writes go to the real environment.
- **Stub SDKs, only for what is missing.** When a `pydantic_ai.providers.*` or `pydantic_ai.models.*` module
  imports a module that is not installed, it gets a stub: any attribute is a stub class, which takes any
  arguments. pydantic-ai's provider and model modules then import and build the model as usual. An installed
  SDK is imported and used as production would (the first build then takes as long as that import).

Side effects, and how they are contained:

- For the duration of one build, and process-wide: `os.environ` is the view above, a finder of stubs is first on
  `sys.meta_path`, and warnings are ignored. A build takes 20-80 ms, or as long as the first import of an
  installed SDK (0.5-2 s); builds hold one lock, and each undoes all three in a `finally`. Another thread that
  reads an unset credential meanwhile reads the dummy, and one that imports a missing module from a pydantic-ai
  provider or model module gets the stub (which is removed again). The build runs in the thread that first reads
  the profile, in the event loop's thread if that is where pydantic-ai reads it.
- After a build, every module it imported that holds a stub (a stub module, or a module holding a stub, or a
  class or function of such a module) is removed from `sys.modules` and from its parent package: `import groq`
  and `import pydantic_ai.models.groq` fail afterwards as they did before. Modules that imported cleanly (more of
  pydantic-ai, an installed SDK) stay imported.
- Warnings raised while building (deprecated provider prefixes, ...) are dropped: the code under test did not
  build this model. pydantic-ai may create its shared HTTP client, as it does for a real model; no connection is
  opened.
- A kept profile holds classes (its JSON schema transformer) of the modules imported when it was computed; a
  module dropped from `sys.modules` since (an in-process pytester run drops what it imported) and imported again
  has new classes, which work the same but are not the same objects.
- A string pydantic-ai cannot build a model for (an unknown provider, a gateway route without its key, an SDK
  pydantic-ai cannot import) has no real profile (`None`): stand-ins keep the permissive default.

This module imports pydantic-ai only when a profile is computed.
"""

from __future__ import annotations

import abc
import importlib.abc
import importlib.machinery
import inspect
import os
import re
import sys
import threading
import types
import warnings
from collections.abc import Callable, Generator, Iterator, MutableMapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic_ai.models import Model
    from pydantic_ai.profiles import ModelProfile

__all__ = ('DUMMY_CREDENTIAL', 'real_profile')

_lock = threading.RLock()
_cache: dict[str, ModelProfile | None] = {}


def real_profile(name: str) -> ModelProfile | None:
    """The profile of the model pydantic-ai's `infer_model(name)` builds; `None` if it cannot build one here.

    Computed on the first call for each model string, then kept for the process.
    """
    try:
        return _cache[name]
    except KeyError:
        pass
    with _lock:
        if name not in _cache:
            _cache[name] = _build_profile(name)
        return _cache[name]


def _build_profile(name: str) -> ModelProfile | None:
    infer_model = _pydantic_ais_infer_model()  # pydantic-ai itself is imported before anything is stubbed
    with warnings.catch_warnings(), _stand_in_credentials(), _stubbing_missing_modules():
        warnings.simplefilter('ignore')
        try:
            model = infer_model(name)
            if type(model).__module__.startswith('pytest_agentrun.'):  # ours, whose profile would ask for this one
                return None
            return model.profile
        except Exception:  # an unknown provider, or one pydantic-ai cannot build here: no real profile
            return None


def _pydantic_ais_infer_model() -> Callable[[str], Model]:
    from pydantic_ai import models

    infer_model = models.infer_model
    if getattr(infer_model, '__agentrun_patched__', False):  # `_intercept` wraps it while a pytest session runs
        infer_model = infer_model.__wrapped__  # pyright: ignore[reportFunctionMemberAccess]
    return infer_model


# --- stand-in credentials -------------------------------------------------------------------------------------------

DUMMY_CREDENTIAL = 'agentrun-stand-in'
"""What an unset credential reads while a profile is computed."""

_CREDENTIAL = re.compile(r'_(API_?KEY|KEY|KEY_ID|TOKEN|SECRET|SECRET_KEY|PASSWORD)$')
_DUMMIES = {
    'AWS_DEFAULT_REGION': 'us-east-1',
    'AWS_REGION': 'us-east-1',
    'AZURE_OPENAI_ENDPOINT': 'https://agentrun-stand-in.openai.azure.com',
    'OPENAI_API_VERSION': '2024-12-01-preview',
    'OLLAMA_BASE_URL': 'http://localhost:11434/v1',
}
_ONE_CREDENTIAL = (('GOOGLE_API_KEY', 'GEMINI_API_KEY'),)
"""Names of one credential: a dummy for the first only, and only if none is set (the google SDK logs a warning when
it finds both)."""


class _CredentialView(MutableMapping[str, str]):
    """The environment, with a dummy value for each unset variable that names a credential, region or endpoint."""

    def __init__(self, real: MutableMapping[str, str]) -> None:
        self._real = real

    def __getitem__(self, key: str) -> str:
        try:
            return self._real[key]
        except KeyError:
            dummy = self._dummy(key)
            if dummy is None:
                raise
            return dummy

    def _dummy(self, key: str) -> str | None:
        if key in _DUMMIES:
            return _DUMMIES[key]
        for names in _ONE_CREDENTIAL:
            if key in names:
                return DUMMY_CREDENTIAL if key == names[0] and not any(n in self._real for n in names) else None
        return DUMMY_CREDENTIAL if isinstance(key, str) and _CREDENTIAL.search(key) else None  # pyright: ignore[reportUnnecessaryIsInstance]

    def __setitem__(self, key: str, value: str) -> None:
        self._real[key] = value

    def __delitem__(self, key: str) -> None:
        del self._real[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._real)

    def __len__(self) -> int:
        return len(self._real)

    def copy(self) -> dict[str, str]:
        """The real environment, as `os.environ.copy()` gives it (for a subprocess, say): no dummies."""
        return dict(self._real)


@contextmanager
def _stand_in_credentials() -> Generator[None]:
    real = os.environ
    # replaced, not changed: `os.getenv` reads `os.environ` too, and the real environment is never written to
    os.environ = _CredentialView(real)  # type: ignore[assignment]  # noqa: B003
    try:
        yield
    finally:
        os.environ = real  # noqa: B003


# --- stub SDKs ------------------------------------------------------------------------------------------------------

_STUB = '__agentrun_stub__'


class _StubMeta(abc.ABCMeta):  # an ABCMeta, so that a class can have a stub and an ABC among its bases
    """The metaclass of stub classes: any attribute is another stub class, and `Stub[...]` is the stub itself."""

    def __getattr__(cls, name: str) -> Any:
        if name.startswith('__') and name.endswith('__'):
            raise AttributeError(name)
        value = _stub_class(f'{cls.__qualname__}.{name}', cls.__module__)
        setattr(cls, name, value)
        return value

    def __getitem__(cls, item: object) -> Any:
        return cls

    def __get_pydantic_core_schema__(cls, source: object, handler: object) -> Any:
        from pydantic_core import core_schema

        return core_schema.any_schema()  # a settings TypedDict of pydantic-ai may name a stub type


class _StubValue(str):
    """An attribute of a stub object: an empty string whose attributes, items and calls give more of them.

    It carries the keyword arguments its stub object was built with, and reads an attribute of that name as the
    argument (`Client(vertexai=True)._api_client.vertexai` is `True`, as some providers expect of the real SDK).
    """

    __agentrun_stub__ = True

    def __new__(cls, context: dict[str, Any] | None = None) -> _StubValue:
        value = super().__new__(cls, '')
        value.__dict__['_agentrun_context'] = context or {}
        return value

    def __getattr__(self, name: str) -> Any:
        if name.startswith('__') and name.endswith('__'):
            raise AttributeError(name)
        context: dict[str, Any] = self.__dict__.get('_agentrun_context', {})
        return context[name] if name in context else _StubValue(context)

    def __getitem__(self, item: object) -> Any:  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        return _StubValue()

    def __call__(self, *args: object, **kwargs: object) -> Any:
        return _StubValue()

    def __iter__(self) -> Iterator[Any]:  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        return iter(())


class _StubBase(metaclass=_StubMeta):
    """The base of stub classes: an instance takes any arguments and keeps the keyword ones as attributes.

    Other attributes, items and calls give a `_StubValue`.
    """

    __agentrun_stub__ = True

    def __init_subclass__(cls, **kwargs: object) -> None:  # e.g. `total=False` on a TypedDict built on a stub one
        super().__init_subclass__()

    def __init__(self, *args: object, **kwargs: object) -> None:
        context = {k: v for k, v in kwargs.items() if v is not None}
        attributes = vars(self)
        attributes['_agentrun_context'] = context
        attributes.update(context)

    def __getattr__(self, name: str) -> Any:
        if name.startswith('__') and name.endswith('__'):
            raise AttributeError(name)
        return _StubValue(vars(self).get('_agentrun_context'))

    def __getitem__(self, item: object) -> Any:
        return _StubValue()

    def __call__(self, *args: object, **kwargs: object) -> Any:
        return _StubValue()

    def __iter__(self) -> Iterator[Any]:
        return iter(())

    def __class_getitem__(cls, item: object) -> Any:
        return cls


def _stub_class(qualname: str, module: str) -> type:
    return _StubMeta(qualname.rpartition('.')[2], (_StubBase,), {'__module__': module, '__qualname__': qualname})


class _StubModule(types.ModuleType):
    """A module that is not installed: any attribute is a stub class, any submodule another stub module."""

    __agentrun_stub__ = True

    def __getattr__(self, name: str) -> Any:
        if name.startswith('__') and name.endswith('__'):
            raise AttributeError(name)
        value = _stub_class(name, self.__name__)
        setattr(self, name, value)
        return value


class _StubLoader(importlib.abc.Loader):
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = _StubModule(spec.name)
        module.__path__ = []  # a package, so that its submodules import (as stubs too)
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        pass


_STUBBED_FOR = ('pydantic_ai.providers.', 'pydantic_ai.models.')
"""Only provider and model modules get stubs for what they import. Elsewhere pydantic-ai imports optional packages
(`logfire`, `mcp`, ...) in `try: ... except ImportError:`, which must keep failing."""


class _StubFinder(importlib.abc.MetaPathFinder):
    """Finds a stub for a module no other finder finds, when a provider or model module (or a stub) imports it."""

    def __init__(self) -> None:
        self.stubbed = False

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.startswith('pydantic_ai'):
            return None
        if not isinstance(sys.modules.get(fullname.rpartition('.')[0]), _StubModule):
            if not _importer().startswith(_STUBBED_FOR):
                return None
            for finder in sys.meta_path:
                if finder is not self and hasattr(finder, 'find_spec') and finder.find_spec(fullname, path, target):
                    return None  # installed: the real module is imported
        self.stubbed = True
        return importlib.machinery.ModuleSpec(fullname, _StubLoader(), is_package=True)


def _importer() -> str:
    """The name of the module whose code runs the import: the first frame outside importlib and this module."""
    frame = inspect.currentframe()
    while frame is not None:
        name: str = frame.f_globals.get('__name__', '')
        if not name.startswith(('importlib', '_frozen_importlib')) and name != __name__:
            return name
        frame = frame.f_back
    return ''


def _is_stub(value: object) -> bool:
    try:
        return getattr(value, _STUB, False) is True or isinstance(value, (_StubMeta, _StubModule))
    except Exception:  # an object whose attribute lookup raises something else than AttributeError
        return False


def _holding_stubs(new: list[str]) -> set[str]:
    """The modules among `new` that hold a stub: directly, or through a class, function or module of another."""
    tainted = {name for name in new if isinstance(sys.modules.get(name), _StubModule)}
    changed = True
    while changed:
        changed = False
        for name in new:
            module = sys.modules.get(name)
            if name in tainted or module is None:
                continue
            for value in list(vars(module).values()):
                if isinstance(value, types.ModuleType):
                    owner: object = value.__name__
                elif isinstance(value, (type, types.FunctionType)):
                    owner = value.__module__
                else:
                    owner = None
                if owner in tainted or _is_stub(value):
                    tainted.add(name)
                    changed = True
                    break
    return tainted | {name for name in new if any(name.startswith(f'{t}.') for t in tainted)}


@contextmanager
def _stubbing_missing_modules() -> Generator[None]:
    before = set(sys.modules)
    finder = _StubFinder()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        if finder.stubbed:
            _forget(_holding_stubs([name for name in list(sys.modules) if name not in before]))


def _forget(names: set[str]) -> None:
    """Remove these modules from `sys.modules` and from their parent packages, the innermost first."""
    for name in sorted(names, reverse=True):
        module = sys.modules.pop(name, None)
        parent_name, _, child = name.rpartition('.')
        parent = sys.modules.get(parent_name)
        if parent is not None and module is not None and getattr(parent, child, None) is module:
            delattr(parent, child)
