"""The files the plugin writes into a user's project (cassettes, rewritten doc pages), and how it names them.

A write is atomic: the new bytes go to a temporary file beside the target, flushed to disk, which then
replaces it (`os.replace`), so a reader or a crash only ever sees the old file or the new one. A file that
existed keeps its permissions; a new one gets the usual ones (0o666 less the umask), not the temporary
file's private 0o600.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

__all__ = ('display_path', 'write_atomically')


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomically(path: Path, data: bytes) -> None:
    """Replace (or create, with its directory) `path` with `data`, all at once."""
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o7777 if path.exists() else _new_file_mode()
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f'.{path.name}.', suffix='.agentrun-tmp')
    try:
        with os.fdopen(fd, 'wb') as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def display_path(path: Path | str, root: Path) -> str:
    """`path` as messages show it: relative to the rootdir when inside it, else as it is."""
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return str(path)
