"""The pytest side of doc checking: a collector per doc file and a test item per example.

An example item is a `pytest.Function`, so it takes fixtures (`agentrun_doc_rules` from `conftest.py`),
markers and `-k` like any test; its id names the file and the line of the code fence, and its location
in reports is the doc's own line. Failures are messages (no plugin traceback) that name the doc's lines;
an exception raised by the example itself keeps its traceback, which points into the doc.
"""

from __future__ import annotations

import ast
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from pytest_agentrun._errors import ScriptError
from pytest_agentrun._files import display_path
from pytest_agentrun._guard import GUARD_KEY
from pytest_agentrun._options import DocsSettings

from .blocks import CodeBlock, DocSourceError, docstring_blocks, markdown_blocks, read_doc
from .compare import Mismatch, compare, explain, tokenize
from .execute import doc_model_resolver, run_example
from .expected import PrintSite, print_sites
from .failure import DocCheckFailure
from .layout import Printed, layout
from .lines import doc_lines
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


def _docstring_label(block: CodeBlock) -> str:
    where = f'line_{block.first_line - 1}'
    return f'{block.qualname}:{where}' if block.qualname else where


# --- the item ------------------------------------------------------------------------------------------


def _check_function(item: DocExample) -> Callable[..., None]:
    def check_example(agentrun_doc_rules: Any) -> None:
        __tracebackhide__ = True
        item.check(agentrun_doc_rules)

    return check_example


class DocExample(pytest.Function):
    """One doc example: run it, compare what it printed with what its doc says."""

    def __init__(self, *, block: CodeBlock, titled: Mapping[str, CodeBlock], **kwargs: Any) -> None:
        self.block = block
        self.titled = dict(titled)
        self.edits: list[Edit] = []
        super().__init__(callobj=_check_function(self), **kwargs)  # pyright: ignore[reportArgumentType,reportUnknownMemberType]
        if block.attrs.get('test') == 'skip':
            self.add_marker(pytest.mark.skip(reason='test="skip" on the code fence'))

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
            return str(excinfo.value)
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

    def check(self, rules: Any) -> None:
        """Run the example and compare its prints with the doc; on a difference, fail or record a rewrite."""
        __tracebackhide__ = True
        block = self.block
        if block.problem is not None:
            raise DocCheckFailure(
                f'{self._path_text}:{block.first_line - 1}: {block.problem}. Nothing was run or rewritten.'
            )
        required = self._required()
        tree = self._parse()
        sites = print_sites(block.source, tree)
        settings = self.settings
        resolver = doc_model_resolver(combine_rules(rules, self.collector.file_rules), RULES_ADVICE)
        call = block.attrs.get('call', settings.call) or None
        guard = self.config.stash[GUARD_KEY]
        try:
            with guard.scripting(resolver):
                printed = run_example(block, tree, sites, call=call, required=required)
        except ScriptError as exc:
            guard.saw(exc)
            raise DocCheckFailure(f'{self._example_line(exc)}: {exc}') from None
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
        expected_tokens = tokenize(expected.lines) if expected is not None else []
        actual_tokens = tokenize(actual_text.split('\n')) if outputs else []
        if expected is not None and outputs:
            mismatch = compare(expected_tokens, actual_tokens)
            if mismatch is None:
                return None
        else:
            mismatch = Mismatch(0, 0)
        width = self.settings.line_length - len(site.indent)
        laid_out = layout(outputs, expected.lines if expected is not None else None, width)
        if self.settings.update:
            self.edits.append(edit_for(self.block, site, laid_out, self.collector.lines, self._path_text))
            return None
        return explain(
            block=self.block,
            path=self._path_text,
            site=site,
            printed=bool(outputs),
            laid_out=laid_out,
            mismatch=mismatch,
            expected_tokens=expected_tokens,
            actual_tokens=actual_tokens,
        )
