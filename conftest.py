"""What the machine running the project's own tests and doc pages may lack, for every test path at once."""

from __future__ import annotations

import sqlite3
import sys
from contextlib import closing

import pytest


def _dbos_cannot_run_here() -> str | None:
    """Why DBOS cannot launch on this machine, or None.

    DBOS's SQLite schema, on Python 3.12 and later, uses unixepoch('subsec') (SQLite 3.42): on an older SQLite its
    tables lack their timestamps and every launch fails with "NOT NULL constraint failed" (DBOS's, not ours).
    """
    if sys.version_info < (3, 12):
        return None
    try:
        with closing(sqlite3.connect(':memory:')) as connection:
            (value,) = connection.execute("SELECT unixepoch('subsec')").fetchone()
    except sqlite3.OperationalError:  # no unixepoch (SQLite < 3.38)
        value = None
    if value is None:  # before 3.42 'subsec' is an unknown modifier: NULL
        return f"DBOS needs SQLite 3.42+ on Python 3.12+ (unixepoch('subsec')); this one has {sqlite3.sqlite_version}"
    return None


_NEEDS_DBOS = ('tests/test_durable_dbos.py', 'docs/durable-execution.md')
"""The tests and the doc page that launch DBOS, relative to the rootdir."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip what launches DBOS, saying why, where DBOS cannot launch."""
    paths = {config.rootpath / path for path in _NEEDS_DBOS}
    needing = [item for item in items if item.path in paths]
    if not needing:
        return
    reason = _dbos_cannot_run_here()
    if reason is not None:
        for item in needing:
            item.add_marker(pytest.mark.skip(reason=reason))
