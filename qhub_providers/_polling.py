"""Waiting for a job with backoff: the one polling loop both faces use.

The pause before the next poll follows how long the wait has lasted so far: never more than
``fraction`` (7 %) of it, never less than ``initial`` (15 ms), never more than ``cap`` (30 s). So a wait
ends at most max(``initial``, 7 % of the job's time) after the job does, plus the round trip of the poll
that sees it (the margin below 20 ms and 10 % absorbs sleeping late on a busy machine), while a job
queued for an hour costs about 230 requests (some 120 to reach 5 minutes, then one per ``cap``).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from qhub_providers.api.models import TERMINAL_JOB_STATUSES


class WaitTimeout(TimeoutError):
    """The job did not reach a final status in time; ``status`` is the last one seen."""

    def __init__(self, job_id: str, status: str, timeout: float) -> None:
        super().__init__(f"job {job_id} is still {status} after {timeout:g} s")
        self.job_id = job_id
        self.status = status
        self.timeout = timeout


class AllWaitTimeout(WaitTimeout):
    """Some of several jobs did not reach a final status in time; ``pending`` maps each to its last status."""

    def __init__(self, pending: Mapping[str, str], total: int, timeout: float) -> None:
        self.pending = dict(pending)
        counts = Counter(self.pending.values())
        summary = ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
        # job_id and status of WaitTimeout name the first unfinished job (none if all ended meanwhile).
        first_id, first_status = next(iter(self.pending.items()), ("", "UNKNOWN"))
        super().__init__(first_id, first_status, timeout)
        self.args = (f"{len(self.pending)} of {total} jobs are not final after {timeout:g} s ({summary})",)


@dataclass(frozen=True)
class Backoff:
    """Poll intervals: ``fraction`` of the time waited so far, at least ``initial`` seconds, at most
    ``cap``, and at most ``factor`` times the previous interval (``factor=1`` with ``initial == cap``
    gives a fixed interval)."""

    initial: float = 0.015
    factor: float = 1.6
    cap: float = 30.0
    fraction: float = 0.07

    def intervals(self) -> Callable[[], float]:
        started = time.monotonic()
        previous = self.initial

        def next_interval() -> float:
            nonlocal previous
            waited = time.monotonic() - started
            value = min(self.cap, max(self.initial, self.fraction * waited), previous * max(self.factor, 1.0))
            value = max(value, min(self.initial, self.cap))
            previous = value
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


def wait_for_all_final(
    fetch_statuses: Mapping[str, Callable[[], str]],
    *,
    timeout: float | None = None,
    backoff: Backoff | None = None,
    on_status: Callable[[str, str], None] | None = None,
    final: frozenset[str] = TERMINAL_JOB_STATUSES,
) -> dict[str, str]:
    """Wait for several jobs (id to status getter); return every job's final status, in the given order.

    Each round polls only the jobs that are not final yet, one after another, and rounds are spaced by
    ``backoff``: many jobs cost one request each per round, and finished ones none. ``on_status(job_id,
    status)`` sees every status polled. Raises :class:`AllWaitTimeout` when ``timeout`` passes first.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    interval = (backoff or Backoff()).intervals()
    statuses: dict[str, str] = {}
    pending = list(fetch_statuses)
    while True:
        unfinished = []
        for job_id in pending:
            status = fetch_statuses[job_id]()
            statuses[job_id] = status
            if on_status is not None:
                on_status(job_id, status)
            if status not in final:
                unfinished.append(job_id)
        pending = unfinished
        if not pending:
            return {job_id: statuses[job_id] for job_id in fetch_statuses}
        wait = interval()
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                late = {job_id: statuses[job_id] for job_id in pending}
                raise AllWaitTimeout(late, len(fetch_statuses), float(timeout or 0))
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
    import asyncio  # here, not at the top: sync users should not pay for importing asyncio

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
