"""Helpers shared by the Braket face's tests."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping


def total_variation(first: Mapping[str, int], second: Mapping[str, int]) -> float:
    """Total variation distance between two empirical distributions given as counts."""
    first_total, second_total = sum(first.values()), sum(second.values())
    outcomes = set(first) | set(second)
    return 0.5 * sum(abs(first.get(o, 0) / first_total - second.get(o, 0) / second_total) for o in outcomes)


def eventually(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds pass; its last value."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
