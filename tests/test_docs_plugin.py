"""Doc-example checking as users run it: `pytest --agentrun-docs`, failures, `--agentrun-update-docs`, bad input."""

from __future__ import annotations

import os
import re
import textwrap
import time
from pathlib import Path
from xml.etree import ElementTree

import pydantic_ai  # noqa: F401  # pyright: ignore[reportUnusedImport]
import pytest
import releases

# Imported before any in-process pytester run (see test_guard.py for why): the examples' scripted models import
# pydantic-ai, which a second run would import again, half-dropped, when this file runs on its own.
import pytest_agentrun._model  # noqa: F401  # pyright: ignore[reportUnusedImport]
from pytest_agentrun import RealRequestBlockedError  # noqa: F401  # pyright: ignore[reportUnusedImport]
from pytest_agentrun._files import STALE_AFTER_SECONDS

RULES_CONFTEST = """
import pytest


@pytest.fixture
def agentrun_doc_rules():
    return {
        'Which river runs through Rome?': 'The Tiber runs through Rome.',
        'Name two rivers.': 'The Seine and the Loire.',
    }
"""

RIVER_PAGE = '''\
# Asking about rivers

Each node of the run, by name:

```python
from pydantic_ai import Agent

agent = Agent('openai:gpt-5.2')


async def main():
    async with agent.iter('Which river runs through Rome?') as agent_run:
        async for node in agent_run:
            print(type(node).__name__)
            #> UserPromptNode
            #> ModelRequestNode
            #> CallToolsNode
            #> End
    print(agent_run.result.output)
    #> The Tiber runs through Rome.
```

A synchronous run prints its parts:

```py {title="sync.py"}
from pydantic_ai import Agent

agent = Agent('anthropic:claude-sonnet-4-5')
result = agent.run_sync('Name two rivers.')
print(result.all_messages()[-1].parts)
"""
[
    TextPart(
        content="The Seine and the Loire.",
    ),
]
"""
print('model:', result.all_messages()[-1].model_name)
#> model: claude-sonnet-4-5
```
'''

NODES_PAGE = '''\
# Driving a run by hand

```python
from pydantic_ai import Agent
from pydantic_graph import End

agent = Agent('openai:gpt-5.2')


async def main():
    async with agent.iter('Which river runs through Rome?') as agent_run:
        node = agent_run.next_node
        nodes = [node]
        while not isinstance(node, End):
            node = await agent_run.next(node)
            nodes.append(node)
        print(nodes)
        """
        """
        print(agent_run.result.output)
        #> The Tiber runs through Rome.
```
'''


def exact(*lines: str) -> list[str]:
    """fnmatch patterns matching these lines exactly."""
    return [re.sub(r'([\[\]*?])', r'[\1]', line) for line in lines]


