"""The pytest plugin: options, the marker, the `agentrun` fixture and the guard on real model requests.

Registered through the `agentrun` entry point. Nothing here imports pydantic-ai at import time, so pytest
start-up costs the same with the plugin as without it: pydantic-ai is imported by the code under test, or
by a fixture on first use.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator
from typing import TYPE_CHECKING, Any, cast

import pytest

from . import intercept
from .cassette import MATCH_ASPECTS

if TYPE_CHECKING:
    from .fixture import AgentRunFactory, Options
    from .replay import CassetteSession

_MARKER_OPTIONS = ('real_requests', 'strict', 'cassette', 'record', 'match_on')
_reports_key = pytest.StashKey[dict[str, pytest.TestReport]]()
_options_key = pytest.StashKey['Options']()
_cassette_key = pytest.StashKey['CassetteSession']()
_written_key = pytest.StashKey[list[tuple[str, bool]]]()


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
    group.addoption(
        '--agentrun-record',
        action='store_true',
        default=False,
        help='record the cassettes of tests that have one (@pytest.mark.agentrun(cassette=True)) against the '
        'real models: makes real, possibly paid, requests',
    )
    parser.addini(
        'agentrun_cassettes',
        type='bool',
        default=False,
        help='replay the model strings of every test from its cassette, as cassette=True does (default: false)',
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
        'agentrun(*, real_requests=False, strict=True, cassette=False, record=False, match_on=[...]): '
        'pytest-agentrun options for a test, class or module (the closest marker wins): real_requests lets '
        'unscripted model strings call the real model; strict=False lets scripted turns and recorded requests go '
        'unused; cassette=True (or a file stem) replays unscripted model strings from a cassette beside the test '
        'module; record=True records it against the real model; match_on picks what a replayed request is '
        f'compared on ({", ".join(MATCH_ASPECTS)}).',
    )
    intercept.install()


def _checked_value(item: pytest.Item, key: str, value: Any) -> Any:
    """A marker option's value, or fail the test's setup naming what it takes."""
    if key == 'cassette':
        if isinstance(value, bool) or (isinstance(value, str) and value.strip() and '/' not in value):
            return value
        pytest.fail(
            f'{item.nodeid}: @pytest.mark.agentrun(cassette=...) takes True, False or a file stem such as '
            f"'weather', got {value!r}",
            pytrace=False,
        )
    if key == 'match_on':
        aspects = [value] if isinstance(value, str) else value
        if isinstance(aspects, (list, tuple, set, frozenset)):
            unknown = [a for a in cast('Iterable[object]', aspects) if a not in MATCH_ASPECTS]
            if not unknown:
                return tuple(a for a in MATCH_ASPECTS if a in aspects)
        pytest.fail(
            f'{item.nodeid}: @pytest.mark.agentrun(match_on=...) takes a list of {", ".join(MATCH_ASPECTS)}, '
            f'got {value!r}',
            pytrace=False,
        )
    if not isinstance(value, bool):
        pytest.fail(
            f'{item.nodeid}: @pytest.mark.agentrun({key}=...) takes True or False, got {value!r}',
            pytrace=False,
        )
    return value


def _options(item: pytest.Item) -> Options:
    from .fixture import Options

    values: dict[str, Any] = {
        'real_requests': bool(item.config.getini('agentrun_real_requests')),
        'strict': bool(item.config.getini('agentrun_strict')),
        'cassette': bool(item.config.getini('agentrun_cassettes')),
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
            chosen.setdefault(key, _checked_value(item, key, value))
    values.update(chosen)
    return Options(**values)


def _cassette_session(item: pytest.Item, options: Options) -> CassetteSession:
    from .cassette import cassette_path
    from .replay import CassetteSession

    test_name = '.'.join(item.nodeid.split('::')[1:]) or item.name
    stem = options.cassette if isinstance(options.cassette, str) else None
    path = cassette_path(item.path, test_name, stem)
    try:
        shown = str(path.relative_to(item.config.rootpath))
    except ValueError:
        shown = str(path)
    return CassetteSession(
        path=path,
        shown=shown,
        nodeid=item.nodeid,
        record=options.record or bool(item.config.getoption('agentrun_record')),
        match_on=options.match_on,
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Block or allow real requests for the test about to run (a bad marker fails its setup)."""
    intercept.state.test_name = item.nodeid
    options = item.stash[_options_key] = _options(item)
    intercept.set_real_requests(options.real_requests)
    if options.uses_cassette:
        session = item.stash[_cassette_key] = _cassette_session(item, options)
        intercept.state.cassette = session.model_for
        if session.recording:
            intercept.set_real_requests(True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, object, object]:
    """Block real requests again once each test is over."""
    try:
        return (yield)
    finally:
        intercept.set_real_requests(False)
        intercept.state.test_name = None
        intercept.state.cassette = None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
    """Once the fixtures are torn down: write the cassette recorded, or check the one replayed was used up."""
    session = item.stash.get(_cassette_key, None)
    if session is None:
        return (yield)
    del item.stash[_cassette_key]
    intercept.state.cassette = None
    written = item.config.stash.setdefault(_written_key, [])
    try:
        yield
    except BaseException:
        if session.recording:
            written.append((session.shown, False))
        raise
    reports: dict[str, pytest.TestReport] = item.stash.get(_reports_key, dict[str, pytest.TestReport]())
    passed = 'call' in reports and all(r.passed for r in reports.values())
    done, problems = session.finish(passed=passed, strict=item.stash[_options_key].strict)
    if session.recording and (done or not passed):
        written.append((session.shown, done))  # a passing test that made no request records nothing
    if problems:
        pytest.fail('\n\n'.join(problems), pytrace=False)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """List the cassettes recorded, and those left as they were because their test failed."""
    written: list[tuple[str, bool]] = terminalreporter.config.stash.get(_written_key, list[tuple[str, bool]]())
    kept = [shown for shown, ok in written if not ok]
    done = [shown for shown, ok in written if ok]
    if done:
        terminalreporter.write_sep('-', 'pytest-agentrun: cassettes recorded')
        for shown in done:
            terminalreporter.write_line(f'recorded {shown}')
    if kept:
        terminalreporter.write_sep('-', 'pytest-agentrun: cassettes not recorded')
        for shown in kept:
            terminalreporter.write_line(f'not recorded (the test failed; the previous cassette is untouched): {shown}')


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
