"""One test per branch of `_compat`: fakes stand in for the shapes of releases other than the installed one."""

from __future__ import annotations

import dataclasses
import types
import warnings
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest
import releases
from pydantic_ai import Agent
from pydantic_ai.messages import ModelRequest, ModelResponse, PartStartEvent, TextPart, UserPromptPart
from pydantic_ai.models import Model

from pytest_agentrun import ScriptedModel, _compat
from pytest_agentrun._compat import RequestUsage, RunUsage


def type_name(obj: object) -> str:
    return type(obj).__name__


USAGE = releases.usage(RunUsage, requests=2, input_tokens=10, output_tokens=3)
ModelRequestParameters = releases.request_parameters


# --- run_usage: a method, a plain property, a property whose value warns when called ---------------


class UsageMethod:
    """1.0-1.95: `usage()` is a method."""

    def usage(self) -> RunUsage:
        return USAGE


class UsageProperty:
    """2.0-2.63: `usage` is a property; calling the `RunUsage` is a `TypeError`."""

    @property
    def usage(self) -> RunUsage:
        return USAGE


class WarningUsage(RunUsage):
    """The value of `usage` in 1.96-1.107 and from 2.64: a `RunUsage` that warns when called."""

    def __call__(self) -> RunUsage:
        warnings.warn('usage is no longer a method', DeprecationWarning, stacklevel=2)
        return self


class UsageCallableProperty:
    """1.96-1.107 and 2.64 on: reading `usage` is fine, calling it warns."""

    @property
    def usage(self) -> RunUsage:
        return WarningUsage(**{f.name: getattr(USAGE, f.name) for f in dataclasses.fields(RunUsage) if f.init})


@pytest.mark.parametrize('run', [UsageMethod(), UsageProperty(), UsageCallableProperty()], ids=type_name)
def test_run_usage_of_every_shape(run: object) -> None:
    usage = _compat.run_usage(run)  # filterwarnings = error: a warning would fail this test
    assert type(usage) is RunUsage
    assert usage == USAGE


@pytest.mark.anyio
async def test_run_usage_of_the_installed_release() -> None:
    agent = Agent(ScriptedModel(['Hi.']))
    result = await agent.run('Hello')
    assert _compat.run_usage(result).requests == 1
    async with agent.iter('Hello', model=ScriptedModel(['Hi.'])) as run:
        async for _ in run:
            pass
    assert _compat.run_usage(run).requests == 1


# --- stream_events: nothing, one event, or an iterator of events ------------------------------------

EVENT = PartStartEvent(index=0, part=TextPart('Hi'))


@pytest.mark.parametrize(
    ('returned', 'expected'),
    [
        pytest.param(None, [], id='none'),
        pytest.param(EVENT, [EVENT], id='one-event'),
        pytest.param(iter([EVENT, EVENT]), [EVENT, EVENT], id='iterator'),
    ],
)
def test_stream_events(returned: object, expected: list[Any]) -> None:
    assert list(_compat.stream_events(returned)) == expected


# --- tool_result_part: `part` or `result` -----------------------------------------------------------


@dataclasses.dataclass
class NewResultEvent:
    part: str


@dataclasses.dataclass
class OldResultEvent:
    result: str


@pytest.mark.parametrize('event', [NewResultEvent('r'), OldResultEvent('r')], ids=type_name)
def test_tool_result_part(event: object) -> None:
    assert releases.tool_result_part(event) == 'r'


@dataclasses.dataclass
class ReturnWithOutcome:
    outcome: str


@pytest.mark.parametrize(
    ('part', 'retried'),
    [
        pytest.param(ReturnWithOutcome('retried'), True, id='2.x-retried'),
        pytest.param(ReturnWithOutcome('success'), False, id='2.x-success'),
        pytest.param(OldResultEvent('no outcome field'), False, id='1.x'),
    ],
)
def test_tool_return_retried(part: object, retried: bool) -> None:
    assert _compat.tool_return_retried(part) is retried


# --- run_stream_events: an async context manager, or the iterator itself ----------------------------


