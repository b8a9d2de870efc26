"""Forms real documentation uses, as users run them: main guards, fence attributes, a BOM, code that reads its
own source, event loops, tracebacks; examples kept apart (working directory, timeouts, huge output, os._exit);
output normalisers."""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import pydantic_ai  # noqa: F401  # pyright: ignore[reportUnusedImport]
import pytest

# Imported before any in-process pytester run (see test_guard.py for why): a run that imported pydantic first
# would leave the next one with half of pydantic's modules.
from pytest_agentrun import RealRequestBlockedError  # noqa: F401  # pyright: ignore[reportUnusedImport]


def exact(*lines: str) -> list[str]:
    """fnmatch patterns matching these lines exactly."""
    return [re.sub(r'([\[\]*?])', r'[\1]', line) for line in lines]


def write(pytester: pytest.Pytester, name: str, text: str) -> Path:
    """Write a file exactly (dedented; pytester.makefile strips the final newline)."""
    path = pytester.path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding='utf-8')
    return path


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest('-p', 'no:cacheprovider', '--agentrun-docs', *args)


# --- 1a. if __name__ == '__main__': ---------------------------------------------------------------------------


def test_a_main_guard_runs_once_as_python_file_py_would(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        'page.md',
        """\
        ```python
        from __future__ import annotations

        from pydantic import BaseModel


        class City(BaseModel):
            name: str
            twin: City | None = None


        def main():
            print(__name__, City(name='Rome', twin=City(name='Paris')).twin)
            #> __main__ name='Paris' twin=None


        if __name__ == '__main__':
            main()
        ```
        """,
    )
    run(pytester).assert_outcomes(passed=1)


def test_dunder_name_keeps_the_main_guard_shut(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        'page.md',
        """\
        ```python {dunder_name="not_main"}
        print(__name__)
        #> not_main

        if __name__ == '__main__':
            raise SystemExit('the guard ran')
        ```
        """,
    )
    run(pytester).assert_outcomes(passed=1)


def test_sys_exit_zero_ends_an_example_like_a_program_and_another_code_fails_it(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        'page.md',
        """\
        ```python
        import sys

        print('done')
        #> done
        sys.exit(0)
        ```

        ```python
        import sys

        sys.exit(2)
        ```
        """,
    )
    result = run(pytester)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        exact(
            'page.md:12: the example exited with sys.exit(2), as a failing program does. '
            'End it without sys.exit, or with sys.exit(0).'
        )
    )


# --- 1b. call_name -------------------------------------------------------------------------------------------


def test_call_name_is_called_like_call(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        'page.md',
        """\
        ```python {call_name="test_it"}
        def test_it():
            assert 1 + 1 == 3, 'arithmetic is off'
        ```
        """,
    )
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(['E       AssertionError: arithmetic is off', '', 'page.md:3: AssertionError'])


def test_a_call_attribute_naming_no_function_fails(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        'page.md',
        """\
        ```python {call="demo"}
        def dmeo():
            pass
        ```

        ```python {call="a" call_name="b"}
        def a():
            pass
        ```
        """,
    )
    result = run(pytester)
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        exact(
            'page.md:1: call="demo" names no function the example defines (it defines: dmeo). '
            'Fix the name, or remove the attribute. Nothing was run.'
        )
    )
    result.stdout.fnmatch_lines(
        exact('page.md:6: call="a" and call_name="b" name different functions; keep one of them. Nothing was run.')
    )


# --- 1c. a byte order mark -----------------------------------------------------------------------------------


def test_a_page_starting_with_a_bom_is_collected_and_updated_keeping_it(pytester: pytest.Pytester) -> None:
    page = pytester.path / 'bom.md'
    page.write_bytes(b'\xef\xbb\xbf```python\nprint(1 + 1)\n#> 3\n```\n')
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(['bom.md:2: printed output differs from the doc', '  - 3  3', '  +    2'])
    run(pytester, '--agentrun-update-docs').assert_outcomes(passed=1)
    assert page.read_bytes() == b'\xef\xbb\xbf```python\nprint(1 + 1)\n#> 2\n```\n'