@pytest.fixture
def docs(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(RULES_CONFTEST)
    return pytester


def write(pytester: pytest.Pytester, name: str, text: str) -> Path:
    """Write a file exactly (pytester.makefile strips the final newline)."""
    path = pytester.path / name
    path.write_text(text)
    return path


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest('-p', 'no:cacheprovider', *args)


# --- collecting and passing --------------------------------------------------------------------------------


def test_examples_pass_and_are_items_named_by_file_and_line(docs: pytest.Pytester) -> None:
    write(docs, 'rivers.md', RIVER_PAGE)
    result = run(docs, '--agentrun-docs', '-v')
    result.stdout.fnmatch_lines(['rivers.md::line_5 PASSED*', 'rivers.md::line_25 PASSED*'])
    result.assert_outcomes(passed=2)


def test_without_the_flag_markdown_is_not_collected(docs: pytest.Pytester) -> None:
    write(docs, 'rivers.md', RIVER_PAGE)
    run(docs).assert_outcomes()


def test_the_ini_key_turns_it_on(docs: pytest.Pytester) -> None:
    write(docs, 'rivers.md', RIVER_PAGE)
    docs.makeini('[pytest]\nagentrun_docs = true\n')
    run(docs).assert_outcomes(passed=2)


def test_skip_attribute_and_other_languages(docs: pytest.Pytester) -> None:
    write(
        docs,
        'page.md',
        '```python {test="skip"}\nraise SystemExit\n```\n\n```bash\nexit 1\n```\n\n```pycon\n>>> 1\n```\n',
    )
    result = run(docs, '--agentrun-docs', '-rs')
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(['SKIPPED [[]1[]] page.md*: test="skip" on the code fence'])


def test_requires_makes_another_block_importable(docs: pytest.Pytester) -> None:
    write(
        docs,
        'page.md',
        textwrap.dedent(
            """\
            ```python {title="rivers_db.py"}
            RIVERS = {'Rome': 'Tiber'}
            ```

            ```python {requires="rivers_db.py"}
            from rivers_db import RIVERS

            print(RIVERS['Rome'])
            #> Tiber
            ```
            """
        ),
    )
    run(docs, '--agentrun-docs').assert_outcomes(passed=2)


def test_call_attribute_and_a_main_the_example_calls_itself(docs: pytest.Pytester) -> None:
    write(
        docs,
        'page.md',
        textwrap.dedent(
            """\
            ```python {call="demo"}
            def demo():
                print('demo ran')
                #> demo ran
            ```

            ```python
            import asyncio


            async def main():
                print('once')
                #> once


            asyncio.run(main())
            ```
            """
        ),
    )
    run(docs, '--agentrun-docs').assert_outcomes(passed=2)


def test_a_model_from_infer_model_is_answered_too(docs: pytest.Pytester) -> None:
    write(
        docs,
        'page.md',
        textwrap.dedent(
            """\
            ```python
            from pydantic_ai import Agent
            from pydantic_ai.models import infer_model

            model = infer_model('mistral:mistral-large-latest')
            print(model.system, model.model_name)
            #> mistral mistral-large-latest
            print(Agent(model).run_sync('Name two rivers.').output)
            #> The Seine and the Loire.
            ```
            """
        ),
    )
    run(docs, '--agentrun-docs').assert_outcomes(passed=1)


def test_rules_file_from_the_ini(pytester: pytest.Pytester) -> None:
    pytester.makeini('[pytest]\nagentrun_doc_rules_file = docs_rules.json\n')
    pytester.makefile('.json', docs_rules='{"Which river runs through Rome?": "The Tiber runs through Rome."}')
    write(pytester, 'rivers.md', RIVER_PAGE.split('A synchronous run')[0])
    run(pytester, '--agentrun-docs').assert_outcomes(passed=1)


# --- failures ----------------------------------------------------------------------------------------------


def test_drift_fails_with_a_diff_on_the_docs_own_lines(docs: pytest.Pytester) -> None:
    write(docs, 'rivers.md', RIVER_PAGE.replace('#> The Tiber runs', '#> The Po runs'))
    result = run(docs, '--agentrun-docs')
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        exact(
            'rivers.md:19: printed output differs from the doc',
            "  first difference at rivers.md:20:12: the doc has 'Po', the output has 'Tiber'",
            "  diff (- the doc at rivers.md, + printed; numbers are the doc's lines):",
            '  - 20  The Po runs through Rome.',
            '  +     The Tiber runs through Rome.',
            "Run pytest with --agentrun-update-docs to rewrite the doc's output with what was printed.",
        ),
        consecutive=True,
    )
    result.stdout.fnmatch_lines(['FAILED rivers.md::line_5 - rivers.md:19: printed output differs from the doc'])


