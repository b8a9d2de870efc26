"""The fake model servers in `servers/` speak their APIs well enough for pydantic-ai's real models and the SDKs.

Each server is driven by pydantic-ai's own model class for its API (`OpenAIResponsesModel`, `AnthropicModel`)
through the provider SDK, so what these tests prove is what cassette recording against the servers relies on.
The wire-level tests check every response and event against the SDK's own types, validated, which the SDKs
themselves never do (they build their objects without validation).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter
from servers.anthropic_messages import FakeAnthropic
from servers.base import FakeServer, json_pieces, pieces
from servers.openai_chat import FakeOpenAI
from servers.openai_responses import FakeOpenAIResponses

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.agentrun(real_requests=True),
    # the anthropic SDK warns, when it sends a request unstreamed, that this model reaches its end of life on a date
    pytest.mark.filterwarnings(r"ignore:The model 'claude-sonnet-4-5' is deprecated:DeprecationWarning"),
    pytest.mark.skipif(
        importlib.util.find_spec('openai') is None or importlib.util.find_spec('anthropic') is None,
        reason='needs the openai and anthropic SDKs (pip install -e ".[dev]")',
    ),
]


class Forecast(BaseModel):
    city: str
    temperature: int


@dataclass
class Flavor:
    """One API: its server, pydantic-ai's model for it, and the settings that make the model think."""

    server: type[FakeServer]
    model: Callable[[FakeServer], Any]
    thinking: dict[str, Any]
    key: tuple[str, ...]
    """What `Received.authorization` may be."""
    retrying: Callable[[FakeServer, int], tuple[Any, Any]]
    """The model on an SDK client of its own that retries this many times, and that client (to close)."""
    plain: dict[str, Any] = field(default_factory=dict[str, Any])
    """Settings for a request that is not streamed."""


def responses_model(server: FakeServer) -> Any:
    from pydantic_ai.models.openai import OpenAIResponsesModel
    from pydantic_ai.providers.openai import OpenAIProvider

    return OpenAIResponsesModel('gpt-5.2', provider=OpenAIProvider(base_url=server.base_url, api_key='sk-test'))


def anthropic_provider(server: FakeServer) -> Any:
    from pydantic_ai.providers.anthropic import AnthropicProvider

    try:
        return AnthropicProvider(base_url=server.base_url, api_key='sk-ant')
    except TypeError:  # older pydantic-ai (1.0) takes no base_url: give it the client it would make
        from anthropic import AsyncAnthropic
        from pydantic_ai.models import cached_async_http_client

        client = AsyncAnthropic(base_url=server.base_url, api_key='sk-ant', http_client=cached_async_http_client())
        return AnthropicProvider(anthropic_client=client)


def anthropic_model(server: FakeServer) -> Any:
    from pydantic_ai.models.anthropic import AnthropicModel

    return AnthropicModel('claude-sonnet-4-5', provider=anthropic_provider(server))


def retrying_responses_model(server: FakeServer, retries: int) -> tuple[Any, Any]:
    from openai import AsyncOpenAI
    from pydantic_ai.models.openai import OpenAIResponsesModel
    from pydantic_ai.providers.openai import OpenAIProvider

    client = AsyncOpenAI(base_url=server.base_url, api_key='sk-test', max_retries=retries)
    return OpenAIResponsesModel('gpt-5.2', provider=OpenAIProvider(openai_client=client)), client


def retrying_anthropic_model(server: FakeServer, retries: int) -> tuple[Any, Any]:
    from anthropic import AsyncAnthropic
    from pydantic_ai.models.anthropic import AnthropicModel
    from pydantic_ai.providers.anthropic import AnthropicProvider

    client = AsyncAnthropic(base_url=server.base_url, api_key='sk-ant', max_retries=retries)
    return AnthropicModel('claude-sonnet-4-5', provider=AnthropicProvider(anthropic_client=client)), client


FLAVORS = {
    'responses': Flavor(
        FakeOpenAIResponses,
        responses_model,
        # the providers' own settings, as pydantic-ai 1.x has no unified `thinking`; and a summary, which the real
        # API (and the fake) gives only when asked for one
        thinking={'openai_reasoning_effort': 'low', 'openai_reasoning_summary': 'detailed'},
        key=('Bearer sk-test',),
        retrying=retrying_responses_model,
    ),
    'anthropic': Flavor(
        FakeAnthropic,
        anthropic_model,
        thinking={'anthropic_thinking': {'type': 'enabled', 'budget_tokens': 1024}},
        key=('sk-ant', 'Bearer sk-ant'),
        retrying=retrying_anthropic_model,
        # pydantic-ai 2.x streams a request whose max_tokens (by default the model's 64000) the SDK refuses to send
        # unstreamed
        plain={'max_tokens': 1024},
    ),
}


