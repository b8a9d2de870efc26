"""Comparing printed output with the output a doc writes, structurally, and explaining a difference.

Both sides are split into tokens (strings, numbers, names, `...`, punctuation); whitespace, line breaks
and a comma right before a closing bracket are not tokens, so any formatter's layout compares equal.
Strings compare by value, so `'a'` equals `"a"`. In the doc's text:

- `...` matches any run of balanced tokens, including none: `datetime.datetime(...)` matches any
  datetime, `[...]` any list;
- a string `'...'` matches any one string.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .blocks import CodeBlock
from .expected import Expected, PrintSite

__all__ = ('UPDATE_FLAG', 'Mismatch', 'Token', 'compare', 'explain', 'tokenize')

UPDATE_FLAG = '--agentrun-update-docs'

_TOKEN = re.compile(
    r"""
    (?P<str>[rRbBuUfF]{0,2}(?:'''(?:\\.|[^\\])*?'''|\"\"\"(?:\\.|[^\\])*?\"\"\"|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"))
    |(?P<ellipsis>\.\.\.)
    |(?P<num>(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?[jJ]?)
    |(?P<name>[^\W\d]\w*)
    |(?P<space>\s+)
    |(?P<op>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_OPEN = frozenset('([{')
_CLOSE = frozenset(')]}')


@dataclass(frozen=True)
class Token:
    """A token of printed or expected output."""

    kind: str
    """'str', 'num', 'name', 'ellipsis' or 'op'."""
    text: str
    """As written."""
    value: object
    """What it compares by: a string's value, else the text."""
    line: int
    """The index of the line it starts on, in the lines it was read from."""
    column: int
    """Its column in that line."""

    @property
    def is_string_placeholder(self) -> bool:
        """Whether this is `'...'`, which matches any string."""
        return self.kind == 'str' and self.value == '...'


def _string_value(text: str) -> object:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def tokenize(lines: Sequence[str]) -> list[Token]:
    """Split text, given as lines, into the tokens that are compared."""
    text = '\n'.join(lines)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    tokens: list[Token] = []
    line = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or 'op'
        if kind == 'space':
            continue
        while line + 1 < len(starts) and starts[line + 1] <= match.start():
            line += 1
        piece = match.group()
        value = _string_value(piece) if kind == 'str' else piece
        tokens.append(Token(kind, piece, value, line, match.start() - starts[line]))
    # a trailing comma (`[a, b,]`) is layout, not content
    return [
        t
        for i, t in enumerate(tokens)
        if not (t.text == ',' and i + 1 < len(tokens) and tokens[i + 1].text in _CLOSE and tokens[i + 1].kind == 'op')
    ]


def _same(expected: Token, actual: Token) -> bool:
    if expected.is_string_placeholder:
        return actual.kind == 'str'
    return expected.kind == actual.kind and expected.value == actual.value


def _skip_balanced(actual: Sequence[Token], start: int) -> list[int]:
    """The positions `...` can reach from `start`: after zero or more tokens, with brackets balanced."""
    reachable = [start]
    depth = 0
    for index in range(start, len(actual)):
        text = actual[index].text if actual[index].kind == 'op' else ''
        if text in _OPEN:
            depth += 1
        elif text in _CLOSE:
            depth -= 1
            if depth < 0:
                break
        if depth == 0:
            reachable.append(index + 1)
    return reachable


@dataclass(frozen=True)
class Mismatch:
    """Where expected and actual first part: the expected token's index and the actual token's index."""

    expected_index: int
    """Index into the expected tokens (== their number when the doc's output ended too early)."""
    actual_index: int
    """Index into the actual tokens (== their number when the printed output ended too early)."""


def compare(expected: Sequence[Token], actual: Sequence[Token]) -> Mismatch | None:
    """Match the doc's tokens against the printed tokens; None when they match.

    `...` makes the match ambiguous, so every position the actual side can be at is followed at once
    (a small automaton): the cost is at most expected x actual steps, with no backtracking.
    """
    positions = {0}
    for i, token in enumerate(expected):
        following: set[int] = set()
        if token.kind == 'ellipsis':
            for j in positions:
                following.update(_skip_balanced(actual, j))
        else:
            following = {j + 1 for j in positions if j < len(actual) and _same(token, actual[j])}
        if not following:
            return Mismatch(i, max(positions))
        positions = following
    if len(actual) in positions:
        return None
    return Mismatch(len(expected), max(positions))


# --- explaining a difference ---------------------------------------------------------------------------


def explain(
    *,
    block: CodeBlock,
    path: str,
    site: PrintSite,
    printed: bool,
    laid_out: Sequence[Sequence[str]],
    mismatch: Mismatch,
    expected_tokens: Sequence[Token],
    actual_tokens: Sequence[Token],
) -> str:
    """The failure of a print whose output differs from the doc: where they first part, and a diff.

    `path` is how the doc is shown, `printed` whether the print ran at all, `laid_out` its output as the doc
    would write it; the line numbers are the doc's.
    """
    print_line = block.doc_line(site.line)
    expected = site.expected
    if expected is None:
        head = f'{path}:{print_line}: print(...) printed output the doc does not show'
    elif not printed:
        head = f'{path}:{print_line}: the doc shows output under this print(...), but it never printed'
    else:
        head = f'{path}:{print_line}: printed output differs from the doc'
    lines = [head]
    if expected is not None and printed:
        lines.append(_first_difference(block, path, expected, mismatch, expected_tokens, actual_tokens))
    lines.append(f"  diff (- the doc at {path}, + printed; numbers are the doc's lines):")
    lines.extend(_diff(block, expected, [line for output in laid_out for line in output]))
    lines.append(f"Run pytest with {UPDATE_FLAG} to rewrite the doc's output with what was printed.")
    return '\n'.join(lines)


def _doc_position(block: CodeBlock, token: Token, expected: Expected) -> tuple[int, int]:
    line, column = expected.positions[token.line]
    return block.doc_line(line), len(block.indent) + column + token.column + 1


def _first_difference(
    block: CodeBlock,
    path: str,
    expected: Expected,
    mismatch: Mismatch,
    expected_tokens: Sequence[Token],
    actual_tokens: Sequence[Token],
) -> str:
    shown = (
        repr(actual_tokens[mismatch.actual_index].text)
        if mismatch.actual_index < len(actual_tokens)
        else 'nothing more'
    )
    if mismatch.expected_index < len(expected_tokens):
        token = expected_tokens[mismatch.expected_index]
        line, column = _doc_position(block, token, expected)
        return f'  first difference at {path}:{line}:{column}: the doc has {token.text!r}, the output has {shown}'
    last = expected.positions[-1][0] if expected.positions else expected.first_line
    return (
        f"  first difference after {path}:{block.doc_line(last)}: the doc's output ends, "
        f'the output goes on with {shown}'
    )


def _diff(block: CodeBlock, expected: Expected | None, actual_lines: list[str]) -> list[str]:
    expected_lines: list[str] = list(expected.lines) if expected is not None else []
    numbers = [block.doc_line(p[0]) for p in expected.positions] if expected is not None else []
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
