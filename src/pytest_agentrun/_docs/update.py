"""Rewriting doc files with what their examples printed: gathered during the session, written once at its end.

`edit_for` turns what one print statement printed into an `Edit` of the doc's lines.

Each example that printed something other than its doc says becomes an `Edit` (a range of the file's lines
and what replaces them). Edits travel as plain dicts on test reports, so under pytest-xdist they reach the
controller, which alone writes. At the end of the session each file is written at most once:

- only if it is unchanged since its examples were collected (its digest) and the replaced lines are still
  what they were, so a file edited meanwhile is left alone and reported;
- only inside the rootdir, so an installed library's docstrings are never rewritten;
- atomically (`pytest_agentrun._files`: through a symbolic link; never a file with several hard links), with
  the original's permissions kept;
- touching only the example's lines: every other byte stays as it was (line endings, a byte order mark, no
  final newline; lines counted as `lines` counts them), and the new lines end as the lines they replace.

A file not written is reported in the terminal summary with the reason, and fails the run.
"""

from __future__ import annotations

import errno
import hashlib
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pytest_agentrun._files import UnsafeWriteError, write_atomically

from .blocks import CodeBlock
from .expected import PrintSite
from .failure import DocCheckFailure
from .lines import Line, split_bom, split_lines

__all__ = ('Edit', 'Outcome', 'apply_edits', 'edit_for')


@dataclass(frozen=True)
class Edit:
    """Replace lines `start`..`end` (1-based, inclusive) of a file; `end == start - 1` inserts before `start`."""

    path: str
    digest: str
    """The file's digest when its examples were collected."""
    start: int
    end: int
    old: tuple[str, ...]
    """The lines replaced, as collected: checked again before writing."""
    new: tuple[str, ...]
    example: str
    """Which example, for the summary (e.g. `line 12`)."""

    def to_dict(self) -> dict[str, Any]:
        """A plain dict that survives pytest-xdist's report serialisation."""
        data = asdict(self)
        data['old'], data['new'] = list(self.old), list(self.new)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Edit:
        """The edit `to_dict` gave."""
        return cls(
            str(data['path']),
            str(data['digest']),
            int(data['start']),
            int(data['end']),
            tuple(data['old']),
            tuple(data['new']),
            str(data['example']),
        )


def edit_for(
    block: CodeBlock, site: PrintSite, laid_out: Sequence[Sequence[str]], file_lines: Sequence[str], path: str
) -> Edit:
    """The edit writing `laid_out` (what the print printed, as the doc writes it) under the print `site`.

    `file_lines` are the doc file's lines when collected, `path` how the doc is shown in messages.
    """
    expected = site.expected
    flat = [line for output in laid_out for line in output]
    if any('\r' in line for line in flat):
        raise DocCheckFailure(
            f'{path}:{block.doc_line(site.line)}: cannot write this output into the doc: it contains a carriage '
            'return (\\r), which ends a line in a doc (and in Python source). Print its repr() instead, '
            'or update the doc by hand.'
        )
    indent = site.indent
    if not laid_out:
        example_lines: list[str] = []
    elif all(len(output) == 1 for output in laid_out):
        example_lines = [f'{indent}#> {line}'.rstrip() for line in flat]
    else:
        if expected is not None and expected.kind == 'block':
            quote = expected.quote
        else:
            quote = "'''" if block.qualname or block.path.suffix == '.py' else '"""'
        example_lines = [
            f'{indent}{quote}',
            *(f'{indent}{line}' if line else '' for line in flat),
            f'{indent}{quote}',
        ]
    if block.escaped:
        if any('"""' in line or "'''" in line for line in flat):
            raise DocCheckFailure(
                f'{path}:{block.doc_line(site.line)}: cannot write this output into a docstring: '
                'it contains triple quotes. Update it by hand.'
            )
        example_lines = [line.replace('\\', '\\\\') for line in example_lines]
    new = tuple(f'{block.indent}{line}' if line else '' for line in example_lines)
    if expected is not None:
        start, end = block.doc_line(expected.first_line), block.doc_line(expected.last_line)
    else:
        start = block.doc_line(site.end_line) + 1
        end = start - 1
    return Edit(
        path=str(block.path),
        digest=block.digest,
        start=start,
        end=end,
        old=tuple(file_lines[start - 1 : end]),
        new=new,
        example=f'line {block.first_line - 1}',
    )


