"""`ScriptedModel(..., model='openai:gpt-5.2')`: standing in for a real model's name, provider, usage and cost."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic_ai import Agent
from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, TextPart
from pydantic_ai.models.function import AgentInfo, FunctionModel
from releases import HAS_COST, HAS_MODEL_ID, HAS_RESPONSE_MODEL_ID

from pytest_agentrun import ScriptedModel, StandInModel
from pytest_agentrun._guard import GUARD_KEY

QUESTION = 'What is the capital of France?'
ANSWER = 'The capital of France is Paris.'


def function_model() -> FunctionModel:
    """pydantic-ai's own test model, answering the same, under the same model name."""

    def answer(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        return ModelResponse(parts=[TextPart(ANSWER)])

    async def stream_answer(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[str]:
        for chunk in ('The capital of ', 'France is Paris.'):  # the chunks ScriptedModel streams: 3 words each
            yield chunk

    return FunctionModel(answer, stream_function=stream_answer, model_name='gpt-5.2')


async def last_response(model: Any, *, streamed: bool) -> ModelResponse:
    agent = Agent(model)
    if streamed:
        async with agent.run_stream(QUESTION) as result:
            assert [d async for d in result.stream_text(delta=True, debounce_by=None)] == [
                'The capital of ',
                'France is Paris.',
            ]
        messages = result.all_messages()
    else:
        messages = (await agent.run(QUESTION)).all_messages()
    response = messages[-1]
    assert isinstance(response, ModelResponse)
    assert response.parts == [TextPart(ANSWER)]
    return response


def test_stand_in_identity() -> None:
    model = ScriptedModel([ANSWER], model='openai:gpt-5.2')
    assert model.model_name == 'gpt-5.2'
    assert model.system == 'openai'
    if HAS_MODEL_ID:
        assert model.model_id == 'openai:gpt-5.2'
    assert model.label == "ScriptedModel('openai:gpt-5.2')"
    assert repr(model) == "<ScriptedModel('openai:gpt-5.2'): 1 turns, 0 used, 0 requests>"


@pytest.mark.parametrize(
    ('name', 'model_name', 'system', 'label'),
    [
        pytest.param(None, 'scripted', 'scripted', 'ScriptedModel', id='none'),
        pytest.param('gpt-5.2', 'gpt-5.2', 'scripted', "ScriptedModel('gpt-5.2')", id='no-provider'),
        pytest.param(
            'bedrock:us.anthropic.claude:v1', 'us.anthropic.claude:v1', 'bedrock', None, id='split-at-first-colon'
        ),
    ],
)
def test_stand_in_names(name: str | None, model_name: str, system: str, label: str | None) -> None:
    model = ScriptedModel(['x'], model=name)
    assert (model.model_name, model.system) == (model_name, system)
    if label is not None:
        assert model.label == label
    if HAS_MODEL_ID:
        assert model.model_id == f'{system}:{model_name}'


@pytest.mark.anyio
@pytest.mark.parametrize('streamed', [False, True], ids=['request', 'stream'])
async def test_stand_in_response_name_and_usage_match_function_model(streamed: bool) -> None:
    scripted = await last_response(ScriptedModel([ANSWER], model='openai:gpt-5.2'), streamed=streamed)
    reference = await last_response(function_model(), streamed=streamed)

    assert scripted.model_name == 'gpt-5.2'
    expected = (50, 7) if streamed else (56, 7)  # FunctionModel's estimates: whole exchange, or chunk by chunk
    assert (scripted.usage.input_tokens, scripted.usage.output_tokens) == expected
    assert (reference.usage.input_tokens, reference.usage.output_tokens) == expected
    assert scripted.usage == reference.usage  # every counter, and the cost where there is one
    if HAS_RESPONSE_MODEL_ID:
        assert scripted.model_id == 'openai:gpt-5.2'  # pyright: ignore[reportAttributeAccessIssue]


@pytest.mark.anyio
@pytest.mark.skipif(not HAS_COST, reason='RequestUsage has no cost before pydantic-ai 2.23')
@pytest.mark.parametrize('streamed', [False, True], ids=['request', 'stream'])
async def test_stand_in_cost_is_filled(streamed: bool) -> None:
    scripted = await last_response(ScriptedModel([ANSWER], model='openai:gpt-5.2'), streamed=streamed)
    assert scripted.usage.cost is not None  # type: ignore[attr-defined]
    assert scripted.usage.cost > 0  # type: ignore[attr-defined]
    plain = await last_response(ScriptedModel([ANSWER]), streamed=streamed)
    assert plain.usage.cost is None  # type: ignore[attr-defined]  # 'scripted' has no price


@pytest.mark.anyio
@pytest.mark.skipif(HAS_COST, reason='RequestUsage has a cost from pydantic-ai 2.23')
async def test_no_cost_before_it_exists() -> None:
    scripted = await last_response(ScriptedModel([ANSWER], model='openai:gpt-5.2'), streamed=False)
    assert not hasattr(scripted.usage, 'cost')


@pytest.mark.skipif(HAS_RESPONSE_MODEL_ID, reason='ModelResponse has a model_id from pydantic-ai 2.64')
@pytest.mark.anyio
async def test_no_response_model_id_before_it_exists() -> None:
    scripted = await last_response(ScriptedModel([ANSWER], model='openai:gpt-5.2'), streamed=False)
    assert not hasattr(scripted, 'model_id')


@pytest.mark.anyio
async def test_stand_in_usage_with_message_history_matches_function_model() -> None:
    async def two_runs(model: Any) -> list[ModelResponse]:
        agent = Agent(model)
        first = await agent.run(QUESTION)
        second = await agent.run(QUESTION, message_history=first.all_messages())
        return [m for m in second.all_messages() if isinstance(m, ModelResponse)]

    model = ScriptedModel([ANSWER, ANSWER], model='openai:gpt-5.2')
    scripted = await two_runs(model)
    reference = await two_runs(function_model())
    assert [r.model_name for r in scripted] == ['gpt-5.2', 'gpt-5.2']
    assert [(r.usage.input_tokens, r.usage.output_tokens) for r in scripted] == [(56, 7), (62, 14)]
    assert [r.usage for r in scripted] == [r.usage for r in reference]
    assert [r.answered_by for r in model.requests] == ['turn 1 of the script', 'turn 2 of the script']


class PreparingModel(ScriptedModel):
    def prepare_messages(self, messages: list[ModelMessage], *args: Any, **kwargs: Any) -> list[ModelMessage]:
        return [*messages, *messages]


def test_stand_in_prepares_messages_as_the_model_answering_now(pytestconfig: pytest.Config) -> None:
    messages: list[ModelMessage] = [ModelRequest.user_text_prompt('Hi')]
    stand_in = StandInModel('openai:gpt-5.2', lambda: pytest.fail('no real model here'))
    guard = pytestconfig.stash[GUARD_KEY]
    assert stand_in.prepare_messages(messages) is messages  # blocked: the request itself fails next
    assert guard.caught_blocked() == []  # and preparing is not a request: nothing was blocked
    with guard.scripting(lambda name, agent: PreparingModel([])):
        assert stand_in.prepare_messages(messages) == [*messages, *messages]
