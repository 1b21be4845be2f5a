"""``client.sessions``: open, inspect, drain and close sessions."""

from __future__ import annotations

from typing import Any

from qhub_providers.api import _wire
from qhub_providers.api._endpoint import M, Namespace, endpoint
from qhub_providers.api._wire import Call, RequestOptions
from qhub_providers.api.models import CreateSessionRequest, Job, Session, SessionMode, SessionStatusResponse
from qhub_providers.api.resources import _calls
from qhub_providers.api.resources._calls import session_path

_session = _wire.adapter(Session)


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
        return _calls.get_session(session_path(id), request_options)

    @endpoint
    def get_session_status(
        self, id: str, *, request_options: RequestOptions | None = None
    ) -> Call[SessionStatusResponse]:
        """Just the status, cheaper to poll."""
        return _calls.get_session_status(session_path(id), request_options)

    @endpoint
    def get_session_jobs(self, id: str, *, request_options: RequestOptions | None = None) -> Call[list[Job]]:
        """The jobs submitted in this session."""
        return _calls.get_session_jobs(session_path(id), request_options)

    @endpoint
    def update_session_state(
        self, id: str, *, accept_jobs: bool, request_options: RequestOptions | None = None
    ) -> Call[Session]:
        """``accept_jobs=False`` drains the session (queued jobs finish, new ones are refused)."""
        return _calls.update_session_state(session_path(id), accept_jobs, request_options)

    @endpoint
    def close_session(self, id: str, *, request_options: RequestOptions | None = None) -> Call[None]:
        """Close the session; idempotent."""
        return _calls.delete(session_path(id), request_options)
