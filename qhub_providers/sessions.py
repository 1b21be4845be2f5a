"""Hub sessions for both faces: ``Session`` (dedicated) and ``Batch`` (batch mode).

Shaped like IBM Runtime's: use them as context managers; jobs and tasks submitted inside the block carry
the session's id. The active session lives in a :class:`~contextvars.ContextVar`, so it is right per thread
and per asyncio task, nested blocks restore the outer one, and nobody's ``run`` is patched. Leaving the
block drains the session (no new jobs; queued ones finish); :meth:`Session.cancel` closes it at once.

>>> with Batch(backend) as batch:                      # doctest: +SKIP
...     jobs = [backend.run(c) for c in circuits]      # each job carries batch.session_id
"""

from __future__ import annotations

import contextvars
import re
from contextvars import ContextVar, Token
from typing import Any, Self

from qhub_providers._polling import AllWaitTimeout, WaitTimeout, wait_for_final_status
from qhub_providers.api import HubQuantumClient, UnprocessableEntityError
from qhub_providers.api.errors import HubError
from qhub_providers.api.models import FINAL_SESSION_STATUSES, TERMINAL_JOB_STATUSES, Job
from qhub_providers.api.models import Session as SessionRecord
from qhub_providers.progress import WaitProgress

_ACTIVE: ContextVar[Session | None] = ContextVar("qhub_active_session", default=None)
_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_ALL_ENDED = "__all_jobs_ended__"


class SessionError(HubError):
    """A session cannot be opened or used (no sessions on the backend, already closed, wrong backend)."""


