"""`AgentRunFactory`: what the `agentrun` fixture gives a test.

It builds scripted models, runs agents against them and records the runs, hands out the real `AgentRun`
to drive by hand, and scripts the model strings of agents the test does not touch (built at import time,
or nested inside the code under test). At teardown the plugin calls `finish()`, which fails the test for
scripted turns never used and for script errors the code under test swallowed.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator, Iterable, Mapping
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Any

from . import _guard
from ._errors import ScriptError, UnusedTurnsError
from ._model import ScriptedModel
from ._options import Options
from ._runs import RecordedRun, drive, record_nodes
from ._script import ScriptItem

if TYPE_CHECKING:
    from pydantic_ai import Agent
    from pydantic_ai.models import Model
    from pydantic_ai.run import AgentRun

__all__ = ('AgentRunFactory',)


def _stand_in_name(agent: Agent[Any, Any]) -> str | None:
    from ._standin import StandInModel

    model = getattr(agent, 'model', None)
    if isinstance(model, StandInModel):
        return model.name
    if isinstance(model, str):
        return model
    return None


class AgentRunFactory:
    """Runs agents against scripted models and records what happened; the `agentrun` fixture."""

    __test__ = False

    def __init__(
        self, options: Options | None = None, test_name: str | None = None, *, guard: _guard.Guard | None = None
    ) -> None:
        """Create a factory; the fixture does this once per test."""
        self.options = options or Options()
        """The options in force for the test."""
        self.test_name = test_name
        self._guard = guard
        self.runs: list[RecordedRun[Any]] = []
        """Every run recorded with `run`, `run_sync` or `iter`, in order."""
        self.models: list[ScriptedModel] = []
        """Every scripted model this factory built, in order."""
        self._by_name: dict[str, ScriptedModel] = {}
        self._surfaced: set[int] = set()

    def __repr__(self) -> str:
        return f'<AgentRunFactory: {len(self.runs)} runs, {len(self.models)} scripted models>'

    # --- scripted models ----------------------------------------------------------------------------

    def model(
        self,
        name: str | None = None,
        script: Iterable[ScriptItem] = (),
        *,
        rules: Mapping[Any, ScriptItem] | Iterable[tuple[Any, ScriptItem]] | None = None,
        default: ScriptItem | None = None,
        **options: Any,
    ) -> ScriptedModel:
        """Build a scripted model; with a `name`, it answers for every agent using that model string.

        `agentrun.model('openai:gpt-5.2', ['Paris.'])` scripts `Agent('openai:gpt-5.2')` wherever it was
        built, for the rest of the test. Without a name, use the model yourself (`agent.override(model=...)`).
        """
        if name is not None and name in self._by_name:
            raise ValueError(
                f'the model {name!r} is already scripted in this test; put all its turns in one script, '
                'or use rules to answer by prompt'
            )
        model = ScriptedModel(script, rules=rules, default=default, model=name, **options)
        self.models.append(model)
        if name is not None:
            self._by_name[name] = model
        return model

    def resolve(self, name: str) -> Model | None:
        """The scripted model for a model string, if this test scripted one (used by the stand-ins)."""
        return self._by_name.get(name)

    def _model_for(
        self,
        agent: Agent[Any, Any],
        script: Iterable[ScriptItem] | None,
        rules: Mapping[Any, ScriptItem] | Iterable[tuple[Any, ScriptItem]] | None,
        default: ScriptItem | None,
        options: dict[str, Any],
    ) -> ScriptedModel | None:
        """The scripted model for a run; `None` to let the agent's own model answer from the test's cassette."""
        name = _stand_in_name(agent)
        if script is None and rules is None and default is None:
            if name is not None and name in self._by_name:
                return self._by_name[name]
            if self.options.uses_cassette:
                return None
            raise TypeError(
                'agentrun.run() needs a script: agentrun.run(agent, prompt, script=[...]) '
                f"(or rules=..., or script the agent's model first with agentrun.model({name or 'NAME'!r}, [...]))"
            )
        model = ScriptedModel(script or (), rules=rules, default=default, model=name, **options)
        self.models.append(model)
        return model

    # --- runs ---------------------------------------------------------------------------------------

    async def run(
        self,
        agent: Agent[Any, Any],
        prompt: Any = None,
        *,
        script: Iterable[ScriptItem] | None = None,
        rules: Mapping[Any, ScriptItem] | Iterable[tuple[Any, ScriptItem]] | None = None,
        default: ScriptItem | None = None,
        stream: bool = False,
        chunk_words: int | None = None,
        **run_kwargs: Any,
    ) -> RecordedRun[Any]:
        """Run `agent` on `prompt` against a scripted model and return the recorded run.

        Every other keyword (`deps=`, `message_history=`, `output_type=`, ...) goes to the agent's run.
        With `stream=True` the model streams and the run records every stream event.
        """
        options: dict[str, Any] = {} if chunk_words is None else {'chunk_words': chunk_words}
        model = self._model_for(agent, script, rules, default, options)
        recorded: RecordedRun[Any] = RecordedRun(prompt=prompt, model=model)
        self.runs.append(recorded)
        try:
            await drive(agent, prompt, model=model, stream=stream, recorded=recorded, kwargs=run_kwargs)
        except ScriptError as error:
            self._surfaced_error(error)
            raise
        return recorded

    def run_sync(
        self,
        agent: Agent[Any, Any],
        prompt: Any = None,
        *,
        script: Iterable[ScriptItem] | None = None,
        rules: Mapping[Any, ScriptItem] | Iterable[tuple[Any, ScriptItem]] | None = None,
        default: ScriptItem | None = None,
        stream: bool = False,
        chunk_words: int | None = None,
        **run_kwargs: Any,
    ) -> RecordedRun[Any]:
        """`run` for synchronous tests: runs the agent in a fresh event loop."""
        import anyio

        async def main() -> RecordedRun[Any]:
            return await self.run(
                agent,
                prompt,
                script=script,
                rules=rules,
                default=default,
                stream=stream,
                chunk_words=chunk_words,
                **run_kwargs,
            )

        return anyio.run(main)

    @asynccontextmanager
    async def iter(
        self,
        agent: Agent[Any, Any],
        prompt: Any = None,
        *,
        script: Iterable[ScriptItem] | None = None,
        rules: Mapping[Any, ScriptItem] | Iterable[tuple[Any, ScriptItem]] | None = None,
        default: ScriptItem | None = None,
        **run_kwargs: Any,
    ) -> AsyncGenerator[AgentRun[Any, Any], None]:
        """The real `AgentRun` of `agent.iter(...)` against a scripted model, to drive by hand.

        The run is recorded in `agentrun.runs`: the nodes as you iterate (`async for` or `next()`), and the
        result, messages and usage when the block exits.
        """
        model = self._model_for(agent, script, rules, default, {})
        recorded: RecordedRun[Any] = RecordedRun(prompt=prompt, model=model)
        self.runs.append(recorded)
        try:
            if model is not None:
                run_kwargs = {**run_kwargs, 'model': model}
            with recorded.collecting():
                async with agent.iter(prompt, **run_kwargs) as agent_run:
                    recorded._agent_run = agent_run  # pyright: ignore[reportPrivateUsage]
                    record_nodes(agent_run, recorded.nodes)
                    try:
                        yield agent_run
                    finally:
                        recorded.result = agent_run.result
        except BaseException as error:
            recorded.error = error
            if isinstance(error, ScriptError):
                self._surfaced_error(error)
            raise

    @contextmanager
    def expect_blocked(self) -> Generator[None]:
        """Real requests blocked inside the block are expected: not reported at teardown if the code caught them.

        ```python
        with agentrun.expect_blocked():
            assert answer_or_fallback('Hi') == 'Sorry, try later.'
        ```
        """
        guard = self._guard or _guard.current()
        if guard is None:
            yield
            return
        with guard.expecting_blocked():
            yield

    def _surfaced_error(self, error: ScriptError) -> None:
        """A script error reached the test through `run`, `run_sync` or `iter`: it is the test's to handle."""
        self._surfaced.add(id(error))
        guard = self._guard or _guard.current()
        if guard is not None:
            guard.saw(error)

    @property
    def last(self) -> RecordedRun[Any]:
        """The latest recorded run."""
        if not self.runs:
            raise AssertionError('agentrun has recorded no run yet')
        return self.runs[-1]

    # --- teardown -----------------------------------------------------------------------------------

    def finish(self) -> list[str]:
        """The problems to fail the test with at teardown: swallowed script errors, then unused turns.

        A script error that reached the test through `run`, `run_sync` or `iter` is the test's to handle
        (it may expect it with `pytest.raises`), so only errors that never came out of them are reported.
        """
        problems: list[str] = []
        seen: set[int] = set(self._surfaced)
        for model in self.models:
            for request in model.requests:
                error = request.error
                if isinstance(error, ScriptError) and id(error) not in seen:
                    seen.add(id(error))
                    problems.append(str(error))
        if self.options.strict:
            for model in self.models:
                try:
                    model.assert_all_consumed()
                except UnusedTurnsError as error:
                    problems.append(str(error) + '\n(Or relax it with @pytest.mark.agentrun(strict=False).)')
        return problems