class IteratorStreams:
    def run_stream_events(self, prompt: str) -> AsyncIterator[str]:
        async def events() -> AsyncIterator[str]:
            yield prompt

        return events()


class ContextManagerStreams(IteratorStreams):
    def run_stream_events(self, prompt: str) -> Any:
        inner = super().run_stream_events(prompt)

        class Stream:
            async def __aenter__(self) -> AsyncIterator[str]:
                return inner

            async def __aexit__(self, *exc: object) -> None:
                return None

        return Stream()


@pytest.mark.anyio
@pytest.mark.parametrize('agent', [IteratorStreams(), ContextManagerStreams()], ids=type_name)
async def test_run_stream_events(agent: object) -> None:
    async with releases.run_stream_events(agent, 'e') as events:
        assert [e async for e in events] == ['e']


# --- all_messages_json: the run's own method, or built from all_messages() --------------------------

MESSAGES = [ModelRequest(parts=[UserPromptPart('Hi')])]


class WithJson:
    def all_messages_json(self) -> bytes:
        return b'given'


class WithoutJson:
    def all_messages(self) -> list[Any]:
        return MESSAGES


def test_all_messages_json_uses_the_runs_own() -> None:
    assert _compat.all_messages_json(WithJson()) == b'given'


def test_all_messages_json_built_from_the_messages() -> None:
    assert b'"Hi"' in _compat.all_messages_json(WithoutJson())


# --- finish reasons -----------------------------------------------------------------------------------


@dataclasses.dataclass
class Stream:
    finish_reason: str | None = None


class OldStream:
    """A stream of a release without finish reasons."""


def test_set_stream_finish_reason() -> None:
    stream = Stream()
    _compat.set_stream_finish_reason(stream, 'length')
    assert stream.finish_reason == 'length'
    old = OldStream()
    _compat.set_stream_finish_reason(old, 'length')
    assert not hasattr(old, 'finish_reason')


@pytest.mark.skipif(not _compat.HAS_FINISH_REASON, reason='ModelResponse has no finish_reason in pydantic-ai 1.0')
def test_finish_reason_read() -> None:
    response = ModelResponse(parts=[], finish_reason='length')  # pyright: ignore[reportCallIssue]
    assert _compat.finish_reason(response) == 'length'


@pytest.mark.skipif(_compat.HAS_FINISH_REASON, reason='ModelResponse has a finish_reason after pydantic-ai 1.0')
def test_finish_reason_absent() -> None:
    assert _compat.finish_reason(ModelResponse(parts=[])) is None


# --- prepare_request: the model's own, or settings merged here ---------------------------------------


def test_prepare_request_without_the_models_method() -> None:
    class Bare:
        def __init__(self) -> None:
            self.settings = {'temperature': 0.5}

    params = ModelRequestParameters()
    settings, same = _compat.prepare_request(Bare(), {'max_tokens': 5}, params)  # type: ignore[arg-type]
    assert settings == {'temperature': 0.5, 'max_tokens': 5}
    assert same is params


@pytest.mark.skipif(not releases.HAS_PREPARE_REQUEST, reason='models have no prepare_request in pydantic-ai 1.0')
def test_prepare_request_with_the_models_method() -> None:
    model = ScriptedModel([], settings={'temperature': 0.5})
    settings, _ = _compat.prepare_request(model, {'max_tokens': 5}, ModelRequestParameters())
    assert settings == {'temperature': 0.5, 'max_tokens': 5}


# --- usage estimates ----------------------------------------------------------------------------------


def test_estimates_match_function_models() -> None:
    messages = [ModelRequest(parts=[UserPromptPart('one two three')]), ModelResponse(parts=[TextPart('four five')])]
    usage = _compat.estimate_usage(messages)
    assert isinstance(usage, RequestUsage)
    assert _compat.usage_tokens(usage) > (0, 0)
    assert min(_compat.usage_tokens(usage)) > 0
    assert _compat.estimate_tokens('') == 0
    assert _compat.estimate_tokens('four five') > 0


