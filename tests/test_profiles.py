"""A stand-in has the real model's profile: output modes, JSON schema transformer, image output, native tools.

`Agent('openai:gpt-5.2')` in a test gets a stand-in; pydantic-ai checks a request against the stand-in's profile,
so it must be the profile pydantic-ai gives the real model on the installed release, or the test takes a path
production never takes (a local web search fallback, a refused native tool).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
import textwrap
import warnings
from typing import Any

import pytest
import releases
from fresh import Finished, Launch, fresh_process, python
from pydantic_ai import Agent, models
from pydantic_ai.messages import ModelResponse
from pydantic_ai.models import Model
from releases import (
    HAS_IMAGE_OUTPUT_CHECK,
    HAS_WEB_SEARCH_CAPABILITY,
    PROFILE_IS_DICT,
    PROFILE_LISTS_NATIVE_TOOLS,
    native_tools,
)

from pytest_agentrun import AgentRunFactory, ScriptedModel, StandInModel, _compat, _model, _profiles

WEB_SEARCH_MODEL = 'openai:gpt-5.2' if PROFILE_IS_DICT else 'openai-responses:gpt-5.2'
"""A model string whose real model searches the web natively: 2.x's `'openai:'` is the Responses API, 1.x's is Chat
Completions, which does not search."""

NO_WEB_SEARCH_MODEL = 'mistral:mistral-large-latest'
"""A model string whose real model has neither native web search nor image output; its SDK is not installed here.

