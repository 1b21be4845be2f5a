"""Deterministic synthetic calibrations for the local Hub's QPUs.

Every QPU is "recalibrated" once a day at 00:00 UTC from :data:`EPOCH` on. Snapshot ``i`` is a pure
function of the backend id and ``i``: each qubit and coupler keeps a character of its own (drawn once
from the backend id) and drifts a little from day to day (drawn from the backend id and the snapshot
index). Seeds come from SHA-256, never from Python's salted ``hash()``, so every process and every
restart of the local Hub sees the same numbers.

The JSON follows ``CalibrationResponse`` (``api/models/calibration.py``). Gate-based calibrations key
their gates by the backend's Qiskit basis-gate names, because the runners build Aer noise models from
them; the provider-native configurations (IBM properties, Braket standardized properties) are derived
from the same :class:`Snapshot` so that both views agree.
"""

from __future__ import annotations

import copy
import hashlib
import math
import random
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from itertools import combinations
from types import MappingProxyType
from typing import Any

Edge = tuple[int, int]
"""A coupler: two 0-based qubit indices, the smaller first."""

EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
"""Instant of the first calibration snapshot of every QPU."""

INTERVAL = timedelta(hours=24)
"""Time between two snapshots."""


# --- the schedule ---------------------------------------------------------------------------------


