"""Waiting in tests for something the Hub does in the background, bounded in time."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

POLL_SECONDS = 0.02
WAIT_SECONDS = 30.0


def wait_until(check: Callable[[], T | None], *, timeout: float = WAIT_SECONDS, what: str = "condition") -> T:
    """Poll ``check`` every 20 ms until it returns something truthy, and return that; fail the test after
    ``timeout`` seconds, naming ``what`` it waited for."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(POLL_SECONDS)
