r"""Finding each `print(...)` of an example and the output the doc writes under it.

Two forms are read, both right under the print statement and at its indentation:

    print(agent_run.result.output)
    #> The capital of France is Paris.

and, for output of several lines, a triple-quoted string statement (`'''` or three double quotes):

    print(nodes)
    '''
    [
        UserPromptNode(...),
    ]
    '''

The text is taken as written in the source (not the string's value), so a repr with a backslash-n in it reads
the same in the doc and in the output.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

__all__ = ('Expected', 'PrintSite', 'print_sites')


@dataclass(frozen=True)
class Expected:
    """The output written under a print, and where each of its lines is."""

    kind: Literal['comment', 'block']
    """`#>` lines, or a triple-quoted block."""
    quote: str
    """The block's quotes (`'''` or three double quotes); '' for `#>` lines."""
    first_line: int
    """The example's line (1-based) where the written output starts (first `#>` line, or the opening quotes)."""
    last_line: int
    """The example's line where it ends (last `#>` line, or the closing quotes)."""
    lines: tuple[str, ...]
    """The expected output, line by line, without the `#>` markers and the block's indentation."""
    positions: tuple[tuple[int, int], ...]
    """For each line of `lines`: the example's line (1-based) and column (0-based) where it starts."""


@dataclass(frozen=True)
class PrintSite:
    """A `print(...)` statement of an example."""

    line: int
    """The example's line (1-based) where the statement starts."""
    end_line: int
    """The example's line where it ends."""
    indent: str
    """The statement's indentation, which the written output repeats."""
    expected: Expected | None
    """What the doc says it prints, or None if nothing is written under it."""

    def covers(self, line: int) -> bool:
        """Whether the example's `line` is part of this statement."""
        return self.line <= line <= self.end_line


def _is_print(stmt: ast.stmt) -> bool:
    if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
        return False
    call = stmt.value
    if not (isinstance(call.func, ast.Name) and call.func.id == 'print'):
        return False
    return not any(k.arg == 'file' for k in call.keywords)


def _statement_pairs(tree: ast.AST) -> Iterator[tuple[ast.stmt, ast.stmt | None]]:
    """Every statement with the one after it in the same body (None for the last)."""
    for node in ast.walk(tree):
        for name in ('body', 'orelse', 'finalbody'):
            body = getattr(node, name, None)
            if not isinstance(body, list) or not body or not isinstance(body[0], ast.stmt):
                continue
            stmts: list[ast.stmt] = body  # pyright: ignore[reportUnknownVariableType]
            for i, stmt in enumerate(stmts):
                yield stmt, stmts[i + 1] if i + 1 < len(stmts) else None


def _comment_lines(lines: list[str], start: int) -> Expected | None:
    """`#>` lines starting at the example's line `start` (1-based), if any."""
    found: list[str] = []
    positions: list[tuple[int, int]] = []
    index = start - 1
    while index < len(lines):
        stripped = lines[index].lstrip()
        marker = next((m for m in ('#>', '# >') if stripped.startswith(m)), None)
        if marker is None:  # `# >` is what ruff's Markdown formatting makes of `#>`: read it the same
            break
        column = len(lines[index]) - len(stripped) + len(marker)
        text = stripped[len(marker) :]
        if text.startswith(' '):
            text, column = text[1:], column + 1
        found.append(text.rstrip())
        positions.append((index + 1, column))
        index += 1
    if not found:
        return None
    return Expected('comment', '', start, start + len(found) - 1, tuple(found), tuple(positions))


def _block(lines: list[str], stmt: ast.Expr) -> Expected | None:
    """The triple-quoted block statement `stmt`, read as written."""
    opening = lines[stmt.lineno - 1][stmt.col_offset :]
    quote = opening[:3]
    if quote not in ("'''", '"""'):
        return None
    end = stmt.end_lineno or stmt.lineno
    closing = lines[end - 1]
    raw: list[tuple[int, str, int]] = []  # (example line, text, column of text)
    head = opening[3:]
    if end == stmt.lineno:  # '''one line'''
        body = head[: head.rfind(quote)] if head.rfind(quote) >= 0 else head
        raw.append((stmt.lineno, body, stmt.col_offset + 3))
    else:
        if head.strip():
            raw.append((stmt.lineno, head, stmt.col_offset + 3))
        for number in range(stmt.lineno + 1, end):
            raw.append((number, lines[number - 1], 0))
        tail = closing[: closing.rfind(quote)]
        if tail.strip():
            raw.append((end, tail, 0))
    widths = [len(text) - len(text.lstrip()) for _, text, column in raw if text.strip() and column == 0]
    common = min(widths, default=0)
    texts: list[str] = []
    positions: list[tuple[int, int]] = []
    for number, text, column in raw:
        cut = common if column == 0 else 0
        texts.append(text[cut:].rstrip())
        positions.append((number, column + cut))
    return Expected('block', quote, stmt.lineno, end, tuple(texts), tuple(positions))


def print_sites(source: str, tree: ast.Module | None = None) -> list[PrintSite]:
    """The print statements of an example's source, in order, each with its written output.

    Pass the source's `tree` when it is parsed already: it is parsed otherwise.

    Raises:
        SyntaxError: the source does not parse.

    """
    if tree is None:
        tree = ast.parse(source)
    lines = source.split('\n')  # an example's lines are joined with \n: see blocks.py
    sites: list[PrintSite] = []
    for stmt, following in _statement_pairs(tree):
        if not _is_print(stmt):
            continue
        end = stmt.end_lineno or stmt.lineno
        expected = _comment_lines(lines, end + 1)
        if (
            expected is None
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
            and following.lineno == end + 1
        ):
            expected = _block(lines, following)
        line = lines[stmt.lineno - 1]
        sites.append(PrintSite(stmt.lineno, end, line[: len(line) - len(line.lstrip())], expected))
    sites.sort(key=lambda s: s.line)
    return sites
