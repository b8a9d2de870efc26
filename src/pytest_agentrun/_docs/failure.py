"""`DocCheckFailure`: a doc example that failed its check."""

from __future__ import annotations

__all__ = ('DocCheckFailure',)


class DocCheckFailure(Exception):
    """A doc example that failed its check; the message is all the report shows (no plugin traceback)."""
