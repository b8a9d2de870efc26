"""Record and replay: a test records a cassette against a real model once, then replays it offline.

The real model is pydantic-ai's own `OpenAIChatModel` with its `OpenAIProvider`, pointed at a local
OpenAI-compatible server (`servers/openai_chat.py`) through `OPENAI_BASE_URL`: no internet is needed, and stopping
the server proves a replay never calls it.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers.openai_chat import FakeOpenAI

needs_openai = pytest.mark.skipif(
    importlib.util.find_spec('openai') is None, reason='recording needs the openai SDK (pip install -e ".[dev]")'
)

if importlib.util.find_spec('openai') is not None:
    # imported here, once: a pytester run drops the modules it imported, and the SDK costs seconds to import again
    import openai  # noqa: F401
    import pydantic_ai.models.openai
    import pydantic_ai.providers.openai  # noqa: F401


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
    recorded = project.runpytest_inprocess('--agentrun-record')
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
    replayed = project.runpytest_inprocess()
    replayed.assert_outcomes(passed=1)
    assert observed(project) == live  # same outputs, parts, usage, model names, finish reasons and deltas
    assert len(server.requests) == 6


@needs_openai
def test_rerecording_gives_the_same_bytes(project: pytest.Pytester, server: FakeOpenAI) -> None:
    project.runpytest_inprocess('--agentrun-record').assert_outcomes(passed=1)
    first = (project.path / CASSETTE).read_bytes()
    project.runpytest_inprocess('--agentrun-record').assert_outcomes(passed=1)
    assert (project.path / CASSETTE).read_bytes() == first
    assert first.endswith(b'}\n')
    assert [p.name for p in (project.path / CASSETTE).parent.iterdir()] == ['test_weather.json']  # no temp files


# --- replaying hand-written cassettes: mismatches, missing and bad files -----------------------------

HELLO_CONFTEST = """
import pytest


@pytest.fixture
def anyio_backend():
    return 'asyncio'
"""

HELLO_TEST = """
import pytest
from pydantic_ai import Agent

agent = Agent('openai:gpt-5.2', instructions='Be brief.')  # never built while replaying

pytestmark = pytest.mark.anyio


@pytest.mark.agentrun(cassette=True{options})
async def test_hello():
    result = await agent.run({prompt!r})
    assert result.output == 'Hi there.'