def test_a_drift_is_one_line_in_the_summary_with_tb_line_and_in_junitxml(
    docs: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(docs, 'rivers.md', RIVER_PAGE.replace('#> The Tiber runs', '#> The Po runs'))
    monkeypatch.setenv('CI', 'true')  # on CI pytest prints each summary message whole, not cut to the terminal
    result = run(docs, '--agentrun-docs', '--junitxml=report.xml')
    summary = result.stdout.lines.index('FAILED rivers.md::line_5 - rivers.md:19: printed output differs from the doc')
    assert result.stdout.lines[summary + 1].startswith('=====')  # the diff is in the failure, not again here
    failure = ElementTree.parse(docs.path / 'report.xml').find('.//failure')
    assert failure is not None
    assert failure.get('message') == 'rivers.md:19: printed output differs from the doc'
    assert "first difference at rivers.md:20:12: the doc has 'Po', the output has 'Tiber'" in (failure.text or '')
    result = run(docs, '--agentrun-docs', '--tb=line')
    result.stdout.fnmatch_lines(exact('rivers.md:19: printed output differs from the doc'))


def test_a_print_with_nothing_written_under_it_and_output_that_never_printed(docs: pytest.Pytester) -> None:
    write(
        docs,
        'page.md',
        "```python\nprint('hello')\nif False:\n    print('never')\n    #> never\n```\n",
    )
    result = run(docs, '--agentrun-docs')
    result.stdout.fnmatch_lines(
        exact(
            'page.md:2: print(...) printed output the doc does not show',
            "  diff (- the doc at page.md, + printed; numbers are the doc's lines):",
            '  +    hello',
        ),
        consecutive=True,
    )
    result.stdout.fnmatch_lines(
        exact(
            'page.md:4: the doc shows output under this print(...), but it never printed',
            "  diff (- the doc at page.md, + printed; numbers are the doc's lines):",
            '  - 5  never',
        ),
        consecutive=True,
    )


def test_a_prompt_no_rule_answers(docs: pytest.Pytester) -> None:
    write(
        docs,
        'page.md',
        '```python\nfrom pydantic_ai import Agent\n\n'
        "print(Agent('openai:gpt-5.2').run_sync('Where is Lyon?').output)\n```\n",
    )
    result = run(docs, '--agentrun-docs')
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        exact(
            "page.md:4: ScriptedModel('openai:gpt-5.2') received request 1, but no scripted turn or rule answers it.",
            "Latest message: request [user-prompt 'Where is Lyon?']",
            'Rules (2, none matched):',
            "  'Which river runs through Rome?': 'The Tiber runs through Rome.'",
            "  'Name two rivers.': 'The Seine and the Loire.'",
            'Add a rule answering this prompt to the agentrun_doc_rules fixture in conftest.py '
            '(or to the file named by the agentrun_doc_rules_file ini key).',
        ),
        consecutive=True,
    )


def test_an_error_raised_by_the_example_points_at_the_doc(docs: pytest.Pytester) -> None:
    write(docs, 'page.md', 'Intro.\n\n```python\nx = 1\nraise ValueError(f"bad {x}")\n```\n')
    result = run(docs, '--agentrun-docs')
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        exact(
            '    x = 1',
            '>   raise ValueError(f"bad {x}")',
            'E   ValueError: bad 1',
            '',
            'page.md:5: ValueError',
        ),
        consecutive=True,
    )


# --- bad input ---------------------------------------------------------------------------------------------

BAD_PAGES = {
    'parse': (
        "```python\nprint('ok')\nprint('missing paren'\n```\n",
        [
            "page.md:3: the example does not parse: '(' was never closed",
            "    print('missing paren'",
            '         ^',
            'Fix the code, or mark the fence test="skip" if it is not meant to run. Nothing was run or rewritten.',
        ],
    ),
    'requires': (
        '```python {title="a.py"}\nx = 1\n```\n\n```python {requires="b.py"}\nprint(1)\n```\n',
        [
            'page.md:5: requires="b.py" names no block of this file; blocks with a title: a.py. '
            'Fix the name or add title="b.py" to the block it means.'
        ],
    ),
    'unterminated output': (
        "```python\nprint('a\\nb')\n'''\na\nb\n```\n",
        [
            "page.md:3: unterminated output block: the ''' opened here is never closed; "
            "close it with ''' on its own line after the expected output. Nothing was run or rewritten."
        ],
    ),
    'unclosed fence': (
        "Text\n\n```python\nprint('a')\n",
        ['page.md:3: the code fence ``` opened at line 3 is never closed. Nothing was run or rewritten.'],
    ),
}