def test_usage_fields_are_counters() -> None:
    names = {'input_tokens', 'output_tokens'} if releases.HAS_IO_TOKENS else {'request_tokens', 'response_tokens'}
    assert names <= _compat.USAGE_FIELDS
    assert 'details' not in _compat.USAGE_FIELDS


# --- test-double flags --------------------------------------------------------------------------------


def test_scripted_model_sets_the_flags_function_model_sets() -> None:
    flags = _compat.test_double_flags()
    assert all(name.startswith('_') and isinstance(value, bool) for name, value in flags.items())
    assert all(getattr(ScriptedModel, name) == value for name, value in flags.items())


class _Preparing:
    """A model whose message-preparing step records what it was given."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def prepare_messages(self, messages: list[Any], *rest: Any) -> list[Any]:
        self.calls.append(rest)
        return [*messages, 'prepared']


def test_prepare_messages_calls_the_models_own_step() -> None:
    model, parameters = _Preparing(), ModelRequestParameters()
    assert _compat.prepare_messages(model, ['m'], parameters) == ['m', 'prepared']  # type: ignore[arg-type]
    takes_parameters = _compat._PREPARE_MESSAGES_TAKES_PARAMETERS  # pyright: ignore[reportPrivateUsage]
    assert model.calls == [(parameters,) if takes_parameters else ()]


def test_prepare_messages_without_the_step() -> None:
    assert _compat.prepare_messages(object(), ['m'], ModelRequestParameters()) == ['m']  # type: ignore[arg-type]


# --- retry_of: a retry prompt (1.x), a retried tool return or retry feedback (2.x) ------------------


@dataclasses.dataclass
class RetryPromptShape:
    """1.x: `RetryPromptPart`, with a tool name or none."""

    content: Any
    tool_name: str | None = None
    tool_call_id: str = 'c1'
    part_kind: str = 'retry-prompt'


@dataclasses.dataclass
class ToolReturnShape:
    """2.x: the retried call's `ToolReturnPart`, `outcome='retried'`."""

    tool_name: str
    content: Any
    tool_call_id: str = 'c1'
    outcome: str = 'retried'
    part_kind: str = 'tool-return'


@dataclasses.dataclass
class RetryFeedbackShape:
    """2.x: `RetryFeedbackPart`, a retry that answers no call."""

    content: Any
    part_kind: str = 'retry-feedback'


@pytest.mark.parametrize(
    ('part', 'expected'),
    [
        pytest.param(RetryPromptShape('bad', 'f'), ('f', 'bad', 'c1'), id='1.x-tool'),
        pytest.param(RetryPromptShape('bad'), (None, 'bad', None), id='1.x-no-tool'),
        pytest.param(ToolReturnShape('f', 'bad'), ('f', 'bad', 'c1'), id='2.x-retried-return'),
        pytest.param(ToolReturnShape('f', 'ok', outcome='success'), None, id='2.x-return'),
        pytest.param(RetryFeedbackShape('bad'), (None, 'bad', None), id='2.x-feedback'),
        pytest.param(TextPart('x'), None, id='other'),
    ],
)
def test_retry_of(part: object, expected: Any) -> None:
    assert _compat.retry_of(part) == expected


def test_translated_by_prepare() -> None:
    assert _compat.translated_by_prepare(RetryFeedbackShape('x'))
    assert _compat.translated_by_prepare(RetryPromptShape('x'))
    assert not _compat.translated_by_prepare(ToolReturnShape('f', 'x'))


# --- image_output_only: the flag, or no such flag (1.0) ---------------------------------------------


@dataclasses.dataclass
class ParamsShape:
    allow_text_output: bool = True
    allow_image_output: bool = False


@dataclasses.dataclass
class OldParamsShape:
    allow_text_output: bool = True


def test_image_output_only() -> None:
    assert _compat.image_output_only(ParamsShape(allow_text_output=False, allow_image_output=True))  # type: ignore[arg-type]
    assert not _compat.image_output_only(ParamsShape(allow_image_output=True))  # type: ignore[arg-type]
    assert not _compat.image_output_only(OldParamsShape(allow_text_output=False))  # type: ignore[arg-type]


# --- stream_cancelled: the stream's own flag, or none (1.0) -------------------------------------------