def need(module: str) -> None:
    """Skip unless pydantic-ai's model module for an API imports (an older pydantic-ai may not know a newer SDK)."""
    try:
        importlib.import_module(module)
    except ImportError as error:
        pytest.skip(f'{module} does not import with the SDK installed: {error.__cause__ or error}')


@pytest.fixture(params=list(FLAVORS))
def flavor(request: pytest.FixtureRequest) -> Flavor:
    need(f'pydantic_ai.models.{request.param.replace("responses", "openai")}')
    return FLAVORS[request.param]


@pytest.fixture
def server(flavor: Flavor) -> Iterator[FakeServer]:
    with flavor.server() as running:
        yield running


def make_agent(flavor: Flavor, server: FakeServer, **kwargs: Any) -> Any:
    from pydantic_ai import Agent

    agent = Agent(flavor.model(server), instructions='Be brief.', model_settings={'max_retries': 0}, **kwargs)

    @agent.tool_plain
    def get_weather(city: str) -> str:
        return f'Sunny in {city}'

    return agent


def parts(messages: list[Any]) -> list[tuple[str, Any]]:
    """The response parts of a run, as (kind, content or tool call)."""
    from pydantic_ai.messages import ModelResponse, TextPart, ThinkingPart, ToolCallPart

    seen: list[tuple[str, Any]] = []
    for message in messages:
        if isinstance(message, ModelResponse):
            for part in message.parts:
                if isinstance(part, TextPart):
                    seen.append(('text', part.content))
                elif isinstance(part, ThinkingPart):
                    seen.append(('thinking', part.content))
                elif isinstance(part, ToolCallPart):
                    seen.append(('tool-call', (part.tool_name, part.args_as_dict())))
                else:  # pragma: no cover
                    seen.append((part.part_kind, part))
    return seen


# --- through pydantic-ai ---------------------------------------------------------------------------------


async def test_plain_text(flavor: Flavor, server: FakeServer) -> None:
    result = await make_agent(flavor, server).run('Hello there', model_settings=flavor.plain)
    assert result.output == 'You said: Hello there'
    assert parts(result.all_messages()) == [('text', 'You said: Hello there')]
    [received] = server.requests
    assert not received.body.get('stream')
    assert received.authorization in flavor.key
    response = result.all_messages()[-1]
    assert response.provider_response_id
    assert response.usage.input_tokens > 0
    assert response.usage.output_tokens == 4


async def test_tool_round_trip(flavor: Flavor, server: FakeServer) -> None:
    from pydantic_ai.messages import ToolCallPart, ToolReturnPart

    result = await make_agent(flavor, server).run('What is the weather in Paris?', model_settings=flavor.plain)
    assert result.output == 'The forecast says: Sunny in Paris.'
    assert parts(result.all_messages()) == [
        ('tool-call', ('get_weather', {'city': 'Paris'})),
        ('text', 'The forecast says: Sunny in Paris.'),
    ]
    [call] = [p for m in result.all_messages() for p in m.parts if isinstance(p, ToolCallPart)]
    [back] = [p for m in result.all_messages() for p in m.parts if isinstance(p, ToolReturnPart)]
    assert back.tool_call_id == call.tool_call_id
    assert re.fullmatch(r'(call|toolu)_\w{20,}', call.tool_call_id)
    assert call.tool_call_id in json.dumps(server.requests[1].body)  # the result went back under the server's id
    assert len(server.requests) == 2


async def test_structured_output(flavor: Flavor, server: FakeServer) -> None:
    result = await make_agent(flavor, server, output_type=Forecast).run('The forecast, please')
    assert result.output == Forecast(city='Paris', temperature=21)
    [received] = server.requests
    assert any(t['name'] == 'final_result' for t in received.body['tools'])


async def test_streamed_text(flavor: Flavor, server: FakeServer) -> None:
    async with make_agent(flavor, server).run_stream('Hello there, how are you today?') as run:
        deltas = [d async for d in run.stream_text(delta=True, debounce_by=None)]
    assert deltas == pieces('You said: Hello there, how are you today?', 2)
    assert deltas == ['You said: ', 'Hello there, ', 'how are ', 'you today?']
    [received] = server.requests
    assert received.body['stream'] is True
    assert run.all_messages()[-1].usage.output_tokens == 8


