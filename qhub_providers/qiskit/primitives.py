"""Qiskit's V2 primitives on Hub backends: ``SamplerV2`` and ``EstimatorV2``, shaped like IBM Runtime's.

>>> sampler = SamplerV2(mode=backend)                      # doctest: +SKIP
>>> with Batch(backend) as batch:                           # doctest: +SKIP
...     job = EstimatorV2(mode=batch).run([(isa, observable, values)])
...     job.result()[0].data.evs

``mode`` is a :class:`~qhub_providers.qiskit.HubBackend`, or a :class:`~qhub_providers.sessions.Session`
/ :class:`~qhub_providers.sessions.Batch` on one; jobs then carry the session's id. With a backend as
``mode``, jobs join the session of an enclosing ``with Session(...)`` block, as they do in IBM Runtime.

How a run is carried out depends on the backend:

* IBM backends (input format ``QISKIT_QPY``) run Qiskit Runtime primitives themselves: one native sampler
  or estimator job per ``run``, whose ``PrimitiveResult`` comes back decoded (registers as ``BitArray``,
  sweep shapes kept; ``evs`` and ``stds``).
* Every other backend runs through Qiskit's ``BackendSamplerV2`` / ``BackendEstimatorV2`` over the
  ``HubBackend``, so the numbers mean exactly what Qiskit's backend primitives mean (one or more Hub jobs
  per ``run``, as ``max_circuits`` allows).

Either way circuits must already fit the backend (``transpile(circuit, backend)``), and estimator
observables must be laid out on it (``observable.apply_layout(isa.layout)``).
"""

from __future__ import annotations

import contextvars
import hashlib
import math
import threading
import uuid
import warnings
from abc import abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import Any, Generic, TypeVar

import numpy as np
from qiskit.primitives import (
    BackendEstimatorV2,
    BackendSamplerV2,
    BaseEstimatorV2,
    BasePrimitiveJob,
    BaseSamplerV2,
    BitArray,
    DataBin,
    PrimitiveResult,
    PubResult,
    SamplerPubResult,
)
from qiskit.primitives.containers.estimator_pub import EstimatorPub
from qiskit.primitives.containers.sampler_pub import SamplerPub
from qiskit.providers import BackendV2, JobStatus, Options
from qiskit.result import Result
from qiskit.transpiler import Target

from qhub_providers.api import HubQuantumClient, NotFoundError
from qhub_providers.formats import BackendFacts, EncodedJob, FormatError, qiskit_qpy
from qhub_providers.qiskit.backend import HubBackend
from qhub_providers.qiskit.errors import (
    CircuitNotSupportedError,
    HubJobError,
    HubJobTimeoutError,
    JobAbortedError,
    JobCancelledError,
    JobDetachedError,
    JobFailedError,
)
from qhub_providers.qiskit.job import PRIMITIVE_PARAM, PRIMITIVE_TAG_PREFIX, HubJob
from qhub_providers.qiskit.options import (
    EstimatorOptions,
    SamplerOptions,
    Unset,
    options_from,
    runtime_options,
)
from qhub_providers.sessions import Session, active_session, context_with, session_id_for

__all__ = [
    "BACKEND_DEFAULT_SHOTS",
    "PrimitiveJobStatus",
    "EstimatorOptions",
    "EstimatorV2",
    "HubPrimitiveJob",
    "SamplerOptions",
    "SamplerV2",
]

BACKEND_DEFAULT_SHOTS = 1024
"""Shots per PUB on non-IBM backends when neither the PUB, ``run`` nor the options name any (the default
of Qiskit's ``BackendSamplerV2``). IBM backends use Qiskit Runtime's default, 4096."""

R = TypeVar("R")
_NATIVE_FORMAT = qiskit_qpy.INPUT_FORMAT
# Keywords of ``run_options`` that name the Hub job rather than tune the run.
_JOB_KEYWORDS = ("tags", "job_name")
_ERRORS: dict[str, type[HubJobError]] = {
    "FAILED": JobFailedError,
    "CANCELLED": JobCancelledError,
    "ABORTED": JobAbortedError,
    "DETACHED": JobDetachedError,
}
_FINAL = frozenset({JobStatus.DONE, JobStatus.CANCELLED, JobStatus.ERROR})


# ----------------------------------------------------------------------------------------------- options

