"""Record and replay: a test records a cassette against a real model once, then replays it offline.

The real model is pydantic-ai's own `OpenAIChatModel` with its `OpenAIProvider`, pointed at a local
OpenAI-compatible server (`openai_server.py`) through `OPENAI_BASE_URL`: no internet is needed, and stopping
the server proves a replay never calls it.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from openai_server import FakeOpenAI

needs_openai = pytest.mark.skipif(
    importlib.util.find_spec('openai') is None, reason='recording needs the openai SDK (pip install -e ".[dev]")'
)


def chat_model() -> str:
    """The model string of pydantic-ai's `OpenAIChatModel` (chat completions, as the local server speaks).

    Newer releases call it `'openai-chat:'` (`'openai:'` is the Responses API there); older ones know only
    `'openai:'`, which was the chat completions model.
    """
    from pydantic_ai.providers import infer_provider_class

    try:
        infer_provider_class('openai-chat')
    except ValueError:
        return 'openai:gpt-4o'
    return 'openai-chat:gpt-4o'


MODEL = chat_model()

APP = """
from pydantic import BaseModel
from pydantic_ai import Agent

agent = Agent(MODEL, instructions='Be brief.')


@agent.tool_plain
def get_weather(city: str) -> str:
    return f'Sunny in {city}'


class Forecast(BaseModel):
    city: str
    temperature: int
""".replace('MODEL', repr(MODEL))

CONFTEST = """
import json
import os

import pytest
from pydantic_ai.messages import ModelResponse, PartDeltaEvent, PartStartEvent


@pytest.fixture
def anyio_backend():
    return 'asyncio'


@pytest.fixture
def observe():
    '''Write what the runs gave to $OBSERVED, for the outer test to compare a recording with its replay.'''
    seen = []

    def add(label, messages, events=(), output=None):
        responses = []
        for m in messages:
            if isinstance(m, ModelResponse):
                responses.append({
                    'parts': [
                        {k: v for k, v in vars(p).items() if k in ('part_kind', 'content', 'tool_name', 'args')}
                        for p in m.parts
                    ],
                    'usage': [m.usage.input_tokens, m.usage.output_tokens],
                    'model_name': m.model_name,
                    'finish_reason': getattr(m, 'finish_reason', None),
                })
        deltas = []
        for e in events:
            if isinstance(e, PartStartEvent):
                deltas.append(['start', e.index, getattr(e.part, 'content', None) or getattr(e.part, 'args', None)])
            elif isinstance(e, PartDeltaEvent):
                d = e.delta
                deltas.append(['delta', e.index, getattr(d, 'content_delta', None) or getattr(d, 'args_delta', None)])
        seen.append({'label': label, 'output': repr(output), 'responses': responses, 'deltas': deltas})

    yield add
    with open(os.environ['OBSERVED'], 'a') as f:
        f.write(json.dumps(seen) + '\\n')
"""

TEST = """
import pytest

from app import Forecast, agent

pytestmark = [pytest.mark.anyio, pytest.mark.agentrun(cassette=True)]


async def test_weather(agentrun, observe):
    # 1: a tool call round trip, not streamed
    result = await agent.run('What is the weather in Paris?')
    assert result.output == 'The forecast says: Sunny in Paris.'
    observe('tool round trip', result.all_messages(), output=result.output)

    # 2: streamed text, chunk by chunk
    async with agent.run_stream('Hello there my friend') as stream:
        deltas = [d async for d in stream.stream_text(delta=True, debounce_by=None)]
    assert deltas == ['You said: ', 'Hello there ', 'my friend']
    observe('streamed text', stream.all_messages())

    # 3: a streamed tool call, its arguments in the pieces the server sent
    run = await agentrun.run(agent, 'And the weather in Lyon?', stream=True)
    assert run.output == 'The forecast says: Sunny in Lyon.'
    observe('streamed tool call', run.messages, run.events, run.output)

    # 4: structured output through the output tool
    result = await agent.run('The forecast, please', output_type=Forecast)
    assert result.output == Forecast(city='Paris', temperature=21)
    observe('structured output', result.all_messages(), output=result.output)
"""

CASSETTE = Path('cassettes/test_weather/test_weather.json')


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as running:
        monkeypatch.setenv('OPENAI_BASE_URL', running.base_url)
        monkeypatch.setenv('OPENAI_API_KEY', 'test-key')
        yield running


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.setenv('OBSERVED', str(pytester.path / 'observed.jsonl'))
    pytester.makepyfile(app=APP, test_weather=TEST)
    pytester.makeconftest(CONFTEST)
    return pytester


def observed(project: pytest.Pytester) -> list[object]:
    """What each inner run observed, one entry per pytest run; clears the file."""
    path = project.path / 'observed.jsonl'
    runs = [json.loads(line) for line in path.read_text().splitlines()]
    path.unlink()
    return runs


def exact(*lines: str) -> list[str]:
    """fnmatch patterns that match these lines exactly (`[`, `]`, `*` and `?` taken literally)."""
    return [re.sub(r'([\[\]*?])', r'[\1]', line) for line in lines]


@needs_openai
def test_record_then_replay_offline(project: pytest.Pytester, server: FakeOpenAI) -> None:
    recorded = project.runpytest_subprocess('--agentrun-record')
    recorded.assert_outcomes(passed=1)
    recorded.stdout.fnmatch_lines(
        ['*- pytest-agentrun: cassettes recorded -*', f'recorded {CASSETTE}'], consecutive=True
    )
    assert len(server.requests) == 6  # two runs with a tool round trip, two of one request each
    assert {r.authorization for r in server.requests} == {'Bearer test-key'}
    server.stop()

    text = (project.path / CASSETTE).read_text()
    cassette = json.loads(text)
    assert cassette['version'] == 1
    assert [(run['model'], len(run['requests'])) for run in cassette['runs']] == [
        (MODEL, 2),
        (MODEL, 1),
        (MODEL, 2),
        (MODEL, 1),
    ]
    for secret in ('test-key', 'Bearer', 'chatcmpl-', 'fp_', 'created', '127.0.0.1', 'timestamp'):
        assert secret not in text
    assert not re.search(r'call_[0-9a-f]{6,}', text)  # the server's random tool-call ids are gone
    assert re.search(r'"tool_call_id": "call_1"', text)
    assert not re.search(r'\d\d\d\d-\d\d-\d\dT|\b1[7-9]\d{8}\b', text)  # no timestamps, ISO or Unix

    live = observed(project)
    replayed = project.runpytest_subprocess()
    replayed.assert_outcomes(passed=1)
    assert observed(project) == live  # same outputs, parts, usage, model names, finish reasons and deltas
    assert len(server.requests) == 6


@needs_openai
def test_rerecording_gives_the_same_bytes(project: pytest.Pytester, server: FakeOpenAI) -> None:
    project.runpytest_subprocess('--agentrun-record').assert_outcomes(passed=1)
    first = (project.path / CASSETTE).read_bytes()
    project.runpytest_subprocess('--agentrun-record').assert_outcomes(passed=1)
    assert (project.path / CASSETTE).read_bytes() == first
    assert first.endswith(b'}\n')
    assert [p.name for p in (project.path / CASSETTE).parent.iterdir()] == ['test_weather.json']  # no temp files
