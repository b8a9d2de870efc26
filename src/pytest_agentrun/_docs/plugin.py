"""Doc checking's pytest hooks: collect the examples, gather their rewrites, write them once at the end.

Registered by the plugin only when doc examples are collected (`--agentrun-docs`, `--agentrun-docstrings`,
`--agentrun-docs-module`, or their ini keys). Rewrites travel as plain data on the reports of the examples,
so under pytest-xdist the controller, which alone writes files, gathers those of every worker. A doc file that
could not be rewritten fails the run (exit status 1), and the summary says why.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_agentrun._files import display_path, remove_stale_temporaries
from pytest_agentrun._options import DocsSettings

if TYPE_CHECKING:
    from importlib.machinery import ModuleSpec

    from .update import Outcome

__all__ = ('DocsPlugin',)

_EDITS_ATTRIBUTE = 'agentrun_doc_edits'
"""The call report's attribute holding an example's rewrites."""

CAPTURED_SHOWN = 10_000
"""How many characters of an example's captured output (stdout, stderr, log) a report keeps, at most."""


def _clip_section(text: str) -> str:
    if len(text) <= CAPTURED_SHOWN:
        return text
    half = CAPTURED_SHOWN // 2
    return (
        f'{text[:half]}\n... (the captured output is clipped here: {CAPTURED_SHOWN:,} of {len(text):,} characters '
        f'shown, the first and the last {half:,}) ...\n{text[-half:]}'
    )


def _source_spec(name: str) -> ModuleSpec | None:
    """The spec of the module `name`, found along the path of the packages above it without importing them."""
    from importlib.machinery import PathFinder

    parts = name.split('.')
    search: list[str] | None = None
    spec: ModuleSpec | None = None
    for index in range(len(parts)):
        spec = PathFinder.find_spec('.'.join(parts[: index + 1]), search)
        if spec is None:
            return None
        search = list(spec.submodule_search_locations or [])
    return spec


class DocsPlugin:
    """Collects doc examples, and rewrites their output at the end of the session when asked."""

    def __init__(self, settings: DocsSettings) -> None:
        from .rules import load_rules_file

        self.settings = settings
        """The session's doc settings."""
        self.file_rules = load_rules_file(settings.rules_file) if settings.rules_file is not None else ()
        """The rules of the rules file, read once."""
        self.edits: list[dict[str, Any]] = []
        """The rewrites gathered from the reports (of every worker, under xdist)."""
        self.outcome: Outcome | None = None
        """What the end of the session did to the doc files."""
        self.tidied: set[Path] = set()
        """The directories of doc files cleared of the temporary files of crashed rewrites (when updating)."""

    def pytest_collect_file(self, file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
        """Collect the examples of Markdown files and of .py files' docstrings, as the settings ask."""
        from .items import DocFile, DocstringFile

        collector: DocFile | DocstringFile | None = None
        if self.settings.markdown and file_path.suffix.lower() in ('.md', '.markdown'):
            collector = DocFile.from_parent(parent, path=file_path)  # pyright: ignore[reportUnknownMemberType]
        elif self.settings.docstrings and file_path.suffix == '.py':
            collector = DocstringFile.from_parent(parent, path=file_path)  # pyright: ignore[reportUnknownMemberType]
        if collector is not None:
            collector.settings, collector.file_rules = self.settings, self.file_rules
            if self.settings.update and file_path.parent not in self.tidied:
                self.tidied.add(file_path.parent)
                remove_stale_temporaries(file_path.parent)  # left by a rewrite that crashed, long ago
        return collector

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, session: pytest.Session, items: list[pytest.Item]) -> None:
        """Add the docstring examples of the modules named with `--agentrun-docs-module`."""
        if not self.settings.modules:
            return
        import importlib.util

        from .items import DocModule

        for name in self.settings.modules:
            try:
                spec = importlib.util.find_spec(name)
            except (ImportError, ValueError) as exc:
                # a package above it fails to import (e.g. an optional extra is missing): its examples are
                # parsed, never imported, so find its source file without importing anything
                spec = _source_spec(name)
                if spec is None:
                    raise pytest.UsageError(f'--agentrun-docs-module {name}: cannot import it ({exc})') from None
            if spec is None or spec.origin is None or not spec.origin.endswith('.py'):
                raise pytest.UsageError(
                    f'--agentrun-docs-module {name}: no importable Python source file has that name '
                    '(give a dotted module name, e.g. pydantic_ai.run)'
                )
            module = DocModule.from_parent(session, path=Path(spec.origin), nodeid=name)  # pyright: ignore[reportUnknownMemberType]
            module.settings, module.file_rules = self.settings, self.file_rules
            # collected through the hooks, so reports count the items and show a collection error as one
            report = module.ihook.pytest_make_collect_report(collector=module)
            module.ihook.pytest_collectreport(report=report)
            items.extend(i for i in report.result if isinstance(i, pytest.Item))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        """Carry an example's rewrites on its call report, as plain data; clip what an example printed elsewhere."""
        report: pytest.TestReport = yield
        edits = getattr(item, 'edits', None)
        if report.when == 'call' and edits:
            setattr(report, _EDITS_ATTRIBUTE, [e.to_dict() for e in edits])
        if edits is not None and report.sections:  # a doc example: megabytes of output make no readable report
            report.sections = [(title, _clip_section(text)) for title, text in report.sections]
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Gather the rewrites a report carries."""
        self.edits.extend(getattr(report, _EDITS_ATTRIBUTE, None) or ())

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Write the gathered rewrites, once, at the end of the session (not on xdist workers)."""
        if not self.settings.update or hasattr(session.config, 'workerinput'):
            return
        from .update import Edit, apply_edits

        self.outcome = apply_edits([Edit.from_dict(e) for e in self.edits], session.config.rootpath)
        if self.outcome.refused and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED  # a rewrite asked for and not done

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        """List the doc files rewritten, and those refused."""
        outcome = self.outcome
        if outcome is None:
            return
        root = terminalreporter.config.rootpath
        if not outcome.rewritten and not outcome.refused:
            terminalreporter.write_sep('-', 'pytest-agentrun: doc examples')
            terminalreporter.write_line('no doc example needed rewriting')
            return
        title = 'rewritten' if outcome.rewritten else 'not rewritten'
        terminalreporter.write_sep('-', f'pytest-agentrun: doc examples {title}')
        for path, examples in outcome.rewritten.items():
            terminalreporter.write_line(f'{display_path(path, root)}: {", ".join(examples)}')
        for path, why in outcome.refused.items():
            terminalreporter.write_line(f'{display_path(path, root)}: not rewritten: {why}', red=True)
        if outcome.refused:
            count = len(outcome.refused)
            terminalreporter.write_line(
                f'{count} doc file{"s" if count > 1 else ""} not rewritten, so this run fails; '
                'fix what is named above and run pytest --agentrun-update-docs again.',
                red=True,
            )
