"""Durable execution with DBOS, tested as a DBOS app's tests would: an agent with a tool, made durable, runs inside
a `@DBOS.workflow()`, and agentrun scripts its model.

DBOS runs in-process on a SQLite system database in the module's tmp directory: launched once for the module
(workflows defined inside tests register after the launch, which DBOS allows), destroyed after the last test.
"""

from __future__ import annotations

import uuid
import warnings
from collections.abc import AsyncIterable, Iterator
from typing import Any

import pytest
from inline_snapshot import snapshot
from pydantic_ai import Agent, RunContext

from pytest_agentrun import AgentRunFactory, RecordedRun, tool_call

pytest.importorskip('dbos', reason='the DBOS tests need dbos (pip install -e ".[dev]")')
dbos_exec = pytest.importorskip(
    'pydantic_ai.durable_exec.dbos',
    reason='this pydantic-ai release has no DBOS integration (pydantic_ai.durable_exec.dbos)',
    exc_type=ImportError,
)

from dbos import DBOS, SetWorkflowID  # noqa: E402

# Where DBOS itself cannot launch (Python 3.12+ with SQLite < 3.42), the rootdir's conftest.py skips this module.
pytestmark = pytest.mark.anyio

has_capability = hasattr(dbos_exec, 'DBOSDurability')
needs_capability = pytest.mark.skipif(
    not has_capability, reason='this pydantic-ai release has no DBOSDurability capability (only the DBOSAgent wrapper)'
)


@pytest.fixture(scope='module')
def dbos_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One DBOS app for the module, its system database in SQLite; nothing left running after."""
    database = tmp_path_factory.mktemp('dbos') / 'system.sqlite'
    DBOS(config={'name': 'agentrun_tests', 'system_database_url': f'sqlite:///{database}'})
    DBOS.launch()
    try:
        yield
    finally:
        DBOS.destroy()


async def step_names(workflow_id: str) -> list[str]:
    """The steps DBOS recorded for a workflow, in order."""
    return [step['function_name'] for step in await DBOS.list_workflow_steps_async(workflow_id)]


def opening_hours(day: str) -> str:
    """When the museum is open on `day`."""
    return {'monday': 'closed'}.get(day, '10:00 to 18:00')


# --- the capability: Agent(..., capabilities=[DBOSDurability()]) run in your own workflow --------------------

if has_capability:
    museum = Agent(
        'openai:gpt-5.2',
        name='museum',
        instructions='Answer in one sentence.',
        tools=[opening_hours],
        capabilities=[dbos_exec.DBOSDurability()],
    )

    @DBOS.workflow()
    async def ask_museum(question: str) -> str:
        """The code under test: a workflow of the app, running the durable agent."""
        result = await museum.run(question)
        return result.output


@needs_capability
async def test_agentrun_run_inside_a_workflow(dbos_app: None, agentrun: AgentRunFactory) -> None:
    runs: list[RecordedRun[Any]] = []

    @DBOS.workflow()
    async def visit(question: str) -> str:
        run = await agentrun.run(
            museum, question, script=[tool_call('opening_hours', day='monday'), 'The museum is closed on Mondays.']
        )
        runs.append(run)
        return run.output

    workflow_id = str(uuid.uuid4())
    with SetWorkflowID(workflow_id):
        output = await visit('Can I visit on Monday?')
    assert output == 'The museum is closed on Mondays.'
    [run] = runs
    assert [(c.tool_name, c.args, c.result) for c in run.tool_calls] == [('opening_hours', {'day': 'monday'}, 'closed')]
    assert run.messages[-1].model_name == 'gpt-5.2'  # type: ignore[union-attr]
    assert await step_names(workflow_id) == ['museum__model.request', 'museum__model.request']


@needs_capability
async def test_a_workflow_of_the_code_under_test_scripted_by_model_name(
    dbos_app: None, agentrun: AgentRunFactory
) -> None:
    model = agentrun.model(
        'openai:gpt-5.2', [tool_call('opening_hours', day='tuesday'), 'Open from 10:00 to 18:00 on Tuesday.']
    )
    workflow_id = str(uuid.uuid4())
    with SetWorkflowID(workflow_id):
        assert await ask_museum('Can I visit on Tuesday?') == 'Open from 10:00 to 18:00 on Tuesday.'
    assert [r.prompt for r in model.requests] == ['Can I visit on Tuesday?'] * 2
    [returned] = model.requests[1].messages[-1].parts
    assert (returned.part_kind, returned.content) == ('tool-return', '10:00 to 18:00')  # type: ignore[union-attr]
    assert await step_names(workflow_id) == ['museum__model.request', 'museum__model.request']


@needs_capability
async def test_agentrun_iter_inside_a_workflow(dbos_app: None, agentrun: AgentRunFactory) -> None:
    @DBOS.workflow()
    async def visit_by_hand(question: str) -> list[str]:
        script = [tool_call('opening_hours', day='monday'), 'Closed on Mondays.']
        async with agentrun.iter(museum, question, script=script) as agent_run:
            return [type(node).__name__ async for node in agent_run]

    workflow_id = str(uuid.uuid4())
    with SetWorkflowID(workflow_id):
        nodes = await visit_by_hand('Can I visit on Monday?')
    assert nodes == ['UserPromptNode', 'ModelRequestNode', 'CallToolsNode', 'ModelRequestNode', 'CallToolsNode', 'End']
    assert agentrun.last.output == 'Closed on Mondays.'
    assert await step_names(workflow_id) == ['museum__model.request', 'museum__model.request']


@needs_capability
async def test_a_finished_workflow_id_replays_without_asking_the_script(
    dbos_app: None, agentrun: AgentRunFactory
) -> None:
    model = agentrun.model('openai:gpt-5.2', ['Open from 10:00 to 18:00.'])
    workflow_id = str(uuid.uuid4())
    with SetWorkflowID(workflow_id):
        assert await ask_museum('When can I visit?') == 'Open from 10:00 to 18:00.'
    with SetWorkflowID(workflow_id):  # DBOS returns the recorded output: the agent does not run again
        assert await ask_museum('When can I visit?') == 'Open from 10:00 to 18:00.'
    assert len(model.requests) == 1


@needs_capability
async def test_a_streamed_run_inside_a_workflow(dbos_app: None, agentrun: AgentRunFactory) -> None:
    runs: list[RecordedRun[Any]] = []

    @DBOS.workflow()
    async def visit_streamed(question: str) -> str:
        run = await agentrun.run(
            museum,
            question,
            script=[tool_call('opening_hours', day='monday'), 'The museum is closed on Mondays.'],
            stream=True,
        )
        runs.append(run)
        return run.output

    workflow_id = str(uuid.uuid4())
    with SetWorkflowID(workflow_id):
        assert await visit_streamed('Can I visit on Monday?') == 'The museum is closed on Mondays.'
    [run] = runs
    # the model streamed inside the DBOS step; the workflow gets the step's response back as whole parts (seen on
    # 2.68) or delta by delta (seen on 2.54, Python 3.10)
    started = [e.part for e in run.events if e.event_kind == 'part_start']  # type: ignore[union-attr]
    assert [p.part_kind for p in started] == ['tool-call', 'text']
    assert run.streamed_text == 'The museum is closed on Mondays.'
    assert await step_names(workflow_id) == ['museum__model.request_stream', 'museum__model.request_stream']


streamed_events: list[Any] = []

if has_capability:

    async def keep_events(ctx: RunContext[None], events: AsyncIterable[Any]) -> None:
        """The app's event stream handler: DBOS runs it inside the model request step, live."""
        async for event in events:
            streamed_events.append(event)

    live_museum = Agent(
        'openai:gpt-5.2',
        name='live_museum',
        tools=[opening_hours],
        capabilities=[dbos_exec.DBOSDurability(event_stream_handler=keep_events)],
    )

    @DBOS.workflow()
    async def ask_live_museum(question: str) -> str:
        return (await live_museum.run(question)).output


