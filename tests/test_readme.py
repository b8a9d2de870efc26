"""The README's complete example works as a user would run it: its agent module and its test, under pytest."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

README = Path(__file__).parent.parent / 'README.md'


@pytest.mark.usefixtures('close_run_sync_loop')
def test_the_readme_example_passes_as_a_test(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    agent_module, test_module = re.findall(r'```python[^\n]*\n(.*?)```', README.read_text(), re.DOTALL)[:2]
    pytester.makepyfile(weather=agent_module, test_weather=test_module)
    pytester.makeconftest("import pytest\n\n\n@pytest.fixture\ndef anyio_backend():\n    return 'asyncio'\n")
    monkeypatch.delitem(sys.modules, 'weather', raising=False)  # in this process it may be the examples' package
    pytester.runpytest_inprocess('-p', 'no:cacheprovider').assert_outcomes(passed=1)
