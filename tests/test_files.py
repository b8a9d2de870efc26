"""Files the plugin writes: atomically, with the permissions a user expects, through links, tidied after crashes."""

from __future__ import annotations

import errno
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pytest_agentrun._files import (
    STALE_AFTER_SECONDS,
    FileChangedError,
    UnsafeWriteError,
    display_path,
    remove_stale_temporaries,
    write_atomically,
)


def test_a_new_file_gets_the_usual_permissions_and_its_directory(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        path = tmp_path / 'cassettes' / 'test_x' / 'test_y.json'
        write_atomically(path, b'{}\n')
    finally:
        os.umask(umask)
    assert path.read_bytes() == b'{}\n'
    assert path.stat().st_mode & 0o777 == 0o644  # not the temporary file's 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ['test_y.json']


def test_a_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    path = tmp_path / 'page.md'
    path.write_text('old\n')
    os.chmod(path, 0o640)
    write_atomically(path, b'new\n')
    assert (path.read_text(), path.stat().st_mode & 0o777) == ('new\n', 0o640)


def test_display_path(tmp_path: Path) -> None:
    assert display_path(tmp_path / 'docs' / 'a.md', tmp_path) == os.path.join('docs', 'a.md')
    assert display_path('/elsewhere/b.md', tmp_path) == '/elsewhere/b.md'


def test_a_symbolic_link_is_written_through_and_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / 'pages' / 'page.md'
    real.parent.mkdir()
    real.write_bytes(b'old\n')
    os.chmod(real, 0o640)
    link = tmp_path / 'page.md'
    link.symlink_to(Path('pages') / 'page.md')
    write_atomically(link, b'new\n')
    assert (link.is_symlink(), os.readlink(link), real.read_bytes()) == (
        True,
        os.path.join('pages', 'page.md'),
        b'new\n',
    )
    assert real.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in real.parent.iterdir()) == ['page.md']


def test_a_link_to_nothing_is_refused(tmp_path: Path) -> None:
    link = tmp_path / 'page.md'
    link.symlink_to(tmp_path / 'gone.md')
    with pytest.raises(UnsafeWriteError) as exc:
        write_atomically(link, b'new\n')
    assert exc.value.reason == (
        f'a symbolic link to {tmp_path / "gone.md"}, which does not exist; point the link at a file, or remove it'
    )
    assert (link.is_symlink(), (tmp_path / 'gone.md').exists()) == (True, False)


def test_a_file_with_other_hard_links_is_refused(tmp_path: Path) -> None:
    page = tmp_path / 'page.md'
    page.write_bytes(b'old\n')
    os.link(page, tmp_path / 'copy.md')
    with pytest.raises(UnsafeWriteError) as exc:
        write_atomically(page, b'new\n')
    assert exc.value.reason == (
        'it has 2 hard links (other names for the same file), which a rewrite would leave with the old text; '
        'give it a file of its own (cp page.md page.md.new && mv page.md.new page.md) or make the other names '
        'symbolic links, then run again'
    )
    assert (page.read_bytes(), (tmp_path / 'copy.md').read_bytes()) == (b'old\n', b'old\n')
    assert sorted(p.name for p in tmp_path.iterdir()) == ['copy.md', 'page.md']


def test_a_file_changed_since_it_was_read_is_not_replaced(tmp_path: Path) -> None:
    page = tmp_path / 'page.md'
    page.write_bytes(b'changed\n')
    with pytest.raises(FileChangedError):
        write_atomically(page, b'new\n', expected=b'old\n')
    assert page.read_bytes() == b'changed\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['page.md']


def test_a_full_disk_leaves_the_file_whole_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = tmp_path / 'page.md'
    page.write_bytes(b'old\n')

    def full_disk(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, 'No space left on device')

    monkeypatch.setattr(os, 'write', full_disk)
    with pytest.raises(OSError, match='No space left on device'):
        write_atomically(page, b'new\n')
    monkeypatch.undo()
    assert page.read_bytes() == b'old\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['page.md']