# --- 1d. code that reads its own source ----------------------------------------------------------------------


def test_code_reading_its_own_source_sees_the_example(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        'page.md',
        """\
        # Introspection

        !!! note
            ```python
            import inspect
            import linecache
            import sys
            import traceback

            import executing


            def double(x):
                return 2 * x


            print(inspect.getsource(double).splitlines())
            #> ['def double(x):', '    return 2 * x']
            try:
                raise TypeError('boom')
            except TypeError:
                print(traceback.format_exc().splitlines()[-2].strip())
                #> raise TypeError('boom')
                print(traceback.extract_tb(sys.exc_info()[2])[-1].lineno)
                #> 20


            def caller_text():
                return executing.Source.executing(sys._getframe(1)).text()


            def report():
                print(caller_text())
                #> caller_text()


            report()
            print(repr(linecache.getline(__file__, 14)))
            #> '    return 2 * x\\n'
            ```
        """,
    )
    run(pytester).assert_outcomes(passed=1)


@pytest.mark.skipif(
    sys.version_info < (3, 11),
    reason="before 3.11, executing matches a frame by its code's first line: the example's, not the page's line 1",
)
def test_executing_finds_a_call_in_the_examples_top_level_code(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        'page.md',
        """\
        Logfire names a span by the call's text:

        ```python
        import sys

        import executing


        def caller_text():
            return executing.Source.executing(sys._getframe(1)).text()


        print(caller_text())
        #> caller_text()
        ```
        """,
    )
    run(pytester).assert_outcomes(passed=1)


def test_a_traceback_shows_the_examples_lines_at_the_docs_line_numbers(pytester: pytest.Pytester) -> None:
    lines = ['# A long page', *(f'Paragraph {n}.' for n in range(300)), '```python', 'def f():']
    lines += ['    raise ValueError("x")', '', '', 'f()', '```', '']
    (pytester.path / 'long.md').write_text('\n'.join(lines), encoding='utf-8')
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        exact(
            '    def f():',
            '        raise ValueError("x")',
            '    ',
            '    ',
            '>   f()',
            '',
            'long.md:307: ',
            '_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ ',
            '',
            '    def f():',
            '>       raise ValueError("x")',
            'E       ValueError: x',
            '',
            'long.md:304: ValueError',
        ),
        consecutive=True,
    )
    assert 'Paragraph' not in result.stdout.str()


def test_a_traceback_into_a_docstring_example(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        'lib.py',
        '''\
        def f():
            """Do nothing.

            ```python
            x = {}
            x['missing']
            ```
            """
        ''',
    )
    result = pytester.runpytest('-p', 'no:cacheprovider', '--agentrun-docstrings', 'lib.py')
    result.assert_outcomes(failed=1)
    # the example's lines, dedented; the rest of the docstring after them may follow
    result.stdout.fnmatch_lines(exact('    x = {}', ">   x['missing']"), consecutive=True)
    result.stdout.fnmatch_lines(["E *KeyError: 'missing'", '', 'lib.py:6: KeyError'], consecutive=True)


# --- 1e. fence attributes ------------------------------------------------------------------------------------


def test_an_unknown_fence_attribute_fails_the_example_naming_the_known_ones(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        'page.md',
        """\
        ```python {title="demo.py" calls="demo"}
        def demo():
            raise ValueError('never called')
        ```
        """,
    )
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        exact(
            'page.md:1: unknown code fence attribute calls="demo". Attributes that change how an example runs: '
            'call, call_name, dunder_name, line_length, max_py, py, requires, test, title; '
            'accepted and ignored (display or lint): anchor_linenums, format, hl_lines, line_spans, linenums, lint, '
            'noqa. Fix the name, or list it in the ini key agentrun_docs_fence_attributes to accept and ignore it. '
            'Nothing was run.'
        )
    )


