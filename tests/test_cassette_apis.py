"""Record and replay through the APIs users call: OpenAI's Responses and Chat Completions, Anthropic's Messages.

Each API runs against its local fake (`servers/`), which answers like the real one: fresh ids, times, tool-call
ids, thinking signatures and OpenAI's encrypted reasoning on every response. Agents use model strings
(`'openai:...'`, `'anthropic:...'`) and model objects with a provider pointed at the fake; they run plain and
streamed, with tool calls and thinking. A cassette must replay all of it with the servers stopped, hold none of
the random values (re-recording gives the same bytes), and hold none of the secrets a client sends.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

try:  # here, once: a pytester run drops the modules it imported, and importing the SDKs again costs seconds
    import anthropic  # noqa: F401
    import openai  # noqa: F401
    import pydantic_ai.models.anthropic
    import pydantic_ai.models.openai
    import pydantic_ai.providers.anthropic
    import pydantic_ai.providers.openai
except ImportError as error:  # pragma: no cover - the dev extra installs both SDKs
    pytest.skip(f'needs the openai and anthropic SDKs, as pydantic-ai imports them: {error}', allow_module_level=True)

from servers.anthropic_messages import FakeAnthropic
from servers.openai_chat import FakeOpenAI
from servers.openai_responses import FakeOpenAIResponses
from test_cassette import CONFTEST, exact, observed


def responses_model() -> str:
    """The model string of the Responses API: `'openai:'` from pydantic-ai 2.0; on 1.x that is Chat Completions,
    and the Responses API is `'openai-responses:'`."""
    import os
    import warnings

    from pydantic_ai import models

    infer = getattr(models.infer_model, '__wrapped__', models.infer_model)  # the plugin's stand-ins aside
    key = os.environ.setdefault('OPENAI_API_KEY', 'sk-probe')
    try:
        with warnings.catch_warnings():  # the last 1.x releases warn that 'openai:' changes meaning in 2.0
            warnings.simplefilter('ignore')
            responses = isinstance(infer('openai:gpt-5.2'), pydantic_ai.models.openai.OpenAIResponsesModel)
    finally:
        if key == 'sk-probe':
            del os.environ['OPENAI_API_KEY']
    return 'openai:gpt-5.2' if responses else 'openai-responses:gpt-5.2'


RESPONSES_MODEL = responses_model()

APP = """
import os

from anthropic import AsyncAnthropic
from pydantic_ai import Agent
from pydantic_ai.models.anthropic import AnthropicModel
from pydantic_ai.models.openai import OpenAIResponsesModel
from pydantic_ai.providers.anthropic import AnthropicProvider
from pydantic_ai.providers.openai import OpenAIProvider

# the providers' own settings (pydantic-ai 1.x has no unified `thinking`)
OPENAI_THINKING = {'openai_reasoning_effort': 'low', 'openai_reasoning_summary': 'detailed'}
ANTHROPIC_THINKING = {'anthropic_thinking': {'type': 'enabled', 'budget_tokens': 1024}, 'max_tokens': 2048}


def weather_agent(model):
    agent = Agent(model, instructions='Be brief.')

    @agent.tool_plain
    def get_weather(city: str) -> str:
        return f'Sunny in {city}'

    return agent


def responses_object():
    provider = OpenAIProvider(base_url=os.environ['OPENAI_BASE_URL'], api_key='sk-object-key')
    return OpenAIResponsesModel('gpt-5.2', provider=provider)


def anthropic_object():
    url, key = os.environ['ANTHROPIC_BASE_URL'], 'sk-ant-object-key'
    try:
        provider = AnthropicProvider(base_url=url, api_key=key)
    except TypeError:  # pydantic-ai 1.0's provider takes no base_url: give it the client it would make
        from pydantic_ai.models import cached_async_http_client

        client = AsyncAnthropic(base_url=url, api_key=key, http_client=cached_async_http_client())
        provider = AnthropicProvider(anthropic_client=client)
    return AnthropicModel('claude-sonnet-4-6', provider=provider)
"""

API_TEST = """
import pytest

from app import THINKING, MODEL, OBJECT, weather_agent

pytestmark = [pytest.mark.anyio, pytest.mark.agentrun(cassette=True)]