async def test_streamed_tool_call(flavor: Flavor, server: FakeServer) -> None:
    from pydantic_ai.messages import PartDeltaEvent, PartStartEvent, ToolCallPart, ToolCallPartDelta

    events: list[Any] = []

    async def handle(_: object, stream: Any) -> None:
        events.extend([event async for event in stream])

    result = await make_agent(flavor, server).run('What is the weather in Rome?', event_stream_handler=handle)
    starts = [e.part for e in events if isinstance(e, PartStartEvent) and isinstance(e.part, ToolCallPart)]
    deltas = [
        e.delta.args_delta
        for e in events
        if isinstance(e, PartDeltaEvent) and isinstance(e.delta, ToolCallPartDelta) and e.delta.args_delta
    ]
    assert [(p.tool_name, p.args or '') for p in starts] == [('get_weather', '')]
    assert deltas == json_pieces('{"city": "Rome"}') == ['{"city":', ' "Rome"}']
    assert result.output == 'The forecast says: Sunny in Rome.'
    assert [r.body['stream'] for r in server.requests] == [True, True]


@pytest.mark.parametrize('stream', [False, True], ids=['plain', 'streamed'])
async def test_thinking(flavor: Flavor, server: FakeServer, stream: bool) -> None:
    from pydantic_ai.messages import ModelResponse, ThinkingPart

    agent = make_agent(flavor, server)
    settings = {**flavor.thinking, **({} if stream else flavor.plain)}
    prompt = 'What is the weather in Oslo?'
    if stream:
        async with agent.run_stream(prompt, model_settings=settings) as run:
            assert await run.get_output() == 'The forecast says: Sunny in Oslo.'
        messages = run.all_messages()
    else:
        messages = (await agent.run(prompt, model_settings=settings)).all_messages()
    assert parts(messages) == [
        ('thinking', 'Thinking about: What is the weather in Oslo?'),
        ('tool-call', ('get_weather', {'city': 'Oslo'})),
        ('thinking', 'Thinking about: Sunny in Oslo'),
        ('text', 'The forecast says: Sunny in Oslo.'),
    ]
    first = next(m for m in messages if isinstance(m, ModelResponse))
    thought = first.parts[0]
    assert isinstance(thought, ThinkingPart)
    # Anthropic's signature, or OpenAI's encrypted reasoning when the request asked for it (newer pydantic-ai does),
    # goes back with the tool result
    if thought.signature is None:
        assert flavor.server is FakeOpenAIResponses
        assert 'reasoning.encrypted_content' not in server.requests[0].body.get('include', [])
    else:
        assert thought.signature in json.dumps(server.requests[1].body)
    assert [bool(r.body.get('stream')) for r in server.requests] == [stream, stream]


async def test_adaptive_thinking() -> None:
    """Newer Claude models think `adaptive`ly rather than on a token budget."""
    need('pydantic_ai.models.anthropic')
    from pydantic_ai import Agent
    from pydantic_ai.models.anthropic import AnthropicModel

    with FakeAnthropic() as server:
        model = AnthropicModel('claude-sonnet-4-6', provider=anthropic_provider(server))
        result = await Agent(model).run('Hello', model_settings={'anthropic_thinking': {'type': 'adaptive'}})
    assert server.requests[0].body['thinking'] == {'type': 'adaptive'}
    assert parts(result.all_messages()) == [('thinking', 'Thinking about: Hello'), ('text', 'You said: Hello')]


async def test_reasoning_without_a_summary_is_an_empty_thought() -> None:
    """Asked for reasoning but no summary, the Responses API gives only the encrypted reasoning."""
    from pydantic_ai.messages import ThinkingPart

    with FakeOpenAIResponses() as server:
        agent = make_agent(FLAVORS['responses'], server)
        result = await agent.run('Hello', model_settings={'openai_reasoning_effort': 'low'})
    [received] = server.requests
    assert received.body['reasoning']['effort'] == 'low'
    assert not received.body['reasoning'].get('summary')
    encrypted = 'reasoning.encrypted_content' in received.body.get('include', [])  # newer pydantic-ai asks for it
    if encrypted:
        thought, text = result.all_messages()[-1].parts
        assert isinstance(thought, ThinkingPart)
        assert (thought.content, bool(thought.signature)) == ('', True)
    else:  # nothing to keep: no ThinkingPart
        [text] = result.all_messages()[-1].parts
    assert text.content == 'You said: Hello'


