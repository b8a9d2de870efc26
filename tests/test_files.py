"""Files the plugin writes: atomically, with the permissions a user expects."""

from __future__ import annotations

import os
from pathlib import Path

from pytest_agentrun._files import display_path, write_atomically


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
