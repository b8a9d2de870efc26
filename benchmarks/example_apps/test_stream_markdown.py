"""pydantic_ai_examples.stream_markdown: an agent built without a model (`Agent()`), each run given its model
(`run_stream(prompt, model=...)`) for every provider whose API key is set; the streamed markdown is rendered
live with rich.
"""

from __future__ import annotations

import pytest
from pydantic_ai_examples import stream_markdown
from pydantic_ai_examples.stream_markdown import agent
from rich.live import Live

from pytest_agentrun import assert_nodes, assert_usage, text, turn

PROMPT = 'Show me a short example of using Pydantic.'
ANSWER = """\
Here is a short example:

```python
from pydantic import BaseModel


class User(BaseModel):
    name: str
    age: int


print(User(name='Ada', age=36))
```

`User` validates its fields."""
KEYS = {'google:gemini-3-flash-preview': 'GEMINI_API_KEY', 'openai:gpt-5-mini': 'OPENAI_API_KEY'}
KEYS['groq:llama-3.3-70b-versatile'] = 'GROQ_API_KEY'


@pytest.mark.anyio
@pytest.mark.parametrize('model', list(KEYS))
async def test_the_model_given_to_the_run_is_scripted(agentrun, model):
    run = await agentrun.run(agent, PROMPT, model=model, script=[ANSWER], stream=True, chunk_words=4)

    assert run.output == ANSWER
    assert run.streamed_text == ANSWER
    assert len(run.text_deltas) > 5
    assert run.messages[-1].model_name == model.split(':')[1]
    assert_nodes(run, 'UserPrompt -> ModelRequest -> CallTools -> End')
    assert_usage(run, requests=1)


@pytest.mark.anyio
async def test_exact_deltas(agentrun):
    run = await agentrun.run(
        agent,
        PROMPT,
        model='openai:gpt-5-mini',
        script=[text(chunks=['Here is', ' a short', ' example.'])],
        stream=True,
    )

    assert run.text_deltas == ['Here is', ' a short', ' example.']


@pytest.mark.anyio
async def test_main_uses_the_models_whose_keys_are_set(agentrun, monkeypatch, capsys):
    monkeypatch.setenv('OPENAI_API_KEY', 'sk-not-a-real-key')
    monkeypatch.setenv('GROQ_API_KEY', 'gsk-not-a-real-key')
    monkeypatch.delenv('GEMINI_API_KEY', raising=False)
    monkeypatch.setenv('COLUMNS', '200')  # rich's console lays the log out in this width
    openai = agentrun.model('openai:gpt-5-mini', [ANSWER])
    groq = agentrun.model('groq:llama-3.3-70b-versatile', ['Use `BaseModel`: `class User(BaseModel): name: str`.'])

    await stream_markdown.main()

    out = capsys.readouterr().out
    assert 'google:gemini-3-flash-preview requires GEMINI_API_KEY to be set.' in out
    assert 'Using model: openai:gpt-5-mini' in out
    assert 'Using model: groq:llama-3.3-70b-versatile' in out
    assert "print(User(name='Ada', age=36))" in out  # rendered by rich's Live display
    assert 'validates its fields' in out
    assert [r.prompt for r in openai.requests] == [PROMPT]
    assert [r.prompt for r in groq.requests] == [PROMPT]
    assert openai.requests[0].streamed


@pytest.mark.anyio
async def test_main_renders_the_markdown_as_it_streams(agentrun, monkeypatch):
    monkeypatch.setenv('OPENAI_API_KEY', 'sk-not-a-real-key')
    monkeypatch.delenv('GEMINI_API_KEY', raising=False)
    monkeypatch.delenv('GROQ_API_KEY', raising=False)
    # the deltas a moment apart, as a real model's arrive: pydantic-ai debounces them by 0.1 s
    chunks = ['# Pydantic', '\n\nDefine a', ' `BaseModel`.']
    agentrun.model('openai:gpt-5-mini', [turn(text(chunks=chunks), chunk_delay=0.15)])
    shown: list[str] = []
    update = Live.update

    def spy(live, renderable, **kwargs):  # what the live display was given, in order
        shown.append(renderable.markup)
        return update(live, renderable, **kwargs)

    monkeypatch.setattr(Live, 'update', spy)

    await stream_markdown.main()

    # each delta renders the text so far (and the end of the stream renders the whole text once more)
    assert list(dict.fromkeys(shown)) == ['# Pydantic', '# Pydantic\n\nDefine a', '# Pydantic\n\nDefine a `BaseModel`.']
