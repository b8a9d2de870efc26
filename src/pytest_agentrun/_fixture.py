"""`AgentRunFactory`: what the `agentrun` fixture gives a test.

It builds scripted models, runs agents against them and records the runs, hands out the real `AgentRun`
to drive by hand, and scripts the model strings of agents the test does not touch (built at import time,
or nested inside the code under test). At teardown the plugin calls `finish()`, which fails the test for
scripted turns never used and for script errors the code under test swallowed.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncGenerator, Generator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from types import FrameType
from typing import TYPE_CHECKING, Any, cast

from . import _guard
from ._compat import override_model
from ._errors import ScriptError, UnusedTurnsError, caught_script_error_message, durable_refused_message
from ._intercept import model_id, sends_real_requests
from ._model import NamedModel, ScriptedModel
from ._options import Options
from ._runs import RecordedRun, drive, record_nodes
from ._script import ScriptItem

if TYPE_CHECKING:
    from pydantic_ai import Agent
    from pydantic_ai.models import Model
    from pydantic_ai.run import AgentRun

__all__ = ('AgentRunFactory',)


def _unwrapped(agent: Any) -> Any:
    """The `Agent` whose runs make the requests: a wrapper agent's (durable execution) innermost `wrapped`."""
    while agent is not None and hasattr(agent, 'wrapped') and hasattr(agent, 'iter'):
        agent = agent.wrapped
    return agent


def _agent_label(agent: Any) -> str:
    name = getattr(agent, 'name', None)
    return repr(name) if name else repr(agent)


def _run_model(agent: Any, run_kwargs: Mapping[str, Any]) -> Any:
    """The model a run of `agent` uses: an override in force, else the run's `model=`, else the agent's own."""
    override = _compat_override_model(agent)
    if override is not None:
        return override
    if run_kwargs.get('model') is not None:
        return run_kwargs['model']
    return getattr(agent, 'model', None)


def _compat_override_model(agent: Any) -> Any:
    return override_model(agent) if agent is not None else None


def _model_name(model: Any) -> str | None:
    """How scripts know a model: the model string, a stand-in's name, or a model object's `system:model_name`."""
    if model is None:
        return None
    if isinstance(model, str):
        return model
    if isinstance(model, NamedModel):
        return model.name
    return model_id(model)


def _model_names(model: Any) -> list[str]:
    """The names of the models a run's model asks: a fallback's or wrapper's models, else its own."""
    members = getattr(model, 'models', None)
    if not isinstance(model, str) and isinstance(members, (list, tuple)) and members:
        return [n for m in cast('Sequence[Any]', members) for n in _model_names(m)]
    wrapped = getattr(model, 'wrapped', None)
    if not isinstance(model, str) and wrapped is not None:
        return _model_names(wrapped)
    name = _model_name(model)
    return [name] if name is not None else []


def _reaches_guard(model: Any) -> bool:
    """Whether the guard decides the requests of `model`.

    It does for a model string, a stand-in, a model object that would send real requests, and a wrapper
    (fallback, instrumented, durable execution) of only those.
    """
    from ._standin import StandInModel

    if _guard.current() is None:  # outside a pytest session nothing is intercepted
        return False
    if isinstance(model, str):
        return model != 'test'
    if isinstance(model, StandInModel):
        return True
    kind: type = type(model)  # pyright: ignore[reportUnknownVariableType]
    if model is not None and sends_real_requests(kind):
        return True
    members = getattr(model, 'models', None)
    if isinstance(members, (list, tuple)) and members:
        return all(_reaches_guard(m) for m in cast('Sequence[Any]', members))
    wrapped = getattr(model, 'wrapped', None)
    return wrapped is not None and _reaches_guard(wrapped)


_REFUSE_RUN_MODELS = ('pydantic_ai.durable_exec.dbos', 'pydantic_ai.durable_exec.prefect')
"""The modules of pydantic-ai's durable wrapper agents that refuse a model passed to a run (`DBOSAgent`, ...)."""


def _refusing_run_models(agent: Any, target: Any) -> tuple[str, str | None] | None:
    """What refuses a model passed to `agent`'s run now, and where: `('DBOSDurability', 'workflow')`.

    pydantic-ai's DBOS and Prefect wrapper agents (`DBOSAgent`, `PrefectAgent`) take no model at run time. An
    agent with a durability capability (`DBOSDurability`, ...) takes none inside a workflow (or flow), where only
    the models registered with it may run; outside one the capability steps aside. None if nothing refuses.
    """
    wrapper = agent
    while wrapper is not None and wrapper is not target:
        if type(wrapper).__module__.startswith(_REFUSE_RUN_MODELS):
            return type(wrapper).__name__, None
        wrapper = getattr(wrapper, 'wrapped', None)
    durable: list[Any] = []

    def visit(capability: Any) -> None:
        if type(capability).__module__.startswith('pydantic_ai.durable_exec.') and getattr(
            capability, 'in_durable_context', False
        ):
            durable.append(capability)

    root = getattr(target, 'root_capability', None)
    if root is not None and hasattr(root, 'apply'):
        root.apply(visit)
    if not durable:
        return None
    return type(durable[0]).__name__, getattr(durable[0], 'durable_container_noun', 'workflow')