_APPLIED_ELSEWHERE: dict[str, frozenset[str]] = {
    # What a non-IBM backend applies; every other set option has no effect there (and is named in a warning).
    "sampler": frozenset(
        {"default_shots", "simulator.seed_simulator", "environment.job_tags", "run_options"}
    ),
    "estimator": frozenset(
        {
            "default_precision",
            "default_shots",
            "seed_estimator",
            "simulator.seed_simulator",
            "environment.job_tags",
            "abelian_grouping",
            "run_options",
        }
    ),
}
# Values that ask for nothing, which a backend without the feature honours by doing nothing.
_OFF = {"resilience_level": 0}


def _unapplied(options: SamplerOptions | EstimatorOptions, kind: str) -> list[str]:
    """Set options a non-IBM backend cannot apply (an option set to "off" is applied by doing nothing)."""
    return [
        path
        for path, value in options.set_paths().items()
        if path not in _APPLIED_ELSEWHERE[kind] and value is not False and _OFF.get(path, object()) != value
    ]


def _warn_unapplied(primitive: str, backend: HubBackend, paths: list[str]) -> None:
    if paths:
        warnings.warn(
            f"{primitive} options {', '.join(paths)} have no effect on {backend.name}, which runs circuits "
            "through Qiskit's backend primitives; they apply on IBM backends (see docs/guides/primitives.md)",
            UserWarning,
            stacklevel=3,
        )


def _precision_for_shots(shots: int) -> float:
    """The precision for which ``BackendEstimatorV2`` runs exactly ``shots`` shots (``ceil(1/p²)``)."""
    precision = 1 / math.sqrt(shots)
    while math.ceil(1 / precision**2) > shots:
        precision = math.nextafter(precision, math.inf)
    return precision


def _ibm_job_options(options: SamplerOptions | EstimatorOptions, rest: Mapping[str, Any]) -> dict[str, Any]:
    """The IBM job options (``max_execution_time``, ``log_level``, ``private``, ``runtime_options``) from the
    primitive's options, with what ``run_options`` names winning."""
    out: dict[str, Any] = {}
    if options.max_execution_time is not Unset:
        out["max_execution_time"] = options.max_execution_time
    if options.environment.log_level is not Unset:
        out["log_level"] = options.environment.log_level
    if options.environment.private is not Unset:
        out["private"] = options.environment.private
    runtime = runtime_options(options)
    extra = rest.get("runtime_options")
    out.update({key: value for key, value in rest.items() if key != "runtime_options"})
    out["runtime_options"] = {**runtime, **dict(extra)} if isinstance(extra, Mapping) else runtime
    if extra is not None and not isinstance(extra, Mapping):
        out["runtime_options"] = extra  # the encoder names the mistake
    return out


# ---------------------------------------------------------------------------------------------- the mode


def _resolve_mode(mode: HubBackend | Session | None) -> tuple[HubBackend, Session | None]:
    """The backend to run on and the session jobs must join (``None``: whatever block is active)."""
    if mode is None:
        mode = active_session()
        if mode is None:
            raise TypeError(
                "mode is required outside a 'with Session(...)' block: pass a HubBackend, Session or Batch"
            )
    if isinstance(mode, Session):
        if not isinstance(mode.backend, HubBackend):
            raise TypeError(
                f"the session runs on a {type(mode.backend).__name__}; Qiskit primitives need a session "
                "opened on a HubBackend"
            )
        return mode.backend, mode
    if isinstance(mode, HubBackend):
        return mode, None
    raise TypeError(f"mode must be a HubBackend, Session or Batch, not {type(mode).__name__}")


def _submission_context(
    backend: HubBackend, session: Session | None
) -> tuple[contextvars.Context, str | None]:
    """The context jobs are submitted in (the mode's session active in it) and the session id they carry.

    Qiskit's backend primitives submit from a worker thread, which does not inherit the caller's context
    variables; handing it this context keeps ``HubBackend.run`` in the right session. Errors (a session on
    another backend, one not open) surface here, in the caller's thread.
    """
    if session is not None:
        session.open()  # IBM Runtime opens a session with its first job; so do we
    context = context_with(session)
    return context, context.run(session_id_for, backend.name)


def _split_run_options(options: SamplerOptions | EstimatorOptions) -> tuple[dict[str, Any], dict[str, Any]]:
    """(``tags``/``job_name`` for the Hub jobs, the other ``run_options``)."""
    rest = {key: value for key, value in dict(options.run_options or {}).items() if key not in _JOB_KEYWORDS}
    return options.job_fields(), rest