def test_display_and_lint_attributes_are_accepted_and_extra_ones_from_the_ini(pytester: pytest.Pytester) -> None:
    pytester.makeini('[pytest]\nagentrun_docs_fence_attributes =\n    theme\n')
    write(
        pytester,
        'page.md',
        """\
        ```python {title="a.py" hl_lines="1 2" linenums="1" lint="skip" noqa="I001" format="skip" theme="dark"}
        print('ok')
        #> ok
        ```
        """,
    )
    run(pytester).assert_outcomes(passed=1)


def test_test_attribute_values_and_python_versions(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        pytester,
        'page.md',
        """\
        ```python {test="skip - needs a database"}
        raise SystemExit(1)
        ```

        ```python {test="ci_only"}
        raise SystemExit(1)
        ```

        ```python {py="3.99"}
        raise SystemExit(1)
        ```

        ```python {max_py="3.9"}
        raise SystemExit(1)
        ```

        ```python {test="sometimes"}
        raise SystemExit(1)
        ```
        """,
    )
    monkeypatch.delenv('CI', raising=False)
    result = run(pytester, '-rs')
    result.assert_outcomes(skipped=4, failed=1)
    result.stdout.fnmatch_lines_random(
        [
            'SKIPPED [[]1[]] page.md: needs a database',
            'SKIPPED [[]1[]] page.md: test="ci_only": runs only where the CI environment variable is set',
            'SKIPPED [[]1[]] page.md: py="3.99": needs Python 3.99 or newer',
            'SKIPPED [[]1[]] page.md: max_py="3.9": needs Python 3.9 or older',
            'page.md:17: test="sometimes" is not a value the test attribute takes: test="skip" '
            '(optionally with a reason: test="skip - why") or test="ci_only". Nothing was run.',
        ]
    )


def test_line_length_attribute_lays_out_updates(pytester: pytest.Pytester) -> None:
    page = write(
        pytester,
        'page.md',
        """\
        ```python {line_length="30"}
        print(['alpha', 'beta', 'gamma', 'delta'])
        ```
        """,
    )
    run(pytester, '--agentrun-update-docs').assert_outcomes(passed=1)
    assert "    'alpha',\n    'beta'," in page.read_text()


# --- 1f. an event loop ---------------------------------------------------------------------------------------


def test_each_example_has_a_fresh_current_event_loop_closed_after_it(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        'page.md',
        """\
        ```python
        import asyncio
        import sys

        loop = asyncio.get_event_loop()
        sys.agentrun_test_loop = loop
        print(loop.run_until_complete(asyncio.sleep(0, 'slept')))
        #> slept
        ```

        ```python
        import asyncio
        import sys

        print(sys.agentrun_test_loop.is_closed(), asyncio.get_event_loop() is sys.agentrun_test_loop)
        #> True False
        del sys.agentrun_test_loop
        ```
        """,
    )
    run(pytester, '-W', 'error').assert_outcomes(passed=2)


# --- 3. examples kept apart ----------------------------------------------------------------------------------

CHDIR_PAGE = """\
```python
import os

os.makedirs('sub', exist_ok=True)
os.chdir('sub')
```

```python
import os

print(sorted(n for n in os.listdir() if n.endswith('.ini')))
#> ['tox.ini']
```
"""


def test_examples_run_in_the_rootdir_and_a_chdir_does_not_leak(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeini('[pytest]\n')
    write(pytester, 'docs/page.md', CHDIR_PAGE)
    monkeypatch.chdir(pytester.path / 'docs')  # pytest run from a subdirectory
    result = pytester.runpytest('-p', 'no:cacheprovider', '--agentrun-docs', 'page.md')
    result.assert_outcomes(passed=2)


def test_the_working_directory_from_the_ini(pytester: pytest.Pytester) -> None:
    pytester.makeini('[pytest]\nagentrun_docs_cwd = docs\n')
    write(pytester, 'docs/page.md', CHDIR_PAGE.replace("['tox.ini']", '[]'))
    write(
        pytester,
        'docs/there.md',
        "```python\nimport os\n\nprint(sorted(n for n in os.listdir() if n.endswith('.md')))\n"
        "#> ['page.md', 'there.md']\n```\n",
    )
    run(pytester, 'docs').assert_outcomes(passed=3)


def test_a_missing_working_directory_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini('[pytest]\nagentrun_docs_cwd = nowhere\n')
    result = run(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            f'ERROR: agentrun_docs_cwd: {pytester.path / "nowhere"} is not a directory '
            '(paths are relative to the rootdir)'
        ]
    )


