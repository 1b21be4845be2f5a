"""Process-wide threads for the Qiskit, Aer and Braket work the server itself does: parsing job inputs.

Qiskit 2.6 can crash the interpreter (a segmentation fault in its allocator) when circuits built in a
thread that has since exited are used or freed later. So request handlers never parse in their own
short-lived threads: they hand that work to threads that live as long as the process. Parsing stays in
the server (a request must be refused at once, and a round trip to a worker process would add latency to
every submission); simulations run in worker processes (see ``workers.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

_lock = threading.Lock()
_parsing: ThreadPoolExecutor | None = None


def parse(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run ``fn`` (validation, parsing) on a long-lived thread and wait for its result.

    Kept apart from the simulation threads, so a request is never stuck behind a long simulation.
    """
    global _parsing
    with _lock:
        if _parsing is None:
            _parsing = ThreadPoolExecutor(max_workers=4, thread_name_prefix="local-hub-parse")
        pool = _parsing
    return pool.submit(fn, *args, **kwargs).result()