"""

HELLO_CASSETTE = Path('cassettes/test_hello/test_hello.json')


def hello_request(prompt: str = 'Hello') -> dict[str, object]:
    return {
        'history': 0,
        'instructions': 'Be brief.',
        'output_tools': [],
        'parts': [{'content': prompt, 'kind': 'user-prompt'}],
        'tools': [],
    }


def hello_cassette(*prompts: str) -> str:
    """A cassette answering each prompt, one run each, with 'Hi there.'."""
    from pytest_agentrun._cassettes.format import dump_cassette

    return dump_cassette(
        [
            {
                'model': 'openai:gpt-5.2',
                'requests': [
                    {
                        'request': hello_request(prompt),
                        'response': {
                            'model_name': 'gpt-5.2-2025',
                            'parts': [{'content': 'Hi there.', 'kind': 'text'}],
                            'usage': {'input_tokens': 9, 'output_tokens': 3},
                        },
                    }
                ],
            }
            for prompt in prompts
        ]
    )


@pytest.fixture
def hello(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(HELLO_CONFTEST)
    return pytester


def write_hello(
    project: pytest.Pytester, *, prompt: str = 'Hello', options: str = '', cassette: str | None = None
) -> None:
    project.makepyfile(test_hello=HELLO_TEST.format(prompt=prompt, options=options))
    if cassette is not None:
        path = project.path / HELLO_CASSETTE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(cassette)


def test_replays_a_cassette(hello: pytest.Pytester) -> None:
    write_hello(hello, cassette=hello_cassette('Hello'))
    hello.runpytest_inprocess().assert_outcomes(passed=1)


def test_a_different_prompt_fails_with_a_diff(hello: pytest.Pytester) -> None:
    write_hello(hello, prompt='Goodbye', cassette=hello_cassette('Hello'))
    result = hello.runpytest_inprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        exact(
            "pytest-agentrun: request 1 to 'openai:gpt-5.2' differs from the one recorded in "
            'cassettes/test_hello/test_hello.json (run 1, request 1):',
            '--- recorded',
            '+++ actual',
            '@@ -5,5 +5,5 @@',
            '   "parts": [',
            '     {',
            '-      "content": "Hello",',
            '+      "content": "Goodbye",',
            '       "kind": "user-prompt"',
            '     }',
            'If the change is intended, record the cassette again:',
            '    pytest --agentrun-record test_hello.py::test_hello',
            'or compare on less: @pytest.mark.agentrun(match_on=[...]) with some of prompt, instructions, tools, '
            'tool_returns, history (match_on=[] replays in order).',
        ),
        consecutive=True,
    )


@pytest.mark.parametrize('match_on', ["['tools', 'instructions']", '[]'])
def test_match_on_relaxes_the_comparison(hello: pytest.Pytester, match_on: str) -> None:
    write_hello(hello, prompt='Goodbye', options=f', match_on={match_on}', cassette=hello_cassette('Hello'))
    hello.runpytest_inprocess().assert_outcomes(passed=1)


def test_requests_match_out_of_order(hello: pytest.Pytester) -> None:
    """Two runs of the same model find their own recorded answers, whatever order they come in."""
    hello.makepyfile(
        test_hello="""
        import pytest
        from pydantic_ai import Agent

        agent = Agent('openai:gpt-5.2', instructions='Be brief.')

        @pytest.mark.anyio
        @pytest.mark.agentrun(cassette=True)
        async def test_hello():
            assert (await agent.run('Second')).output == 'Hi there.'
            assert (await agent.run('First')).output == 'Hi there.'
        """
    )
    path = hello.path / HELLO_CASSETTE
    path.parent.mkdir(parents=True)
    path.write_text(hello_cassette('First', 'Second'))
    hello.runpytest_inprocess().assert_outcomes(passed=1)


@pytest.mark.parametrize('real_requests', [False, True], ids=['guarded', 'real-requests-allowed'])
def test_a_missing_cassette_fails_with_the_command_that_records_it(hello: pytest.Pytester, real_requests: bool) -> None:
    write_hello(hello, options=f', real_requests={real_requests}')
    result = hello.runpytest_inprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        exact(
            "pytest-agentrun: test_hello.py::test_hello replays the model 'openai:gpt-5.2' from a cassette, but "
            'cassettes/test_hello/test_hello.json does not exist.',
            'Record it against the real model (this makes real, possibly paid, requests):',
            '    pytest --agentrun-record test_hello.py::test_hello',
            'A test with a cassette never calls the real model while replaying.',
        ),
        consecutive=True,
    )
    assert not (hello.path / 'cassettes').exists()


def with_stream(cassette: str, stream: str) -> str:
    """A hello cassette whose request was streamed in `stream` (a JSON list)."""
    return cassette.replace('"response":', f'"stream": {stream},\n"response":')


DEEP = 100_000

BAD_CASSETTES = {
    'truncated': (
        hello_cassette('Hello')[:200],
        'not valid JSON: Expecting value at line 10, column 28 (is the file truncated, or was it edited by hand?)',
    ),
    'empty': ('', 'the file is empty'),
    'not_an_object': ('[1, 2]', 'expected a JSON object with "version" and "runs", got a list'),
    'no_version': ('{"runs": []}', '"version" must be a positive integer, got None'),
    'newer_version': (
        '{"runs": [], "version": 2}',
        'the cassette is in format version 2, but this pytest-agentrun reads versions up to 1; upgrade '
        'pytest-agentrun, or re-record the cassette',
    ),
    'runs_not_a_list': ('{"runs": "all of them", "version": 1}', 'runs must be a list, got a string'),
    'unknown_part': (
        hello_cassette('Hello').replace('"kind": "text"', '"kind": "poem"'),
        "runs[0].requests[0].response.parts[0].kind must be 'text', 'tool-call', 'thinking' or another part "
        "kind with 'data', got 'poem'",
    ),
    'bad_usage': (
        hello_cassette('Hello').replace('"output_tokens": 3', '"output_tokens": "three"'),
        "runs[0].requests[0].response.usage.output_tokens must be a non-negative integer, got 'three'",
    ),
    'bad_stream': (
        with_stream(hello_cassette('Hello'), '[{"part": -1, "text": "Hi"}]'),
        'runs[0].requests[0].stream[0].part must be a part index (0, 1, ...), got -1',
    ),
    'duplicate_version': (
        '{"runs": [], "version": 2, "version": 1}',
        'the top-level object has the key "version" twice; a key may appear once in an object',
    ),
    'duplicate_key': (
        hello_cassette('Hello').replace('"model_name":', '"model_name": "gpt-4o",\n"model_name":'),
        'runs[0].requests[0].response has the key "model_name" twice; a key may appear once in an object',
    ),
    'unknown_finish_reason': (
        hello_cassette('Hello').replace('"model_name":', '"finish_reason": "done",\n"model_name":'),
        "runs[0].requests[0].response.finish_reason must be 'stop', 'length', 'content_filter', 'tool_call' or "
        "'error', got 'done'",
    ),
    'unknown_chunk_key': (
        with_stream(hello_cassette('Hello'), '[{"part": 0, "txt": "Hi there."}]'),
        'runs[0].requests[0].stream[0] has an unknown key "txt"; a delta has "part" and some of "text", '
        '"thinking", "signature", "tool_name", "args" and "tool_call_id", or "whole"',
    ),
    'mixed_delta': (
        with_stream(hello_cassette('Hello'), '[{"part": 0, "text": "Hi", "tool_name": "get_weather"}]'),
        'runs[0].requests[0].stream[0] mixes "text" and "tool_name"; a delta is text, thinking (with or without a '
        'signature), pieces of a tool call, or a "whole" part',
    ),
    'unknown_part_key': (
        hello_cassette('Hello').replace('"content": "Hi there."', '"content": "Hi there.", "contents": "Hi"'),
        'runs[0].requests[0].response.parts[0] has an unknown key "contents"; a text part has "kind" and "content"',
    ),
    'unknown_response_key': (
        hello_cassette('Hello').replace('"model_name":', '"finish": "stop",\n"model_name":'),
        'runs[0].requests[0].response has an unknown key "finish"; a response has "parts" and some of '
        '"finish_reason", "model_name", "provider_name" and "usage"',
    ),
    'deep_nesting': (
        '{"runs": ' + '[' * DEEP + ']' * DEEP + ', "version": 1}',
        'nested more than 100 levels deep at line 1, column 109 (was it edited by hand?)',
    ),
    'huge_number': (
        hello_cassette('Hello').replace('"output_tokens": 3', '"output_tokens": ' + '9' * 5000),
        'runs[0].requests[0].response.usage.output_tokens is a number of 5000 digits; a cassette holds numbers '
        'of up to 4300 digits',
    ),
    'not_a_number': (
        hello_cassette('Hello').replace('"output_tokens": 3', '"output_tokens": NaN'),
        'runs[0].requests[0].response.usage.output_tokens is NaN, which is not JSON',
    ),
    'infinite': (
        hello_cassette('Hello').replace('"output_tokens": 3', '"output_tokens": 1e999'),
        'runs[0].requests[0].response.usage.output_tokens is 1e999, too large for a number (it would be infinity)',
    ),
}

BAD_TEST = """
@pytest.mark.agentrun(cassette={name!r})
async def test_{name}():
    async with agent.run_stream('Hello') as run:
        await run.get_output()
