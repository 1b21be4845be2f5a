"""How Hub statuses read on the Braket side: the one table for task states, one for device statuses.

Braket knows seven task states; the Hub has nine job statuses. The two without a Braket twin that end a
job without a result (ABORTED, DETACHED) read as FAILED, with the reason in ``metadata()["failureReason"]``;
UNKNOWN (the provider has not reported yet) reads as CREATED. A status this table does not know (a newer Hub)
also reads as CREATED, so code that polls keeps polling instead of crashing on a ``KeyError``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from types import MappingProxyType

from qhub_providers.api.models import JobStatus

__all__ = [
    "BRAKET_TASK_STATES",
    "NO_RESULT_TERMINAL_STATES",
    "RESULTS_READY_STATES",
    "TERMINAL_STATES",
    "braket_device_status",
    "braket_state",
    "standing_reason",
]

_log = logging.getLogger("qhub_providers.braket")

BRAKET_TASK_STATES: tuple[str, ...] = (
    "CREATED",
    "QUEUED",
    "RUNNING",
    "COMPLETED",
    "FAILED",
    "CANCELLING",
    "CANCELLED",
)
"""The seven states of an Amazon Braket quantum task."""

TERMINAL_STATES: frozenset[str] = frozenset({"COMPLETED", "FAILED", "CANCELLED"})
NO_RESULT_TERMINAL_STATES: frozenset[str] = frozenset({"FAILED", "CANCELLED"})
RESULTS_READY_STATES: frozenset[str] = frozenset({"COMPLETED"})

_TASK_STATE_OF_HUB_STATUS: Mapping[str, str] = MappingProxyType(
    {
        JobStatus.UNKNOWN: "CREATED",
        JobStatus.PENDING: "QUEUED",
        JobStatus.RUNNING: "RUNNING",
        JobStatus.CANCELLING: "CANCELLING",
        JobStatus.COMPLETED: "COMPLETED",
        JobStatus.FAILED: "FAILED",
        JobStatus.CANCELLED: "CANCELLED",
        JobStatus.ABORTED: "FAILED",
        JobStatus.DETACHED: "FAILED",
    }
)

# Why a job that ended without a result has none, for the statuses whose meaning is the reason itself. FAILED
# is not here: its reason is the error the Hub stores as the job's result.
_STANDING_REASONS: Mapping[str, str] = MappingProxyType(
    {
        JobStatus.ABORTED: "The Hub aborted the job (Hub status ABORTED); it produced no result.",
        JobStatus.DETACHED: (
            "The job outlived the credential that submitted it (Hub status DETACHED); it will never produce "
            "a result. Submit it again with a valid token."
        ),
    }
)

# The Hub's PAUSED backend accepts jobs but runs none, and UNKNOWN promises nothing; Braket's vocabulary
# has only ONLINE, OFFLINE and RETIRED, and neither of the two is ONLINE in any sense a user relies on.
_DEVICE_STATUS_OF_HUB_STATUS: Mapping[str, str] = MappingProxyType(
    {
        "ONLINE": "ONLINE",
        "PAUSED": "OFFLINE",
        "OFFLINE": "OFFLINE",
        "RETIRED": "RETIRED",
        "UNKNOWN": "OFFLINE",
    }
)

_warned_unknown: set[str] = set()


def braket_state(hub_status: str | None) -> str:
    """The Braket task state of a Hub job status (``None`` or an unknown status reads as CREATED)."""
    if hub_status is None:
        return "CREATED"
    state = _TASK_STATE_OF_HUB_STATUS.get(str(hub_status))
    if state is None:
        if hub_status not in _warned_unknown:
            _warned_unknown.add(str(hub_status))
            _log.warning("The Hub reported the unknown job status %r; treating it as CREATED.", hub_status)
        return "CREATED"
    return state


def standing_reason(hub_status: str) -> str | None:
    """The failure reason a Hub status implies by itself (ABORTED, DETACHED), else None."""
    return _STANDING_REASONS.get(str(hub_status))


def braket_device_status(hub_status: str | None) -> str:
    """The Braket device status (ONLINE, OFFLINE, RETIRED) of a Hub backend status."""
    return _DEVICE_STATUS_OF_HUB_STATUS.get(str(hub_status or "UNKNOWN"), "OFFLINE")
