"""Laying out printed output the way a doc writes it: for the failure diff and for `--agentrun-update-docs`.

The printed repr of an object is laid out by ruff's formatter (well kept, black's layout; black itself
would change how inline-snapshot formats users' snapshots once installed), at the doc's line length minus
the print's indentation, with the quotes as printed. Before that, placeholders go in: every datetime is
written `datetime.datetime(...)` and run and conversation ids `'...'` (values that change on every run),
and a value the doc wrote as `'...'` or `...` (found by its place in the structure, or by its keyword)
stays a placeholder; a value the doc shows verbatim stays as printed. Plain strings are printed as they are.
"""

from __future__ import annotations

import ast
import re
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

__all__ = ('Printed', 'carry_placeholders', 'format_output', 'layout')

_DATETIME_PLACEHOLDER = 'datetime.datetime(...)'
Path = tuple[str, ...]


@dataclass(frozen=True)
class Printed:
    """What one call of `print` wrote."""

    text: str
    """The text, as `print` would write it (without the final newline)."""
    is_repr: bool
    """Whether it is one object's str() other than a plain string: then it is laid out as code."""


def _children(node: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    """The sub-expressions of a literal-like expression, each with the step of the path that leads to it."""
    if isinstance(node, ast.Call):
        name = ast.unparse(node.func)
        for i, arg in enumerate(node.args):
            yield f'{name}({i})', arg
        for keyword in node.keywords:
            yield f'{name}({keyword.arg}=)', keyword.value
    elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        for i, element in enumerate(node.elts):
            yield f'[{i}]', element
    elif isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=True):
            yield f'[{ast.unparse(key) if key is not None else "**"}]', value


def _walk(node: ast.AST, path: Path = ()) -> Iterator[tuple[Path, ast.AST]]:
    yield path, node
    for step, child in _children(node):
        yield from _walk(child, (*path, step))


def _placeholder(node: ast.AST) -> str | None:
    """The placeholder text if `node` is one (`...`, `'...'`, `datetime.datetime(...)`), else None."""
    if isinstance(node, ast.Constant) and node.value is Ellipsis:
        return '...'
    if isinstance(node, ast.Constant) and node.value == '...':
        return "'...'"
    if (
        isinstance(node, ast.Call)
        and ast.unparse(node.func) == 'datetime.datetime'
        and len(node.args) == 1
        and not node.keywords
        and isinstance(node.args[0], ast.Constant)
        and node.args[0].value is Ellipsis
    ):
        return _DATETIME_PLACEHOLDER
    return None


def _key(path: Path) -> str | None:
    """The keyword or dict key a value sits under (`run_id=`), which survives items moving around."""
    if path and (path[-1].endswith('=)') or (path[-1].startswith('[') and not path[-1][1:-1].isdigit())):
        return path[-1].split('(')[-1] if path[-1].endswith('=)') else path[-1]
    return None


@dataclass(frozen=True)
class _Placeholders:
    datetimes: bool
    paths: dict[Path, str]
    keys: dict[str, str]


def _read_placeholders(old_texts: Sequence[str]) -> _Placeholders:
    datetimes = any(_DATETIME_PLACEHOLDER in text for text in old_texts)
    paths: dict[Path, str] = {}
    keys: dict[str, str] = {}
    for text in old_texts:
        try:
            tree = ast.parse(text.strip(), mode='eval').body
        except SyntaxError:
            for match in re.finditer(r"(\w+)=('\.\.\.'|\.\.\.)(?=[,)\s]|$)", text):
                keys[f'{match[1]}=)'] = match[2]
            continue
        for path, node in _walk(tree):
            placeholder = _placeholder(node)
            if placeholder is None:
                continue
            paths[path] = placeholder
            key = _key(path)
            if key is not None and placeholder != _DATETIME_PLACEHOLDER:
                keys[key] = placeholder
    return _Placeholders(datetimes, paths, keys)