@pytest.mark.parametrize('retries', [0, 2])
async def test_http_500_after_fail_after(flavor: Flavor, server: FakeServer, retries: int) -> None:
    from pydantic_ai import Agent
    from pydantic_ai.exceptions import ModelHTTPError

    model, client = flavor.retrying(server, retries)
    agent = Agent(model)

    @agent.tool_plain
    def get_weather(city: str) -> str:
        return f'Sunny in {city}'

    server.fail_after = 1  # the request carrying the tool result fails
    try:
        with pytest.raises(ModelHTTPError) as raised:
            await agent.run('What is the weather in Paris?', model_settings=flavor.plain)
    finally:
        await client.close()
    assert raised.value.status_code == 500
    assert 'the server fell over' in str(raised.value.body)
    assert len(server.requests) == 1 + 1 + retries  # the SDK retried at once: the server says retry-after-ms 1


# --- on the wire, against the SDKs' types ----------------------------------------------------------------


def post(server: FakeServer, body: dict[str, Any], route: str | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(
        server.base_url + (route or server.route).removeprefix(server.url_prefix),
        data=json.dumps(body).encode(),
        headers={'Content-Type': 'application/json', 'Authorization': 'Bearer sk-wire'},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


def events(raw: bytes) -> list[tuple[str | None, str]]:
    """The (event name, data) of each server-sent event."""
    found: list[tuple[str | None, str]] = []
    for block in raw.decode().split('\n\n'):
        if block:
            lines = dict(line.split(': ', 1) for line in block.split('\n'))
            assert set(lines) <= {'event', 'data'}
            found.append((lines.get('event'), lines['data']))
    return found


@dataclass
class Wire:
    """One API as the SDK types it: a request, the whole response and one stream event."""

    server: type[FakeServer]
    body: Callable[[str, bool], dict[str, Any]]
    """A request with this prompt, thinking or not."""
    response: Callable[[], tuple[Any, ...]]
    event: Callable[[], tuple[Any, ...]]
    """The SDK types a response and a stream event must validate as (for Anthropic, also the beta ones)."""


def chat_wire() -> Wire:
    from openai.types.chat import ChatCompletion, ChatCompletionChunk

    tools = [{'type': 'function', 'function': {'name': 'get_weather', 'parameters': {'type': 'object'}}}]
    return Wire(
        FakeOpenAI,
        lambda prompt, _: {'model': 'gpt-4o', 'messages': [{'role': 'user', 'content': prompt}], 'tools': tools},
        lambda: (ChatCompletion,),
        lambda: (ChatCompletionChunk,),
    )


def responses_wire() -> Wire:
    from openai.types.responses import Response, ResponseStreamEvent

    def body(prompt: str, thinks: bool) -> dict[str, Any]:
        made: dict[str, Any] = {
            'model': 'gpt-5.2',
            'input': [{'role': 'user', 'content': prompt}],
            'instructions': 'Be brief.',
            'tools': [{'type': 'function', 'name': 'get_weather', 'parameters': {'type': 'object'}, 'strict': True}],
            'include': ['reasoning.encrypted_content'],
        }
        if thinks:
            made['reasoning'] = {'effort': 'low', 'summary': 'auto'}
        return made

    return Wire(FakeOpenAIResponses, body, lambda: (Response,), lambda: (ResponseStreamEvent,))


def anthropic_wire() -> Wire:
    from anthropic.types import Message, RawMessageStreamEvent
    from anthropic.types.beta import BetaMessage, BetaRawMessageStreamEvent

    def body(prompt: str, thinks: bool) -> dict[str, Any]:
        made: dict[str, Any] = {
            'model': 'claude-sonnet-4-5',
            'max_tokens': 1024,
            'system': 'Be brief.',
            'messages': [{'role': 'user', 'content': [{'type': 'text', 'text': prompt}]}],
            'tools': [{'name': 'get_weather', 'input_schema': {'type': 'object'}}],
        }
        if thinks:
            made['thinking'] = {'type': 'enabled', 'budget_tokens': 1024}
        return made

    return Wire(
        FakeAnthropic,
        body,
        lambda: (Message, BetaMessage),
        lambda: (RawMessageStreamEvent, BetaRawMessageStreamEvent),
    )


WIRES = {'chat': chat_wire, 'responses': responses_wire, 'anthropic': anthropic_wire}
PROMPTS = ['Hello there', 'What is the weather in Paris?']


@pytest.fixture(params=list(WIRES))
def wire(request: pytest.FixtureRequest) -> Wire:
    return WIRES[request.param]()


@pytest.mark.parametrize('thinks', [False, True], ids=['', 'thinking'])
@pytest.mark.parametrize('prompt', PROMPTS, ids=['text', 'tool-call'])
def test_responses_are_what_the_sdk_types_say(wire: Wire, prompt: str, thinks: bool) -> None:
    with wire.server() as server:
        status, headers, raw = post(server, wire.body(prompt, thinks))
    assert status == 200
    assert headers['Content-Type'] == 'application/json'
    for kind in wire.response():
        kind.model_validate(json.loads(raw))


@pytest.mark.parametrize('thinks', [False, True], ids=['', 'thinking'])
@pytest.mark.parametrize('prompt', PROMPTS, ids=['text', 'tool-call'])
def test_stream_events_are_what_the_sdk_types_say(wire: Wire, prompt: str, thinks: bool) -> None:
    with wire.server() as server:
        status, headers, raw = post(server, {**wire.body(prompt, thinks), 'stream': True})
    assert status == 200
    assert headers['Content-Type'].startswith('text/event-stream')
    adapters = [TypeAdapter(kind) for kind in wire.event()]
    names: list[str | None] = []
    for name, data in events(raw):
        names.append(name)
        if data == '[DONE]' or name == 'ping':  # neither is an event the SDKs parse
            continue
        event = json.loads(data)
        assert name in (None, event.get('type'))
        for adapter in adapters:
            adapter.validate_python(event)
    if wire.server is FakeOpenAIResponses:
        numbers = [json.loads(data)['sequence_number'] for _, data in events(raw)]
        assert numbers == list(range(len(numbers)))
        assert names[:2] == ['response.created', 'response.in_progress']
        assert names[-1] == 'response.completed'
    elif wire.server is FakeAnthropic:
        assert names[0] == 'message_start'
        assert names[-2:] == ['message_delta', 'message_stop']


def test_responses_stream_event_sequence() -> None:
    with FakeOpenAIResponses() as server:
        _, _, raw = post(server, {**responses_wire().body('What is the weather in Paris?', True), 'stream': True})
    assert [name for name, _ in events(raw)] == [
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.reasoning_summary_part.added',
        'response.reasoning_summary_text.delta',
        'response.reasoning_summary_text.delta',
        'response.reasoning_summary_text.delta',
        'response.reasoning_summary_text.delta',
        'response.reasoning_summary_text.done',
        'response.reasoning_summary_part.done',
        'response.output_item.done',
        'response.output_item.added',
        'response.function_call_arguments.delta',
        'response.function_call_arguments.delta',
        'response.function_call_arguments.done',
        'response.output_item.done',
        'response.completed',
    ]
    completed = json.loads(events(raw)[-1][1])['response']
    assert [item['type'] for item in completed['output']] == ['reasoning', 'function_call']
    assert completed['output'][0]['encrypted_content']
    assert completed['usage']['output_tokens_details']['reasoning_tokens'] == 8


def test_anthropic_stream_event_sequence() -> None:
    with FakeAnthropic() as server:
        _, _, raw = post(server, {**anthropic_wire().body('What is the weather in Paris?', True), 'stream': True})
    seen = [(name, json.loads(data).get('delta', {}).get('type')) for name, data in events(raw)]
    assert seen == [
        ('message_start', None),
        ('content_block_start', None),
        ('ping', None),
        *[('content_block_delta', 'thinking_delta')] * 4,
        ('content_block_delta', 'signature_delta'),
        ('content_block_stop', None),
        ('content_block_start', None),
        *[('content_block_delta', 'input_json_delta')] * 3,  # the first one empty, as the real API sends
        ('content_block_stop', None),
        ('message_delta', None),
        ('message_stop', None),
    ]
    delta = json.loads(events(raw)[-2][1])
    assert delta['delta']['stop_reason'] == 'tool_use'
    assert delta['usage']['output_tokens'] == 10


def test_every_response_is_fresh(wire: Wire) -> None:
    """Ids, times and tool-call ids change from one response to the next, as on the real APIs."""
    with wire.server() as server:
        first, second = (post(server, wire.body('What is the weather in Paris?', True))[2] for _ in range(2))
    ids = re.compile(r'"(?:id|call_id|signature|encrypted_content)": "([^"]+)"')
    assert ids.findall(first.decode())
    assert not set(ids.findall(first.decode())) & set(ids.findall(second.decode()))
    times = [v for k, v in json.loads(first).items() if k in ('created', 'created_at')]
    assert all(abs(t - time.time()) < 60 for t in times)


def test_an_unknown_route_is_404(wire: Wire) -> None:
    with wire.server() as server:
        status, _, raw = post(server, {'model': 'x'}, route='/v1/elsewhere')
    assert status == 404
    assert 'no route' in raw.decode()
    assert server.requests[0].authorization == 'Bearer sk-wire'
