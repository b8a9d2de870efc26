"""The doc checker's parts, one at a time: finding blocks and outputs, comparing, laying out, writing back."""

from __future__ import annotations

import errno
import os
import random
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from pytest_agentrun._docs import compare as compare_module
from pytest_agentrun._docs.blocks import DocSourceError, docstring_blocks, markdown_blocks, parse_info, read_doc
from pytest_agentrun._docs.compare import Mismatch, Token, compare, tokenize
from pytest_agentrun._docs.expected import print_sites
from pytest_agentrun._docs.failure import DocCheckFailure
from pytest_agentrun._docs.layout import Printed, carry_placeholders, layout
from pytest_agentrun._docs.lines import doc_lines, split_lines
from pytest_agentrun._docs.update import Edit, apply_edits, edit_for

# --- blocks -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ('info', 'language', 'attrs'),
    [
        ('python', 'python', {}),
        ('py', 'py', {}),
        (
            'python {title="x.py" test="skip" requires="y.py"}',
            'python',
            {'title': 'x.py', 'test': 'skip', 'requires': 'y.py'},
        ),
        ('python title="x.py"', 'python', {'title': 'x.py'}),
        ("{.python title='x.py'}", 'python', {'title': 'x.py'}),
        ('python{test="skip"}', 'python', {'test': 'skip'}),
        ('bash', 'bash', {}),
    ],
)
def test_fence_info(info: str, language: str, attrs: dict[str, str]) -> None:
    assert parse_info(info) == (language, attrs)


def test_markdown_blocks_keep_their_lines_and_indentation(tmp_path: Path) -> None:
    text = '\n'.join(
        [
            '# Title',  # 1
            '```python',  # 2
            'print(1)',  # 3
            '#> 1',  # 4
            '```',  # 5
            '!!! note',  # 6
            '    ```py {title="helper.py"}',  # 7
            '    x = 1',  # 8
            '    ```',  # 9
            '```bash',  # 10
            'echo no',  # 11
            '```',  # 12
            '````python',  # 13
            '```',  # 14: not a close (shorter)
            '````',  # 15
        ]
    )
    blocks = markdown_blocks(tmp_path / 'a.md', text)
    assert [(b.first_line, b.source, b.indent, b.title) for b in blocks] == [
        (3, 'print(1)\n#> 1\n', '', None),
        (8, 'x = 1\n', '    ', 'helper.py'),
        (14, '```\n', '', None),
    ]


def test_unclosed_fence_is_a_problem_of_its_block(tmp_path: Path) -> None:
    (block,) = markdown_blocks(tmp_path / 'a.md', 'text\n```python\nx = 1\n')
    assert block.problem == 'the code fence ``` opened at line 2 is never closed'


def test_signature_blocks_are_not_examples(tmp_path: Path) -> None:
    text = (
        '```python\ndef usage() -> RunUsage\n```\n'
        '```python\ndef f(\n    x: int,\n) -> None\n```\n'
        '```python\nx = 1\n```\n'
        '```python\ndef g():\n    pass\n#> comment\n```\n'
    )
    assert [b.source for b in markdown_blocks(tmp_path / 'a.md', text)] == [
        'x = 1\n',
        'def g():\n    pass\n#> comment\n',
    ]


def test_docstring_blocks_map_to_the_file_lines(tmp_path: Path) -> None:
    source = '''\
"""Module.

```python
print('module')
#> module
```
"""


class Thing:
    def method(self):
        """Method.

        ```python
        print('method')
        ```
        """
'''
    blocks = docstring_blocks(tmp_path / 'm.py', source)
    assert [(b.qualname, b.first_line, b.source, b.indent, b.escaped) for b in blocks] == [
        ('', 4, "print('module')\n#> module\n", '', True),
        ('Thing.method', 15, "print('method')\n", '        ', True),
    ]


def test_not_utf8_names_the_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / 'bad.md'
    path.write_bytes(b'fine\nalso fine \xff here\n')
    with pytest.raises(DocSourceError) as exc:
        read_doc(path)
    assert str(exc.value) == f'{path}:2: not valid UTF-8 (byte 0xff at column 11); save the file as UTF-8'


