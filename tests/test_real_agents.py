"""Agents written the way real projects write them: model objects with providers, fallback models, models chosen
at run time, several agents on one model string, delegation from one agent to another.
"""

from __future__ import annotations

import importlib.util
import re
import textwrap

import pytest
from pydantic_ai import Agent, ModelHTTPError, RunContext
from pydantic_ai.models.fallback import FallbackModel
from pydantic_ai.models.test import TestModel

from pytest_agentrun import AgentRunFactory, RealRequestBlockedError, RequestInfo, raises, tool_call

needs_sdks = pytest.mark.skipif(
    importlib.util.find_spec('openai') is None or importlib.util.find_spec('anthropic') is None,
    reason='model objects need the openai and anthropic SDKs (pip install -e ".[dev]")',
)


def openai_model(name: str = 'gpt-5') -> object:
    """A model object as real projects build one: a model class and a provider with its own settings."""
    from pydantic_ai.models.openai import OpenAIChatModel
    from pydantic_ai.providers.openai import OpenAIProvider

    return OpenAIChatModel(name, provider=OpenAIProvider(base_url='https://llm.example.com/v1', api_key='sk-test'))


def anthropic_model() -> object:
    from pydantic_ai.models.anthropic import AnthropicModel
    from pydantic_ai.providers.anthropic import AnthropicProvider

    return AnthropicModel('claude-sonnet-4-5', provider=AnthropicProvider(api_key='sk-ant-test'))


# --- model objects --------------------------------------------------------------------------------------


@needs_sdks
@pytest.mark.anyio
async def test_a_model_object_is_scripted_by_its_system_and_name(agentrun: AgentRunFactory) -> None:
    agent = Agent(openai_model(), instructions='Be brief.')
    agentrun.model('openai:gpt-5', ['Hello from the script.'])
    result = await agent.run('Hi')
    assert result.output == 'Hello from the script.'
    assert result.all_messages()[-1].model_name == 'gpt-5'  # type: ignore[union-attr]


@needs_sdks
@pytest.mark.anyio
async def test_agentrun_run_scripts_the_model_object_it_runs(agentrun: AgentRunFactory) -> None:
    agent = Agent(anthropic_model())
    run = await agentrun.run(agent, 'Hi', script=['Scripted.'])
    assert run.output == 'Scripted.'
    assert run.messages[-1].model_name == 'claude-sonnet-4-5'  # type: ignore[union-attr]
    assert run.model is not None
    assert run.model.name == 'anthropic:claude-sonnet-4-5'


@needs_sdks
@pytest.mark.anyio
async def test_a_fallback_model_falls_back_through_the_script(agentrun: AgentRunFactory) -> None:
    agent = Agent(FallbackModel(openai_model(), anthropic_model()))  # type: ignore[arg-type]
    agentrun.model('openai:gpt-5', [raises(ModelHTTPError(503, 'gpt-5', 'overloaded'))])
    agentrun.model('anthropic:claude-sonnet-4-5', ['Anthropic answered.'])
    result = await agent.run('Hi')
    assert result.output == 'Anthropic answered.'


@needs_sdks
@pytest.mark.anyio
async def test_a_run_script_answers_every_model_of_a_fallback(agentrun: AgentRunFactory) -> None:
    agent = Agent(FallbackModel(openai_model(), anthropic_model()))  # type: ignore[arg-type]
    run = await agentrun.run(agent, 'Hi', script=[raises(ModelHTTPError(503, 'gpt-5', 'overloaded')), 'Second.'])
    assert run.output == 'Second.'
    assert len(run.requests) == 2


BLOCKED_APP = """
from pydantic_ai import Agent
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider


def build_model():
    return OpenAIChatModel('gpt-5', provider=OpenAIProvider(base_url='https://llm.example.com/v1', api_key='sk-x'))


agent = Agent(build_model())
"""