def as_utc(instant: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken to be UTC already."""
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)


def iso_z(instant: datetime) -> str:
    """ISO-8601 with a ``Z`` suffix, to the second."""
    return as_utc(instant).strftime("%Y-%m-%dT%H:%M:%SZ")


def snapshot_index(instant: datetime) -> int | None:
    """Index of the latest snapshot at or before ``instant``, or ``None`` before :data:`EPOCH`."""
    elapsed = as_utc(instant) - EPOCH
    if elapsed < timedelta(0):
        return None
    return elapsed // INTERVAL


def snapshot_time(index: int) -> datetime:
    """The instant of snapshot ``index``."""
    return EPOCH + index * INTERVAL


def calibration_times(start: datetime, end: datetime) -> list[datetime]:
    """Snapshot instants within the inclusive interval ``[start, end]``, oldest first."""
    start, end = as_utc(start), as_utc(end)
    last = snapshot_index(end)
    if last is None or end < start:
        return []
    first = max(0, math.ceil((start - EPOCH) / INTERVAL))
    return [snapshot_time(i) for i in range(first, last + 1)]


def stable_rng(*parts: object) -> random.Random:
    """A random generator seeded from ``parts`` identically in every process."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _sig(value: float) -> float:
    # Six significant digits keep the JSON readable without visibly changing any figure.
    return float(f"{value:.6g}")


# --- noise figures per technology -----------------------------------------------------------------


@dataclass(frozen=True)
class NoiseProfile:
    """Ranges that a technology's calibration figures stay within (times in µs or ns, errors 0..1)."""

    t1_us: tuple[float, float]
    t2_us: tuple[float, float]
    readout_error: tuple[float, float]
    one_qubit_error: tuple[float, float]
    two_qubit_error: tuple[float, float]
    one_qubit_length_ns: float
    two_qubit_length_ns: float
    readout_length_ns: float
    reset_length_ns: float
    t2_echo_gain: tuple[float, float] = (1.1, 1.6)
    """Spin echo undoes part of the dephasing, so T2-echo is T2 times a factor from this range."""
    drift: float = 0.12
    """Largest relative change of a figure from its qubit's own value at one snapshot."""


SUPERCONDUCTING = NoiseProfile(
    t1_us=(100.0, 300.0),
    t2_us=(60.0, 250.0),
    readout_error=(0.01, 0.03),
    one_qubit_error=(2e-4, 1e-3),
    two_qubit_error=(3e-3, 1e-2),
    one_qubit_length_ns=32.0,
    two_qubit_length_ns=68.0,
    readout_length_ns=1560.0,
    reset_length_ns=1200.0,
)
"""Transmon figures; the IBM, IQM and Rigetti entries override the gate lengths."""

TRAPPED_ION = NoiseProfile(
    t1_us=(1e7, 1e8),
    t2_us=(5e5, 1.5e6),
    readout_error=(3.5e-3, 7e-3),
    one_qubit_error=(6e-5, 1.6e-4),
    two_qubit_error=(3.5e-3, 7e-3),
    one_qubit_length_ns=110_000.0,
    two_qubit_length_ns=650_000.0,
    readout_length_ns=300_000.0,
    reset_length_ns=20_000.0,
    t2_echo_gain=(1.5, 3.0),
)
"""Ion-trap figures: relaxation takes seconds, gates take tens to hundreds of microseconds."""


# --- gate-based snapshots -------------------------------------------------------------------------


@dataclass(frozen=True)
class QubitState:
    """One qubit's figures in one snapshot."""

    t1_us: float
    t2_us: float
    t2_echo_us: float
    prob_meas0_prep1: float
    prob_meas1_prep0: float
    one_qubit_error: float

    @property
    def readout_error(self) -> float:
        """The assignment error averaged over both prepared states."""
        return _sig((self.prob_meas0_prep1 + self.prob_meas1_prep0) / 2)


@dataclass(frozen=True)
class Snapshot:
    """The figures of one gate-based calibration, from which every JSON view is rendered."""

    index: int
    calibrated_at: datetime
    qubits: tuple[QubitState, ...]
    pair_errors: Mapping[Edge, float]
    """Two-qubit gate error per coupler ``(a, b)`` with ``a < b``."""


def _log_uniform(rng: random.Random, bounds: tuple[float, float]) -> float:
    low, high = bounds
    return math.exp(rng.uniform(math.log(low), math.log(high)))


def _drifted(value: float, rng: random.Random, drift: float, bounds: tuple[float, float]) -> float:
    return min(max(value * (1 + rng.uniform(-drift, drift)), bounds[0]), bounds[1])


_QubitCharacter = tuple[float, float, float, float, float, float]
"""A qubit's own T1, T2, echo gain, readout error, readout asymmetry and single-qubit gate error."""


class GateBasedCalibration:
    """The daily calibrations of one gate-based QPU.

    ``one_qubit_gates`` and ``two_qubit_gates`` are the backend's Qiskit basis-gate names; the
    ``virtual_gates`` among them (frame changes such as ``rz``) are reported error-free and instant.
    ``edges`` lists the couplers (``None``: every pair, as on an ion trap). ``qubit_names`` are the
    vendor's labels (``QB1`` …) reported as ``qubits[].name``.
    """

    def __init__(
        self,
        backend_id: str,
        num_qubits: int,
        *,
        profile: NoiseProfile,
        one_qubit_gates: Sequence[str],
        two_qubit_gates: Sequence[str],
        edges: Iterable[Edge] | None,
        virtual_gates: Iterable[str] = ("rz",),
        qubit_names: Sequence[str] | None = None,
    ) -> None:
        self.backend_id = backend_id
        self.num_qubits = num_qubits
        self.profile = profile
        self.one_qubit_gates = tuple(one_qubit_gates)
        self.two_qubit_gates = tuple(two_qubit_gates)
        self.virtual_gates = frozenset(virtual_gates)
        self.pairs: tuple[Edge, ...] = (
            tuple(combinations(range(num_qubits), 2)) if edges is None else tuple(sorted(edges))
        )
        self.qubit_names = tuple(qubit_names) if qubit_names is not None else None
        self._base = self._character()
        # Bounded: a long-running Hub asked about many days keeps only recent snapshots in memory.
        self.snapshot: Callable[[int], Snapshot] = lru_cache(maxsize=16)(self._draw_snapshot)

    def _character(self) -> tuple[list[_QubitCharacter], list[float]]:
        """Each qubit's and coupler's own figures, around which the daily values drift."""
        rng = stable_rng(self.backend_id, "character")
        p = self.profile
        qubits = []
        for _ in range(self.num_qubits):
            t1 = rng.uniform(*p.t1_us)
            t2 = min(rng.uniform(*p.t2_us), 2 * t1)
            echo_gain = rng.uniform(*p.t2_echo_gain)
            readout = _log_uniform(rng, p.readout_error)
            # Relaxation during readout makes |1> -> 0 the likelier error.
            asymmetry = rng.uniform(1.1, 1.6)
            one_qubit = _log_uniform(rng, p.one_qubit_error)
            qubits.append((t1, t2, echo_gain, readout, asymmetry, one_qubit))
        pairs = [_log_uniform(rng, p.two_qubit_error) for _ in self.pairs]
        return qubits, pairs

    def _draw_snapshot(self, index: int) -> Snapshot:
        rng = stable_rng(self.backend_id, "snapshot", index)
        p, drift = self.profile, self.profile.drift
        qubit_base, pair_base = self._base
        qubits = []
        for t1_0, t2_0, echo_gain, readout_0, asymmetry, one_q_0 in qubit_base:
            # Rounded before T2 is capped: Aer refuses a thermal-relaxation channel with T2 > 2 T1.
            t1 = _sig(_drifted(t1_0, rng, drift, p.t1_us))
            t2 = min(_sig(_drifted(t2_0, rng, drift, p.t2_us)), 2 * t1)
            readout = _drifted(readout_0, rng, drift, p.readout_error)
            p01 = readout * 2 * asymmetry / (1 + asymmetry)
            qubits.append(
                QubitState(
                    t1_us=t1,
                    t2_us=t2,
                    t2_echo_us=min(_sig(t2 * echo_gain), 2 * t1),
                    prob_meas0_prep1=_sig(p01),
                    prob_meas1_prep0=_sig(2 * readout - p01),
                    one_qubit_error=_sig(_drifted(one_q_0, rng, drift, p.one_qubit_error)),
                )
            )
        pair_errors = {
            pair: _sig(_drifted(base, rng, drift, p.two_qubit_error))
            for pair, base in zip(self.pairs, pair_base, strict=True)
        }
        return Snapshot(index, snapshot_time(index), tuple(qubits), MappingProxyType(pair_errors))

    def latest(self, instant: datetime) -> Snapshot | None:
        """The snapshot effective at ``instant`` (``None`` before :data:`EPOCH`)."""
        index = snapshot_index(instant)
        return None if index is None else self.snapshot(index)

    def at(self, instant: datetime) -> dict[str, Any] | None:
        """The ``CalibrationResponse`` JSON effective at ``instant`` (``None`` before :data:`EPOCH`)."""
        snap = self.latest(instant)
        return None if snap is None else self.response(snap)

    def times(self, start: datetime, end: datetime) -> list[datetime]:
        """Snapshot instants within ``[start, end]``."""
        return calibration_times(start, end)

    def one_qubit_gate(self, name: str, error: float) -> dict[str, Any]:
        """A ``GateCalibration`` of a single-qubit gate with the qubit's error figure."""
        if name in self.virtual_gates:
            return {"operational": True, "error": 0.0, "error_std": 0.0, "length_ns": 0.0}
        return {
            "operational": True,
            "error": error,
            "error_std": _sig(error * 0.1),
            "length_ns": self.profile.one_qubit_length_ns,
        }

    def response(self, snap: Snapshot) -> dict[str, Any]:
        """Render a snapshot as ``CalibrationResponse`` JSON."""
        p = self.profile
        qubits = []
        for q, state in enumerate(snap.qubits):
            entry: dict[str, Any] = {"qubit": q}
            if self.qubit_names is not None:
                entry["name"] = self.qubit_names[q]
            entry |= {
                "operational": True,
                "t1_us": state.t1_us,
                "t1_us_std": _sig(state.t1_us * 0.05),
                "t2_us": state.t2_us,
                "t2_us_std": _sig(state.t2_us * 0.08),
                "t2_echo_us": state.t2_echo_us,
                "readout_error": state.readout_error,
                "readout_length_ns": p.readout_length_ns,
                "reset_length_ns": p.reset_length_ns,
                "prob_meas0_prep1": state.prob_meas0_prep1,
                "prob_meas1_prep0": state.prob_meas1_prep0,
                "gates": {g: self.one_qubit_gate(g, state.one_qubit_error) for g in self.one_qubit_gates},
            }
            qubits.append(entry)
        pairs = [
            {
                "qubits": [a, b],
                "gates": {
                    g: {
                        "operational": True,
                        "error": error,
                        "error_std": _sig(error * 0.1),
                        "length_ns": p.two_qubit_length_ns,
                    }
                    for g in self.two_qubit_gates
                },
            }
            for (a, b), error in snap.pair_errors.items()
        ]
        return {
            "backend_id": self.backend_id,
            "calibrated_at": iso_z(snap.calibrated_at),
            "calibration": {
                "type": "gate_based",
                "medians": self._medians(snap),
                "qubits": qubits,
                "qubit_pairs": pairs,
            },
        }

    def _medians(self, snap: Snapshot) -> dict[str, Any]:
        def median_and_std(values: Sequence[float]) -> tuple[float, float]:
            return _sig(statistics.median(values)), _sig(statistics.pstdev(values))

        t1, t1_std = median_and_std([s.t1_us for s in snap.qubits])
        t2, t2_std = median_and_std([s.t2_us for s in snap.qubits])
        echo, echo_std = median_and_std([s.t2_echo_us for s in snap.qubits])
        readout, readout_std = median_and_std([s.readout_error for s in snap.qubits])
        one_q = statistics.median(s.one_qubit_error for s in snap.qubits)
        gates = {g: self.one_qubit_gate(g, _sig(one_q)) for g in self.one_qubit_gates}
        if snap.pair_errors:
            two_q, two_q_std = median_and_std(list(snap.pair_errors.values()))
            for g in self.two_qubit_gates:
                gates[g] = {
                    "operational": True,
                    "error": two_q,
                    "error_std": two_q_std,
                    "length_ns": self.profile.two_qubit_length_ns,
                }
        return {
            "t1_us": t1,
            "t1_us_std": t1_std,
            "t2_us": t2,
            "t2_us_std": t2_std,
            "t2_echo_us": echo,
            "t2_echo_us_std": echo_std,
            "readout_error": readout,
            "readout_error_std": readout_std,
            "readout_length_ns": self.profile.readout_length_ns,
            "reset_length_ns": self.profile.reset_length_ns,
            "gates": gates,
        }


# --- analog (QuEra Aquila) ------------------------------------------------------------------------


def _drift_figures(figures: Any, rng: random.Random, drift: float) -> Any:
    """Every measured number of a nested figure dict, moved by up to ``drift`` (fractions stay <= 1)."""
    if isinstance(figures, dict):
        return {
            key: value if key == "rampTime" else _drift_figures(value, rng, drift)
            for key, value in figures.items()
        }
    if isinstance(figures, list):
        return [_drift_figures(item, rng, drift) for item in figures]
    if isinstance(figures, float):
        moved = figures * (1 + rng.uniform(-drift, drift))
        return _sig(min(moved, 1.0) if figures <= 1.0 else moved)
    return figures


class AnalogCalibration:
    """The daily calibrations of QuEra's Aquila: fixed ``lattice`` and ``rydberg`` capabilities and a
    ``performance`` section whose measured figures drift a little from day to day."""

    def __init__(
        self,
        backend_id: str,
        *,
        lattice: Mapping[str, Any],
        rydberg: Mapping[str, Any],
        performance: Mapping[str, Any],
        drift: float = 0.05,
    ) -> None:
        self.backend_id = backend_id
        self.lattice = dict(lattice)
        self.rydberg = dict(rydberg)
        self.performance = dict(performance)
        self.drift = drift

    def performance_at(self, index: int) -> dict[str, Any]:
        """The ``performance`` figures of snapshot ``index``."""
        drifted: dict[str, Any] = _drift_figures(
            self.performance, stable_rng(self.backend_id, "snapshot", index), self.drift
        )
        return drifted

    def at(self, instant: datetime) -> dict[str, Any] | None:
        """The ``CalibrationResponse`` JSON effective at ``instant`` (``None`` before :data:`EPOCH`)."""
        index = snapshot_index(instant)
        if index is None:
            return None
        return {
            "backend_id": self.backend_id,
            "calibrated_at": iso_z(snapshot_time(index)),
            "calibration": {
                "type": "quera_aquila",
                "lattice": copy.deepcopy(self.lattice),
                "rydberg": copy.deepcopy(self.rydberg),
                "performance": self.performance_at(index),
            },
        }

    def times(self, start: datetime, end: datetime) -> list[datetime]:
        """Snapshot instants within ``[start, end]``."""
        return calibration_times(start, end)
