"""Finding the Python code blocks of a Markdown file, or of the docstrings in a Python source file.

A block knows where it came from (file, first line, the indentation it was written with, and the docstring
it sits in), so that a failure points at the doc's own lines and an update can write back into the same
place. Fences are CommonMark's: three or more backticks or tildes, closed by a fence of the same character
at least as long. The info string may be `python`, `py`, or carry mkdocs attributes:
`python {title="x.py" test="skip" requires="y.py"}` or `python title="x.py"`.
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .lines import doc_lines, line_and_column, split_bom

__all__ = ('CodeBlock', 'DocSourceError', 'docstring_blocks', 'markdown_blocks', 'read_doc')

PYTHON_LANGUAGES = frozenset({'python', 'py', 'python3', 'py3'})

_FENCE = re.compile(r'^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>.*?)[ \t]*$')
_ATTR = re.compile(r"""(?P<key>[A-Za-z_][\w-]*)\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s}]+))""")


class DocSourceError(Exception):
    """A doc file or block that cannot be read as written: not UTF-8, an unclosed fence, and so on."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(f'{path}:{line}: {message}')


@dataclass(frozen=True)
class CodeBlock:
    """One fenced Python block, with what is needed to run it, report on it and write back into it."""

    path: Path
    """The file the block is written in."""
    first_line: int
    """The file's line number (1-based) of the block's first code line."""
    source: str
    """The code, with the block's own indentation removed."""
    indent: str
    """The indentation removed from every code line (of the fence, or of the docstring)."""
    attrs: dict[str, str] = field(default_factory=dict[str, str])
    """The fence's attributes, e.g. `{'title': 'x.py', 'test': 'skip'}`."""
    qualname: str = ''
    """For a docstring block: the dotted name of what the docstring documents ('' for a module)."""
    escaped: bool = False
    """Whether the block sits in a non-raw Python string, where a backslash must be written doubled."""
    digest: str = ''
    """A hash of the file's bytes when the block was read, so an update can tell the file has changed."""
    problem: str | None = None
    """Why the block cannot run as written (e.g. its fence is never closed), or None."""

    @property
    def title(self) -> str | None:
        """The block's `title` attribute, which `requires=` of other blocks refers to."""
        return self.attrs.get('title')

    @property
    def requires(self) -> list[str]:
        """The titles named by the block's `requires` attribute (comma- or space-separated)."""
        return [r for r in re.split(r'[,\s]+', self.attrs.get('requires', '')) if r]

    def doc_line(self, example_line: int) -> int:
        """The file's line number of the example's line `example_line` (both 1-based)."""
        return self.first_line + example_line - 1


def read_doc(path: Path) -> tuple[str, str]:
    """Read a doc file as UTF-8; return its text (without a byte order mark) and a digest of its bytes.

    A BOM is not part of the text, so a fence on the first line is found; a rewrite, which works on the file's
    bytes, keeps it.

    Raises:
        DocSourceError: the file is not valid UTF-8; the message names the line and column of the first bad byte.

    """
    data = path.read_bytes()
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError as exc:
        line, column = line_and_column(data[: exc.start].decode('utf-8'))
        bad = data[exc.start : exc.start + 1].hex()
        raise DocSourceError(
            path, line, f'not valid UTF-8 (byte 0x{bad} at column {column}); save the file as UTF-8'
        ) from None
    return split_bom(text)[1], hashlib.sha256(data).hexdigest()


def parse_info(info: str) -> tuple[str, dict[str, str]]:
    """Split a fence's info string into its language and its attributes."""
    info = info.strip()
    if info.startswith('{'):  # `{.python title="x"}`
        info = info.strip('{}').strip()
    language, _, rest = info.partition(' ')
    language = language.lstrip('.').lower()
    if '{' in language:
        language, _, more = language.partition('{')
        rest = more + ' ' + rest
    attrs = {
        m['key']: m['dq'] if m['dq'] is not None else m['sq'] if m['sq'] is not None else m['bare']
        for m in _ATTR.finditer(rest)
    }
    return language, attrs