(Not Groq: up to 2.6x its profile lists web search for every model, and only `GroqModel`'s request code refuses it.)"""

needs_profile_native_tools = pytest.mark.skipif(
    not PROFILE_LISTS_NATIVE_TOOLS,
    reason='before pydantic-ai 1.34 the profile lists no native tools: each model class refuses them in its own '
    'request code, which a stand-in does not run',
)
needs_web_search_capability = pytest.mark.skipif(
    not HAS_WEB_SEARCH_CAPABILITY, reason='the installed pydantic-ai has no WebSearch capability'
)
needs_image_output_check = pytest.mark.skipif(
    not HAS_IMAGE_OUTPUT_CHECK, reason='the installed pydantic-ai does not check image output against the profile'
)


def real_model(name: str, monkeypatch: pytest.MonkeyPatch) -> Model:
    """The model pydantic-ai itself builds for `name` (its own `infer_model`, which the plugin wraps), with keys set."""
    monkeypatch.setenv('OPENAI_API_KEY', 'sk-test')
    monkeypatch.setenv('ANTHROPIC_API_KEY', 'sk-ant-test')
    infer_model = getattr(models.infer_model, '__wrapped__', models.infer_model)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # 1.x warns that 'openai:' will mean the Responses API in 2.0
        return infer_model(name)


@pytest.fixture
def fresh_profiles(monkeypatch: pytest.MonkeyPatch) -> None:
    """Profiles computed in this test are computed again, not taken from an earlier test's."""
    monkeypatch.setattr(_profiles, '_cache', {})


def tool_names(tools: list[Any]) -> list[str]:
    return [type(t).__name__ for t in tools]


# --- the profile --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize('name', ['openai:gpt-5.2', 'openai-responses:gpt-5.2', 'anthropic:claude-sonnet-4-5'])
def test_scripted_model_and_stand_in_have_the_real_models_profile(
    fresh_profiles: None, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # fresh_profiles: a profile holds classes (its JSON schema transformer) of the provider modules as they were
    # imported when it was computed, and an in-process pytester run of an earlier test may have dropped them since
    provider = name.partition(':')[0].partition('-')[0]
    pytest.importorskip(
        f'pydantic_ai.models.{provider}',
        reason=f'pydantic-ai cannot import the installed {provider} SDK',
        exc_type=ImportError,
    )
    real = real_model(name, monkeypatch).profile
    assert ScriptedModel(['Hi'], model=name).profile == real
    assert StandInModel(name, lambda: pytest.fail('the real model is not built for its profile')).profile == real


def test_real_profile_differs_from_the_default_where_the_real_model_does() -> None:
    scripted = ScriptedModel(['Hi'], model='openai:gpt-5.2').profile
    plain = ScriptedModel(['Hi']).profile
    transformer = scripted['json_schema_transformer'] if PROFILE_IS_DICT else scripted.json_schema_transformer  # type: ignore[union-attr]
    assert transformer is not None  # OpenAI's strict JSON schemas
    assert scripted != plain


@pytest.mark.parametrize('name', ['foo:bar', 'gateway/openai:gpt-5.2', 'no-provider-prefix'])
def test_a_model_string_pydantic_ai_cannot_build_keeps_the_permissive_default(name: str) -> None:
    profile = ScriptedModel(['Hi'], model=name).profile
    assert profile == ScriptedModel(['Hi']).profile or name.startswith('gateway/')
    read: Any = profile.get if PROFILE_IS_DICT else lambda key: getattr(profile, key)  # type: ignore[union-attr]
    assert read('supports_json_schema_output')
    assert read('supports_json_object_output')


def test_profile_is_computed_on_first_use_not_when_the_model_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    real_profile = _profiles.real_profile

    def recording(name: str) -> Any:
        asked.append(name)
        return real_profile(name)

    monkeypatch.setattr(_profiles, 'real_profile', recording)
    scripted = ScriptedModel(['Hi'], model='openai:gpt-5.2')
    stand_in = StandInModel('anthropic:claude-sonnet-4-5', lambda: pytest.fail('not built'))
    assert asked == []
    assert scripted.profile is scripted.profile
    assert stand_in.profile is stand_in.profile
    assert asked == ['openai:gpt-5.2', 'anthropic:claude-sonnet-4-5']


def test_a_model_for_no_real_model_computes_its_profile_once_per_class_and_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A script built for each run (`ScriptedModel([...])`) must not have pydantic-ai compute the same profile again."""
    computed: list[str] = []
    stand_in_profile = _compat.stand_in_profile

    def counting(model: Any, real: Any, given: Any) -> Any:
        computed.append(model.model_name)
        return stand_in_profile(model, real, given)

    monkeypatch.setattr(_compat, 'stand_in_profile', counting)
    monkeypatch.setattr(_model, '_PLAIN_PROFILES', {})
    first, second = ScriptedModel(['Hi']).profile, ScriptedModel(['Hello']).profile
    assert computed == ['scripted']
    assert first == second
    assert first is not second  # each model its own copy: changing one changes no other
    _ = ScriptedModel(['Hi'], model='no-provider-prefix').profile  # another name: its own
    _ = ScriptedModel(['Hi'], profile=ScriptedModel(['Hi']).profile).profile  # profile= given: never shared
    assert computed == ['scripted', 'no-provider-prefix', 'scripted']


# --- profile= overrides it ----------------------------------------------------------------------------------------


@pytest.mark.skipif(not PROFILE_IS_DICT, reason='a profile= dict is merged into the real one from pydantic-ai 2.0')
def test_profile_dict_is_merged_into_the_real_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    real = real_model('openai:gpt-5.2', monkeypatch).profile
    model = ScriptedModel(['Hi'], model='openai:gpt-5.2', profile={'supports_image_output': False})
    assert model.profile == {**real, 'supports_image_output': False}


@pytest.mark.skipif(not PROFILE_IS_DICT, reason='a profile= callable takes the profile from pydantic-ai 2.0')
def test_profile_callable_gets_the_real_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    real = real_model('openai:gpt-5.2', monkeypatch).profile
    given: list[Any] = []

    def narrower(profile: Any) -> Any:
        given.append(dict(profile))
        profile['supports_json_schema_output'] = False  # changing it in place changes no other model's
        return profile

    model = ScriptedModel(['Hi'], model='openai:gpt-5.2', profile=narrower)
    assert model.profile == {**real, 'supports_json_schema_output': False}
    assert given == [real]
    assert ScriptedModel(['Hi'], model='openai:gpt-5.2').profile == real


@pytest.mark.skipif(PROFILE_IS_DICT, reason='a profile= replaces the real one up to pydantic-ai 1.x')
def test_profile_replaces_the_real_profile_in_1x() -> None:
    from pydantic_ai.profiles import ModelProfile

    given = ModelProfile(supports_json_schema_output=False)
    assert ScriptedModel(['Hi'], model='openai:gpt-5.2', profile=given).profile == given
    names: list[str] = []

    def by_name(model_name: str) -> Any:
        names.append(model_name)
        return given

    assert ScriptedModel(['Hi'], model='openai:gpt-5.2', profile=by_name).profile == given
    assert names == ['gpt-5.2']


@needs_profile_native_tools
def test_profile_override_keeps_the_native_tools_it_lists() -> None:
    from pydantic_ai import WebSearchTool
    from pydantic_ai.profiles import ModelProfile

    names = ('supported_native_tools', 'supported_builtin_tools')  # 1.34 - 1.94: builtin
    field = next(f for f in names if PROFILE_IS_DICT or hasattr(ModelProfile(), f))
    listed = {field: frozenset({WebSearchTool})}
    given: Any = listed if PROFILE_IS_DICT else ModelProfile(**listed)
    for name in (NO_WEB_SEARCH_MODEL, None):  # a real profile without web search, and none
        profile = ScriptedModel(['Hi'], model=name, profile=given).profile
        assert (profile[field] if PROFILE_IS_DICT else getattr(profile, field)) == frozenset({WebSearchTool})  # type: ignore[index]


# --- what a user sees: native tools ---------------------------------------------------------------------------------

APP = """
from pydantic_ai import Agent
{imports}

agent = Agent({model!r}, {tools})
"""

TEST_SEARCH = """
import pytest
from releases import native_tools

from app import agent


@pytest.fixture
def anyio_backend():
    return 'asyncio'


@pytest.mark.anyio
async def test_search(agentrun):
    model = agentrun.model({model!r}, ['It is sunny in Paris today.'])
    assert (await agent.run('Weather in Paris?')).output == 'It is sunny in Paris today.'
    assert [type(tool).__name__ for tool in native_tools(model.last_request.parameters)] == ['WebSearchTool']
"""


def web_search_project(pytester: pytest.Pytester, model: str) -> None:
    if HAS_WEB_SEARCH_CAPABILITY:
        imports, tools = 'from pydantic_ai.capabilities import WebSearch', 'capabilities=[WebSearch()]'
    else:
        imports, tools = 'from pydantic_ai import WebSearchTool', 'builtin_tools=[WebSearchTool()]'
    pytester.makepyfile(app=APP.format(imports=imports, model=model, tools=tools))
    pytester.makepyfile(test_search=TEST_SEARCH.format(model=model))
    pytester.syspathinsert(os.path.dirname(__file__))  # releases.native_tools


@pytest.mark.skipif(not releases.HAS_NATIVE_TOOLS, reason='native tools came in pydantic-ai 0.6.2')
def test_native_web_search_reaches_the_scripted_model(pytester: pytest.Pytester) -> None:
    web_search_project(pytester, WEB_SEARCH_MODEL)
    result = pytester.runpytest_inprocess('-p', 'no:cacheprovider')
    result.assert_outcomes(passed=1)


@needs_profile_native_tools
def test_a_model_without_web_search_refuses_it_as_in_production(pytester: pytest.Pytester) -> None:
    web_search_project(pytester, NO_WEB_SEARCH_MODEL)
    result = pytester.runpytest_inprocess('-p', 'no:cacheprovider')
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["E * pydantic_ai.exceptions.UserError: * tool(s) [[]'WebSearchTool'[]] not supported by this model*"]
    )


@needs_web_search_capability
@needs_profile_native_tools
@pytest.mark.parametrize(
    ('name', 'native', 'local_tools'),
    [(WEB_SEARCH_MODEL, ['WebSearchTool'], []), (NO_WEB_SEARCH_MODEL, [], ['search'])],
    ids=['searches-natively', 'no-native-search'],
)
def test_local_web_search_fallback_is_used_only_where_production_uses_it(
    agentrun: AgentRunFactory, close_run_sync_loop: None, name: str, native: list[str], local_tools: list[str]
) -> None:
    from pydantic_ai.capabilities import WebSearch

    searched: list[str] = []

    def search(query: str) -> str:
        """Search the web."""
        searched.append(query)
        return 'Sunny.'

    agent = Agent(name, capabilities=[WebSearch(local=search)])
    model = agentrun.model(name, ['It is sunny in Paris today.'])
    agent.run_sync('Weather in Paris?')
    parameters = model.last_request.parameters
    assert tool_names(native_tools(parameters)) == native
    assert model.last_request.tool_names == local_tools
    assert searched == []


@needs_profile_native_tools
@pytest.mark.parametrize('name', [None, 'foo:bar'], ids=['no-name', 'unknown-provider'])
def test_a_scripted_model_for_no_real_model_answers_every_native_tool(
    close_run_sync_loop: None, name: str | None
) -> None:
    if HAS_WEB_SEARCH_CAPABILITY:
        from pydantic_ai.capabilities import WebSearch

        agent = Agent(capabilities=[WebSearch()])
    else:
        from pydantic_ai import WebSearchTool

        agent = Agent(builtin_tools=[WebSearchTool()])
    model = ScriptedModel(['It is sunny in Paris today.'], model=name)
    assert agent.run_sync('Weather in Paris?', model=model).output == 'It is sunny in Paris today.'
    assert tool_names(native_tools(model.last_request.parameters)) == ['WebSearchTool']


# --- what a user sees: image output ---------------------------------------------------------------------------------


@needs_image_output_check
@pytest.mark.parametrize('name', [WEB_SEARCH_MODEL, NO_WEB_SEARCH_MODEL], ids=['image-output', 'no-image-output'])
def test_image_output_is_allowed_where_the_real_model_has_it(
    agentrun: AgentRunFactory, close_run_sync_loop: None, name: str
) -> None:
    from pydantic_ai import BinaryImage  # pyright: ignore[reportAttributeAccessIssue]
    from pydantic_ai.messages import FilePart  # pyright: ignore[reportAttributeAccessIssue]

    image = BinaryImage(data=b'\x89PNG\r\n\x1a\n', media_type='image/png')
    agent = Agent(name, output_type=BinaryImage)
    if name == NO_WEB_SEARCH_MODEL:
        from pydantic_ai.exceptions import UserError

        agentrun.model(name, [])  # refused before any request reaches it
        with pytest.raises(UserError, match='Image output is not supported by this model'):
            agent.run_sync('Draw a cat.')
        return
    model = agentrun.model(name, [ModelResponse(parts=[FilePart(content=image)])])
    assert agent.run_sync('Draw a cat.').output == image
    assert model.requests[0].parameters.allow_image_output  # pyright: ignore[reportAttributeAccessIssue]


# --- side effects of computing a profile ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ('name', 'modules'),
    [
        (
            'groq:llama-3.3-70b-versatile',
            ['groq', 'groq.types', 'pydantic_ai.models.groq', 'pydantic_ai.providers.groq'],
        ),
        (NO_WEB_SEARCH_MODEL, ['mistralai', 'pydantic_ai.models.mistral', 'pydantic_ai.providers.mistral']),
    ],
    ids=['groq', 'mistral'],
)
def test_no_stub_is_left_behind(fresh_profiles: None, name: str, modules: list[str]) -> None:
    if importlib.util.find_spec(modules[0]) is not None:
        pytest.skip(f'the {modules[0]} SDK is installed: nothing is stubbed')
    environ, meta_path, before = os.environ, list(sys.meta_path), set(sys.modules)
    assert ScriptedModel(['Hi'], model=name).profile != ScriptedModel(['Hi']).profile  # built without the SDK
    assert os.environ is environ
    assert sys.meta_path == meta_path
    for module in modules:
        assert module not in sys.modules
        with pytest.raises(ImportError):
            importlib.import_module(module)
    assert not any(getattr(sys.modules[m], '__agentrun_stub__', False) for m in set(sys.modules) - before)


def test_profiles_computed_in_threads_at_once(fresh_profiles: None) -> None:
    from concurrent.futures import ThreadPoolExecutor

    names = ['groq:llama-3.3-70b-versatile', NO_WEB_SEARCH_MODEL, 'cohere:command-r-plus', 'openai:gpt-5.2'] * 3
    environ, meta_path = os.environ, list(sys.meta_path)
    with ThreadPoolExecutor(4) as pool:
        profiles = list(pool.map(_profiles.real_profile, names))
    assert all(profile is not None for profile in profiles)
    assert [id(p) for p in profiles[:4]] * 3 == [id(p) for p in profiles]  # one profile per model string
    assert os.environ is environ
    assert sys.meta_path == meta_path


def test_a_stand_in_in_place_of_infer_model_is_no_real_profile(
    fresh_profiles: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # were the plugin's own infer_model taken for pydantic-ai's, it would give a stand-in, asking for this profile
    monkeypatch.setattr(_profiles, '_pydantic_ais_infer_model', lambda: models.infer_model)
    assert getattr(models.infer_model, '__agentrun_patched__', False)
    assert _profiles.real_profile('openai:gpt-5.2') is None


WARNING_NAMES = [
    'openai:gpt-5.2',  # 1.x: 'openai:' will mean the Responses API in 2.0
    'google-gla:gemini-2.5-pro',  # late 1.x: the prefix is deprecated
    'vertexai:gemini-2.5-pro',  # 1.x: the provider name is deprecated
    'github:gpt-4o',  # 2.x: GitHubProvider is deprecated
    'grok:grok-4',  # late 1.x: GrokProvider is deprecated
]


def test_warnings_raised_while_building_do_not_reach_the_test(
    fresh_profiles: None, recwarn: pytest.WarningsRecorder
) -> None:
    for name in WARNING_NAMES:  # filterwarnings = error: a warning that escaped would raise here
        ScriptedModel(['Hi'], model=name).profile  # noqa: B018
    assert list(recwarn) == []


NO_NETWORK = """
import sys

connections = []


def audit(event, args):
    if event in ('socket.connect', 'socket.getaddrinfo', 'socket.gethostbyname', 'socket.sendto', 'socket.sendmsg'):
        connections.append((event, args))


sys.addaudithook(audit)

from pytest_agentrun import _profiles

names = {names!r}
built = [name for name in names if _profiles.real_profile(name) is not None]
print('built', len(built), 'of', len(names))
print('connections', connections)
"""


NO_NETWORK_NAMES = [
    'openai:gpt-5.2',
    'openai-responses:gpt-5.2',
    'anthropic:claude-sonnet-4-5',
    'google:gemini-2.5-pro',
    'google-gla:gemini-2.5-pro',
    'google-vertex:gemini-2.5-pro',
    NO_WEB_SEARCH_MODEL,
    'mistral:mistral-large-latest',
    'bedrock:amazon.nova-pro-v1:0',
    'cohere:command-r-plus',
    'azure:gpt-4o',
    'deepseek:deepseek-chat',
    'openrouter:openai/gpt-5',
    'huggingface:Qwen/Qwen3-235B-A22B',
    'ollama:llama3',
    'gateway/openai:gpt-5.2',
]


@fresh_process(lambda path: Launch(python(textwrap.dedent(NO_NETWORK).format(names=NO_NETWORK_NAMES))))
def test_computing_profiles_makes_no_network_call(fresh_run: Finished) -> None:
    assert fresh_run.returncode == 0, fresh_run.stderr
    built, connections = fresh_run.stdout.splitlines()
    assert connections == 'connections []'
    assert re.fullmatch(r'built \d+ of 16', built)
    assert int(built.split()[1]) >= 8
