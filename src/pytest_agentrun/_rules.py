"""Rules: answers chosen by what the latest request says, not by position in a script.

A rule's key is matched against the latest request the model receives:

- a string matches the latest user prompt exactly;
- a compiled regular expression (`re.compile(...)`) matches it with `search`;
- `tool_return(name, content)` matches a tool return of that tool (and content, if given) in the latest request;
- `retry_prompt(name, message=...)` matches a retry prompt for that tool (or any) in the latest request;
- `for_model('openai:gpt-5.2', key)` matches what `key` matches, and only in requests to that model (rules
  shared by several models, as the rules of doc examples are, can then answer each model its own way).

Prompt rules only look at requests that carry a user prompt, tool-return rules only at requests that carry
tool returns, and retry rules only at requests that carry retry prompts, so a tool round trip scripted by
rules cannot loop on the prompt that started it.
Rules are not used up: the same rule answers every request it matches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias, Union, cast

from ._script import Retry, ScriptItem, Turn, to_turn

__all__ = (
    'ForModel',
    'RetryPrompt',
    'Rule',
    'RuleKey',
    'ToolReturn',
    'build_rules',
    'for_model',
    'retry_prompt',
    'tool_return',
)

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


@dataclass(frozen=True)
class RetryPrompt:
    """Matches a request holding a retry prompt for `tool_name` (with `message`, when given)."""

    tool_name: Any = _ANY
    """The tool whose call is retried; `None` for a retry of the response as a whole; left out: any."""
    message: Any = _ANY
    """The retry's text: a string is compared exactly, `re.compile(...)` searched, anything else with `==`."""

    def matches(self, retries: Sequence[Retry]) -> bool:
        """Whether any of the retries matches."""
        return any(self._matches(r) for r in retries)

    def _matches(self, retry: Retry) -> bool:
        if self.tool_name is not _ANY and retry.tool_name != self.tool_name:
            return False
        if self.message is _ANY:
            return True
        pattern: Any = self.message
        if isinstance(pattern, re.Pattern):
            return cast('re.Pattern[str]', pattern).search(retry.message) is not None
        return bool(self.message == retry.message)

    def __repr__(self) -> str:
        args = [] if self.tool_name is _ANY else [repr(self.tool_name)]
        if self.message is not _ANY:
            args.append(f'message={self.message!r}')
        return f'retry_prompt({", ".join(args)})'


def retry_prompt(tool_name: str | None = _ANY, *, message: Any = _ANY) -> RetryPrompt:
    """A rule key matching a retry prompt: pydantic-ai asking the model to try again.

    `retry_prompt('calc_volume')` matches a retry of that tool's call (it raised `ModelRetry`, or its arguments
    failed validation; for structured output, the output tool's name); `retry_prompt(None)` a retry of the
    response as a whole (text output that failed validation, an output validator's `ModelRetry`);
    `retry_prompt()` any retry. `message=` narrows it by the retry's text (a string exactly,
    `re.compile(...)` searched).
    """
    if tool_name is not _ANY and tool_name is not None and (not isinstance(tool_name, str) or not tool_name):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f'retry_prompt() takes a tool name (a non-empty string) or None, got {tool_name!r}')
    return RetryPrompt(tool_name, message)


@dataclass(frozen=True)
class ForModel:
    """Matches what `key` matches, in requests to the model `model` only."""

    model: str
    """The model string the rule answers for (`'openai:gpt-5.2'`)."""
    key: str | re.Pattern[str] | ToolReturn | RetryPrompt
    """What the rule matches in that model's requests."""

    def __repr__(self) -> str:
        return f'for_model({self.model!r}, {self.key!r})'


def for_model(model: str, key: str | re.Pattern[str] | ToolReturn | RetryPrompt) -> ForModel:
    """A rule key matching what `key` matches, only in requests to `model`.

    `for_model('openai:gpt-5.2', 'Hi')` answers 'Hi' when asked of `'openai:gpt-5.2'`, and leaves the same prompt
    to other rules when another model is asked (a fallback model's second model, a second agent's model).
    """
    if not isinstance(model, str) or not model:  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f"for_model() needs a model string first, such as 'openai:gpt-5.2', got {model!r}")
    if not isinstance(key, (str, re.Pattern, ToolReturn, RetryPrompt)):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(
            f'for_model({model!r}, ...) takes a prompt string, re.compile(...), tool_return(...) or '
            f'retry_prompt(...) as its key, got {key!r}'
        )
    return ForModel(model, key)


RuleKey: TypeAlias = Union[str, 're.Pattern[str]', ToolReturn, RetryPrompt, ForModel]
"""What a rule matches on: a prompt, a prompt pattern, a tool return, a retry prompt, or one of them for a model."""


@dataclass(frozen=True)
class Rule:
    """One rule: a key and the turn that answers requests it matches."""

    key: RuleKey
    """What the rule matches."""
    turn: Turn
    """The answer."""

    def matches(
        self,
        prompt: str | None,
        returns: Sequence[tuple[str, Any]],
        retries: Sequence[Retry] = (),
        model: str | None = None,
    ) -> bool:
        """Whether the rule answers a request to `model` whose latest prompt, tool returns and retries are these."""
        key = self.key
        if isinstance(key, ForModel):
            if key.model != model:
                return False
            key = key.key
        if isinstance(key, ToolReturn):
            return key.matches(returns)
        if isinstance(key, RetryPrompt):
            return key.matches(retries)
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
        if not isinstance(key, (str, re.Pattern, ToolReturn, RetryPrompt, ForModel)):
            raise TypeError(
                f'rules[{index}] has the key {key!r}; '
                'a key is a prompt string, re.compile(...), tool_return(...), retry_prompt(...) or for_model(...)'
            )
        built.append(Rule(key, to_turn(answer, f'rules[{index}] ({key!r})')))  # pyright: ignore[reportUnknownArgumentType]
    return tuple(built)