def test_stream_cancelled() -> None:
    assert _compat.stream_cancelled(types.SimpleNamespace(cancelled=True))
    assert not _compat.stream_cancelled(types.SimpleNamespace(cancelled=False))
    assert not _compat.stream_cancelled(object())


# --- run_messages / run_new_messages: the run's methods, or its graph state (1.0) ---------------------


class RunWithMethods:
    def all_messages(self) -> list[str]:
        return ['old', 'new']

    def new_messages(self) -> list[str]:
        return ['new']


class RunWithState:
    """1.0's `AgentRun`: no message methods; the graph state has the history, the deps where this run began."""

    ctx = types.SimpleNamespace(
        state=types.SimpleNamespace(message_history=['old', 'new']), deps=types.SimpleNamespace(new_message_index=1)
    )


@pytest.mark.parametrize('run', [RunWithMethods(), RunWithState()], ids=type_name)
def test_run_messages(run: object) -> None:
    assert _compat.run_messages(run) == ['old', 'new']
    assert _compat.run_new_messages(run) == ['new']


# --- native tools and files: the names and shapes of each release -------------------------------------


class WebSearchTool:
    """1.0: a built-in tool with no `kind`."""


class KindedTool:
    kind = 'web_search'


def test_native_tool_kind() -> None:
    assert _compat.native_tool_kind(KindedTool()) == 'web_search'
    assert _compat.native_tool_kind(WebSearchTool()) == 'web_search'


@pytest.mark.parametrize(
    ('params', 'expected'),
    [
        pytest.param(types.SimpleNamespace(native_tools=['n']), ['n'], id='native_tools'),
        pytest.param(types.SimpleNamespace(builtin_tools=['b']), ['b'], id='1.0-builtin_tools'),
        pytest.param(types.SimpleNamespace(), [], id='none'),
    ],
)
def test_native_tools_of_a_request(params: Any, expected: list[str]) -> None:
    assert _compat.native_tools(params) == expected


@pytest.mark.skipif(_compat.NATIVE_CALL_PART is None, reason='native tool parts came in pydantic-ai 0.6.2')
def test_native_part_classes_of_the_installed_release() -> None:
    from pydantic_ai import messages

    names = vars(messages)
    expected = (
        ('NativeToolCallPart', 'NativeToolReturnPart')
        if 'NativeToolCallPart' in names
        else (
            'BuiltinToolCallPart',
            'BuiltinToolReturnPart',
        )
    )
    assert (_compat.NATIVE_CALL_PART.__name__, _compat.NATIVE_RETURN_PART.__name__) == expected
    call = _compat.native_call_part('web_search', {'query': 'x'}, 'c1', 'openai')
    back = _compat.native_return_part('web_search', [], 'c1', 'openai')
    assert (call.part_kind, back.part_kind) == ('builtin-tool-call', 'builtin-tool-return')
    assert _compat.FILE_PART is names.get('FilePart')


def test_file_part_where_there_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_compat, 'FILE_PART', None)
    with pytest.raises(TypeError, match='the installed pydantic-ai has no FilePart'):
        _compat.file_part(b'x', 'image/png')


@pytest.mark.skipif(_compat.FILE_PART is None, reason='pydantic-ai 1.0 has no FilePart')
def test_file_part_holds_an_image_as_a_binary_image() -> None:
    from pydantic_ai.messages import BinaryContent, BinaryImage

    assert type(_compat.file_part(b'x', 'image/png').content) is BinaryImage  # type: ignore[union-attr]
    assert type(_compat.file_part(b'x', 'application/pdf').content) is BinaryContent  # type: ignore[union-attr]


class OldPartsManager:
    """1.0's parts manager: no `handle_part`."""

    def __init__(self) -> None:
        self._parts: list[Any] = [TextPart('before')]


def test_stream_whole_part_without_handle_part() -> None:
    manager = OldPartsManager()
    part = TextPart('whole')
    event = _compat.stream_whole_part(manager, 1, part)
    assert isinstance(event, PartStartEvent)
    assert (event.index, event.part) == (1, part)
    assert manager._parts == [TextPart('before'), part]  # pyright: ignore[reportPrivateUsage]