@needs_capability
async def test_an_event_stream_handler_sees_the_scripted_stream(dbos_app: None, agentrun: AgentRunFactory) -> None:
    streamed_events.clear()
    agentrun.model('openai:gpt-5.2', ['Open every day but Monday.'], agent=live_museum, chunk_words=2)
    workflow_id = str(uuid.uuid4())
    with SetWorkflowID(workflow_id):
        assert await ask_live_museum('When can I visit?') == 'Open every day but Monday.'
    texts = [e.part.content for e in streamed_events if e.event_kind == 'part_start'] + [
        e.delta.content_delta for e in streamed_events if e.event_kind == 'part_delta'
    ]
    assert texts == ['Open every ', 'day but ', 'Monday.']
    assert await step_names(workflow_id) == ['live_museum__model.request_stream']


# --- the wrapper: DBOSAgent(agent), the way before DBOSDurability (deprecated from pydantic-ai 2.x on) -------

with warnings.catch_warnings():
    warnings.filterwarnings('ignore', message='`DBOSAgent` is deprecated')
    wrapped_museum = dbos_exec.DBOSAgent(Agent('openai:gpt-5.2', name='wrapped_museum', tools=[opening_hours]))


async def test_agentrun_run_of_a_dbos_agent_inside_a_workflow(dbos_app: None, agentrun: AgentRunFactory) -> None:
    runs: list[RecordedRun[Any]] = []

    @DBOS.workflow()
    async def visit_wrapped(question: str) -> str:
        run = await agentrun.run(
            wrapped_museum, question, script=[tool_call('opening_hours', day='monday'), 'Closed on Mondays.']
        )
        runs.append(run)
        return run.output

    workflow_id = str(uuid.uuid4())
    with SetWorkflowID(workflow_id):
        assert await visit_wrapped('Can I visit on Monday?') == 'Closed on Mondays.'
    [run] = runs
    assert [(c.tool_name, c.result) for c in run.tool_calls] == [('opening_hours', 'closed')]
    assert await step_names(workflow_id) == ['wrapped_museum__model.request', 'wrapped_museum__model.request']


