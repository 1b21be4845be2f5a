"""``HubJob``: a Hub job as a Qiskit ``JobV1``."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from qiskit.providers import JobStatus, JobV1
from qiskit.result import Result

from qhub_providers._polling import (
    AllWaitTimeout,
    Backoff,
    WaitTimeout,
    wait_for_all_final,
    wait_for_final_status,
)
from qhub_providers.api import HubQuantumClient, NotFoundError
from qhub_providers.api.models import TERMINAL_JOB_STATUSES, Job
from qhub_providers.api.resources.jobs import CLIENT_TOKEN_PREFIX
from qhub_providers.formats import FormatError, decode_result, format_module
from qhub_providers.formats.base import ClassicalLayout
from qhub_providers.progress import WaitProgress
from qhub_providers.qiskit.errors import (
    HubJobError,
    HubJobTimeoutError,
    JobAbortedError,
    JobCancelledError,
    JobDetachedError,
    JobFailedError,
)
from qhub_providers.qiskit.result import to_qiskit_result
from qhub_providers.qiskit.status import qiskit_status

if TYPE_CHECKING:
    from qhub_providers._pending import PendingSubmission
    from qhub_providers.qiskit.backend import HubBackend

CIRCUIT_METADATA_PARAM = "qiskit_circuit_metadata"
"""The ``input_params`` key that keeps each circuit's ``metadata`` with the job (the Hub allows extra keys).

