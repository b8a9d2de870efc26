"""The pytest plugin: options, the marker, the `agentrun` fixture and the guard on real model requests.

Registered through the `agentrun` entry point. Nothing here imports pydantic-ai at import time, so pytest
start-up costs the same with the plugin as without it: pydantic-ai is imported by the code under test, or
by a fixture on first use.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from . import intercept

if TYPE_CHECKING:
    from .fixture import AgentRunFactory, Options

_MARKER_OPTIONS = ('real_requests', 'strict')
_reports_key = pytest.StashKey[dict[str, pytest.TestReport]]()
_options_key = pytest.StashKey['Options']()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the `agentrun` options and their ini keys."""
    group = parser.getgroup('agentrun', 'pytest-agentrun: scripted models for pydantic-ai agents')
    group.addoption(
        '--agentrun-real-requests',
        action='store_true',
        default=None,
        help='let agents whose model string has no script call the real model (blocked by default)',
    )
    parser.addini(
        'agentrun_real_requests',
        type='bool',
        default=False,
        help='let agents whose model string has no script call the real model (default: false)',
    )
    parser.addini(
        'agentrun_strict',
        type='bool',
        default=True,
        help='fail a test whose scripted turns were not all used (default: true)',
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker and intercept model strings from now on."""
    config.addinivalue_line(
        'markers',
        'agentrun(*, real_requests=False, strict=True): pytest-agentrun options for a test, class or module '
        '(the closest marker wins): real_requests lets unscripted model strings call the real model; '
        'strict=False lets scripted turns go unused.',
    )
    intercept.install()


def _options(item: pytest.Item) -> Options:
    from .fixture import Options

    values: dict[str, Any] = {
        'real_requests': bool(item.config.getini('agentrun_real_requests')),
        'strict': bool(item.config.getini('agentrun_strict')),
    }
    if item.config.getoption('agentrun_real_requests'):
        values['real_requests'] = True
    chosen: dict[str, Any] = {}
    for marker in item.iter_markers('agentrun'):  # closest first
        if marker.args:
            pytest.fail(
                f'{item.nodeid}: @pytest.mark.agentrun takes keyword options only '
                f'({", ".join(_MARKER_OPTIONS)}), got positional {marker.args!r}',
                pytrace=False,
            )
        for key, value in marker.kwargs.items():
            if key not in _MARKER_OPTIONS:
                pytest.fail(
                    f'{item.nodeid}: @pytest.mark.agentrun has no option {key!r}; '
                    f'options: {", ".join(_MARKER_OPTIONS)}',
                    pytrace=False,
                )
            if not isinstance(value, bool):
                pytest.fail(
                    f'{item.nodeid}: @pytest.mark.agentrun({key}=...) takes True or False, got {value!r}',
                    pytrace=False,
                )
            chosen.setdefault(key, value)
    values.update(chosen)
    return Options(**values)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Block or allow real requests for the test about to run (a bad marker fails its setup)."""
    intercept.state.test_name = item.nodeid
    options = item.stash[_options_key] = _options(item)
    intercept.set_real_requests(options.real_requests)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, object, object]:
    """Block real requests again once each test is over."""
    try:
        return (yield)
    finally:
        intercept.set_real_requests(False)
        intercept.state.test_name = None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report, so teardown checks stay quiet when the test already failed or skipped."""
    report: pytest.TestReport = yield
    item.stash.setdefault(_reports_key, {})[report.when] = report
    return report


@pytest.fixture
def agentrun(request: pytest.FixtureRequest) -> Iterator[AgentRunFactory]:
    """Run agents against scripted models and record the runs; fails at teardown for unused turns."""
    from .fixture import AgentRunFactory

    node = request.node
    options = node.stash[_options_key] if _options_key in node.stash else _options(node)  # pyright: ignore[reportArgumentType]
    factory = AgentRunFactory(options, test_name=node.nodeid)
    intercept.state.resolvers.append(factory.resolve)
    try:
        yield factory
    finally:
        intercept.state.resolvers.remove(factory.resolve)
    reports = request.node.stash.get(_reports_key, {})
    if any(r.failed or r.skipped for r in reports.values()):
        return
    problems = factory.finish()
    if problems:
        pytest.fail('\n\n'.join(problems), pytrace=False)
