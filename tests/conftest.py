import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import fresh
import pytest
import releases

from pytest_agentrun import _compat
from pytest_agentrun._docs.isolation import close_left_loop

# Doc pages the tests feed to pytester runs; not doc examples of this project (those are in examples/docs).
collect_ignore = ['pages']

# Test modules written with the API of a later pydantic-ai than the oldest supported (0.0.31): on a release without
# it they are skipped whole, with the reason. What they test of our own code runs there all the same through
# test_every_release.py (the core against FunctionModel), test_compat.py (each branch) and test_docs_versions.py.
_OUTPUT = (releases.HAS_OUTPUT_TYPE, 'reads `.output` and passes `output_type=` (pydantic-ai 0.1.0 on)')
_INSTRUCTIONS = (releases.HAS_INSTRUCTIONS, 'builds sample agents with `instructions=` (pydantic-ai 0.1.0 on)')
_IO_TOKENS = (releases.HAS_IO_TOKENS, 'counts usage in RunUsage input_tokens/output_tokens (pydantic-ai 0.7.3 on)')
_OUTPUT_MODES = (releases.HAS_STRUCTURED_OUTPUT_MODES, 'uses NativeOutput/PromptedOutput (pydantic-ai 0.3.3 on)')
WRITTEN_FOR_LATER: dict[str, tuple[bool, str]] = {
    'test_arguments.py': _OUTPUT,
    'test_assertions.py': _IO_TOKENS,
    'test_cassette.py': (releases.HAS_IO_TOKENS, 'records RequestUsage in cassettes (pydantic-ai 0.7.3 on)'),
    'test_cassette_apis.py': (releases.HAS_IO_TOKENS, 'records RequestUsage in cassettes (pydantic-ai 0.7.3 on)'),
    'test_docs_plugin.py': (releases.HAS_SHORT_REPRS, 'prints reprs without default fields (pydantic-ai 0.2.7 on)'),
    'test_fixture.py': _IO_TOKENS,
    'test_guard.py': _INSTRUCTIONS,
    'test_lifecycle.py': _IO_TOKENS,
    'test_memory.py': _OUTPUT,
    'test_model_errors.py': _OUTPUT,
    'test_model_runs.py': _IO_TOKENS,
    'test_native_parts.py': (releases.HAS_NATIVE_TOOLS, 'scripts native tool parts (pydantic-ai 0.6.2 on)'),
    'test_outputs.py': _OUTPUT_MODES,
    'test_profiles.py': (_compat.HAS_PROFILES, 'checks model profiles (pydantic-ai 0.2.12 on)'),
    'test_readme.py': (releases.HAS_INSTRUCTIONS, "runs the README's example, which uses `instructions=` (0.1.0 on)"),
    'test_real_agents.py': _INSTRUCTIONS,
    'test_retries.py': _OUTPUT,
    'test_servers.py': _INSTRUCTIONS,
    'test_snapshot.py': _IO_TOKENS,
    'test_standin.py': _IO_TOKENS,
    'test_teardown.py': _INSTRUCTIONS,
    'test_transcript.py': _INSTRUCTIONS,
    'test_xdist.py': (releases.HAS_IO_TOKENS, 'records a cassette, among the rest (pydantic-ai 0.7.3 on)'),
}


class _WrittenForLater(pytest.File):
    """A test module the installed pydantic-ai cannot run (nor import): reported as one skip, with the reason."""

    reason = ''

    def collect(self) -> Iterator[pytest.Item]:
        pytest.skip(f'{self.path.name} {self.reason}; the installed pydantic-ai is {_compat.VERSION}')


def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector) -> pytest.File | None:
    has_it, reason = WRITTEN_FOR_LATER.get(module_path.name, (True, ''))
    if has_it or module_path.parent != Path(__file__).parent:
        return None
    skipped = _WrittenForLater.from_parent(parent, path=module_path)
    skipped.reason = reason
    return skipped


@pytest.fixture
def anyio_backend() -> str:
    return 'asyncio'


@pytest.fixture
def close_run_sync_loop() -> Iterator[None]:
    """Close the event loop `Agent.run_sync` leaves set as current.

    Left open, it is garbage-collected during some later test, and its `ResourceWarning` fails that test
    under `filterwarnings = error`. Use it on every sync test that calls `run_sync`. The doc checker does the
    same around each example, with the same function.
    """
    yield
    close_left_loop()


# --- checks in a fresh process, started early (see fresh.py) ------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line('markers', 'fresh_process(prepare): the check runs in a fresh process (tests/fresh.py)')


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """Run the fresh processes of the selected tests beside the session, unless in a pytest-xdist worker."""
    if hasattr(session.config, 'workerinput') or session.config.option.collectonly:
        return
    items = [i for i in session.items if i.get_closest_marker('fresh_process') is not None and not skipped(i)]
    if not items:
        return
    base = Path(tempfile.mkdtemp(prefix='agentrun-fresh-'))
    session.config.add_cleanup(lambda: shutil.rmtree(base, ignore_errors=True))
    jobs: list[fresh.Job] = []
    for number, item in enumerate(items):
        path = base / str(number)
        path.mkdir()
        item.stash[fresh.JOB_KEY] = fresh.Job(item, path)
        jobs.append(item.stash[fresh.JOB_KEY])
    session.config.add_cleanup(fresh.Runner(jobs).stop)


def skipped(item: pytest.Item) -> bool:
    """Whether a marker skips the test for sure (`skip`, or `skipif` with a true condition)."""
    return item.get_closest_marker('skip') is not None or any(
        m.args and m.args[0] is True for m in item.iter_markers('skipif')
    )


@pytest.fixture
def fresh_run(request: pytest.FixtureRequest, tmp_path: Path) -> fresh.Finished:
    """What the test's fresh process did: run beside the session, or now."""
    job = request.node.stash.setdefault(fresh.JOB_KEY, fresh.Job(request.node, tmp_path))
    return job.finished()