async def test_NAME(agentrun, observe):
    # a model string: a tool round trip, thinking before each answer
    agent = weather_agent(MODEL)
    result = await agent.run('What is the weather in Paris?', model_settings=THINKING)
    assert result.output == 'The forecast says: Sunny in Paris.'
    observe('string, plain', result.all_messages(), output=result.output)

    # the same, streamed
    run = await agentrun.run(agent, 'What is the weather in Rome?', stream=True, model_settings=THINKING)
    assert run.output == 'The forecast says: Sunny in Rome.'
    observe('string, streamed', run.messages, run.events, run.output)

    # a model object whose provider points at the server: plain, then streamed text
    agent = weather_agent(OBJECT())
    run = await agentrun.run(agent, 'What is the weather in Oslo?', model_settings=THINKING)
    assert run.output == 'The forecast says: Sunny in Oslo.'
    observe('object, plain', run.messages, output=run.output)

    async with agent.run_stream('Hello there my friend', model_settings=THINKING) as stream:
        deltas = [d async for d in stream.stream_text(delta=True, debounce_by=None)]
    assert deltas == ['You said: ', 'Hello there ', 'my friend']
    observe('object, streamed', stream.all_messages())
"""

CONTINUED = """
    # a new run, carrying on the first one's conversation (replayed when recording only what is missing)
    more = await weather_agent(MODEL).run(
        'What is the weather in Lyon?', message_history=result.all_messages(), model_settings=THINKING
    )
    assert more.output == 'The forecast says: Sunny in Lyon.'
"""


def api_test(name: str, model: str, thinking: str, model_object: str, *, continued: bool = False) -> str:
    return (
        (API_TEST + (CONTINUED if continued else ''))
        .replace('NAME', name)
        .replace('THINKING, MODEL, OBJECT', f'{thinking} as THINKING, {model_object} as OBJECT')
        .replace('(MODEL)', f'({model!r})')
    )


RESPONSES = ('responses', RESPONSES_MODEL, 'OPENAI_THINKING', 'responses_object')
ANTHROPIC = ('anthropic', 'anthropic:claude-sonnet-4-6', 'ANTHROPIC_THINKING', 'anthropic_object')

RESPONSES_CASSETTE = 'cassettes/test_responses/test_responses.json'
ANTHROPIC_CASSETTE = 'cassettes/test_anthropic/test_anthropic.json'

RANDOM = re.compile(
    r'resp_|rs_|msg_|fc_|toolu_|req_|call_[0-9A-Za-z]{8,}|gAAAA|[0-9A-Za-z+/]{40,}'  # ids, signatures, encryption
    r'|\d{4}-\d\d-\d\dT|\b1[7-9]\d{8}\b'  # times, ISO or Unix
)


class Servers:
    """The Responses and Anthropic fakes, with the environment pointing model strings at them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.responses = FakeOpenAIResponses().start()
        self.anthropic = FakeAnthropic().start()
        monkeypatch.setenv('OPENAI_BASE_URL', self.responses.base_url)
        monkeypatch.setenv('OPENAI_API_KEY', 'sk-openai-env-key')
        monkeypatch.setenv('ANTHROPIC_BASE_URL', self.anthropic.base_url)
        monkeypatch.setenv('ANTHROPIC_API_KEY', 'sk-ant-env-key')

    def stop(self) -> None:
        self.responses.stop()
        self.anthropic.stop()


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.setenv('OBSERVED', str(pytester.path / 'observed.jsonl'))
    pytester.makepyfile(app=APP, test_responses=api_test(*RESPONSES), test_anthropic=api_test(*ANTHROPIC))
    pytester.makeconftest(CONFTEST)
    return pytester


