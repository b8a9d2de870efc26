r"""How a doc's lines are counted, everywhere: collection, failures, and the rewrites of an update.

A line ends at `\n`, at `\r\n`, or at a lone `\r`: the line endings of CommonMark, which is also how Python
reads source (so a traceback's line numbers agree) and how editors such as VS Code number the lines of a
`.md` file. Nothing else ends a line: a form feed, a vertical tab, U+0085 (next line), U+2028 and U+2029
(line and paragraph separators) are characters of their line, although `str.splitlines()` splits at them.

A UTF-8 byte order mark at the start of a file is not part of its first line: editors hide it, and it is
written back as it was.
"""

from __future__ import annotations

import re

__all__ = ('BOM', 'Line', 'doc_lines', 'line_and_column', 'split_bom', 'split_lines')

BOM = '\ufeff'
"""The byte order mark, as the first character of a decoded file."""

_LINE = re.compile(r'([^\r\n]*)(\r\n|\r|\n)|([^\r\n]+)\Z')

Line = tuple[str, str]
r"""A line's text and its ending: `'\n'`, `'\r\n'`, `'\r'`, or `''` for a last line with no line ending."""


def split_lines(text: str) -> list[Line]:
    """The lines of `text`, each with its own ending, so that joining them gives `text` back exactly."""
    return [(m[1], m[2]) if m[3] is None else (m[3], '') for m in _LINE.finditer(text)]


def doc_lines(text: str) -> list[str]:
    """The lines of `text` without their endings (like `str.splitlines()`, but split only at line endings)."""
    return [line for line, _ in split_lines(text)]


def split_bom(text: str) -> tuple[str, str]:
    """A decoded file's byte order mark ('' when it has none), and the rest of its text."""
    if text.startswith(BOM):
        return BOM, text[len(BOM) :]
    return '', text


def line_and_column(before: str) -> tuple[int, int]:
    r"""The line and column (both 1-based) of the character that follows `before`, a file's text up to it.

    The column counts characters (a BOM is not one); `before` must not end inside a `\r\n`.
    """
    lines = split_lines(split_bom(before)[1])
    if not lines:
        return 1, 1
    text, ending = lines[-1]
    if ending:
        return len(lines) + 1, 1
    return len(lines), len(text) + 1
