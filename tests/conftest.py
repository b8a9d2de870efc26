from collections.abc import Iterator

import pytest

from pytest_agentrun._docs.isolation import close_left_loop

# Doc pages the tests feed to pytester runs; not doc examples of this project (those are in examples/docs).
collect_ignore = ['pages']


@pytest.fixture
def anyio_backend() -> str:
    return 'asyncio'


@pytest.fixture
def close_run_sync_loop() -> Iterator[None]:
    """Close the event loop `Agent.run_sync` leaves set as current.

    Left open, it is garbage-collected during some later test, and its `ResourceWarning` fails that test
    under `filterwarnings = error`. Use it on every sync test that calls `run_sync`. The doc checker does the
    same around each example, with the same function.
    """
    yield
    close_left_loop()
