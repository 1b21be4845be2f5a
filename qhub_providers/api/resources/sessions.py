"""``client.sessions``: open, inspect, drain and close sessions."""

from __future__ import annotations

from typing import Any

from qhub_providers.api import _wire
from qhub_providers.api._endpoint import M, Namespace, endpoint
from qhub_providers.api._wire import Call, RequestOptions, path
from qhub_providers.api.models import (
    CreateSessionRequest,
    Job,
    Session,
    SessionMode,
    SessionStateUpdateRequest,
    SessionStatusResponse,
)

_session = _wire.adapter(Session)
_session_status = _wire.adapter(SessionStatusResponse)
_job_list = _wire.adapter(list[Job])


def job_list(value: Any) -> list[Job]:
    """``sessions/{id}/jobs`` is documented as a list; one old generator typed it as a single Job."""
    result: list[Job] = _job_list([value] if isinstance(value, dict) else value)
    return result


def state_update(path_: str, accept_jobs: bool, options: RequestOptions | None) -> Call[Session]:
    """The PATCH that drains (``False``) or reopens (``True``) a session: idempotent, so retried."""
    body = SessionStateUpdateRequest(accept_jobs=accept_jobs).to_wire()
    return Call("PATCH", path_, _session, "Session", body=body, options=options or {})


class SessionsApi(Namespace[M]):
    """Sessions group jobs on one backend."""

    @endpoint
    def create_session(
        self,
        *,
        backend_id: str,
        mode: SessionMode | str,
        provider: str,
        ttl: int | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        sdk_provider: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> Call[Session]:
        """Open a session (``mode`` ``batch`` or ``dedicated``; ``ttl`` = maximum lifetime in seconds).

        Raises ``UnprocessableEntityError`` when the backend has no sessions. Not retried after an
        ambiguous failure (there is nothing to look it up by); see :mod:`qhub_providers.api.retry`.
        """
        body = CreateSessionRequest(
            backend_id=backend_id,
            mode=mode,
            provider=provider,
            ttl=ttl,
            tags=tags,
            metadata=metadata,
            sdk_provider=sdk_provider,
        ).to_wire()
        return Call(
            "POST",
            "sessions",
            _session,
            "Session",
            body=body,
            idempotent=False,
            options=request_options or {},
        )

    @endpoint
    def get_session(self, id: str, *, request_options: RequestOptions | None = None) -> Call[Session]:
        """A session's full record."""
        return Call("GET", path("sessions/{id}", id=id), _session, "Session", options=request_options or {})

    @endpoint
    def get_session_status(
        self, id: str, *, request_options: RequestOptions | None = None
    ) -> Call[SessionStatusResponse]:
        """Just the status, cheaper to poll."""
        return Call(
            "GET",
            path("sessions/{id}/status", id=id),
            _session_status,
            "SessionStatusResponse",
            options=request_options or {},
        )

    @endpoint
    def get_session_jobs(self, id: str, *, request_options: RequestOptions | None = None) -> Call[list[Job]]:
        """The jobs submitted in this session."""
        return Call(
            "GET", path("sessions/{id}/jobs", id=id), job_list, "a list of Job", options=request_options or {}
        )

    @endpoint
    def update_session_state(
        self, id: str, *, accept_jobs: bool, request_options: RequestOptions | None = None
    ) -> Call[Session]:
        """``accept_jobs=False`` drains the session (queued jobs finish, new ones are refused)."""
        return state_update(path("sessions/{id}", id=id), accept_jobs, request_options)

    @endpoint
    def close_session(self, id: str, *, request_options: RequestOptions | None = None) -> Call[None]:
        """Close the session; idempotent."""
        return Call(
            "DELETE", path("sessions/{id}", id=id), _wire.raw, ignore_body=True, options=request_options or {}
        )
