"""Calls shared by an endpoint and its service-execution twin.

A job or session run by a managed service execution lives under ``service-executions/{id}/``. Apart from
that prefix its requests and answers are those of the caller's own jobs and sessions, so ``client.jobs``
and ``client.sessions`` describe both kinds of call with the builders here, given the resource's path.
"""

from __future__ import annotations

from typing import Any

from qhub_providers.api import _wire
from qhub_providers.api._wire import Call, Confirmation, RequestOptions, path
from qhub_providers.api.models import (
    CalibrationResponse,
    Job,
    JobStatusResponse,
    NormalizedJobInput,
    NormalizedJobResult,
    Session,
    SessionStateUpdateRequest,
    SessionStatusResponse,
)

job_adapter = _wire.adapter(Job)
_job_list = _wire.adapter(list[Job])
_job_status = _wire.adapter(JobStatusResponse)
_session = _wire.adapter(Session)
_session_status = _wire.adapter(SessionStatusResponse)
_calibration = _wire.adapter(CalibrationResponse)
_normalized_result = _wire.adapter(NormalizedJobResult)
_normalized_input = _wire.adapter(NormalizedJobInput)


def _scoped(kind: str, id: str, service_execution_id: str | None) -> str:
    if service_execution_id is None:
        return path(kind + "/{id}", id=id)
    return path("service-executions/{seid}/" + kind + "/{id}", seid=service_execution_id, id=id)


def job_path(job_id: str, service_execution_id: str | None = None) -> str:
    """``jobs/{id}``, or the job's path under its service execution."""
    return _scoped("jobs", job_id, service_execution_id)


def session_path(session_id: str, service_execution_id: str | None = None) -> str:
    """``sessions/{id}``, or the session's path under its service execution."""
    return _scoped("sessions", session_id, service_execution_id)


def job_list(value: Any) -> list[Job]:
    """``sessions/{id}/jobs`` is documented as a list; one old generator typed it as a single Job."""
    result: list[Job] = _job_list([value] if isinstance(value, dict) else value)
    return result


def delete(resource: str, options: RequestOptions | None) -> Call[None]:
    """Cancel a job or close a session: the answer has nothing to read."""
    return Call("DELETE", resource, _wire.raw, ignore_body=True, options=options or {})


# -- jobs --------------------------------------------------------------------------------------------


def get_job(job: str, options: RequestOptions | None) -> Call[Job]:
    return Call("GET", job, job_adapter, "Job", options=options or {})


def get_job_status(job: str, options: RequestOptions | None) -> Call[JobStatusResponse]:
    return Call("GET", f"{job}/status", _job_status, "JobStatusResponse", options=options or {})


def get_job_input(job: str, options: RequestOptions | None) -> Call[Any]:
    return Call("GET", f"{job}/input", _wire.raw, options=options or {})


def get_normalized_job_input(job: str, options: RequestOptions | None) -> Call[NormalizedJobInput]:
    return Call(
        "GET", f"{job}/input/normalized", _normalized_input, "NormalizedJobInput", options=options or {}
    )


def get_normalized_job_result(job: str, options: RequestOptions | None) -> Call[NormalizedJobResult | None]:
    return Call(
        "GET",
        f"{job}/result/normalized",
        _normalized_result,
        "NormalizedJobResult",
        empty_is_none=True,
        options=options or {},
    )


def get_job_calibration(job: str, options: RequestOptions | None) -> Call[CalibrationResponse | None]:
    return Call(
        "GET",
        f"{job}/calibration",
        _calibration,
        "CalibrationResponse",
        empty_is_none=True,
        options=options or {},
    )


def get_job_result_stream(job: str, chunk_size: int | None, options: RequestOptions | None) -> Call[Any]:
    """The result file, streamed in chunks of ``chunk_size`` bytes (the transport's default if None)."""
    streamed: RequestOptions = {**(options or {})}
    if chunk_size is not None:
        streamed["chunk_size"] = chunk_size
    return Call("GET", f"{job}/result-stream", _wire.raw, stream=True, options=streamed)


# -- sessions ----------------------------------------------------------------------------------------


def get_session(session: str, options: RequestOptions | None) -> Call[Session]:
    return Call("GET", session, _session, "Session", options=options or {})


def get_session_status(session: str, options: RequestOptions | None) -> Call[SessionStatusResponse]:
    return Call("GET", f"{session}/status", _session_status, "SessionStatusResponse", options=options or {})


def get_session_jobs(session: str, options: RequestOptions | None) -> Call[list[Job]]:
    return Call("GET", f"{session}/jobs", job_list, "a list of Job", options=options or {})


def update_session_state(session: str, accept_jobs: bool, options: RequestOptions | None) -> Call[Session]:
    """The PATCH that drains (``False``) or reopens (``True``) a session: idempotent, so retried."""
    body = SessionStateUpdateRequest(accept_jobs=accept_jobs).to_wire()
    # A drain retried after an ambiguous failure may find the session already drained (or closed, once
    # its last job ended): the Hub then refuses the change, but what was asked for holds.
    confirm = None if accept_jobs else Confirmation(get_session(session, options), _no_longer_accepts)
    return Call("PATCH", session, _session, "Session", body=body, confirm=confirm, options=options or {})


_NOT_ACCEPTING = frozenset({"DRAINING", "CLOSED", "ABORTED", "DETACHED"})


def _no_longer_accepts(session: Session) -> bool:
    return str(session.status) in _NOT_ACCEPTING