async def test_a_dbos_agents_own_workflow_scripted_by_model_name(dbos_app: None, agentrun: AgentRunFactory) -> None:
    model = agentrun.model('openai:gpt-5.2', [tool_call('opening_hours', day='sunday'), 'Open on Sunday.'])
    workflow_id = str(uuid.uuid4())
    with SetWorkflowID(workflow_id):
        result = await wrapped_museum.run('Can I visit on Sunday?')  # the wrapper's run is a DBOS workflow itself
    assert result.output == 'Open on Sunday.'
    assert len(model.requests) == 2
    assert await step_names(workflow_id) == ['wrapped_museum__model.request', 'wrapped_museum__model.request']


async def test_a_streamed_run_of_a_dbos_agent_inside_a_workflow(dbos_app: None, agentrun: AgentRunFactory) -> None:
    runs: list[RecordedRun[Any]] = []

    @DBOS.workflow()
    async def visit_wrapped_streamed(question: str) -> str:
        run = await agentrun.run(
            wrapped_museum,
            question,
            script=[tool_call('opening_hours', day='monday'), 'Closed on Mondays.'],
            stream=True,
        )
        runs.append(run)
        return run.output

    workflow_id = str(uuid.uuid4())
    with SetWorkflowID(workflow_id):
        assert await visit_wrapped_streamed('Can I visit on Monday?') == 'Closed on Mondays.'
    assert await step_names(workflow_id) == ['wrapped_museum__model.request_stream'] * 2
    # the model streamed inside the steps; what the workflow side sees of it differs between pydantic-ai
    # releases (1.x: nothing, 2.x: the step's response replayed as whole parts), the tool events do not
    tools = [e.event_kind for e in runs[0].events if e.event_kind.startswith('function_tool')]
    assert tools == ['function_tool_call', 'function_tool_result']


# --- what cannot work, and says so ---------------------------------------------------------------------------

from pydantic_ai.models.test import TestModel  # noqa: E402

with warnings.catch_warnings():
    warnings.filterwarnings('ignore', message='`DBOSAgent` is deprecated')
    wrapped_double = dbos_exec.DBOSAgent(Agent(TestModel(), name='wrapped_double'))

if has_capability:
    durable_double = Agent(TestModel(), name='durable_double', capabilities=[dbos_exec.DBOSDurability()])


@needs_capability
async def test_a_durable_agent_on_a_test_double_is_refused_inside_a_workflow(
    dbos_app: None, agentrun: AgentRunFactory
) -> None:
    @DBOS.workflow()
    async def visit_double(question: str) -> str:
        return (await agentrun.run(durable_double, question, script=['Scripted.'])).output

    with pytest.raises(TypeError) as refused:
        await visit_double('Hi')
    assert str(refused.value) == snapshot("""\
agentrun.run('durable_double'): the script cannot answer this run inside a workflow.
The agent's model (TestModel) is a model of your own, which pytest-agentrun leaves alone,
so the script would have to be passed to the run as its model, which DBOSDurability refuses inside a workflow.
Build the agent on the model it uses in production, a model string such as 'openai:gpt-5.2' or a model
object: the script then answers its requests in place, inside the durable steps.
Or run the agent outside the workflow, where DBOSDurability steps aside.\
""")
    # outside a workflow the capability steps aside, and the script is the run's model as usual
    assert (await agentrun.run(durable_double, 'Hi', script=['Scripted.'])).output == 'Scripted.'


async def test_a_dbos_agent_on_a_test_double_is_refused(dbos_app: None, agentrun: AgentRunFactory) -> None:
    with pytest.raises(TypeError) as refused:
        await agentrun.run(wrapped_double, 'Hi', script=['Scripted.'])
    assert str(refused.value) == snapshot("""\
agentrun.run('wrapped_double'): the script cannot answer this run.
The wrapped agent's model (TestModel) is a model of your own, which pytest-agentrun leaves alone,
so the script would have to be passed to the run as its model, which DBOSAgent refuses.
Build the agent on the model it uses in production, a model string such as 'openai:gpt-5.2' or a model
object: the script then answers its requests in place, inside the durable steps.\
""")
    assert agentrun.models == []  # nothing left to fail the test at teardown
