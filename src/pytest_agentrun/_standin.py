"""`StandInModel`: what a model string resolves to under pytest-agentrun.

It carries the name (`'openai:gpt-5.2'`) and the real model's profile (`NamedModel.profile`), so pydantic-ai checks
a request against what the real model supports; at each request, it hands the request to the model the guard
chooses: the running test's script, its cassette, or the real model when allowed; otherwise the guard blocks
the request. Outside a pytest session it is the real model, built on first use.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models import Model, ModelRequestParameters, StreamedResponse
from pydantic_ai.settings import ModelSettings

from . import _guard, _intercept
from ._model import NamedModel

__all__ = ('StandInModel',)


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
        """The model answering now, as the guard decides; raises `RealRequestBlockedError` if none may."""
        __tracebackhide__ = True
        guard = _guard.current()
        if guard is None:
            return self.real_model()
        return guard.answering(self._name, self.real_model)

    def prepare_messages(self, messages: list[ModelMessage], *args: Any, **kwargs: Any) -> list[ModelMessage]:
        """Prepare the messages as the model answering now would (releases that have this step call it first).

        With real requests blocked and no script, the messages go on unchanged: the request then fails.
        """
        guard = _guard.current()
        if guard is not None and not guard.can_answer(self._name):
            return messages
        return self.target().prepare_messages(messages, *args, **kwargs)

    async def request(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        """Hand the request to the model answering now."""
        target = self.target()
        with _intercept.asking(self._name):
            return await target.request(messages, model_settings, model_request_parameters)

    @asynccontextmanager
    async def request_stream(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
        run_context: Any = None,
    ) -> AsyncGenerator[StreamedResponse, None]:
        """Hand the streamed request to the model answering now."""
        target = self.target()
        async with AsyncExitStack() as stack:
            with _intercept.asking(self._name):  # while the answering model opens its stream, and chooses its answer
                stream = await stack.enter_async_context(
                    target.request_stream(messages, model_settings, model_request_parameters, run_context)
                )
            yield stream