"""


def test_bad_cassettes_fail_naming_the_file_the_json_path_and_the_problem(hello: pytest.Pytester) -> None:
    """Every kind of bad file in one run: each test reads its own cassette."""
    for name, (text, _) in BAD_CASSETTES.items():
        path = hello.path / 'cassettes' / 'test_bad' / f'{name}.json'
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    header = (
        "import pytest\nfrom pydantic_ai import Agent\n\nagent = Agent('openai:gpt-5.2', instructions='Be brief.')\n"
    )
    hello.makepyfile(
        test_bad=header + 'pytestmark = pytest.mark.anyio\n' + ''.join(BAD_TEST.format(name=n) for n in BAD_CASSETTES)
    )
    result = hello.runpytest_inprocess()
    result.assert_outcomes(failed=len(BAD_CASSETTES))
    for name, (_, problem) in BAD_CASSETTES.items():
        result.stdout.fnmatch_lines(
            exact(
                f'pytest-agentrun: cannot read the cassette cassettes/test_bad/{name}.json:',
                f'  {problem}',
                'Restore the file from version control, or delete it and record it again:',
                f'    pytest --agentrun-record test_bad.py::test_{name}',
            ),
            consecutive=True,
        )
    assert 'RecursionError' not in result.stdout.str()


def test_recorded_requests_never_made_fail_at_teardown(hello: pytest.Pytester) -> None:
    write_hello(hello, cassette=hello_cassette('Hello', 'Again'))
    result = hello.runpytest_inprocess()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        exact(
            'pytest-agentrun: 1 of the 2 requests recorded in cassettes/test_hello/test_hello.json was never replayed:',
            """  run 2, request 1 to 'openai:gpt-5.2': user-prompt "Again\"""",
            'The test now makes fewer requests than when it was recorded. Record the cassette again:',
            '    pytest --agentrun-record test_hello.py::test_hello',
            'or let recorded requests go unused with @pytest.mark.agentrun(strict=False).',
        ),
        consecutive=True,
    )
    write_hello(hello, options=', strict=False', cassette=hello_cassette('Hello', 'Again'))
    hello.runpytest_inprocess().assert_outcomes(passed=1)


