"""``client.jobs``: submit, watch, fetch and cancel jobs, plus their service-execution twins."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from typing import Any, overload

from qhub_providers.api import _wire
from qhub_providers.api._endpoint import Async, ByteStream, M, Namespace, Pager, Sync, endpoint, lookup
from qhub_providers.api._wire import Call, Reconciliation, RequestOptions, path, query
from qhub_providers.api.models import (
    CalibrationResponse,
    CreateJobRequest,
    Job,
    JobStatusResponse,
    NormalizedJobInput,
    NormalizedJobResult,
    NormalizedMemoryResult,
    Page,
    QasmCircuit,
    Session,
    SessionStatusResponse,
    WireModel,
    WorkloadResponse,
)
from qhub_providers.api.resources import _calls
from qhub_providers.api.resources._calls import job_adapter as _job
from qhub_providers.api.resources._calls import job_path, session_path

CLIENT_TOKEN_PREFIX = "qhub-providers-token:"
"""Prefix of the tag that makes job creation safe to retry (see :mod:`qhub_providers.api.retry`)."""

_job_page = _wire.adapter(Page[Job])
_workload_page = _wire.adapter(Page[WorkloadResponse])
_normalized_memory = _wire.adapter(NormalizedMemoryResult)

JobInput = str | dict[str, Any] | WireModel


def _created_job(value: Any) -> Job:
    """The answer to a submission: a job record *with an id*; without one, the job cannot be followed
    (the transport then looks it up by its token, since the Hub did take it)."""
    job: Job = _job(value)
    if not job.id:
        raise ValueError("the created job has no id")
    return job


def client_token_tag(client_token: str) -> str:
    """The tag a job submitted with ``client_token`` carries: ``qhub-providers-token:<client_token>``.

    A value that already starts with :data:`CLIENT_TOKEN_PREFIX` is taken as the tag itself (it is what
    :attr:`~qhub_providers.api.errors.UncertainSubmissionError.client_token` holds).
    """
    if not isinstance(client_token, str) or not client_token:
        raise ValueError("client_token must be a non-empty string")
    if client_token.startswith(CLIENT_TOKEN_PREFIX):
        return client_token
    return CLIENT_TOKEN_PREFIX + client_token


class JobsApi(Namespace[M]):
    """Jobs: one program (or several PUBs) run on one backend."""

    @endpoint
    def search_jobs(
        self,
        *,
        page: int | None = None,
        size: int | None = None,
        sort: str | list[str] | None = None,
        service_execution_id: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> Call[Page[Job]]:
        """One page of the caller's jobs (``sort`` e.g. ``createdAt,desc``)."""
        return Call(
            "GET",
            "jobs",
            _job_page,
            "PageResponseJob",
            query=query(
                ("page", page), ("size", size), ("sort", sort), ("serviceExecutionId", service_execution_id)
            ),
            options=request_options or {},
        )

    def iter_jobs(
        self,
        *,
        size: int = 100,
        sort: str | list[str] | None = "createdAt,desc",
        service_execution_id: str | None = None,
    ) -> Pager[Job]:
        """Every job, newest first by default, fetched page by page as you iterate."""
        build = JobsApi.search_jobs.build
        return Pager(
            self._transport,
            lambda number: build(
                self, page=number, size=size, sort=sort, service_execution_id=service_execution_id
            ),
        )

    @endpoint
    def create_job(
        self,
        *,
        backend_id: str,
        shots: int,
        input: JobInput,
        name: str | None = None,
        input_format: str | None = None,
        input_params: dict[str, Any] | WireModel | None = None,
        tags: list[str] | None = None,
        session_id: str | None = None,
        sdk_provider: str | None = None,
        qasm: QasmCircuit | dict[str, Any] | None = None,
        client_token: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> Call[Job]:
        """Submit a job and return its record.

        The job carries a tag ``qhub-providers-token:<client_token>`` (a fresh UUID unless given), which
        lets the client look the job up after an ambiguous failure instead of submitting it twice. Choose
        the ``client_token`` yourself (and store it before submitting) to be able to find the job from
        another process after a crash, with :meth:`find_by_client_token`. The Hub does not deduplicate: a
        second call with the same token creates a second job, so look for the token before submitting
        again.
        """
        token = CLIENT_TOKEN_PREFIX + (client_token or uuid.uuid4().hex)
        # After an ambiguous failure the transport settles the question with the same lookup that
        # find_by_client_token sends (see qhub_providers.api.retry).
        reconcile = JobsApi.find_by_client_token.build(self, token)
        body = CreateJobRequest(
            name=name,
            backend_id=backend_id,
            shots=shots,
            input=input,
            input_format=input_format,
            input_params=input_params,
            qasm=qasm,
            tags=[*(tags or []), token],
            session_id=session_id,
            sdk_provider=sdk_provider,
        ).to_wire()
        return Call(
            "POST",
            "jobs",
            _created_job,
            "Job",
            body=body,
            idempotent=False,
            reconcile=reconcile,
            options=request_options or {},
        )

    @lookup
    def find_by_client_token(
        self, client_token: str, *, request_options: RequestOptions | None = None
    ) -> Reconciliation[Job]:
        """The job submitted with ``client_token``, or ``None`` when the Hub holds no such job (yet).

        ``client_token`` is the token you gave :meth:`create_job`, or the tag that
        :class:`~qhub_providers.api.errors.UncertainSubmissionError` carries as its ``client_token``
        (``qhub-providers-token:<token>``); both find the job. This is the lookup the client itself makes
        after an ambiguous submission failure: ``GET workloads?type=JOB&tag=<tag>``, then the job's record
        when one is listed. ``None`` only says the job is not stored *now*; a Hub slow to store may list it
        later, so ask again before submitting a second time. Were the same token submitted twice on
        purpose, one of its jobs is returned.
        """
        tag = client_token_tag(client_token)
        options = request_options or {}
        listing = Call(
            "GET",
            "workloads",
            _workload_page,
            "PageResponseWorkloadResponse",
            query=query(("type", "JOB"), ("tag", tag), ("size", 1)),
            options=options,
        )

        def found(page: Page[WorkloadResponse]) -> Call[Job] | None:
            for workload in page.content or []:
                if workload.id:
                    return _calls.get_job(job_path(workload.id), options)
            return None

        return Reconciliation(lookup=listing, found=found, token=tag)

    @endpoint
    def get_job(self, id: str, *, request_options: RequestOptions | None = None) -> Call[Job]:
        """A job's full record."""
        return _calls.get_job(job_path(id), request_options)

    @endpoint
    def get_job_status(
        self, id: str, *, request_options: RequestOptions | None = None
    ) -> Call[JobStatusResponse]:
        """Just the status, cheap to poll."""
        return _calls.get_job_status(job_path(id), request_options)

    @overload
    def wait_for_job(self: JobsApi[Sync], id: str, *, timeout: float | None = None) -> JobStatusResponse: ...
    @overload
    def wait_for_job(
        self: JobsApi[Async], id: str, *, timeout: float | None = None
    ) -> Awaitable[JobStatusResponse]: ...
    def wait_for_job(self, id: str, *, timeout: float | None = None) -> Any:
        """Poll the job's status until it is final (COMPLETED, FAILED, CANCELLED, ABORTED, DETACHED) and
        return that last status answer; awaitable on the async client, where it never blocks the loop.

        Polls are spaced by the backoff both faces use: 15 ms at first, then about 7 % of the time waited
        so far (at most 30 s), so a wait ends soon after the job does while an hour in a queue costs about
        230 requests. ``timeout`` (seconds, default none) raises ``TimeoutError`` (a
        ``qhub_providers._polling.WaitTimeout`` with the job id and last status) when it passes first.
        """
        from qhub_providers._polling import async_wait_for_final_status, wait_for_final_status

        last: list[JobStatusResponse] = []
        if self._transport.is_async:
            # The endpoint's own method: an awaitable on this namespace, typed here by hand.
            fetch_async: Any = self.get_job_status

            async def status_async() -> str:
                last[:] = [await fetch_async(id)]
                return str(last[0].status)

            async def wait_async() -> JobStatusResponse:
                await async_wait_for_final_status(id, status_async, timeout=timeout)
                return last[0]

            return wait_async()

        fetch: Any = self.get_job_status

        def status() -> str:
            last[:] = [fetch(id)]
            return str(last[0].status)

        wait_for_final_status(id, status, timeout=timeout)
        return last[0]

    @endpoint
    def get_job_result(self, id: str, *, request_options: RequestOptions | None = None) -> Call[Any]:
        """The provider-native result JSON (an object, or a list per PUB); ``None`` if empty.

        A FAILED job answers with ``{"error": {"message": ...}}``; before a terminal state the Hub says 404.
        """
        return Call(
            "GET",
            path("jobs/{id}/result", id=id),
            _wire.raw,
            empty_is_none=True,
            options=request_options or {},
        )

    @endpoint
    def get_normalized_job_result(
        self, id: str, *, request_options: RequestOptions | None = None
    ) -> Call[NormalizedJobResult | None]:
        """The result in the Hub's common shape (Qiskit bit order); ``None`` where it has none."""
        return _calls.get_normalized_job_result(job_path(id), request_options)

    @endpoint
    def get_normalized_job_memory(
        self, id: str, *, request_options: RequestOptions | None = None
    ) -> Call[NormalizedMemoryResult | None]:
        """Per-shot memory as Qiskit hex strings; ``None`` where the backend gives no per-shot data."""
        return Call(
            "GET",
            path("jobs/{id}/result/normalized/memory", id=id),
            _normalized_memory,
            "NormalizedMemoryResult",
            empty_is_none=True,
            options=request_options or {},
        )

    def get_job_result_stream(
        self, id: str, *, chunk_size: int | None = None, request_options: RequestOptions | None = None
    ) -> ByteStream:
        """The result file in chunks (``for chunk in ...`` / ``async for``); never held whole in memory."""
        call = _calls.get_job_result_stream(job_path(id), chunk_size, request_options)
        return ByteStream(self._transport, call)

    @endpoint
    def get_job_input(self, id: str, *, request_options: RequestOptions | None = None) -> Call[Any]:
        """The input as submitted (a JSON object)."""
        return _calls.get_job_input(job_path(id), request_options)

    @endpoint
    def get_normalized_job_input(
        self, id: str, *, request_options: RequestOptions | None = None
    ) -> Call[NormalizedJobInput]:
        """The input rendered as OpenQASM per PUB (422 when it cannot be rendered)."""
        return _calls.get_normalized_job_input(job_path(id), request_options)

    @endpoint
    def get_job_calibration(
        self, id: str, *, request_options: RequestOptions | None = None
    ) -> Call[CalibrationResponse | None]:
        """The calibration in effect when the job ran; ``None`` for simulators or before it ran."""
        return _calls.get_job_calibration(job_path(id), request_options)

    @endpoint
    def cancel_job(self, id: str, *, request_options: RequestOptions | None = None) -> Call[None]:
        """Ask for cancellation (the job goes through CANCELLING to CANCELLED)."""
        return _calls.delete(job_path(id), request_options)

    # -- jobs and sessions run by a managed service execution -------------------------------------

    @endpoint
    def get_service_execution_workloads(
        self,
        service_execution_id: str,
        *,
        page: int | None = None,
        size: int | None = None,
        sort: str | list[str] | None = None,
        request_options: RequestOptions | None = None,
    ) -> Call[Page[WorkloadResponse]]:
        """One page of the jobs and sessions of a service execution."""
        return Call(
            "GET",
            path("service-executions/{seid}/workloads", seid=service_execution_id),
            _workload_page,
            "PageResponseWorkloadResponse",
            query=query(("page", page), ("size", size), ("sort", sort)),
            options=request_options or {},
        )

    @endpoint
    def get_service_execution_session(
        self, service_execution_id: str, session_id: str, *, request_options: RequestOptions | None = None
    ) -> Call[Session]:
        """A session of a service execution."""
        return _calls.get_session(session_path(session_id, service_execution_id), request_options)

    @endpoint
    def update_service_execution_session_state(
        self,
        service_execution_id: str,
        session_id: str,
        *,
        accept_jobs: bool,
        request_options: RequestOptions | None = None,
    ) -> Call[Session]:
        """Drain (``accept_jobs=False``) or reopen a session of a service execution."""
        return _calls.update_session_state(
            session_path(session_id, service_execution_id), accept_jobs, request_options
        )

    @endpoint
    def close_service_execution_session(
        self, service_execution_id: str, session_id: str, *, request_options: RequestOptions | None = None
    ) -> Call[None]:
        """Close a session of a service execution."""
        return _calls.delete(session_path(session_id, service_execution_id), request_options)

    @endpoint
    def get_service_execution_session_status(
        self, service_execution_id: str, session_id: str, *, request_options: RequestOptions | None = None
    ) -> Call[SessionStatusResponse]:
        """The status of a session of a service execution."""
        return _calls.get_session_status(session_path(session_id, service_execution_id), request_options)

    @endpoint
    def get_service_execution_session_jobs(
        self, service_execution_id: str, session_id: str, *, request_options: RequestOptions | None = None
    ) -> Call[list[Job]]:
        """The jobs of a session of a service execution."""
        return _calls.get_session_jobs(session_path(session_id, service_execution_id), request_options)

    @endpoint
    def get_service_execution_job(
        self, service_execution_id: str, job_id: str, *, request_options: RequestOptions | None = None
    ) -> Call[Job]:
        """A job of a service execution."""
        return _calls.get_job(job_path(job_id, service_execution_id), request_options)

    @endpoint
    def cancel_service_execution_job(
        self, service_execution_id: str, job_id: str, *, request_options: RequestOptions | None = None
    ) -> Call[None]:
        """Cancel a job of a service execution."""
        return _calls.delete(job_path(job_id, service_execution_id), request_options)

    @endpoint
    def get_service_execution_job_status(
        self, service_execution_id: str, job_id: str, *, request_options: RequestOptions | None = None
    ) -> Call[JobStatusResponse]:
        """The status of a job of a service execution."""
        return _calls.get_job_status(job_path(job_id, service_execution_id), request_options)

    @endpoint
    def get_service_execution_normalized_job_result(
        self, service_execution_id: str, job_id: str, *, request_options: RequestOptions | None = None
    ) -> Call[NormalizedJobResult | None]:
        """The normalized result of a job of a service execution; ``None`` where it has none."""
        return _calls.get_normalized_job_result(job_path(job_id, service_execution_id), request_options)

    def get_service_execution_job_result_stream(
        self,
        service_execution_id: str,
        job_id: str,
        *,
        chunk_size: int | None = None,
        request_options: RequestOptions | None = None,
    ) -> ByteStream:
        """The result file of a job of a service execution, in chunks."""
        call = _calls.get_job_result_stream(
            job_path(job_id, service_execution_id), chunk_size, request_options
        )
        return ByteStream(self._transport, call)

    @endpoint
    def get_service_execution_job_input(
        self, service_execution_id: str, job_id: str, *, request_options: RequestOptions | None = None
    ) -> Call[Any]:
        """The input of a job of a service execution."""
        return _calls.get_job_input(job_path(job_id, service_execution_id), request_options)

    @endpoint
    def get_service_execution_normalized_job_input(
        self, service_execution_id: str, job_id: str, *, request_options: RequestOptions | None = None
    ) -> Call[NormalizedJobInput]:
        """The input of a job of a service execution, as OpenQASM per PUB."""
        return _calls.get_normalized_job_input(job_path(job_id, service_execution_id), request_options)

    @endpoint
    def get_service_execution_job_calibration(
        self, service_execution_id: str, job_id: str, *, request_options: RequestOptions | None = None
    ) -> Call[CalibrationResponse | None]:
        """The calibration in effect when a job of a service execution ran."""
        return _calls.get_job_calibration(job_path(job_id, service_execution_id), request_options)
