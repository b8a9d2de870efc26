"""Running one doc example: its model strings answered by rules, its prints captured by statement.

The example runs as a fresh module (so pydantic models and dataclasses it defines resolve their
annotations), compiled with the doc's own file name and line numbers, so a traceback points at the doc.
`print` is replaced in the module's namespace only: prints from library code are not captured. When the
example defines the function to call (`main` by default) and does not call it itself, it is called, and
run with `asyncio.run` when it is async.
"""

from __future__ import annotations

import ast
import asyncio
import builtins
import inspect
import sys
import warnings
from collections.abc import Callable, Generator, Mapping, Sequence
from contextlib import contextmanager
from types import FrameType, ModuleType
from typing import TYPE_CHECKING, Any

from .blocks import CodeBlock
from .expected import PrintSite
from .layout import Printed

__all__ = ('DocModels', 'ExampleModule', 'calls_itself', 'doc_model_resolver', 'run_example')

if TYPE_CHECKING:
    from pytest_agentrun._model import ScriptedModel

ExampleModule = 'agentrun_doc_example'
"""The module name an example runs under."""


def calls_itself(tree: ast.Module, name: str) -> bool:
    """Whether the example calls `name()` at its top level (outside an `if __name__ == '__main__':`)."""

    def is_main_guard(stmt: ast.stmt) -> bool:
        return (
            isinstance(stmt, ast.If) and '__main__' in ast.unparse(stmt.test) and '__name__' in ast.unparse(stmt.test)
        )

    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) or is_main_guard(stmt):
            continue
        for node in ast.walk(stmt):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name:
                return True
    return False


def _module_name(title: str) -> str:
    return title.rsplit('/', 1)[-1].removesuffix('.py')


@contextmanager
def _required_modules(blocks: Sequence[CodeBlock]) -> Generator[None]:
    """Make the blocks an example `requires=` importable under their titles, for the example's run."""
    __tracebackhide__ = True
    saved: dict[str, ModuleType | None] = {}
    try:
        for block in blocks:
            name = _module_name(block.title or '')
            saved.setdefault(name, sys.modules.get(name))
            module = ModuleType(name)
            module.__file__ = str(block.path)
            sys.modules[name] = module
            code = compile('\n' * (block.first_line - 1) + block.source, str(block.path), 'exec')
            exec(code, module.__dict__)
        yield
    finally:
        for name, previous in saved.items():
            if previous is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = previous


def run_example(
    block: CodeBlock,
    tree: ast.Module,
    sites: Sequence[PrintSite],
    *,
    call: str | None,
    required: Sequence[CodeBlock] = (),
) -> dict[int, list[Printed]]:
    """Run the example; return what each print statement printed, by the statement's index in `sites`.

    `tree` is the example's parsed source, which is compiled from it (its line numbers moved to the doc's:
    the tree is changed). Exceptions raised by the example propagate, with tracebacks pointing at the doc's lines.
    """
    __tracebackhide__ = True
    filename = str(block.path)
    offset = block.first_line - 1
    printed: dict[int, list[Printed]] = {}

    def site_of(frame: FrameType | None) -> int | None:
        while frame is not None:
            if frame.f_code.co_filename == filename:
                line = frame.f_lineno - offset
                for index, site in enumerate(sites):
                    if site.covers(line):
                        return index
                return None
            frame = frame.f_back
        return None

    def capture(
        *args: Any, sep: str | None = ' ', end: str | None = '\n', file: Any = None, flush: bool = False
    ) -> None:
        if file is not None and file is not sys.stdout:
            builtins.print(*args, sep=sep, end=end, file=file, flush=flush)
            return
        index = site_of(sys._getframe(1))  # pyright: ignore[reportPrivateUsage]
        text = (' ' if sep is None else sep).join(str(a) for a in args)
        if index is None:
            builtins.print(text, end=end)
            return
        is_repr = len(args) == 1 and not isinstance(args[0], str)
        printed.setdefault(index, []).append(Printed(text, is_repr))

    to_call = call if call and not calls_itself(tree, call) else None  # decided before the tree is moved
    code = compile(ast.increment_lineno(tree, offset), filename, 'exec')
    _close_left_loop()  # one an earlier test left behind would be collected during this example
    module = ModuleType(ExampleModule)
    module.__file__ = filename
    namespace: dict[str, Any] = module.__dict__
    namespace['print'] = capture
    previous = sys.modules.get(ExampleModule)
    sys.modules[ExampleModule] = module
    try:
        with _required_modules(required):
            exec(code, namespace)
            function: Callable[[], Any] | None = namespace.get(to_call) if to_call else None
            if callable(function):
                result = function()
                if inspect.isawaitable(result):
                    asyncio.run(_await(result))
    finally:
        if previous is None:
            sys.modules.pop(ExampleModule, None)
        else:
            sys.modules[ExampleModule] = previous
        _close_left_loop()
    return printed


def _close_left_loop() -> None:
    """Close the event loop `Agent.run_sync` leaves set as current, so it is not collected later.

    Left open, its `ResourceWarning` is raised during some later, unrelated test (under
    `filterwarnings = error`, a failure there), and on CPython 3.11 a warning raised while the
    interpreter builds an AST can even break that build.
    """
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        try:
            loop = asyncio.get_event_loop()
        except RuntimeError:
            return
    if not loop.is_running():
        if not loop.is_closed():
            loop.close()
        asyncio.set_event_loop(None)


async def _await(awaitable: Any) -> Any:
    return await awaitable


def doc_model_resolver(rules: Mapping[Any, Any] | Sequence[tuple[Any, Any]], advice: str) -> DocModels:
    """A resolver giving each model string its own scripted model answering by `rules` (one per string)."""
    return DocModels(rules, advice)


class DocModels:
    """The scripted models of one example: one per model string, answering by the rules."""

    def __init__(self, rules: Mapping[Any, Any] | Sequence[tuple[Any, Any]], advice: str) -> None:
        self._rules = rules
        self._advice = advice
        self._models: dict[str, ScriptedModel] = {}

    def __call__(self, name: str, agent: Any = None) -> ScriptedModel:
        """The scripted model answering for the model string `name` (whichever agent asks)."""
        model = self._models.get(name)
        if model is None:
            from pytest_agentrun._model import ScriptedModel

            model = self._models[name] = ScriptedModel(rules=self._rules, model=name)
            model.exhausted_advice = self._advice
        return model

    def script_errors(self) -> list[BaseException]:
        """The script errors the models raised (a prompt no rule answers), in order."""
        from pytest_agentrun._errors import ScriptError

        return [
            request.error
            for model in self._models.values()
            for request in model.requests
            if isinstance(request.error, ScriptError)
        ]