def test_many_unused_requests_are_counted_and_the_first_few_listed(hello: pytest.Pytester) -> None:
    write_hello(hello, cassette=hello_cassette('Hello', *(f'Again {n}' for n in range(1, 12))))
    result = hello.runpytest_inprocess()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        exact(
            'pytest-agentrun: 11 of the 12 requests recorded in cassettes/test_hello/test_hello.json were never '
            'replayed:',
            *(f"""  run {n + 1}, request 1 to 'openai:gpt-5.2': user-prompt "Again {n}\"""" for n in range(1, 6)),
            '  ... and 6 more',
            'The test now makes fewer requests than when it was recorded. Record the cassette again:',
            '    pytest --agentrun-record test_hello.py::test_hello',
            'or let recorded requests go unused with @pytest.mark.agentrun(strict=False).',
        ),
        consecutive=True,
    )


def test_more_requests_than_recorded_fail(hello: pytest.Pytester) -> None:
    hello.makepyfile(
        test_hello="""
        import pytest
        from pydantic_ai import Agent

        agent = Agent('openai:gpt-5.2', instructions='Be brief.')

        @pytest.mark.anyio
        @pytest.mark.agentrun(cassette=True)
        async def test_hello():
            await agent.run('Hello')
            try:
                await agent.run('Hello')
            except Exception:  # code under test that swallows errors cannot hide it
                pass
        """
    )
    path = hello.path / HELLO_CASSETTE
    path.parent.mkdir(parents=True)
    path.write_text(hello_cassette('Hello'))
    result = hello.runpytest_inprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        exact(
            "pytest-agentrun: request 2 to 'openai:gpt-5.2' has no answer in cassettes/test_hello/test_hello.json: "
            'the cassette recorded 1 request to that model, and it was replayed.',
            'The test now makes more requests than when it was recorded. Record the cassette again:',
            '    pytest --agentrun-record test_hello.py::test_hello',
        ),
        consecutive=True,
    )


def test_bad_marker_options_fail_the_setup(hello: pytest.Pytester) -> None:
    hello.makepyfile(
        test_markers="""
        import pytest

        @pytest.mark.agentrun(cassette='a/b')
        def test_path(): pass

        @pytest.mark.agentrun(match_on=['prompt', 'weather'])
        def test_aspect(): pass

        @pytest.mark.agentrun(record='yes')
        def test_record(): pass

        @pytest.mark.agentrun(cassette='weather', match_on='prompt')
        def test_fine(): pass
        """
    )
    result = hello.runpytest_inprocess()
    result.assert_outcomes(passed=1, errors=3)
    result.stdout.fnmatch_lines(
        [
            *exact(
                'test_markers.py::test_path: @pytest.mark.agentrun(cassette=...) takes True, False or a file stem '
                "such as 'weather', got 'a/b'"
            ),
            '*ERROR at setup of test_aspect*',
            *exact(
                'test_markers.py::test_aspect: @pytest.mark.agentrun(match_on=...) takes a list of prompt, '
                "instructions, tools, tool_returns, history, got ['prompt', 'weather']"
            ),
            '*ERROR at setup of test_record*',
            *exact("test_markers.py::test_record: @pytest.mark.agentrun(record=...) takes True or False, got 'yes'"),
        ],
        consecutive=True,
    )


