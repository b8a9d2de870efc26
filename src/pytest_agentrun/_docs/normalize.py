"""Output normalisers: a project's own rewrites of values no placeholder covers, applied before comparing.

Given as `regex => replacement` lines in the ini key `agentrun_docs_normalize`, and/or by the fixture
`agentrun_doc_normalizers`, returning callables (a line in, a line out) or (pattern, replacement) pairs.
They apply line by line, to what an example printed and to the output its doc writes, the ini's first; the
comparison is between the normalised texts. Only the comparison sees them: a failure's diff shows both sides as
they are, and an update writes what was printed, only where the normalised texts differ.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

from .failure import DocCheckFailure

__all__ = ('Normalizer', 'normalize', 'normalizers')

Normalizer = Callable[[str], str]
"""A line in, the line to compare out."""

_FIXTURE = 'agentrun_doc_normalizers'


def _substitution(pattern: str | re.Pattern[str], replacement: str) -> Normalizer:
    compiled = re.compile(pattern)

    def substitute(line: str) -> str:
        return compiled.sub(replacement, line)

    return substitute


def normalizers(ini: Iterable[tuple[str, str]], fixture: Any) -> list[Normalizer]:
    """The ini's pairs, then the fixture's items, as functions of a line.

    Raises:
        DocCheckFailure: the fixture returned something else than callables and (pattern, replacement) pairs.

    """
    found = [_substitution(pattern, replacement) for pattern, replacement in ini]
    if fixture is None:
        return found
    items: Sequence[Any] = cast('Sequence[Any]', fixture) if isinstance(fixture, (list, tuple)) else [fixture]
    for item in items:
        if callable(item):
            found.append(cast('Normalizer', item))
        elif (
            isinstance(item, tuple)
            and len(cast('tuple[Any, ...]', item)) == 2
            and isinstance(item[0], (str, re.Pattern))
            and isinstance(item[1], str)
        ):
            found.append(_substitution(cast('str | re.Pattern[str]', item[0]), item[1]))
        else:
            raise DocCheckFailure(
                f'the {_FIXTURE} fixture returned {item!r}: return a list of callables (a line in, a line out) '
                "and (pattern, replacement) pairs, e.g. [(r'id-\\d+', 'id-N')]"
            )
    return found


def normalize(lines: Sequence[str], functions: Sequence[Normalizer]) -> list[str]:
    """`lines` with every normaliser applied to each line, in order.

    Raises:
        DocCheckFailure: a normaliser returned something else than one line of text.

    """
    if not functions:
        return list(lines)
    out: list[str] = []
    for line in lines:
        for function in functions:
            result = cast('object', function(line))
            if not isinstance(result, str) or '\n' in result:
                raise DocCheckFailure(
                    f'the output normaliser {function!r} returned {result!r} for the line {line!r}: '
                    'a normaliser takes one line and returns one line of text'
                )
            line = result
        out.append(line)
    return out