# --- lines -----------------------------------------------------------------------------------------------


def test_lines_end_at_line_endings_only() -> None:
    text = 'a\r\nb\rc\nd\x0ce\u2028f\x85g\x0bh\x1ci\u2029j\n\r\n\rlast'
    assert split_lines(text) == [
        ('a', '\r\n'),
        ('b', '\r'),
        ('c', '\n'),
        ('d\x0ce\u2028f\x85g\x0bh\x1ci\u2029j', '\n'),  # str.splitlines() would split this one in seven
        ('', '\r\n'),
        ('', '\r'),
        ('last', ''),
    ]
    assert ''.join(line + ending for line, ending in split_lines(text)) == text
    assert doc_lines(text) == ['a', 'b', 'c', 'd\x0ce\u2028f\x85g\x0bh\x1ci\u2029j', '', '', 'last']
    assert (split_lines(''), split_lines('\n'), split_lines('x')) == ([], [('', '\n')], [('x', '')])


def test_markdown_blocks_count_lines_as_editors_do(tmp_path: Path) -> None:
    text = 'Form\x0cfeed, \u2028, \x85\r\nold Mac\rline\n```python\r\nprint(1)\r#> 1\n```\n'
    (block,) = markdown_blocks(tmp_path / 'a.md', text)
    assert (block.first_line, block.source) == (5, 'print(1)\n#> 1\n')


def test_a_byte_order_mark_is_not_part_of_the_first_line(tmp_path: Path) -> None:
    page = tmp_path / 'page.md'
    page.write_bytes(b'\xef\xbb\xbf```python\r\nprint(1)\r\n#> 1\r\n```\r\n')
    text, _ = read_doc(page)
    (block,) = markdown_blocks(page, text)
    assert (block.first_line, block.source) == (2, 'print(1)\n#> 1\n')
    module = tmp_path / 'm.py'
    module.write_bytes(b'\xef\xbb\xbf"""Doc.\r\n\r\n```python\r\nprint(2)\r\n```\r\n"""\r\n')
    text, _ = read_doc(module)
    (block,) = docstring_blocks(module, text)
    assert (block.first_line, block.source) == (4, 'print(2)\n')


def test_a_docstring_after_lines_splitlines_would_split_keeps_its_line(tmp_path: Path) -> None:
    source = (
        "X = '\u2028\x85\x0c'  # \u2028\r"  # lines 1 and 2: a lone CR ends line 1
        'def f():\r\n    r"""F.\r\n\r\n    ```python\r\n    print(3)\r\n    ```\r\n    """\r\n'
    )
    (block,) = docstring_blocks(tmp_path / 'm.py', source)
    assert (block.qualname, block.first_line, block.source, block.escaped) == ('f', 6, 'print(3)\n', False)


def test_not_utf8_counts_lines_at_crlf_and_lone_cr(tmp_path: Path) -> None:
    path = tmp_path / 'bad.md'
    path.write_bytes('one\r\ntwo\rthree \u2028\x85 caf\xe9 '.encode() + b'\xff\n')
    with pytest.raises(DocSourceError) as exc:
        read_doc(path)
    assert str(exc.value) == f'{path}:3: not valid UTF-8 (byte 0xff at column 15); save the file as UTF-8'


# --- expected output --------------------------------------------------------------------------------------


def test_print_sites_read_comment_lines_and_blocks() -> None:
    source = '''\
print('a')
#> a
for i in range(2):
    print(i)
    #> 0
    #> 1
print([1])
"""
[
    1,
]
"""
print('nothing written')
x = 1
print('formatted by ruff')
# > formatted by ruff
'''
    sites = print_sites(source)
    assert [(s.line, s.indent, s.expected and (s.expected.kind, s.expected.lines)) for s in sites] == [
        (1, '', ('comment', ('a',))),
        (4, '    ', ('comment', ('0', '1'))),
        (7, '', ('block', ('[', '    1,', ']'))),
        (13, '', None),
        (15, '', ('comment', ('formatted by ruff',))),
    ]
    block = sites[2].expected
    assert block is not None
    assert (block.first_line, block.last_line, block.quote, block.positions[0]) == (8, 12, '"""', (9, 0))


