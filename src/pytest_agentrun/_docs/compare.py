"""Comparing printed output with the output a doc writes, structurally, and explaining a difference.

Both sides are split into tokens (strings, numbers, names, `...`, punctuation); whitespace, line breaks
and a comma right before a closing bracket are not tokens, so any formatter's layout compares equal.
Strings compare by value, so `'a'` equals `"a"`. In the doc's text:

- `...` matches any run of balanced tokens, including none: `datetime.datetime(...)` matches any
  datetime, `[...]` any list;
- a string `'...'` matches any one string.

`compare` does at most expected x actual steps, whatever the patterns (see `benchmarks/bench_compare.py`).
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


@dataclass(frozen=True)
class Mismatch:
    """Where expected and actual first part: the expected token's index and the actual token's index."""

    expected_index: int
    """Index into the expected tokens (== their number when the doc's output ended too early)."""
    actual_index: int
    """Index into the actual tokens (== their number when the printed output ended too early)."""


def compare(expected: Sequence[Token], actual: Sequence[Token]) -> Mismatch | None:
    """Match the doc's tokens against the printed tokens; None when they match.

    `...` makes the match ambiguous, so every position the actual side can be at is followed at once, with
    no backtracking: an automaton, whose state is the set of positions reachable so far (position j: before
    `actual[j]`). A few positions are a list, moved one by one; many are the bits of an int, moved all at
    once: by a token, with the mask of where it is printed and a shift; by `...`, with one addition per
    bracket depth (see `_Printed`). So each expected token costs O(len(actual)) at most, usually O(1), and
    the whole match at most expected x actual.

    The mismatch is the expected token no position could follow, and the farthest actual token reached.
    """
    printed = _Printed(actual, expected)
    positions: _Positions = [0]
    for i, token in enumerate(expected):
        if token.kind == 'ellipsis':
            following = printed.after_ellipsis(positions)
        else:
            following = printed.after_token(token, positions)
        if not following:
            return Mismatch(i, _last(positions))
        positions = following
    if _holds(positions, len(actual)):
        return None
    return Mismatch(len(expected), _last(positions))


_Key = tuple[str, object]
_Positions = list[int] | int
"""Positions of the printed tokens: a list of them when few, else an int whose bit j means position j."""
_FEW = 32
"""Up to this many positions are kept as a list."""
_MAX_LEVELS = 64
"""How many bracket depths (those holding the most positions) `...` moves by bit operations, one at a time;
the positions of any others (deeply nested output) it follows item by item (`_Printed.after_ellipsis`)."""
_DIGITS = bytes.maketrans(b'\x00\x01', b'01')


def _key(token: Token) -> _Key:
    return token.kind, token.value


def _last(positions: _Positions) -> int:
    return max(positions) if isinstance(positions, list) else positions.bit_length() - 1


def _holds(positions: _Positions, position: int) -> bool:
    return position in positions if isinstance(positions, list) else bool(positions >> position & 1)


def _bits(indices: Sequence[int], size: int) -> int:
    """The int whose bits `indices` (all below `size`) are set."""
    if len(indices) < 16:
        return sum(1 << i for i in indices)
    digits = bytearray(size)
    for i in indices:
        digits[i] = 1
    return int(digits[::-1].translate(_DIGITS), 2)


def _positions(bits: int) -> _Positions:
    """`bits` as a list when they are few, else as they are."""
    if bits.bit_count() > _FEW:
        return bits
    digits = bin(bits)[:1:-1]  # digits[j] == '1': position j
    found: list[int] = []
    j = digits.find('1')
    while j >= 0:
        found.append(j)
        j = digits.find('1', j + 1)
    return found


class _Printed:
    """The printed tokens, prepared once for the tokens the doc expects and the positions `...` reaches.

    A position's level is the bracket depth there. From position j, `...` reaches j and every later position
    of the same level that no closing bracket of a lower level separates from it: the positions after each
    whole item (a token, or a bracket and all to its matching bracket). For each level, the positions at it
    and those at it or deeper are bit masks; in the latter, the positions one `...` can cross are runs of set
    bits, so adding the starting positions to the mask carries a bit through each run from its first
    starting position on: one addition fills them all.
    """

    def __init__(self, actual: Sequence[Token], expected: Sequence[Token]) -> None:
        size = len(actual) + 1
        wanted = {_key(t) for t in expected if t.kind != 'ellipsis'}
        found: dict[_Key, list[int]] = {}
        strings: list[int] = []
        steps = [-1] * size  # where `...` goes from a position over one item; -1: nowhere
        opened: list[int] = []
        levels: dict[int, list[int]] = {0: [0]}
        depth = 0
        for index, token in enumerate(actual):
            key = _key(token)
            if key in wanted:
                found.setdefault(key, []).append(index)
            if token.kind == 'str':
                strings.append(index)
            text = token.text if token.kind == 'op' else ''
            if text in _OPEN:
                depth += 1
                opened.append(index)
            elif text in _CLOSE:
                depth -= 1
                if opened:
                    steps[opened.pop()] = index + 1
            else:
                steps[index] = index + 1
            levels.setdefault(depth, []).append(index + 1)
        self._size = size
        self._found = found
        self._found[('str', _STRING_PLACEHOLDER)] = strings
        self._sets: dict[_Key, set[int]] = {}
        self._masks: dict[_Key, int] = {}
        self._steps = steps
        self._levels: list[tuple[int, int]] = []
        """For the levels holding the most positions: (its positions, its positions and the deeper ones) as bits."""
        by_bits = set(sorted(levels, key=lambda level: len(levels[level]), reverse=True)[:_MAX_LEVELS])
        deeper = bytearray(size)  # 1 at the positions of the levels seen so far, deepest first
        others: list[int] = []
        for level in sorted(levels, reverse=True):
            for position in levels[level]:
                deeper[position] = 1
            if level in by_bits:
                self._levels.append((_bits(levels[level], size), int(deeper[::-1].translate(_DIGITS), 2)))
            else:
                others.extend(levels[level])
        self._others = _bits(others, size)
        """The positions of the other levels (of deeply nested output), which `...` follows item by item."""

    def after_token(self, token: Token, positions: _Positions) -> _Positions:
        """The positions after `token`, from those of `positions` where it is printed."""
        key = ('str', _STRING_PLACEHOLDER) if token.is_string_placeholder else _key(token)
        if isinstance(positions, list):
            where = self._sets.get(key)
            if where is None:
                where = self._sets[key] = set(self._found.get(key, ()))
            return [j + 1 for j in positions if j in where]
        mask = self._masks.get(key)
        if mask is None:
            mask = self._masks[key] = _bits(self._found.get(key, ()), self._size)
        return _positions((positions & mask) << 1)

    def after_ellipsis(self, positions: _Positions) -> _Positions:
        """The positions `...` reaches from any of `positions`: after zero or more whole items."""
        if isinstance(positions, list):
            positions = _bits(positions, self._size)
        reached = 0
        for exact, deeper in self._levels:
            starts = positions & exact
            if starts:
                carried = ((deeper + starts) ^ deeper ^ starts) & deeper  # the rest of each run, from its first start
                reached |= (starts | carried) & exact
        others = positions & self._others
        if others:
            reached |= self._follow_steps(others)
        return _positions(reached)

    def _follow_steps(self, positions: int) -> int:
        """`after_ellipsis` item by item from each position, each position reached once (for deep levels)."""
        steps = self._steps
        reached = bytearray(self._size)
        digits = bin(positions)[:1:-1]  # digits[j] == '1': position j
        j = digits.find('1')
        while j >= 0:
            k = j
            while k >= 0 and not reached[k]:  # a position reached already: all that follows it is too
                reached[k] = 1
                k = steps[k]
            j = digits.find('1', j + 1)
        return int(reached[::-1].translate(_DIGITS), 2)


_STRING_PLACEHOLDER = object()
"""The key of `'...'` (any string) among the keys of printed tokens."""


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