def test_tmpdir_runs_each_page_in_a_fresh_directory(pytester: pytest.Pytester) -> None:
    pytester.makeini('[pytest]\nagentrun_docs_tmpdir = true\n')
    page = """\
    ```python
    from pathlib import Path

    print(Path('notes.txt').exists())
    #> False
    Path('notes.txt').write_text('written by the first example')
    ```

    ```python
    from pathlib import Path

    print(Path('notes.txt').read_text())
    #> written by the first example
    ```
    """
    write(pytester, 'one.md', page)
    write(pytester, 'two.md', page)
    run(pytester).assert_outcomes(passed=4)
    assert not (pytester.path / 'notes.txt').exists()


def test_tmpdir_per_example(pytester: pytest.Pytester) -> None:
    pytester.makeini('[pytest]\nagentrun_docs_tmpdir = example\n')
    write(
        pytester,
        'page.md',
        """\
        ```python
        from pathlib import Path

        Path('notes.txt').write_text('x')
        ```

        ```python
        from pathlib import Path

        print(Path('notes.txt').exists())
        #> False
        ```
        """,
    )
    run(pytester).assert_outcomes(passed=2)


def test_a_bad_tmpdir_value_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini('[pytest]\nagentrun_docs_tmpdir = always\n')
    result = run(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: agentrun_docs_tmpdir takes false, true (a directory per page), page or example, got 'always'"]
    )


LOOP_PAGE = """\
```python
n = 0
while True:
    n += 1
```

```python
print('next')
#> next
```
"""


def test_an_example_that_loops_forever_fails_after_the_timeout(pytester: pytest.Pytester) -> None:
    pytester.makeini('[pytest]\nagentrun_docs_timeout = 0.2\n')
    write(pytester, 'page.md', LOOP_PAGE)
    result = run(pytester)
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(
        [
            'page.md:1: the example did not finish within 0.2 s (agentrun_docs_timeout); it was stopped at:',
            'page.md:[34]: *',
            'Make it end sooner, raise the timeout (agentrun_docs_timeout, --agentrun-docs-timeout), '
            'or mark the fence test="skip".',
        ],
        consecutive=True,
    )


def test_the_timeout_on_the_command_line_wins(pytester: pytest.Pytester) -> None:
    pytester.makeini('[pytest]\nagentrun_docs_timeout = 600\n')
    write(pytester, 'page.md', LOOP_PAGE)
    result = run(pytester, '--agentrun-docs-timeout', '0.2')
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(['page.md:1: the example did not finish within 0.2 s*'])


def test_a_timeout_inside_an_event_loop(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        'page.md',
        """\
        ```python
        import asyncio


        async def main():
            await asyncio.sleep(3600)
        ```
        """,
    )
    result = run(pytester, '--agentrun-docs-timeout', '0.2', '-W', 'error')
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ['page.md:1: the example did not finish within 0.2 s*', 'page.md:6: await asyncio.sleep(3600)'],
        consecutive=True,
    )


