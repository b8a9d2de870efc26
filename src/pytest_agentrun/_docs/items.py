"""The pytest side of doc checking: a collector per doc file and a test item per example.

An example item is a `pytest.Function`, so it takes fixtures (`agentrun_doc_rules` from `conftest.py`),
markers and `-k` like any test; its id names the file and the line of the code fence, and its location
in reports is the doc's own line. Failures are messages (no plugin traceback) that name the doc's lines;
an exception raised by the example itself keeps its traceback, which points into the doc.
"""

from __future__ import annotations

import ast
import re
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from pytest_agentrun._errors import ScriptError
from pytest_agentrun._files import display_path
from pytest_agentrun._guard import GUARD_KEY
from pytest_agentrun._options import DocsSettings

from .attributes import FenceError, FenceSettings, fence_settings
from .blocks import CodeBlock, DocSourceError, docstring_blocks, markdown_blocks, read_doc
from .compare import Mismatch, Token, compare, explain, tokenize
from .execute import CallMissing, doc_model_resolver, register_source, run_example
from .expected import PrintSite, print_sites
from .failure import DocCheckFailure, DocFailureRepr
from .isolation import ExampleExit, ExampleTimeout
from .layout import Printed, layout
from .lines import doc_lines
from .normalize import Normalizer, normalize, normalizers
from .rules import RULES_ADVICE, combine_rules
from .update import Edit, edit_for

__all__ = ('DocExample', 'DocFile', 'DocModule', 'DocstringFile')


# --- collectors ----------------------------------------------------------------------------------------


class _DocCollector(pytest.File):
    """Common ground of the doc collectors: make an item per block."""

    settings: DocsSettings
    """The session's doc settings."""
    file_rules: Sequence[tuple[Any, Any]] = ()
    """The rules of the rules file, after the `agentrun_doc_rules` fixture's."""
    lines: list[str]
    _tmpdir: Path | None = None
    _source_lines: tuple[str, ...] | None = None

    @property
    def source_lines(self) -> tuple[str, ...]:
        """The file's lines, each ending in a newline, as `linecache` holds them (computed once)."""
        if self._source_lines is None:
            self._source_lines = tuple(line + '\n' for line in self.lines)
        return self._source_lines

    def tmpdir(self, request: pytest.FixtureRequest) -> Path:
        """The page's temporary directory (`agentrun_docs_tmpdir = page`), made when its first example runs."""
        if self._tmpdir is None:
            factory: pytest.TempPathFactory = request.getfixturevalue('tmp_path_factory')
            self._tmpdir = factory.mktemp(_dir_name(self.path.stem))
        return self._tmpdir

    def _items(self, blocks: Sequence[CodeBlock], text: str, label: Callable[[CodeBlock], str]) -> Iterator[DocExample]:
        self.lines = doc_lines(text)
        titled = {b.title: b for b in blocks if b.title}
        for block in blocks:
            yield DocExample.from_parent(self, name=label(block), block=block, titled=titled)  # pyright: ignore[reportUnknownMemberType]


class DocFile(_DocCollector):
    """A Markdown file's Python examples."""

    def collect(self) -> Iterator[DocExample]:
        """One item per Python code block."""
        try:
            text, digest = read_doc(self.path)
        except DocSourceError as exc:
            raise self.CollectError(str(exc)) from None
        yield from self._items(markdown_blocks(self.path, text, digest), text, lambda b: f'line_{b.first_line - 1}')


class DocstringFile(_DocCollector):
    """The examples in a Python source file's docstrings (the file is parsed, not imported)."""

    def collect(self) -> Iterator[DocExample]:
        """One item per Python code block of any docstring."""
        try:
            text, digest = read_doc(self.path)
            blocks = docstring_blocks(self.path, text, digest)
        except DocSourceError as exc:
            raise self.CollectError(str(exc)) from None
        yield from self._items(blocks, text, _docstring_label)


class DocModule(DocstringFile):
    """The docstring examples of an importable module, named with `--agentrun-docs-module`."""


def _dir_name(text: str) -> str:
    return re.sub(r'\W', '_', text)[:30] or 'doc'


