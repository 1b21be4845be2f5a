"""When the client sends a request again, and how long it waits first.

The rules, in one place:

* **Idempotent requests** (every GET, DELETE, and the PATCH of a session's state) are retried after a
  connection or protocol error, a timeout, and the answers 408, 429 and 5xx.
* **Creating a job** is retried only when the request provably did not reach the Hub (the connection
  could not be opened, or the Hub answered 408 or 429). After an ambiguous failure (a read timeout, a
  dropped connection, a 5xx) the client first *reconciles*: every job it creates carries a unique
  client-token tag, and it asks ``GET workloads?tag=<token>`` whether the Hub stored the job. If so, that
  job is returned; if not, the request is sent again. So a retry never creates a second job. A read
  timeout is the exception: the Hub may still be storing the job, so not finding it yet proves nothing;
  the client raises :class:`~qhub_providers.api.errors.UncertainSubmissionTimeout` (with the tag) instead
  of sending it again. When the last allowed attempt fails ambiguously, the client still looks the job up
  once before raising, so an error never hides a job that was stored. If the job was found but its
  record cannot be read back, the client raises
  :class:`~qhub_providers.api.errors.UncertainSubmissionError` too, never an error that would read as
  "nothing was created".
* **A result stream** cut before its first byte reached the caller is opened again (within the retries);
  once bytes were delivered, the failure is raised.
* **Creating a session** has no tag to look for, so it is retried only when it provably did not reach
  the Hub; an ambiguous failure is raised to the caller.

Waits grow exponentially with jitter and honour ``Retry-After`` (seconds or an HTTP date) and
``retry-after-ms``, both capped.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Mapping
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
