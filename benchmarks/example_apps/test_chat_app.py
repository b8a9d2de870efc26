"""pydantic_ai_examples.chat_app: a FastAPI chat whose agent ('openai:gpt-5.2') streams its answer as
newline-delimited JSON and keeps the conversation in SQLite, passed back as message history on the next prompt.

Tested through HTTP as a FastAPI user tests it, the database dependency overridden with the app's own Database on
a temporary file: with httpx's ASGI transport in the test's event loop, and with FastAPI's TestClient, which runs
the app (and so the agent) in a thread of its own.
"""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic_ai.messages import ModelResponse, TextPart, UserPromptPart
from pydantic_ai_examples import chat_app
from pydantic_ai_examples.chat_app import Database, app, get_db

from pytest_agentrun import text, turn


@pytest.fixture
async def client(tmp_path):
    async with Database.connect(tmp_path / 'chat.sqlite') as db:
        app.dependency_overrides[get_db] = lambda: db
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url='http://chat') as client:
                yield client
        finally:
            app.dependency_overrides.clear()


def lines(response: httpx.Response) -> list[dict[str, str]]:
    return [json.loads(line) for line in response.text.splitlines()]


@pytest.mark.anyio
async def test_post_streams_the_answer(agentrun, client):
    model = agentrun.model('openai:gpt-5.2', [text(chunks=['Hello', ' there!', ' How can I', ' help?'])])

    response = await client.post('/chat/', data={'prompt': 'Hi'})

    assert response.status_code == 200
    messages = lines(response)
    assert messages[0]['role'] == 'user'
    assert messages[0]['content'] == 'Hi'
    # the answer as it grew, as the browser shows it
    contents = [m['content'] for m in messages[1:]]
    assert all(m['role'] == 'model' for m in messages[1:])
    assert contents[-1] == 'Hello there! How can I help?'
    assert contents == sorted(contents, key=len)
    assert model.requests[0].streamed


@pytest.mark.anyio
async def test_the_browser_sees_the_answer_grow_delta_by_delta(agentrun, client):
    # the deltas a moment apart, as a real model's arrive: the app debounces them by 0.01 s
    agentrun.model(
        'openai:gpt-5.2', [turn(text(chunks=['Hello', ' there!', ' How can I', ' help?']), chunk_delay=0.05)]
    )

    response = await client.post('/chat/', data={'prompt': 'Hi'})

    shown = list(dict.fromkeys(m['content'] for m in lines(response)[1:]))
    assert shown == ['Hello', 'Hello there!', 'Hello there! How can I', 'Hello there! How can I help?']


@pytest.mark.anyio
async def test_the_conversation_is_kept_and_sent_as_history(agentrun, client):
    model = agentrun.model('openai:gpt-5.2', ['Hello! I am a chat bot.', 'You said "Hi".'])

    await client.post('/chat/', data={'prompt': 'Hi'})
    second = await client.post('/chat/', data={'prompt': 'What did I say first?'})

    assert lines(second)[-1]['content'] == 'You said "Hi".'
    # the second request carried the first exchange, read back from the database
    history = model.requests[1].messages
    assert isinstance(history[0].parts[0], UserPromptPart)
    assert history[0].parts[0].content == 'Hi'
    assert isinstance(history[1], ModelResponse)
    assert history[1].parts == [TextPart('Hello! I am a chat bot.')]
    assert model.requests[1].prompt == 'What did I say first?'

    stored = await client.get('/chat/')
    assert [(m['role'], m['content']) for m in lines(stored)] == [
        ('user', 'Hi'),
        ('model', 'Hello! I am a chat bot.'),
        ('user', 'What did I say first?'),
        ('model', 'You said "Hi".'),
    ]


@pytest.mark.anyio
async def test_index_serves_the_page(client):
    response = await client.get('/')

    assert response.status_code == 200
    assert response.headers['content-type'].startswith('text/html')
    assert (chat_app.THIS_DIR / 'chat_app.html').read_text() == response.text


def test_with_fastapis_test_client(agentrun, tmp_path):
    model = agentrun.model('openai:gpt-5.2', ['Hello! I am a chat bot.', 'You said "Hi".'])

    async def database():
        # opened in the app's event loop, which TestClient runs in another thread
        async with Database.connect(tmp_path / 'chat.sqlite') as db:
            yield db

    app.dependency_overrides[get_db] = database
    try:
        client = TestClient(app)
        first = client.post('/chat/', data={'prompt': 'Hi'})
        second = client.post('/chat/', data={'prompt': 'What did I say first?'})
    finally:
        app.dependency_overrides.clear()

    assert lines(first)[-1]['content'] == 'Hello! I am a chat bot.'
    assert lines(second)[-1]['content'] == 'You said "Hi".'
    assert [type(m).__name__ for m in model.requests[1].messages] == ['ModelRequest', 'ModelResponse', 'ModelRequest']
