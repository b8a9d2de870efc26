"""Records can be bounded: a model reused for many runs keeps what it is told to (`keep_requests=`, `reset()`)."""

from __future__ import annotations

import gc
import re
import weakref

import pytest
from pydantic_ai import Agent

from pytest_agentrun import ScriptedModel, ScriptError, tool_call

pytestmark = pytest.mark.usefixtures('close_run_sync_loop')


def test_keep_requests_keeps_the_latest() -> None:
    model = ScriptedModel(rules={'Hi': 'Hello.'}, keep_requests=2)
    agent = Agent(model)
    for _ in range(5):
        assert agent.run_sync('Hi').output == 'Hello.'
    assert [r.number for r in model.requests] == [4, 5]
    assert model.received == 5
    assert repr(model) == '<ScriptedModel: 0 turns, 0 used, 1 rules, 5 requests>'
    assert model.last_request.number == 5


def test_what_is_not_kept_is_freed() -> None:
    model = ScriptedModel(rules={'Hi': 'Hello.'}, keep_requests=10)
    agent = Agent(model)
    agent.run_sync('Hi')
    first = weakref.ref(model.requests[0])
    for _ in range(20):
        agent.run_sync('Hi')
    gc.collect()
    assert first() is None
    assert len(model.requests) == 10


def test_keep_none() -> None:
    model = ScriptedModel(rules={'Hi': 'Hello.'}, keep_requests=0)
    Agent(model).run_sync('Hi')
    assert model.requests == []
    with pytest.raises(ScriptError, match=re.escape('ScriptedModel received 1 requests but keeps none')):
        model.last_request  # noqa: B018


def test_reset_starts_over() -> None:
    model = ScriptedModel([tool_call('f'), 'Done.'])
    agent = Agent(model)

    @agent.tool_plain
    def f() -> str:
        return 'ok'

    first = agent.run_sync('Go')
    model.assert_all_consumed()
    model.reset()
    assert (model.requests, model.used, model.received) == ([], 0, 0)
    second = agent.run_sync('Go')  # the script again, with the same call ids
    assert second.output == first.output == 'Done.'
    assert [r.number for r in model.requests] == [1, 2]
    assert second.all_messages()[1].parts[0].tool_call_id == 'call_1'  # type: ignore[union-attr]


@pytest.mark.parametrize('bad', [-1, 1.5, True, '3'])
def test_keep_requests_errors(bad: object) -> None:
    with pytest.raises(ValueError, match='keep_requests must be') as exc_info:
        ScriptedModel(keep_requests=bad)  # type: ignore[arg-type]
    assert str(exc_info.value) == (
        f'ScriptedModel: keep_requests must be a number of requests to keep (0 or more) or None, got {bad!r}'
    )
