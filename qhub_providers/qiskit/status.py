"""The one table that maps Hub job statuses to Qiskit's ``JobStatus``."""

from __future__ import annotations

import logging

from qiskit.providers import JobStatus

log = logging.getLogger("qhub_providers.qiskit")

JOB_STATUS: dict[str, JobStatus] = {
    "UNKNOWN": JobStatus.INITIALIZING,
    "PENDING": JobStatus.QUEUED,
    "RUNNING": JobStatus.RUNNING,
    # A job being cancelled may still finish; Qiskit has no "cancelling", and RUNNING is the honest closest.
    "CANCELLING": JobStatus.RUNNING,
    "COMPLETED": JobStatus.DONE,
    "FAILED": JobStatus.ERROR,
    "ABORTED": JobStatus.ERROR,
    "DETACHED": JobStatus.ERROR,
    "CANCELLED": JobStatus.CANCELLED,
}


def qiskit_status(hub_status: str) -> JobStatus:
    """The Qiskit status of a Hub status; a status the Hub adds later reads as INITIALIZING (logged)."""
    status = JOB_STATUS.get(str(hub_status))
    if status is None:
        log.warning("unknown Hub job status %r; reporting it as INITIALIZING", hub_status)
        return JobStatus.INITIALIZING
    return status