@pytest.mark.parametrize('case', list(BAD_PAGES))
def test_bad_examples_fail_with_file_and_line_and_are_never_rewritten(docs: pytest.Pytester, case: str) -> None:
    text, lines = BAD_PAGES[case]
    page = write(docs, 'page.md', text)
    before = page.read_bytes()
    result = run(docs, '--agentrun-docs', '--agentrun-update-docs')
    assert result.parseoutcomes()['failed'] == 1
    result.stdout.fnmatch_lines(exact(*lines), consecutive=True)
    assert page.read_bytes() == before


def test_a_doc_that_is_not_utf8(docs: pytest.Pytester) -> None:
    page = docs.path / 'latin1.md'
    page.write_bytes('# Caf\xe9\n\n```python\nprint(1)\n```\n'.encode('latin-1'))
    result = run(docs, '--agentrun-docs', '--agentrun-update-docs')
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        ['*latin1.md:1: not valid UTF-8 (byte 0xe9 at column 6); save the file as UTF-8', '*1 error*']
    )


def test_update_flag_without_docs_is_a_usage_error(docs: pytest.Pytester) -> None:
    result = run(docs, '--agentrun-update-docs')
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            'ERROR: --agentrun-update-docs rewrites the output written in doc examples, but no doc examples are '
            'collected: add --agentrun-docs (Markdown), --agentrun-docstrings (.py docstrings) or '
            '--agentrun-docs-module NAME.'
        ]
    )


# --- updating ----------------------------------------------------------------------------------------------


def _generated_nodes_page(docs: pytest.Pytester) -> Path:
    """The nodes page with its output written by the updater (so it matches whatever release is installed)."""
    page = write(docs, 'nodes.md', NODES_PAGE)
    result = run(docs, '--agentrun-docs', '--agentrun-update-docs')
    result.assert_outcomes(passed=1)
    return page


def test_update_writes_the_output_with_placeholders_and_then_passes(docs: pytest.Pytester) -> None:
    page = write(docs, 'nodes.md', NODES_PAGE)
    result = run(docs, '--agentrun-docs')
    result.assert_outcomes(failed=1)
    assert page.read_text() == NODES_PAGE  # nothing written without the flag

    run(docs, '--agentrun-docs', '--agentrun-update-docs').assert_outcomes(passed=1)
    written = page.read_text()
    assert "            UserPromptNode(\n                user_prompt='Which river runs through Rome?'," in written
    assert "            End(data=FinalResult(output='The Tiber runs through Rome.')),\n" in written
    # values that change on every run are written as placeholders, so the page passes again
    assert re.search(r'datetime\.datetime\((?!\.\.\.\))', written) is None
    assert re.search(r"(run_id|conversation_id)='(?!\.\.\.')", written) is None
    run(docs, '--agentrun-docs').assert_outcomes(passed=1)

    # a later update keeps placeholders the doc writer chose, e.g. for the response's parts
    chosen = written.replace("parts=[TextPart(content='The Tiber runs through Rome.')]", 'parts=[...]')
    page.write_text(chosen.replace('            End(data=', '            42,\n            End(data='))
    result = run(docs, '--agentrun-docs', '--agentrun-update-docs')
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(['*agentrun: doc examples rewritten*', 'nodes.md: line 3'])
    assert page.read_text() == chosen


def test_a_page_written_for_an_older_release_drifts_and_is_updated(docs: pytest.Pytester) -> None:
    # The situation of a docs page generated on an older pydantic-ai: the installed release prints a field
    # the page lacks. Simulated on any release by dropping a field the installed one prints.
    page = _generated_nodes_page(docs)
    current = page.read_text()
    line_number, line = next(
        (n, text) for n, text in enumerate(current.splitlines(), 1) if text.strip() == "model_name='gpt-5.2',"
    )
    older = current.replace(line + '\n', '', 1)
    page.write_text(older)
    result = run(docs, '--agentrun-docs')
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            'nodes.md:17: printed output differs from the doc',
            f"  first difference at nodes.md:{line_number}:*: the doc has *, the output has 'model_name'",
            f'  +  *{line.strip()}',
            "Run pytest with --agentrun-update-docs to rewrite the doc's output with what was printed.",
        ]
    )
    run(docs, '--agentrun-docs', '--agentrun-update-docs').assert_outcomes(passed=1)
    assert page.read_text() == current
    run(docs, '--agentrun-docs').assert_outcomes(passed=1)