def test_native_tool_support_copies_function_models() -> None:
    from pydantic_ai.models.function import FunctionModel

    support = _compat.native_tool_support()
    assert set(support) == {
        n for n in ('supported_native_tools', 'supported_builtin_tools') if n in vars(FunctionModel)
    }
    for name in support:
        assert getattr(ScriptedModel, name)() == getattr(FunctionModel, name)()


# --- stand-in profiles --------------------------------------------------------------------------------


def test_named_models_implement_the_native_tools_function_model_does() -> None:
    from pydantic_ai.models import Model
    from pydantic_ai.models.function import FunctionModel

    methods = _compat.native_tool_support()
    if not methods:  # 1.0 - 1.33: models declare no native tools; each model class refuses them itself
        assert not hasattr(Model, 'supported_native_tools')
        assert not hasattr(Model, 'supported_builtin_tools')
    for name in methods:  # supported_native_tools, or supported_builtin_tools (1.34 - 1.94)
        assert getattr(ScriptedModel, name)() == getattr(FunctionModel, name)()
        assert getattr(ScriptedModel, name)()  # every native tool, unlike Model's empty set


def profile_value(profile: Any, key: str) -> Any:
    return profile[key] if isinstance(profile, dict) else getattr(profile, key)


needs_profiles = pytest.mark.skipif(not _compat.HAS_PROFILES, reason='model profiles came in pydantic-ai 0.2.12')


@needs_profiles
def test_stand_in_profile_without_a_real_one_is_pydantic_ais() -> None:
    model = ScriptedModel(['Hi'])
    assert _compat.stand_in_profile(model, lambda: None, None) == Model.profile.__get__(model, ScriptedModel)
    assert profile_value(_compat.stand_in_profile(model, lambda: None, None), 'supports_json_schema_output') is True


@needs_profiles
def test_stand_in_profile_is_a_copy_of_the_real_one() -> None:
    real = ScriptedModel(['Hi']).profile
    profile = _compat.stand_in_profile(ScriptedModel(['Hi']), lambda: real, None)
    assert profile == real
    assert profile is not real


@pytest.mark.skipif(not releases.PROFILE_IS_DICT, reason='profiles are dicts from pydantic-ai 2.0')
def test_stand_in_profile_merges_a_dict_and_calls_a_callable() -> None:
    model, real = ScriptedModel(['Hi']), {'supports_image_output': True, 'supports_tools': True}
    assert _compat.stand_in_profile(model, lambda: real, {'supports_tools': False}) == {  # type: ignore[arg-type]
        'supports_image_output': True,
        'supports_tools': False,
    }

    def given(profile: Any) -> Any:
        profile['supports_tools'] = False
        return profile

    profile = _compat.stand_in_profile(model, lambda: real, given)  # type: ignore[arg-type]
    assert profile == {'supports_image_output': True, 'supports_tools': False}
    assert real == {'supports_image_output': True, 'supports_tools': True}


@needs_profiles
def test_stand_in_profile_given_replaces_the_real_one_in_1x(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_compat, 'PROFILE_IS_DICT', False)
    model = ScriptedModel(['Hi'], profile=ScriptedModel(['Hi']).profile)  # a whole profile, as 1.x takes it
    given = model._given_profile  # pyright: ignore[reportPrivateUsage]
    profile = _compat.stand_in_profile(model, lambda: pytest.fail('the real profile is not needed'), given)
    assert profile == Model.profile.__get__(model, ScriptedModel)
    assert profile != ScriptedModel(['Hi'], model='openai:gpt-5.2').profile


# --- pydantic-ai 0.x ------------------------------------------------------------------------------------------------


def test_missing_names_the_installed_release_and_the_one_that_added_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_compat, 'VERSION', '0.0.49')
    assert _compat.missing('thinking parts', '0.3.0', 'leave thinking() out', plural=True) == (
        'the installed pydantic-ai (0.0.49) has no thinking parts: they came in 0.3.0; '
        'upgrade pydantic-ai or leave thinking() out'
    )
    assert _compat.missing('tool_calls counter', '1.0', 'leave tool_calls out').endswith(
        'has no tool_calls counter: it came in 1.0; upgrade pydantic-ai or leave tool_calls out'
    )


