"""Process-wide threads for all work on Qiskit, Aer and Braket objects.

Qiskit 2.6 can crash the interpreter (a segmentation fault in its allocator) when circuits built in a
thread that has since exited are used or freed later; we saw it when a second local Hub in one process ran
jobs whose circuits had been parsed in the first Hub's request threads. So the local Hub never parses or
simulates in short-lived threads: request handlers and engines hand that work to threads that live as long
as the process.
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
_simulation: dict[int, ThreadPoolExecutor] = {}


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


def simulation_pool(workers: int) -> ThreadPoolExecutor:
    """The long-lived pool that runs simulations, shared by every local Hub with this many workers."""
    with _lock:
        pool = _simulation.get(workers)
        if pool is None:
            pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="local-hub-sim")
            _simulation[workers] = pool
        return pool
