import asyncio
import warnings
from collections.abc import Iterator

import pytest

# Doc pages the tests feed to pytester runs; not doc examples of this project (those are in examples/docs).
collect_ignore = ['pages']


@pytest.fixture
def anyio_backend() -> str:
    return 'asyncio'


@pytest.fixture
def close_run_sync_loop() -> Iterator[None]:
    """Close the event loop `Agent.run_sync` leaves set as current.

    Left open, it is garbage-collected during some later test, and its `ResourceWarning` fails that test
    under `filterwarnings = error`. Use it on every sync test that calls `run_sync`.
    """
    yield
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        try:
            loop = asyncio.get_event_loop()
        except RuntimeError:  # pragma: no cover - no loop left behind
            return
    loop.close()
    asyncio.set_event_loop(None)