def test_cassette_names() -> None:
    from pytest_agentrun._cassettes.format import cassette_path, file_stem

    module = Path('tests/test_app.py')
    assert cassette_path(module, 'test_weather') == Path('tests/cassettes/test_app/test_weather.json')
    assert cassette_path(module, 'TestX.test_y[Paris-1]') == Path('tests/cassettes/test_app/TestX.test_y[Paris-1].json')
    assert cassette_path(module, 'test_weather', 'shared') == Path('tests/cassettes/test_app/shared.json')
    assert file_stem('test_x[a b]') == 'test_x[a_b]-' + file_stem('test_x[a b]')[-8:]
    assert file_stem('test_x[a b]') != file_stem('test_x[a/b]')


@needs_openai
def test_a_failed_recording_leaves_the_previous_cassette(project: pytest.Pytester, server: FakeOpenAI) -> None:
    project.makepyfile(test_weather=TEST.replace('agentrun(cassette=True)', 'agentrun(record=True)'))
    previous = hello_cassette('an older recording')
    path = project.path / CASSETTE
    path.parent.mkdir(parents=True)
    path.write_text(previous)
    server.fail_after = 1  # the request carrying the tool's return gets HTTP 500: the test fails midway

    result = project.runpytest_inprocess()  # no --agentrun-record: the marker records this test
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            '*- pytest-agentrun: cassettes not recorded -*',
            f'not recorded (the test failed; the previous cassette is untouched): {CASSETTE}',
        ],
        consecutive=True,
    )
    assert path.read_text() == previous
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


# --- recording only what is missing --------------------------------------------------------------------

GREET = """
import pytest

from app import agent

pytestmark = [pytest.mark.anyio, pytest.mark.agentrun(cassette=True)]


async def test_a():
    assert (await agent.run('Hello there')).output == 'You said: Hello there'
"""

GREET_MORE = (
    GREET
    + """
    async with agent.run_stream('Hello again') as run:  # a new run in a recorded test
        assert await run.get_output() == 'You said: Hello again'


async def test_b():  # a new test
    result = await agent.run('What is the weather in Paris?')
    assert result.output == 'The forecast says: Sunny in Paris.'
"""
)


def cassettes_of(project: pytest.Pytester) -> dict[str, tuple[bytes, int]]:
    """Each cassette's bytes and inode (a rewrite replaces the file, so its inode changes)."""
    folder = project.path / 'cassettes' / 'test_greet'
    return {p.name: (p.read_bytes(), p.stat().st_ino) for p in sorted(folder.iterdir())}