def _dedent_line(line: str, indent: str) -> str:
    if line.startswith(indent):
        return line[len(indent) :]
    return line.lstrip(' \t')


def _fenced_blocks(lines: Sequence[str], first_line: int) -> Iterator[tuple[int, str, str, dict[str, str], str | None]]:
    """Yield (file line of first code line, indent, code, attrs, problem) for each Python fence in `lines`."""
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if match is None:
            i += 1
            continue
        indent, fence = match['indent'], match['fence']
        language, attrs = parse_info(match['info'])
        opened = i
        i += 1
        body: list[str] = []
        closed = False
        while i < len(lines):
            close = _FENCE.match(lines[i])
            if (
                close is not None
                and not close['info']
                and close['fence'][0] == fence[0]
                and len(close['fence']) >= len(fence)
            ):
                closed = True
                i += 1
                break
            body.append(lines[i])
            i += 1
        if language not in PYTHON_LANGUAGES:
            continue
        code = '\n'.join(_dedent_line(line, indent) for line in body)
        problem = None
        if not closed:
            problem = f'the code fence {fence} opened at line {first_line + opened} is never closed'
        yield first_line + opened + 1, indent, code + '\n' if code else code, attrs, problem


def is_signature(code: str) -> bool:
    """Whether a block only shows a signature (`def f(x) -> int`, no body), as API reference pages do.

    Such a block is not an example: it is not collected.
    """
    stripped = code.strip()
    if not stripped.startswith(('def ', 'async def ', 'class ', '@')) or stripped.endswith(':'):
        return False
    try:
        ast.parse(stripped)
    except SyntaxError:
        pass
    else:
        return False  # code that runs as it is, however it starts
    try:
        ast.parse(stripped + ': ...')
    except SyntaxError:
        return False
    return True


def markdown_blocks(path: Path, text: str, digest: str = '') -> list[CodeBlock]:
    """The Python blocks of a Markdown file's text (signature-only blocks left out)."""
    return [
        CodeBlock(path, line, code, indent, attrs, digest=digest, problem=problem)
        for line, indent, code, attrs, problem in _fenced_blocks(doc_lines(text), 1)
        if problem is not None or not is_signature(code)
    ]


def _docstring_nodes(tree: ast.Module) -> Iterator[tuple[str, ast.Constant]]:
    """Yield (qualified name, string node) for the module's docstring and those of its classes and functions."""
    stack: list[tuple[str, ast.AST]] = [('', tree)]
    while stack:
        prefix, node = stack.pop(0)
        body: list[ast.stmt] = getattr(node, 'body', [])
        if (
            body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            yield prefix, body[0].value
        for child in body:
            if isinstance(child, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                stack.append((f'{prefix}.{child.name}' if prefix else child.name, child))


def docstring_blocks(path: Path, source: str, digest: str = '') -> list[CodeBlock]:
    """The Python blocks in the docstrings of a Python source file (parsed, never imported).

    Raises:
        DocSourceError: the file itself does not parse.

    """
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        raise DocSourceError(path, exc.lineno or 1, f'the file does not parse: {exc.msg}') from None
    source_lines = doc_lines(source)
    blocks: list[CodeBlock] = []
    for qualname, node in _docstring_nodes(tree):
        text = str(node.value)
        opening = source_lines[node.lineno - 1][node.col_offset : node.col_offset + 4].lower()
        raw = 'r' in opening.split('"')[0].split("'")[0]
        for line, indent, code, attrs, problem in _fenced_blocks(text.split('\n'), node.lineno):
            if problem is None and is_signature(code):
                continue
            blocks.append(
                CodeBlock(
                    path,
                    line,
                    code,
                    indent,
                    attrs,
                    qualname=qualname,
                    escaped=not raw,
                    digest=digest,
                    problem=problem,
                )
            )
    blocks.sort(key=lambda b: b.first_line)
    return blocks
