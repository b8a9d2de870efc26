"""Running one doc example: its model strings answered by rules, its prints captured by statement.

The example runs as `python file.py` would run it: as a fresh module named `__main__` (or the fence's
`dunder_name`), registered under that name in `sys.modules` while it runs (so pydantic models and dataclasses it
defines resolve their annotations, and `if __name__ == '__main__':` runs), with a fresh current event loop
(`isolation`). Its code is compiled with the doc's own file name and line numbers, and `linecache` is given a
text whose lines at those numbers are the example's (blank elsewhere in a Markdown page, the file's own in a
.py file), so tracebacks, `inspect.getsource`, `executing` (logfire's span names) and `warnings` see the
example's source. `print` is replaced in the module's namespace only: prints from library code are not
captured. When the example defines the function to call (`main` by default) and does not call it itself, it
is called, and run on the example's event loop when it is async.
"""

from __future__ import annotations

import ast
import asyncio
import builtins
import inspect
import linecache
import sys
from collections.abc import Callable, Generator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import CodeType, FrameType, ModuleType
from typing import TYPE_CHECKING, Any

from .attributes import MAIN
from .blocks import CodeBlock
from .expected import PrintSite
from .isolation import current_loop, fresh_event_loop, no_process_exit, time_limit, working_directory
from .layout import Printed

__all__ = (
    'CallMissing',
    'DocModels',
    'calls_itself',
    'compile_block',
    'doc_model_resolver',
    'register_source',
    'run_example',
)

if TYPE_CHECKING:
    from pytest_agentrun._model import ScriptedModel


class CallMissing(Exception):
    """The function a fence's `call=` names is not defined by the example; `args[0]` lists what it defines."""


def _is_main_guard(stmt: ast.stmt) -> bool:
    if not isinstance(stmt, ast.If):
        return False
    test = ast.unparse(stmt.test)
    return '__main__' in test and '__name__' in test


def calls_itself(tree: ast.Module, name: str, *, as_main: bool = True) -> bool:
    """Whether the example calls `name()` at its top level.

    Calls inside `if __name__ == '__main__':` count when the example runs as `__main__` (`as_main`), as
    `python file.py` runs them; otherwise that block does not run.
    """
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if not as_main and _is_main_guard(stmt):
            continue
        for node in ast.walk(stmt):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name:
                return True
    return False


def _module_name(title: str) -> str:
    return title.rsplit('/', 1)[-1].removesuffix('.py')


def _shifted(code: CodeType, offset: int) -> CodeType:
    """`code` with every line number moved down by `offset`, in it and in the functions it defines."""
    consts = tuple(_shifted(c, offset) if isinstance(c, CodeType) else c for c in code.co_consts)
    return code.replace(co_firstlineno=code.co_firstlineno + offset, co_consts=consts)


def compile_block(block: CodeBlock, tree: ast.Module | None = None) -> CodeType:
    """Compile a block with the doc's file name and line numbers.

    The line numbers are moved after compiling (not by padding the source), so the module's code object starts
    at the block's first line: a traceback through module-level code shows the example, not the page above it.
    """
    code = compile(tree if tree is not None else block.source, str(block.path), 'exec')
    return _shifted(code, block.first_line - 1)


def register_source(blocks: Sequence[CodeBlock], file_lines: Sequence[str] = ()) -> Callable[[], None]:
    """Give `linecache` the blocks' code at their lines of their file; return the function that takes it back.

    In a Markdown page the other lines are blank, so the text parses as Python (`executing` parses it); in a
    .py file they are the file's own (`file_lines`, each ending in a newline), so tracebacks into the file's
    code still read right.
    """
    by_file: dict[str, list[CodeBlock]] = {}
    for block in blocks:
        by_file.setdefault(str(block.path), []).append(block)
    previous: dict[str, Any] = {}
    for filename, file_blocks in by_file.items():
        text = list(file_lines) if file_blocks[0].path.suffix == '.py' else []
        for block in file_blocks:
            code_lines = [line + '\n' for line in block.source.splitlines()]
            needed = block.first_line - 1 + len(code_lines)
            text.extend(['\n'] * (needed - len(text)))
            text[block.first_line - 1 : needed] = code_lines
        previous[filename] = linecache.cache.get(filename)
        linecache.cache[filename] = (sum(map(len, text)), None, text, filename)

    def restore() -> None:
        for filename, entry in previous.items():
            if entry is None:
                linecache.cache.pop(filename, None)
            else:
                linecache.cache[filename] = entry

    return restore


@contextmanager
def _module(name: str, filename: str) -> Generator[ModuleType]:
    """A fresh module registered as `sys.modules[name]` while the block runs; what was there is put back after."""
    module = ModuleType(name)
    module.__file__ = filename
    previous = sys.modules.get(name)
    sys.modules[name] = module
    try:
        yield module
    finally:
        if previous is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = previous


@contextmanager
def _required_modules(blocks: Sequence[CodeBlock]) -> Generator[None]:
    """Make the blocks an example `requires=` importable under their titles, for the example's run."""
    __tracebackhide__ = True
    with ExitStack() as stack:
        for block in blocks:
            module = stack.enter_context(_module(_module_name(block.title or ''), str(block.path)))
            exec(compile_block(block), module.__dict__)
        yield


def run_example(
    block: CodeBlock,
    tree: ast.Module,
    sites: Sequence[PrintSite],
    *,
    call: str | None,
    call_required: bool = False,
    dunder_name: str = MAIN,
    required: Sequence[CodeBlock] = (),
    cwd: Path | None = None,
    timeout: float | None = None,
) -> dict[int, list[Printed]]:
    """Run the example; return what each print statement printed, by the statement's index in `sites`.

    `tree` is the example's parsed source. Exceptions raised by the example propagate, with tracebacks pointing at
    the doc's lines; so do `isolation.ExampleTimeout` (past `timeout` seconds) and `isolation.ExampleExit`
    (`os._exit`). A `sys.exit(0)` ends the example as it ends a program: what it printed so far is compared.

    Raises:
        CallMissing: `call_required` and the example defines no function `call`.

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

    to_call = call if call and not calls_itself(tree, call, as_main=dunder_name == MAIN) else None
    code = compile_block(block, tree)
    with ExitStack() as stack:
        stack.enter_context(working_directory(cwd))
        stack.enter_context(fresh_event_loop())
        stack.enter_context(no_process_exit())
        module = stack.enter_context(_module(dunder_name, filename))
        namespace: dict[str, Any] = module.__dict__
        namespace['print'] = capture
        stack.enter_context(time_limit(timeout, filename))
        stack.enter_context(_required_modules(required))
        try:
            exec(code, namespace)
            if call_required and call and not callable(namespace.get(call)):
                defined = sorted(
                    k for k, v in namespace.items() if inspect.isfunction(v) and v.__module__ == dunder_name
                )
                raise CallMissing(', '.join(defined) or 'no function')
            function: Callable[[], Any] | None = namespace.get(to_call) if to_call else None
            if callable(function):
                result = function()
                if inspect.isawaitable(result):
                    _run_to_completion(result)
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise
    return printed


def _run_to_completion(awaitable: Any) -> None:
    """Run `main()`'s awaitable on the example's event loop (one loop, not a second one as `asyncio.run` makes).

    If the example left no usable current loop (it called `asyncio.run` itself, which unsets it), `asyncio.run`.
    """
    loop = current_loop()
    if loop is None or loop.is_closed() or loop.is_running():
        asyncio.run(_await(awaitable))
    else:
        loop.run_until_complete(_await(awaitable))


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