@needs_openai
def test_record_missing_records_new_tests_and_runs_and_replays_the_rest(
    pytester: pytest.Pytester, server: FakeOpenAI
) -> None:
    pytester.makepyfile(app=APP, test_greet=GREET)
    pytester.makeconftest(HELLO_CONFTEST)
    pytester.runpytest_inprocess('--agentrun-record').assert_outcomes(passed=1)
    assert len(server.requests) == 1
    [(first, _)] = cassettes_of(pytester).values()

    # a new run in test_a and a new test: only their requests reach the model
    pytester.makepyfile(test_greet=GREET_MORE)
    result = pytester.runpytest_inprocess('--agentrun-record-missing')
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            '*- pytest-agentrun: cassettes recorded -*',
            *exact(
                'recorded cassettes/test_greet/test_a.json (1 new request, 1 replayed)',
                'recorded cassettes/test_greet/test_b.json',
            ),
        ],
        consecutive=True,
    )
    assert [r.body['messages'][-1]['content'] for r in server.requests[1:]] == [
        'Hello again',
        'What is the weather in Paris?',
        'Sunny in Paris',
    ]
    missing = cassettes_of(pytester)
    assert json.loads(missing['test_a.json'][0])['runs'][0] == json.loads(first)['runs'][0]

    # the same bytes as recording everything again
    pytester.runpytest_inprocess('--agentrun-record').assert_outcomes(passed=2)
    assert len(server.requests) == 8
    assert {name: data for name, (data, _) in cassettes_of(pytester).items()} == {
        name: data for name, (data, _) in missing.items()
    }

    # nothing missing: no request, no file rewritten
    recorded = cassettes_of(pytester)
    result = pytester.runpytest_inprocess('--agentrun-record-missing')
    result.assert_outcomes(passed=2)
    assert 'cassettes recorded' not in result.stdout.str()
    assert len(server.requests) == 8
    assert cassettes_of(pytester) == recorded

    # a changed prompt: its run is recorded from there on (the later request asks the same as before, but after
    # another conversation), the run no longer made is dropped, and the cassette replays cleanly
    pytester.makepyfile(test_greet=GREET_MORE.replace('What is the weather in Paris?', 'Tell me the weather in Paris'))
    result = pytester.runpytest_inprocess('--agentrun-record-missing')
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            '*- pytest-agentrun: cassettes recorded -*',
            *exact('recorded cassettes/test_greet/test_b.json (2 new requests, 2 no longer made and dropped)'),
        ],
        consecutive=True,
    )
    assert len(server.requests) == 10
    assert cassettes_of(pytester)['test_a.json'] == recorded['test_a.json']
    server.stop()
    pytester.runpytest_inprocess().assert_outcomes(passed=2)


def test_record_and_record_missing_together_are_refused(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess('--agentrun-record', '--agentrun-record-missing')
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        exact(
            'ERROR: --agentrun-record records every cassette again and --agentrun-record-missing only the requests '
            'a cassette cannot answer: give one of them.'
        )
    )


# --- concurrent runs ----------------------------------------------------------------------------------

CONCURRENT = """
import asyncio

import pytest

from app import agent


@pytest.mark.anyio
@pytest.mark.agentrun(cassette=True)
async def test_concurrent():
    paris, rome = await asyncio.gather(
        agent.run('What is the weather in Paris?'), agent.run('What is the weather in Rome?')
    )
    assert paris.output == 'The forecast says: Sunny in Paris.'
    assert rome.output == 'The forecast says: Sunny in Rome.'
"""


@needs_openai
def test_concurrent_runs_record_in_a_stable_order_and_replay_in_any(
    pytester: pytest.Pytester, server: FakeOpenAI
) -> None:
    pytester.makepyfile(app=APP, test_concurrent=CONCURRENT)
    pytester.makeconftest(HELLO_CONFTEST)
    cassette = pytester.path / 'cassettes' / 'test_concurrent' / 'test_concurrent.json'
    recordings = []
    for slow in ('Paris', 'Rome'):  # the other run's answers come first
        server.delays = {slow: 0.2}
        pytester.runpytest_inprocess('--agentrun-record').assert_outcomes(passed=1)
        recordings.append(cassette.read_bytes())
    assert recordings[0] == recordings[1]
    runs = json.loads(recordings[0])['runs']
    assert [run['requests'][0]['request']['parts'][0]['content'] for run in runs] == [
        'What is the weather in Paris?',  # the order the runs started in
        'What is the weather in Rome?',
    ]
    assert [run['requests'][0]['response']['parts'][0]['tool_call_id'] for run in runs] == ['call_1', 'call_2']

    server.stop()
    swapped = CONCURRENT.replace(
        "agent.run('What is the weather in Paris?'), agent.run('What is the weather in Rome?')",
        "agent.run('What is the weather in Rome?'), agent.run('What is the weather in Paris?')",
    ).replace('paris, rome =', 'rome, paris =')
    pytester.makepyfile(test_concurrent=swapped)
    pytester.runpytest_inprocess().assert_outcomes(passed=1)


