"""Every option of the plugin: the command line, the ini file and the `agentrun` marker, read in one place.

This module imports no pydantic-ai: it runs for every test of every suite the plugin is installed in.
`options_for(item)` gives a test's options (ini and command line, then its markers, closest first), once
per test; `docs_settings(config)` gives the session's doc-checking settings, or None when no doc is checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

import pytest

__all__ = (
    'MARKER_LINE',
    'MARKER_OPTIONS',
    'MATCH_ASPECTS',
    'DocsSettings',
    'Options',
    'add_options',
    'check_record_flags',
    'docs_settings',
    'options_for',
)

MARKER_OPTIONS = ('real_requests', 'strict', 'cassette', 'record', 'match_on')
"""The keyword options `@pytest.mark.agentrun(...)` takes."""

MATCH_ASPECTS: tuple[str, ...] = ('prompt', 'instructions', 'tools', 'tool_returns', 'history')
"""What a replayed request is compared on, unless the test narrows it with `match_on=`."""

MARKER_LINE = (
    'agentrun(*, real_requests=False, strict=True, cassette=False, record=False, match_on=[...]): '
    'pytest-agentrun options for a test, class or module (the closest marker wins): real_requests lets '
    'unscripted model strings call the real model; strict=False lets scripted turns and recorded requests go '
    'unused; cassette=True (or a file stem) replays unscripted model strings from a cassette beside the test '
    'module; record=True records it against the real model; match_on picks what a replayed request is '
    f'compared on ({", ".join(MATCH_ASPECTS)}).'
)
"""The marker as `pytest --markers` lists it."""


@dataclass(frozen=True, kw_only=True)
class Options:
    """The `agentrun` marker's options, merged closest-first, with the ini and command-line defaults."""

    real_requests: bool = False
    """Let models with no script call the real model."""
    strict: bool = True
    """Fail the test at teardown for scripted turns (and recorded requests) never used."""
    cassette: bool | str = False
    """Replay models with no script from the test's cassette: `True`, or the cassette's file stem."""
    record: bool | Literal['missing'] = False
    """Record the cassette against the real models (the marker or `--agentrun-record`), or only the requests it
    cannot answer (`'missing'`: `--agentrun-record-missing`)."""
    match_on: tuple[str, ...] = MATCH_ASPECTS
    """What a replayed request is compared on with the recorded one; `()` replays in order."""

    @property
    def uses_cassette(self) -> bool:
        """Whether the test records or replays a cassette."""
        return bool(self.cassette) or bool(self.record)


def add_options(parser: pytest.Parser) -> None:
    """Register the command-line options (one `agentrun` group) and their ini keys."""
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
    group.addoption(
        '--agentrun-record-missing',
        action='store_true',
        default=False,
        help='replay the cassettes of tests that have one, and record against the real models only the requests '
        'a cassette cannot answer (new tests, new runs): makes real, possibly paid, requests for those',
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
    parser.addini(
        'agentrun_docs_cwd',
        default='',
        help='the directory doc examples run in, relative to the rootdir (default: the rootdir)',
    )
    parser.addini(
        'agentrun_docs_tmpdir',
        default='false',
        help='run doc examples in a fresh temporary directory: true or page (one per page), example (one per '
        'example), false (default: run them in agentrun_docs_cwd)',
    )
    group.addoption(
        '--agentrun-docs-timeout',
        default=None,
        metavar='SECONDS',
        help='fail a doc example that runs longer than this (ini: agentrun_docs_timeout; default: no limit)',
    )
    parser.addini(
        'agentrun_docs_timeout',
        default='',
        help='fail a doc example that runs longer than this many seconds (default: no limit)',
    )
    parser.addini(
        'agentrun_docs_normalize',
        type='linelist',
        default=[],
        help="`regex => replacement` lines applied to printed output and to the doc's output before comparing",
    )
    parser.addini(
        'agentrun_docs_fence_attributes',
        type='linelist',
        default=[],
        help='extra code fence attributes doc examples may carry, accepted and ignored',
    )


# --- a test's options ----------------------------------------------------------------------------------

_options_key = pytest.StashKey[Options]()


def options_for(item: pytest.Item) -> Options:
    """The test's options, read once: a bad marker fails the test (through its setup, where this is first asked)."""
    options = item.stash.get(_options_key, None)
    if options is None:
        options = item.stash[_options_key] = _read_options(item)
    return options


def _read_options(item: pytest.Item) -> Options:
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
                f'({", ".join(MARKER_OPTIONS)}), got positional {marker.args!r}',
                pytrace=False,
            )
        for key, value in marker.kwargs.items():
            if key not in MARKER_OPTIONS:
                pytest.fail(
                    f'{item.nodeid}: @pytest.mark.agentrun has no option {key!r}; options: {", ".join(MARKER_OPTIONS)}',
                    pytrace=False,
                )
            chosen.setdefault(key, _checked_value(item, key, value))
    values.update(chosen)
    if values.get('cassette') or values.get('record'):
        if item.config.getoption('agentrun_record'):
            values['record'] = True
        elif item.config.getoption('agentrun_record_missing') and not values.get('record'):
            values['record'] = 'missing'
    return Options(**values)


