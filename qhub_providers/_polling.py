"""Waiting for a job with backoff: the one polling loop both faces use.

The first poll comes quickly (a local or fast backend is often done within 0.1 s), then the interval
grows by ``factor`` up to ``cap``, so a job queued for hours costs few requests.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from qhub_providers.api.models import TERMINAL_JOB_STATUSES


class WaitTimeout(TimeoutError):
    """The job did not reach a final status in time; ``status`` is the last one seen."""

    def __init__(self, job_id: str, status: str, timeout: float) -> None:
        super().__init__(f"job {job_id} is still {status} after {timeout:g} s")
        self.job_id = job_id
        self.status = status
        self.timeout = timeout


@dataclass(frozen=True)
class Backoff:
    """Poll intervals: ``initial`` seconds, times ``factor`` each poll, at most ``cap``."""

    initial: float = 0.05
    factor: float = 1.6
    cap: float = 10.0

    def intervals(self) -> Callable[[], float]:
        current = self.initial

        def next_interval() -> float:
            nonlocal current
            value = current
            current = min(self.cap, current * self.factor)
            return value

        return next_interval


def wait_for_final_status(
    job_id: str,
    fetch_status: Callable[[], str],
    *,
    timeout: float | None = None,
    backoff: Backoff | None = None,
    on_status: Callable[[str], None] | None = None,
    final: frozenset[str] = TERMINAL_JOB_STATUSES,
) -> str:
    """Poll ``fetch_status`` until it returns a final status; ``on_status`` sees every status polled."""
    deadline = None if timeout is None else time.monotonic() + timeout
    interval = (backoff or Backoff()).intervals()
    while True:
        status = fetch_status()
        if on_status is not None:
            on_status(status)
        if status in final:
            return status
        wait = interval()
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WaitTimeout(job_id, status, float(timeout or 0))
            wait = min(wait, remaining)
        time.sleep(wait)


async def async_wait_for_final_status(
    job_id: str,
    fetch_status: Callable[[], Awaitable[str]],
    *,
    timeout: float | None = None,
    backoff: Backoff | None = None,
    on_status: Callable[[str], None] | None = None,
    final: frozenset[str] = TERMINAL_JOB_STATUSES,
) -> str:
    """The same loop for asyncio, never blocking the event loop."""
    deadline = None if timeout is None else time.monotonic() + timeout
    interval = (backoff or Backoff()).intervals()
    while True:
        status = await fetch_status()
        if on_status is not None:
            on_status(status)
        if status in final:
            return status
        wait = interval()
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WaitTimeout(job_id, status, float(timeout or 0))
            wait = min(wait, remaining)
        await asyncio.sleep(wait)