def test_update_turns_comment_lines_and_blocks_as_output_needs(docs: pytest.Pytester) -> None:
    page = write(
        docs,
        'page.md',
        textwrap.dedent(
            """\
            ```python
            for word in ['a', 'b']:
                print(word)
            print({'key': 'value', 'other': ['x' * 30, 'y' * 30, 'z' * 30]})
            print('new')
            #> old
            ```
            """
        ),
    )
    run(docs, '--agentrun-docs', '--agentrun-update-docs').assert_outcomes(passed=1)
    assert page.read_text() == textwrap.dedent(
        """\
        ```python
        for word in ['a', 'b']:
            print(word)
            #> a
            #> b
        print({'key': 'value', 'other': ['x' * 30, 'y' * 30, 'z' * 30]})
        \"\"\"
        {
            'key': 'value',
            'other': [
                'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
                'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy',
                'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz',
            ],
        }
        \"\"\"
        print('new')
        #> new
        ```
        """
    )


def test_docstring_examples_checked_and_updated(docs: pytest.Pytester) -> None:
    module = docs.makepyfile(
        rivers_lib=textwrap.dedent(
            '''\
            """Rivers.

            ```python
            print({'Rome': 'Tiber', 'Paris': 'Seine', 'London': 'Thames', 'Vienna': 'Danube', 'Cairo': 'Nile'})
            ```
            """


            def ask():
                """Ask the agent.

                ```python
                from pydantic_ai import Agent

                print(Agent('openai:gpt-5.2').run_sync('Which river runs through Rome?').output)
                #> The Po runs through Rome.
                ```
                """
            '''
        )
    )
    result = run(docs, '--agentrun-docstrings', 'rivers_lib.py', '-v')
    result.stdout.fnmatch_lines(['rivers_lib.py::line_3 FAILED*', 'rivers_lib.py::ask:line_12 FAILED*'])
    run(docs, '--agentrun-docstrings', 'rivers_lib.py', '--agentrun-update-docs').assert_outcomes(passed=2)
    assert module.read_text() + '\n' == textwrap.dedent(
        '''\
        """Rivers.

        ```python
        print({'Rome': 'Tiber', 'Paris': 'Seine', 'London': 'Thames', 'Vienna': 'Danube', 'Cairo': 'Nile'})
        \'\'\'
        {
            'Rome': 'Tiber',
            'Paris': 'Seine',
            'London': 'Thames',
            'Vienna': 'Danube',
            'Cairo': 'Nile',
        }
        \'\'\'
        ```
        """


        def ask():
            """Ask the agent.

            ```python
            from pydantic_ai import Agent

            print(Agent('openai:gpt-5.2').run_sync('Which river runs through Rome?').output)
            #> The Tiber runs through Rome.
            ```
            """
        '''
    )
    run(docs, '--agentrun-docstrings', 'rivers_lib.py').assert_outcomes(passed=2)


def test_docs_module_of_an_importable_module(docs: pytest.Pytester) -> None:
    docs.makepyfile(
        river_facts='''
        def longest():
            """The longest river.

            ```python
            print('Nile')
            #> Nile
            ```
            """
        '''
    )
    docs.syspathinsert()
    result = run(docs, '--agentrun-docs-module', 'river_facts', '-v')
    result.stdout.fnmatch_lines(['*collected 1 item', 'river_facts::longest:line_4 PASSED*'])


def test_docs_module_that_does_not_exist(docs: pytest.Pytester) -> None:
    result = run(docs, '--agentrun-docs-module', 'no_such_module_here')
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            'ERROR: --agentrun-docs-module no_such_module_here: no importable Python source file has that name '
            '(give a dotted module name, e.g. pydantic_ai.run)'
        ]
    )