def _facts(backend: HubBackend) -> BackendFacts:
    configuration = backend.record.configuration
    return BackendFacts(
        backend_id=backend.name,
        num_qubits=int(configuration.qubit_count or 0) if configuration else 0,
        max_circuits=backend.max_circuits,
        is_simulator=backend.is_simulator,
        native_config=backend.native_config,
    )


class _HubPrimitive:
    """What both primitives share: the mode, and how jobs reach the Hub."""

    def __init__(self, mode: HubBackend | Session | None) -> None:
        self._backend, self._session = _resolve_mode(mode)

    @property
    def backend(self) -> HubBackend:
        """The backend the primitive runs on."""
        return self._backend

    @property
    def mode(self) -> HubBackend | Session:
        """What the primitive was built with: its session, or its backend."""
        return self._session if self._session is not None else self._backend

    @property
    def runs_natively(self) -> bool:
        """Whether the backend runs Qiskit Runtime primitives itself (IBM), rather than circuits."""
        return self._backend.input_format == _NATIVE_FORMAT

    def _submit_native(
        self, encode: Callable[[BackendFacts], EncodedJob], circuits: Sequence[Any], job: Mapping[str, Any]
    ) -> tuple[HubJob, str | None]:
        """Encode with the caller's ``encode`` and create the Hub job, in the mode's session."""
        try:
            encoded = encode(_facts(self._backend))
        except FormatError as exc:
            raise CircuitNotSupportedError(str(exc)) from exc
        from qhub_providers._pending import PendingSubmission
        from qhub_providers.api.errors import UncertainSubmissionError

        _, session_id = _submission_context(self._backend, self._session)
        client = self._backend.hub_client
        try:
            record = client.jobs.create_job(
                backend_id=self._backend.name,
                shots=encoded.shots,
                input=encoded.input,
                input_format=encoded.input_format,
                input_params=encoded.input_params,
                name=job.get("job_name"),
                tags=job.get("tags"),
                session_id=session_id,
                sdk_provider="QISKIT",
                qasm=qiskit_qpy.qasm_rendering(circuits),
            )
        except UncertainSubmissionError as exc:
            # As backend.run: the job may still land, so its id is found by its token when first needed.
            pending = PendingSubmission(client, exc)
            return HubJob(self._backend, "", client=client, pending=pending), session_id
        assert record.id is not None
        return HubJob(self._backend, record.id, client=client, record=record), session_id


# ------------------------------------------------------------------------------------------------ jobs


class PrimitiveJobStatus(str):
    """The status of a primitive job: Qiskit Runtime's string (``"QUEUED"``, ``"RUNNING"``, ``"DONE"``,
    ``"ERROR"``, ``"CANCELLED"`` ...), so loops written for IBM Runtime such as
    ``while job.status() not in ("DONE", "ERROR", "CANCELLED")`` end. It also compares equal to the
    member of Qiskit's ``JobStatus`` of the same name (``job.status() == JobStatus.DONE``), as code
    written for Qiskit's own primitives expects; :attr:`job_status` is that member."""

    __slots__ = ()

    def __new__(cls, status: JobStatus | str) -> PrimitiveJobStatus:
        name = status.name if isinstance(status, JobStatus) else str(status)
        if name not in JobStatus.__members__:
            raise ValueError(f"unknown job status {status!r}")
        return super().__new__(cls, name)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, JobStatus):
            return bool(other.name == str(self))
        return str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = str.__hash__

    def __repr__(self) -> str:
        return repr(str(self))

    @property
    def job_status(self) -> JobStatus:
        """The same status as Qiskit's ``JobStatus``."""
        return JobStatus[str(self)]


