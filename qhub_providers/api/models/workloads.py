"""Workloads: jobs and sessions listed together (``GET workloads``)."""

from __future__ import annotations

from ._base import OpenEnum, UtcDatetime, WireModel
from .enums import Provider, SdkProvider, SessionMode, UsageTimeState, WorkloadType


class WorkloadResponse(WireModel):
    """A job or a session, as one entry of the workloads stream."""

    id: str | None = None
    type: OpenEnum[WorkloadType] | None = None
    backend_id: str | None = None
    provider: OpenEnum[Provider] | None = None
    # A JobStatus or a SessionStatus value depending on ``type``; the wire declares it a plain string.
    status: str | None = None
    started_at: UtcDatetime | None = None
    ended_at: UtcDatetime | None = None
    created_at: UtcDatetime | None = None
    sdk_provider: OpenEnum[SdkProvider] | None = None
    # Jobs only.
    name: str | None = None
    tags: list[str] | None = None
    # Sessions only.
    job_count: int | None = None
    usage_time_millis: int | None = None
    usage_time_state: OpenEnum[UsageTimeState] | None = None
    # None for standalone workloads (not started by a managed service execution).
    service_execution_id: str | None = None
    mode: OpenEnum[SessionMode] | None = None
