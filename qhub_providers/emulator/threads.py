"""Process-wide threads for the Qiskit, Aer and Braket work the server itself does: parsing job inputs.

Qiskit 2.6 can crash the interpreter (a segmentation fault in its allocator) when circuits built in a
thread that has since exited are used or freed later. So request handlers never parse in their own
short-lived threads: they hand that work to threads that live as long as the process. Parsing stays in
the server (a request must be refused at once, and a round trip to a worker process would add latency to
every submission); simulations run in worker processes (see ``workers.py``).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

_lock = threading.Lock()
_parsing: ThreadPoolExecutor | None = None
_PREFIX = "local-hub-parse"


def _pool() -> ThreadPoolExecutor:
    global _parsing
    with _lock:
        if _parsing is None:
            _parsing = ThreadPoolExecutor(max_workers=4, thread_name_prefix=_PREFIX)
        return _parsing


def _on_parsing_thread() -> bool:
    return threading.current_thread().name.startswith(_PREFIX)


def parse(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run ``fn`` (validation, parsing) on a long-lived thread and wait for its result.

    Kept apart from the simulation threads, so a request is never stuck behind a long simulation. Called
    on such a thread already (see :func:`handle`), ``fn`` runs right there.
    """
    if _on_parsing_thread():
        return fn(*args, **kwargs)
    return _pool().submit(fn, *args, **kwargs).result()


async def handle(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a whole request's work on a long-lived thread, from an ``async`` route.

    A plain ``def`` route would go through the web framework's thread pool first and then wait there for
    :func:`parse`: two thread hops per submission. Here the event loop hands the work over once, and the
    parsing inside it runs on the same thread.
    """
    future = _pool().submit(fn, *args, **kwargs)
    return await asyncio.wrap_future(future)