class HubPrimitiveJob(BasePrimitiveJob, Generic[R]):
    """The job of a :class:`SamplerV2` or :class:`EstimatorV2` run.

    ``result()`` waits and returns the ``PrimitiveResult``; ``status()`` answers with Qiskit Runtime's
    strings (see :class:`PrimitiveJobStatus`). :meth:`hub_jobs` are the Hub jobs behind it (one on IBM
    backends; elsewhere one per chunk of ``max_circuits`` circuits, or of the backend's most shots) and
    :attr:`session_id` the session they joined. ``job_id()`` is the id of the first Hub job, so
    ``provider.job(job_id)`` finds the run again, in this process or another.
    """

    def __init__(self, job_id: str, backend: HubBackend, session_id: str | None, program: str) -> None:
        super().__init__(job_id)
        self._backend = backend
        self._session_id = session_id
        self._program = program

    def __repr__(self) -> str:
        return f"<{type(self).__name__}('{self.job_id()}') on {self._backend.name}>"

    def backend(self) -> HubBackend:
        """The backend the job runs on."""
        return self._backend

    @property
    def program(self) -> str:
        """``"sampler"`` or ``"estimator"``."""
        return self._program

    @property
    def primitive_id(self) -> str:
        """IBM Runtime's name for what ran (``"sampler"`` or ``"estimator"``)."""
        return self._program

    @property
    def session_id(self) -> str | None:
        """The Hub session the job's Hub jobs joined, if any."""
        return self._session_id

    @abstractmethod
    def hub_jobs(self) -> list[HubJob]:
        """The Hub jobs submitted for this run so far."""

    @abstractmethod
    def result(self, timeout: float | None = None) -> R:
        """Wait (at most ``timeout`` seconds) and return the ``PrimitiveResult``."""

    @abstractmethod
    def _job_status(self) -> JobStatus:
        """Qiskit's status of the run."""

    def status(self) -> PrimitiveJobStatus:
        """The run's status as Qiskit Runtime's string (also equal to Qiskit's ``JobStatus`` member)."""
        return PrimitiveJobStatus(self._job_status())

    def done(self) -> bool:
        return bool(self._job_status() == JobStatus.DONE)

    def running(self) -> bool:
        return bool(self._job_status() == JobStatus.RUNNING)

    def cancelled(self) -> bool:
        return bool(self._job_status() == JobStatus.CANCELLED)

    def in_final_state(self) -> bool:
        return self._job_status() in _FINAL


class _NativeJob(HubPrimitiveJob[R]):
    """One Hub job running a Qiskit Runtime primitive; its result is decoded once and cached."""

    def __init__(
        self,
        hub_job: HubJob,
        session_id: str | None,
        decode: Callable[[Any, str], R],
        backend: HubBackend,
        program: str,
    ) -> None:
        super().__init__(hub_job.job_id(), backend, session_id, program)
        self._hub_job = hub_job
        self._decode = decode
        self._result: R | None = None
        self._lock = threading.Lock()

    def hub_jobs(self) -> list[HubJob]:
        return [self._hub_job]

    def _job_status(self) -> JobStatus:
        return self._hub_job.status()

    def cancel(self) -> bool:
        return self._hub_job.cancel()

    def result(self, timeout: float | None = None) -> R:
        with self._lock:
            if self._result is None:
                job = self._hub_job
                job.wait_for_final_state(timeout=timeout)
                status = job.hub_status(refresh=False)
                client = self._backend.hub_client
                if status != "COMPLETED":
                    raise _ERRORS.get(status, HubJobError)(job.job_id(), status, _reason(client, job, status))
                self._result = self._decode(client.jobs.get_job_result(job.job_id()), job.job_id())
            return self._result


def _reason(client: HubQuantumClient, job: HubJob, status: str) -> str | None:
    """The Hub's message for a failed job (stored as its result), if any."""
    if status != "FAILED":
        return None
    try:
        body = client.jobs.get_job_result(job.job_id())
    except NotFoundError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return str(error["message"]) if isinstance(error, dict) and error.get("message") else None