def test_three_apis_record_and_replay_plain_and_streamed_with_tools_and_thinking(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    servers = Servers(monkeypatch)
    try:
        recorded = project.runpytest_inprocess('--agentrun-record')
        recorded.assert_outcomes(passed=2)
        recorded.stdout.fnmatch_lines(
            [
                '*- pytest-agentrun: cassettes recorded -*',
                *exact(f'recorded {ANTHROPIC_CASSETTE}', f'recorded {RESPONSES_CASSETTE}'),
            ],
            consecutive=True,
        )
        live = observed(project)
        first = {path: (project.path / path).read_bytes() for path in (RESPONSES_CASSETTE, ANTHROPIC_CASSETTE)}
        project.runpytest_inprocess('--agentrun-record').assert_outcomes(passed=2)
        observed(project)
        again = {path: (project.path / path).read_bytes() for path in first}
    finally:
        servers.stop()
    assert again == first  # fresh ids, times, signatures and encrypted reasoning did not make it in

    for server in (servers.responses, servers.anthropic):
        assert len(server.requests) == 14  # per recording: three tool round trips and one text, thinking throughout
        assert all(r.body.get('stream') for r in server.requests[2:4] + server.requests[6:7])
    assert {r.authorization for r in servers.responses.requests} == {'Bearer sk-openai-env-key', 'Bearer sk-object-key'}
    assert {r.authorization.removeprefix('Bearer ') for r in servers.anthropic.requests if r.authorization} == {
        'sk-ant-env-key',
        'sk-ant-object-key',
    }
    [anthropic_thinks] = {r.body['thinking']['type'] for r in servers.anthropic.requests}
    assert anthropic_thinks == 'enabled'
    # a model string and a model object of one model send the same system prompt: each request is prepared once
    assert len({json.dumps(r.body['system']) for r in servers.anthropic.requests}) == 1
    system = [
        (r.body['instructions'], [i for i in r.body['input'] if i.get('role') in ('system', 'developer')])
        for r in servers.responses.requests
    ]
    assert len({json.dumps(s) for s in system}) == 1

    responses, anthropic = (json.loads(text) for text in first.values())
    # a model object is known by its system and model name, as the model string of the same model
    assert [run['model'] for run in responses['runs']] == [RESPONSES_MODEL] * 2 + ['openai:gpt-5.2'] * 2
    assert [run['model'] for run in anthropic['runs']] == ['anthropic:claude-sonnet-4-6'] * 4
    for path, data in first.items():
        text = data.decode()
        assert not RANDOM.search(text), (path, RANDOM.search(text))
        for secret in ('sk-', 'Bearer', '127.0.0.1'):
            assert secret not in text, (path, secret)
    # Anthropic's signatures, and OpenAI's encrypted reasoning where pydantic-ai asks for it, become placeholders
    signatures = re.compile(r'"signature": "(signature_\d+)"')
    assert signatures.findall(first[ANTHROPIC_CASSETTE].decode())[:2] == ['signature_1', 'signature_2']
    encrypted = any('reasoning.encrypted_content' in r.body.get('include', []) for r in servers.responses.requests)
    responses_signatures = re.findall(r'"signature": "([^"]*)"', first[RESPONSES_CASSETTE].decode())
    if encrypted:  # (0.x keeps the reasoning item's id as the signature: a placeholder too)
        assert responses_signatures
    assert all(re.fullmatch(r'signature_\d+', s) for s in responses_signatures), responses_signatures
    assert '"thinking": "Thinking about: "' in first[ANTHROPIC_CASSETTE].decode()  # thinking streamed delta by delta

    replayed = project.runpytest_inprocess()  # the servers are gone
    replayed.assert_outcomes(passed=2)
    assert observed(project) == live  # the same outputs, parts, usage, model names, finish reasons and deltas

    # a new run carrying on a replayed conversation: the signatures the cassette made up never reach a model
    servers = Servers(monkeypatch)
    try:
        project.makepyfile(
            test_responses=api_test(*RESPONSES, continued=True), test_anthropic=api_test(*ANTHROPIC, continued=True)
        )
        result = project.runpytest_inprocess('--agentrun-record-missing')
    finally:
        servers.stop()
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            '*- pytest-agentrun: cassettes recorded -*',
            *exact(
                f'recorded {ANTHROPIC_CASSETTE} (2 new requests, 7 replayed)',
                f'recorded {RESPONSES_CASSETTE} (2 new requests, 7 replayed)',
            ),
        ],
        consecutive=True,
    )
    for server in (servers.responses, servers.anthropic):
        assert len(server.requests) == 2
        sent = json.dumps(server.requests[0].body)
        assert 'Sunny in Paris' in sent  # the replayed conversation went to the model
        assert 'signature_' not in sent


