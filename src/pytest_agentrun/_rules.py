"""Rules: answers chosen by what the latest request says, not by position in a script.

A rule's key is matched against the latest request the model receives:

- a string matches the latest user prompt exactly;
- a compiled regular expression (`re.compile(...)`) matches it with `search`;
- `tool_return(name, content)` matches a tool return of that tool (and content, if given) in the latest request.

Prompt rules only look at requests that carry a user prompt, and tool-return rules only at requests that
carry tool returns, so a tool round trip scripted by rules cannot loop on the prompt that started it.
Rules are not used up: the same rule answers every request it matches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias, Union, cast

from ._script import ScriptItem, Turn, to_turn

__all__ = ('Rule', 'RuleKey', 'ToolReturn', 'build_rules', 'tool_return')

_ANY: Any = object()


@dataclass(frozen=True)
class ToolReturn:
    """Matches a request holding the return of `tool_name` (with `content`, when given)."""

    tool_name: str
    """The tool whose return is matched."""
    content: Any = _ANY
    """The expected return content; compared with `==`, so dirty-equals values work."""

    def matches(self, returns: Sequence[tuple[str, Any]]) -> bool:
        """Whether any of `(tool_name, content)` pairs matches."""
        return any(
            name == self.tool_name and (self.content is _ANY or self.content == content) for name, content in returns
        )

    def __repr__(self) -> str:
        if self.content is _ANY:
            return f'tool_return({self.tool_name!r})'
        return f'tool_return({self.tool_name!r}, {self.content!r})'


def tool_return(tool_name: str, content: Any = _ANY) -> ToolReturn:
    """A rule key matching the return of `tool_name`, optionally only with `content`."""
    if not isinstance(tool_name, str) or not tool_name:  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f'tool_return() needs the tool name as a non-empty string, got {tool_name!r}')
    return ToolReturn(tool_name, content)


RuleKey: TypeAlias = Union[str, 're.Pattern[str]', ToolReturn]
"""What a rule matches on: a prompt, a prompt pattern, or a tool return."""


@dataclass(frozen=True)
class Rule:
    """One rule: a key and the turn that answers requests it matches."""

    key: RuleKey
    """What the rule matches."""
    turn: Turn
    """The answer."""

    def matches(self, prompt: str | None, returns: Sequence[tuple[str, Any]]) -> bool:
        """Whether the rule answers a request whose latest prompt and tool returns are these."""
        key = self.key
        if isinstance(key, ToolReturn):
            return key.matches(returns)
        if prompt is None:
            return False
        if isinstance(key, str):
            return key == prompt
        return key.search(prompt) is not None

    def __repr__(self) -> str:
        return f'{self.key!r}: {self.turn!r}'


def build_rules(rules: Mapping[Any, ScriptItem] | Iterable[tuple[Any, ScriptItem]] | None) -> tuple[Rule, ...]:
    """Validate rules given as a mapping or as `(key, answer)` pairs."""
    if rules is None:
        return ()
    pairs: Iterable[tuple[Any, Any]]
    if isinstance(rules, Mapping):
        pairs = cast('Mapping[Any, Any]', rules).items()
    elif isinstance(rules, (str, bytes)) or not isinstance(rules, Iterable):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f'rules must be a mapping or a list of (key, answer) pairs, got {rules!r}')
    else:
        pairs = rules
    built: list[Rule] = []
    for index, pair in enumerate(pairs):
        if isinstance(rules, Mapping):
            key, answer = pair
        else:
            if not isinstance(pair, tuple) or len(pair) != 2:  # pyright: ignore[reportUnnecessaryIsInstance]
                raise TypeError(f'rules[{index}] is {pair!r}; each rule must be a (key, answer) pair')
            key, answer = pair
        if not isinstance(key, (str, re.Pattern, ToolReturn)):
            raise TypeError(
                f'rules[{index}] has the key {key!r}; a key is a prompt string, re.compile(...) or tool_return(...)'
            )
        built.append(Rule(key, to_turn(answer, f'rules[{index}] ({key!r})')))  # pyright: ignore[reportUnknownArgumentType]
    return tuple(built)
