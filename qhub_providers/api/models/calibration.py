"""Calibration data of ``backends/{id}/calibration``, ``…/calibration-history``, ``jobs/{id}/calibration``.

Unlike most responses, the reference client validates these strictly; the fields it requires are required here
too. The ``calibration`` member is chosen by its ``type`` tag; an unknown tag parses into
:class:`UnknownCalibration`, which keeps every field.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Tag

from ._base import UtcDatetime, WireModel, tag_discriminator
from .enums import CalibrationType


class GateCalibration(WireModel):
    """Quality of one gate; fractions are 0..1, lengths in nanoseconds."""

    operational: bool
    error: float | None = None
    error_std: float | None = None
    length_ns: float | None = None


class CalibrationMedians(WireModel):
    """Device-wide medians; times in microseconds, errors as fractions, ``gates`` by gate name."""

    t1_us: float | None = None
    t1_us_std: float | None = None
    t2_us: float | None = None
    t2_us_std: float | None = None
    t2_echo_us: float | None = None
    t2_echo_us_std: float | None = None
    readout_error: float | None = None
    readout_error_std: float | None = None
    readout_length_ns: float | None = None
    reset_length_ns: float | None = None
    spam_error: float | None = None
    gates: dict[str, GateCalibration]


class QubitCalibration(WireModel):
    """Calibration of one qubit; ``operational=False`` marks a dead qubit."""

    qubit: int
    name: str | None = None
    operational: bool
    t1_us: float | None = None
    t1_us_std: float | None = None
    t2_us: float | None = None
    t2_us_std: float | None = None
    t2_echo_us: float | None = None
    t2_echo_us_std: float | None = None
    readout_error: float | None = None
    readout_error_std: float | None = None
    readout_length_ns: float | None = None
    reset_length_ns: float | None = None
    prob_meas0_prep1: float | None = None
    prob_meas1_prep0: float | None = None
    # One-qubit gates keyed by gate name (some providers use the generic key "one_qubit").
    gates: dict[str, GateCalibration]


class QubitPairCalibration(WireModel):
    """Two-qubit gate calibration of a coupled pair (indices ascending)."""

    qubits: list[int]
    gates: dict[str, GateCalibration]


class GateBasedCalibration(WireModel):
    """Calibration of a gate-based QPU (every QPU except QuEra Aquila)."""

    type: Literal["gate_based"] = "gate_based"
    medians: CalibrationMedians
    qubits: list[QubitCalibration]
    qubit_pairs: list[QubitPairCalibration]
    # Rigetti only: URL of the pulse-level native gate calibration.
    native_gate_calibration: str | None = None


class QueraAquilaCalibration(WireModel):
    """Calibration of QuEra Aquila (lattice, Rydberg and performance figures, free-form)."""

    type: Literal["quera_aquila"] = "quera_aquila"
    lattice: dict[str, Any] | None = None
    rydberg: dict[str, Any] | None = None
    performance: dict[str, Any] | None = None


class UnknownCalibration(WireModel):
    """A calibration kind this client does not know yet; all its fields are in ``model_extra``."""

    type: str | None = None


_UNKNOWN_TAG = "unknown"

Calibration = Annotated[
    Annotated[GateBasedCalibration, Tag(CalibrationType.GATE_BASED.value)]
    | Annotated[QueraAquilaCalibration, Tag(CalibrationType.QUERA_AQUILA.value)]
    | Annotated[UnknownCalibration, Tag(_UNKNOWN_TAG)],
    Discriminator(tag_discriminator(CalibrationType, _UNKNOWN_TAG)),
]
"""The ``calibration`` member of a :class:`CalibrationResponse`, chosen by its ``type`` tag."""


class CalibrationResponse(WireModel):
    """A backend's calibration at one point in time."""

    backend_id: str
    calibrated_at: UtcDatetime
    calibration: Calibration
