"""The pytest plugin, registered through the `agentrun` entry point: options, one plugin object per feature, fixtures.

- the guard on real model requests (`_guard.GuardPlugin`), in place before any conftest is imported, so that
  agents a conftest builds resolve their model strings to stand-ins too;
- cassettes (`_cassettes.plugin.CassettePlugin`);
- doc checking (`_docs.plugin.DocsPlugin`), when doc examples are collected;
- transcripts of what the agent did, in the reports of failed tests (`_reports.TranscriptPlugin`);
- tracebacks of the plugin's errors that stop at the user's code (`_tracebacks.ShortTracebacks`);
- the `agentrun`, `agentrun_doc_rules` and `agentrun_doc_normalizers` fixtures.

Nothing here imports pydantic-ai: a test that uses none of the plugin's features runs as it would without it.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

import pytest

from . import _guard, _options
from ._cassettes.plugin import CassettePlugin
from ._reports import FACTORY_KEY, PhaseReports, TranscriptPlugin, went_wrong
from ._tracebacks import ShortTracebacks

if TYPE_CHECKING:
    from ._fixture import AgentRunFactory


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the `agentrun` options and their ini keys."""
    _options.add_options(parser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> Generator[None, None, None]:
    """Put the guard in place before the conftest files are imported."""
    stack = _start_guard(early_config)
    try:
        return (yield)
    except BaseException:
        stack.close()  # pytest will not unconfigure a session whose conftest failed to import
        raise


def _start_guard(config: pytest.Config) -> ExitStack:
    stack = ExitStack()
    guard = config.stash[_guard.GUARD_KEY] = stack.enter_context(_guard.session())
    config.pluginmanager.register(_guard.GuardPlugin(guard), 'agentrun-guard')
    config.add_cleanup(stack.close)  # at the end of the session: restore what was there before it
    return stack


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker and the features' plugins."""
    config.addinivalue_line('markers', _options.MARKER_LINE)
    _options.check_record_flags(config)
    if _guard.GUARD_KEY not in config.stash:  # the plugin was loaded after the initial conftests
        _start_guard(config)
    config.pluginmanager.register(PhaseReports(), 'agentrun-reports')
    config.pluginmanager.register(TranscriptPlugin(), 'agentrun-transcripts')
    config.pluginmanager.register(ShortTracebacks(), 'agentrun-tracebacks')
    config.pluginmanager.register(CassettePlugin(), 'agentrun-cassettes')
    settings = _options.docs_settings(config)
    if settings is not None:
        from ._docs.plugin import DocsPlugin

        config.pluginmanager.register(DocsPlugin(settings), 'agentrun-docs')


@pytest.fixture
def agentrun_doc_rules() -> dict[str, Any]:
    """Rules answering the prompts of doc examples: override it in conftest.py.

    Return a mapping (or a list of pairs) from a prompt (a string, or `re.compile(...)`, or
    `tool_return(...)`) to the answer (any script item, e.g. text). Example:
    `return {'What is the capital of France?': 'The capital of France is Paris.'}`.
    """
    return {}


@pytest.fixture
def agentrun_doc_normalizers() -> list[Any]:
    """Output normalisers for doc examples: override it in conftest.py.

    Return a list of callables (a line in, a line out) and `(pattern, replacement)` pairs, applied to each line
    of what examples print and of the output their doc writes before comparing, after those of the ini key
    `agentrun_docs_normalize`. Example: `return [(r'run-[0-9a-f]+', 'run-N'), str.rstrip]`.
    """
    return []


@pytest.fixture
def agentrun(request: pytest.FixtureRequest) -> Iterator[AgentRunFactory]:
    """Run agents against scripted models and record the runs; fails at teardown for unused turns."""
    from ._fixture import AgentRunFactory

    node = request.node
    guard = request.config.stash[_guard.GUARD_KEY]
    factory = node.stash[FACTORY_KEY] = AgentRunFactory(_options.options_for(node), test_name=node.nodeid, guard=guard)
    with guard.scripting(factory.resolve):
        yield factory
    if went_wrong(node):
        return
    problems = [*guard.report_caught_blocked(node), *factory.finish()]
    if problems:
        pytest.fail('\n\n'.join(problems), pytrace=False)