# --- comparing --------------------------------------------------------------------------------------------


def matches(expected: str, actual: str) -> bool:
    return compare(tokenize(expected.splitlines()), tokenize(actual.splitlines())) is None


@pytest.mark.parametrize(
    ('expected', 'actual'),
    [
        ('The capital of France is Paris.', 'The capital of France is Paris.'),
        ("[\n    A(x=1),\n    B(y='z'),\n]", "[A(x=1), B(y='z')]"),  # layout and trailing comma
        ('f(a="q")', "f(a='q')"),  # quotes
        ('f(t=datetime.datetime(...))', 'f(t=datetime.datetime(2025, 1, 2, tzinfo=TzInfo(UTC)))'),
        ("f(run_id='...')", "f(run_id='0a1b-2c')"),
        ('[...]', '[1, (2, 3), {4: 5}]'),
        ('f(a=1, ...)', 'f(a=1, b=2, c=g(3))'),
        ('f(...)', 'f()'),
    ],
)
def test_structural_matches(expected: str, actual: str) -> None:
    assert matches(expected, actual)


@pytest.mark.parametrize(
    ('expected', 'actual', 'at'),
    [
        ('The capital is Paris.', 'The capital is Lyon.', (3, 3)),
        ('f(a=1)', 'f(a=1, b=2)', (5, 5)),  # a field the doc lacks
        ("f(run_id='...')", 'f(run_id=None)', (4, 4)),  # '...' stands for a string only
        ('f(...)', 'f(x))', (4, 4)),  # ... cannot swallow a closing bracket
        ('[1, 2]', '[1]', (2, 2)),
        ('[1]', '[1] and more', (3, 3)),
    ],
)
def test_structural_mismatches_point_at_the_first_difference(expected: str, actual: str, at: tuple[int, int]) -> None:
    mismatch = compare(tokenize(expected.splitlines()), tokenize(actual.splitlines()))
    assert mismatch is not None
    assert (mismatch.expected_index, mismatch.actual_index) == at


def reference_compare(expected: Sequence[Token], actual: Sequence[Token]) -> Mismatch | None:
    """The matching rules spelled out plainly (and slowly): what `compare` must agree with."""

    def same(e: Token, a: Token) -> bool:
        return a.kind == 'str' if e.is_string_placeholder else (e.kind, e.value) == (a.kind, a.value)

    def after_ellipsis(start: int) -> set[int]:
        reachable, depth = {start}, 0
        for index in range(start, len(actual)):
            text = actual[index].text if actual[index].kind == 'op' else ''
            depth += (text in '([{') - (text in ')]}') if text else 0
            if depth < 0:
                break
            if depth == 0:
                reachable.add(index + 1)
        return reachable

    positions = {0}
    for i, token in enumerate(expected):
        if token.kind == 'ellipsis':
            following = set[int]().union(*(after_ellipsis(j) for j in positions))
        else:
            following = {j + 1 for j in positions if j < len(actual) and same(token, actual[j])}
        if not following:
            return Mismatch(i, max(positions))
        positions = following
    return None if len(actual) in positions else Mismatch(len(expected), max(positions))


ACTUAL_PIECES = ['[', ']', '(', ')', '{', '}', ',', 'a', 'b', '1', "'s'", "'t'", '...']
EXPECTED_PIECES = [*ACTUAL_PIECES, '...', '...', "'...'"]