@pytest.mark.skipif(not releases.HAS_RUN_MODULE, reason='pydantic_ai.run came in pydantic-ai 1.0')
def test_pydantic_ai_run_docstrings_pass(docs: pytest.Pytester) -> None:
    docs.makeconftest(
        """
        import pytest

        @pytest.fixture
        def agentrun_doc_rules():
            return {'What is the capital of France?': 'The capital of France is Paris.'}
        """
    )
    result = run(docs, '--agentrun-docs-module', 'pydantic_ai.run', '-v')
    result.assert_outcomes(passed=2)


# (under pytest-xdist: test_xdist.py checks the plugin's features in one xdist session)


# --- rewriting touches only the example's lines ------------------------------------------------------------

# A page with every kind of line ending and the characters str.splitlines() would wrongly split at. Each
# item is one line as an editor shows it: (text, ending). Lines are counted at \n, \r\n and a lone \r.
ODD_PAGE = [
    ('\ufeff# Line endings', '\r\n'),  # 1: a BOM, then a CRLF page
    ('', '\r\n'),  # 2
    ('A form feed \x0c, a line separator \u2028 and a next line \x85 are characters of this line.', '\r\n'),  # 3
    ('A lone carriage return ends line 4', '\r'),  # 4
    ('and this is line 5.', '\r\n'),  # 5
    ('', '\r\n'),  # 6
    ('```python', '\r\n'),  # 7
    ("print('Paris')", '\r\n'),  # 8
    ('#> Lyon', '\r\n'),  # 9: out of date
    ("print('one\\x0ctwo\\u2028three\\x85four')", '\r\n'),  # 10
    ('#> one\x0ctwo\u2028three\x85four', '\r\n'),  # 11: up to date, with those characters inside the line
    ("print('new')", '\n'),  # 12: an LF line in the CRLF page; nothing written under it
    ('```', '\n'),  # 13
    ('', '\n'),  # 14
    ('Text ended by a lone carriage return.', '\r'),  # 15
    ('', '\r'),  # 16
    ('```python', '\n'),  # 17
    ("for word in ['a', 'b']:", '\n'),  # 18
    ('    print(word)', '\n'),  # 19
    ('    #> c', '\r\n'),  # 20: out of date
    ('```', ''),  # 21: no final newline
]


def page_bytes(lines: list[tuple[str, str]]) -> bytes:
    return ''.join(text + ending for text, ending in lines).encode()


def test_a_page_with_odd_line_endings_reports_the_lines_an_editor_shows(docs: pytest.Pytester) -> None:
    (docs.path / 'page.md').write_bytes(page_bytes(ODD_PAGE))
    result = run(docs, '--agentrun-docs', '-v')
    result.stdout.fnmatch_lines(['page.md::line_7 FAILED*', 'page.md::line_17 FAILED*'])
    result.stdout.fnmatch_lines(
        exact(
            'page.md:8: printed output differs from the doc',
            "  first difference at page.md:9:4: the doc has 'Lyon', the output has 'Paris'",
            "  diff (- the doc at page.md, + printed; numbers are the doc's lines):",
            '  - 9  Lyon',
            '  +    Paris',
            "Run pytest with --agentrun-update-docs to rewrite the doc's output with what was printed.",
            '',
            'page.md:12: print(...) printed output the doc does not show',
        ),
        consecutive=True,
    )
    result.stdout.fnmatch_lines(
        exact(
            'page.md:19: printed output differs from the doc',
            "  first difference at page.md:20:8: the doc has 'c', the output has 'a'",
        ),
        consecutive=True,
    )


def test_update_rewrites_only_the_examples_lines_byte_for_byte(docs: pytest.Pytester) -> None:
    page = docs.path / 'page.md'
    page.write_bytes(page_bytes(ODD_PAGE))
    result = run(docs, '--agentrun-docs', '--agentrun-update-docs')
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(['*agentrun: doc examples rewritten*', 'page.md: line 7, line 17'], consecutive=True)
    expected = [*ODD_PAGE]
    expected[8] = ('#> Paris', '\r\n')  # the ending of the line it replaces
    expected[19:20] = [('    #> a', '\r\n'), ('    #> b', '\r\n')]
    expected[11:12] = [("print('new')", '\n'), ('#> new', '\n')]  # inserted: the ending of the print's line
    assert page.read_bytes() == page_bytes(expected)
    run(docs, '--agentrun-docs').assert_outcomes(passed=2)


