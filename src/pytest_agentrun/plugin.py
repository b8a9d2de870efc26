"""The pytest plugin: options, markers and fixtures, registered through the `agentrun` entry point.

Nothing here imports pydantic-ai at import time: pytest start-up stays as fast as without the plugin.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the `agentrun` option group."""
    parser.getgroup('agentrun', 'pytest-agentrun: scripted models for pydantic-ai agents')
