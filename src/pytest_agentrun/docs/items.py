"""The pytest side of doc checking: a collector per doc file and a test item per example.

An example item is a `pytest.Function`, so it takes fixtures (`agentrun_doc_rules` from `conftest.py`),
markers and `-k` like any test; its id names the file and the line of the code fence, and its location
in reports is the doc's own line. Failures are messages (no plugin traceback) that name the doc's lines;
an exception raised by the example itself keeps its traceback, which points into the doc.
"""

from __future__ import annotations

import ast
import difflib
import json
import runpy
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest

from pytest_agentrun import intercept
from pytest_agentrun.files import shown_path

from .blocks import CodeBlock, DocSourceError, docstring_blocks, markdown_blocks, read_doc
from .compare import Mismatch, Token, compare, tokenize
from .execute import doc_model_resolver, run_example
from .expected import Expected, PrintSite, print_sites
from .layout import Printed, layout
from .update import Edit

__all__ = (
    'UPDATE_FLAG',
    'DocCheckFailure',
    'DocExample',
    'DocFile',
    'DocModule',
    'DocsSettings',
    'DocstringFile',
    'load_rules_file',
)

UPDATE_FLAG = '--agentrun-update-docs'
RULES_ADVICE = (
    'Add a rule answering this prompt to the agentrun_doc_rules fixture in conftest.py '
    '(or to the file named by the agentrun_doc_rules_file ini key).'
)


@dataclass(frozen=True)
class DocsSettings:
    """How doc examples are collected and checked, from the command line and the ini file."""

    markdown: bool = False
    docstrings: bool = False
    modules: tuple[str, ...] = ()
    update: bool = False
    line_length: int = 88
    call: str = 'main'
    rules_file: Path | None = None
    file_rules: tuple[tuple[Any, Any], ...] = ()


def load_rules_file(path: Path) -> tuple[tuple[Any, Any], ...]:
    """Rules from a file: a `.py` file defining `rules` (a dict or a list of pairs), or a `.json` object.

    Raises:
        pytest.UsageError: the file is missing or holds no rules in one of those forms.

    """
    if not path.is_file():
        raise pytest.UsageError(f'agentrun_doc_rules_file: {path} does not exist')
    rules: Any
    if path.suffix == '.json':
        try:
            rules = json.loads(path.read_text(encoding='utf-8'))
        except (ValueError, UnicodeDecodeError) as exc:
            raise pytest.UsageError(f'agentrun_doc_rules_file: {path} is not valid JSON: {exc}') from None
    elif path.suffix == '.py':
        rules = runpy.run_path(str(path)).get('rules')
    else:
        raise pytest.UsageError(f'agentrun_doc_rules_file: {path} must be a .py file defining `rules` or a .json file')
    if isinstance(rules, Mapping):
        return tuple(cast('Mapping[Any, Any]', rules).items())
    if isinstance(rules, list):
        pairs = cast('list[Any]', rules)
        if all(isinstance(r, (list, tuple)) and len(cast('Sequence[Any]', r)) == 2 for r in pairs):
            return tuple((r[0], r[1]) for r in pairs)
    raise pytest.UsageError(
        f'agentrun_doc_rules_file: {path} must give rules as a mapping of prompt to answer '
        '(a `rules` dict in a .py file, or a JSON object)'
    )


class DocCheckFailure(Exception):
    """A doc example that failed its check; the message is all the report shows."""


# --- collectors ----------------------------------------------------------------------------------------