@dataclasses.dataclass
class OldUsage:
    """`Usage` before 0.7.3: one class for responses and runs, with `requests` and nullable token counters."""

    requests: int = 0
    request_tokens: int | None = None
    response_tokens: int | None = None
    total_tokens: int | None = None


@dataclasses.dataclass
class ResponseWithUsage:
    """A `ModelResponse` from 0.2.0: usage is a field."""

    parts: list[Any]
    usage: Any = None


@dataclasses.dataclass
class ResponseWithoutUsage:
    """A `ModelResponse` before 0.2.0: no usage field (`request` returns it beside the response)."""

    parts: list[Any]


def test_request_result_before_0_2_is_the_response_and_its_usage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_compat, 'REQUEST_RETURNS_USAGE', True)
    response, usage = ResponseWithoutUsage(['p']), OldUsage(request_tokens=3)
    _compat.set_response_usage(response, usage)  # type: ignore[arg-type]
    assert _compat.response_usage(response) is usage  # type: ignore[arg-type]
    assert _compat.request_result(response) == (response, usage)  # type: ignore[arg-type]
    assert repr(response) == "ResponseWithoutUsage(parts=['p'])"  # kept beside the fields: not printed
    assert isinstance(_compat.response_usage(ResponseWithoutUsage([])), RequestUsage)  # type: ignore[arg-type]


def test_request_result_from_0_2_counts_the_request_in_the_response(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_compat, 'REQUEST_RETURNS_USAGE', False)
    monkeypatch.setattr(_compat, '_COUNTS_REQUESTS_BY_RESPONSE', True)  # 0.2.0 - 0.7.2
    given = OldUsage(request_tokens=3)
    response = ResponseWithUsage(['p'])
    _compat.set_response_usage(response, given)  # type: ignore[arg-type]
    assert _compat.request_result(response) is response  # type: ignore[arg-type]
    assert response.usage == OldUsage(requests=1, request_tokens=3)
    assert given.requests == 0  # a copy: the usage a script gave stays as it was
    monkeypatch.setattr(_compat, '_COUNTS_REQUESTS_BY_RESPONSE', False)  # from 0.7.3: the graph counts requests
    other = ResponseWithUsage(['p'], usage=OldUsage())
    assert _compat.request_result(other) is other  # type: ignore[arg-type]
    assert other.usage.requests == 0


def test_the_installed_releases_request_branch() -> None:
    response = ModelResponse(parts=[TextPart('x')])
    _compat.set_response_usage(response, releases.usage(RequestUsage, input_tokens=1))
    result = _compat.request_result(response)
    if _compat.REQUEST_RETURNS_USAGE:
        assert result == (response, _compat.response_usage(response))
    else:
        assert result is response
    assert _compat.usage_tokens(_compat.response_usage(response)) == (1, 0)


def test_usage_has_values_with_and_without_the_method() -> None:
    assert not _compat.usage_has_values(OldUsage(requests=1))  # type: ignore[arg-type]  # before 0.2.0: no method
    assert _compat.usage_has_values(OldUsage(response_tokens=2))  # type: ignore[arg-type]
    assert _compat.usage_has_values(types.SimpleNamespace(has_values=lambda: True))  # type: ignore[arg-type]
    assert not _compat.usage_has_values(types.SimpleNamespace(has_values=lambda: False))  # type: ignore[arg-type]


def test_output_usage_of_the_installed_release() -> None:
    assert _compat.usage_tokens(_compat.output_usage(4)) == (0, 4)


def test_output_usage_before_0_7_3_counts_total_tokens_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_compat, '_OUTPUT_TOKENS_FIELD', 'response_tokens')
    monkeypatch.setattr(_compat, 'RequestUsage', OldUsage)
    assert _compat.output_usage(4) == OldUsage(response_tokens=4, total_tokens=4)