Most input formats have no place for it, and a job retrieved in another process must still echo it in its
result headers."""

PRIMITIVE_TAG_PREFIX = "qhub-primitive:"
"""Tags the Hub jobs of one ``SamplerV2`` / ``EstimatorV2`` run on a non-IBM backend, so the run can be
found again from any of its jobs."""

PRIMITIVE_PARAM = "qiskit_primitive"
"""The ``input_params`` key of a primitive run's Hub jobs: program, run token, call and part, and on the
first job the PUBs (see :mod:`qhub_providers.qiskit.retrieval`)."""

_INTERNAL_TAG_PREFIXES = (CLIENT_TOKEN_PREFIX, PRIMITIVE_TAG_PREFIX)

CIRCUIT_HEADERS_PARAM = "qiskit_circuit_headers"
"""The ``input_params`` key that keeps the header fields Aer reports and no input format stores
(``n_qubits``, ``qreg_sizes``, ``global_phase``), one object per circuit, for jobs retrieved elsewhere."""

_ERRORS: dict[str, type[HubJobError]] = {
    "FAILED": JobFailedError,
    "CANCELLED": JobCancelledError,
    "ABORTED": JobAbortedError,
    "DETACHED": JobDetachedError,
}


class HubJob(JobV1):
    """A job on a Hub backend. ``result()`` waits (with backoff), converts once and caches.

    Create it with ``backend.run(...)`` or ``provider.retrieve_job(job_id)``; the latter works in a fresh
    process, since everything needed to read the result is recovered from the job's stored input.

    When the submission's outcome was uncertain, ``backend.run`` hands back a job whose id is found by its
    client token on first need: ``status()`` reads INITIALIZING until it is found, and the first call that
    needs the id raises the original ``UncertainSubmissionError`` if the job never landed.
    """

    _async = True
    _job_id: str

    def __init__(
        self,
        backend: HubBackend,
        job_id: str,
        *,
        client: HubQuantumClient,
        layouts: list[ClassicalLayout] | None = None,
        memory: bool = False,
        seed: int | None = None,
        record: Job | None = None,
        pending: PendingSubmission | None = None,
        **metadata: Any,
    ) -> None:
        super().__init__(backend, job_id, **metadata)
        self._client = client
        self._pending = pending
        self._layouts = layouts
        self._memory = memory
        self._seed = seed
        self._record = record
        self._status: str | None = str(record.status) if record and record.status else None
        self._result: Result | None = None
        self.backoff = Backoff()

    def job_id(self) -> str:
        """The Hub job id; for a submission whose outcome was uncertain, found by its client token (waiting
        a bounded time; raises the original ``UncertainSubmissionError`` if the job never landed)."""
        if not self._job_id and self._pending is not None:
            self._job_id = self._pending.resolve()
        return self._job_id

    def __repr__(self) -> str:
        if not self._job_id and self._pending is not None:
            return f"<HubJob(client token {self._pending.token!r}) on {self._backend.name}>"
        return f"<HubJob('{self.job_id()}') on {self._backend.name}>"

    def submit(self) -> None:
        """Jobs are submitted by ``backend.run``; a HubJob is never submitted twice."""
        raise HubJobError(self.job_id(), self.hub_status(), "already submitted (use backend.run to submit)")

    # -- status -----------------------------------------------------------------------------------

    def hub_status(self, refresh: bool = True) -> str:
        """The Hub's own status string (COMPLETED, DETACHED ...), cached once final."""
        if self._status in TERMINAL_JOB_STATUSES or not refresh:
            return self._status or "UNKNOWN"
        if not self._job_id and self._pending is not None:
            found = self._pending.poll()
            if found is None:
                return "UNKNOWN"  # not stored yet; the patience still lasts
            self._job_id = found
        self._status = str(self._client.jobs.get_job_status(self.job_id()).status)
        return self._status

    def status(self) -> JobStatus:
        """Qiskit's status of the job (see :mod:`qhub_providers.qiskit.status` for the mapping)."""
        return qiskit_status(self.hub_status())

    def record(self, refresh: bool = False) -> Job:
        """The Hub's job record (timestamps, tags, session ...)."""
        if self._record is None or refresh:
            self._record = self._client.jobs.get_job(self.job_id())
        return self._record

    @property
    def session_id(self) -> str | None:
        """The session the job ran in, if any."""
        return self.record().session_id

    @property
    def tags(self) -> list[str]:
        """The job's tags, without the token tag the REST client adds to make submission retry-safe."""
        return [tag for tag in self.record().tags or [] if not tag.startswith(_INTERNAL_TAG_PREFIXES)]

    def queue_position(self) -> int | None:
        """The Hub does not report queue positions; always ``None``."""
        return None

    def wait_for_final_state(
        self,
        timeout: float | None = None,
        wait: float | None = None,
        callback: Callable[[str, JobStatus, HubJob], None] | None = None,
        *,
        progress: bool | None = None,
    ) -> None:
        """Wait until the job ends, polling with backoff (``wait`` fixes the interval instead).

        ``callback(job_id, status, job)`` is called on every poll. ``progress=True`` shows a progress bar
        with the job's status on stderr (``None``: only if ``QHUB_PROGRESS=1``; see
        :mod:`qhub_providers.progress`).
        """
        backoff = Backoff(initial=wait, factor=1.0, cap=wait) if wait else self.backoff
        label = f"job {self.job_id()[:8]} on {self._backend.name}"

        with WaitProgress(1, label=label, progress=progress) as shown:

            def on_status(hub_status: str) -> None:
                shown.update(self.job_id(), hub_status)
                if callback is not None:
                    callback(self.job_id(), qiskit_status(hub_status), self)

            try:
                wait_for_final_status(
                    self.job_id(), self.hub_status, timeout=timeout, backoff=backoff, on_status=on_status
                )
            except WaitTimeout as exc:
                raise HubJobTimeoutError(self.job_id(), exc.status, exc.timeout) from None

    # -- result -----------------------------------------------------------------------------------

    def result(
        self, timeout: float | None = None, wait: float | None = None, *, progress: bool | None = None
    ) -> Result:
        """Wait for the job and return its ``Result``; raise a typed error if it did not complete.

        ``progress=True`` shows the wait on stderr (see :meth:`wait_for_final_state`).
        """
        if self._result is not None:
            return self._result
        self.wait_for_final_state(timeout=timeout, wait=wait, progress=progress)
        status = self.hub_status(refresh=False)
        if status != "COMPLETED":
            raise _ERRORS.get(status, HubJobError)(self.job_id(), status, self._reason(status))
        native = self._client.jobs.get_job_result(self.job_id())
        layouts = self._layouts_for_result()
        backend = self._backend
        shots = int(self.record().shots or 0)
        try:
            samples = decode_result(
                backend.input_format,
                native,
                layouts,
                shots,
                seed=self._seed_for_sampling(),
                backend_id=backend.name,
            )
        except FormatError as exc:
            raise HubJobError(self.job_id(), status, f"its result cannot be read: {exc}") from exc
        self._result = to_qiskit_result(
            job_id=self.job_id(),
            backend_name=backend.name,
            layouts=layouts,
            samples=samples,
            memory=self._memory,
            seed=self._seed_for_sampling(),
            metadata={"time_taken": self._time_taken()},
        )
        return self._result

    def _seed_for_sampling(self) -> int:
        # Formats that return counts or probabilities get their per-shot memory drawn here; the seed must be
        # the same in the submitting process and in one that retrieves the job, so it is read from the job.
        if self._seed is None:
            stored = (self.record().input_params or {}).get("seed_simulator")
            if isinstance(stored, int) and not isinstance(stored, bool):
                self._seed = stored
        if self._seed is not None:
            return self._seed
        return int.from_bytes(hashlib.sha256(self.job_id().encode()).digest()[:4], "big")

    def _layouts_for_result(self) -> list[ClassicalLayout]:
        if self._layouts is not None:
            return self._layouts
        # Retrieved job: read the layout back from what was submitted.
        params = dict(self.record().input_params or {})
        job_input = self._client.jobs.get_job_input(self.job_id())
        module = format_module(self._backend.input_format)
        layouts = list(module.layouts(job_input, params))
        stored = params.get(CIRCUIT_METADATA_PARAM)
        if isinstance(stored, list) and len(stored) == len(layouts):
            layouts = [
                replace(layout, metadata=dict(metadata))
                if not layout.metadata and isinstance(metadata, dict) and metadata
                else layout
                for layout, metadata in zip(layouts, stored, strict=True)
            ]
        headers = params.get(CIRCUIT_HEADERS_PARAM)
        if isinstance(headers, list) and len(headers) == len(layouts):
            layouts = [
                replace(layout, header_extras={**dict(header), **layout.header_extras})
                if isinstance(header, dict)
                else layout
                for layout, header in zip(layouts, headers, strict=True)
            ]
        self._layouts = layouts
        return self._layouts

    def _reason(self, status: str) -> str | None:
        if status == "FAILED":
            try:
                body = self._client.jobs.get_job_result(self.job_id())
            except NotFoundError:
                return None
            error = body.get("error") if isinstance(body, dict) else None
            if isinstance(error, dict) and error.get("message"):
                return str(error["message"])
            return None
        return None

    def _time_taken(self) -> float | None:
        record = self.record(refresh=True)
        if record.started_at and record.ended_at:
            return (record.ended_at - record.started_at).total_seconds()
        return None

    def cancel(self) -> bool:
        """Ask the Hub to cancel the job; ``False`` if it had already ended."""
        if self.hub_status() in TERMINAL_JOB_STATUSES:
            return False
        self._client.jobs.cancel_job(self.job_id())
        self._status = None
        return True

    def done(self) -> bool:
        return bool(self.status() == JobStatus.DONE)

    def elapsed(self) -> float:
        """Seconds since the job was created on the Hub."""
        created = self.record().created_at
        return 0.0 if created is None else time.time() - created.timestamp()