@dataclass
class Outcome:
    """What the end of a session did to the doc files."""

    rewritten: dict[str, list[str]] = field(default_factory=dict[str, list[str]])
    """File -> the examples rewritten in it."""
    refused: dict[str, str] = field(default_factory=dict[str, str])
    """File -> why it was not written."""


def _rewrite(path: Path, edits: list[Edit]) -> str | None:
    """Apply one file's edits; return why not, or None when written."""
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != edits[0].digest:
        return 'changed on disk since its examples were collected; run again to update it'
    bom, text = split_bom(data.decode('utf-8'))
    lines = split_lines(text)
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    for before, after in itertools.pairwise(ordered):
        if after.start <= before.end:
            return f'two examples rewrite overlapping lines ({before.example}, {after.example})'
    for edit in reversed(ordered):
        if tuple(text for text, _ in lines[edit.start - 1 : edit.end]) != edit.old:
            return f'lines {edit.start}-{edit.end} are not what {edit.example} read; run again to update it'
        _replace_lines(lines, edit.start, edit.end, edit.new)
    result = bom + ''.join(text + ending for text, ending in lines)
    write_atomically(path, result.encode('utf-8'), expected=data)
    return None


def _replace_lines(lines: list[Line], start: int, end: int, new: Sequence[str]) -> None:
    """Replace lines `start`..`end` (1-based, inclusive) with `new`, leaving every other line as it is.

    The new lines end as the first line they replace, the last one as the last line replaced, so a file with
    no line ending at its end keeps none. Inserted lines (`end == start - 1`) end as the line above them.
    """
    replaced = lines[start - 1 : end]
    usual = _nearest_ending(lines, start - 1 if replaced else start - 2)
    ends = [usual] * len(new)
    if replaced and ends:
        ends[-1] = replaced[-1][1]
    elif replaced and not replaced[-1][1] and start >= 2:  # the last lines go: the new last line ends as they did
        lines[start - 2] = (lines[start - 2][0], '')
    elif not replaced and ends and start >= 2 and not lines[start - 2][1]:  # appended after a last line
        lines[start - 2] = (lines[start - 2][0], usual)  # with no ending: it gets one, the new last line none
        ends[-1] = ''
    lines[start - 1 : end] = list(zip(new, ends, strict=True))


def _nearest_ending(lines: Sequence[Line], index: int) -> str:
    """The ending of line `index` (0-based), or of the nearest line above it with one (only a last line has none)."""
    for i in range(min(index, len(lines) - 1), -1, -1):
        if lines[i][1]:
            return lines[i][1]
    return '\n'


def apply_edits(edits: Iterable[Edit], rootdir: Path) -> Outcome:
    """Write each file's edits once; files outside `rootdir`, changed meanwhile or in conflict are refused."""
    by_path: dict[str, dict[tuple[int, int], Edit]] = {}
    outcome = Outcome()
    for edit in edits:
        same_place = by_path.setdefault(edit.path, {})
        known = same_place.get((edit.start, edit.end))
        if known is not None and known.new != edit.new:
            outcome.refused[edit.path] = (
                f'{edit.example} printed different output in two runs; make its output the same on every run'
            )
        same_place[(edit.start, edit.end)] = edit
    root = rootdir.resolve()
    for name, placed in sorted(by_path.items()):
        if name in outcome.refused:
            continue
        path = Path(name)
        real = path.resolve()
        if not real.is_relative_to(root):
            link = f'a symbolic link to {real}, ' if path.is_symlink() else ''
            outcome.refused[name] = f"{link}outside the rootdir ({rootdir}): only the project's files are rewritten"
            continue
        file_edits = list(placed.values())
        try:
            why = _rewrite(path, file_edits)
        except UnsafeWriteError as exc:
            why = exc.reason
        except OSError as exc:
            why = _could_not_write(exc)
        if why is None:
            outcome.rewritten[name] = sorted({e.example for e in file_edits}, key=_natural)
        else:
            outcome.refused[name] = why
    return outcome


def _could_not_write(exc: OSError) -> str:
    """Why a write failed, and what to do about it; a failed write leaves the file as it was."""
    if exc.errno in (errno.ENOSPC, getattr(errno, 'EDQUOT', errno.ENOSPC)):
        fix = 'free some disk space'
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = 'make the file and its directory writable'
    else:
        fix = 'fix that'
    return f'could not write it ({exc.strerror or exc}); the file is unchanged: {fix} and run again'


def _natural(label: str) -> tuple[int, str]:
    digits = ''.join(c for c in label.rsplit('line ', 1)[-1] if c.isdigit())
    return (int(digits) if digits else 0, label)
