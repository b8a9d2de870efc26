"""`StandInModel`: what a model string resolves to under pytest-agentrun.

It carries the name (`'openai:gpt-5.2'`) and, at each request, hands the request to the scripted model the
running test or doc example provides for that name. With none, the request is blocked with an error that
says how to script or allow it; when real requests are allowed, it goes to the real model.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from typing import Any

from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models import Model, ModelRequestParameters, StreamedResponse
from pydantic_ai.settings import ModelSettings

from .errors import ScriptError
from .intercept import state
from .model import NamedModel

__all__ = ('RealRequestBlockedError', 'StandInModel')


class RealRequestBlockedError(ScriptError):
    """A model named by a string was asked for a response with no script and real requests blocked."""


def blocked_message(name: str, test: str | None) -> str:
    """The message of `RealRequestBlockedError`."""
    where = f' in {test}' if test else ''
    return '\n'.join(
        [
            f'pytest-agentrun blocked a real request to the model {name!r}{where}.',
            'Tests must not call a paid model API by accident. Script the model instead:',
            f'    agentrun.model({name!r}, script=[...])   # with the agentrun fixture',
            '    agentrun.run(agent, prompt, script=[...])',
            'or allow real requests: @pytest.mark.agentrun(real_requests=True) on the test, class or module,',
            'the ini option agentrun_real_requests = true, or --agentrun-real-requests.',
        ]
    )


class StandInModel(NamedModel):
    """Answers for a model string: the scripted model the test provides, else the real model if allowed."""

    def __init__(self, name: str, real: Callable[[], Model]) -> None:
        """Stand in for `name`; `real` builds the real model when real requests are allowed."""
        self._real_factory = real
        self._real: Model | None = None
        super().__init__(name)

    def real_model(self) -> Model:
        """The real model this stands in for, built on first use."""
        if self._real is None:
            self._real = self._real_factory()
        return self._real

    def target(self) -> Model:
        """The model answering now: scripted by the test, its cassette, or real when allowed; else raise."""
        __tracebackhide__ = True
        scripted = state.resolve(self._name)
        if scripted is not None:
            return scripted
        if state.cassette is not None:
            return state.cassette(self._name, self.real_model)
        if state.real_requests:
            return self.real_model()
        raise RealRequestBlockedError(blocked_message(self._name, state.test_name))

    def prepare_messages(self, messages: list[ModelMessage], *args: Any, **kwargs: Any) -> list[ModelMessage]:
        """Prepare the messages as the model answering now would (releases that have this step call it first).

        With real requests blocked and no script, the messages go on unchanged: the request then fails.
        """
        try:
            target = self.target()
        except RealRequestBlockedError:
            return messages
        return target.prepare_messages(messages, *args, **kwargs)

    async def request(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        """Hand the request to the model answering now."""
        return await self.target().request(messages, model_settings, model_request_parameters)

    @asynccontextmanager
    async def request_stream(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
        run_context: Any = None,
    ) -> AsyncGenerator[StreamedResponse, None]:
        """Hand the streamed request to the model answering now."""
        async with self.target().request_stream(
            messages, model_settings, model_request_parameters, run_context
        ) as stream:
            yield stream
