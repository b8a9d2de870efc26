"""The script layer: builders, normalisation into `Turn`, reprs, splitting, and every build-time error."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
import releases
from pydantic import BaseModel
from pydantic_ai import Agent
from pydantic_ai.messages import ModelResponse, TextPart, ToolCallPart

from pytest_agentrun import (
    RequestInfo,
    ScriptedModel,
    Turn,
    output,
    raises,
    text,
    thinking,
    tool_call,
    tool_return,
    turn,
)
from pytest_agentrun._compat import HAS_FINISH_REASON, USAGE_FIELDS, RequestUsage
from pytest_agentrun._rules import Rule, ToolReturn, build_rules
from pytest_agentrun._script import (
    FINISH_REASONS,
    Output,
    Text,
    Thinking,
    ToolCall,
    args_json,
    describe_turn,
    split_args,
    split_words,
    to_turn,
)


def raises_exactly(exc_type: type[BaseException], message: str) -> Any:
    """`pytest.raises` matching the whole message, not a prefix or a substring."""
    return pytest.raises(exc_type, match=f'^{re.escape(message)}$')


NOT_A_PART = (
    'use a string, text(), tool_call(), output(), thinking(), native_tool_call(), native_tool_return(), '
    'file() or image()'
)
NOT_AN_ITEM = 'use a string, tool_call(), output(), thinking(), a list of those, turn(), an exception or a callable'


# --- builders ----------------------------------------------------------------------------------------


def test_text_plain() -> None:
    assert text('Hello world') == Text('Hello world')
    assert text('Hello world').chunks is None


def test_text_chunks_join_into_content() -> None:
    part = text(chunks=['The capital', ' is Paris.'])
    assert part == Text('The capital is Paris.', ('The capital', ' is Paris.'))


def test_text_chunks_and_matching_content() -> None:
    assert text('ab', chunks=('a', 'b')) == Text('ab', ('a', 'b'))


def test_text_empty_string_is_allowed() -> None:
    assert text('') == Text('')


def test_tool_call_keywords() -> None:
    assert tool_call('get_weather', city='Paris', days=2) == ToolCall('get_weather', {'city': 'Paris', 'days': 2})


def test_tool_call_mapping_for_non_identifier_names() -> None:
    args = {'from': 1, 'to-city': 'Rome'}
    call = tool_call('route', args)
    assert call == ToolCall('route', {'from': 1, 'to-city': 'Rome'})
    args['from'] = 99  # the call keeps its own copy
    assert call.args == {'from': 1, 'to-city': 'Rome'}


def test_tool_call_json_string_is_kept_as_is() -> None:
    assert tool_call('f', '{"city": ') == ToolCall('f', '{"city": ')


def test_tool_call_without_args_and_with_id() -> None:
    assert tool_call('ping') == ToolCall('ping', {}, None)
    assert tool_call('ping', tool_call_id='abc') == ToolCall('ping', {}, 'abc')
    assert tool_call('f', {'a': 1}, tool_call_id='x').tool_call_id == 'x'


def test_output_fields_value_and_tool_name() -> None:
    assert output(city='Paris', temperature=21) == Output({'city': 'Paris', 'temperature': 21})
    assert output(3) == Output(3)
    assert output(None) == Output(None)
    assert output({'a': 1}, tool_name='final_result_B') == Output({'a': 1}, 'final_result_B')


def test_output_keeps_model_instances() -> None:
    class City(BaseModel):
        name: str

    assert output(City(name='Paris')).value == City(name='Paris')


def test_thinking() -> None:
    assert thinking('Let me see.') == Thinking('Let me see.')
    assert thinking('Hmm', signature='sig-1') == Thinking('Hmm', 'sig-1')


def test_raises_builds_an_error_turn() -> None:
    error = ConnectionError('down')
    t = raises(error)
    assert t.error is error
    assert t.parts == ()
    assert repr(t) == "raises(ConnectionError('down'))"


def test_turn_builds_parts_and_options() -> None:
    t = turn('Hi', tool_call('f', a=1), usage={'input_tokens': 3}, finish_reason='stop', chunk_words=2)
    assert t == Turn(
        parts=(Text('Hi'), ToolCall('f', {'a': 1})),
        usage={'input_tokens': 3},
        finish_reason='stop',
        chunk_words=2,
    )


def test_turn_accepts_request_usage() -> None:
    usage = releases.usage(RequestUsage, input_tokens=5, output_tokens=1)
    assert turn('Hi', usage=usage).usage is usage


@pytest.mark.parametrize('reason', FINISH_REASONS)
def test_turn_accepts_every_finish_reason(reason: str) -> None:
    assert turn('x', finish_reason=reason).finish_reason == reason  # type: ignore[arg-type]


def test_finish_reasons() -> None:
    assert FINISH_REASONS == ('stop', 'length', 'content_filter', 'tool_call', 'error')


def test_tool_return_keys() -> None:
    assert tool_return('get_weather') == ToolReturn('get_weather')
    assert tool_return('get_weather', 'Sunny') == ToolReturn('get_weather', 'Sunny')
    assert repr(tool_return('get_weather')) == "tool_return('get_weather')"
    assert repr(tool_return('get_weather', 'Sunny')) == "tool_return('get_weather', 'Sunny')"


def test_tool_return_matching() -> None:
    assert tool_return('f').matches([('g', 1), ('f', 2)])
    assert not tool_return('f').matches([('g', 1)])
    assert tool_return('f', 2).matches([('f', 2)])
    assert not tool_return('f', 2).matches([('f', 3)])
    assert not tool_return('f').matches([])


# --- normalisation -----------------------------------------------------------------------------------


def _fn(info: RequestInfo) -> str:
    return 'x'


@pytest.mark.parametrize(
    ('item', 'expected'),
    [
        pytest.param('Hello', Turn(parts=(Text('Hello'),)), id='str'),
        pytest.param(text(chunks=['a', 'b']), Turn(parts=(Text('ab', ('a', 'b')),)), id='text'),
        pytest.param(tool_call('f', a=1), Turn(parts=(ToolCall('f', {'a': 1}),)), id='tool_call'),
        pytest.param(output(a=1), Turn(parts=(Output({'a': 1}),)), id='output'),
        pytest.param(thinking('hm'), Turn(parts=(Thinking('hm'),)), id='thinking'),
        pytest.param(['a', tool_call('f')], Turn(parts=(Text('a'), ToolCall('f', {}))), id='list'),
        pytest.param((thinking('t'), 'b'), Turn(parts=(Thinking('t'), Text('b'))), id='tuple'),
        pytest.param(_fn, Turn(function=_fn), id='callable'),
    ],
)
def test_to_turn(item: Any, expected: Turn) -> None:
    assert to_turn(item, 'script[0]') == expected


def test_to_turn_keeps_a_turn() -> None:
    t = turn('a', chunk_words=1)
    assert to_turn(t, 'script[0]') is t


def test_to_turn_exception_instance() -> None:
    error = KeyError('k')
    t = to_turn(error, 'script[0]')
    assert t.error is error
    assert t.parts == ()
    assert repr(t) == "KeyError('k')"


@pytest.mark.skipif(not releases.HAS_SHORT_REPRS, reason='parts print their part_kind before pydantic-ai 0.2.7')
def test_to_turn_model_response() -> None:
    response = ModelResponse(parts=[TextPart('as is')])
    t = to_turn(response, 'script[0]')
    assert t.response is response
    assert t.parts == ()
    assert repr(t) == "ModelResponse(parts=[TextPart(content='as is')])"


def test_to_turn_callable_source() -> None:
    def decide(info: RequestInfo) -> str:
        return 'x'

    assert repr(to_turn(decide, 'script[0]')) == '<function test_to_turn_callable_source.<locals>.decide>'
    assert repr(to_turn(lambda info: 'x', 'script[0]')) == '<function test_to_turn_callable_source.<locals>.<lambda>>'

    class Decider:
        def __call__(self, info: RequestInfo) -> str:
            return 'x'

    assert repr(to_turn(Decider(), 'script[0]')) == '<function Decider>'


@pytest.mark.skipif(not releases.HAS_THINKING, reason='thinking parts came in pydantic-ai 0.3.0')
def test_script_is_normalised_by_the_model() -> None:
    model = ScriptedModel(['a', tool_call('f'), raises(ValueError('v')), [thinking('t'), 'b']])
    assert model.turns == (
        Turn(parts=(Text('a'),)),
        Turn(parts=(ToolCall('f', {}),)),
        Turn(error=model.turns[2].error),
        Turn(parts=(Thinking('t'), Text('b'))),
    )
    assert model.used == 0
    assert model.unused_turns == model.turns


def test_rules_are_normalised() -> None:
    pattern = re.compile('weather')
    rules = build_rules({'Hi': 'Hello', pattern: tool_call('f'), tool_return('f'): 'Done'})
    assert rules == (
        Rule('Hi', Turn(parts=(Text('Hello'),))),
        Rule(pattern, Turn(parts=(ToolCall('f', {}),))),
        Rule(ToolReturn('f'), Turn(parts=(Text('Done'),))),
    )
    assert [repr(r) for r in rules] == [
        "'Hi': 'Hello'",
        "re.compile('weather'): tool_call('f')",
        "tool_return('f'): 'Done'",
    ]
    assert build_rules([('Hi', 'Hello')]) == rules[:1]
    assert build_rules(None) == ()


# --- reprs -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ('part', 'expected'),
    [
        pytest.param(text('Hi'), "'Hi'", id='text'),
        pytest.param(text(chunks=['a ', 'b']), "text(chunks=['a ', 'b'])", id='text-chunks'),
        pytest.param(tool_call('get_weather', city='Paris'), "tool_call('get_weather', city='Paris')", id='call'),
        pytest.param(tool_call('f'), "tool_call('f')", id='call-no-args'),
        pytest.param(tool_call('f', '{"a": '), """tool_call('f', '{"a": ')""", id='call-json'),
        pytest.param(tool_call('f', x='y' * 50), "tool_call('f', x='yyyyyyyyyyyyyyyyyyyyyyyyy...')", id='call-long'),
        pytest.param(output(city='Paris'), "output({'city': 'Paris'})", id='output'),
        pytest.param(output(1, tool_name='final_result_B'), "output(1, tool_name='final_result_B')", id='output-tool'),
        pytest.param(thinking('hm'), "thinking('hm')", id='thinking'),
        pytest.param(text('a' * 100), "'" + 'a' * 55 + "...'", id='text-long'),
    ],
)
def test_part_reprs(part: Any, expected: str) -> None:
    assert repr(part) == expected


def test_long_reprs_are_clipped_to_60_characters() -> None:
    assert len(repr(text('a' * 100))) == 60
    assert len(repr(text('a' * 58))) == 60  # repr with quotes is exactly 60: not clipped
    assert repr(text('a' * 58)) == repr('a' * 58)


@pytest.mark.parametrize(
    ('item', 'expected'),
    [
        pytest.param(turn('a'), "'a'", id='one-part'),
        pytest.param(turn('a', tool_call('f', a=1)), "['a', tool_call('f', a=1)]", id='parts'),
        pytest.param(turn('a', finish_reason='stop'), "turn('a', finish_reason='stop')", id='finish'),
        pytest.param(
            turn('a', tool_call('f'), usage={'input_tokens': 1}, finish_reason='stop', chunk_words=2),
            "turn('a', tool_call('f'), usage={'input_tokens': 1}, finish_reason='stop', chunk_words=2)",
            id='all-options',
        ),
        pytest.param(raises(ValueError('boom')), "raises(ValueError('boom'))", id='raises'),
        pytest.param(to_turn(ValueError('boom'), 'x'), "ValueError('boom')", id='exception'),
    ],
)
def test_describe_turn(item: Turn, expected: str) -> None:
    assert describe_turn(item) == expected
    assert repr(item) == expected


# --- splitting ---------------------------------------------------------------------------------------


def test_split_words_default_style() -> None:
    assert split_words('one two three four five six seven', 3) == ['one two three ', 'four five six ', 'seven']


def test_split_words_keeps_whitespace() -> None:
    assert split_words('  a  b\n c ', 1) == ['  a  ', 'b\n ', 'c ']
    assert split_words('   ', 2) == ['   ']
    assert split_words('', 3) == []
    assert split_words('single', 5) == ['single']


def test_split_args() -> None:
    assert split_args('{"a":1,"b":2}', 1) == ['{"a":', '1,', '"b":', '2}']
    assert split_args('{"a":1,"b":2}', 3) == ['{"a":1,"b":', '2}']
    assert split_args('{}', 3) == ['{}']
    assert split_args('', 3) == []


SAMPLES = [
    '',
    ' ',
    'word',
    'The capital of France is Paris.',
    '  leading and trailing  ',
    'tabs\tand\nnew\n\nlines',
    'unicode: café — 東京 🚀',
    '{"city":"Paris","days":[1,2,3],"nested":{"a":"x, y: z"}}',
    ',,::,',
    'a,b:c',
]


@pytest.mark.parametrize('size', [1, 2, 3, 7, 100])
@pytest.mark.parametrize('sample', SAMPLES)
def test_splitting_keeps_every_character(sample: str, size: int) -> None:
    words = split_words(sample, size)
    args = split_args(sample, size)
    assert ''.join(words) == sample
    assert ''.join(args) == sample
    assert all(words)  # no empty deltas
    assert all(args)


def test_args_json() -> None:
    assert args_json({'city': 'Paris', 'n': [1, 2]}) == '{"city":"Paris","n":[1,2]}'
    assert args_json('{"raw": ') == '{"raw": '
    assert args_json({}) == '{}'


# --- build-time errors of the builders ---------------------------------------------------------------


def test_text_errors() -> None:
    with raises_exactly(TypeError, 'text() takes a string, got 3'):
        text(3)  # type: ignore[arg-type]
    with raises_exactly(TypeError, 'text() takes a string, got None'):
        text()
    with raises_exactly(TypeError, 'text(chunks=...) takes a non-empty list of strings, got []'):
        text(chunks=[])
    with raises_exactly(TypeError, "text(chunks=...) takes a non-empty list of strings, got ['a', 1]"):
        text(chunks=['a', 1])  # type: ignore[list-item]
    with raises_exactly(ValueError, "text(): the chunks join to 'ab', not to the content 'x'; give one of them"):
        text('x', chunks=['a', 'b'])


def test_tool_call_errors() -> None:
    with raises_exactly(TypeError, "tool_call() needs the tool name as a non-empty string first, got ''"):
        tool_call('')
    with raises_exactly(TypeError, 'tool_call() needs the tool name as a non-empty string first, got 3'):
        tool_call(3)  # type: ignore[arg-type]
    with raises_exactly(TypeError, "tool_call('f'): give the arguments as one mapping or as keywords, not both"):
        tool_call('f', {'a': 1}, b=2)
    with raises_exactly(TypeError, "tool_call('f'): arguments must be a mapping or a JSON string, got [1]"):
        tool_call('f', [1])  # type: ignore[arg-type]


def test_output_errors() -> None:
    with raises_exactly(TypeError, 'output() needs a value or keyword fields, e.g. output(city="Paris")'):
        output()
    with raises_exactly(TypeError, 'output(): give the value or keyword fields, not both'):
        output({'a': 1}, b=2)


def test_thinking_errors() -> None:
    with raises_exactly(TypeError, 'thinking() takes a string, got None'):
        thinking(None)  # type: ignore[arg-type]


def test_raises_errors() -> None:
    with raises_exactly(TypeError, "raises() takes an exception instance, got 'boom'"):
        raises('boom')  # type: ignore[arg-type]
    with raises_exactly(TypeError, "raises() takes an exception instance, got <class 'ValueError'>"):
        raises(ValueError)  # type: ignore[arg-type]


def test_turn_errors() -> None:
    with raises_exactly(ValueError, 'turn() needs at least one part, e.g. turn("Hello", finish_reason="stop")'):
        turn()
    with raises_exactly(TypeError, f'turn() part 1 is 3, which is not a response part; {NOT_A_PART}'):
        turn('a', 3)  # type: ignore[arg-type]
    with raises_exactly(
        TypeError, f"turn() part 0 is raises(ValueError('x')), which is not a response part; {NOT_A_PART}"
    ):
        turn(raises(ValueError('x')))  # type: ignore[arg-type]
    with raises_exactly(
        ValueError,
        "turn(): finish_reason must be one of 'stop', 'length', 'content_filter', 'tool_call', 'error', got 'done'",
    ):
        turn('a', finish_reason='done')  # type: ignore[arg-type]
    with raises_exactly(ValueError, 'turn(): chunk_words must be a positive integer, got 0'):
        turn('a', chunk_words=0)
    with raises_exactly(ValueError, "turn(): chunk_words must be a positive integer, got '2'"):
        turn('a', chunk_words='2')  # type: ignore[arg-type]
    with raises_exactly(TypeError, 'turn(): usage must be a RequestUsage or a mapping of counters, got 5'):
        turn('a', usage=5)  # type: ignore[arg-type]


def test_tool_return_errors() -> None:
    with raises_exactly(TypeError, "tool_return() needs the tool name as a non-empty string, got ''"):
        tool_return('')
    with raises_exactly(TypeError, 'tool_return() needs the tool name as a non-empty string, got None'):
        tool_return(None)  # type: ignore[arg-type]


# --- build-time errors of ScriptedModel: each names the item ----------------------------------------

OK = ['first', tool_call('f')]  # two good items, so the bad one is script[2]
IN, OUT = ('input_tokens', 'output_tokens') if releases.HAS_IO_TOKENS else ('request_tokens', 'response_tokens')


@pytest.mark.parametrize(
    ('bad', 'exc_type', 'message'),
    [
        pytest.param(
            None, TypeError, 'script[2] is None; write the answer, e.g. a string for a text response', id='none'
        ),
        pytest.param(
            42, TypeError, f'script[2] is 42 of type int, which a script cannot hold; {NOT_AN_ITEM}', id='int'
        ),
        pytest.param(
            {'city': 'Paris'},
            TypeError,
            f"script[2] is {{'city': 'Paris'}} of type dict, which a script cannot hold; {NOT_AN_ITEM}",
            id='dict',
        ),
        pytest.param(
            b'bytes',
            TypeError,
            f"script[2] is b'bytes' of type bytes, which a script cannot hold; {NOT_AN_ITEM}",
            id='bytes',
        ),
        pytest.param(
            ValueError,
            TypeError,
            'script[2] is the exception class ValueError; script an instance, e.g. ValueError(...)',
            id='exception-class',
        ),
        pytest.param([], ValueError, 'script[2] is an empty list; a response needs at least one part', id='empty-list'),
        pytest.param(
            (), ValueError, 'script[2] is an empty list; a response needs at least one part', id='empty-tuple'
        ),
        pytest.param(
            ['ok', 3],
            TypeError,
            f'script[2], part 1 is 3, which is not a response part; {NOT_A_PART}',
            id='bad-part',
        ),
        pytest.param(
            ['ok', turn('nested')],
            TypeError,
            f"script[2], part 1 is 'nested', which is not a response part; {NOT_A_PART}",
            id='nested-turn',
        ),
        pytest.param(
            [ValueError('x')],
            TypeError,
            f"script[2], part 0 is ValueError('x'), which is not a response part; {NOT_A_PART}",
            id='exception-in-list',
        ),
        pytest.param(
            turn('a', usage={IN: -1}),
            ValueError,
            f"script[2]: usage counters must be non-negative integers, got {{'{IN}': -1}}",
            id='negative-usage',
        ),
        pytest.param(
            turn('a', usage={OUT: True}),
            ValueError,
            f"script[2]: usage counters must be non-negative integers, got {{'{OUT}': True}}",
            id='bool-usage',
        ),
        pytest.param(
            turn('a', usage={IN: 1.5}),  # type: ignore[dict-item]
            ValueError,
            f"script[2]: usage counters must be non-negative integers, got {{'{IN}': 1.5}}",
            id='float-usage',
        ),
    ],
)
def test_bad_script_item_names_its_index(bad: Any, exc_type: type[Exception], message: str) -> None:
    with raises_exactly(exc_type, message):
        ScriptedModel([*OK, bad])


def test_a_counter_of_a_later_release_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from pytest_agentrun import _compat

    monkeypatch.setattr(_compat, 'USAGE_FIELDS', frozenset({'requests', 'request_tokens', 'response_tokens'}))
    monkeypatch.setattr(_compat, 'VERSION', '0.7.2')
    with raises_exactly(
        ValueError,
        'script[2] sets usage counters the installed pydantic-ai does not have: input_tokens; known counters: '
        'request_tokens, requests, response_tokens (the installed pydantic-ai is 0.7.2: input_tokens came in 0.7.3)',
    ):
        ScriptedModel([*OK, turn('a', usage={'input_tokens': 3})])


def test_unknown_usage_counter_names_the_known_ones() -> None:
    known = ', '.join(sorted(USAGE_FIELDS))
    message = (
        f'script[2] sets usage counters the installed pydantic-ai does not have: bogus, tokens; known counters: {known}'
    )
    with pytest.raises(ValueError, match=re.escape(message)) as exc_info:
        ScriptedModel([*OK, turn('a', usage={'tokens': 1, 'bogus': 2, IN: 3})])
    assert str(exc_info.value) == message
    assert {IN, OUT} <= USAGE_FIELDS
    assert 'details' not in USAGE_FIELDS


@pytest.mark.skipif(not HAS_FINISH_REASON, reason='pydantic-ai without ModelResponse.finish_reason')
def test_finish_reason_is_accepted_where_supported() -> None:
    model = ScriptedModel([*OK, turn('a', finish_reason='length')])
    assert model.turns[2].finish_reason == 'length'


def test_finish_reason_fails_at_build_time_where_unsupported(monkeypatch: pytest.MonkeyPatch) -> None:
    from pytest_agentrun import _compat

    monkeypatch.setattr(_compat, 'HAS_FINISH_REASON', False)  # as in every 0.x release and 1.0
    message = (
        f'script[2] sets finish_reason, but the installed pydantic-ai ({_compat.VERSION}) has no '
        'ModelResponse.finish_reason: it came in 1.1; upgrade pydantic-ai or leave finish_reason out'
    )
    with raises_exactly(ValueError, message):
        ScriptedModel([*OK, turn('a', finish_reason='stop')])
    with raises_exactly(ValueError, message.replace('script[2]', 'rules[1]')):
        ScriptedModel(rules={'a': 'b', 'c': turn('d', finish_reason='stop')})
    with raises_exactly(ValueError, message.replace('script[2]', 'default')):
        ScriptedModel(default=turn('d', finish_reason='stop'))


def test_model_argument_errors() -> None:
    with raises_exactly(
        TypeError,
        "ScriptedModel takes a list of turns, got 'Hello'; for a single text answer write ScriptedModel(['...'])",
    ):
        ScriptedModel('Hello')  # type: ignore[arg-type]
    with raises_exactly(
        TypeError, "ScriptedModel takes a list of turns, got 3; for a single text answer write ScriptedModel(['...'])"
    ):
        ScriptedModel(3)  # type: ignore[arg-type]
    with raises_exactly(ValueError, 'ScriptedModel: chunk_words must be a positive integer, got 0'):
        ScriptedModel(['a'], chunk_words=0)
    with raises_exactly(TypeError, "ScriptedModel: model must be a model name such as 'openai:gpt-5.2', got ''"):
        ScriptedModel(['a'], model='')
    with raises_exactly(TypeError, "ScriptedModel: model must be a model name such as 'openai:gpt-5.2', got 5"):
        ScriptedModel(['a'], model=5)  # type: ignore[arg-type]


def test_a_mapping_or_a_set_is_not_a_script() -> None:
    # a dict iterates over its keys: without this check, the script would be the turn 'a'
    with raises_exactly(
        TypeError,
        "ScriptedModel takes a list of turns, got the dict {'a': 'b'}; "
        "to answer by prompt, pass it as rules={'a': 'b'}",
    ):
        ScriptedModel({'a': 'b'})  # type: ignore[arg-type]
    with raises_exactly(
        TypeError, "ScriptedModel takes a list of turns, got the set {'a'}; a script is in order: use a list"
    ):
        ScriptedModel({'a'})


class Ticket:
    def __repr__(self) -> str:
        return 'Ticket()'


def test_arguments_that_are_not_json_fail_at_build_time() -> None:
    with raises_exactly(
        TypeError,
        "script[2]: tool_call('book', ticket=Ticket()) passes ticket=Ticket(), which is not JSON-serialisable; "
        'a model sends JSON: use strings, numbers, booleans, None, lists and dicts '
        '(pydantic models, dataclasses and dates are sent as their JSON form)',
    ):
        ScriptedModel([*OK, tool_call('book', ticket=Ticket())])
    with raises_exactly(
        TypeError,
        "rules[0]: output({'ticket': Ticket()}) is not JSON-serialisable; "
        'a model sends JSON: use strings, numbers, booleans, None, lists and dicts '
        '(pydantic models, dataclasses and dates are sent as their JSON form)',
    ):
        ScriptedModel(rules={'Hi': ['Sure.', output(ticket=Ticket())]})


def test_arguments_are_sent_in_their_json_form(close_run_sync_loop: None) -> None:
    agent = Agent(ScriptedModel([tool_call('book', day=date(2026, 1, 2), seats={2}), 'Booked.']))
    seen: list[tuple[str, list[int]]] = []

    @agent.tool_plain
    def book(day: str, seats: list[int]) -> str:
        seen.append((day, seats))
        return 'ok'

    result = agent.run_sync('Book it')
    assert seen == [('2026-01-02', [2])]  # a date and a set arrive as JSON carries them: a string and a list
    call = result.all_messages()[1].parts[0]
    assert isinstance(call, ToolCallPart)
    assert call.args == {'day': '2026-01-02', 'seats': [2]}


def test_script_may_be_any_iterable() -> None:
    model = ScriptedModel(iter(['a', 'b']))
    assert [repr(t) for t in model.turns] == ["'a'", "'b'"]
    assert ScriptedModel().turns == ()


def test_rule_errors() -> None:
    with raises_exactly(TypeError, "rules must be a mapping or a list of (key, answer) pairs, got 'Hi'"):
        ScriptedModel(rules='Hi')  # type: ignore[arg-type]
    with raises_exactly(TypeError, 'rules must be a mapping or a list of (key, answer) pairs, got 3'):
        ScriptedModel(rules=3)  # type: ignore[arg-type]
    with raises_exactly(TypeError, "rules[1] is ('Hi',); each rule must be a (key, answer) pair"):
        ScriptedModel(rules=[('a', 'b'), ('Hi',)])  # type: ignore[list-item]
    with raises_exactly(TypeError, "rules[0] is ['Hi', 'Hello']; each rule must be a (key, answer) pair"):
        ScriptedModel(rules=[['Hi', 'Hello']])  # type: ignore[list-item]
    with raises_exactly(
        TypeError,
        'rules[1] has the key 3; a key is a prompt string, re.compile(...), tool_return(...), retry_prompt(...) or '
        'for_model(...)',
    ):
        ScriptedModel(rules={'a': 'b', 3: 'c'})
    with raises_exactly(TypeError, "rules[0] ('Hi') is None; write the answer, e.g. a string for a text response"):
        ScriptedModel(rules={'Hi': None})
    with raises_exactly(ValueError, "rules[0] (tool_return('f')) is an empty list; a response needs at least one part"):
        ScriptedModel(rules=[(tool_return('f'), [])])
    with raises_exactly(ValueError, f"rules[0]: usage counters must be non-negative integers, got {{'{IN}': -2}}"):
        ScriptedModel(rules={'Hi': turn('x', usage={IN: -2})})


def test_default_errors() -> None:
    with raises_exactly(
        TypeError, 'default is the exception class RuntimeError; script an instance, e.g. RuntimeError(...)'
    ):
        ScriptedModel(default=RuntimeError)
    with raises_exactly(TypeError, f'default is 1.5 of type float, which a script cannot hold; {NOT_AN_ITEM}'):
        ScriptedModel(default=1.5)  # type: ignore[arg-type]


def test_a_cut_repr_closes_the_string_it_cuts() -> None:
    from pytest_agentrun._script import short_repr

    class Ticket:
        def __repr__(self) -> str:
            return "Ticket(category='billing', summary='Customer was charged twice for one invoice')"

    assert short_repr(Ticket(), 48) == "Ticket(category='billing', summary='Customer'...)"
    assert short_repr('a' * 100, 12) == "'aaaaaaa...'"
    assert short_repr([1, 2, 3] * 30, 20) == '[1, 2, 3, 1, 2, ...]'
    assert short_repr(Ticket(), 200) == repr(Ticket())