def test_the_temporary_file_has_a_recognisable_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names: list[str] = []
    replace = os.replace

    def spying_replace(source: str, target: str) -> None:
        names.append(os.path.basename(source))
        replace(source, target)

    monkeypatch.setattr(os, 'replace', spying_replace)
    write_atomically(tmp_path / 'page.md', b'x')
    (name,) = names
    assert re.fullmatch(r'\.page\.md\.[0-9a-f]{12}\.agentrun-tmp', name), name


CRASH = """
import os, sys
from pathlib import Path
from pytest_agentrun._files import write_atomically

def crash(source, target):
    os._exit(9)  # killed between writing the temporary file and replacing the page

os.replace = crash
write_atomically(Path(sys.argv[1]), b'new\\n')
"""


def test_a_temporary_file_left_by_a_crash_is_removed_by_a_later_write_once_stale(tmp_path: Path) -> None:
    page = tmp_path / 'page.md'
    page.write_bytes(b'old\n')
    crashed = subprocess.run([sys.executable, '-c', CRASH, str(page)], check=False)
    assert crashed.returncode == 9
    (left,) = [p for p in tmp_path.iterdir() if p.name != 'page.md']
    assert left.read_bytes() == b'new\n'
    assert page.read_bytes() == b'old\n'

    write_atomically(tmp_path / 'other.md', b'x')  # too recent to be removed: it may be another run's, mid-write
    assert left.exists()

    old = time.time() - STALE_AFTER_SECONDS - 1
    os.utime(left, (old, old))
    write_atomically(tmp_path / 'other.md', b'y')  # the cassette writer shares this: it cleans up too
    assert sorted(p.name for p in tmp_path.iterdir()) == ['other.md', 'page.md']


def test_only_our_own_stale_temporary_files_are_removed(tmp_path: Path) -> None:
    ours = tmp_path / '.page.md.0123456789ab.agentrun-tmp'
    fresh = tmp_path / '.page.md.ba9876543210.agentrun-tmp'
    not_ours = [
        tmp_path / '.page.md.0123456789ab.tmp',  # another tool's
        tmp_path / '.page.md.notrandomhex.agentrun-tmp',  # not our name
        tmp_path / 'page.md.0123456789ab.agentrun-tmp',  # not hidden: not our name
    ]
    for path in (ours, fresh, *not_ours):
        path.write_bytes(b'')
    directory = tmp_path / '.dir.0123456789ab.agentrun-tmp'  # our name, but a directory
    directory.mkdir()
    link = tmp_path / '.link.0123456789ab.agentrun-tmp'  # our name, but a link
    link.symlink_to(ours)
    old = time.time() - STALE_AFTER_SECONDS - 1
    for path in (ours, *not_ours, directory):
        os.utime(path, (old, old))
    os.utime(link, (old, old), follow_symlinks=False)
    assert remove_stale_temporaries(tmp_path) == [ours]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in (fresh, *not_ours, directory, link))


@pytest.mark.skipif(not hasattr(os, 'geteuid') or os.geteuid() != 0, reason='only root can give a file away')
def test_as_root_a_stale_temporary_file_of_another_user_is_left_and_owners_are_kept(tmp_path: Path) -> None:
    theirs = tmp_path / '.page.md.0123456789ab.agentrun-tmp'
    theirs.write_bytes(b'')
    os.chown(theirs, 4321, 4321)
    old = time.time() - STALE_AFTER_SECONDS - 1
    os.utime(theirs, (old, old))
    page = tmp_path / 'page.md'
    page.write_bytes(b'old\n')
    os.chown(page, 4321, 4322)
    write_atomically(page, b'new\n')
    assert theirs.exists()
    assert (page.stat().st_uid, page.stat().st_gid, page.read_bytes()) == (4321, 4322, b'new\n')