def test_each_run_replays_its_own_recorded_run(hello: pytest.Pytester) -> None:
    """Concurrent runs whose later requests are alike still get their own run's answers, whichever asks first."""
    hello.makepyfile(
        test_hello="""
        import asyncio

        import pytest
        from pydantic_ai import Agent

        agent = Agent('openai:gpt-5.2', instructions='Be brief.')


        @agent.tool_plain
        def get_weather(city: str) -> str:
            return f'Sunny in {city}'


        @pytest.mark.anyio
        @pytest.mark.agentrun(cassette=True)
        async def test_hello():
            second, first = await asyncio.gather(agent.run('And Paris again?'), agent.run('Paris, please'))
            assert first.output == 'The first answer.'
            assert second.output == 'The second answer.'
        """
    )

    def run(prompt: str, answer: str) -> dict[str, object]:
        call = {'kind': 'tool-call', 'tool_name': 'get_weather', 'args': {'city': 'Paris'}, 'tool_call_id': 'c'}
        returned = [{'kind': 'tool-return', 'tool': 'get_weather', 'content': 'Sunny in Paris'}]
        return {
            'model': 'openai:gpt-5.2',
            'requests': [
                {
                    'request': {**hello_request(prompt), 'tools': ['get_weather']},
                    'response': {'parts': [call]},
                },
                {
                    'request': {**hello_request(), 'history': 2, 'parts': returned, 'tools': ['get_weather']},
                    'response': {'parts': [{'kind': 'text', 'content': answer}]},
                },
            ],
        }

    from pytest_agentrun._cassettes.format import dump_cassette

    path = hello.path / HELLO_CASSETTE
    path.parent.mkdir(parents=True)
    path.write_text(
        dump_cassette([run('Paris, please', 'The first answer.'), run('And Paris again?', 'The second answer.')])
    )
    hello.runpytest_inprocess().assert_outcomes(passed=1)


# --- cassettes that cannot be written ---------------------------------------------------------------------

FAILING_WRITES = """
import errno
import os

import pytest

import pytest_agentrun._files as files


@pytest.fixture
def anyio_backend():
    return 'asyncio'


class FailingOs:
    # the os module, except that writing a file fails with an errno (a full disk, a file size limit)

    def __init__(self, code):
        self.code = code

    def __getattr__(self, name):
        return getattr(os, name)

    def write(self, fd, data):
        raise OSError(self.code, os.strerror(self.code))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(item):
    code = {'test_disk_full': errno.ENOSPC, 'test_too_large': errno.EFBIG}.get(item.name)
    files.os = FailingOs(code) if code else os
    try:
        return (yield)
    finally:
        files.os = os
"""

WRITES = """
import pytest

from app import agent

pytestmark = [pytest.mark.anyio, pytest.mark.agentrun(cassette=True)]


async def test_disk_full():
    assert (await agent.run('Hello there')).output == 'You said: Hello there'


async def test_linked():
    assert (await agent.run('Hello there')).output == 'You said: Hello there'


async def test_too_large():
    assert (await agent.run('Hello there')).output == 'You said: Hello there'
"""


@needs_openai
def test_a_cassette_that_cannot_be_written_is_reported_not_recorded_with_the_reason(
    pytester: pytest.Pytester, server: FakeOpenAI
) -> None:
    pytester.makepyfile(app=APP, test_write=WRITES)
    pytester.makeconftest(FAILING_WRITES)
    linked = pytester.path / 'cassettes' / 'test_write' / 'test_linked.json'
    linked.parent.mkdir(parents=True)
    linked.write_text(hello_cassette('an older recording'))
    (pytester.path / 'linked-copy.json').hardlink_to(linked)

    result = pytester.runpytest_inprocess('--agentrun-record')
    result.assert_outcomes(passed=3, errors=3)
    hard_links = (
        'it has 2 hard links (other names for the same file), which a rewrite would leave with the old text; give '
        'it a file of its own (cp test_linked.json test_linked.json.new && mv test_linked.json.new test_linked.json) '
        'or make the other names symbolic links, then run again'
    )
    reasons = {
        'test_disk_full': 'No space left on device (ENOSPC)',
        'test_linked': hard_links,
        'test_too_large': 'File too large (EFBIG)',
    }
    for test, reason in reasons.items():
        result.stdout.fnmatch_lines(
            [
                f'*_ ERROR at teardown of {test} _*',
                *exact(
                    f'pytest-agentrun: the cassette cassettes/test_write/{test}.json was not written: {reason}.',
                    'The previous cassette, if any, is untouched. Once that is fixed, record it again:',
                    f'    pytest --agentrun-record test_write.py::{test}',
                ),
            ],
            consecutive=True,
        )
    result.stdout.fnmatch_lines(
        [
            '*- pytest-agentrun: cassettes not recorded -*',
            *exact(
                *(
                    f'not recorded (not written: {reason}; the previous cassette is untouched): '
                    f'cassettes/test_write/{test}.json'
                    for test, reason in reasons.items()
                )
            ),
        ],
        consecutive=True,
    )
    assert 'Traceback' not in result.stdout.str()
    assert 'OSError' not in result.stdout.str()
    assert sorted(p.name for p in linked.parent.iterdir()) == ['test_linked.json']  # no temporary files left
    assert linked.read_text() == hello_cassette('an older recording')