def test_update_of_a_docstring_in_a_crlf_module_keeps_its_bytes(docs: pytest.Pytester) -> None:
    module = docs.path / 'rivers_lib.py'
    lines = [
        '\ufeff"""Rivers.',
        '',
        '```python',
        "print('Tiber')",
        '#> Po',
        '```',
        '"""',
        '',
        "ROME = 'Tiber'  # a line separator \u2028 in a comment",
    ]
    module.write_bytes('\r\n'.join(lines).encode())  # no final newline
    result = run(docs, '--agentrun-docstrings', 'rivers_lib.py')
    result.stdout.fnmatch_lines(
        exact("  first difference at rivers_lib.py:5:4: the doc has 'Po', the output has 'Tiber'")
    )
    run(docs, '--agentrun-docstrings', 'rivers_lib.py', '--agentrun-update-docs').assert_outcomes(passed=1)
    lines[4] = '#> Tiber'
    assert module.read_bytes() == '\r\n'.join(lines).encode()


# --- rewrites refused: the run fails and says why ----------------------------------------------------------

STALE_PAGE = "Intro.\n\n```python\nprint('Tiber')\n#> Po\n```\n"
FRESH_PAGE = STALE_PAGE.replace('#> Po', '#> Tiber')


def test_a_page_reached_through_a_symbolic_link_is_rewritten_through_it(docs: pytest.Pytester) -> None:
    real = docs.path / 'sources' / 'rivers.md'
    real.parent.mkdir()
    real.write_text(STALE_PAGE)
    link = docs.path / 'rivers.md'
    link.symlink_to(Path('sources') / 'rivers.md')
    result = run(docs, '--agentrun-docs', '--agentrun-update-docs', 'rivers.md')
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(['*agentrun: doc examples rewritten*', 'rivers.md: line 3'], consecutive=True)
    assert link.is_symlink()
    assert real.read_text() == FRESH_PAGE


def refused(result: pytest.RunResult, *lines: str) -> None:
    """The run failed (exit status 1) and its summary lists the pages not rewritten, with the reason."""
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    count = len(lines)
    result.stdout.fnmatch_lines(
        [
            '*- pytest-agentrun: doc examples not rewritten -*',
            *exact(*lines),
            *exact(
                f'{count} doc file{"s" if count > 1 else ""} not rewritten, so this run fails; '
                'fix what is named above and run pytest --agentrun-update-docs again.'
            ),
        ],
        consecutive=True,
    )


def test_a_hard_linked_page_is_not_rewritten(docs: pytest.Pytester) -> None:
    page = write(docs, 'rivers.md', STALE_PAGE)
    os.link(page, docs.path / 'rivers-copy.txt')
    result = run(docs, '--agentrun-docs', '--agentrun-update-docs')
    result.assert_outcomes(passed=1)
    refused(
        result,
        'rivers.md: not rewritten: it has 2 hard links (other names for the same file), which a rewrite would '
        'leave with the old text; give it a file of its own (cp rivers.md rivers.md.new && mv rivers.md.new '
        'rivers.md) or make the other names symbolic links, then run again',
    )
    assert page.read_text() == (docs.path / 'rivers-copy.txt').read_text() == STALE_PAGE


def test_a_link_to_a_page_outside_the_rootdir_is_not_rewritten(docs: pytest.Pytester, tmp_path: Path) -> None:
    outside = tmp_path / 'elsewhere' / 'rivers.md'
    outside.parent.mkdir()
    outside.write_text(STALE_PAGE)
    (docs.path / 'rivers.md').symlink_to(outside)
    result = run(docs, '--agentrun-docs', '--agentrun-update-docs', 'rivers.md')
    refused(
        result,
        f'rivers.md: not rewritten: a symbolic link to {outside}, outside the rootdir ({docs.path}): '
        "only the project's files are rewritten",
    )
    assert outside.read_text() == STALE_PAGE


