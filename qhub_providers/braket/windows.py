"""Whether a moment falls inside one of a device's Braket execution windows.

Windows are given in UTC with minute precision (``"15:00"`` to ``"03:00"``). A window's end minute counts in
full, so an ``"00:00"``-``"23:59"`` window covers the whole day; a window that ends before it starts runs
past midnight, and its early-morning part belongs to the day it started on.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time
from typing import Any

__all__ = ["in_execution_window"]

_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _minute(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _day_matches(execution_day: str, weekday: int) -> bool:
    if execution_day == "Everyday":
        return True
    if execution_day == "Weekdays":
        return weekday < 5
    if execution_day in {"Weekend", "Weekends"}:
        return weekday >= 5
    return execution_day in _WEEKDAY_NAMES and _WEEKDAY_NAMES.index(execution_day) == weekday


def in_execution_window(windows: Iterable[Any], now: datetime | None = None) -> bool:
    """True when ``now`` (default: the current time) lies in one of ``windows``.

    Each window has ``executionDay`` (a Braket ``ExecutionDay`` or its value), ``windowStartHour`` and
    ``windowEndHour`` (``datetime.time``), as in ``DeviceServiceProperties.executionWindows``.
    """
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    current = _minute(moment.time())
    for window in windows:
        day = getattr(window.executionDay, "value", window.executionDay)
        start, end = _minute(window.windowStartHour), _minute(window.windowEndHour)
        if start <= end:
            if start <= current <= end and _day_matches(day, moment.weekday()):
                return True
            continue
        if current >= start and _day_matches(day, moment.weekday()):
            return True
        if current <= end and _day_matches(day, (moment.weekday() - 1) % 7):
            return True
    return False