def _docstring_label(block: CodeBlock) -> str:
    where = f'line_{block.first_line - 1}'
    return f'{block.qualname}:{where}' if block.qualname else where


# --- the item ------------------------------------------------------------------------------------------


def _check_function(item: DocExample) -> Callable[..., None]:
    def check_example(agentrun_doc_rules: Any, agentrun_doc_normalizers: Any, request: pytest.FixtureRequest) -> None:
        __tracebackhide__ = True
        item.check(agentrun_doc_rules, agentrun_doc_normalizers, request)

    return check_example


PRINTED_LINES_SHOWN = 50
"""How many lines of printed output a failure's diff shows, at most."""
PRINTED_LINE_WIDTH = 400
"""How many characters of a printed line a failure's diff shows, at most."""
LAYOUT_LIMIT = 100_000
"""Printed output longer than this (characters) is not laid out by the formatter: shown and written as printed."""
TOKENIZE_LIMIT = 200_000
"""Printed output longer than this is compared on a prefix, when the doc's output has no `...` to stretch."""


class DocExample(pytest.Function):
    """One doc example: run it, compare what it printed with what its doc says."""

    def __init__(self, *, block: CodeBlock, titled: Mapping[str, CodeBlock], **kwargs: Any) -> None:
        self.block = block
        self.titled = dict(titled)
        self.edits: list[Edit] = []
        super().__init__(callobj=_check_function(self), **kwargs)  # pyright: ignore[reportArgumentType,reportUnknownMemberType]
        self.fence_problem: str | None = None
        try:
            self.fence = fence_settings(block.attrs, self.settings.fence_attributes)
        except FenceError as exc:
            self.fence, self.fence_problem = FenceSettings(), str(exc)
        if self.fence.skip is not None:
            self.add_marker(pytest.mark.skip(reason=self.fence.skip))
        self.normalizers: list[Normalizer] = []

    @property
    def collector(self) -> _DocCollector:
        """The doc file's collector."""
        parent = self.parent
        if not isinstance(parent, _DocCollector):  # pragma: no cover - items only live under doc collectors
            raise TypeError('a doc example must belong to a doc file collector')
        return parent

    @property
    def settings(self) -> DocsSettings:
        """The session's doc settings."""
        return self.collector.settings

    @property
    def where(self) -> str:
        """The doc file and the line of the example's fence, as a user would open it."""
        return f'{self._path_text}:{self.block.first_line - 1}'

    @property
    def _path_text(self) -> str:
        return display_path(self.block.path, self.config.rootpath)

    def reportinfo(self) -> tuple[Path, int, str]:
        """Report the example at its line in the doc."""
        return self.block.path, self.block.first_line - 2, self.name

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> Any:  # pyright: ignore[reportIncompatibleMethodOverride]
        """A check failure is its message; an error in the example keeps its traceback into the doc."""
        if isinstance(excinfo.value, DocCheckFailure):
            return DocFailureRepr(str(excinfo.value))
        return super().repr_failure(excinfo)

    # --- the check ---------------------------------------------------------------------------------

    def _required(self) -> list[CodeBlock]:
        ordered: list[CodeBlock] = []
        seen: set[str] = set()

        def visit(block: CodeBlock) -> None:
            for title in block.requires:
                if title in seen:
                    continue
                required = self.titled.get(title)
                if required is None:
                    known = ', '.join(sorted(self.titled)) or 'none'
                    raise DocCheckFailure(
                        f'{self._path_text}:{block.first_line - 1}: requires="{title}" names no block of this file; '
                        f'blocks with a title: {known}. Fix the name or add title="{title}" to the block it means.'
                    )
                seen.add(title)
                visit(required)
                ordered.append(required)

        visit(self.block)
        return ordered

    def _parse(self) -> ast.Module:
        block = self.block
        try:
            return ast.parse(block.source)
        except SyntaxError as exc:
            line = block.doc_line(exc.lineno or 1)
            message = exc.msg
            if 'unterminated triple-quoted string' in message:
                quote = '"""' if '"""' in (block.source.split('\n')[(exc.lineno or 1) - 1]) else "'''"
                raise DocCheckFailure(
                    f'{self._path_text}:{line}: unterminated output block: the {quote} opened here is never closed; '
                    f'close it with {quote} on its own line after the expected output. Nothing was run or rewritten.'
                ) from None
            source_line = (exc.text or '').rstrip('\n')
            pointer = ' ' * max((exc.offset or 1) - 1, 0) + '^'
            raise DocCheckFailure(
                f'{self._path_text}:{line}: the example does not parse: {message}\n'
                f'    {source_line.strip()}\n    {pointer[len(source_line) - len(source_line.lstrip()) :]}\n'
                'Fix the code, or mark the fence test="skip" if it is not meant to run. Nothing was run or rewritten.'
            ) from None

    def check(self, rules: Any, normalizer_fixture: Any = None, request: pytest.FixtureRequest | None = None) -> None:
        """Run the example and compare its prints with the doc; on a difference, fail or record a rewrite."""
        __tracebackhide__ = True
        block = self.block
        if block.problem is not None:
            raise DocCheckFailure(
                f'{self._path_text}:{block.first_line - 1}: {block.problem}. Nothing was run or rewritten.'
            )
        if self.fence_problem is not None:
            raise DocCheckFailure(f'{self.where}: {self.fence_problem} Nothing was run.')
        required = self._required()
        tree = self._parse()
        sites = print_sites(block.source, tree)
        settings = self.settings
        self.normalizers = normalizers(settings.normalize, normalizer_fixture)
        resolver = doc_model_resolver(combine_rules(rules, self.collector.file_rules), RULES_ADVICE)
        call = self.fence.call or settings.call or None
        guard = self.config.stash[GUARD_KEY]
        file_lines = self.collector.source_lines if block.path.suffix == '.py' else ()
        self.addfinalizer(register_source([*required, block], file_lines))
        try:
            with guard.scripting(resolver):
                printed = run_example(
                    block,
                    tree,
                    sites,
                    call=call,
                    call_required=self.fence.call is not None,
                    dunder_name=self.fence.dunder_name,
                    required=required,
                    cwd=self._working_directory(request),
                    timeout=settings.timeout,
                )
        except ScriptError as exc:
            guard.saw(exc)
            raise DocCheckFailure(f'{self._example_line(exc)}: {exc}') from None
        except CallMissing as exc:
            key = 'call' if 'call' in block.attrs else 'call_name'
            raise DocCheckFailure(
                f'{self.where}: {key}="{call}" names no function the example defines (it defines: {exc.args[0]}). '
                'Fix the name, or remove the attribute. Nothing was run.'
            ) from None
        except ExampleTimeout as exc:
            running = '\n'.join(f'{self._path_text}:{line}: {self._doc_text(line)}' for _, line in exc.where)
            raise DocCheckFailure(
                f'{self.where}: the example did not finish within {exc.seconds:g} s (agentrun_docs_timeout); '
                f'it was stopped at:\n{running or "(no line of the example was running)"}\n'
                'Make it end sooner, raise the timeout (agentrun_docs_timeout, --agentrun-docs-timeout), '
                'or mark the fence test="skip".'
            ) from None
        except ExampleExit as exc:
            raise DocCheckFailure(
                f'{self._example_line(exc)}: the example called os._exit({exc.status}), which would end the test '
                'session at once; it was stopped there. Leave os._exit out of examples (or mark the fence test="skip").'
            ) from None
        except SystemExit as exc:
            raise DocCheckFailure(
                f'{self._example_line(exc)}: the example exited with sys.exit({exc.code!r}), as a failing program '
                'does. End it without sys.exit, or with sys.exit(0).'
            ) from None
        swallowed = resolver.script_errors()
        if swallowed:
            raise DocCheckFailure(
                f'{self.where}: the example caught the error of a model request, and went on without the '
                f"model's answer:\n{swallowed[0]}"
            )
        failures: list[str] = []
        for index, site in enumerate(sites):
            outputs = printed.get(index, [])
            problem = self._compare_site(site, outputs)
            if problem is not None:
                failures.append(problem)
        if failures:
            raise DocCheckFailure('\n\n'.join(failures))

    def _working_directory(self, request: pytest.FixtureRequest | None) -> Path | None:
        tmpdir = self.settings.tmpdir
        if request is None or not tmpdir:
            return self.settings.cwd
        if tmpdir == 'page':
            return self.collector.tmpdir(request)
        factory: pytest.TempPathFactory = request.getfixturevalue('tmp_path_factory')
        return factory.mktemp(_dir_name(f'{self.block.path.stem}_{self.block.first_line - 1}'))

    def _doc_text(self, line: int) -> str:
        lines = self.collector.lines
        return lines[line - 1].strip() if 0 < line <= len(lines) else ''

    def _example_line(self, exc: BaseException) -> str:
        filename = str(self.block.path)
        line = self.block.first_line - 1
        for frame, lineno in traceback.walk_tb(exc.__traceback__):
            if frame.f_code.co_filename == filename:
                line = lineno
        return f'{self._path_text}:{line}'

    def _compare_site(self, site: PrintSite, outputs: list[Printed]) -> str | None:
        expected = site.expected
        if expected is None and not outputs:
            return None
        actual_text = '\n'.join(o.text for o in outputs)
        expected_tokens: list[Token] = []
        actual_tokens: list[Token] = []
        if expected is not None and outputs:
            expected_tokens = tokenize(normalize(expected.lines, self.normalizers))
            actual_tokens = self._printed_tokens(actual_text, expected_tokens)
            mismatch = compare(expected_tokens, actual_tokens)
            if mismatch is None:
                return None
        else:
            mismatch = Mismatch(0, 0)
        width = (self.fence.line_length or self.settings.line_length) - len(site.indent)
        if len(actual_text) > LAYOUT_LIMIT:
            laid_out = [o.text.split('\n') for o in outputs]
        else:
            laid_out = layout(outputs, expected.lines if expected is not None else None, width)
        if self.settings.update:
            self.edits.append(edit_for(self.block, site, laid_out, self.collector.lines, self._path_text))
            return None
        shown, note = _clipped(laid_out, len(actual_text))
        message = explain(
            block=self.block,
            path=self._path_text,
            site=site,
            printed=bool(outputs),
            laid_out=shown,
            mismatch=mismatch,
            expected_tokens=expected_tokens,
            actual_tokens=actual_tokens,
        )
        if note:
            head, _, last = message.rpartition('\n')
            message = f'{head}\n{note}\n{last}'
        return message

    def _printed_tokens(self, text: str, expected_tokens: Sequence[Token]) -> list[Token]:
        """The printed output's tokens, normalised; for long output, only as many as the comparison can use.

        Without `...` or `'...'` in the doc's output, each expected token matches exactly one printed token, so one more
        than there are expected tokens decides the comparison (and tokenizing megabytes takes seconds).
        """
        stretchy = any(t.kind == 'ellipsis' or t.is_string_placeholder for t in expected_tokens)
        if len(text) <= TOKENIZE_LIMIT or stretchy:
            return tokenize(normalize(text.split('\n'), self.normalizers))
        needed = len(expected_tokens) + 1
        size = TOKENIZE_LIMIT
        while True:
            prefix = text[:size]
            tokens = tokenize(normalize(prefix.split('\n'), self.normalizers))
            if len(tokens) > needed or size >= len(text):
                return tokens[:needed] if size < len(text) else tokens
            size *= 4


def _clipped(laid_out: Sequence[Sequence[str]], characters: int) -> tuple[list[list[str]], str]:
    """The printed lines a failure shows (at most `PRINTED_LINES_SHOWN`, each clipped), and a note if clipped."""
    total = sum(len(output) for output in laid_out)
    shown: list[list[str]] = []
    budget = PRINTED_LINES_SHOWN
    clipped = False
    for output in laid_out:
        lines = list(output[:budget])
        budget -= len(lines)
        clipped = clipped or len(lines) < len(output)
        for index, line in enumerate(lines):
            if len(line) > PRINTED_LINE_WIDTH:
                lines[index] = line[:PRINTED_LINE_WIDTH] + ' ...'
                clipped = True
        if lines:
            shown.append(lines)
    if not clipped:
        return shown, ''
    count = sum(len(lines) for lines in shown)
    return shown, (
        f'  (the printed output is clipped here: {count} of {total} lines shown, each to {PRINTED_LINE_WIDTH} '
        f'characters; {characters:,} characters were printed)'
    )