def test_a_page_changed_during_the_run_is_not_rewritten(docs: pytest.Pytester) -> None:
    page = write(
        docs,
        'rivers.md',
        "```python\nwith open('rivers.md', 'a') as page:\n    page.write('Edited meanwhile.\\n')\n"
        "print('Tiber')\n#> Po\n```\n",
    )
    result = run(docs, '--agentrun-docs', '--agentrun-update-docs')
    result.assert_outcomes(passed=1)
    refused(
        result, 'rivers.md: not rewritten: changed on disk since its examples were collected; run again to update it'
    )
    assert page.read_text().endswith('#> Po\n```\nEdited meanwhile.\n')


WRITABLE = 'make the file and its directory writable'
FAILING_WRITE = """
import errno
import os

_replace = os.replace


def pytest_configure(config):
    def failing_replace(source, target):
        raise OSError(errno.{code}, os.strerror(errno.{code}))

    os.replace = failing_replace


def pytest_unconfigure(config):
    os.replace = _replace
"""


@pytest.mark.parametrize(
    ('code', 'why'),
    [
        ('ENOSPC', 'could not write it (No space left on device); the file is unchanged: free some disk space'),
        ('EROFS', 'could not write it (Read-only file system); the file is unchanged: ' + WRITABLE),
        ('EACCES', 'could not write it (Permission denied); the file is unchanged: ' + WRITABLE),
    ],
    ids=['disk full', 'read-only file system', 'read-only directory'],
)
def test_a_write_that_fails_is_reported_and_fails_the_run(docs: pytest.Pytester, code: str, why: str) -> None:
    docs.makeconftest(RULES_CONFTEST + FAILING_WRITE.replace('{code}', code))
    page = write(docs, 'rivers.md', STALE_PAGE)
    fresh = write(docs, 'fresh.md', FRESH_PAGE)
    result = run(docs, '--agentrun-docs', '--agentrun-update-docs')
    result.assert_outcomes(passed=2)
    refused(result, f'rivers.md: not rewritten: {why} and run again')
    assert (page.read_text(), fresh.read_text()) == (STALE_PAGE, FRESH_PAGE)
    assert sorted(p.name for p in docs.path.iterdir() if p.name.endswith('.agentrun-tmp')) == []


def test_update_removes_the_stale_temporary_files_a_crashed_update_left(docs: pytest.Pytester) -> None:
    write(docs, 'rivers.md', FRESH_PAGE)  # nothing to rewrite: the clean-up does not wait for a write
    stale = docs.path / '.rivers.md.0123456789ab.agentrun-tmp'
    recent = docs.path / '.rivers.md.ba9876543210.agentrun-tmp'
    foreign = docs.path / '.rivers.md.0123456789ab.swp'
    for path in (stale, recent, foreign):
        path.write_text('half a page')
    old = time.time() - STALE_AFTER_SECONDS - 60
    for path in (stale, foreign):
        os.utime(path, (old, old))
    run(docs, '--agentrun-docs').assert_outcomes(passed=1)
    assert stale.exists()  # checking alone writes nothing, and removes nothing
    result = run(docs, '--agentrun-docs', '--agentrun-update-docs')
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.OK
    assert (stale.exists(), recent.exists(), foreign.exists()) == (False, True, True)


# --- comparing long outputs --------------------------------------------------------------------------------


def test_the_first_difference_in_a_long_output_is_where_the_doc_stops_matching(docs: pytest.Pytester) -> None:
    write(docs, 'page.md', '```python\nprint(list(range(3000)))\n#> [0, 1, ..., 2999, 3000]\n```\n')
    result = run(docs, '--agentrun-docs')
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        exact(
            'page.md:2: printed output differs from the doc',
            "  first difference at page.md:3:20: the doc has ',', the output has ']'",
        ),
        consecutive=True,
    )
    write(docs, 'page.md', '```python\nprint(list(range(3000)))\n#> [0, 1, ..., 1500, ..., 2999]\n```\n')
    run(docs, '--agentrun-docs').assert_outcomes(passed=1)
