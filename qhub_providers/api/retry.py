"""When the client sends a request again, and how long it waits first.

The rules, in one place:

* **Idempotent requests** (every GET, DELETE, and the PATCH of a session's state) are retried after a
  connection or protocol error, a timeout, and the answers 408, 429 and 5xx.
* **Creating a job** is sent again only when the Hub provably did not take it: the connection could not
  be opened, or the Hub answered 408 or 429. After any other failure (a dropped or cut answer, a read
  timeout, a 5xx from the Hub or a gateway, a 2xx that cannot be read) it is **never sent again**: the
  job may be stored, now or a moment later. Every job the client creates carries a unique client-token
  tag; the client *settles* the question by looking the job up (``GET workloads?tag=<token>``) again and
  again for up to :attr:`RetryPolicy.settle_window` seconds. Found: that job is returned, exactly as if
  the first answer had arrived. Not found within the window: the client raises
  :class:`~qhub_providers.api.errors.UncertainSubmissionError` carrying the token, and the job was most
  likely never stored (a later lookup by the token tells for sure). "Not found yet" is never taken as
  proof that sending it again is safe, so a submission never creates two jobs.
* **A session's drain** (``PATCH sessions/{id}`` with ``accept_jobs=False``) retried after an ambiguous
  failure may meet a session the first attempt already drained (and that then closed): a 409 or 422 on
  such a retry is checked against the session's state, and a session that no longer accepts jobs is the
  success it looks like.
* **A result stream** cut before its first byte reached the caller is opened again (within the retries);
  once bytes were delivered, the failure is raised.
* **Creating a session** has no tag to look for, so it is retried only when it provably did not reach
  the Hub; an ambiguous failure is raised to the caller.

Waits grow exponentially with jitter and honour ``Retry-After`` (seconds or an HTTP date) and
``retry-after-ms``, both capped. No wait runs past the call's deadline (the client's ``timeout``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import Enum

import httpx

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})

# Errors raised before any byte of the request left this machine.
_UNSENT_ERRORS: tuple[type[Exception], ...] = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Errors after which the request may or may not have been processed.
_AMBIGUOUS_ERRORS: tuple[type[Exception], ...] = (
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
)


class Decision(Enum):
    """What to do after a failed attempt."""

    STOP = "stop"
    RETRY = "retry"
    RECONCILE = "reconcile"


def _real_sleep(seconds: float) -> None:
    time.sleep(seconds)


def _real_async_sleep(seconds: float) -> Awaitable[None]:
    import asyncio  # only async clients sleep this way; importing asyncio costs sync users ~10 ms

    return asyncio.sleep(seconds)


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff settings. ``sleep``/``async_sleep`` can be replaced, e.g. by a fake clock in tests."""

    base_delay: float = 0.5
    """First wait in seconds; doubles with every further attempt."""
    max_delay: float = 8.0
    """Longest wait between attempts without a ``Retry-After``."""
    max_retry_after: float = 60.0
    """Longest wait the client accepts from ``Retry-After``."""
    jitter: bool = True
    """Spread waits randomly over [50 %, 100 %] of the nominal value, so clients do not stampede."""
    settle_window: float = 10.0
    """Seconds a job submission that failed ambiguously keeps looking for its job by the client token
    before it raises :class:`~qhub_providers.api.errors.UncertainSubmissionError`: only a lookup that
    succeeded at least this long after the failure and still found nothing ends the search. Lookups that
    fail (the network still broken) go on for at most one more window. Counted on top of the call's
    ``timeout``, so that a submission whose answer came too late still gets looked up."""
    attempt_timeout: float | None = None
    """Seconds one attempt may take (connect, send, answer), so that a stalled connection is given up
    and retried while the call's ``timeout`` still has time left; ``None``: the whole remaining time."""
    sleep: Callable[[float], None] = field(default=_real_sleep, repr=False)
    async_sleep: Callable[[float], Awaitable[None]] = field(default=_real_async_sleep, repr=False)

    def delay(self, attempt: int, headers: Mapping[str, str] | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (0-based)."""
        hinted = retry_after(headers) if headers is not None else None
        if hinted is not None:
            return min(hinted, self.max_retry_after)
        nominal: float = min(self.max_delay, self.base_delay * (2**attempt))
        if self.jitter:
            nominal *= 0.5 + random.random() / 2
        return nominal

    def settle_waits(self) -> Iterator[float]:
        """Pauses between the lookups of a submission being settled: short at first (the job is often
        stored a moment after the failure), then growing to 1 s."""
        wait = min(0.05, self.base_delay) if self.base_delay > 0 else 0.05
        while True:
            yield wait
            wait = min(1.0, wait * 1.6)


def retry_after(headers: Mapping[str, str]) -> float | None:
    """The server's wish from ``retry-after-ms`` or ``Retry-After`` (seconds or HTTP date), if any."""
    lowered = {k.lower(): v for k, v in headers.items()}
    millis = lowered.get("retry-after-ms")
    if millis is not None:
        try:
            return max(0.0, float(millis) / 1000.0)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def decide(*, idempotent: bool, can_reconcile: bool, status: int | None, error: Exception | None) -> Decision:
    """Whether a failed attempt may be repeated, per the rules in this module's docstring."""
    if error is not None:
        if isinstance(error, _UNSENT_ERRORS):
            return Decision.RETRY
        if isinstance(error, _AMBIGUOUS_ERRORS):
            if idempotent:
                return Decision.RETRY
            return Decision.RECONCILE if can_reconcile else Decision.STOP
        return Decision.STOP
    if status is None or status not in RETRYABLE_STATUSES:
        return Decision.STOP
    if idempotent or status in {408, 429}:
        return Decision.RETRY
    return Decision.RECONCILE if can_reconcile else Decision.STOP


def proves_unsent(error: Exception) -> bool:
    """Whether a transport error happened before any byte of the request left (so nothing was stored)."""
    return isinstance(error, _UNSENT_ERRORS)