def check_record_flags(config: pytest.Config) -> None:
    """Refuse `--agentrun-record` with `--agentrun-record-missing`: they ask for different recordings."""
    if config.getoption('agentrun_record') and config.getoption('agentrun_record_missing'):
        raise pytest.UsageError(
            '--agentrun-record records every cassette again and --agentrun-record-missing only the requests a '
            'cassette cannot answer: give one of them.'
        )


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


# --- the session's doc settings ------------------------------------------------------------------------


@dataclass(frozen=True)
class DocsSettings:
    """How doc examples are collected and checked, from the command line and the ini file."""

    markdown: bool = False
    """Check the Python examples of Markdown files."""
    docstrings: bool = False
    """Check the examples in the docstrings of .py files."""
    modules: tuple[str, ...] = ()
    """Importable modules whose docstring examples to check."""
    update: bool = False
    """Rewrite the doc's output with what examples print, at the end of the session."""
    line_length: int = 88
    """The line length printed output is laid out to."""
    call: str = 'main'
    """The function an example defines that is called after it runs."""
    rules_file: Path | None = None
    """The file of rules answering the prompts of doc examples, if any."""
    cwd: Path | None = None
    """The directory examples run in (None: wherever the process is)."""
    tmpdir: str = ''
    """'page' or 'example': run in a fresh temporary directory per page or per example; '' not."""
    timeout: float | None = None
    """Fail an example that runs longer than this many seconds (None: no limit)."""
    normalize: tuple[tuple[str, str], ...] = ()
    """(regex, replacement) pairs applied to both sides of a comparison, line by line."""
    fence_attributes: tuple[str, ...] = ()
    """Extra fence attributes to accept and ignore."""


def docs_settings(config: pytest.Config) -> DocsSettings | None:
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
    length = str(config.getini('agentrun_docs_line_length'))
    if not length.isdigit() or int(length) < 20:
        raise pytest.UsageError(f'agentrun_docs_line_length must be a whole number of at least 20, got {length!r}')
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
        call=str(config.getini('agentrun_docs_call')).strip(),
        rules_file=rules_file,
        cwd=_docs_cwd(config),
        tmpdir=_docs_tmpdir(config),
        timeout=_docs_timeout(config),
        normalize=tuple(_normalizer(line) for line in config.getini('agentrun_docs_normalize') if line.strip()),
        fence_attributes=tuple(a.strip() for a in config.getini('agentrun_docs_fence_attributes') if a.strip()),
    )


def _docs_cwd(config: pytest.Config) -> Path:
    name = str(config.getini('agentrun_docs_cwd')).strip()
    path = config.rootpath / name if name else config.rootpath
    if not path.is_dir():
        raise pytest.UsageError(f'agentrun_docs_cwd: {path} is not a directory (paths are relative to the rootdir)')
    return path


def _docs_tmpdir(config: pytest.Config) -> str:
    value = str(config.getini('agentrun_docs_tmpdir')).strip().lower()
    chosen = {'false': '', 'no': '', '0': '', '': '', 'true': 'page', 'yes': 'page', '1': 'page'}.get(value, value)
    if chosen not in ('', 'page', 'example'):
        raise pytest.UsageError(
            f'agentrun_docs_tmpdir takes false, true (a directory per page), page or example, got {value!r}'
        )
    return chosen


def _docs_timeout(config: pytest.Config) -> float | None:
    given = config.getoption('agentrun_docs_timeout')
    text = str(given if given is not None else config.getini('agentrun_docs_timeout')).strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if seconds < 0:
        raise pytest.UsageError(
            f'agentrun_docs_timeout (--agentrun-docs-timeout) takes a number of seconds (0: no limit), got {text!r}'
        )
    return seconds or None


def _normalizer(line: str) -> tuple[str, str]:
    """A `regex => replacement` line of `agentrun_docs_normalize`, checked."""
    text = line.strip()
    if ' => ' in text:
        pattern, _, replacement = text.rpartition(' => ')
    elif text.endswith(' =>'):
        pattern, replacement = text[:-3], ''
    else:
        raise pytest.UsageError(
            f"agentrun_docs_normalize: {text!r} has no ' => '; write one `regex => replacement` a line"
        )
    try:
        re.compile(pattern.strip())
    except re.error as exc:
        raise pytest.UsageError(
            f'agentrun_docs_normalize: {text!r} is not a valid regular expression ({exc}); '
            'write one `regex => replacement` a line'
        ) from None
    return pattern.strip(), replacement.strip()