class _Offsets:
    """Character offsets in a text of the AST positions parsed from it (which count columns in UTF-8 bytes)."""

    def __init__(self, text: str) -> None:
        self.lines = text.split('\n')
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line) + 1)

    def _offset(self, line: int, byte_column: int) -> int:
        return self.starts[line - 1] + len(self.lines[line - 1].encode()[:byte_column].decode(errors='replace'))

    def span(self, node: ast.AST) -> tuple[int, int]:
        """Where `node` starts and ends in the text."""
        return (
            self._offset(node.lineno, node.col_offset),  # type: ignore[attr-defined]
            self._offset(node.end_lineno, node.end_col_offset),  # type: ignore[attr-defined]
        )


VOLATILE_KEYWORDS = ('run_id', 'conversation_id', 'provider_response_id')
"""Values printed under these keywords change on every run: written as `'...'` unless the doc shows them."""


def carry_placeholders(text: str, old_texts: Sequence[str]) -> str:
    """Write placeholders into freshly printed `text`: the doc's own, and those for volatile values.

    Volatile values are datetimes (`datetime.datetime(...)`) and the ids of `VOLATILE_KEYWORDS` (`'...'`).
    A value the doc shows verbatim is kept as printed.
    """
    doc = _read_placeholders(old_texts)
    placeholders = _Placeholders(
        datetimes=True,
        paths=doc.paths,
        keys={**{f'{k}=)': "'...'" for k in VOLATILE_KEYWORDS}, **doc.keys},
    )
    try:
        tree = ast.parse(text, mode='eval').body
    except SyntaxError:
        return text
    offsets = _Offsets(text)
    replacements: list[tuple[int, int, str]] = []
    skip_under: list[Path] = []
    for path, node in _walk(tree):
        if any(path[: len(p)] == p for p in skip_under):
            continue
        chosen = placeholders.paths.get(path)
        key = _key(path)
        if chosen is None and key is not None:
            chosen = placeholders.keys.get(key)
        if (
            chosen is None
            and placeholders.datetimes
            and isinstance(node, ast.Call)
            and ast.unparse(node.func) == 'datetime.datetime'
        ):
            chosen = _DATETIME_PLACEHOLDER
        if chosen == "'...'" and not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            chosen = None  # `'...'` stands for a string: keep other values as printed
        if chosen == _DATETIME_PLACEHOLDER and not (
            isinstance(node, ast.Call) and ast.unparse(node.func) == 'datetime.datetime'
        ):
            chosen = None
        if chosen is None:
            continue
        start, end = offsets.span(node)
        if any(text[start:end] in old for old in old_texts):
            continue  # the doc shows this very value
        replacements.append((start, end, chosen))
        skip_under.append(path)
    for start, end, placeholder in sorted(replacements, reverse=True):
        text = text[:start] + placeholder + text[end:]
    return text


def _ruff() -> str:
    from ruff.__main__ import find_ruff_bin  # pyright: ignore[reportMissingTypeStubs]

    return str(find_ruff_bin())


def format_output(text: str, width: int) -> str:
    """Lay out a printed repr with ruff's formatter at `width` columns, quotes as printed.

    Text the formatter cannot parse (not a Python expression) is left as it is. The formatter runs
    isolated from any project configuration, so the layout depends only on the doc's line length.
    """
    command = [
        _ruff(),
        'format',
        '--isolated',
        '--line-length',
        str(max(width, 20)),
        '--config',
        'format.quote-style = "preserve"',
        '-',
    ]
    result = subprocess.run(command, input=text.encode(), capture_output=True, check=False)
    if result.returncode != 0:
        return text
    return result.stdout.decode().rstrip('\n')


def layout(printed: Sequence[Printed], old_lines: Sequence[str] | None, width: int) -> list[list[str]]:
    """The lines a doc should show for each of `printed` (one print statement's outputs), placeholders kept."""
    old_texts: list[str] = []
    paired = False
    if old_lines:
        old_texts = ['\n'.join(old_lines)]
        if len(printed) > 1 and len(old_lines) == len(printed):
            old_texts, paired = list(old_lines), True
    laid_out: list[list[str]] = []
    for index, output in enumerate(printed):
        if not output.is_repr:
            laid_out.append(output.text.split('\n'))
            continue
        text = carry_placeholders(output.text, [old_texts[index]] if paired else old_texts)
        laid_out.append(format_output(text, width).split('\n'))
    return laid_out
