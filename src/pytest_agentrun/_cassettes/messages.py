"""The messages of cassette failures: each names the test, the file and the command that fixes it."""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from typing import Any

from pytest_agentrun._options import MATCH_ASPECTS

from .summary import diff_lines

__all__ = (
    'bad_file_message',
    'exhausted_message',
    'mismatch_message',
    'missing_message',
    'unused_message',
    'unwritten_message',
)


def record_command(nodeid: str) -> str:
    """The command that records the cassette of one test."""
    return f'    pytest --agentrun-record {shlex.quote(nodeid)}'


def missing_message(*, nodeid: str, path: str, name: str) -> str:
    """The failure of a replayed request when the test has no cassette."""
    return '\n'.join(
        [
            f'pytest-agentrun: {nodeid} replays the model {name!r} from a cassette, but {path} does not exist.',
            'Record it against the real model (this makes real, possibly paid, requests):',
            record_command(nodeid),
            'A test with a cassette never calls the real model while replaying.',
        ]
    )


def bad_file_message(*, nodeid: str, path: str, problem: str) -> str:
    """The failure for a cassette that cannot be read."""
    return '\n'.join(
        [
            f'pytest-agentrun: cannot read the cassette {path}:',
            f'  {problem}',
            'Restore the file from version control, or delete it and record it again:',
            record_command(nodeid),
        ]
    )


def mismatch_message(
    *,
    nodeid: str,
    path: str,
    name: str,
    number: int,
    where: str,
    recorded: Mapping[str, Any],
    actual: Mapping[str, Any],
) -> str:
    """The failure of a replayed request that differs from the recorded one, with the diff."""
    return '\n'.join(
        [
            f'pytest-agentrun: request {number} to {name!r} differs from the one recorded in {path} ({where}):',
            *diff_lines(recorded, actual),
            'If the change is intended, record the cassette again:',
            record_command(nodeid),
            'or compare on less: @pytest.mark.agentrun(match_on=[...]) with some of '
            f'{", ".join(MATCH_ASPECTS)} (match_on=[] replays in order).',
        ]
    )


def exhausted_message(*, nodeid: str, path: str, name: str, number: int, recorded: int) -> str:
    """The failure of a replayed request after every recorded answer for its model was used."""
    replayed = 'it was replayed' if recorded == 1 else f'all {recorded} were replayed'
    return '\n'.join(
        [
            f'pytest-agentrun: request {number} to {name!r} has no answer in {path}: the cassette recorded '
            f'{recorded} request{"s" if recorded != 1 else ""} to that model, and {replayed}.',
            'The test now makes more requests than when it was recorded. Record the cassette again:',
            record_command(nodeid),
        ]
    )


UNUSED_SHOWN = 5
"""How many unused requests a failure lists; the rest are counted."""


def unused_message(*, nodeid: str, path: str, unused: Sequence[str], recorded: int) -> str:
    """The teardown failure for recorded requests the test never made: the first few, and how many more."""
    more = len(unused) - UNUSED_SHOWN if len(unused) > UNUSED_SHOWN + 1 else 0
    return '\n'.join(
        [
            f'pytest-agentrun: {len(unused)} of the {recorded} requests recorded in {path} '
            f'{"was" if len(unused) == 1 else "were"} never replayed:',
            *(f'  {u}' for u in unused[: len(unused) - more]),
            *([f'  ... and {more} more'] if more else []),
            'The test now makes fewer requests than when it was recorded. Record the cassette again:',
            record_command(nodeid),
            'or let recorded requests go unused with @pytest.mark.agentrun(strict=False).',
        ]
    )


def unwritten_message(*, nodeid: str, path: str, reason: str) -> str:
    """The teardown failure for a recorded cassette that could not be written."""
    return '\n'.join(
        [
            f'pytest-agentrun: the cassette {path} was not written: {reason}.',
            'The previous cassette, if any, is untouched. Once that is fixed, record it again:',
            record_command(nodeid),
        ]
    )
