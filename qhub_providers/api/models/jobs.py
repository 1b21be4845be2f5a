"""Jobs: the ``Job`` record, its terse status view, and the body of ``POST jobs``."""

from __future__ import annotations

from typing import Any

from pydantic import Field, SerializeAsAny

from ._base import OpenEnum, UtcDatetime, WireModel
from .enums import JobInputFormat, JobStatus, Provider, QasmFormat, SdkProvider, UsageTimeState


class Job(WireModel):
    """A job as the Hub reports it (``GET jobs/{id}``, items of ``GET jobs``, the reply to ``POST jobs``)."""

    id: str | None = None
    name: str | None = None
    backend_id: str | None = None
    provider: OpenEnum[Provider] | None = None
    provider_job_id: str | None = None
    # Echo of the submitted input_params; the SDKs read program_id, session_id, qubits, meas_map from it.
    input_params: dict[str, Any] | None = None
    input_format: OpenEnum[JobInputFormat] | None = None
    tags: list[str] | None = None
    status: OpenEnum[JobStatus] | None = None
    created_at: UtcDatetime | None = None
    started_at: UtcDatetime | None = None
    ended_at: UtcDatetime | None = None
    usage_time_millis: int | None = None
    shots: int | None = None
    session_id: str | None = None
    sdk_provider: OpenEnum[SdkProvider] | None = None
    usage_time_state: OpenEnum[UsageTimeState] | None = None


class JobStatusResponse(WireModel):
    """Reply of ``GET jobs/{id}/status``: the status alone, cheap to poll."""

    status: OpenEnum[JobStatus] | None = None


class QasmProgram(WireModel):
    """One OpenQASM program of a :class:`QasmCircuit`."""

    qasm: str | None = None
    name: str | None = None


class QasmCircuit(WireModel):
    """OpenQASM rendering of a submission, for inputs the Hub cannot decode itself (e.g. IBM QPY jobs)."""

    format: OpenEnum[QasmFormat] | None = None
    programs: list[QasmProgram] | None = None


class CreateJobRequest(WireModel):
    """Body of ``POST jobs``.

    ``input`` is backend specific: one of the input models of :mod:`.inputs`, a plain dict, or a bare string
    (a single OpenQASM program). ``backend_id`` at the top level is what the Hub routes by; the ``backendId``
    inside ``input`` / ``input_params`` is optional and redundant. Field order is the order the reference
    client emits.
    """

    name: str | None = None
    backend_id: str
    shots: int
    # Left to right: a JSON object read back from the wire stays a dict (which input schema it follows depends
    # on the backend), while an input model passed in by a caller stays that model.
    # SerializeAsAny makes the model dump with its own fields and aliases rather than WireModel's (none).
    input: str | dict[str, Any] | SerializeAsAny[WireModel] = Field(union_mode="left_to_right")
    input_format: OpenEnum[JobInputFormat] | None = None
    input_params: dict[str, Any] | SerializeAsAny[WireModel] | None = Field(
        default=None, union_mode="left_to_right"
    )
    qasm: QasmCircuit | None = None
    tags: list[str] | None = None
    session_id: str | None = None
    sdk_provider: OpenEnum[SdkProvider] | None = None
