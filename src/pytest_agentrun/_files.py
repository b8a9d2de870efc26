"""The files the plugin writes into a user's project (cassettes, rewritten doc pages), and how it names them.

A write is atomic: the new bytes go to a temporary file beside the target, flushed to disk, which then
replaces it (`os.replace`), so a reader or a crash only ever sees the old file or the new one. A file that
existed keeps its permissions (and its owner, where the system lets us); a new one gets the usual ones
(0o666 less the umask), not the temporary file's private 0o600.

- A symbolic link is written through: its target is replaced, atomically, and the link stays a link. A link
  to nothing is refused.
- A file with several hard links is refused (`UnsafeWriteError`): replacing it would give this name a new file
  and leave the others with the old text, and writing it in place would not be atomic and would reach
  whatever the other names belong to (a package cache hard-links installed files, for one).
- The temporary file is named `.<name>.<12 hex digits>.agentrun-tmp`. A crash (a kill, a power cut) can leave
  one behind; every write, and `remove_stale_temporaries`, removes those of its directory that are older than
  `STALE_AFTER_SECONDS`, only regular files of that exact name owned by the current user: files we made.
  Their age is the test, not whether the process that made them is gone: a process id says nothing about
  a process of another machine sharing the directory, or of another container, and ids are reused.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import time
from pathlib import Path

__all__ = (
    'STALE_AFTER_SECONDS',
    'TEMPORARY_SUFFIX',
    'FileChangedError',
    'UnsafeWriteError',
    'display_path',
    'remove_stale_temporaries',
    'write_atomically',
)

TEMPORARY_SUFFIX = '.agentrun-tmp'
"""The end of the name of a temporary file being written."""

STALE_AFTER_SECONDS = 10 * 60
"""How old (by modification time) a temporary file must be before a later run removes it.

A write takes well under a second: ten minutes leaves room for a slow disk and clocks that disagree."""

_TEMPORARY_NAME = re.compile(r'\..+\.[0-9a-f]{12}' + re.escape(TEMPORARY_SUFFIX), re.DOTALL)
_NAME_ROOM = 200
"""How much of the target's name goes into the temporary file's (names are limited to 255 bytes)."""


class UnsafeWriteError(OSError):
    """A write refused because it would lose or misplace data; the message says why and what to do."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f'{path}: {reason}')
        self.path = path
        """The file, as the writer was given it."""
        self.reason = reason
        """Why it was not written, and what to do (without the file's name)."""


class FileChangedError(UnsafeWriteError):
    """The file changed between being read and being replaced: replacing it would lose that change."""


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _target(path: Path) -> Path:
    """The file to replace: `path`, or the file a symbolic link `path` leads to (through every link)."""
    if not path.is_symlink():
        return path
    target = Path(os.path.realpath(path))
    if not target.exists():
        raise UnsafeWriteError(
            path, f'a symbolic link to {target}, which does not exist; point the link at a file, or remove it'
        )
    return target


def write_atomically(path: Path, data: bytes, *, expected: bytes | None = None) -> None:
    """Replace (or create, with its directory) `path` with `data`, all at once; through a symbolic link.

    With `expected`, the file's bytes must still be those just before it is replaced, else
    `FileChangedError`: a change made meanwhile is not overwritten.

    Raises:
        UnsafeWriteError: the file has other hard links, is not a regular file, is a link to nothing, or
            changed meanwhile (`FileChangedError`).
        OSError: the write itself failed (a read-only directory, a full disk); the file is left as it was.

    """
    path.parent.mkdir(parents=True, exist_ok=True)
    target = _target(path)
    try:
        existing = os.stat(target)
    except FileNotFoundError:
        existing = None
    if existing is not None:
        if not stat.S_ISREG(existing.st_mode):
            raise UnsafeWriteError(path, 'not a regular file; only regular files are written')
        if existing.st_nlink > 1:
            name = target.name
            raise UnsafeWriteError(
                path,
                f'it has {existing.st_nlink} hard links (other names for the same file), which a rewrite would '
                f'leave with the old text; give it a file of its own (cp {name} {name}.new && mv {name}.new {name}) '
                'or make the other names symbolic links, then run again',
            )
    remove_stale_temporaries(target.parent)
    mode = existing.st_mode & 0o7777 if existing is not None else _new_file_mode()
    temporary, fd = _create_temporary(target)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        if existing is not None and hasattr(os, 'chown'):
            with contextlib.suppress(OSError):  # only a privileged user can give a file to another
                os.chown(temporary, existing.st_uid, existing.st_gid)
        os.chmod(temporary, mode)
        if expected is not None and target.read_bytes() != expected:
            raise FileChangedError(path, 'changed on disk while it was being rewritten; run again to update it')
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_directory(target.parent)


def _create_temporary(target: Path) -> tuple[Path, int]:
    """A new, empty, private temporary file beside `target`, and its open descriptor."""
    import secrets  # here, not at start-up: this module is imported by every pytest run

    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_CLOEXEC', 0) | getattr(os, 'O_BINARY', 0)
    while True:
        temporary = target.parent / f'.{target.name[:_NAME_ROOM]}.{secrets.token_hex(6)}{TEMPORARY_SUFFIX}'
        try:
            return temporary, os.open(temporary, flags, 0o600)
        except FileExistsError:  # pragma: no cover - 48 random bits
            continue


def _sync_directory(directory: Path) -> None:
    """Flush the directory entry of a replaced file to disk, where the system allows it (not Windows)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def remove_stale_temporaries(directory: Path, *, older_than: float = STALE_AFTER_SECONDS) -> list[Path]:
    """Remove the temporary files `write_atomically` left in `directory` (crashed writes); return them.

    Only regular files named as ours (`.<name>.<12 hex digits>.agentrun-tmp`), owned by the current user and
    not modified for `older_than` seconds are removed; nothing else is touched, and errors are ignored.
    """
    removed: list[Path] = []
    now = time.time()
    uid = os.geteuid() if hasattr(os, 'geteuid') else None
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.endswith(TEMPORARY_SUFFIX) or _TEMPORARY_NAME.fullmatch(entry.name) is None:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode) or (uid is not None and info.st_uid != uid):
                continue
            if now - info.st_mtime < older_than:
                continue
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed


def display_path(path: Path | str, root: Path) -> str:
    """`path` as messages show it: relative to the rootdir when inside it, else as it is."""
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return str(path)
