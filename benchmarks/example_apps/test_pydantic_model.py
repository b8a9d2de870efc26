"""pydantic_ai_examples.pydantic_model: structured output (MyModel) from an agent whose model is chosen when the
module is imported, from the PYDANTIC_AI_MODEL environment variable ('openai:gpt-5.2' by default).
"""

from __future__ import annotations

import importlib
import runpy
import sys

import pytest
from pydantic_ai_examples import pydantic_model

from pytest_agentrun import assert_nodes, assert_usage, output

MODELS = [
    'openai:gpt-5.2',
    'anthropic:claude-sonnet-4-5',
    'google:gemini-3-flash-preview',
    'groq:llama-3.3-70b-versatile',
    'mistral:mistral-large-latest',
]


@pytest.fixture
def app_with_model(monkeypatch):
    """The app module imported again with PYDANTIC_AI_MODEL set, as a user starting it with that variable gets."""

    def load(model: str):
        monkeypatch.setenv('PYDANTIC_AI_MODEL', model)
        return importlib.reload(pydantic_model)

    yield load
    monkeypatch.undo()
    importlib.reload(pydantic_model)


def test_default_model(agentrun):
    run = agentrun.run_sync(
        pydantic_model.agent,
        'The windy city in the US of A.',
        script=[output(city='Chicago', country='United States')],
    )

    assert run.output == pydantic_model.MyModel(city='Chicago', country='United States')
    assert run.messages[1].model_name == 'gpt-5.2'
    assert_nodes(run, 'UserPrompt -> ModelRequest -> CallTools -> End')
    assert_usage(run, requests=1)


@pytest.mark.parametrize('model', MODELS)
def test_model_from_the_environment(agentrun, app_with_model, capsys, model):
    app = app_with_model(model)
    assert f'Using model: {model}' in capsys.readouterr().out

    run = agentrun.run_sync(
        app.agent, 'The windy city in the US of A.', script=[output(app.MyModel(city='Chicago', country='USA'))]
    )

    assert run.output == app.MyModel(city='Chicago', country='USA')
    assert run.messages[1].model_name == model.split(':')[1]
    assert run.requests[0].output_tool_names == ['final_result']


def test_the_response_is_shaped_like_pydantic_ais_own_test_models(agentrun):
    # by design: a scripted response, like FunctionModel's, names no provider (the model name says which model
    # answered), so the messages a doc prints match those pydantic-ai's own documentation shows
    run = agentrun.run_sync(
        pydantic_model.agent, 'The windy city in the US of A.', script=[output(city='Chicago', country='USA')]
    )

    assert run.messages[1].provider_name is None
    assert run.messages[1].model_name == 'gpt-5.2'


@pytest.mark.parametrize('model', ['openai:gpt-5.2', 'anthropic:claude-sonnet-4-5'])
def test_run_as_a_script(agentrun, monkeypatch, capsys, model):
    # `python -m pydantic_ai_examples.pydantic_model` with the variable set: the agent is built and run by the
    # app itself, answered by the script of the model it chose
    monkeypatch.setenv('PYDANTIC_AI_MODEL', model)
    scripted = agentrun.model(model, [output(city='Chicago', country='United States')])
    monkeypatch.delitem(sys.modules, 'pydantic_ai_examples.pydantic_model')

    runpy.run_module('pydantic_ai_examples.pydantic_model', run_name='__main__')

    out = capsys.readouterr().out
    assert f'Using model: {model}' in out
    assert "city='Chicago' country='United States'" in out
    assert 'RunUsage(' in out
    assert 'requests=1)' in out
    assert scripted.requests[0].prompt == 'The windy city in the US of A.'
