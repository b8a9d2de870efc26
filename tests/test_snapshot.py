"""normalize_messages, and the inline-snapshot workflow (create, compare, fix) as users run it."""

from __future__ import annotations

import copy
import dataclasses
import re
from datetime import datetime, timezone
from decimal import Decimal
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
from dirty_equals import IsDatetime, IsNumber, IsStr
from projects import WEATHER_APP
from pydantic_ai import Agent
from pydantic_ai.messages import ModelRequest, ModelResponse
from releases import HAS_CONVERSATION_ID, HAS_REQUEST_TIMESTAMP, HAS_RUN_ID

from pytest_agentrun import AgentRunFactory, RecordedRun, normalize_messages, tool_call
from pytest_agentrun._snapshot import Cost, Timestamp, placeholder_matcher

agent = Agent('openai:gpt-5.2', instructions='Be brief.')


@agent.tool_plain
def get_weather(city: str) -> str:
    return f'Sunny in {city}'


@agent.tool_plain
def buy(item: str, cost: int) -> str:
    return f'bought {item}'


TIMESTAMP = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def parts(normalized: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [m['parts'] for m in normalized]


@pytest.fixture
def run(agentrun: AgentRunFactory) -> RecordedRun[Any]:
    return agentrun.run_sync(
        agent,
        'Weather in Paris and Rome?',
        script=[
            [tool_call('get_weather', city='Paris'), tool_call('get_weather', city='Rome')],
            tool_call('get_weather', city='Oslo', tool_call_id='my-own-id'),
            'Sunny everywhere.',
        ],
    )


def test_placeholders_and_pairing(run: RecordedRun[Any]) -> None:
    normalized = normalize_messages(run)
    assert [m['kind'] for m in normalized] == ['request', 'response', 'request', 'response', 'request', 'response']
    assert parts(normalized) == [
        [{'content': 'Weather in Paris and Rome?', 'timestamp': IsDatetime(), 'part_kind': 'user-prompt'}],
        [
            {
                'tool_name': 'get_weather',
                'args': {'city': 'Paris'},
                'tool_call_id': '<tool_call_id:1>',
                'part_kind': 'tool-call',
            },
            {
                'tool_name': 'get_weather',
                'args': {'city': 'Rome'},
                'tool_call_id': '<tool_call_id:2>',
                'part_kind': 'tool-call',
            },
        ],
        [
            {
                'tool_name': 'get_weather',
                'content': 'Sunny in Paris',
                'tool_call_id': '<tool_call_id:1>',
                'timestamp': IsDatetime(),
                'part_kind': 'tool-return',
            },
            {
                'tool_name': 'get_weather',
                'content': 'Sunny in Rome',
                'tool_call_id': '<tool_call_id:2>',
                'timestamp': IsDatetime(),
                'part_kind': 'tool-return',
            },
        ],
        [
            {
                'tool_name': 'get_weather',
                'args': {'city': 'Oslo'},
                'tool_call_id': '<tool_call_id:3>',
                'part_kind': 'tool-call',
            }
        ],
        [
            {
                'tool_name': 'get_weather',
                'content': 'Sunny in Oslo',
                'tool_call_id': '<tool_call_id:3>',
                'timestamp': IsDatetime(),
                'part_kind': 'tool-return',
            }
        ],
        [{'content': 'Sunny everywhere.', 'part_kind': 'text'}],
    ]
    for message in normalized:
        assert type(message.get('timestamp', Timestamp.of(TIMESTAMP))) is Timestamp
        for part in message['parts']:
            assert type(part.get('timestamp', Timestamp.of(TIMESTAMP))) is Timestamp
        if message['kind'] == 'response':
            assert message['model_name'] == 'gpt-5.2'
            usage = message['usage']
            assert usage['input_tokens'] > 0
            assert type(usage.get('cost', Cost(1))) is Cost


def test_same_messages_give_the_same_data(agentrun: AgentRunFactory, run: RecordedRun[Any]) -> None:
    again = agentrun.run_sync(
        agent,
        'Weather in Paris and Rome?',
        script=[
            [tool_call('get_weather', city='Paris'), tool_call('get_weather', city='Rome')],
            tool_call('get_weather', city='Oslo', tool_call_id='another-id'),
            'Sunny everywhere.',
        ],
    )
    assert normalize_messages(again) == normalize_messages(run)
    assert run.result is not None
    assert normalize_messages(run.result) == normalize_messages(run)
    assert normalize_messages(run.messages) == normalize_messages(run)
    assert normalize_messages(tuple(run.messages)) == normalize_messages(run)


def _two_runs(agentrun: AgentRunFactory) -> list[dict[str, Any]]:
    first = agentrun.run_sync(agent, 'Hi', script=['Hello.'])
    second = agentrun.run_sync(agent, 'Again', script=['Hello again.'], message_history=first.messages)
    return normalize_messages(second)


@pytest.mark.skipif(not HAS_RUN_ID, reason='messages carry no run_id before pydantic-ai 1.15')
def test_run_ids_numbered_by_first_appearance(agentrun: AgentRunFactory) -> None:
    normalized = _two_runs(agentrun)
    assert [m['run_id'] for m in normalized] == ['<run_id:1>', '<run_id:1>', '<run_id:2>', '<run_id:2>']


@pytest.mark.skipif(HAS_RUN_ID, reason='messages carry a run_id from pydantic-ai 1.15')
def test_no_run_id_tokens_where_messages_have_none(agentrun: AgentRunFactory) -> None:
    assert all('run_id' not in m for m in _two_runs(agentrun))


@pytest.mark.skipif(not HAS_CONVERSATION_ID, reason='messages carry no conversation_id before pydantic-ai 1.89')
def test_one_conversation_id_token_across_runs(agentrun: AgentRunFactory) -> None:
    assert [m['conversation_id'] for m in _two_runs(agentrun)] == ['<conversation_id:1>'] * 4


@pytest.mark.skipif(HAS_CONVERSATION_ID, reason='messages carry a conversation_id from pydantic-ai 1.89')
def test_no_conversation_id_tokens_where_messages_have_none(agentrun: AgentRunFactory) -> None:
    assert all('conversation_id' not in m for m in _two_runs(agentrun))


@pytest.mark.skipif(not HAS_REQUEST_TIMESTAMP, reason='ModelRequest has no timestamp before pydantic-ai 1.38')
def test_request_timestamp_token(agentrun: AgentRunFactory) -> None:
    requests = [m for m in _two_runs(agentrun) if m['kind'] == 'request']
    assert [type(m['timestamp']) for m in requests] == [Timestamp, Timestamp]


@pytest.mark.skipif(HAS_REQUEST_TIMESTAMP, reason='ModelRequest has a timestamp from pydantic-ai 1.38')
def test_no_request_timestamp_where_requests_have_none(agentrun: AgentRunFactory) -> None:
    assert all('timestamp' not in m for m in _two_runs(agentrun) if m['kind'] == 'request')


def test_fields_at_their_default_are_left_out() -> None:
    messages = [
        ModelRequest.user_text_prompt('Hi'),
        ModelResponse(parts=[], model_name=None, timestamp=TIMESTAMP),
    ]
    request, response = normalize_messages(messages)
    assert request['parts'] == [{'content': 'Hi', 'timestamp': IsDatetime(), 'part_kind': 'user-prompt'}]
    assert response == {'parts': [], 'timestamp': IsDatetime(), 'kind': 'response'} | (
        {'run_id': response['run_id']} if 'run_id' in response else {}
    )
    assert 'usage' not in response  # RequestUsage() at its default
    assert 'model_name' not in response  # None, the default
    assert response['kind'] == 'response'  # discriminators stay even at their default


@dataclasses.dataclass
class Usage:
    input_tokens: int = 0
    cost: float | None = None


@dataclasses.dataclass
class Message:
    tool_call_id: str
    when: datetime
    run_id: str | None = None
    provider_response_id: str | None = None
    usage: Usage = dataclasses.field(default_factory=Usage)
    items: list[Any] = dataclasses.field(default_factory=list)
    hidden: str = dataclasses.field(default='x', repr=False)
    _private: int = 0
    kind: str = 'fake'


def test_placeholder_rules_on_plain_dataclasses() -> None:
    messages = [
        Message('a', TIMESTAMP, run_id='r1', provider_response_id='p1', usage=Usage(3, 0.25), hidden='y', _private=1),
        Message('b', TIMESTAMP, run_id='r1', items=[TIMESTAMP, ('t', 1)], kind='fake'),
        Message('a', TIMESTAMP, run_id='r2', provider_response_id='p2', usage=Usage(cost=0.5)),
    ]
    assert normalize_messages(messages) == [
        {
            'tool_call_id': '<tool_call_id:1>',
            'when': IsDatetime(),
            'run_id': '<run_id:1>',
            'provider_response_id': '<provider_response_id:1>',
            'usage': {'input_tokens': 3, 'cost': IsNumber()},
            'kind': 'fake',
        },
        {
            'tool_call_id': '<tool_call_id:2>',
            'when': IsDatetime(),
            'run_id': '<run_id:1>',
            'items': [IsDatetime(), ['t', 1]],
            'kind': 'fake',
        },
        {
            'tool_call_id': '<tool_call_id:1>',
            'when': IsDatetime(),
            'run_id': '<run_id:2>',
            'provider_response_id': '<provider_response_id:2>',
            'usage': {'cost': IsNumber()},
            'kind': 'fake',
        },
    ]

    first, second, _ = normalize_messages(messages)
    assert type(first['when']) is Timestamp
    assert type(second['items'][0]) is Timestamp
    assert type(first['usage']['cost']) is Cost
    assert Decimal.__eq__(first['usage']['cost'], Decimal('0.25'))  # the price is still there


def test_timestamp_placeholder() -> None:
    stamp = Timestamp.of(TIMESTAMP)
    other = Timestamp.of(datetime(2030, 5, 6, tzinfo=timezone.utc))
    assert isinstance(stamp, datetime)
    assert stamp.isoformat() == TIMESTAMP.isoformat()  # it keeps the real value
    assert stamp == other
    assert not stamp != other  # noqa: SIM202 - `!=` is its own method
    assert hash(stamp) == hash(other)
    assert stamp == TIMESTAMP  # against a real datetime it compares as a datetime
    assert stamp != datetime(2030, 5, 6, tzinfo=timezone.utc)
    assert stamp != 'x'
    assert stamp == IsDatetime()
    assert IsDatetime() == stamp
    assert copy.deepcopy(stamp) == stamp
    assert type(copy.deepcopy(stamp)) is Timestamp
    assert repr(stamp) == 'IsDatetime()'


def test_cost_placeholder() -> None:
    cost = Cost('0.25')
    assert cost == Cost(3)
    assert not cost != Cost(3)  # noqa: SIM202 - `!=` is its own method
    assert hash(cost) == hash(Cost(3))
    assert cost == Decimal('0.25')
    assert cost != Decimal('0.5')
    assert cost == IsNumber()
    assert IsNumber() == cost
    assert copy.deepcopy(cost) == cost
    assert repr(cost) == 'IsNumber()'


@pytest.mark.parametrize(
    ('value', 'matcher'),
    [
        ('<tool_call_id:1>', IsStr),
        ('<run_id:12>', IsStr),
        ('<conversation_id:3>', IsStr),
        ('<provider_response_id:2>', IsStr),
        (Timestamp.of(TIMESTAMP), IsDatetime),
        (Cost('0.1'), IsNumber),
    ],
)
def test_placeholder_matchers(value: Any, matcher: type[Any]) -> None:
    found = placeholder_matcher(value)
    assert type(found) is matcher
    assert found == value  # inline-snapshot checks that the code it writes equals the value


@pytest.mark.parametrize(
    'value',
    ['<tool_call_id:0>', '<tool_call_id:1> ', '<timestamp>', '<other_id:1>', 'x', '', TIMESTAMP, Decimal(1), 0.5, None],
)
def test_other_values_have_no_matcher(value: Any) -> None:
    assert placeholder_matcher(value) is None


def test_str_subclass_tokens_have_no_matcher() -> None:
    class Token(str):
        pass

    assert placeholder_matcher(Token('<tool_call_id:1>')) is None  # IsStr() would not match it


def test_inline_snapshot_entry_point() -> None:
    (entry,) = [e for e in entry_points(group='inline_snapshot') if e.value.startswith('pytest_agentrun')]
    from pytest_agentrun import _inline_snapshot

    assert entry.load() is _inline_snapshot
    assert type(_inline_snapshot.placeholder_handler('<tool_call_id:1>')) is IsStr
    assert _inline_snapshot.placeholder_handler('text') is None


def test_tool_arguments_named_like_volatile_fields_are_kept(agentrun: AgentRunFactory) -> None:
    run = agentrun.run_sync(agent, 'Buy bread', script=[tool_call('buy', item='bread', cost=3), 'Bought.'])
    call = normalize_messages(run)[1]['parts'][0]
    assert call['args'] == {'item': 'bread', 'cost': 3}


def test_bad_input() -> None:
    with pytest.raises(TypeError) as info:
        normalize_messages(42)
    assert str(info.value) == (
        'normalize_messages() takes a recorded run, an agent run or result, or a list of messages, got 42'
    )


# --- the inline-snapshot workflow --------------------------------------------------------------------


TEST_SNAPSHOT = """
from inline_snapshot import snapshot
from pytest_agentrun import normalize_messages, tool_call
from app import agent


def test_weather(agentrun):
    run = agentrun.run_sync(
        agent, 'Weather in Paris?', script=[tool_call('get_weather', city='Paris'), 'It is sunny.']
    )
    assert normalize_messages(run) == snapshot()
"""


def run_child(pytester: pytest.Pytester, *args: str, answer: str | None = None) -> pytest.RunResult:
    """A pytest run in this process (inline-snapshot keeps its state per session, on a stack, so runs nest).

    `answer` is what the user types at the prompt of `--inline-snapshot=review`.
    """
    arguments = ['-p', 'no:xdist', '-p', 'no:cacheprovider', '-W', 'error', *args]
    with pytest.MonkeyPatch.context() as patch:
        if answer is not None:
            patch.setattr('builtins.input', lambda *_: answer)
        return pytester.runpytest_inprocess(*arguments)


def snapshot_call(source: str) -> str:
    match = re.search(r'snapshot\((.*)\)\s*\Z', source, re.DOTALL)
    assert match is not None, source
    return match.group(1)


@pytest.fixture
def snapshot_project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    # inline-snapshot writes nothing in CI or under xdist (it reads PYTEST_XDIST_WORKER, which an outer `-n` sets)
    for name in ('CI', 'PYTEST_XDIST_WORKER', 'PYTEST_XDIST_WORKER_COUNT', 'PYTEST_XDIST_TESTRUNUID'):
        monkeypatch.delenv(name, raising=False)
    pytester.makepyfile(app=WEATHER_APP)
    pytester.makeconftest('')
    # inline-snapshot formats what it writes with black when black is installed: keep the quotes as written,
    # so the checks below hold with and without black
    pytester.makepyprojecttoml('[tool.black]\nskip-string-normalization = true\n')
    return pytester.makepyfile(test_weather=TEST_SNAPSHOT)


def assert_placeholders(value: str) -> None:
    """The volatile values in a written snapshot are dirty-equals matchers, and nothing else is."""
    assert value.count("'tool_call_id': IsStr()") == 2  # the call and its return
    # the prompt, the tool return, 2 responses, and the 2 requests where pydantic-ai stamps them
    assert value.count("'timestamp': IsDatetime()") == (6 if HAS_REQUEST_TIMESTAMP else 4)
    assert value.count("'run_id': IsStr()") == (4 if HAS_RUN_ID else 0)
    assert value.count("'conversation_id': IsStr()") == (4 if HAS_RUN_ID else 0)
    assert set(re.findall(r"'cost': ([^,}]*)", value)) <= {'IsNumber()'}
    assert "'It is" in value
    assert "'Weather in Paris?'" in value
    assert '<' not in value  # no token strings
    assert 'unmanaged' not in value
    assert not re.search(r'\d{4}-\d\d-\d\d|datetime', value)  # no real timestamp leaked into the snapshot
    assert not re.search(r"pyd_ai|'call_", value)  # nor a real id


def test_inline_snapshot_create_compare_fix(pytester: pytest.Pytester, snapshot_project: Path) -> None:
    test_file = snapshot_project
    source = test_file.read_text()

    # 1. create: inline-snapshot writes the normalized messages into the test file, with the matchers' imports
    run_child(pytester, '--inline-snapshot=create')
    created = test_file.read_text()
    value = snapshot_call(created)
    assert_placeholders(value)
    assert "'It is sunny.'" in value
    # the imports go after the file's own, one a line, sorted; the rest of the file is as it was
    matchers = sorted({'IsDatetime', 'IsStr'} | ({'IsNumber'} if 'IsNumber()' in value else set()))
    imports = ''.join(f'from dirty_equals import {name}\n' for name in matchers)
    assert created == source.replace('from app import agent\n', f'from app import agent\n\n{imports}', 1).replace(
        'snapshot()', f'snapshot({value})'
    )

    # 2. a plain run compares, passes, warns about nothing, and leaves the file alone, byte for byte
    result = run_child(pytester)
    result.assert_outcomes(passed=1)
    assert 'warning' not in result.stdout.str().lower()
    assert test_file.read_bytes() == created.encode()

    # 3. the scripted text changes: a plain run fails and changes nothing
    test_file.write_text(created.replace("'It is sunny.']", "'It is cloudy.']", 1))
    changed = test_file.read_text()
    assert changed != created
    result = run_child(pytester)
    assert result.ret != 0
    assert result.parseoutcomes().get('failed') == 1
    assert test_file.read_text() == changed

    # 4. fix: the snapshot follows the new text and keeps its matchers; nothing else in the file changes
    run_child(pytester, '--inline-snapshot=fix')
    fixed = test_file.read_text()
    assert fixed == changed.replace("'It is sunny.'", "'It is cloudy.'")
    assert_placeholders(snapshot_call(fixed))

    # 5. and then a plain run passes again
    result = run_child(pytester)
    result.assert_outcomes(passed=1)
    assert test_file.read_text() == fixed


def test_inline_snapshot_report_and_review(pytester: pytest.Pytester, snapshot_project: Path) -> None:
    test_file = snapshot_project
    run_child(pytester, '--inline-snapshot=create')
    created = test_file.read_text()
    changed = created.replace("'It is sunny.']", "'It is cloudy.']", 1)
    test_file.write_text(changed)
    fixed = changed.replace("'It is sunny.'", "'It is cloudy.'")

    # report shows the fix, matchers and all, and writes nothing
    result = run_child(pytester, '--inline-snapshot=report')
    assert result.parseoutcomes().get('failed') == 1
    report = result.stdout.str()
    assert 'Fix snapshots' in report
    assert "'It is cloudy.'" in report
    assert 'IsDatetime()' in report
    assert 'unmanaged' not in report
    assert test_file.read_text() == changed

    # review asks; "n" keeps the file, "y" applies the same fix as --inline-snapshot=fix
    result = run_child(pytester, '--inline-snapshot=review', answer='n')
    assert 'Do you want to fix these snapshots?' in result.stdout.str()
    assert test_file.read_text() == changed
    run_child(pytester, '--inline-snapshot=review', answer='y')
    assert test_file.read_text() == fixed
    run_child(pytester).assert_outcomes(passed=1)


def test_fix_turns_old_token_snapshots_into_matchers(pytester: pytest.Pytester, snapshot_project: Path) -> None:
    # a snapshot written with the earlier string tokens, by hand here: fix rewrites what no longer matches
    test_file = snapshot_project
    run_child(pytester, '--inline-snapshot=create')
    created = test_file.read_text()
    value = snapshot_call(created)
    tokens = value.replace('IsDatetime()', "'<timestamp>'").replace('IsNumber()', "'<cost>'")
    tokens = tokens.replace("'tool_call_id': IsStr()", "'tool_call_id': '<tool_call_id:1>'")
    test_file.write_text(created.replace(value, tokens))
    assert run_child(pytester).ret != 0  # '<timestamp>' is no datetime

    run_child(pytester, '--inline-snapshot=fix')
    fixed = test_file.read_text()
    assert "'<timestamp>'" not in fixed
    assert "'<cost>'" not in fixed
    assert fixed.count("'tool_call_id': '<tool_call_id:1>'") == 2  # still equal, so fix leaves them
    run_child(pytester).assert_outcomes(passed=1)
    run_child(pytester, '--inline-snapshot=update')
    assert test_file.read_text() == created  # update writes the matchers for them too


# --- binary content --------------------------------------------------------------------------------------


def test_binary_content_gets_a_stable_placeholder(agentrun: AgentRunFactory) -> None:
    from pydantic_ai.messages import BinaryContent

    image = BinaryContent(b'\x89PNG\r\n\x1a\n\xff\x00', media_type='image/png')  # not UTF-8
    run = agentrun.run_sync(agent, ['What is in this picture?', image], script=['A red dot.'])
    # before: UnicodeDecodeError
    [prompt] = normalize_messages(run)[0]['parts']
    picture = prompt['content'][1]
    assert picture['data'] == '<10 bytes, sha256 fa79bc31c670>'
    assert picture['media_type'] == 'image/png'
    assert normalize_messages(run) == normalize_messages(run)


# --- masks of the user's own --------------------------------------------------------------------------

ORDER_APP = """
import datetime
import uuid

from pydantic_ai import Agent

agent = Agent('openai:gpt-5.2')


@agent.instructions
def today() -> str:
    return f'Today is {datetime.date.today()}. Be brief.'


@agent.tool_plain
def place_order(item: str) -> dict:
    return {'order_id': f'ord_{uuid.uuid4().hex[:8]}', 'item': item}
"""


def order_run(agentrun: AgentRunFactory) -> RecordedRun[Any]:
    namespace: dict[str, Any] = {}
    exec(ORDER_APP.replace("'openai:gpt-5.2'", 'None'), namespace)  # the app, without a model string
    return agentrun.run_sync(
        namespace['agent'], 'Order a lamp', script=[tool_call('place_order', item='lamp'), 'Ordered.']
    )


MASK: list[Any] = [
    IsStr(regex=r'Today is \d{4}-\d\d-\d\d\. Be brief\.'),
    ('order_id', IsStr(regex=r'ord_[0-9a-f]{8}')),
]


def test_masks_by_field_name_and_by_value(agentrun: AgentRunFactory) -> None:
    normalized = normalize_messages(order_run(agentrun), mask=MASK)
    instructions = normalized[0]['instructions']
    returned = normalized[2]['parts'][0]['content']
    # in Python, a masked value stays the plain value; a snapshot holds the matcher in its place
    assert instructions == IsStr(regex=r'Today is \d{4}-\d\d-\d\d\. Be brief\.')
    assert returned['order_id'] == IsStr(regex='ord_[0-9a-f]{8}')
    assert returned['item'] == 'lamp'
    assert repr(placeholder_matcher(instructions)) == r"IsStr(regex='Today is \\d{4}-\\d\\d-\\d\\d\\. Be brief\\.')"
    assert repr(placeholder_matcher(returned['order_id'])) == "IsStr(regex='ord_[0-9a-f]{8}')"
    assert placeholder_matcher(returned['item']) is None
    # the same text elsewhere, unmasked, is written as it is
    assert placeholder_matcher(''.join(['ord_', returned['order_id'][4:]])) is None
    # the mapping form
    masked = normalize_messages(order_run(agentrun), mask={'order_id': IsStr()})
    assert repr(placeholder_matcher(masked[2]['parts'][0]['content']['order_id'])) == 'IsStr()'


def test_mask_errors(agentrun: AgentRunFactory) -> None:
    run = order_run(agentrun)
    with pytest.raises(ValueError, match='does not match') as exc_info:
        normalize_messages(run, mask={'item': IsStr(regex='chair')})
    assert str(exc_info.value) == (
        "normalize_messages(mask=...): messages[1].parts[0].args['item'] is 'lamp', which the mask of 'item', "
        "IsStr(regex='chair'), does not match; fix the matcher, or mask another field"
    )
    with pytest.raises(TypeError) as exc_info:
        normalize_messages(run, mask={'item': 'lamp'})
    assert str(exc_info.value) == (
        "normalize_messages(mask=...): the mask of 'item' is 'lamp'; a mask is a dirty-equals matcher, "
        "e.g. IsStr(regex=r'ord_\\w+'), which a snapshot keeps in place of the value"
    )
    with pytest.raises(TypeError, match=re.escape('mask[0] is 3; a mask is a dirty-equals matcher')):
        normalize_messages(run, mask=[3])
    with pytest.raises(TypeError, match=re.escape('takes {field name: matcher} or a list of matchers, got 3')):
        normalize_messages(run, mask=3)  # type: ignore[arg-type]


TEST_ORDER_SNAPSHOT = """
from dirty_equals import IsStr
from inline_snapshot import snapshot
from pytest_agentrun import normalize_messages, tool_call
from app import agent

MASK = [
    IsStr(regex=r'Today is \\d{4}-\\d\\d-\\d\\d\\. Be brief\\.'),
    ('order_id', IsStr(regex=r'ord_[0-9a-f]{8}')),
]


def test_order(agentrun):
    run = agentrun.run_sync(agent, 'Order a lamp', script=[tool_call('place_order', item='lamp'), 'Ordered.'])
    assert normalize_messages(run, mask=MASK) == snapshot()
"""


def test_masks_through_inline_snapshot_create_and_fix(pytester: pytest.Pytester, snapshot_project: Path) -> None:
    pytester.makepyfile(app=ORDER_APP)
    snapshot_project.unlink()
    test_file = pytester.makepyfile(test_order=TEST_ORDER_SNAPSHOT)

    run_child(pytester, '--inline-snapshot=create')
    created = test_file.read_text()
    value = snapshot_call(created)
    assert "'instructions': IsStr(regex='Today is \\\\d{4}-\\\\d\\\\d-\\\\d\\\\d\\\\. Be brief\\\\.')" in value
    assert value.count("'order_id': IsStr(regex='ord_[0-9a-f]{8}')") == 1  # in the tool's return
    assert not re.search(r'ord_[0-9a-f]{8}\b', value.replace("'ord_[0-9a-f]{8}'", ''))  # no real id
    assert not re.search(r'\d{4}-\d\d-\d\d', value)  # no real date

    # another run has another order id: it still passes, and nothing is written
    run_child(pytester).assert_outcomes(passed=1)
    assert test_file.read_text() == created

    # fix after a change keeps the user's matchers
    test_file.write_text(created.replace("'Ordered.']", "'Done.']", 1))
    assert run_child(pytester).ret != 0
    run_child(pytester, '--inline-snapshot=fix')
    fixed = test_file.read_text()
    assert fixed == created.replace("'Ordered.'", "'Done.'")
    run_child(pytester).assert_outcomes(passed=1)
