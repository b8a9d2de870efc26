"""Cassettes: record what real models answer during a test, then replay it offline.

- `plugin`: the pytest hooks: a test with a cassette gets a `CassetteSession`, finished at its teardown;
  the cassettes written are listed at the end of the session (also those written by xdist workers);
- `session`: one test's cassette, recording into its file, replaying from it, or both (recording only what
  is missing);
- `models`: the models put in place of a real one, recording it or replaying its answers, and the `Tape` of
  every request the test made, in the order its runs started: the cassette to write;
- `format`: the file itself, written, read and validated in one place;
- `summary`: what a request asks, as recorded and as compared when replaying;
- `messages`: the failures a user sees, each with the command that fixes it.

Only `plugin` is imported for every test, and it imports no pydantic-ai: the rest is imported by a test that
records or replays.
"""