def parse_max_time(value: int | float | str | None) -> int | None:
    """Seconds from ``7200``, ``"2h"``, ``"1h 30m"``, ``"90s"`` or ``"1d"``; ``None`` stays ``None``."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("max_time must be seconds or a string such as '1h 30m'")
    if isinstance(value, int | float):
        seconds = int(value)
    else:
        text = value.strip().lower().replace(" ", "")
        parts = re.fullmatch(r"((\d+(\.\d+)?)[dhms])+", text)
        if not parts:
            raise ValueError(f"max_time {value!r} is not a duration such as 3600, '2h' or '1h 30m'")
        seconds = int(sum(float(n) * _UNITS[u] for n, _, u in re.findall(r"(\d+(\.\d+)?)([dhms])", text)))
    if seconds <= 0:
        raise ValueError("max_time must be positive")
    return seconds


def _hub_side(target: Any) -> tuple[HubQuantumClient, str, str, str]:
    """(client, backend id, provider, SDK) of a Qiskit ``HubBackend`` or a Braket ``HubBraketDevice``."""
    client = getattr(target, "hub_client", None)
    backend_id = getattr(target, "hub_backend_id", None)
    provider = getattr(target, "hub_provider", None)
    sdk = getattr(target, "hub_sdk", "CLIENT")
    if not isinstance(client, HubQuantumClient) or not backend_id or not provider:
        raise TypeError(f"sessions need a HubBackend or a HubBraketDevice, not {type(target).__name__}")
    return client, str(backend_id), str(provider), str(sdk)


class Session:
    """A dedicated Hub session on one backend (``Batch`` for batch mode).

    Args:
        backend: A ``HubBackend`` (Qiskit) or ``HubBraketDevice`` (Braket).
        max_time: Longest life of the session: seconds or a string such as ``"1h 30m"``.
        metadata: Free-form metadata stored with the session.
    """

    mode = "dedicated"

    def __init__(
        self,
        backend: Any,
        max_time: int | float | str | None = None,
        *,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._client, self.backend_id, self.provider, self.sdk_provider = _hub_side(backend)
        self.backend = backend
        self.max_time = parse_max_time(max_time)
        self._metadata = metadata
        self._record: SessionRecord | None = None
        self._tokens: list[Token[Session | None]] = []

    @classmethod
    def from_id(cls, session_id: str, backend: Any) -> Self:
        """Reattach to an existing session (e.g. from another process)."""
        session = cls(backend)
        record = session._client.sessions.get_session(session_id)
        if record.backend_id and record.backend_id != session.backend_id:
            raise SessionError(
                f"session {session_id} runs on {record.backend_id}, not on {session.backend_id}"
            )
        session._record = record
        return session

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.session_id or '(not opened)'} on {self.backend_id}>"

    # -- lifecycle -------------------------------------------------------------------------------

    def open(self) -> Self:
        """Create the session on the Hub (done for you when a ``with`` block is entered)."""
        if self._record is not None:
            return self
        try:
            self._record = self._client.sessions.create_session(
                backend_id=self.backend_id,
                mode=self.mode,
                provider=self.provider,
                ttl=self.max_time,
                metadata=self._metadata,
                sdk_provider=self.sdk_provider,
            )
        except UnprocessableEntityError as exc:
            raise SessionError(
                f"cannot open a {self.mode} session on {self.backend_id}: {exc.detail}"
            ) from exc
        return self

    @property
    def session_id(self) -> str | None:
        """The Hub's id of the session (``None`` until it is opened)."""
        return self._record.id if self._record is not None else None

    def _id(self) -> str:
        if self._record is None or self._record.id is None:
            raise SessionError("the session is not open yet; use it in a 'with' block or call open()")
        return self._record.id

    def details(self) -> SessionRecord:
        """The Hub's session record (status, mode, timestamps, usage ...), fresh."""
        self._record = self._client.sessions.get_session(self._id())
        return self._record

    def status(self) -> str:
        """The Hub's status: OPEN, ACTIVE, INACTIVE, DRAINING, CLOSED ..."""
        return str(self._client.sessions.get_session_status(self._id()).status)

    def usage(self) -> float:
        """Seconds of backend time used by the session's jobs so far."""
        return float(self.details().usage_time_millis or 0) / 1000.0

    def jobs(self) -> list[Job]:
        """The Hub's records of the jobs submitted in this session."""
        return self._client.sessions.get_session_jobs(self._id())

    def wait_for_jobs(self, timeout: float | None = None, *, progress: bool | None = None) -> list[Job]:
        """Wait until every job submitted in the session so far has ended; return the jobs' records.

        Each poll is one request for all of the session's jobs, and polls are spaced with backoff; jobs
        submitted meanwhile (from another thread) are waited for too. ``progress=True`` shows a bar of
        finished out of total jobs with the number of jobs per status on stderr (``None``: only if
        ``QHUB_PROGRESS=1``). Raises ``TimeoutError`` naming the unfinished jobs if ``timeout`` seconds
        pass first; the jobs go on.
        """
        session_id = self._id()
        latest: list[Job] = []
        label = f"{self.mode} session {session_id[:8]}"
        with WaitProgress(0, label=label, progress=progress) as shown:

            def poll() -> str:
                latest[:] = self.jobs()
                statuses = {str(job.id): str(job.status) for job in latest}
                shown.update_all(statuses, total=len(statuses))
                ended = all(status in TERMINAL_JOB_STATUSES for status in statuses.values())
                return _ALL_ENDED if ended else "waiting"

            try:
                wait_for_final_status(session_id, poll, timeout=timeout, final=frozenset({_ALL_ENDED}))
            except WaitTimeout as exc:
                pending = {
                    str(job.id): str(job.status)
                    for job in latest
                    if str(job.status) not in TERMINAL_JOB_STATUSES
                }
                raise AllWaitTimeout(pending, len(latest), exc.timeout) from None
        return list(latest)

    def close(self) -> None:
        """Stop accepting jobs; jobs already submitted finish (the session drains, then closes)."""
        if self._record is None:
            return
        if str(self._record.status) in FINAL_SESSION_STATUSES:
            return
        try:
            self._record = self._client.sessions.update_session_state(self._id(), accept_jobs=False)
        except UnprocessableEntityError:
            self._record = self._client.sessions.get_session(self._id())  # already final

    def cancel(self) -> None:
        """Close the session at once."""
        if self._record is not None:
            self._client.sessions.close_session(self._id())
            self._record = self._client.sessions.get_session(self._id())

    def __enter__(self) -> Self:
        self.open()
        self._tokens.append(_ACTIVE.set(self))
        return self

    def __exit__(self, *exc: object) -> None:
        _ACTIVE.reset(self._tokens.pop())
        self.close()


class Batch(Session):
    """A Hub session in batch mode: jobs share priority but do not reserve the backend."""

    mode = "batch"


def context_with(session: Session | None) -> contextvars.Context:
    """A copy of the caller's context in which ``session`` is the active one.

    For work that submits from other threads (Qiskit's backend primitives, thread pools): those threads do
    not inherit the caller's context, so run their submissions with ``context.run(...)``.
    """
    context = contextvars.copy_context()
    if session is not None:
        context.run(_ACTIVE.set, session)
    return context


def active_session() -> Session | None:
    """The session of the innermost enclosing ``with Session/Batch`` block in this thread or task."""
    return _ACTIVE.get()


def session_id_for(backend_id: str) -> str | None:
    """The id a job for ``backend_id`` must carry, or ``None`` outside any session block.

    Raises :class:`SessionError` when the active session is for another backend or no longer accepts
    jobs (drained or closed).
    """
    session = _ACTIVE.get()
    if session is None:
        return None
    if session.backend_id != backend_id:
        raise SessionError(
            f"the active {session.mode} session runs on {session.backend_id}; a job for {backend_id} cannot "
            "join it (leave the block, or open a session on that backend)"
        )
    return session._id()
