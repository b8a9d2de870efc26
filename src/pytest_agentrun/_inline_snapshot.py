"""inline-snapshot plugin, loaded through the `inline_snapshot` entry point.

`normalize_messages` puts placeholders where values change from run to run. For each, this hook hands
inline-snapshot a dirty-equals matcher; inline-snapshot's own dirty-equals support then writes it as a
call (`IsDatetime()`) along with its `from dirty_equals import ...`. The matcher equals the placeholder,
so inline-snapshot's check that the written code equals the value holds, and in later runs the matcher
sits in the snapshot, where `--inline-snapshot=fix` leaves it alone.
"""

from __future__ import annotations

from typing import Any

from inline_snapshot.plugin import customize

from ._snapshot import placeholder_matcher


# tryfirst: inline-snapshot's own handler would otherwise write a fresh timestamp as `IsNow()`
@customize(tryfirst=True)
def placeholder_handler(value: Any) -> Any:
    """The matcher for a placeholder in normalized messages, or None for any other value."""
    return placeholder_matcher(value)