def wait_for_jobs(
    jobs: Iterable[HubJob],
    *,
    timeout: float | None = None,
    wait: float | None = None,
    progress: bool | None = None,
) -> list[JobStatus]:
    """Wait until every job has ended; return their Qiskit statuses, in the order given.

    Each poll asks only about the jobs still unfinished, and polls are spaced with backoff (``wait`` fixes
    the interval instead). ``progress=True`` shows a bar of finished out of total jobs with the number of
    jobs per status on stderr (``None``: only if ``QHUB_PROGRESS=1``). Raises
    :class:`~qhub_providers.qiskit.HubJobTimeoutError` (naming the unfinished jobs) if ``timeout`` seconds
    pass first; the jobs go on.

    >>> statuses = wait_for_jobs([backend.run(c) for c in circuits], progress=True)  # doctest: +SKIP
    """
    jobs = list(jobs)
    # The same job twice is polled once.
    by_id = {job.job_id(): job for job in jobs}
    backoff = Backoff(initial=wait, factor=1.0, cap=wait) if wait else Backoff()
    label = f"{len(by_id)} job{'' if len(by_id) == 1 else 's'}"
    with WaitProgress(len(by_id), label=label, progress=progress) as shown:
        try:
            final = wait_for_all_final(
                {job_id: job.hub_status for job_id, job in by_id.items()},
                timeout=timeout,
                backoff=backoff,
                on_status=shown.update,
            )
        except AllWaitTimeout as exc:
            raise HubJobTimeoutError(", ".join(exc.pending), exc.status, exc.timeout) from None
    return [qiskit_status(final[job.job_id()]) for job in jobs]


def circuit_headers_param(layouts: Sequence[ClassicalLayout]) -> list[dict[str, Any]] | None:
    """Each circuit's header extras as JSON for :data:`CIRCUIT_HEADERS_PARAM`; ``None`` when all are
    empty."""
    if not any(layout.header_extras for layout in layouts):
        return None
    as_json: list[dict[str, Any]] = json.loads(
        json.dumps([dict(layout.header_extras) for layout in layouts], default=str)
    )
    return as_json


def circuit_metadata_param(layouts: Sequence[ClassicalLayout]) -> list[dict[str, Any]] | None:
    """Each circuit's metadata as JSON for :data:`CIRCUIT_METADATA_PARAM`; ``None`` when all are empty.

    Values JSON cannot hold are kept as their ``str``: a retrieved job shows them as text.
    """
    if not any(layout.metadata for layout in layouts):
        return None
    metadata = [dict(layout.metadata) for layout in layouts]
    as_json: list[dict[str, Any]] = json.loads(json.dumps(metadata, default=str))
    return as_json
