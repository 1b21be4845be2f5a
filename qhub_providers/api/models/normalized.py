"""Provider-neutral views of a job: ``jobs/{id}/result/normalized``, ``…/memory`` and ``input/normalized``.

Each entry of :attr:`NormalizedJobResult.pubs` is chosen by its ``type`` tag; an unknown tag parses into
:class:`NormalizedUnknownResult`, which keeps every field. Bitstring keys are little-endian (classical bit 0
is the rightmost character), as in Qiskit.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Tag

from ._base import OpenEnum, WireModel, tag_discriminator
from .enums import NormalizedPubResultType, QasmFormat


class ObservableTerm(WireModel):
    """One Pauli term: ``pauli`` has one non-identity letter per entry of ``qubits``."""

    pauli: str | None = None
    qubits: list[int] | None = None
    coefficient: float | None = None


class NormalizedObservable(WireModel):
    """An observable as a sum of Pauli terms (``pattern`` is its compact text form)."""

    pattern: str | None = None
    num_qubits: int | None = None
    term_count: int | None = None
    terms: list[ObservableTerm] | None = None


class EstimatorRunContext(WireModel):
    """Estimator settings the expectation values were computed with."""

    target_precision: float | None = None
    num_randomizations: int | None = None
    measure_mitigation: bool | None = None
    zne_mitigation: bool | None = None
    pec_mitigation: bool | None = None


class NormalizedCountsResult(WireModel):
    """Counts of one PUB: bitstring → number of shots."""

    type: Literal["counts"] = "counts"
    index: int
    name: str | None = None
    # Always "bitstring" in version 1 of the view.
    key_format: str | None = None
    counts: dict[str, int] | None = None
    shots: int | None = None
    qubits: int | None = None


class NormalizedProbabilitiesResult(WireModel):
    """Probabilities of one PUB: bitstring → probability; ``truncated`` when a cap dropped some mass."""

    type: Literal["probabilities"] = "probabilities"
    index: int
    name: str | None = None
    key_format: str | None = None
    probabilities: dict[str, float] | None = None
    qubits: int | None = None
    truncated: bool | None = None


class NormalizedExpectationValuesResult(WireModel):
    """Expectation values of one estimator PUB; ``values`` and ``stds`` are row-major over ``shape``."""

    type: Literal["expectation_values"] = "expectation_values"
    index: int
    name: str | None = None
    shape: list[int]
    values: list[float]
    stds: list[float]
    ensemble_stds: list[float] | None = None
    observable_index: list[int] | None = None
    observables: list[NormalizedObservable] | None = None
    parameter_values: list[list[float]] | None = None
    run_context: EstimatorRunContext | None = None


class NormalizedErrorResult(WireModel):
    """The error of a failed job (the error envelope: ``message``, ``code``, ``details``)."""

    type: Literal["error"] = "error"
    error: dict[str, Any] | None = None


class NormalizedUnmappedResult(WireModel):
    """A PUB whose native result has no normalized form; ``reason`` says why."""

    type: Literal["unmapped"] = "unmapped"
    index: int
    name: str | None = None
    reason: str | None = None


class NormalizedUnknownResult(WireModel):
    """A PUB result kind this client does not know yet; all its fields are in ``model_extra``."""

    type: str | None = None
    index: int | None = None


_UNKNOWN_TAG = "unknown"

NormalizedPubResult = Annotated[
    Annotated[NormalizedCountsResult, Tag(NormalizedPubResultType.COUNTS.value)]
    | Annotated[NormalizedProbabilitiesResult, Tag(NormalizedPubResultType.PROBABILITIES.value)]
    | Annotated[NormalizedExpectationValuesResult, Tag(NormalizedPubResultType.EXPECTATION_VALUES.value)]
    | Annotated[NormalizedErrorResult, Tag(NormalizedPubResultType.ERROR.value)]
    | Annotated[NormalizedUnmappedResult, Tag(NormalizedPubResultType.UNMAPPED.value)]
    | Annotated[NormalizedUnknownResult, Tag(_UNKNOWN_TAG)],
    Discriminator(tag_discriminator(NormalizedPubResultType, _UNKNOWN_TAG)),
]
"""One entry of :attr:`NormalizedJobResult.pubs`, chosen by its ``type`` tag."""


class NormalizedJobResult(WireModel):
    """Reply of ``jobs/{id}/result/normalized``: one entry per PUB, in order (a failed job: one error)."""

    pubs: list[NormalizedPubResult]


class NormalizedMemoryResult(WireModel):
    """Reply of ``jobs/{id}/result/normalized/memory``: per-shot Qiskit hex strings such as ``0x3``."""

    memory: list[str] | None = None
    qubits: int | None = None
    shots: int | None = None


class NormalizedPub(WireModel):
    """One submitted PUB as OpenQASM, with its observables and parameter values."""

    name: str | None = None
    qasm: str
    observables: list[NormalizedObservable] | None = None
    parameter_values: list[list[float]] | None = None
    shots: int | None = None


class NormalizedJobInput(WireModel):
    """Reply of ``jobs/{id}/input/normalized``: the submission as OpenQASM, index-aligned with the result."""

    format: OpenEnum[QasmFormat]
    pubs: list[NormalizedPub]