class _DocCollector(pytest.File):
    """Common ground of the doc collectors: make an item per block."""

    settings: DocsSettings
    lines: list[str]

    def _items(self, blocks: Sequence[CodeBlock], text: str, label: Callable[[CodeBlock], str]) -> Iterator[DocExample]:
        self.lines = text.splitlines()
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
    def settings(self) -> DocsSettings:
        """The session's doc settings."""
        parent = self.parent
        if not isinstance(parent, _DocCollector):  # pragma: no cover - items only live under doc collectors
            raise TypeError('a doc example must belong to a doc file collector')
        return parent.settings

    @property
    def where(self) -> str:
        """The doc file and the line of the example's fence, as a user would open it."""
        return f'{self._path_text}:{self.block.first_line - 1}'

    @property
    def _path_text(self) -> str:
        return shown_path(self.block.path, self.config.rootpath)

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
                quote = '"""' if '"""' in (block.source.splitlines()[(exc.lineno or 1) - 1]) else "'''"
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
        resolver = doc_model_resolver(_combine_rules(rules, settings.file_rules), RULES_ADVICE)
        call = block.attrs.get('call', settings.call) or None
        intercept.state.resolvers.append(resolver)
        try:
            printed = run_example(block, tree, sites, call=call, required=required)
        except Exception as exc:
            from pytest_agentrun.errors import ScriptError

            if isinstance(exc, ScriptError):
                raise DocCheckFailure(f'{self._example_line(exc)}: {exc}') from None
            raise
        finally:
            intercept.state.resolvers.remove(resolver)
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
            self.edits.append(self._edit(site, laid_out))
            return None
        return self._explain(site, outputs, laid_out, mismatch, expected_tokens, actual_tokens)

    # --- explaining --------------------------------------------------------------------------------

    def _explain(
        self,
        site: PrintSite,
        outputs: list[Printed],
        laid_out: list[list[str]],
        mismatch: Mismatch,
        expected_tokens: list[Token],
        actual_tokens: list[Token],
    ) -> str:
        block, path = self.block, self._path_text
        print_line = block.doc_line(site.line)
        expected = site.expected
        if expected is None:
            head = f'{path}:{print_line}: print(...) printed output the doc does not show'
        elif not outputs:
            head = f'{path}:{print_line}: the doc shows output under this print(...), but it never printed'
        else:
            head = f'{path}:{print_line}: printed output differs from the doc'
        lines = [head]
        if expected is not None and outputs:
            lines.append(self._first_difference(expected, mismatch, expected_tokens, actual_tokens))
        lines.append(f"  diff (- the doc at {path}, + printed; numbers are the doc's lines):")
        lines.extend(self._diff(expected, [line for output in laid_out for line in output]))
        lines.append(f"Run pytest with {UPDATE_FLAG} to rewrite the doc's output with what was printed.")
        return '\n'.join(lines)

    def _doc_position(self, token: Token, expected: Expected) -> tuple[int, int]:
        line, column = expected.positions[token.line]
        return self.block.doc_line(line), len(self.block.indent) + column + token.column + 1

    def _first_difference(
        self, expected: Expected, mismatch: Mismatch, expected_tokens: list[Token], actual_tokens: list[Token]
    ) -> str:
        path = self._path_text
        shown = (
            repr(actual_tokens[mismatch.actual_index].text)
            if mismatch.actual_index < len(actual_tokens)
            else 'nothing more'
        )
        if mismatch.expected_index < len(expected_tokens):
            token = expected_tokens[mismatch.expected_index]
            line, column = self._doc_position(token, expected)
            return f'  first difference at {path}:{line}:{column}: the doc has {token.text!r}, the output has {shown}'
        last = expected.positions[-1][0] if expected.positions else expected.first_line
        return (
            f"  first difference after {path}:{self.block.doc_line(last)}: the doc's output ends, "
            f'the output goes on with {shown}'
        )

    def _diff(self, expected: Expected | None, actual_lines: list[str]) -> list[str]:
        expected_lines: list[str] = list(expected.lines) if expected is not None else []
        numbers = [self.block.doc_line(p[0]) for p in expected.positions] if expected is not None else []
        width = len(str(max(numbers, default=0)))
        out: list[str] = []
        matcher = difflib.SequenceMatcher(a=expected_lines, b=actual_lines, autojunk=False)
        for group in matcher.get_grouped_opcodes(3):
            for tag, i1, i2, j1, j2 in group:
                if tag in ('equal', 'replace', 'delete'):
                    mark = ' ' if tag == 'equal' else '-'
                    out.extend(f'  {mark} {numbers[i]:>{width}}  {expected_lines[i]}' for i in range(i1, i2))
                if tag in ('replace', 'insert'):
                    out.extend(f'  + {"":>{width}}  {actual_lines[j]}' for j in range(j1, j2))
        if not out:
            out.append('  (the same text: the difference is in a placeholder, e.g. a "..." standing for a string)')
        return out

    # --- updating ----------------------------------------------------------------------------------

    def _edit(self, site: PrintSite, laid_out: list[list[str]]) -> Edit:
        block = self.block
        expected = site.expected
        flat = [line for output in laid_out for line in output]
        indent = site.indent
        if not laid_out:
            example_lines: list[str] = []
        elif all(len(output) == 1 for output in laid_out):
            example_lines = [f'{indent}#> {line}'.rstrip() for line in flat]
        else:
            quote = expected.quote if expected is not None and expected.kind == 'block' else self._default_quote()
            example_lines = [
                f'{indent}{quote}',
                *(f'{indent}{line}' if line else '' for line in flat),
                f'{indent}{quote}',
            ]
        if block.escaped:
            if any('"""' in line or "'''" in line for line in flat):
                raise DocCheckFailure(
                    f'{self._path_text}:{block.doc_line(site.line)}: cannot write this output into a docstring: '
                    'it contains triple quotes. Update it by hand.'
                )
            example_lines = [line.replace('\\', '\\\\') for line in example_lines]
        new = tuple(f'{block.indent}{line}' if line else '' for line in example_lines)
        if expected is not None:
            start, end = block.doc_line(expected.first_line), block.doc_line(expected.last_line)
        else:
            start = block.doc_line(site.end_line) + 1
            end = start - 1
        lines = self._file_lines()
        return Edit(
            path=str(block.path),
            digest=block.digest,
            start=start,
            end=end,
            old=tuple(lines[start - 1 : end]),
            new=new,
            example=f'line {block.first_line - 1}',
        )

    def _default_quote(self) -> str:
        return "'''" if self.block.qualname or self.block.path.suffix == '.py' else '"""'

    def _file_lines(self) -> list[str]:
        parent = self.parent
        return parent.lines if isinstance(parent, _DocCollector) else []


def _combine_rules(fixture_rules: Any, file_rules: Sequence[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """The fixture's rules first (the closest), then the rules file's."""
    if fixture_rules is None:
        pairs: list[tuple[Any, Any]] = []
    elif isinstance(fixture_rules, Mapping):
        pairs = list(fixture_rules.items())  # pyright: ignore[reportUnknownArgumentType,reportUnknownMemberType]
    else:
        pairs = list(fixture_rules)
    return [*pairs, *file_rules]
