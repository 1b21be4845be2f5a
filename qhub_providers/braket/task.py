"""``HubQuantumTask``: a Hub job seen as an Amazon Braket ``QuantumTask``."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
from collections import Counter
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias

import numpy as np
from braket.tasks import QuantumTask

from qhub_providers._connect import connect
from qhub_providers._polling import Backoff, WaitTimeout, async_wait_for_final_status, wait_for_final_status
from qhub_providers.api.errors import BadRequestError, NotFoundError
from qhub_providers.api.models import TERMINAL_JOB_STATUSES, Job, JobStatus
from qhub_providers.api.resources.jobs import CLIENT_TOKEN_PREFIX
from qhub_providers.braket.program_sets import (
    LAYOUT_TAG_PREFIX,
    ExpandedProgramSet,
    rebuild_expansion,
    regroup_program_set_result,
)
from qhub_providers.braket.states import (
    NO_RESULT_TERMINAL_STATES,
    RESULTS_READY_STATES,
    TERMINAL_STATES,
    braket_state,
    standing_reason,
)
from qhub_providers.formats.base import FormatError

if TYPE_CHECKING:
    from qhub_providers._pending import PendingSubmission
    from qhub_providers.api import HubQuantumClient
    from qhub_providers.api.models import Backend

TaskResult: TypeAlias = Any
"""A ``GateModelQuantumTaskResult`` or an ``AnalogHamiltonianSimulationQuantumTaskResult`` (braket ships no
type information, so the alias cannot be narrower)."""

__all__ = ["DEFAULT_POLL_INTERVAL", "DEFAULT_POLL_TIMEOUT", "GradientMissingError", "HubQuantumTask"]

DEFAULT_POLL_TIMEOUT = 432000.0
"""Seconds ``result()`` waits before giving up (five days, as ``AwsQuantumTask``)."""
DEFAULT_POLL_INTERVAL = 1.0
"""Longest pause between two polls; the first polls come much sooner (see :class:`Backoff`)."""

_log = logging.getLogger("qhub_providers.braket")

# The prefix of an AWS task ARN (``arn:aws:braket:<region>:<account>:quantum-task/<id>``); its tail is the id.
_TASK_ARN = re.compile(r"^arn:aws:braket:[^:]*:[^:]*:quantum-task/(?P<id>.+)$")


class GradientMissingError(RuntimeError):
    """The program asked for an ``AdjointGradient`` and the Hub's result carries none.

    Raised instead of handing back the bare expectation value the result holds, which would read as if the
    gradient were simply missing from a correct answer.
    """


class HubQuantumTask(QuantumTask):
    """A job on the Kipu Quantum Hub, with the interface of Braket's ``AwsQuantumTask``.

    ``HubQuantumTask(task_id)`` reconnects to an existing job, from any process: the token, organization and
    base URL come from the arguments, else the environment (``KQH_PERSONAL_ACCESS_TOKEN``,
    ``KQH_ORGANIZATION_ID``, ``QHUB_QUANTUM_BASE_URL`` ...), else the qhubctl configuration.

    The positional arguments follow ``AwsQuantumTask(arn, aws_session, poll_timeout_seconds,
    poll_interval_seconds, logger, quiet, task_specification)``.

    Args:
        arn: The task's id: the Hub job id (what ``task.id`` and ``metadata()["quantumTaskArn"]`` give). An
            ARN of the form ``arn:aws:braket:...:quantum-task/<id>`` is read as ``<id>``.
        aws_session: Not used by the Hub; passing one raises ``TypeError`` (give ``access_token`` or
            ``client`` instead).
        poll_timeout_seconds: How long ``result()`` waits before returning None.
        poll_interval_seconds: The longest pause between two status polls.
        logger: Where waiting and failure messages go (default ``qhub_providers.braket``).
        quiet: Leave out the warnings about tasks that ended without a result.
        task_specification: The program the task runs, if known; a ``ProgramSet`` gives a
            ``ProgramSetQuantumTaskResult`` with its observables' expectation values, as with AWS.
        task_id: Another name for ``arn``.
        access_token: Hub access token.
        organization_id: Organization to act in.
        base_url: Quantum API root (for example a local Hub's).
        client: A ready client instead of the three above.
    """

    TERMINAL_STATES: ClassVar[frozenset[str]] = TERMINAL_STATES
    NO_RESULT_TERMINAL_STATES: ClassVar[frozenset[str]] = NO_RESULT_TERMINAL_STATES
    RESULTS_READY_STATES: ClassVar[frozenset[str]] = RESULTS_READY_STATES
    DEFAULT_RESULTS_POLL_TIMEOUT: ClassVar[float] = DEFAULT_POLL_TIMEOUT
    DEFAULT_RESULTS_POLL_INTERVAL: ClassVar[float] = DEFAULT_POLL_INTERVAL

    _known_id: str | None
    """The Hub job id; ``None`` only while a submission with an uncertain outcome is being looked for."""
    _identity: str | tuple[str, str] | object
    """What equality and the hash rest on, fixed at construction (see ``__eq__``)."""

    def __init__(
        self,
        arn: str | None = None,
        aws_session: Any = None,
        poll_timeout_seconds: float = DEFAULT_POLL_TIMEOUT,
        poll_interval_seconds: float = DEFAULT_POLL_INTERVAL,
        logger: logging.Logger | None = None,
        quiet: bool = False,
        task_specification: Any = None,
        *,
        task_id: str | None = None,
        access_token: str | None = None,
        organization_id: str | None = None,
        base_url: str | None = None,
        client: HubQuantumClient | None = None,
    ) -> None:
        if arn is not None and task_id is not None and arn != task_id:
            raise TypeError("pass the task's id once, as arn or as task_id")
        given = arn if arn is not None else task_id
        if not isinstance(given, str) or not given:
            raise ValueError("arn must be the id of a Hub job (a non-empty string), as task.id gives it")
        if aws_session is not None:
            raise TypeError(
                "HubQuantumTask takes no aws_session: the Hub authenticates with a Hub token. Pass "
                "access_token=... or client=..., or set KQH_PERSONAL_ACCESS_TOKEN."
            )
        matched = _TASK_ARN.match(given)
        self._pending: PendingSubmission | None = None
        self._id = matched.group("id") if matched else given
        self._identity = self._id
        self._client = connect(access_token, organization_id, base_url, client)
        self._poll_timeout_seconds = float(poll_timeout_seconds)
        self._poll_interval_seconds = float(poll_interval_seconds)
        self._logger = logger or _log
        self._quiet = bool(quiet)
        self._task_specification = task_specification
        self._expanded: ExpandedProgramSet | None = None
        self._backend: Backend | None = None
        self._hub_status: str | None = None
        self._job: Job | None = None
        self._failure_reason: str | None = None
        self._result: TaskResult | None = None
        self._future: asyncio.Task[TaskResult | None] | None = None

    @classmethod
    def _submitted(
        cls,
        job: Job | PendingSubmission,
        client: HubQuantumClient,
        poll_timeout_seconds: float,
        poll_interval_seconds: float,
        *,
        backend: Backend | None = None,
        logger: logging.Logger | None = None,
        quiet: bool = False,
        task_specification: Any = None,
        expanded: ExpandedProgramSet | None = None,
    ) -> HubQuantumTask:
        """The task of a job just created through ``client`` (no extra request).

        Given a :class:`~qhub_providers._pending.PendingSubmission` instead of a record (the submission's
        outcome was uncertain), the task's id is found by the client token when first needed.
        """
        pending = None if isinstance(job, Job) else job
        task = cls(
            str(job.id) if isinstance(job, Job) else "pending",
            None,
            poll_timeout_seconds,
            poll_interval_seconds,
            logger,
            quiet,
            task_specification,
            client=client,
        )
        if isinstance(job, Job):
            task._job = job
            task._hub_status = str(job.status) if job.status is not None else None
        else:
            task._pending = pending
            task._known_id = job.job_id
            task._identity = _submission_identity(job)
        task._backend = backend
        task._expanded = expanded
        return task

    @property
    def id(self) -> str:
        """The Hub job id; ``HubQuantumTask(task.id)`` reconnects to the task.

        For a submission whose outcome was uncertain, the id is found by the client token (waiting a bounded
        time); the original ``UncertainSubmissionError`` is raised if the job never landed.
        """
        return self._id

    @property
    def _id(self) -> str:
        if self._known_id is None:
            assert self._pending is not None
            self._known_id = self._pending.resolve()
        return self._known_id

    @_id.setter
    def _id(self, value: str) -> None:
        self._known_id = value

    # -- state and metadata ----------------------------------------------------------------------------

    def state(self, use_cached_value: bool = False) -> str:
        """One of Braket's seven states: CREATED, QUEUED, RUNNING, COMPLETED, FAILED, CANCELLING, CANCELLED.

        With ``use_cached_value`` the last state seen is returned without asking the Hub (the Hub is asked
        if nothing was seen yet). A final state is never asked again.
        """
        if use_cached_value and self._hub_status is not None:
            return braket_state(self._hub_status)
        return braket_state(self._fetch_hub_status())

    def metadata(self, use_cached_value: bool = False) -> dict[str, Any]:
        """The job's record in the shape of Braket's ``GetQuantumTask`` answer.

        Keys as AWS names them: ``quantumTaskArn`` (the task id), ``status`` (the Braket state),
        ``deviceArn`` (the device's ARN, as ``device.arn``), ``shots``, ``createdAt``, ``endedAt``, ``tags``
        (a dict: Hub tags ``key=value`` split, a tag without ``=`` maps to ``""``), ``queueInfo`` (as for
        :meth:`queue_position`), ``actionMetadata`` and ``ResponseMetadata``; ``failureReason`` when the job
        ended without a result for a reason the Hub gives or its status implies (FAILED, ABORTED, DETACHED).
        Hub additions: ``hubStatus``, ``hubBackendId``, ``startedAt``, ``name``, ``sessionId``,
        ``inputFormat``, ``inputParams``, ``usageTimeMillis``.
        """
        job = self._job
        if job is None or not use_cached_value:
            job = self._client.jobs.get_job(self._id)
            self._job = job
            if job.status is not None:
                self._hub_status = str(job.status)
        # The status may be newer than the cached record (state() polls the status alone).
        hub_status = self._hub_status or (str(job.status) if job.status is not None else None)
        state = braket_state(hub_status)
        record: dict[str, Any] = {
            # Code written for boto3 answers reads this; the Hub's answer has no AWS request to describe.
            "ResponseMetadata": {
                "RequestId": "",
                "HTTPStatusCode": 200,
                "HTTPHeaders": {},
                "RetryAttempts": 0,
            },
            "quantumTaskArn": job.id,
            "status": state,
            "hubStatus": hub_status,
            "deviceArn": self._device_arn(job),
            "hubBackendId": job.backend_id,
            "shots": job.shots,
            "createdAt": job.created_at,
            "startedAt": job.started_at,
            "endedAt": job.ended_at,
            "name": job.name,
            "tags": _tag_dict(job.tags),
            "sessionId": job.session_id,
            "inputFormat": str(job.input_format) if job.input_format is not None else None,
            "inputParams": dict(job.input_params or {}),
            "usageTimeMillis": job.usage_time_millis,
            "queueInfo": _queue_info(state),
            "actionMetadata": {"actionType": _action_type(job)},
        }
        if hub_status is not None and state == "FAILED":
            record["failureReason"] = self._reason_for(hub_status)
        return record

    def queue_position(self) -> Any:
        """Braket's ``QuantumTaskQueueInfo`` for this task.

        The Hub does not tell a task's place in its device's queue, so ``queue_position`` is None in every
        state and ``message`` says why; ``device.queue_depth()`` gives the length of the device's queue.
        """
        from braket.aws.queue_information import QuantumTaskQueueInfo, QueueType

        info = _queue_info(self.state())
        return QuantumTaskQueueInfo(queue_type=QueueType.NORMAL, queue_position=None, message=info["message"])

    @property
    def action_type(self) -> Any:
        """Braket's ``DeviceActionType`` of the program the task runs."""
        from braket.device_schema import DeviceActionType

        return DeviceActionType(self.metadata(True)["actionMetadata"]["actionType"])

    # -- results ---------------------------------------------------------------------------------------

    def result(self) -> TaskResult | None:
        """Wait for the job to end and return its Braket result.

        A ``GateModelQuantumTaskResult`` for gate-model programs (counts keyed in Braket's order, big-endian
        over ``measured_qubits``), an ``AnalogHamiltonianSimulationQuantumTaskResult`` for AHS programs. As
        with ``AwsQuantumTask``, a job that ends without a result (FAILED, CANCELLED, ABORTED, DETACHED) or
        does not end within ``poll_timeout_seconds`` gives ``None``, and the reason is logged; the result is
        cached once it arrives.
        """
        if self._result is not None:
            return self._result
        try:
            status = wait_for_final_status(
                self._id,
                self._fetch_hub_status,
                timeout=self._poll_timeout_seconds,
                backoff=self._backoff(),
            )
        except WaitTimeout as timeout:
            self._log_timeout(timeout)
            return None
        return self._result_for_final_status(status)

    def async_result(self) -> asyncio.Task[TaskResult | None]:
        """The result as an ``asyncio.Task`` that waits without blocking the event loop.

        Inside a running loop the task is created on it; otherwise on a new loop set as this thread's
        current one (run it with ``task.get_loop().run_until_complete(task)``). Consecutive calls return the
        same task unless it was cancelled or timed out.
        """
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = self._idle_loop()
        future = self._future
        if future is None or future.get_loop() is not loop or self._needs_new_wait(future):
            future = loop.create_task(
                self._wait_for_result(), name=f"hub-task-{self._known_id or 'unresolved'}"
            )
            self._future = future
        return future

    def cancel(self) -> None:
        """Ask the Hub to cancel the job (it goes through CANCELLING to CANCELLED); a finished job stays
        as it is."""
        future = self._future
        if future is not None and not future.done() and not future.get_loop().is_closed():
            future.get_loop().call_soon_threadsafe(future.cancel)
        try:
            self._client.jobs.cancel_job(self._id)
        except BadRequestError:
            # The Hub refuses to cancel a job that has already ended; that is not the caller's fault.
            if self._fetch_hub_status() not in TERMINAL_JOB_STATUSES:
                raise
            return
        self._hub_status = str(JobStatus.CANCELLING)

    def __repr__(self) -> str:
        if self._known_id is None and self._pending is not None:
            return f"HubQuantumTask('client token': {self._pending.token!r})"
        return f"HubQuantumTask('id': {self._id!r})"

    def __eq__(self, other: object) -> bool:
        """Whether both stand for the same Hub job, as far as can be told without asking the Hub.

        Tasks created with a known id are equal when their ids are. A task handed back for a submission
        whose outcome was uncertain, and whose id was not known then, is equal only to tasks of that same
        submission (the same client token), also after its id has been found: compare ``task.id`` to match
        it with ``HubQuantumTask(task.id)``. Neither equality nor the hash ever sends a request or raises.
        """
        return isinstance(other, HubQuantumTask) and other._identity == self._identity

    def __hash__(self) -> int:
        # A hash must stay the same for the object's whole life (a task may sit in a set or be a dict key
        # before its id is found), and equal objects must hash alike. So both rest on what is known when
        # the task is made: its id, or else its client token. Switching to the id once found would change
        # the hash of a task already stored in a set; resolving the id here would wait for up to the
        # patience and raise when the job never landed.
        return hash(self._identity)

    # -- internals -------------------------------------------------------------------------------------

    def _fetch_hub_status(self) -> str:
        """The Hub status, asking the Hub unless a final status was seen already."""
        if self._known_id is None and self._pending is not None:
            found = self._pending.poll()
            if found is None:
                return str(JobStatus.UNKNOWN)  # not stored yet (reads as CREATED); the patience still lasts
            self._known_id = found
        if self._hub_status in TERMINAL_JOB_STATUSES:
            return self._hub_status
        answer = self._client.jobs.get_job_status(self._id)
        self._hub_status = str(answer.status) if answer.status is not None else str(JobStatus.UNKNOWN)
        return self._hub_status

    def _backoff(self) -> Backoff:
        interval = max(self._poll_interval_seconds, 0.01)
        return Backoff(initial=min(0.02, interval), cap=interval)

    def _result_for_final_status(self, status: str) -> TaskResult | None:
        if status == JobStatus.COMPLETED:
            if self._result is None:
                self._result = self._download_result()
            return self._result
        message = f"Task {self._id} is in terminal state {braket_state(status)} (Hub status {status})"
        reason = self._reason_for(status)
        if self._quiet:
            return None
        if reason:
            self._logger.warning("%s and no result is available: %s", message, reason)
        else:
            self._logger.warning("%s and no result is available.", message)
        return None

    def _download_result(self) -> TaskResult:
        document = self._client.jobs.get_job_result(self._id)
        if not isinstance(document, dict):
            raise RuntimeError(f"The Hub returned no Braket result document for task {self._id}.")
        # The record carries the times; fetched anew, since the one cached at submission has no end yet.
        # Without it the result still reads, only with fewer facts filled in.
        job = self._job
        try:
            job = self._client.jobs.get_job(self._id)
            self._job = job
        except NotFoundError:
            pass
        if _schema_name(document) == _PROGRAM_SET_SCHEMA:
            expanded = self._expanded or self._rebuilt_expansion(job)
            if expanded is not None:
                document = regroup_program_set_result(document, expanded)
        device_arn = self._device_arn(job) if job is not None else None
        document = _with_task_facts(
            document, self._id, device_arn, job, self._backend, self._task_specification
        )
        result = braket_result(document, task_id=self._id, task_specification=self._task_specification)
        _check_gradient(result, self._task_specification, self._id)
        return result

    def _rebuilt_expansion(self, job: Job | None) -> ExpandedProgramSet | None:
        """How a program set was sent, for a task reconnected by id: from the job's layout tag and input."""
        tags = job.tags if job is not None else None
        if not any(tag.startswith(LAYOUT_TAG_PREFIX) for tag in tags or []):
            return None
        try:
            job_input = self._client.jobs.get_job_input(self._id)
        except NotFoundError:
            return None
        inputs = (job.input_params or {}).get("inputs") if job is not None else None
        self._expanded = rebuild_expansion(tags, job_input, inputs)
        return self._expanded

    def _device_arn(self, job: Job) -> str | None:
        """The ARN of the job's device (``device.arn``), from the backend record (fetched once)."""
        if job.backend_id is None:
            return None
        if self._backend is None or str(self._backend.id) != job.backend_id:
            try:
                self._backend = self._client.backends.get_backend(job.backend_id)
            except NotFoundError:
                return job.backend_id
        return str(self._backend.internal_id or self._backend.id)

    def _reason_for(self, status: str) -> str | None:
        """Why a job that ended without a result has none (cached: a final status never changes)."""
        if self._failure_reason is not None:
            return self._failure_reason
        if status not in {JobStatus.FAILED, JobStatus.ABORTED, JobStatus.DETACHED}:
            return None
        reason = self._error_message() or standing_reason(status)
        if reason is None:
            reason = "The Hub reports the job FAILED without giving a reason."
        self._failure_reason = reason
        return reason

    def _error_message(self) -> str | None:
        """The message of the error document the Hub keeps as a failed job's result, if any."""
        try:
            document = self._client.jobs.get_job_result(self._id)
        except NotFoundError:
            return None  # ABORTED and DETACHED jobs have no result document at all
        if not isinstance(document, dict):
            return None
        error = document.get("error")
        if isinstance(error, dict) and error.get("message"):
            code = error.get("code")
            # A code that only repeats the status says nothing; a provider's own code (INVALID_INPUT) does.
            if code and code not in {JobStatus.FAILED, JobStatus.ABORTED}:
                return f"{error['message']} (error code {code})"
            return str(error["message"])
        if isinstance(error, str) and error:
            return error
        return None

    def _log_timeout(self, timeout: WaitTimeout) -> None:
        self._logger.warning(
            "Task %s: polling for completion timed out after %g s (last Hub status %s). Create "
            "HubQuantumTask(%r, poll_timeout_seconds=...) with a longer timeout to keep waiting.",
            self._id,
            timeout.timeout,
            timeout.status,
            self._id,
        )

    async def _wait_for_result(self) -> TaskResult | None:
        if self._result is not None:
            return self._result

        async def fetch_status() -> str:
            # The HTTP call blocks, so it runs on a worker thread; the loop only awaits it.
            return await asyncio.to_thread(self._fetch_hub_status)

        # A task whose submission was uncertain may have to look its id up first: off the loop too.
        task_id = self._known_id
        if task_id is None:
            task_id = await asyncio.to_thread(lambda: self.id)
        try:
            status = await async_wait_for_final_status(
                task_id, fetch_status, timeout=self._poll_timeout_seconds, backoff=self._backoff()
            )
        except WaitTimeout as timeout:
            self._log_timeout(timeout)
            return None
        return await asyncio.to_thread(self._result_for_final_status, status)

    def _needs_new_wait(self, future: asyncio.Task[TaskResult | None]) -> bool:
        """A finished wait is reused unless it was cancelled or gave up before the job ended."""
        if not future.done():
            return False
        if future.cancelled():
            return True
        return future.exception() is None and future.result() is None and not self._is_final()

    def _is_final(self) -> bool:
        return self._hub_status in TERMINAL_JOB_STATUSES

    def _idle_loop(self) -> asyncio.AbstractEventLoop:
        """The loop to create a task on when none is running: the previous one of this task if still open,
        else a new one, made the thread's current loop (as ``AwsQuantumTask`` does)."""
        if self._future is not None and not self._future.get_loop().is_closed():
            return self._future.get_loop()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        return loop


# -- turning a result document into Braket's result object ----------------------------------------------

_GATE_MODEL_SCHEMA = "braket.task_result.gate_model_task_result"
_AHS_SCHEMA = "braket.task_result.analog_hamiltonian_simulation_task_result"
_PROGRAM_SET_SCHEMA = "braket.task_result.program_set_task_result"
_RESULT_SCHEMAS = frozenset({_GATE_MODEL_SCHEMA, _AHS_SCHEMA, _PROGRAM_SET_SCHEMA})


def _schema_name(document: Any) -> str | None:
    header = document.get("braketSchemaHeader") if isinstance(document, dict) else None
    name = header.get("name") if isinstance(header, dict) else None
    return name if isinstance(name, str) else None


def _tag_dict(tags: list[str] | None) -> dict[str, str]:
    """Hub tags as Braket's ``{"key": "value"}`` (they were sent as ``key=value``); the tags this package
    adds for itself (idempotency, program-set layout) are left out."""
    found: dict[str, str] = {}
    for tag in tags or []:
        if tag.startswith((CLIENT_TOKEN_PREFIX, LAYOUT_TAG_PREFIX)):
            continue
        key, _, value = tag.partition("=")
        found[key] = value
    return found


def _queue_info(state: str) -> dict[str, Any]:
    """``metadata()["queueInfo"]`` as AWS shapes it; the Hub reports no positions."""
    if state == "QUEUED":
        message = (
            "The Hub does not report a task's position in the queue; device.queue_depth() gives the number "
            "of tasks waiting on the device."
        )
    else:
        message = f"Task is in {state} status. The Hub shows no queue position for this status."
    return {"queue": "QUANTUM_TASKS_QUEUE", "position": "None", "queuePriority": "Normal", "message": message}


def _action_type(job: Job) -> str:
    """The Braket action type (``DeviceActionType`` value) of a job's input."""
    if str(job.input_format) == "BRAKET_AHS_PROGRAM":
        return "braket.ir.ahs.program"
    program_set = any(tag.startswith(LAYOUT_TAG_PREFIX) for tag in job.tags or [])
    return "braket.ir.openqasm.program_set" if program_set else "braket.ir.openqasm.program"


def _timestamp(moment: datetime | None) -> str | None:
    """A time in the ``YYYY-MM-DDTHH:mm:ss.sssZ`` form of Braket's task metadata."""
    if moment is None:
        return None
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


# Braket device-parameter schemas by hardware provider; simulators have their own.
_DEVICE_PARAMETER_SCHEMAS = {
    "SIMULATOR": "braket.device_schema.simulators.gate_model_simulator_device_parameters",
    "IONQ": "braket.device_schema.ionq.ionq_device_parameters",
    "RIGETTI": "braket.device_schema.rigetti.rigetti_device_parameters",
    "IQM": "braket.device_schema.iqm.iqm_device_parameters",
}
_DECLARED_QUBITS = re.compile(r"^\s*qubit\s*\[\s*(\d+)\s*\]", re.MULTILINE)
_PHYSICAL_QUBIT = re.compile(r"\$(\d+)")


def _qubit_count(task_specification: Any, source: str | None) -> int:
    """The qubits a program uses, as ``AwsQuantumTask`` reports them (``Circuit.qubit_count``); for
    OpenQASM, the declared qubits, else the distinct physical qubits named."""
    count = getattr(task_specification, "qubit_count", None)
    if isinstance(count, int):
        return count
    if not source:
        return 0
    declared = [int(size) for size in _DECLARED_QUBITS.findall(source)]
    if declared:
        return sum(declared)
    return len(set(_PHYSICAL_QUBIT.findall(source)))


def _device_parameters(
    backend: Backend | None, job: Job, task_specification: Any, source: str | None
) -> dict[str, Any] | None:
    if backend is None:
        return None
    kind = "SIMULATOR" if str(backend.type) == "SIMULATOR" else str(backend.hardware_provider or "")
    schema = _DEVICE_PARAMETER_SCHEMAS.get(kind)
    if schema is None:
        return None
    rewiring = bool((job.input_params or {}).get("disable_qubit_rewiring", False))
    return {
        "braketSchemaHeader": {"name": schema, "version": "1"},
        "paradigmParameters": {
            "braketSchemaHeader": {"name": "braket.device_schema.gate_model_parameters", "version": "1"},
            "qubitCount": _qubit_count(task_specification, source),
            "disableQubitRewiring": rewiring,
        },
    }


def _with_task_facts(
    document: dict[str, Any],
    task_id: str,
    device_arn: str | None,
    job: Job | None,
    backend: Backend | None,
    task_specification: Any,
) -> dict[str, Any]:
    """The result document with the task metadata AWS fills in: the task's own id (so ``HubQuantumTask(
    result.task_metadata.id)`` reconnects), the device ARN, the times and, for gate-model programs, the
    device parameters with the qubit count."""
    metadata = document.get("taskMetadata")
    if not isinstance(metadata, dict):
        return document
    metadata = dict(metadata)
    metadata["id"] = task_id
    if device_arn:
        metadata["deviceId"] = device_arn
    if job is None:
        return {**document, "taskMetadata": metadata}
    for key, moment in (("createdAt", job.created_at), ("endedAt", job.ended_at)):
        if metadata.get(key) is None and moment is not None:
            metadata[key] = _timestamp(moment)
    if _schema_name(document) == _GATE_MODEL_SCHEMA and metadata.get("deviceParameters") is None:
        additional = document.get("additionalMetadata")
        action = additional.get("action") if isinstance(additional, dict) else None
        source = action.get("source") if isinstance(action, dict) else None
        parameters = _device_parameters(backend, job, task_specification, source)
        if parameters is not None:
            metadata["deviceParameters"] = parameters
    return {**document, "taskMetadata": metadata}


def _asks_for_gradient(task_specification: Any, result: Any) -> bool:
    """Whether the program asked for an ``AdjointGradient`` result type."""
    for result_type in getattr(task_specification, "result_types", None) or []:
        if type(result_type).__name__ == "AdjointGradient":
            return True
    action = getattr(getattr(result, "additional_metadata", None), "action", None)
    source = getattr(action, "source", None)
    return isinstance(source, str) and "adjoint_gradient" in source


def _check_gradient(result: Any, task_specification: Any, task_id: str) -> None:
    """Refuse a result that lacks the gradient the program asked for (see :class:`GradientMissingError`)."""
    result_types = getattr(result, "result_types", None)
    if result_types is None or not _asks_for_gradient(task_specification, result):
        return
    if any(_result_type_name(rt) == "adjoint_gradient" for rt in result_types):
        return
    raise GradientMissingError(
        f"Task {task_id} asked for an AdjointGradient, but the Hub's result has no gradient (only "
        f"{', '.join(_result_type_name(rt) for rt in result_types) or 'no result types'}). The device did "
        "not compute it; differentiate with the parameter-shift rule instead (run the circuit at shifted "
        "parameter values and take expectation differences)."
    )


def _result_type_name(result_type: Any) -> str:
    kind = getattr(getattr(result_type, "type", None), "type", None)
    return str(getattr(kind, "value", kind))


def _as_numpy(kind: str, value: Any) -> Any:
    """A result-type value as Braket's LocalSimulator gives it: NumPy arrays and NumPy complex numbers."""
    if kind in {"sample", "probability"} and isinstance(value, list | tuple):
        return np.asarray(value)
    if kind == "amplitude" and isinstance(value, dict):
        return {state: _complex(amplitude) for state, amplitude in value.items()}
    if kind in {"statevector", "densitymatrix"} and isinstance(value, list | tuple | np.ndarray):
        return np.asarray(_complex_nested(value), dtype=np.complex128)
    if kind in {"expectation", "variance"} and isinstance(value, list | tuple):
        return np.asarray(value)
    return value


def _complex(value: Any) -> np.complex128:
    if isinstance(value, list | tuple) and len(value) == 2:
        return np.complex128(complex(value[0], value[1]))
    return np.complex128(value)


def _complex_nested(value: Any) -> Any:
    """``[re, im]`` pairs (as JSON carries complex numbers) turned into complex numbers, at any depth."""
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, list | tuple):
        if len(value) == 2 and all(isinstance(part, int | float) for part in value):
            return complex(value[0], value[1])
        return [_complex_nested(item) for item in value]
    return value


def _numpy_values(result: Any) -> Any:
    """``result`` with its result-type values converted in place by :func:`_as_numpy` (``values`` too)."""
    result_types = getattr(result, "result_types", None)
    if not result_types:
        return result
    for result_type in result_types:
        result_type.value = _as_numpy(_result_type_name(result_type), result_type.value)
    result.values = [result_type.value for result_type in result_types]
    return result


def braket_result(
    document: dict[str, Any], *, task_id: str = "", task_specification: Any = None
) -> TaskResult:
    """The Braket result object of a Hub result document (the parsed JSON of ``jobs/{id}/result``).

    Sampled gate-model results take a fast path (see :func:`_sampled_gate_model_result`); everything else,
    and any document the fast path is not sure about, goes through Braket's own parsing, which also gives
    Braket's own validation errors. A document of another schema, or one Braket's parser trips over,
    raises :class:`~qhub_providers.formats.base.FormatError` naming the task.
    """
    name = _schema_name(document)
    if name not in _RESULT_SCHEMAS:
        # Braket imports the module a schema name names: an unknown one would escape as an ImportError.
        raise FormatError(
            f"Braket result of task {task_id or '?'}: unexpected schema {name!r}; "
            f"expected one of {sorted(_RESULT_SCHEMAS)}"
        )
    try:
        return _numpy_values(_braket_result(document, task_id, task_specification))
    except (AttributeError, KeyError, TypeError, IndexError) as exc:
        # Braket's converters assume a well-formed document past validation (e.g. an ``action`` in the
        # additional metadata); a document without it is malformed, not a bug of the caller.
        raise FormatError(f"Braket result of task {task_id or '?'} is malformed: {exc!r}") from exc


def _braket_result(document: dict[str, Any], task_id: str, task_specification: Any) -> TaskResult:
    fast = _sampled_gate_model_result(document)
    if fast is not None:
        return fast

    from braket.schema_common import BraketSchemaBase
    from braket.task_result import (
        AnalogHamiltonianSimulationTaskResult,
        GateModelTaskResult,
        ProgramSetTaskResult,
    )
    from braket.tasks import (
        AnalogHamiltonianSimulationQuantumTaskResult,
        GateModelQuantumTaskResult,
        ProgramSetQuantumTaskResult,
    )

    parsed = BraketSchemaBase.parse_raw_schema(json.dumps(document))
    if isinstance(parsed, ProgramSetTaskResult):
        from braket.program_sets import ProgramSet

        program_set = task_specification if isinstance(task_specification, ProgramSet) else None
        grouped: TaskResult = ProgramSetQuantumTaskResult.from_object(parsed, program_set)
        return grouped
    if isinstance(parsed, GateModelTaskResult):
        # Exact result types arrive as JSON ([re, im] pairs, lists); Braket wants complex numbers, arrays.
        GateModelQuantumTaskResult.cast_result_types(parsed)
        result: TaskResult = GateModelQuantumTaskResult.from_object(parsed)
        return result
    if isinstance(parsed, AnalogHamiltonianSimulationTaskResult):
        analog: TaskResult = AnalogHamiltonianSimulationQuantumTaskResult.from_object(parsed)
        return analog
    raise RuntimeError(
        f"Task {task_id} returned a {type(parsed).__name__}, which this Braket face does not read."
    )


def _sampled_gate_model_result(document: dict[str, Any]) -> TaskResult | None:
    """A ``GateModelQuantumTaskResult`` built with NumPy from a document with per-shot measurements.

    Braket validates every shot of ``measurements`` as a pydantic list of constrained integers and counts
    them by joining one string per shot: about 8 s for a million shots. Here the shots become one integer
    array at once, are checked to be a 2-D array of 0s and 1s, and are counted per distinct row. The object
    is the one Braket builds: ``measurements`` an ``int`` array, ``measurement_counts`` a ``Counter`` keyed
    by big-endian bit strings in order of first occurrence, ``measurement_probabilities`` count / shots,
    result types computed from the measurements by Braket itself. Returns None (Braket's path then runs)
    for anything else: no per-shot measurements, zero shots, or shots that are not a clean 0/1 matrix.
    """
    header = document.get("braketSchemaHeader")
    rows = document.get("measurements")
    if (
        not isinstance(header, dict)
        or header.get("name") != _GATE_MODEL_SCHEMA
        or header.get("version") != "1"
        or not isinstance(rows, list)
        or not rows
    ):
        return None
    measurements = _measurement_matrix(rows)
    if measurements is None:
        return None

    from braket.schema_common import BraketSchemaBase
    from braket.task_result import GateModelTaskResult, ResultTypeValue
    from braket.tasks import GateModelQuantumTaskResult

    calculate = getattr(GateModelQuantumTaskResult, "_calculate_result_types", None)
    # Everything but the shots is small: Braket's own parser validates it as usual.
    rest = {key: value for key, value in document.items() if key != "measurements"}
    parsed = BraketSchemaBase.parse_raw_schema(json.dumps(rest))
    if (
        calculate is None
        or not isinstance(parsed, GateModelTaskResult)
        or parsed.taskMetadata.shots <= 0
        or parsed.additionalMetadata is None
    ):
        return None
    GateModelQuantumTaskResult.cast_result_types(parsed)

    counts = _measurement_counts(measurements)
    shots = measurements.shape[0]
    probabilities = {key: count / shots for key, count in counts.items()}
    measured_qubits = parsed.measuredQubits
    # The same choice Braket makes: result types given as values are kept, given as bare specifications
    # (OpenQASM programs) or left to the program (JAQCD) they are computed from the measurements.
    if parsed.resultTypes:
        if isinstance(parsed.resultTypes[0], ResultTypeValue):
            result_types = parsed.resultTypes
        else:
            specs = json.dumps({"results": [spec.dict() for spec in parsed.resultTypes]})
            result_types = calculate(specs, measurements, measured_qubits)
    else:
        if parsed.additionalMetadata.action is None:
            return None
        result_types = calculate(parsed.additionalMetadata.action.json(), measurements, measured_qubits)
    result: TaskResult = GateModelQuantumTaskResult(
        task_metadata=parsed.taskMetadata,
        additional_metadata=parsed.additionalMetadata,
        result_types=result_types,
        values=[rt.value for rt in result_types],
        measurements=measurements,
        measured_qubits=measured_qubits,
        measurement_counts=counts,
        measurement_probabilities=probabilities,
        measurements_copied_from_device=True,
        measurement_counts_copied_from_device=False,
        measurement_probabilities_copied_from_device=False,
        outputs=parsed.outputs,
    )
    return result


def _measurement_matrix(rows: list[Any]) -> np.ndarray[Any, Any] | None:
    """The shots as an ``int`` array (one row a shot, one column a measured qubit), or None unless every
    row has the same non-zero length and holds only the integers 0 and 1.

    The rows come from JSON, so anything with a length is a list, a string or an object; ``bytes()`` takes
    only integers (and refuses the characters and keys of the other two), in C and several times faster
    than NumPy walking the nested lists. Whatever it refuses is left to Braket's own validation.
    """
    try:
        widths = set(map(len, rows))
        if len(widths) != 1:
            return None  # ragged rows: Braket refuses them
        width = widths.pop()
        flat = bytes(itertools.chain.from_iterable(rows))
    except (TypeError, ValueError):
        return None
    if width == 0 or len(flat) != len(rows) * width:
        return None
    matrix = np.frombuffer(flat, dtype=np.uint8).reshape(len(rows), width)
    if matrix.max() > 1:
        return None
    # Braket's own measurements are a platform ``int`` array; keep that dtype for code that relies on it.
    return matrix.astype(int)


def _measurement_counts(measurements: np.ndarray[Any, Any]) -> Counter[str]:
    """How often each row occurs, keyed by the row's bits as a string, in order of first occurrence (the
    order Braket's own ``Counter`` has)."""
    shots, width = measurements.shape
    bits = measurements.astype(np.uint8)
    if width <= 63:
        # One integer per shot, first qubit in the highest bit; distinct integers are distinct rows.
        codes = np.zeros(shots, dtype=np.int64)
        for column in range(width):
            codes <<= 1
            codes |= bits[:, column]
        if width <= 20:
            # Few possible outcomes: one linear counting pass.
            per_code = np.bincount(codes, minlength=1 << width)
            distinct = np.flatnonzero(per_code)
            tally = per_code[distinct]
        else:
            distinct, tally = np.unique(codes, return_counts=True)
        first = _first_occurrences(codes, len(distinct))
    else:
        _, first, tally = np.unique(bits, axis=0, return_index=True, return_counts=True)
    order = np.argsort(first, kind="stable")
    first, tally = first[order], tally[order]
    # The keys are made only for distinct rows: bits plus ord("0") are ASCII digits.
    text = (bits[first] + ord("0")).tobytes().decode("ascii")
    keys = [text[i * width : (i + 1) * width] for i in range(len(first))]
    return Counter(dict(zip(keys, tally.tolist(), strict=True)))


def _first_occurrences(codes: np.ndarray[Any, Any], distinct: int) -> np.ndarray[Any, Any]:
    """The index of the first occurrence of each distinct value of ``codes``, in sorted value order.

    Outcomes nearly always all show up within the first few shots, so growing prefixes are searched
    before (at worst) the whole array: most results need one small sort instead of a million-entry one.
    """
    size = 1024
    while True:
        values, first = np.unique(codes[:size], return_index=True)
        if len(values) == distinct or size >= len(codes):
            return first
        size *= 8


def _submission_identity(pending: PendingSubmission) -> str | tuple[str, str] | object:
    """What a task of an uncertain submission is equal by: the job id when the error already named it,
    else the client token; a submission without a token (none is made so) is equal to itself alone."""
    if pending.job_id is not None:
        return pending.job_id
    if pending.token is not None:
        # A tuple never equals an id string, so such a task never equals a task made from an id.
        return ("client token", pending.token)
    return pending