def test_huge_output_gives_a_failure_of_readable_size(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        'page.md',
        """\
        ```python
        print('word ' * 2_000_000)
        #> word word
        print(list(range(1_000_000)))
        ```

        ```python
        import sys

        for n in range(60_000):  # 700 KB of captured output
            print('noise', n, file=sys.stdout)
        raise ValueError('after the noise')
        ```
        """,
    )
    result = run(pytester)
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            'page.md:2: printed output differs from the doc',
            "  first difference after page.md:3: the doc's output ends, the output goes on with 'word'",
            '*',
            '  - 3  word word',
            '  +    word word word word word word word word word word word word word word word word word *',
            '  (the printed output is clipped here: 1 of 1 lines shown, each to 400 characters; '
            '10,000,000 characters were printed)',
        ],
        consecutive=True,
    )
    result.stdout.fnmatch_lines(['*the captured output is clipped here: * of 7??,??? characters shown*'])
    assert len(result.stdout.str()) < 40_000


def test_os_exit_fails_the_example_and_the_session_goes_on(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        'page.md',
        """\
        ```python
        import os

        os._exit(3)
        ```

        ```python
        print('still here')
        #> still here
        ```
        """,
    )
    result = run(pytester)
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(
        exact(
            'page.md:4: the example called os._exit(3), which would end the test session at once; it was stopped '
            'there. Leave os._exit out of examples (or mark the fence test="skip").'
        )
    )


# --- 6. output normalisers -----------------------------------------------------------------------------------

TIMESTAMP_PAGE = """\
```python
from datetime import datetime

print(f'Report made at {datetime.now().isoformat()} by agent-{id(datetime) % 1000}')
#> Report made at 2025-01-01T12:00:00.000001 by agent-7
print('unchanged')
#> changed
```
"""


def test_normalisers_from_the_ini(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        '[pytest]\nagentrun_docs_normalize =\n'
        r'    \d{4}-\d\d-\d\dT[\d:.]+ => <time>'
        '\n'
        r'    agent-\d+ => agent-N'
        '\n'
    )
    page = write(pytester, 'page.md', TIMESTAMP_PAGE)
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(['page.md:6: printed output differs from the doc'])
    assert 'page.md:4' not in result.stdout.str()
    run(pytester, '--agentrun-update-docs').assert_outcomes(passed=1)
    # the line that matched once normalised keeps the doc's own text; only the real difference is rewritten
    assert page.read_text() == textwrap.dedent(TIMESTAMP_PAGE).replace('#> changed', '#> unchanged')


def test_normalisers_from_the_fixture(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import re

        import pytest


        @pytest.fixture
        def agentrun_doc_normalizers():
            return [
                (re.compile(r'\\d{4}-\\d\\d-\\d\\dT[\\d:.]+'), '<time>'),
                lambda line: re.sub(r'agent-\\d+', 'agent-N', line),
            ]
        """
    )
    write(pytester, 'page.md', TIMESTAMP_PAGE.replace('#> changed', '#> unchanged'))
    run(pytester).assert_outcomes(passed=1)


def test_a_bad_normaliser_line_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini('[pytest]\nagentrun_docs_normalize =\n    [unclosed => x\n')
    result = run(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "ERROR: agentrun_docs_normalize: '[unclosed => x' is not a valid regular expression "
            '(unterminated character set at position 0); write one `regex => replacement` a line'
        ]
    )


# --- --agentrun-docs-module of a module whose package does not import -------------------------------------------


def test_docs_module_inside_a_package_that_fails_to_import(pytester: pytest.Pytester) -> None:
    # e.g. pydantic_ai.durable_exec.dbos._agent without the dbos extra: its source is read, never imported
    write(pytester, 'needs_extra/__init__.py', "raise ImportError('install the extra: pip install needs-extra[all]')\n")
    write(
        pytester,
        'needs_extra/tools.py',
        '''\
        def tool():
            """A tool.

            ```python
            print('parsed, not imported')
            #> parsed, not imported
            ```
            """
        ''',
    )
    pytester.syspathinsert()
    result = pytester.runpytest('-p', 'no:cacheprovider', '--agentrun-docs-module', 'needs_extra.tools', '-v')
    result.stdout.fnmatch_lines(['needs_extra.tools::tool:line_4 PASSED*'])