@needs_sdks
def test_an_unscripted_model_object_is_blocked_with_the_plugins_message(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(app=BLOCKED_APP)
    pytester.makepyfile(
        test_app="""
        from app import agent

        def test_unscripted():
            agent.run_sync('Hi')
        """
    )
    result = pytester.runpytest_inprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            'E       pytest_agentrun.RealRequestBlockedError: pytest-agentrun blocked a real request to the model '
            "'openai:gpt-5', asked by the agent 'agent', in test_app.py::test_unscripted.",
            "E           agentrun.model('openai:gpt-5', script=[[]...[]])   # with the agentrun fixture",
        ]
    )
    result.stdout.no_fnmatch_line('*ALLOW_MODEL_REQUESTS*')


@needs_sdks
def test_a_doc_example_with_a_model_object_is_answered_by_the_rules(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        '.md',
        page=textwrap.dedent(
            """
            ```python
            from pydantic_ai import Agent
            from pydantic_ai.models.openai import OpenAIChatModel
            from pydantic_ai.providers.openai import OpenAIProvider

            model = OpenAIChatModel('gpt-5', provider=OpenAIProvider(api_key='your-api-key'))
            agent = Agent(model)
            print(agent.run_sync('What is the capital of France?').output)
            #> Paris.
            ```
            """
        ),
    )
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def agentrun_doc_rules():
            return {'What is the capital of France?': 'Paris.'}
        """
    )
    pytester.runpytest_inprocess('--agentrun-docs').assert_outcomes(passed=1)


@pytest.mark.anyio
async def test_a_users_own_test_double_is_left_alone(agentrun: AgentRunFactory) -> None:
    # a model of the user's that sends no real request is not the guard's business
    agent = Agent(TestModel(custom_output_text='From TestModel.'))
    assert (await agent.run('Hi')).output == 'From TestModel.'
    run = await agentrun.run(agent, 'Hi', script=['From the script.'])
    assert run.output == 'From the script.'


# --- the model a run actually uses -----------------------------------------------------------------------


@pytest.mark.anyio
async def test_the_script_stands_in_for_the_model_passed_to_the_run(agentrun: AgentRunFactory) -> None:
    agent = Agent('openai:gpt-5.2')
    run = await agentrun.run(agent, 'Hi', model='anthropic:claude-sonnet-4-5', script=['Scripted.'])
    assert run.messages[-1].model_name == 'claude-sonnet-4-5'  # type: ignore[union-attr]
    assert run.model is not None
    assert run.model.name == 'anthropic:claude-sonnet-4-5'


@pytest.mark.anyio
async def test_a_model_scripted_by_name_answers_the_model_passed_to_the_run(agentrun: AgentRunFactory) -> None:
    agent = Agent('openai:gpt-5.2')
    mini = agentrun.model('openai:gpt-5-mini', ['From the mini script.'])
    run = await agentrun.run(agent, 'Hi', model='openai:gpt-5-mini')
    assert run.output == 'From the mini script.'
    assert run.model is mini
    assert [r.prompt for r in run.requests] == ['Hi']


@pytest.mark.anyio
async def test_an_agent_without_a_model(agentrun: AgentRunFactory) -> None:
    agent = Agent(instructions='Be brief.')
    run = await agentrun.run(agent, 'Hi', script=['Scripted.'])
    assert run.output == 'Scripted.'
    with pytest.raises(TypeError, match=re.escape("agentrun.model('NAME', [...])")):
        await agentrun.run(agent, 'Hi')


@pytest.mark.anyio
async def test_the_script_stands_in_for_an_override_in_force(agentrun: AgentRunFactory) -> None:
    agent = Agent('openai:gpt-5.2')
    with agent.override(model='openai:gpt-5-mini'):
        run = await agentrun.run(agent, 'Hi', script=['Scripted.'])
    assert run.output == 'Scripted.'
    assert run.messages[-1].model_name == 'gpt-5-mini'  # type: ignore[union-attr]
    with agent.override(model=TestModel(custom_output_text='From TestModel.')):
        run = await agentrun.run(agent, 'Hi', script=['The script, not the test double.'])
    assert run.output == 'The script, not the test double.'


# --- one agent among several on one model string ---------------------------------------------------------

triage = Agent('openai:gpt-5.2', name='triage', instructions='Route the question.')
billing = Agent('openai:gpt-5.2', name='billing', instructions='Answer billing questions.')


@triage.tool
async def ask_billing(ctx: RunContext[None], question: str) -> str:
    """Hand a billing question to the billing agent."""
    return (await billing.run(question)).output


@pytest.mark.anyio
async def test_each_agent_on_one_model_string_has_its_own_script(agentrun: AgentRunFactory) -> None:
    routed = agentrun.model(
        'openai:gpt-5.2',
        [tool_call('ask_billing', question='Why was I charged twice?'), 'Billing says: a refund.'],
        agent=triage,
    )
    answered = agentrun.model('openai:gpt-5.2', ['A refund is on its way.'], agent=billing)
    result = await triage.run('I was charged twice')
    assert result.output == 'Billing says: a refund.'
    assert [(r.agent_name, r.instructions) for r in routed.requests] == [('triage', 'Route the question.')] * 2
    assert [(r.agent_name, r.prompt) for r in answered.requests] == [('billing', 'Why was I charged twice?')]


@pytest.mark.anyio
async def test_a_run_script_answers_only_its_own_agent(agentrun: AgentRunFactory) -> None:
    agentrun.model('openai:gpt-5.2', ['A refund is on its way.'], agent=billing)
    run = await agentrun.run(
        triage, 'I was charged twice', script=[tool_call('ask_billing', question='Refund?'), 'Billing says so.']
    )
    assert run.output == 'Billing says so.'
    assert run.tool_calls[0].result == 'A refund is on its way.'
    assert len(run.requests) == 2  # the billing agent's request went to its own script


@pytest.mark.anyio
async def test_request_info_names_the_agent_asking(agentrun: AgentRunFactory) -> None:
    seen: list[tuple[str | None, str | None]] = []

    def answer(info: RequestInfo) -> str:
        seen.append((info.agent_name, info.instructions))
        return 'ok'

    agentrun.model('openai:gpt-5.2', default=answer)
    await billing.run('Hi')
    await triage.run('Hi')
    assert seen == [('billing', 'Answer billing questions.'), ('triage', 'Route the question.')]


def test_scripting_an_agent_twice_is_refused(agentrun: AgentRunFactory) -> None:
    agentrun.model(agent=billing)
    with pytest.raises(
        ValueError, match=re.escape("the model 'openai:gpt-5.2' is already scripted for the agent 'billing'")
    ):
        agentrun.model('openai:gpt-5.2', agent=billing)
    agentrun.model('openai:gpt-5.2')  # the model for every other agent is still free


def test_blocked_names_the_model_a_delegate_asks(agentrun: AgentRunFactory) -> None:
    agentrun.model('openai:gpt-5.2', [tool_call('ask_billing', question='Refund?')], agent=triage)
    with pytest.raises(RealRequestBlockedError):  # billing has no script and no other agent's script answers it
        agentrun.run_sync(triage, 'I was charged twice')


# --- rules for one model, as a doc about fallback models needs -------------------------------------------


def test_a_rule_for_one_model_answers_a_fallback_example(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        '.md',
        page=textwrap.dedent(
            """
            ```python
            from pydantic_ai import Agent
            from pydantic_ai.models.fallback import FallbackModel

            agent = Agent(FallbackModel('openai:gpt-5.2', 'anthropic:claude-sonnet-4-5'))
            result = agent.run_sync('What is the capital of France?')
            print(result.output)
            #> Paris, answered by Claude.
            print(result.all_messages()[-1].model_name)
            #> claude-sonnet-4-5
            ```
            """
        ),
    )
    pytester.makeconftest(
        """
        import pytest
        from pydantic_ai import ModelHTTPError
        from pytest_agentrun import for_model, raises

        QUESTION = 'What is the capital of France?'

        @pytest.fixture
        def agentrun_doc_rules():
            return {
                for_model('openai:gpt-5.2', QUESTION): raises(ModelHTTPError(503, 'gpt-5.2', 'overloaded')),
                for_model('anthropic:claude-sonnet-4-5', QUESTION): 'Paris, answered by Claude.',
            }
        """
    )
    pytester.runpytest_inprocess('--agentrun-docs').assert_outcomes(passed=1)


@pytest.mark.usefixtures('close_run_sync_loop')
def test_a_rule_for_one_model_leaves_other_models_to_other_rules() -> None:
    from pytest_agentrun import ScriptedModel, for_model

    rules = {for_model('openai:gpt-5.2', 'Hi'): 'From GPT.', 'Hi': 'From anyone else.'}
    assert Agent(ScriptedModel(rules=rules, model='openai:gpt-5.2')).run_sync('Hi').output == 'From GPT.'
    assert Agent(ScriptedModel(rules=rules, model='openai:gpt-4o')).run_sync('Hi').output == 'From anyone else.'
    with pytest.raises(TypeError, match=re.escape("for_model() needs a model string first, such as 'openai:gpt-5.2'")):
        for_model('', 'Hi')
    with pytest.raises(TypeError, match=re.escape("for_model('m:x', ...) takes a prompt string, re.compile(...)")):
        for_model('m:x', 3)  # type: ignore[arg-type]
    assert repr(for_model('openai:gpt-5.2', 'Hi')) == "for_model('openai:gpt-5.2', 'Hi')"


# --- the batch API of recent releases ------------------------------------------------------------------------

needs_batches = pytest.mark.skipif(
    importlib.util.find_spec('pydantic_ai.models.batch') is None, reason='this pydantic-ai release has no batch API'
)


@needs_batches
@pytest.mark.anyio
async def test_a_batch_of_requests_is_answered_by_the_script(agentrun: AgentRunFactory) -> None:
    from pydantic_ai.direct import model_request_batch  # pyright: ignore[reportAttributeAccessIssue]
    from pydantic_ai.messages import ModelRequest
    from pydantic_ai.models.batch import BatchRequest  # pyright: ignore[reportMissingImports]

    model = agentrun.model('anthropic:claude-haiku-4-5', rules={'France?': 'Paris.', 'Italy?': 'Rome.'})
    requests = [
        BatchRequest(custom_id=key, messages=[ModelRequest.user_text_prompt(question)])
        for key, question in (('fr', 'France?'), ('it', 'Italy?'))
    ]
    responses = await model_request_batch('anthropic:claude-haiku-4-5', requests)
    assert [r.parts[0].content for r in responses] == ['Paris.', 'Rome.']  # type: ignore[union-attr]
    assert [r.prompt for r in model.requests] == ['France?', 'Italy?']


@needs_sdks
@pytest.mark.anyio
async def test_a_fallback_run_answers_under_the_name_of_the_model_asked(agentrun: AgentRunFactory) -> None:
    agent = Agent(FallbackModel(openai_model(), anthropic_model()))  # type: ignore[arg-type]
    run = await agentrun.run(agent, 'Hi', script=[raises(ModelHTTPError(503, 'gpt-5', 'overloaded')), 'Second.'])
    assert run.messages[-1].model_name == 'claude-sonnet-4-5'  # type: ignore[union-attr]
    assert run.model is not None
    assert run.model.name == 'openai:gpt-5'  # named after the model the fallback asks first

    agentrun.model('openai:gpt-5', [raises(ModelHTTPError(503, 'gpt-5', 'overloaded'))])
    agentrun.model('anthropic:claude-sonnet-4-5', ['Anthropic answered.'])
    run = await agentrun.run(agent, 'Hi')  # no script: the fallback's models are scripted by name
    assert run.output == 'Anthropic answered.'


def test_blocked_names_the_agent_asking_and_how_to_script_it(agentrun: AgentRunFactory) -> None:
    router = Agent('openai:gpt-5.2', name='router')
    helper = Agent('openai:gpt-5.2', name='helper')

    @router.tool_plain
    async def ask_helper() -> str:
        return (await helper.run('What is 2 + 2?')).output

    with pytest.raises(RealRequestBlockedError) as blocked:
        agentrun.run_sync(router, 'Hi', script=[tool_call('ask_helper')])
    lines = str(blocked.value).splitlines()
    assert lines[0].startswith(
        "pytest-agentrun blocked a real request to the model 'openai:gpt-5.2', asked by the agent 'helper', in "
    )
    assert (
        lines[3] == "    agentrun.model('openai:gpt-5.2', script=[...], agent=helper)   # for the agent 'helper' only"
    )
