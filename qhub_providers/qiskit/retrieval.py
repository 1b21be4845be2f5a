"""Primitive jobs found again by id: ``provider.job(job_id)`` returns a job whose ``result()`` is the
``PrimitiveResult``, as ``QiskitRuntimeService.job(job_id).result()`` does.

* On IBM backends a ``SamplerV2`` / ``EstimatorV2`` run is one Hub job whose stored input holds the PUBs;
  the result is decoded against them.
* Elsewhere a run is one or more Hub jobs made by Qiskit's backend primitives. They carry a tag naming
  the run, and the first of them (whose id is the run's id) keeps the PUBs and the settings that shaped
  the circuits. Reading the run again replays Qiskit's backend primitive over those PUBs with a backend
  that hands back the stored jobs, in the order they were made, instead of submitting new ones, so the
  numbers mean exactly what they meant in the process that submitted them.
"""

from __future__ import annotations

import contextvars
from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from qiskit.primitives import BackendEstimatorV2, BackendSamplerV2
from qiskit.providers import JobStatus

from qhub_providers.api.models import Job
from qhub_providers.formats import FormatError, qiskit_qpy
from qhub_providers.qiskit.errors import HubJobError
from qhub_providers.qiskit.job import PRIMITIVE_PARAM, PRIMITIVE_TAG_PREFIX, HubJob
from qhub_providers.qiskit.primitives import (
    HubPrimitiveJob,
    _DelegatedJob,
    _estimator_result,
    _JoinedJob,
    _NativeJob,
    _sampler_result,
    _SubmittingBackend,
)

if TYPE_CHECKING:
    from qhub_providers.qiskit.backend import HubBackend

_PROGRAMS = ("sampler", "estimator")


def primitive_job(backend: HubBackend, record: Job) -> HubPrimitiveJob[Any] | None:
    """The primitive run the Hub job ``record`` belongs to, or ``None`` when it belongs to none."""
    params = dict(record.input_params or {})
    assert record.id is not None
    if backend.input_format == qiskit_qpy.INPUT_FORMAT:
        program = params.get("program_id")
        if program not in _PROGRAMS:
            return None
        return _native(backend, record, str(program))
    entry = params.get(PRIMITIVE_PARAM)
    if not isinstance(entry, Mapping) or entry.get("program") not in _PROGRAMS:
        return None
    return _replayed(backend, record, entry)


def _native(backend: HubBackend, record: Job, program: str) -> HubPrimitiveJob[Any]:
    assert record.id is not None
    client = backend.hub_client
    try:
        pubs = qiskit_qpy.stored_primitive_pubs(client.jobs.get_job_input(record.id), program)
    except FormatError as exc:
        raise HubJobError(record.id, str(record.status), f"its PUBs cannot be read back: {exc}") from exc
    hub_job = HubJob(backend, record.id, client=client, record=record)
    if program == "sampler":
        return _NativeJob(hub_job, record.session_id, partial(_sampler_result, pubs), backend, program)
    decode = partial(_estimator_result, pubs, qiskit_qpy.DEFAULT_PRECISION)
    return _NativeJob(hub_job, record.session_id, decode, backend, program)


def _replayed(backend: HubBackend, record: Job, entry: Mapping[str, Any]) -> HubPrimitiveJob[Any]:
    assert record.id is not None
    client = backend.hub_client
    token = str(entry.get("run"))
    jobs: list[tuple[int, int, Job]] = []
    for workload in client.workloads.iter_workloads(type="JOB", tag=PRIMITIVE_TAG_PREFIX + token):
        if workload.id is None:
            continue
        sibling = record if workload.id == record.id else client.jobs.get_job(workload.id)
        part = dict(sibling.input_params or {}).get(PRIMITIVE_PARAM)
        if isinstance(part, Mapping) and part.get("run") == token:
            jobs.append((int(part.get("call", 0)), int(part.get("part", 0)), sibling))
    jobs.sort(key=lambda item: item[:2])
    if not jobs:
        raise HubJobError(record.id, str(record.status), "the Hub has none of its run's jobs")
    first = dict(jobs[0][2].input_params or {}).get(PRIMITIVE_PARAM) or {}
    program = str(entry["program"])
    if first.get("pubs") is None:
        raise HubJobError(record.id, str(record.status), "its run kept no PUBs to read the result with")
    try:
        pubs = qiskit_qpy.pubs_from_records(program, first["pubs"])
    except FormatError as exc:
        raise HubJobError(record.id, str(record.status), f"its PUBs cannot be read back: {exc}") from exc
    calls: dict[int, list[HubJob]] = {}
    for call, _, stored in jobs:
        assert stored.id is not None
        calls.setdefault(call, []).append(
            HubJob(backend, stored.id, client=client, record=stored, memory=True)
        )
    proxy = _ReplayBackend(backend, [calls[call] for call in sorted(calls)])
    settings = dict(first.get("settings") or {})
    if program == "sampler":
        primitive: Any = BackendSamplerV2(backend=proxy)
    else:
        grouping = bool(settings.get("abelian_grouping", True))
        primitive = BackendEstimatorV2(backend=proxy, options={"abelian_grouping": grouping})
    replayed: _DelegatedJob[Any] = _DelegatedJob(
        lambda: primitive.run(pubs).result(), proxy, jobs[0][2].session_id, backend, program
    )
    return replayed


class _ReplayBackend(_SubmittingBackend):
    """A backend whose ``run`` hands back the stored Hub jobs of a run, call by call."""

    def __init__(self, backend: HubBackend, calls: list[list[HubJob]]) -> None:
        super().__init__(backend, contextvars.copy_context(), {})
        self._stored = list(calls)
        self._all = [job for call in calls for job in call]

    def stored_status(self) -> JobStatus:
        statuses = [job.status() for job in self._all]
        for worst in (JobStatus.ERROR, JobStatus.CANCELLED, JobStatus.RUNNING, JobStatus.QUEUED):
            if worst in statuses:
                return worst
        return JobStatus.DONE if all(s == JobStatus.DONE for s in statuses) else JobStatus.INITIALIZING

    def run(self, run_input: Any, **options: Any) -> HubJob | _JoinedJob:
        if not self._stored:
            raise HubJobError("-", "COMPLETED", "reading the run back asked for more jobs than it made")
        parts = self._stored.pop(0)
        self.submitted.extend(parts)
        self.first_submitted.set()
        return parts[0] if len(parts) == 1 else _JoinedJob(parts)
