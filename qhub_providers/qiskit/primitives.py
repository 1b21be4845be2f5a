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
import threading
import uuid
from abc import abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
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
from qhub_providers.qiskit.job import HubJob
from qhub_providers.sessions import Session, active_session, context_with, session_id_for

__all__ = [
    "BACKEND_DEFAULT_SHOTS",
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


@dataclass
class SamplerOptions:
    """Options of :class:`SamplerV2` (change them on ``sampler.options`` between runs).

    Attributes:
        default_shots: Shots per PUB when neither the PUB nor ``run`` names any; ``None`` means 4096 on
            IBM backends (Qiskit Runtime's default) and 1024 elsewhere (``BackendSamplerV2``'s).
        seed_simulator: Seed of the simulation (simulators and the local Hub honour it).
        run_options: Further options of the Hub job: ``tags`` and ``job_name`` on every backend; on IBM
            ``max_execution_time``, ``log_level`` and ``runtime_options`` (merged into the primitive's
            options); elsewhere the backend's ``run`` options (e.g. ``verbatim``).
    """

    default_shots: int | None = None
    seed_simulator: int | None = None
    run_options: dict[str, Any] | None = None


@dataclass
class EstimatorOptions:
    """Options of :class:`EstimatorV2` (change them on ``estimator.options`` between runs).

    Attributes:
        default_precision: Target standard error of each expectation value when neither the PUB nor
            ``run`` names one (Qiskit's default, 1/64; on non-IBM backends it sets ``ceil(1/precision²)``
            shots per circuit).
        seed_simulator: Seed of the simulation (``seed_estimator`` on IBM backends).
        abelian_grouping: Measure commuting Pauli terms together (non-IBM backends; as in
            ``BackendEstimatorV2``).
        run_options: As for :class:`SamplerOptions`.
    """

    default_precision: float = qiskit_qpy.DEFAULT_PRECISION
    seed_simulator: int | None = None
    abelian_grouping: bool = True
    run_options: dict[str, Any] | None = None


OptionsT = TypeVar("OptionsT", SamplerOptions, EstimatorOptions)


def _options_from(kind: type[OptionsT], options: OptionsT | Mapping[str, Any] | None) -> OptionsT:
    if options is None:
        return kind()
    if isinstance(options, kind):
        return kind(**asdict(options))
    if not isinstance(options, Mapping):
        raise TypeError(f"options must be a {kind.__name__} or a dict, not {type(options).__name__}")
    unknown = sorted(set(options) - {field.name for field in fields(kind)})
    if unknown:
        known = ", ".join(field.name for field in fields(kind))
        raise TypeError(f"unknown option(s) {', '.join(unknown)}; {kind.__name__} has {known}")
    return kind(**dict(options))


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


def _split_run_options(run_options: Mapping[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(``tags``/``job_name``, everything else) out of ``run_options``."""
    given = dict(run_options or {})
    job = {key: given.pop(key) for key in _JOB_KEYWORDS if key in given}
    return job, given


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
        _, session_id = _submission_context(self._backend, self._session)
        record = self._backend.hub_client.jobs.create_job(
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
        assert record.id is not None
        return HubJob(self._backend, record.id, client=self._backend.hub_client, record=record), session_id


# ------------------------------------------------------------------------------------------------ jobs


class HubPrimitiveJob(BasePrimitiveJob, Generic[R]):
    """The job of a :class:`SamplerV2` or :class:`EstimatorV2` run.

    ``result()`` waits and returns the ``PrimitiveResult``; :meth:`hub_jobs` are the Hub jobs behind it
    (one on IBM backends, one per chunk of ``max_circuits`` circuits elsewhere) and :attr:`session_id`
    the session they joined.
    """

    def __init__(self, job_id: str, backend: HubBackend, session_id: str | None) -> None:
        super().__init__(job_id)
        self._backend = backend
        self._session_id = session_id

    def __repr__(self) -> str:
        return f"<{type(self).__name__}('{self.job_id()}') on {self._backend.name}>"

    def backend(self) -> HubBackend:
        """The backend the job runs on."""
        return self._backend

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
    def status(self) -> JobStatus:
        """Qiskit's status of the run."""

    def done(self) -> bool:
        return bool(self.status() == JobStatus.DONE)

    def running(self) -> bool:
        return bool(self.status() == JobStatus.RUNNING)

    def cancelled(self) -> bool:
        return bool(self.status() == JobStatus.CANCELLED)

    def in_final_state(self) -> bool:
        return self.status() in _FINAL


class _NativeJob(HubPrimitiveJob[R]):
    """One Hub job running a Qiskit Runtime primitive; its result is decoded once and cached."""

    def __init__(
        self, hub_job: HubJob, session_id: str | None, decode: Callable[[Any, str], R], backend: HubBackend
    ) -> None:
        super().__init__(hub_job.job_id(), backend, session_id)
        self._hub_job = hub_job
        self._decode = decode
        self._result: R | None = None
        self._lock = threading.Lock()

    def hub_jobs(self) -> list[HubJob]:
        return [self._hub_job]

    def status(self) -> JobStatus:
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
        self, backend: HubBackend, context: contextvars.Context, run_options: Mapping[str, Any]
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
        self.submitted: list[HubJob] = []
        self.cancelled = threading.Event()

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

    def run(self, run_input: Any, **options: Any) -> HubJob:
        if self.cancelled.is_set():
            # A later chunk of a cancelled run: submit nothing more.
            raise JobCancelledError(self.submitted[-1].job_id() if self.submitted else "-", "CANCELLED")
        # A fresh copy per call: one Context cannot be entered by two threads at once.
        job = self._context.copy().run(self._hub_backend.run, run_input, **{**self._run_options, **options})
        self.submitted.append(job)
        return job


class _DelegatedJob(HubPrimitiveJob[R]):
    """A run of Qiskit's backend primitive over the ``HubBackend``, waited for on a worker thread (so
    ``result(timeout=...)`` can give up without losing the run)."""

    def __init__(
        self, work: Callable[[], R], proxy: _SubmittingBackend, session_id: str | None, backend: HubBackend
    ) -> None:
        super().__init__(str(uuid.uuid4()), backend, session_id)
        self._proxy = proxy
        self._done = threading.Event()
        self._result: R | None = None
        self._error: BaseException | None = None
        name = f"qhub-primitive-{self.job_id()[:8]}"
        threading.Thread(target=self._work, args=(work,), name=name, daemon=True).start()

    def _work(self, work: Callable[[], R]) -> None:
        try:
            self._result = work()
        except BaseException as exc:  # handed to the caller by result()
            self._error = exc
        finally:
            self._done.set()

    def hub_jobs(self) -> list[HubJob]:
        return list(self._proxy.submitted)

    def status(self) -> JobStatus:
        if not self._done.is_set():
            return JobStatus.RUNNING if self._proxy.submitted else JobStatus.INITIALIZING
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
) -> _DelegatedJob[Any]:
    """Run Qiskit's backend primitive (``build`` makes it over the submitting backend) on ``pubs``."""
    context, session_id = _submission_context(primitive.backend, primitive._session)
    proxy = _SubmittingBackend(primitive.backend, context, dict(run_options or {}))
    # Built here, so a backend Qiskit cannot drive fails in the caller's thread.
    qiskit_primitive = build(proxy)
    return _DelegatedJob(lambda: qiskit_primitive.run(pubs).result(), proxy, session_id, primitive.backend)


# ------------------------------------------------------------------------------------------------ sampler


class SamplerV2(_HubPrimitive, BaseSamplerV2):
    """Qiskit's ``BaseSamplerV2`` on a Hub backend, a session or a batch.

    Args:
        mode: A :class:`~qhub_providers.qiskit.HubBackend`, or a ``Session``/``Batch`` on one (``None``
            inside a ``with Session(...)`` block takes that session).
        options: :class:`SamplerOptions` or a dict of them (``default_shots``, ``seed_simulator``,
            ``run_options``).
    """

    def __init__(
        self,
        mode: HubBackend | Session | None = None,
        options: SamplerOptions | Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(mode)
        self._options = _options_from(SamplerOptions, options)

    def __repr__(self) -> str:
        return f"<SamplerV2 on {self.mode!r}>"

    @property
    def options(self) -> SamplerOptions:
        """The sampler's options; change them in place."""
        return self._options

    def run(
        self, pubs: Iterable[Any], *, shots: int | None = None
    ) -> HubPrimitiveJob[PrimitiveResult[SamplerPubResult]]:
        """Sample each PUB (a circuit, or ``(circuit, parameter_values, shots)``); circuits must be ISA."""
        if shots is None:
            shots = self._options.default_shots
        if shots is None:
            shots = qiskit_qpy.DEFAULT_SHOTS if self.runs_natively else BACKEND_DEFAULT_SHOTS
        coerced = [SamplerPub.coerce(pub, shots) for pub in pubs]
        if not coerced:
            raise ValueError("run() needs at least one PUB")
        seed = self._options.seed_simulator
        if not self.runs_natively:
            options = {"default_shots": shots, "seed_simulator": seed}
            return _delegate(
                self,
                self._options.run_options,
                lambda proxy: BackendSamplerV2(backend=proxy, options=options),
                coerced,
            )
        job_keywords, rest = _split_run_options(self._options.run_options)
        hub_job, session_id = self._submit_native(
            lambda facts: qiskit_qpy.encode_sampler(coerced, facts, shots=shots, seed_simulator=seed, **rest),
            [pub.circuit for pub in coerced],
            job_keywords,
        )
        return _NativeJob(hub_job, session_id, partial(_sampler_result, coerced), self.backend)


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
        options: :class:`EstimatorOptions` or a dict of them (``default_precision``, ``seed_simulator``,
            ``abelian_grouping``, ``run_options``).
    """

    def __init__(
        self,
        mode: HubBackend | Session | None = None,
        options: EstimatorOptions | Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(mode)
        self._options = _options_from(EstimatorOptions, options)

    def __repr__(self) -> str:
        return f"<EstimatorV2 on {self.mode!r}>"

    @property
    def options(self) -> EstimatorOptions:
        """The estimator's options; change them in place."""
        return self._options

    def run(
        self, pubs: Iterable[Any], *, precision: float | None = None
    ) -> HubPrimitiveJob[PrimitiveResult[PubResult]]:
        """Estimate each PUB ``(circuit, observables, parameter_values?, precision?)``; circuits must be
        ISA and observables laid out on the backend's qubits."""
        if precision is None:
            precision = self._options.default_precision
        coerced = [EstimatorPub.coerce(pub, precision) for pub in pubs]
        if not coerced:
            raise ValueError("run() needs at least one PUB")
        for index, pub in enumerate(coerced):
            if pub.precision is None or not pub.precision > 0:
                raise ValueError(f"PUB {index} has precision {pub.precision}; it must be positive")
        seed = self._options.seed_simulator
        if not self.runs_natively:
            options = {
                "default_precision": precision,
                "abelian_grouping": self._options.abelian_grouping,
                "seed_simulator": seed,
            }
            return _delegate(
                self,
                self._options.run_options,
                lambda proxy: BackendEstimatorV2(backend=proxy, options=options),
                coerced,
            )
        job_keywords, rest = _split_run_options(self._options.run_options)
        hub_job, session_id = self._submit_native(
            lambda facts: qiskit_qpy.encode_estimator(
                coerced, facts, precision=precision, seed_estimator=seed, **rest
            ),
            [pub.circuit for pub in coerced],
            job_keywords,
        )
        return _NativeJob(hub_job, session_id, partial(_estimator_result, coerced), self.backend)


def _estimator_result(pubs: list[EstimatorPub], raw: Any, job_id: str) -> PrimitiveResult[PubResult]:
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
            "target_precision": pub.precision,
            "circuit_metadata": pub.circuit.metadata,
        }
        results.append(PubResult(data, metadata=metadata))
    return PrimitiveResult(results, metadata={"version": 2, "job_id": job_id})
