"""Checking the Python examples in documentation: find them, run them, compare what they print.

One module per step, in the order a check goes through them:

- `lines`: what a line of a doc is (where it ends, and what does not end it), for collection, failures, rewrites;
- `blocks`: find the code blocks of a Markdown file or of a Python file's docstrings;
- `attributes`: the fence attributes known, and what a block's ask for (skip, call, `__name__`, ...);
- `expected`: find each `print(...)` of an example and the output written under it;
- `rules`: the rules answering the prompts of examples (the `agentrun_doc_rules` fixture, the rules file);
- `execute`: run an example with its model strings answered by those rules, capturing what it prints;
- `isolation`: keep examples apart (working directory, event loop, time limit, `os._exit`);
- `normalize`: a project's output normalisers, applied to both sides before comparing;
- `compare`: compare printed with expected structurally, and explain a difference;
- `layout`: lay out printed output the way the doc writes it (for the diff and for updates);
- `update`: turn a difference into an edit of the doc; gather a session's edits and write them once, atomically;
- `failure`: the failure of a check, whose message is all a report shows;
- `items`: the pytest collectors and test items;
- `plugin`: the hooks: collection, the rewrites gathered from reports (also from xdist workers), the summary.

Nothing here imports pydantic-ai at import time.
"""
