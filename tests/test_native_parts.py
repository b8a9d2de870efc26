"""Native (built-in) tool calls and returns, and files, in scripts: a web-searching or image-making agent."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
import releases
from pydantic_ai.messages import ModelResponse, PartStartEvent
from releases import HAS_FILE_PART, native_tool_agent

from pytest_agentrun import (
    AgentRunFactory,
    ScriptedModel,
    UnknownToolError,
    file,
    image,
    native_tool_call,
    native_tool_return,
    normalize_messages,
    turn,
)
from pytest_agentrun._compat import NATIVE_CALL_PART, NATIVE_RETURN_PART

pytestmark = [
    pytest.mark.usefixtures('close_run_sync_loop'),
    # pydantic-ai 1.x (e.g. 1.107) itself emits these deprecated events when a run meets native tool parts
    pytest.mark.filterwarnings('ignore:`BuiltinToolCallEvent` is deprecated:DeprecationWarning'),
    pytest.mark.filterwarnings('ignore:`BuiltinToolResultEvent` is deprecated:DeprecationWarning'),
]

PNG = b'\x89PNG\r\n\x1a\n' + bytes(range(24))  # not UTF-8

RESULTS = [{'title': 'Paris weather', 'url': 'https://example.com/paris'}]

SEARCH = [
    native_tool_call('web_search', query='weather in Paris'),
    native_tool_return('web_search', RESULTS),
    'It is sunny in Paris, says example.com.',
]


@pytest.mark.skipif(
    not releases.OPENAI_STAND_IN_SEARCHES_THE_WEB,
    reason="the real profile of 'openai:gpt-5.2' (Chat Completions in 1.34 - 1.x) lists no native web search",
)
def test_a_web_searching_agent() -> None:
    model = ScriptedModel([SEARCH], model='openai:gpt-5.2')
    result = native_tool_agent(model).run_sync('Weather in Paris?')
    assert result.output == 'It is sunny in Paris, says example.com.'
    response = result.all_messages()[1]
    assert isinstance(response, ModelResponse)
    call, back, _ = response.parts
    assert type(call) is NATIVE_CALL_PART  # NativeToolCallPart, or BuiltinToolCallPart in 1.0
    assert type(back) is NATIVE_RETURN_PART
    assert (call.tool_name, call.args, call.provider_name) == ('web_search', {'query': 'weather in Paris'}, 'openai')
    assert (back.tool_name, back.content, back.provider_name) == ('web_search', RESULTS, 'openai')
    assert call.tool_call_id == back.tool_call_id == 'call_1'  # the return answers the call


def test_ids_and_providers_given() -> None:
    script = [
        [
            native_tool_call('web_search', {'query': 'x'}, tool_call_id='ws_1', provider_name='anthropic'),
            native_tool_return('web_search', [], tool_call_id='ws_1', provider_name='anthropic'),
            'Nothing found.',
        ]
    ]
    model = ScriptedModel(script)
    result = native_tool_agent(model).run_sync('x')
    call, back, _ = result.all_messages()[1].parts
    assert (call.tool_call_id, back.tool_call_id, call.provider_name) == ('ws_1', 'ws_1', 'anthropic')  # type: ignore[union-attr]
    assert repr(model.turns[0]) == (
        "[native_tool_call('web_search', query='x'), native_tool_return('web_search', []), 'Nothing found.']"
    )


@pytest.mark.anyio
async def test_streamed() -> None:
    run = await AgentRunFactory().run(native_tool_agent(None), 'Weather in Paris?', script=[SEARCH], stream=True)
    starts = [e.part for e in run.events if isinstance(e, PartStartEvent)]
    assert [type(p) for p in starts[:2]] == [NATIVE_CALL_PART, NATIVE_RETURN_PART]
    assert run.output == 'It is sunny in Paris, says example.com.'
    assert run.streamed_text == run.output


def test_a_native_tool_the_agent_does_not_offer() -> None:
    model = ScriptedModel([[native_tool_call('code_execution', code='1+1'), 'Two.']])
    with pytest.raises(UnknownToolError) as exc_info:
        native_tool_agent(model).run_sync('1+1?')
    assert str(exc_info.value) == '\n'.join(
        [
            "Turn 1 of the script calls the native tool 'code_execution', which the agent does not offer in request 1.",
            "Native tools offered: 'web_search'.",
            "Give the agent the native tool (e.g. pydantic-ai's WebSearchTool for 'web_search'), fix the name in the "
            'script, or pass allow_unknown_tools=True to ScriptedModel (or agentrun.model).',
        ]
    )


def test_builder_errors() -> None:
    with pytest.raises(TypeError, match=re.escape("native_tool_call() needs the native tool's kind first")):
        native_tool_call('')
    with pytest.raises(TypeError, match=re.escape('give the arguments as one mapping or as keywords, not both')):
        native_tool_call('web_search', {'a': 1}, b=2)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match=re.escape('file() takes the data as bytes')):
        file('text', media_type='text/plain')  # type: ignore[arg-type]
    with pytest.raises(
        ValueError, match=re.escape("file(): media_type must be a media type such as 'application/pdf'")
    ):
        file(b'x', media_type='pdf')
    with pytest.raises(ValueError, match=re.escape("image(): media_type must be an image type such as 'image/png'")):
        image(b'x', media_type='application/pdf')
    assert repr(image(PNG)) == "image(<32 bytes>, media_type='image/png')"
    assert repr(file(b'%PDF', media_type='application/pdf')) == "file(<4 bytes>, media_type='application/pdf')"


# --- files -------------------------------------------------------------------------------------------------


def image_profile() -> Any:
    from pydantic_ai.profiles import ModelProfile

    return ModelProfile(supports_image_output=True, supports_json_schema_output=True)  # pyright: ignore[reportCallIssue]


@pytest.mark.skipif(not HAS_FILE_PART, reason='pydantic-ai 1.0 has no FilePart')
def test_an_image_generating_agent() -> None:
    from pydantic_ai.messages import BinaryImage

    model = ScriptedModel(
        [
            [
                native_tool_call('image_generation'),
                native_tool_return('image_generation', {'status': 'done'}),
                image(PNG),
            ]
        ],
        model='openai:gpt-5.2',
        profile=image_profile(),
    )
    result = native_tool_agent(model, 'image_generation', output_type=BinaryImage).run_sync('Draw a cat')
    assert isinstance(result.output, BinaryImage)
    assert (result.output.data, result.output.media_type) == (PNG, 'image/png')


@pytest.mark.skipif(not HAS_FILE_PART, reason='pydantic-ai 1.0 has no FilePart')
@pytest.mark.anyio
async def test_a_file_streamed_and_in_a_snapshot() -> None:
    from pydantic_ai import Agent

    pdf = b'%PDF-1.7\n\xe2\xe3\xcf\xd3'
    run = await AgentRunFactory().run(
        Agent(), 'The report?', script=[turn('Here it is.', file(pdf, media_type='application/pdf'))], stream=True
    )
    response = run.messages[1]
    assert [p.part_kind for p in response.parts] == ['text', 'file']
    # the snapshot of a file response (it crashed with UnicodeDecodeError)
    [_, part] = normalize_messages(run)[1]['parts']
    assert part['part_kind'] == 'file'
    assert part['content']['data'] == f'<13 bytes, sha256 {hashlib.sha256(pdf).hexdigest()[:12]}>'
    assert part['content']['media_type'] == 'application/pdf'


@pytest.mark.skipif(HAS_FILE_PART, reason='pydantic-ai with FilePart')
def test_files_fail_at_build_where_there_is_no_file_part() -> None:
    with pytest.raises(ValueError, match='no FilePart') as exc_info:
        ScriptedModel(['Hi', image(PNG)])
    assert str(exc_info.value) == (
        "script[1] holds image(<32 bytes>, media_type='image/png'), but the installed pydantic-ai has no FilePart "
        '(models return files from 1.x on); upgrade pydantic-ai or leave the file out'
    )
