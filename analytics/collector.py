"""Python's cycle collector held off while bulk work builds hundreds of thousands of objects.

Reading and checking a 100,000-row sheet makes a million cells, lists and arrays, none of them in a reference cycle.
Each few hundred new containers start a collection, and every so often a full one walks the whole heap of the server
(Streamlit, pandas, plotly and the import's own cells): 0.1–0.2 s of an import of about 2 s, spent finding nothing.
While `paused()` is held by any thread the collector does not run; when the last holder leaves, it runs again as it
did before. Objects are still freed by their reference counts at once; only cycles wait for the collector's next
turn."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_was_enabled = False


@contextmanager
def paused() -> Iterator[None]:
    """Hold the collector off for the block (also usable as a decorator: ``@paused()``). Nested and concurrent holders
    are counted: the collector is enabled again only when the last one leaves, and only if it was enabled when the
    first one came (a process that keeps it off, like the parsing child, keeps it off)."""
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()
