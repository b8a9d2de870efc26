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
    from pathlib import Path

    from .docs.items import DocsSettings
    from .docs.update import Outcome
    from .fixture import AgentRunFactory, Options
    from .replay import CassetteSession

_MARKER_OPTIONS = ('real_requests', 'strict', 'cassette', 'record', 'match_on')
_reports_key = pytest.StashKey[dict[str, pytest.TestReport]]()
_options_key = pytest.StashKey['Options']()
_docs_key = pytest.StashKey['DocsSettings']()
_gatherer_key = pytest.StashKey['_ReportGatherer']()
_outcome_key: pytest.StashKey[Outcome] = pytest.StashKey()
_EDITS_ATTRIBUTE = 'agentrun_doc_edits'
_CASSETTES_ATTRIBUTE = 'agentrun_cassettes_written'
_item_written_key = pytest.StashKey[list[tuple[str, bool]]]()
_cassette_key = pytest.StashKey['CassetteSession']()


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
    group.addoption(
        '--agentrun-docs',
        action='store_true',
        default=None,
        help='check the Python examples of the Markdown files given or found (ini: agentrun_docs)',
    )
    group.addoption(
        '--agentrun-docstrings',
        action='store_true',
        default=None,
        help='check the examples in the docstrings of the .py files given or found (ini: agentrun_docstrings)',
    )
    group.addoption(
        '--agentrun-docs-module',
        action='append',
        default=[],
        metavar='NAME',
        help='check the docstring examples of an importable module, e.g. pydantic_ai.run (repeatable; '
        'ini: agentrun_docs_modules)',
    )
    group.addoption(
        '--agentrun-update-docs',
        action='store_true',
        default=False,
        help='rewrite the output written in doc examples with what they print (at the end of the session)',
    )
    parser.addini('agentrun_docs', type='bool', default=False, help='check the Python examples of Markdown files')
    parser.addini(
        'agentrun_docstrings', type='bool', default=False, help='check the examples in docstrings of .py files'
    )
    parser.addini(
        'agentrun_docs_modules', type='linelist', default=[], help='modules whose docstring examples to check'
    )
    parser.addini(
        'agentrun_doc_rules_file',
        default='',
        help='a .py file defining `rules` or a .json object: prompt -> answer, for doc examples',
    )
    parser.addini(
        'agentrun_docs_line_length',
        default='88',
        help='the line length printed output is laid out to when docs are updated (default: 88)',
    )
    parser.addini(
        'agentrun_docs_call',
        default='main',
        help='the function an example defines that is called after it runs (default: main; per block: call="...")',
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
    gatherer = config.stash[_gatherer_key] = _ReportGatherer()
    config.pluginmanager.register(gatherer, 'agentrun-report-gatherer')
    settings = _docs_settings(config)
    if settings is not None:
        config.stash[_docs_key] = settings


def _docs_settings(config: pytest.Config) -> DocsSettings | None:
    """Read and check the doc options; None when no doc examples are collected."""
    markdown = bool(config.getoption('agentrun_docs') or config.getini('agentrun_docs'))
    docstrings = bool(config.getoption('agentrun_docstrings') or config.getini('agentrun_docstrings'))
    modules = tuple(config.getoption('agentrun_docs_module') or config.getini('agentrun_docs_modules'))
    update = bool(config.getoption('agentrun_update_docs'))
    if not (markdown or docstrings or modules):
        if update:
            raise pytest.UsageError(
                '--agentrun-update-docs rewrites the output written in doc examples, but no doc examples are '
                'collected: add --agentrun-docs (Markdown), --agentrun-docstrings (.py docstrings) or '
                '--agentrun-docs-module NAME.'
            )
        return None
    from .docs.items import DocsSettings, load_rules_file

    length = str(config.getini('agentrun_docs_line_length'))
    if not length.isdigit() or int(length) < 20:
        raise pytest.UsageError(f'agentrun_docs_line_length must be a whole number of at least 20, got {length!r}')
    call = str(config.getini('agentrun_docs_call')).strip()
    rules_name = str(config.getini('agentrun_doc_rules_file')).strip()
    rules_file: Path | None = None
    if rules_name:
        base = config.inipath.parent if config.inipath is not None else config.rootpath
        rules_file = base / rules_name
    return DocsSettings(
        markdown=markdown,
        docstrings=docstrings,
        modules=modules,
        update=update,
        line_length=int(length),
        call=call,
        rules_file=rules_file,
        file_rules=load_rules_file(rules_file) if rules_file is not None else (),
    )


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Collect the examples of Markdown files (`--agentrun-docs`) and of docstrings (`--agentrun-docstrings`)."""
    settings = parent.config.stash.get(_docs_key, None)
    if settings is None:
        return None
    from .docs.items import DocFile, DocstringFile

    collector: DocFile | DocstringFile | None = None
    if settings.markdown and file_path.suffix.lower() in ('.md', '.markdown'):
        collector = DocFile.from_parent(parent, path=file_path)  # pyright: ignore[reportUnknownMemberType]
    elif settings.docstrings and file_path.suffix == '.py':
        collector = DocstringFile.from_parent(parent, path=file_path)  # pyright: ignore[reportUnknownMemberType]
    if collector is not None:
        collector.settings = settings
    return collector


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Add the docstring examples of the modules named with `--agentrun-docs-module`."""
    settings = config.stash.get(_docs_key, None)
    if settings is None or not settings.modules:
        return
    import importlib.util
    from pathlib import Path

    from .docs.items import DocModule

    for name in settings.modules:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError) as exc:
            raise pytest.UsageError(f'--agentrun-docs-module {name}: cannot import it ({exc})') from None
        if spec is None or spec.origin is None or not spec.origin.endswith('.py'):
            raise pytest.UsageError(
                f'--agentrun-docs-module {name}: no importable Python source file has that name '
                '(give a dotted module name, e.g. pydantic_ai.run)'
            )
        module = DocModule.from_parent(session, path=Path(spec.origin), nodeid=name)  # pyright: ignore[reportUnknownMemberType]
        module.settings = settings
        # collected through the hooks, so reports count the items and show a collection error as one
        report = module.ihook.pytest_make_collect_report(collector=module)
        module.ihook.pytest_collectreport(report=report)
        items.extend(i for i in report.result if isinstance(i, pytest.Item))


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
    from .files import shown_path
    from .replay import CassetteSession

    test_name = '.'.join(item.nodeid.split('::')[1:]) or item.name
    stem = options.cassette if isinstance(options.cassette, str) else None
    path = cassette_path(item.path, test_name, stem)
    return CassetteSession(
        path=path,
        shown=shown_path(path, item.config.rootpath),
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
    written = item.stash.setdefault(_item_written_key, [])
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
    """List the cassettes recorded and the doc examples rewritten, and those left as they were."""
    _summarize_cassettes(terminalreporter)
    _summarize_doc_updates(terminalreporter)


def _summarize_cassettes(terminalreporter: pytest.TerminalReporter) -> None:
    gatherer = terminalreporter.config.stash.get(_gatherer_key, None)
    written = gatherer.cassettes if gatherer is not None else []
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
    edits = getattr(item, 'edits', None)
    if report.when == 'call' and edits:
        # plain data on the report: it reaches the xdist controller, which alone writes doc files
        setattr(report, _EDITS_ATTRIBUTE, [e.to_dict() for e in edits])
    written = item.stash.get(_item_written_key, None)
    if report.when == 'teardown' and written:
        setattr(report, _CASSETTES_ATTRIBUTE, [list(w) for w in written])
    return report


class _ReportGatherer:
    """Gathers what tests report for the end of the session (doc rewrites, cassettes written).

    It reads reports, not items, so under pytest-xdist the controller sees what every worker did.
    """

    def __init__(self) -> None:
        self.edits: list[dict[str, Any]] = []
        self.cassettes: list[tuple[str, bool]] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Keep the doc edits and the cassettes written that a report carries."""
        self.edits.extend(getattr(report, _EDITS_ATTRIBUTE, None) or ())
        self.cassettes.extend((str(shown), bool(ok)) for shown, ok in getattr(report, _CASSETTES_ATTRIBUTE, None) or ())


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write the gathered doc rewrites, once, at the end of the session (not on xdist workers)."""
    config = session.config
    settings = config.stash.get(_docs_key, None)
    if settings is None or not settings.update or hasattr(config, 'workerinput'):
        return
    from .docs.update import Edit, apply_edits

    gatherer = config.stash.get(_gatherer_key, None)
    edits = [Edit.from_dict(e) for e in (gatherer.edits if gatherer is not None else [])]
    config.stash[_outcome_key] = apply_edits(edits, config.rootpath)


def _summarize_doc_updates(terminalreporter: pytest.TerminalReporter) -> None:
    from .files import shown_path

    config = terminalreporter.config
    outcome = config.stash.get(_outcome_key, None)
    if outcome is None:
        return
    if not outcome.rewritten and not outcome.refused:
        terminalreporter.write_sep('-', 'pytest-agentrun: doc examples')
        terminalreporter.write_line('no doc example needed rewriting')
        return
    terminalreporter.write_sep('-', 'pytest-agentrun: doc examples rewritten')
    for path, examples in outcome.rewritten.items():
        terminalreporter.write_line(f'{shown_path(path, config.rootpath)}: {", ".join(examples)}')
    for path, why in outcome.refused.items():
        terminalreporter.write_line(f'NOT rewritten {shown_path(path, config.rootpath)}: {why}', red=True)


@pytest.fixture
def agentrun_doc_rules() -> dict[str, Any]:
    """Rules answering the prompts of doc examples: override it in conftest.py.

    Return a mapping (or a list of pairs) from a prompt (a string, or `re.compile(...)`, or
    `tool_return(...)`) to the answer (any script item, e.g. text). Example:
    `return {'What is the capital of France?': 'The capital of France is Paris.'}`.
    """
    return {}


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
