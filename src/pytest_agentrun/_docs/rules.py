"""The rules answering the prompts of doc examples: the `agentrun_doc_rules` fixture's, then the rules file's."""

from __future__ import annotations

import json
import runpy
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import pytest

__all__ = ('RULES_ADVICE', 'combine_rules', 'load_rules_file')

RULES_ADVICE = (
    'Add a rule answering this prompt to the agentrun_doc_rules fixture in conftest.py '
    '(or to the file named by the agentrun_doc_rules_file ini key).'
)
"""How to answer a prompt no rule answers: the last line of the failure."""


def load_rules_file(path: Path) -> tuple[tuple[Any, Any], ...]:
    """Rules from a file: a `.py` file defining `rules` (a dict or a list of pairs), or a `.json` object.

    Raises:
        pytest.UsageError: the file is missing or holds no rules in one of those forms.

    """
    if not path.is_file():
        raise pytest.UsageError(f'agentrun_doc_rules_file: {path} does not exist')
    rules: Any
    if path.suffix == '.json':
        try:
            rules = json.loads(path.read_text(encoding='utf-8'))
        except (ValueError, UnicodeDecodeError) as exc:
            raise pytest.UsageError(f'agentrun_doc_rules_file: {path} is not valid JSON: {exc}') from None
    elif path.suffix == '.py':
        rules = runpy.run_path(str(path)).get('rules')
    else:
        raise pytest.UsageError(f'agentrun_doc_rules_file: {path} must be a .py file defining `rules` or a .json file')
    if isinstance(rules, Mapping):
        return tuple(cast('Mapping[Any, Any]', rules).items())
    if isinstance(rules, list):
        pairs = cast('list[Any]', rules)
        if all(isinstance(r, (list, tuple)) and len(cast('Sequence[Any]', r)) == 2 for r in pairs):
            return tuple((r[0], r[1]) for r in pairs)
    raise pytest.UsageError(
        f'agentrun_doc_rules_file: {path} must give rules as a mapping of prompt to answer '
        '(a `rules` dict in a .py file, or a JSON object)'
    )


def combine_rules(fixture_rules: Any, file_rules: Sequence[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """The fixture's rules first (the closest), then the rules file's."""
    if fixture_rules is None:
        pairs: list[tuple[Any, Any]] = []
    elif isinstance(fixture_rules, Mapping):
        pairs = list(fixture_rules.items())  # pyright: ignore[reportUnknownArgumentType,reportUnknownMemberType]
    else:
        pairs = list(fixture_rules)
    return [*pairs, *file_rules]