@pytest.mark.parametrize(
    ('few', 'levels_by_bits'),
    [(32, 64), (0, 64), (0, 1), (0, 0), (32, 0)],
    ids=['as compare runs', 'bits', 'bits and items', 'items', 'lists and items'],
)
def test_compare_agrees_with_the_plain_rules_on_random_outputs(
    few: int, levels_by_bits: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Up to `_FEW` positions are a list, more are bits; `...` moves the positions of the `_MAX_LEVELS` most
    # populated bracket depths by bit operations, those of others item by item: every way is checked.
    monkeypatch.setattr(compare_module, '_FEW', few)
    monkeypatch.setattr(compare_module, '_MAX_LEVELS', levels_by_bits)
    chooser = random.Random(20260101)
    for _ in range(4000):
        actual = tokenize([' '.join(chooser.choices(ACTUAL_PIECES, k=chooser.randint(0, 14)))])
        if chooser.random() < 0.5:  # a pattern made from the output, so that many of them match
            pieces = [t.text if chooser.random() < 0.7 else chooser.choice(EXPECTED_PIECES) for t in actual]
        else:
            pieces = chooser.choices(EXPECTED_PIECES, k=chooser.randint(0, 10))
        expected = tokenize([' '.join(pieces)])
        assert compare(expected, actual) == reference_compare(expected, actual), (pieces, [t.text for t in actual])


# Patterns against the list `[0, 1, ..., n - 1]`: its tokens are `[` at 0, the number k at 2k + 1, a comma at
# 2k + 2 and `]` at 2n. Where a pattern does not match, the mismatch is (the doc's token, the farthest output
# token reached), as a function of n.
LIST_PATTERNS: list[tuple[str, Callable[[int], tuple[int, int]] | None]] = [
    ('[..., ...]', None),
    ('[...]', None),
    ('...', None),
    ('[0, ..., {last}]', None),
    ('[..., {half}, ...]', None),
    ('[..., {half}, ..., {last}]', None),
    ('[' + ', '.join(['...'] * 20) + ']', None),
    ('[..., ..., ..., {before_last}, ...]', None),
    ('[..., x]', lambda n: (3, 2 * n - 1)),  # the farthest the doc's output got: the last number
    ('[..., {n}]', lambda n: (3, 2 * n - 1)),
    ('[..., {half}, x, ...]', lambda n: (5, 2 * (n // 2) + 3)),  # right after the half-way number
    ('[0, 1, x, ...]', lambda n: (5, 5)),
    ('[...] extra', lambda n: (3, 2 * n + 1)),  # the output ended first
    ('[..., ...] [', lambda n: (5, 2 * n + 1)),
    ('[..., (...), ...]', lambda n: (3, 2 * n - 1)),  # no tuple in the output
    ("[..., '...']", lambda n: (3, 2 * n - 1)),  # no string either
]


def list_pattern(pattern: str, n: int) -> list[Token]:
    return tokenize([pattern.format(n=n, half=n // 2, last=n - 1, before_last=n - 2)])


@pytest.mark.parametrize(('pattern', 'at'), LIST_PATTERNS)
def test_ellipsis_heavy_patterns_against_a_long_output(
    pattern: str, at: Callable[[int], tuple[int, int]] | None
) -> None:
    small = tokenize([repr(list(range(30)))])
    assert compare(list_pattern(pattern, 30), small) == reference_compare(list_pattern(pattern, 30), small)
    n = 5000  # 10,001 tokens
    mismatch = compare(list_pattern(pattern, n), tokenize([repr(list(range(n)))]))
    assert ((mismatch.expected_index, mismatch.actual_index) if mismatch else None) == (at(n) if at else None)


@pytest.mark.parametrize(
    ('pattern', 'output', 'at'),
    [
        ('[...]', '[' * 3000 + ']' * 3000, None),
        ('[[...]]', '[' * 3000 + ']' * 3000, None),
        ('...', '[' * 3000 + ']' * 3000, None),
        ('[[...], ...]', '[' * 3000 + ']' * 3000, (4, 5999)),  # `...` jumps the inner lists; no comma follows
        ('f(...)', 'f(' * 2000 + 'x' + ')' * 2000, None),
        ('f(...', 'f(' * 2000 + 'x', (3, 3)),  # `...` cannot take in a bracket that never closes
        ('f(...)...', 'f(x))', (5, 4)),  # nor a closing bracket it did not open
        ("{...: '...', ...}", '{' + ', '.join(f'{i}: {str(i)!r}' for i in range(2500)) + '}', None),
    ],
    ids=['deep', 'deep, two levels', 'deep, all', 'deep, mismatch', 'calls', 'unclosed', 'closed too often', 'dict'],
)
def test_nested_and_unbalanced_outputs(pattern: str, output: str, at: tuple[int, int] | None) -> None:
    mismatch = compare(tokenize([pattern]), tokenize([output]))
    assert ((mismatch.expected_index, mismatch.actual_index) if mismatch else None) == at


def test_tokens_know_their_line_and_column() -> None:
    tokens = tokenize(['[', "    A(x='y'),", ']'])
    assert [(t.text, t.line, t.column) for t in tokens] == [
        ('[', 0, 0),
        ('A', 1, 4),
        ('(', 1, 5),
        ('x', 1, 6),
        ('=', 1, 7),
        ("'y'", 1, 8),
        (')', 1, 11),
        (']', 2, 0),
    ]


# --- layout -----------------------------------------------------------------------------------------------


def test_placeholders_are_carried_by_path_keyword_and_kind() -> None:
    old = ["[A(t=datetime.datetime(...), run_id='...', n=...)]"]
    new = "[A(t=datetime.datetime(2025, 1, 1), run_id='abc', n=3), B(run_id='def', at=datetime.datetime(2024, 5, 5))]"
    assert carry_placeholders(new, old) == (
        "[A(t=datetime.datetime(...), run_id='...', n=...), B(run_id='...', at=datetime.datetime(...))]"
    )


def test_volatile_values_get_placeholders_unless_the_doc_shows_them() -> None:
    text = "A(t=datetime.datetime(2025, 1, 1), run_id='abc', conversation_id='def', tool_call_id='call_1')"
    assert carry_placeholders(text, []) == (
        "A(t=datetime.datetime(...), run_id='...', conversation_id='...', tool_call_id='call_1')"
    )
    shown = ["A(t=datetime.datetime(2025, 1, 1), run_id='abc')"]
    assert carry_placeholders(text, shown) == (
        "A(t=datetime.datetime(2025, 1, 1), run_id='abc', conversation_id='...', tool_call_id='call_1')"
    )


def test_layout_formats_reprs_and_leaves_text_alone() -> None:
    printed = [
        Printed("[UserPromptNode(user_prompt='What is the capital of France?', system_prompts=())]", True),
        Printed('plain  text: not code', False),
    ]
    assert layout(printed, None, 40) == [
        [
            '[',
            '    UserPromptNode(',
            "        user_prompt='What is the capital of France?',",
            '        system_prompts=(),',
            '    )',
            ']',
        ],
        ['plain  text: not code'],
    ]


# --- writing back -----------------------------------------------------------------------------------------


def test_edits_are_written_once_atomically_and_keep_line_endings(tmp_path: Path) -> None:
    path = tmp_path / 'page.md'
    path.write_bytes(b'a\r\nold 1\r\nb\r\nold 2\r\n')
    os.chmod(path, 0o640)
    _, digest = read_doc(path)
    edits = [
        Edit(str(path), digest, 2, 2, ('old 1',), ('new 1', 'new 1b'), 'line 1'),
        Edit(str(path), digest, 4, 4, ('old 2',), ('new 2',), 'line 3'),
        Edit(str(path), digest, 5, 4, (), ('appended',), 'line 3'),
    ]
    outcome = apply_edits(edits, tmp_path)
    assert outcome.rewritten == {str(path): ['line 1', 'line 3']}
    assert path.read_bytes() == b'a\r\nnew 1\r\nnew 1b\r\nb\r\nnew 2\r\nappended\r\n'
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ['page.md']  # no temporary file left


def test_a_file_changed_meanwhile_or_outside_the_rootdir_is_not_written(tmp_path: Path) -> None:
    inside = tmp_path / 'root' / 'page.md'
    inside.parent.mkdir()
    inside.write_text('x\n')
    outside = tmp_path / 'lib.py'
    outside.write_text('y\n')
    _, digest_in = read_doc(inside)
    _, digest_out = read_doc(outside)
    inside.write_text('x changed\n')
    outcome = apply_edits(
        [
            Edit(str(inside), digest_in, 1, 1, ('x',), ('z',), 'line 1'),
            Edit(str(outside), digest_out, 1, 1, ('y',), ('z',), 'line 1'),
        ],
        tmp_path / 'root',
    )
    assert outcome.rewritten == {}
    assert outcome.refused == {
        str(inside): 'changed on disk since its examples were collected; run again to update it',
        str(outside): f"outside the rootdir ({tmp_path / 'root'}): only the project's files are rewritten",
    }
    assert inside.read_text() == 'x changed\n'
    assert outside.read_text() == 'y\n'


@pytest.mark.parametrize(
    ('before', 'edit', 'after'),
    [
        pytest.param(b'a\r\nold\r\nz', (2, 2, ('old',), ('n1', 'n2')), b'a\r\nn1\r\nn2\r\nz', id='replace'),
        pytest.param(b'a\nold\r\nz\r', (2, 2, ('old',), ('n1', 'n2')), b'a\nn1\r\nn2\r\nz\r', id='the ending replaced'),
        pytest.param(b'a\r\no1\no2\r', (2, 3, ('o1', 'o2'), ('n1', 'n2', 'n3')), b'a\r\nn1\nn2\nn3\r', id='mixed'),
        pytest.param(b'a\nold', (2, 2, ('old',), ('n1', 'n2')), b'a\nn1\nn2', id='last line, no final newline'),
        pytest.param(b'a\r\nb', (3, 2, (), ('n1', 'n2')), b'a\r\nb\r\nn1\r\nn2', id='appended, no final newline'),
        pytest.param(b'a\rb\r\nc\n', (2, 1, (), ('n',)), b'a\rn\rb\r\nc\n', id='inserted: the line above'),
        pytest.param(b'a\r\nold', (2, 2, ('old',), ()), b'a', id='last line removed'),
        pytest.param(b'\xef\xbb\xbfold\r\n', (1, 1, ('old',), ('new',)), b'\xef\xbb\xbfnew\r\n', id='BOM'),
        pytest.param(
            '\x0c\u2028\x85\rold\x85\r\n'.encode(),
            (2, 2, ('old\x85',), ('n\u2028',)),
            '\x0c\u2028\x85\rn\u2028\r\n'.encode(),
            id='characters splitlines splits at',
        ),
    ],
)
def test_a_rewrite_changes_only_the_lines_it_replaces(
    tmp_path: Path, before: bytes, edit: tuple[int, int, tuple[str, ...], tuple[str, ...]], after: bytes
) -> None:
    path = tmp_path / 'page.md'
    path.write_bytes(before)
    _, digest = read_doc(path)
    outcome = apply_edits([Edit(str(path), digest, *edit, 'line 1')], tmp_path)
    assert (outcome.refused, path.read_bytes()) == ({}, after)


def test_output_with_a_carriage_return_is_not_written(tmp_path: Path) -> None:
    text = "```python\nprint('a\\rb')\n#> a b\n```\n"
    (block,) = markdown_blocks(tmp_path / 'page.md', text)
    (site,) = print_sites(block.source)
    with pytest.raises(DocCheckFailure) as exc:
        edit_for(block, site, [['a\rb']], doc_lines(text), 'page.md')
    assert str(exc.value) == (
        'page.md:2: cannot write this output into the doc: it contains a carriage return (\\r), which ends a line '
        'in a doc (and in Python source). Print its repr() instead, or update the doc by hand.'
    )


def test_edit_survives_the_trip_through_a_report() -> None:
    edit = Edit('p.md', 'd', 3, 4, ('a', 'b'), ('c',), 'line 2')
    assert Edit.from_dict(edit.to_dict()) == edit


def test_a_write_that_fails_midway_leaves_the_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / 'page.md'
    path.write_text('a\nold\n')
    _, digest = read_doc(path)

    def full_disk(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, 'No space left on device')

    monkeypatch.setattr(os, 'write', full_disk)
    outcome = apply_edits([Edit(str(path), digest, 2, 2, ('old',), ('new',), 'line 1')], tmp_path)
    assert outcome.refused == {
        str(path): 'could not write it (No space left on device); the file is unchanged: '
        'free some disk space and run again'
    }
    assert path.read_text() == 'a\nold\n'
    assert [p.name for p in tmp_path.iterdir()] == ['page.md']