def _name_agent(agent: Any, frame: FrameType | None) -> None:
    """Name an unnamed agent after the variable the caller holds it in, as pydantic-ai's own `run` does."""
    if agent is None or getattr(agent, 'name', '') is not None or frame is None:
        return
    for scope in (frame.f_locals, frame.f_globals):
        for variable, value in scope.items():
            if value is agent:
                agent.name = variable
                return


class AgentRunFactory:
    """Runs agents against scripted models and records what happened; the `agentrun` fixture."""

    __test__ = False

    def __init__(
        self, options: Options | None = None, test_name: str | None = None, *, guard: _guard.Guard | None = None
    ) -> None:
        """Create a factory; the fixture does this once per test."""
        self.options: Options = options or Options()
        """The options in force for the test."""
        self.test_name = test_name
        self._guard = guard
        self.runs: list[RecordedRun[Any]] = []
        """Every run recorded with `run`, `run_sync` or `iter`, in order."""
        self.models: list[ScriptedModel] = []
        """Every scripted model this factory built, in order."""
        self._scripted: dict[tuple[str | None, int | None], tuple[Any, ScriptedModel]] = {}
        self._surfaced: set[int] = set()

    def __repr__(self) -> str:
        return f'<AgentRunFactory: {len(self.runs)} runs, {len(self.models)} scripted models>'

    # --- scripted models ----------------------------------------------------------------------------

    def model(
        self,
        name: str | None = None,
        script: Iterable[ScriptItem] = (),
        *,
        agent: Any = None,
        rules: Mapping[Any, ScriptItem] | Iterable[tuple[Any, ScriptItem]] | None = None,
        default: ScriptItem | None = None,
        **options: Any,
    ) -> ScriptedModel:
        """Build a scripted model; with a `name`, it answers for every agent using that model.

        `agentrun.model('openai:gpt-5.2', ['Paris.'])` scripts `Agent('openai:gpt-5.2')` wherever it was built,
        and any model object known as `'openai:gpt-5.2'` (its system and model name, as in
        `OpenAIChatModel('gpt-5.2', provider=...)`), for the rest of the test. With `agent=`, it answers only the
        requests of that agent's runs, so agents sharing one model each get a script of their own (the name
        may then be left out: the agent's model is meant). Without a name, use the model yourself
        (`agent.override(model=...)`). A factory made by hand, not by the fixture, scripts the models it names
        for the rest of the running test (or doc example).
        """
        target = _unwrapped(agent)
        if name is None and target is not None:
            name = _model_name(_run_model(target, {}))
            if name is None:
                raise TypeError(
                    f'agentrun.model(agent={_agent_label(target)}): the agent has no model to script; '
                    "name it: agentrun.model('openai:gpt-5.2', [...], agent=...)"
                )
        key = (name, id(target) if target is not None else None)
        if name is not None and key in self._scripted:
            whose = f' for the agent {_agent_label(target)}' if target is not None else ''
            raise ValueError(
                f'the model {name!r} is already scripted{whose} in this test; put all its turns in one script, '
                'or use rules to answer by prompt'
            )
        model = ScriptedModel(script, rules=rules, default=default, model=name, **options)
        self.models.append(model)
        if name is not None:
            self._scripted[key] = (target, model)
            guard = _guard.current()
            if self._guard is None and guard is not None:  # made by hand, e.g. in a doc example
                guard.scripting_for_the_test(self.resolve)
        return model

    def resolve(self, name: str, agent: Any = None) -> Model | None:
        """The scripted model answering a request to the model `name` from a run of `agent` (the guard asks).

        A script for that agent and model (`agentrun.model(name, agent=...)`) first, then one for the model.
        (The script given to a run, `agentrun.run(agent, script=...)`, is the guard's first choice.)
        """
        if agent is not None:
            found = self._scripted.get((name, id(agent)))
            if found is not None and found[0] is agent:
                return found[1]
        found = self._scripted.get((name, None))
        return found[1] if found is not None else None

    @asynccontextmanager
    async def _scripting(
        self,
        agent: Any,
        script: Iterable[ScriptItem] | None,
        rules: Mapping[Any, ScriptItem] | Iterable[tuple[Any, ScriptItem]] | None,
        default: ScriptItem | None,
        options: dict[str, Any],
        run_kwargs: dict[str, Any],
    ) -> AsyncGenerator[tuple[ScriptedModel | None, dict[str, Any]], None]:
        """While a run goes on: its script in place. Yields the scripted model and the run's keyword arguments.

        The script stands in for the model the run uses (an override in force, else the run's `model=`, else
        the agent's own), under that model's name. When that model reaches the guard (a model string, or a
        model object that would send real requests) the script answers the requests of this agent's run, which
        keeps the agent's own model in place (durable execution needs it registered, fallback models still fall
        back); otherwise (a test double of the user's, or no model at all) the scripted model is handed to the
        run, as an override when one is in force.
        """
        target = _unwrapped(agent)
        chosen = _run_model(target, run_kwargs)
        names = _model_names(chosen)  # a fallback's models, the first being the one it asks first
        name = names[0] if names else None
        handed = not _reaches_guard(chosen)  # the script, if any, is handed to the run as its model
        refusing = _refusing_run_models(agent, target) if handed else None
        if script is None and rules is None and default is None:
            scripted = next((m for m in (self.resolve(n, target) for n in names) if m is not None), None)
            if scripted is None and not self.options.uses_cassette:
                raise TypeError(
                    'agentrun.run() needs a script: agentrun.run(agent, prompt, script=[...]) (or rules=..., or '
                    f'script the model the run uses first with agentrun.model({(names or ["NAME"])[0]!r}, [...]))'
                )
            if isinstance(scripted, ScriptedModel) and handed:
                if refusing is not None:
                    raise TypeError(durable_refused_message(_agent_label(agent), chosen, *refusing))
                run_kwargs = {**run_kwargs, 'model': scripted}
            yield (scripted if isinstance(scripted, ScriptedModel) else None), run_kwargs
            return
        if refusing is not None:
            raise TypeError(durable_refused_message(_agent_label(agent), chosen, *refusing))
        scripted = ScriptedModel(script or (), rules=rules, default=default, model=name, **options)
        self.models.append(scripted)
        if not handed:
            with _guard.scripting_run(target, scripted):
                yield scripted, run_kwargs
        elif _compat_override_model(target) is not None:
            with target.override(model=scripted):
                yield scripted, run_kwargs
        else:
            yield scripted, {**run_kwargs, 'model': scripted}

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
        chunk_delay: float | None = None,
        **run_kwargs: Any,
    ) -> RecordedRun[Any]:
        """Run `agent` on `prompt` against a scripted model and return the recorded run.

        Every other keyword (`deps=`, `message_history=`, `output_type=`, `model=`, ...) goes to the agent's run;
        the script stands in for the model the run uses. With `stream=True` the model streams and the run
        records every stream event.
        """
        _name_agent(agent, sys._getframe(1))  # pyright: ignore[reportPrivateUsage]
        options: dict[str, Any] = {
            name: value
            for name, value in (('chunk_words', chunk_words), ('chunk_delay', chunk_delay))
            if value is not None
        }
        try:
            async with self._scripting(agent, script, rules, default, options, run_kwargs) as (model, kwargs):
                recorded: RecordedRun[Any] = RecordedRun(prompt=prompt, model=model)
                self.runs.append(recorded)
                await drive(agent, prompt, model=None, stream=stream, recorded=recorded, kwargs=kwargs)
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
        chunk_delay: float | None = None,
        **run_kwargs: Any,
    ) -> RecordedRun[Any]:
        """`run` for synchronous tests: runs the agent in a fresh event loop."""
        import anyio

        _name_agent(agent, sys._getframe(1))  # pyright: ignore[reportPrivateUsage]

        async def main() -> RecordedRun[Any]:
            return await self.run(
                agent,
                prompt,
                script=script,
                rules=rules,
                default=default,
                stream=stream,
                chunk_words=chunk_words,
                chunk_delay=chunk_delay,
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
        _name_agent(agent, sys._getframe(2))  # pyright: ignore[reportPrivateUsage]  # asynccontextmanager adds a frame
        recorded: RecordedRun[Any] | None = None
        try:
            async with self._scripting(agent, script, rules, default, {}, run_kwargs) as (model, kwargs):
                recorded = RecordedRun(prompt=prompt, model=model)
                self.runs.append(recorded)
                with recorded.collecting():
                    async with agent.iter(prompt, **kwargs) as agent_run:
                        recorded._agent_run = agent_run  # pyright: ignore[reportPrivateUsage]
                        record_nodes(agent_run, recorded.nodes)
                        try:
                            yield agent_run
                        finally:
                            recorded.result = agent_run.result
        except BaseException as error:
            if recorded is not None:
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
            lines = [
                'agentrun has recorded no run yet: it records the runs a test starts with agentrun.run, run_sync '
                'or iter.'
            ]
            asked = [model for model in self.models if model.requests]  # scripted by agentrun.model(name, ...)
            if asked:
                count = sum(len(model.requests) for model in asked)
                lines.append(
                    f'The code under test made {count} request{"s" if count != 1 else ""} to scripted models; each '
                    f'model keeps its own: model = agentrun.model({asked[0].name!r}, ...), then model.requests.'
                )
            raise AssertionError('\n'.join(lines))
        return self.runs[-1]

    # --- teardown -----------------------------------------------------------------------------------

    def finish(self) -> list[str]:
        """The problems to fail the test with at teardown: script errors the code caught, then unused turns.

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
                    problems.append(caught_script_error_message(error, model.model_name))
        if self.options.strict:
            for model in self.models:
                try:
                    model.assert_all_consumed()
                except UnusedTurnsError as error:
                    problems.append(str(error) + '\n(Or relax it with @pytest.mark.agentrun(strict=False).)')
        return problems