def test_usage_tokens_of_both_namings() -> None:
    assert _compat.usage_tokens(types.SimpleNamespace(input_tokens=3, output_tokens=4)) == (3, 4)
    assert _compat.usage_tokens(OldUsage(request_tokens=5, response_tokens=None)) == (5, 0)


@pytest.mark.parametrize(
    ('params', 'tools', 'text', 'mode'),
    [
        pytest.param(
            types.SimpleNamespace(output_tools=['t'], allow_text_output=False), ['t'], False, 'tool', id='0.1'
        ),
        pytest.param(types.SimpleNamespace(result_tools=['t'], allow_text_result=True), ['t'], True, 'text', id='0.0'),
        pytest.param(types.SimpleNamespace(result_tools=[], allow_text_result=True), [], True, 'text', id='0.0-text'),
        pytest.param(
            SimpleNamespace(output_tools=[], allow_text_output=False, output_mode='native'),
            [],
            False,
            'native',
            id='0.3.3',
        ),
    ],
)
def test_request_parameters_of_every_naming(params: Any, tools: list[str], text: bool, mode: str) -> None:
    assert _compat.output_tools(params) == tools
    assert _compat.allow_text_output(params) is text
    assert _compat.output_mode(params) == mode


def test_stream_init(monkeypatch: pytest.MonkeyPatch) -> None:
    params = releases.request_parameters()
    monkeypatch.setattr(_compat, 'STREAM_TAKES_PARAMETERS', True)
    assert _compat.stream_init(params) == {'model_request_parameters': params}
    monkeypatch.setattr(_compat, 'STREAM_TAKES_PARAMETERS', False)  # before 0.7.0
    assert _compat.stream_init(params) == {}


class BareModel:
    """A model before 0.4.2: `Model` has no `__init__`, no `settings`; a profile (0.2.12 - 0.4.1) in `_profile`."""


def test_init_model_without_models_init(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_compat, 'MODEL_HAS_INIT', False)
    model = BareModel()
    _compat.init_model(model, {'temperature': 0.5}, 'the profile')  # type: ignore[arg-type]
    assert _compat.model_settings_of(model) == {'temperature': 0.5}  # type: ignore[arg-type]
    assert vars(model).get('_profile') == ('the profile' if _compat.HAS_PROFILES else None)
    monkeypatch.setattr(_compat, 'HAS_PROFILES', False)  # before 0.2.12: no profile kept
    bare = BareModel()
    _compat.init_model(bare, None, 'the profile')  # type: ignore[arg-type]
    assert '_profile' not in vars(bare)
    assert _compat.model_settings_of(bare) is None  # type: ignore[arg-type]


def test_init_model_of_the_installed_release() -> None:
    model = ScriptedModel(['Hi'], settings={'temperature': 0.5})
    assert _compat.model_settings_of(model) == {'temperature': 0.5}
    if _compat.MODEL_HAS_INIT:
        assert model.settings == {'temperature': 0.5}
    settings, _ = _compat.prepare_request(model, {'max_tokens': 5}, releases.request_parameters())
    assert settings == {'temperature': 0.5, 'max_tokens': 5}


@dataclasses.dataclass
class ProfileBefore033:
    supports_tools: bool = True


@dataclasses.dataclass
class ProfileFrom033:
    supports_json_schema_output: bool = False
    supports_json_object_output: bool = False


def test_default_profile_flags_of_each_profile_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    flags = {'supports_json_schema_output': True, 'supports_json_object_output': True}
    for cls, expected in ((ProfileBefore033, {}), (ProfileFrom033, flags)):
        monkeypatch.setattr(_compat, '_PROFILES', types.SimpleNamespace(ModelProfile=cls))
        assert _compat._default_profile_flags() == expected  # pyright: ignore[reportPrivateUsage]
    monkeypatch.setattr(_compat, '_PROFILES', None)  # before 0.2.12
    assert _compat._default_profile_flags() == {}  # pyright: ignore[reportPrivateUsage]
    assert _compat.default_profile() is None