# --- thinking, usage and finish reasons, recorded from any model --------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize('stream', [False, True], ids=['request', 'stream'])
async def test_thinking_usage_and_finish_reason_replay_exactly(tmp_path: Path, stream: bool) -> None:
    from pydantic_ai import Agent

    from pytest_agentrun import ScriptedModel, thinking, tool_call, turn
    from pytest_agentrun._cassettes.session import CassetteSession, Finished
    from pytest_agentrun._compat import HAS_FINISH_REASON
    from pytest_agentrun._options import MATCH_ASPECTS
    from pytest_agentrun._runs import RecordedRun, drive

    agent = Agent('openai:gpt-5.2')

    @agent.tool_plain
    def get_weather(city: str) -> str:
        return f'Sunny in {city}'

    finish: dict[str, str] = {'finish_reason': 'stop'} if HAS_FINISH_REASON else {}
    real = ScriptedModel(
        [
            turn(thinking('The user wants the weather.', signature='sig-1'), tool_call('get_weather', city='Paris')),
            turn(
                thinking('Now answer briefly.'),
                'It is sunny in Paris today.',
                usage={'input_tokens': 120, 'output_tokens': 17, 'cache_read_tokens': 100},
                chunk_words=2,
                **finish,  # type: ignore[arg-type]
            ),
        ],
        model='openai:gpt-5.2',
    )

    async def run(session: CassetteSession) -> RecordedRun[str]:
        recorded: RecordedRun[str] = RecordedRun(prompt='Weather in Paris?')
        model = session.model_for('openai:gpt-5.2', lambda: real)
        await drive(agent, 'Weather in Paris?', model=model, stream=stream, recorded=recorded, kwargs={})
        return recorded

    path = tmp_path / 'cassette.json'
    options = {'path': path, 'display_path': 'cassette.json', 'nodeid': 'test_x.py::test_x', 'match_on': MATCH_ASPECTS}
    recording = CassetteSession(record=True, **options)
    live = await run(recording)
    assert recording.finish(passed=True, strict=True) == Finished(recorded=True)

    replaying = CassetteSession(record=False, **options)
    replayed = await run(replaying)
    assert replaying.finish(passed=True, strict=True) == Finished()

    assert replayed.output == live.output == 'It is sunny in Paris today.'

    def placeholder(value: object) -> object:
        """What replays in place of a recorded value: the signature as the cassette keeps it."""
        return repr(value).replace("'sig-1'", "'signature_1'")

    def model_events(run: RecordedRun[str]) -> list[object]:
        return [placeholder(e) for e in run.events if e.event_kind in ('part_start', 'part_delta', 'part_end')]

    assert model_events(replayed) == model_events(live)  # every part start, delta and end, in the same pieces
    assert len(model_events(live)) >= (9 if stream else 0)
    responses = [
        placeholder((m.parts, m.usage, m.model_name, getattr(m, 'finish_reason', None)))
        for m in live.new_messages
        if m.kind == 'response'
    ]
    assert [
        placeholder((m.parts, m.usage, m.model_name, getattr(m, 'finish_reason', None)))
        for m in replayed.new_messages
        if m.kind == 'response'
    ] == responses
    assert [m for m in live.new_messages if m.kind == 'response'][1].usage.cache_read_tokens == 100
    text = path.read_text()
    assert '"signature": "signature_1"' in text  # the signature is kept as a placeholder, numbered
    assert 'sig-1' not in text
    if stream:
        assert '{"part": 1, "text": "It is "}' in text
