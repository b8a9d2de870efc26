"""Comparing printed output with the output a doc writes, structurally.

Both sides are split into tokens (strings, numbers, names, `...`, punctuation); whitespace, line breaks
and a comma right before a closing bracket are not tokens, so any formatter's layout compares equal.
Strings compare by value, so `'a'` equals `"a"`. In the doc's text:

- `...` matches any run of balanced tokens, including none: `datetime.datetime(...)` matches any
  datetime, `[...]` any list;
- a string `'...'` matches any one string.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ('Mismatch', 'Token', 'compare', 'tokenize')

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