def test_default_profile_of_the_installed_release() -> None:
    profile = _compat.default_profile()
    if not _compat.HAS_PROFILES:
        assert profile is None
    elif releases.HAS_STRUCTURED_OUTPUT_MODES:
        assert profile_value(profile, 'supports_json_schema_output') is True


def test_stand_in_profile_without_profiles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_compat, 'HAS_PROFILES', False)
    model = ScriptedModel(['Hi'])
    assert _compat.stand_in_profile(model, lambda: pytest.fail('no real profile before 0.2.12'), None) is None


def test_a_profile_is_refused_without_profiles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_compat, 'HAS_PROFILES', False)
    monkeypatch.setattr(_compat, 'VERSION', '0.2.11')
    with pytest.raises(ValueError, match='no model profiles') as info:
        ScriptedModel(['Hi'], profile=object())  # type: ignore[arg-type]
    assert str(info.value) == (
        'ScriptedModel(profile=...): the installed pydantic-ai (0.2.11) has no model profiles: they came in 0.2.12; '
        'upgrade pydantic-ai or leave profile= out'
    )


@dataclasses.dataclass
class ResultWithOutput:
    output: str


@dataclasses.dataclass
class ResultWithData:
    """`AgentRunResult` before 0.1.0."""

    data: str


def test_result_output_of_both_names() -> None:
    assert _compat.result_output(ResultWithOutput('o')) == 'o'
    assert _compat.result_output(ResultWithData('d')) == 'd'


def test_thinking_part_of_the_installed_release() -> None:
    from pydantic_ai import messages

    if _compat.HAS_THINKING:
        assert _compat.ThinkingPart is vars(messages)['ThinkingPart']
    else:  # a class of ours, that no part is an instance of
        assert _compat.ThinkingPart.__module__ == _compat.__name__
        assert not isinstance(TextPart('x'), _compat.ThinkingPart)


def test_usage_classes_of_the_installed_release() -> None:
    from pydantic_ai import usage

    names = vars(usage)
    assert RequestUsage is names.get('RequestUsage', names.get('Usage'))
    assert RunUsage is names.get('RunUsage', names.get('Usage'))
    assert _compat.usage_tokens(_compat.run_usage(UsageMethod())) == (10, 3)


def test_counters_added_name_a_release() -> None:
    assert _compat.COUNTERS_ADDED['tool_calls'] == '1.0'
    assert set(_compat.COUNTERS_ADDED) - {'tool_calls'} <= {
        'input_tokens',
        'output_tokens',
        'cache_write_tokens',
        'cache_read_tokens',
        'input_audio_tokens',
        'cache_audio_read_tokens',
        'output_audio_tokens',
    }


def test_override_model_of_both_shapes() -> None:
    import contextvars

    model = object()
    variable: contextvars.ContextVar[Any] = contextvars.ContextVar('override', default=None)
    variable.set(SimpleNamespace(value=model))
    assert _compat.override_model(SimpleNamespace(_override_model=variable)) is model  # from 0.3.6
    assert _compat.override_model(SimpleNamespace(_override_model=SimpleNamespace(value=model))) is model  # before
    assert _compat.override_model(SimpleNamespace(_override_model=None)) is None
    assert _compat.override_model(object()) is None


def test_override_model_of_the_installed_release() -> None:
    agent, model = Agent(ScriptedModel(['a'])), ScriptedModel(['b'])
    assert _compat.override_model(agent) is None
    with agent.override(model=model):
        assert _compat.override_model(agent) is model


def test_skipped_start_of_both_iterations() -> None:
    start, after = object(), object()
    assert _compat.skipped_start(start, after) is start  # pydantic-graph before 0.0.54
    assert _compat.skipped_start(start, start) is None  # from 0.0.54
    assert _compat.skipped_start(None, after) is None  # a run with no start node to read


@pytest.mark.anyio
async def test_skipped_start_of_the_installed_release() -> None:
    async with Agent(ScriptedModel(['x'])).iter('probe') as run:
        start = run.next_node
        first = await run.__anext__()
        assert (_compat.skipped_start(start, first) is None) is releases.ASYNC_FOR_YIELDS_USER_PROMPT
        async for _ in run:
            pass
