"""Sessions: the ``Session`` record, its terse status view, the bodies of ``POST`` / ``PATCH sessions``."""

from __future__ import annotations

from typing import Any

from ._base import OpenEnum, UtcDatetime, WireModel
from .enums import Provider, SdkProvider, SessionMode, SessionStatus, UsageTimeState


class Session(WireModel):
    """A session as the Hub reports it (``GET sessions/{id}``, the reply to ``POST`` / ``PATCH sessions``)."""

    id: str | None = None
    backend_id: str | None = None
    provider: OpenEnum[Provider] | None = None
    status: OpenEnum[SessionStatus] | None = None
    mode: OpenEnum[SessionMode] | None = None
    created_at: UtcDatetime | None = None
    started_at: UtcDatetime | None = None
    closed_at: UtcDatetime | None = None
    expires_at: UtcDatetime | None = None
    usage_time_millis: int | None = None
    # Upstream session id (IBM's session id for IBM backends).
    provider_id: str | None = None
    # Read-only: the union of the tags of the session's jobs.
    tags: list[str] | None = None
    # Free-form; for IBM sessions it carries max_ttl, active_ttl, interactive_ttl, last_job_started, ...
    metadata: dict[str, Any] | None = None
    sdk_provider: OpenEnum[SdkProvider] | None = None
    usage_time_state: OpenEnum[UsageTimeState] | None = None
    final: bool | None = None


class SessionStatusResponse(WireModel):
    """Reply of ``GET sessions/{id}/status``."""

    status: OpenEnum[SessionStatus] | None = None


class CreateSessionRequest(WireModel):
    """Body of ``POST sessions``.

    ``tags`` is not part of the 3.3.0 wire contract (the seed document lists it); leave it unset to send
    exactly what the reference client sends.
    """

    backend_id: str
    mode: OpenEnum[SessionMode]
    ttl: int | None = None
    tags: list[str] | None = None
    metadata: dict[str, Any] | None = None
    provider: OpenEnum[Provider]
    sdk_provider: OpenEnum[SdkProvider] | None = None


class SessionStateUpdateRequest(WireModel):
    """Body of ``PATCH sessions/{id}``: ``accept_jobs=False`` drains the session (no new jobs)."""

    accept_jobs: bool
