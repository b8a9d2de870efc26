import asyncio
import warnings
from collections.abc import Iterator

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return 'asyncio'


@pytest.fixture
def close_run_sync_loop() -> Iterator[None]:
    """Close the event loop pydantic-ai's `Agent.run_sync` leaves behind, for sync tests of code that calls it.

    Left open, the loop is garbage-collected during a later test, whose `ResourceWarning` then fails that
    test under `filterwarnings = error`. `agentrun.run_sync` needs none of this: it closes its own loop.
    """
    yield
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        try:
            loop = asyncio.get_event_loop()
        except RuntimeError:
            return
    loop.close()
    asyncio.set_event_loop(None)