class _SubmittingBackend(BackendV2):
    """The ``HubBackend`` as Qiskit's backend primitives see it: every ``run`` is made in the submission
    context (so it joins the right session) with the primitive's extra run options, and the Hub jobs it
    makes are recorded for :meth:`HubPrimitiveJob.hub_jobs`."""

    def __init__(
        self,
        backend: HubBackend,
        context: contextvars.Context,
        run_options: Mapping[str, Any],
        record: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(
            provider=backend.provider,
            name=backend.name,
            description=backend.description,
            backend_version=backend.backend_version,
        )
        self._hub_backend = backend
        self._context = context
        self._run_options = dict(run_options)
        # What the Hub jobs carry so the run can be found and read again (see qiskit/retrieval.py).
        self._record = dict(record or {})
        self._token = uuid.uuid4().hex
        self._calls = 0
        self.submitted: list[HubJob] = []
        self.cancelled = threading.Event()
        self.first_submitted = threading.Event()

    @classmethod
    def _default_options(cls) -> Options:
        return Options()

    @property
    def options(self) -> Options:
        return self._hub_backend.options

    @property
    def target(self) -> Target:
        return self._hub_backend.target

    @property
    def max_circuits(self) -> int:
        return self._hub_backend.max_circuits

    def run(self, run_input: Any, **options: Any) -> HubJob | _JoinedJob:
        merged = {**self._run_options, **options}
        call = self._calls
        self._calls += 1
        shots = merged.get("shots")
        limit = self._hub_backend.shots_range[1]
        if not isinstance(shots, int) or shots <= limit:
            return self._submit(run_input, merged, call, 0)
        # More shots than one job may take (a precise estimate on a small QPU): split them evenly
        # over several jobs, each with a seed of its own so that they do not repeat one another.
        parts = math.ceil(shots / limit)
        sizes = [shots // parts + (1 if k < shots % parts else 0) for k in range(parts)]
        seed = merged.get("seed_simulator")
        jobs = [
            self._submit(
                run_input,
                {
                    **merged,
                    "shots": size,
                    "seed_simulator": None if seed is None else _part_seed(int(seed), k),
                },
                call,
                k,
            )
            for k, size in enumerate(sizes)
        ]
        return _JoinedJob(jobs)

    def stored_status(self) -> JobStatus | None:
        """For a run read back from the Hub, the status of its Hub jobs taken together; else ``None``."""
        return None

    def _submit(self, run_input: Any, options: dict[str, Any], call: int, part: int) -> HubJob:
        if self.cancelled.is_set():
            # A later chunk of a cancelled run: submit nothing more.
            raise JobCancelledError(self.submitted[-1].job_id() if self.submitted else "-", "CANCELLED")
        if self._record:
            entry: dict[str, Any] = {"program": self._record["program"], "run": self._token, "call": call}
            entry["part"] = part
            if not self.submitted:
                entry.update({key: value for key, value in self._record.items() if key != "program"})
            options = {
                **options,
                "tags": [*(options.get("tags") or []), PRIMITIVE_TAG_PREFIX + self._token],
                "hub_input_params": {PRIMITIVE_PARAM: entry},
            }
        # A fresh copy per call: one Context cannot be entered by two threads at once.
        job = self._context.copy().run(self._hub_backend.run, run_input, **options)
        self.submitted.append(job)
        self.first_submitted.set()
        return job


def _part_seed(seed: int, part: int) -> int:
    """The seed of part ``part`` of a split run: the run's own for the first part, then values far apart.

    Not ``seed + part``: simulators that seed shot ``i`` with ``seed + i`` (Aer, running shots in
    parallel) would make consecutive seeds give nearly the same shots, one shot apart.
    """
    if part == 0:
        return seed
    digest = hashlib.sha256(f"{seed}:{part}".encode()).digest()
    return int.from_bytes(digest[:4], "big") >> 1


class _JoinedJob:
    """Hub jobs that ran the same circuits with parts of one run's shots, read as one ``Result``:
    per circuit, counts added and per-shot memory concatenated, in job order."""

    def __init__(self, jobs: list[HubJob]) -> None:
        self._jobs = jobs

    def job_id(self) -> str:
        return ",".join(job.job_id() for job in self._jobs)

    def result(self) -> Result:
        results = [job.result() for job in self._jobs]
        joined = results[0].to_dict()
        for other in results[1:]:
            for experiment, more in zip(joined["results"], other.to_dict()["results"], strict=True):
                experiment["shots"] = int(experiment["shots"]) + int(more["shots"])
                data, extra = experiment["data"], more["data"]
                if "counts" in extra:
                    counts = data.setdefault("counts", {})
                    for key, value in extra["counts"].items():
                        counts[key] = counts.get(key, 0) + value
                if "memory" in extra:
                    data["memory"] = [*data.get("memory", []), *extra["memory"]]
        joined["job_id"] = self.job_id()
        return Result.from_dict(joined)


class _DelegatedJob(HubPrimitiveJob[R]):
    """A run of Qiskit's backend primitive over the ``HubBackend``, waited for on a worker thread (so
    ``result(timeout=...)`` can give up without losing the run)."""

    def __init__(
        self,
        work: Callable[[], R],
        proxy: _SubmittingBackend,
        session_id: str | None,
        backend: HubBackend,
        program: str,
    ) -> None:
        self._proxy = proxy
        self._done = threading.Event()
        self._result: R | None = None
        self._error: BaseException | None = None
        threading.Thread(target=self._work, args=(work,), name="qhub-primitive", daemon=True).start()
        # The run's id is its first Hub job's, which the Hub knows: wait for that job to be created.
        proxy.first_submitted.wait()
        if not proxy.submitted:
            assert self._error is not None
            raise self._error  # refused before anything reached the Hub (a circuit that does not fit ...)
        super().__init__(proxy.submitted[0].job_id(), backend, session_id, program)

    def _work(self, work: Callable[[], R]) -> None:
        try:
            self._result = work()
        except BaseException as exc:  # handed to the caller by result()
            self._error = exc
        finally:
            self._done.set()
            self._proxy.first_submitted.set()

    def hub_jobs(self) -> list[HubJob]:
        return list(self._proxy.submitted)

    def _job_status(self) -> JobStatus:
        stored = self._proxy.stored_status()
        if stored is not None and stored != JobStatus.DONE:
            return stored
        if stored is not None or not self._done.is_set():
            # A run read back is as far as its Hub jobs are; reading their results is local work.
            return stored or (JobStatus.RUNNING if self._proxy.submitted else JobStatus.INITIALIZING)
        if self._error is None:
            return JobStatus.DONE
        if self._proxy.cancelled.is_set() and isinstance(self._error, JobCancelledError):
            return JobStatus.CANCELLED
        return JobStatus.ERROR

    def cancel(self) -> bool:
        """Cancel the Hub jobs submitted so far (and submit no more); ``False`` if the run had ended."""
        if self._done.is_set():
            return False
        self._proxy.cancelled.set()
        for job in list(self._proxy.submitted):
            job.cancel()
        return True

    def result(self, timeout: float | None = None) -> R:
        if not self._done.wait(timeout):
            pending = [job.job_id() for job in self._proxy.submitted] or ["(none submitted yet)"]
            raise HubJobTimeoutError(", ".join(pending), "RUNNING", float(timeout or 0))
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result


def _delegate(
    primitive: _HubPrimitive,
    run_options: Mapping[str, Any] | None,
    build: Callable[[BackendV2], Any],
    pubs: list[Any],
    program: str,
    settings: Mapping[str, Any] | None = None,
) -> _DelegatedJob[Any]:
    """Run Qiskit's backend primitive (``build`` makes it over the submitting backend) on ``pubs``.

    The first Hub job keeps the PUBs and ``settings`` (what the run needs to be read again elsewhere)."""
    context, session_id = _submission_context(primitive.backend, primitive._session)
    try:
        records = qiskit_qpy.pub_records(program, pubs)
    except FormatError:
        records = None  # a PUB QPY cannot hold: the run works, but cannot be read back by id
    record = {"program": program, "pubs": records, "settings": dict(settings or {})}
    proxy = _SubmittingBackend(primitive.backend, context, dict(run_options or {}), record)
    # Built here, so a backend Qiskit cannot drive fails in the caller's thread.
    qiskit_primitive = build(proxy)
    return _DelegatedJob(
        lambda: qiskit_primitive.run(pubs).result(), proxy, session_id, primitive.backend, program
    )


# ------------------------------------------------------------------------------------------------ sampler


class SamplerV2(_HubPrimitive, BaseSamplerV2):
    """Qiskit's ``BaseSamplerV2`` on a Hub backend, a session or a batch.

    Args:
        mode: A :class:`~qhub_providers.qiskit.HubBackend`, or a ``Session``/``Batch`` on one (``None``
            inside a ``with Session(...)`` block takes that session).
        options: :class:`~qhub_providers.qiskit.options.SamplerOptions` or a dict of them, in Qiskit
            Runtime's shape (``default_shots``, ``dynamical_decoupling``, ``twirling``, ``execution``,
            ``environment``, ``simulator`` ...); nested dicts set groups.
    """

    def __init__(
        self,
        mode: HubBackend | Session | None = None,
        options: SamplerOptions | Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(mode)
        self._options = options_from(SamplerOptions, options)

    def __repr__(self) -> str:
        return f"<SamplerV2 on {self.mode!r}>"

    @property
    def options(self) -> SamplerOptions:
        """The sampler's options; change them in place (every assignment is checked)."""
        return self._options

    @options.setter
    def options(self, options: SamplerOptions | Mapping[str, Any]) -> None:
        self._options = options_from(SamplerOptions, options)

    def run(
        self, pubs: Iterable[Any], *, shots: int | None = None
    ) -> HubPrimitiveJob[PrimitiveResult[SamplerPubResult]]:
        """Sample each PUB (a circuit, or ``(circuit, parameter_values, shots)``); circuits must be ISA.

        Shots: the PUB's, else ``shots``, else ``options.default_shots``, else 4096 on IBM and 1024
        elsewhere. Where a PUB needs more shots than a non-IBM backend takes per job, they are split over
        several Hub jobs and joined.
        """
        options = self._options
        if shots is None and options.default_shots is not Unset:
            shots = int(options.default_shots)
        if shots is None:
            shots = qiskit_qpy.DEFAULT_SHOTS if self.runs_natively else BACKEND_DEFAULT_SHOTS
        coerced = [SamplerPub.coerce(pub, shots) for pub in pubs]
        if not coerced:
            raise ValueError("run() needs at least one PUB")
        seed = options.seed()
        job_fields, rest = _split_run_options(options)
        if not self.runs_natively:
            _warn_unapplied("SamplerV2", self.backend, _unapplied(options, "sampler"))
            settings = {"default_shots": shots, "seed_simulator": seed}
            return _delegate(
                self,
                {**rest, **job_fields},
                lambda proxy: BackendSamplerV2(backend=proxy, options=settings),
                coerced,
                "sampler",
            )
        ibm = _ibm_job_options(options, rest)
        hub_job, session_id = self._submit_native(
            lambda facts: qiskit_qpy.encode_sampler(coerced, facts, shots=shots, seed_simulator=seed, **ibm),
            [pub.circuit for pub in coerced],
            job_fields,
        )
        return _NativeJob(hub_job, session_id, partial(_sampler_result, coerced), self.backend, "sampler")


def _sampler_result(pubs: list[SamplerPub], raw: Any, job_id: str) -> PrimitiveResult[SamplerPubResult]:
    """An IBM sampler result as Qiskit's ``PrimitiveResult``: a ``BitArray`` per register, fields in the
    circuit's register order (which ``join_data`` follows), each of the PUB's shape."""
    try:
        decoded = qiskit_qpy.decode_sampler_bitarrays(raw)
    except FormatError as exc:
        raise HubJobError(job_id, "COMPLETED", f"its result cannot be read: {exc}") from exc
    if len(decoded) != len(pubs):
        raise HubJobError(job_id, "COMPLETED", f"{len(decoded)} PUB result(s) for {len(pubs)} PUB(s)")
    results = []
    for index, (pub, registers) in enumerate(zip(pubs, decoded, strict=True)):
        names = [register.name for register in pub.circuit.cregs if register.name in registers]
        names += [name for name in registers if name not in names]
        arrays: dict[str, BitArray] = {}
        for name in names:
            packed, num_bits = registers[name]
            bits = BitArray(packed, num_bits)
            if bits.shape != pub.shape or bits.num_shots != pub.shots:
                raise HubJobError(
                    job_id,
                    "COMPLETED",
                    f"PUB {index} register {name!r} has shape {bits.shape} x {bits.num_shots} shots, "
                    f"expected {pub.shape} x {pub.shots}",
                )
            arrays[name] = bits
        data = DataBin(**arrays, shape=pub.shape)
        metadata = {"shots": pub.shots, "circuit_metadata": pub.circuit.metadata}
        results.append(SamplerPubResult(data, metadata=metadata))
    return PrimitiveResult(results, metadata={"version": 2, "job_id": job_id})


# ---------------------------------------------------------------------------------------------- estimator


class EstimatorV2(_HubPrimitive, BaseEstimatorV2):
    """Qiskit's ``BaseEstimatorV2`` on a Hub backend, a session or a batch.

    Args:
        mode: A :class:`~qhub_providers.qiskit.HubBackend`, or a ``Session``/``Batch`` on one (``None``
            inside a ``with Session(...)`` block takes that session).
        options: :class:`~qhub_providers.qiskit.options.EstimatorOptions` or a dict of them, in Qiskit
            Runtime's shape (``default_precision``, ``default_shots``, ``resilience_level``,
            ``resilience``, ``dynamical_decoupling``, ``twirling`` ...); nested dicts set groups.
    """

    def __init__(
        self,
        mode: HubBackend | Session | None = None,
        options: EstimatorOptions | Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(mode)
        self._options = options_from(EstimatorOptions, options)

    def __repr__(self) -> str:
        return f"<EstimatorV2 on {self.mode!r}>"

    @property
    def options(self) -> EstimatorOptions:
        """The estimator's options; change them in place (every assignment is checked)."""
        return self._options

    @options.setter
    def options(self, options: EstimatorOptions | Mapping[str, Any]) -> None:
        self._options = options_from(EstimatorOptions, options)

    def run(
        self, pubs: Iterable[Any], *, precision: float | None = None
    ) -> HubPrimitiveJob[PrimitiveResult[PubResult]]:
        """Estimate each PUB ``(circuit, observables, parameter_values?, precision?)``; circuits must be
        ISA and observables laid out on the backend's qubits.

        Precision: the PUB's, else ``precision``, else ``options.default_shots`` shots when set (as on
        IBM), else ``options.default_precision``, else 1/64. Where that takes more shots than a non-IBM
        backend runs per job, the shots are split over several Hub jobs and joined.
        """
        options = self._options
        explicit = precision
        if precision is None and options.default_shots is not Unset:
            precision = _precision_for_shots(int(options.default_shots))
        if precision is None and options.default_precision is not Unset:
            precision = float(options.default_precision)
        if precision is None:
            precision = qiskit_qpy.DEFAULT_PRECISION
        # On IBM a PUB without a precision of its own stays without: the service then applies
        # default_shots or default_precision from the options, as Qiskit Runtime's estimator does.
        coerced = [EstimatorPub.coerce(pub, explicit if self.runs_natively else precision) for pub in pubs]
        if not coerced:
            raise ValueError("run() needs at least one PUB")
        for index, pub in enumerate(coerced):
            if (pub.precision is None and not self.runs_natively) or not (pub.precision or 1) > 0:
                raise ValueError(f"PUB {index} has precision {pub.precision}; it must be positive")
        seed = options.seed()
        job_fields, rest = _split_run_options(options)
        if not self.runs_natively:
            _warn_unapplied("EstimatorV2", self.backend, _unapplied(options, "estimator"))
            settings = {
                "default_precision": precision,
                "abelian_grouping": options.abelian_grouping is not False,
                "seed_simulator": seed,
            }
            return _delegate(
                self,
                {**rest, **job_fields},
                lambda proxy: BackendEstimatorV2(backend=proxy, options=settings),
                coerced,
                "estimator",
                {"abelian_grouping": settings["abelian_grouping"]},
            )
        ibm = _ibm_job_options(options, rest)
        if options.resilience_level is not Unset:
            ibm["resilience_level"] = int(options.resilience_level)
        hub_job, session_id = self._submit_native(
            lambda facts: qiskit_qpy.encode_estimator(
                coerced, facts, precision=explicit, seed_estimator=seed, **ibm
            ),
            [pub.circuit for pub in coerced],
            job_fields,
        )
        return _NativeJob(
            hub_job, session_id, partial(_estimator_result, coerced, precision), self.backend, "estimator"
        )


def _estimator_result(
    pubs: list[EstimatorPub], default_precision: float, raw: Any, job_id: str
) -> PrimitiveResult[PubResult]:
    """An IBM estimator result as Qiskit's ``PrimitiveResult``: ``evs``, ``stds`` (and any further
    arrays the service sent) of each PUB's shape."""
    try:
        decoded = qiskit_qpy.decode_estimator(raw)
    except FormatError as exc:
        raise HubJobError(job_id, "COMPLETED", f"its result cannot be read: {exc}") from exc
    if len(decoded) != len(pubs):
        raise HubJobError(job_id, "COMPLETED", f"{len(decoded)} PUB result(s) for {len(pubs)} PUB(s)")
    results = []
    for index, (pub, entry) in enumerate(zip(pubs, decoded, strict=True)):
        if tuple(entry["shape"]) != pub.shape:
            raise HubJobError(
                job_id, "COMPLETED", f"PUB {index} has values of shape {entry['shape']}, expected {pub.shape}"
            )
        arrays = {
            name: np.asarray(value, dtype=float)
            for name, value in entry.items()
            if name not in ("shape", "metadata") and np.shape(value) == pub.shape
        }
        data = DataBin(**arrays, shape=pub.shape)
        metadata = {
            **dict(entry["metadata"]),
            "target_precision": pub.precision
            if pub.precision is not None
            else dict(entry["metadata"]).get("target_precision", default_precision),
            "circuit_metadata": pub.circuit.metadata,
        }
        results.append(PubResult(data, metadata=metadata))
    return PrimitiveResult(results, metadata={"version": 2, "job_id": job_id})
