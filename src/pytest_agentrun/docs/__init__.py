"""Checking the Python examples in documentation: find them, run them, compare what they print.

One module per step, in the order a check goes through them:

- `blocks`: find the code blocks of a Markdown file or of a Python file's docstrings;
- `expected`: find each `print(...)` of an example and the output written under it;
- `execute`: run an example with its model strings answered by rules, capturing what it prints;
- `compare`: compare printed with expected structurally, and explain a difference;
- `layout`: lay out printed output the way the doc writes it (for the diff and for updates);
- `update`: gather the rewrites of a session and write them once, atomically;
- `items`: the pytest collectors and test items.

Nothing here imports pydantic-ai at import time.
"""