# --- secrets ---------------------------------------------------------------------------------------------

SECRETS_TEST = """
import os

import pytest
from anthropic import AsyncAnthropic
from openai import AsyncOpenAI
from pydantic_ai import Agent
from pydantic_ai.models.anthropic import AnthropicModel
from pydantic_ai.models.openai import OpenAIChatModel, OpenAIResponsesModel
from pydantic_ai.providers.anthropic import AnthropicProvider
from pydantic_ai.providers.openai import OpenAIProvider

pytestmark = [pytest.mark.anyio, pytest.mark.agentrun(cassette=True)]

SECRETS = {
    # an API key, a custom auth header and a token in the query, all on one client
    'api_key': 'sk-{api}-secret-key',
    'default_headers': {'X-Custom-Auth': '{api}-header-secret'},
    'default_query': {'token': '{api}-query-secret'},
}


def clients(make, api):
    url = os.environ[f'{api.upper()}_URL']
    secrets = {k: v.format(api=api) if isinstance(v, str) else {n: s.format(api=api) for n, s in v.items()}
               for k, v in SECRETS.items()}
    with_secrets = make(base_url=url, **secrets)
    # a user and password in the base URL (sent as basic auth)
    with_password = make(base_url=url.replace('http://', f'http://user:{api}-pa55word@'), api_key='sk-unused')
    return with_secrets, with_password


async def ask(client, model):
    try:
        result = await Agent(model, instructions='Be brief.').run('Hello there', model_settings={'max_tokens': 1024})
    finally:
        await client.close()
    assert result.output == 'You said: Hello there'


async def test_chat():
    for client in clients(AsyncOpenAI, 'chat'):
        await ask(client, OpenAIChatModel('gpt-4o', provider=OpenAIProvider(openai_client=client)))


async def test_responses():
    for client in clients(AsyncOpenAI, 'responses'):
        await ask(client, OpenAIResponsesModel('gpt-5.2', provider=OpenAIProvider(openai_client=client)))


async def test_anthropic():
    for client in clients(AsyncAnthropic, 'anthropic'):
        model = AnthropicModel('claude-haiku-4-5', provider=AnthropicProvider(anthropic_client=client))
        await ask(client, model)
"""


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, FakeOpenAI | FakeOpenAIResponses | FakeAnthropic]]:
    with FakeOpenAI() as chat, FakeOpenAIResponses() as responses, FakeAnthropic() as anthropic:
        servers = {'chat': chat, 'responses': responses, 'anthropic': anthropic}
        for api, server in servers.items():
            monkeypatch.setenv(f'{api.upper()}_URL', server.base_url)
        yield servers


def test_secrets_a_client_sends_stay_out_of_cassettes(
    pytester: pytest.Pytester, fakes: dict[str, FakeOpenAI | FakeOpenAIResponses | FakeAnthropic]
) -> None:
    pytester.makepyfile(test_secrets=SECRETS_TEST)
    pytester.makeconftest(CONFTEST)
    pytester.runpytest_inprocess('--agentrun-record').assert_outcomes(passed=3)
    for api, server in fakes.items():
        keyed, passworded = server.requests
        password = f'user:{api}-pa55word'
        sent = {
            'api key': (keyed.authorization or '').removeprefix('Bearer '),
            'custom auth header': keyed.headers['x-custom-auth'],
            'token in the query': parse_qs(urlsplit(keyed.path).query)['token'][0],
            'password in the base URL': passworded.headers['authorization'],
        }
        assert sent == {
            'api key': f'sk-{api}-secret-key',
            'custom auth header': f'{api}-header-secret',
            'token in the query': f'{api}-query-secret',
            'password in the base URL': f'Basic {base64.b64encode(password.encode()).decode()}',
        }
        text = (pytester.path / 'cassettes' / 'test_secrets' / f'test_{api}.json').read_text()
        assert 'You said: Hello there' in text
        for what, secret in [*sent.items(), ('password', password), ('host', '127.0.0.1')]:
            assert secret not in text, f'the {what} of {api} is in its cassette'
