"""One noise model for every gate-based QPU family, built from its calibration.

What a calibration says becomes, per device qubit and qubit pair:

* **Gate errors.** After every gate, a channel whose average gate infidelity is the gate's calibrated
  ``error``: thermal relaxation for the gate's ``length_ns`` (from the qubit's ``t1_us`` and ``t2_us``)
  followed by the depolarising channel that makes up the rest of the error. A two-qubit gate relaxes
  both of its qubits. A gate the calibration does not name gets the largest error (and length) the
  calibration gives any gate of its width on those qubits, except a rotation about Z, which devices
  run as a phase-frame change (no error unless the calibration names it); a non-operational entry adds
  no error.
* **Idling.** A ``delay`` relaxes its qubit for its duration (when it is given in seconds).
* **Readout.** A classical flip on measurement: ``prob_meas1_prep0`` and ``prob_meas0_prep1`` when both
  are given, else the symmetric ``readout_error`` (the qubit's own, else the median).

Lookups go from the least to the most specific entry: the medians, then the qubit's (or pair's) own
values. :mod:`.circuits` inserts these channels into each circuit and picks Aer's method: the stabilizer
method for Clifford circuits (with the channels' Pauli twirl, which keeps every Pauli error rate and
the average infidelity), the density matrix for small circuits, state-vector trajectories otherwise.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from qiskit.circuit.library import get_standard_gate_name_mapping
from qiskit_aer.noise import NoiseModel, QuantumError, ReadoutError, depolarizing_error, pauli_error
from qiskit_aer.noise import thermal_relaxation_error as aer_thermal_relaxation

if TYPE_CHECKING:
    from qhub_providers.emulator.catalog.spec import BackendSpec

__all__ = ["DeviceNoise", "clear_noise_cache", "noise_model"]

ONE_QUBIT_KEY = "one_qubit"
"""Calibration key that stands for every one-qubit gate."""
TWO_QUBIT_KEY = "two_qubit"
"""Calibration key that stands for every two-qubit gate."""

_CACHE_SIZE = 64
_cache: OrderedDict[tuple[str, str], DeviceNoise | None] = OrderedDict()
_cache_lock = threading.Lock()

# Instructions that carry no gate error of their own, even when a catalog lists them among the gates.
_NOT_GATES = frozenset({"measure", "reset", "barrier", "delay"})
# Rotations about Z that every gate-based family runs as a change of the pulses' phase frame (a "virtual
# Z": no pulse, no time, no error). When the calibration lists one, its own figures apply; otherwise it is
# perfect rather than given the worst one-qubit error, as an unnamed gate is.
_VIRTUAL_Z = frozenset({"rz", "p", "u1", "z", "s", "sdg", "t", "tdg"})


@dataclass(frozen=True)
class GateCalibration:
    """One gate's calibrated error (average infidelity) and duration."""

    error: float
    length_ns: float


@dataclass(frozen=True)
class QubitCalibration:
    """What the model uses of one device qubit."""

    gates: Mapping[str, GateCalibration]
    t1_ns: float | None
    t2_ns: float | None
    readout: tuple[float, float] | None
    """``(P(read 1 | prepared 0), P(read 0 | prepared 1))``."""


@dataclass(eq=False)
class DeviceNoise:
    """The noise of one device under one calibration, by device qubit (see the module docstring)."""

    num_qubits: int
    qubits: dict[int, QubitCalibration]
    pairs: dict[frozenset[int], Mapping[str, GateCalibration]]
    _channels: dict[tuple[Any, ...], QuantumError | None] = field(default_factory=dict, repr=False)
    _paulis: dict[tuple[Any, ...], npt.NDArray[np.float64] | None] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # -- channels ---------------------------------------------------------------------------------

    def gate_error(self, name: str, qubits: tuple[int, ...], *, pauli: bool = False) -> QuantumError | None:
        """The channel that follows gate ``name`` on device ``qubits``, or ``None`` for a perfect gate.

        ``pauli=True`` gives its Pauli twirl, which the stabilizer method can simulate.
        """
        key = ("gate", name, qubits, pauli)
        with self._lock:
            if key in self._channels:
                return self._channels[key]
        channel = self._build_gate_error(name, qubits, pauli)
        with self._lock:
            self._channels[key] = channel
        return channel

    def gate_pauli(self, name: str, qubits: tuple[int, ...]) -> npt.NDArray[np.float64] | None:
        """The Pauli twirl of :meth:`gate_error` as probabilities over Pauli codes (see ``pauli_frames``)."""
        key = ("pauli", name, qubits)
        with self._lock:
            if key in self._paulis:
                return self._paulis[key]
        probabilities = self._build_gate_pauli(name, qubits)
        with self._lock:
            self._paulis[key] = probabilities
        return probabilities

    def idle_pauli(self, qubit: int, seconds: float) -> npt.NDArray[np.float64] | None:
        """The Pauli twirl of :meth:`idle_error`."""
        if seconds <= 0 or not self._has_relaxation((qubit,)):
            return None
        return np.array(self._relaxation_pauli(qubit, seconds * 1e9))

    def idle_error(self, qubit: int, seconds: float, *, pauli: bool = False) -> QuantumError | None:
        """Relaxation of an idle ``qubit`` for ``seconds``, or ``None`` when nothing is known."""
        if seconds <= 0:
            return None
        return self._relaxation((qubit,), seconds * 1e9, pauli)

    def readout_error(self, qubit: int) -> ReadoutError | None:
        """The classical flips of a measurement of ``qubit``."""
        calibration = self.qubits.get(qubit)
        if calibration is None or calibration.readout is None:
            return None
        up, down = calibration.readout
        return ReadoutError([[1 - up, up], [down, 1 - down]])

    def readout_flips(self, qubit: int) -> tuple[float, float]:
        """``(P(1 | 0), P(0 | 1))`` of ``qubit``; zeros when the calibration gives none."""
        calibration = self.qubits.get(qubit)
        if calibration is None or calibration.readout is None:
            return (0.0, 0.0)
        return calibration.readout

    def aer_noise_model(self, basis_gates: Iterable[str], *, pauli: bool = False) -> NoiseModel:
        """The same noise as an Aer ``NoiseModel`` over ``basis_gates`` on every calibrated qubit and pair.

        For callers that hand a model to Aer's primitives instead of inserting the channels themselves;
        ``pauli=True`` twirls the channels so that Aer can keep Clifford circuits on its stabilizer method.
        """
        one, two = _basis_by_width(basis_gates)
        model = NoiseModel(basis_gates=sorted(one | two) or None)
        for qubit in sorted(self.qubits):
            for gate in sorted(one):
                channel = self.gate_error(gate, (qubit,), pauli=pauli)
                if channel is not None:
                    model.add_quantum_error(channel, gate, [qubit])
            readout = self.readout_error(qubit)
            if readout is not None:
                model.add_readout_error(readout, [qubit])
        for pair in self.pairs:
            a, b = sorted(pair)
            for gate in sorted(two):
                for order in ((a, b), (b, a)):
                    channel = self.gate_error(gate, order, pauli=pauli)
                    if channel is not None:
                        model.add_quantum_error(channel, gate, list(order))
        return model

    # -- building ---------------------------------------------------------------------------------

    def _gate_calibration(self, name: str, qubits: tuple[int, ...]) -> GateCalibration | None:
        if len(qubits) == 1:
            calibration = self.qubits.get(qubits[0])
            gates: Mapping[str, GateCalibration] = calibration.gates if calibration else {}
        elif len(qubits) == 2:
            gates = self.pairs.get(frozenset(qubits), {})
        else:
            return None
        if name in gates:
            return gates[name]
        if not gates or name in _VIRTUAL_Z:
            return None
        # A gate the calibration does not name (a decomposition, another dialect): the worst listed one.
        return max(gates.values(), key=lambda g: (g.error, g.length_ns))

    def _parameters(self, name: str, qubits: tuple[int, ...]) -> tuple[float, float] | None:
        """``(depolarising parameter, relaxation length in ns)`` of a gate, or ``None`` when perfect."""
        if name in _NOT_GATES:
            return None
        calibration = self._gate_calibration(name, qubits)
        if calibration is None:
            return None
        dim = 1 << len(qubits)
        length = calibration.length_ns if self._has_relaxation(qubits) else 0.0
        identity = math.prod(self._relaxation_pauli(q, length)[0] for q in qubits)
        # The average infidelity of a channel is that of its Pauli twirl: d (1 - p_I) / (d + 1).
        relaxation_infidelity = dim * (1 - identity) / (dim + 1)
        # The depolarising part makes the total average infidelity the calibrated error; when relaxation
        # alone exceeds it (a calibration inconsistent with T1/T2), relaxation is kept alone.
        error = min(calibration.error, dim / (dim + 1))
        depolarising = 0.0
        if error > relaxation_infidelity:
            fidelity = 1 - relaxation_infidelity
            depolarising = dim * (error - relaxation_infidelity) / (dim * fidelity - 1)
        depolarising = min(max(depolarising, 0.0), 1.0)
        if depolarising == 0 and length == 0:
            return None
        return depolarising, length

    def _build_gate_error(self, name: str, qubits: tuple[int, ...], pauli: bool) -> QuantumError | None:
        if pauli:
            probabilities = self.gate_pauli(name, qubits)
            return None if probabilities is None else _pauli_channel(probabilities, len(qubits))
        parameters = self._parameters(name, qubits)
        if parameters is None:
            return None
        depolarising, length = parameters
        parts = []
        if depolarising > 0:
            parts.append(depolarizing_error(depolarising, len(qubits)))
        relaxation = self._relaxation(qubits, length, pauli=False)
        if relaxation is not None:
            parts.append(relaxation)
        if not parts:
            return None
        channel = parts[0]
        for part in parts[1:]:
            channel = channel.compose(part)
        return channel

    def _build_gate_pauli(self, name: str, qubits: tuple[int, ...]) -> npt.NDArray[np.float64] | None:
        parameters = self._parameters(name, qubits)
        if parameters is None:
            return None
        depolarising, length = parameters
        size = 4 ** len(qubits)
        channel = np.full(size, depolarising / size)
        channel[0] += 1 - depolarising
        if length > 0:
            relaxation = np.ones(1)
            for q in reversed(qubits):  # the first qubit takes the lowest bits of the code
                relaxation = np.kron(relaxation, np.array(self._relaxation_pauli(q, length)))
            channel = _compose_paulis(channel, relaxation)
        return channel

    def _has_relaxation(self, qubits: tuple[int, ...]) -> bool:
        for qubit in qubits:
            calibration = self.qubits.get(qubit)
            if calibration is None or calibration.t1_ns is None or calibration.t2_ns is None:
                return False
        return True

    def _relaxation(self, qubits: tuple[int, ...], length_ns: float, pauli: bool) -> QuantumError | None:
        """Thermal relaxation of each of ``qubits`` for ``length_ns`` (tensored, first qubit first)."""
        if length_ns <= 0:
            return None
        channels: list[QuantumError] = []
        for qubit in qubits:
            calibration = self.qubits.get(qubit)
            if calibration is None or calibration.t1_ns is None or calibration.t2_ns is None:
                return None
            if pauli:
                identity, px, pz, py = self._relaxation_pauli(qubit, length_ns)
                channels.append(_pauli_channel(np.array([identity, px, pz, py]), 1))
            else:
                channels.append(aer_thermal_relaxation(calibration.t1_ns, calibration.t2_ns, length_ns))
        # QuantumError.expand puts its argument on the lower qubit: the first qubit stays qubit 0.
        channel = channels[0]
        for other in channels[1:]:
            channel = channel.expand(other)
        return channel

    def _relaxation_pauli(self, qubit: int, length_ns: float) -> tuple[float, float, float, float]:
        """The Pauli twirl of a qubit's relaxation: probabilities of the codes I, X, Z, Y."""
        calibration = self.qubits.get(qubit)
        if calibration is None or calibration.t1_ns is None or calibration.t2_ns is None or length_ns <= 0:
            return (1.0, 0.0, 0.0, 0.0)
        decay = math.exp(-length_ns / calibration.t1_ns)
        dephase = math.exp(-length_ns / calibration.t2_ns)
        flip = (1 - decay) / 4
        phase = max(0.5 - flip - dephase / 2, 0.0)
        return (max(1 - 2 * flip - phase, 0.0), flip, phase, flip)


_LETTERS = "IXZY"


def _compose_paulis(
    first: npt.NDArray[np.float64], second: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Two Pauli channels one after the other: Pauli codes multiply by XOR (phases do not matter)."""
    out = np.zeros_like(first)
    for code, probability in enumerate(second):
        if probability:
            out[np.arange(len(first)) ^ code] += first * probability
    return out


def _pauli_channel(probabilities: npt.NDArray[np.float64], width: int) -> QuantumError:
    """An Aer Pauli error from probabilities over Pauli codes."""
    terms = []
    for code, probability in enumerate(probabilities):
        if probability > 0:
            # Qiskit labels put qubit 0 rightmost.
            label = "".join(_LETTERS[(code >> (2 * j)) & 3] for j in reversed(range(width)))
            terms.append((label, float(probability)))
    total = sum(p for _, p in terms)
    return pauli_error([(label, p / total) for label, p in terms])


def noise_model(spec: BackendSpec, calibration: Mapping[str, Any] | None) -> DeviceNoise | None:
    """The noise of ``spec`` under ``calibration``, or ``None`` when the run is ideal.

    ``calibration`` is a ``CalibrationResponse`` JSON (``{"backend_id", "calibrated_at",
    "calibration": {...}}``) or its inner gate-based calibration. Simulators, missing calibrations,
    non-gate-based calibrations and calibrations without any usable error give ``None``. Models are
    cached per ``(spec.id, calibrated_at)``; a calibration without ``calibrated_at`` is not cached.
    """
    if spec.is_simulator or not calibration:
        return None
    body = calibration.get("calibration", calibration)
    if not isinstance(body, Mapping) or body.get("type", "gate_based") != "gate_based":
        return None
    calibrated_at = calibration.get("calibrated_at")
    key = (spec.id, str(calibrated_at)) if calibrated_at is not None else None
    if key is not None:
        with _cache_lock:
            if key in _cache:
                _cache.move_to_end(key)
                return _cache[key]
    model = _build(spec, body)
    if key is not None:
        with _cache_lock:
            _cache[key] = model
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    return model


def clear_noise_cache() -> None:
    """Forget every cached noise model (tests and calibration edits use it)."""
    with _cache_lock:
        _cache.clear()


def _build(spec: BackendSpec, calibration: Mapping[str, Any]) -> DeviceNoise | None:
    one_qubit, two_qubit = _basis_by_width(spec.basis_gates)
    medians = _mapping(calibration.get("medians"))
    median_gates = _mapping(medians.get("gates"))
    qubits: dict[int, QubitCalibration] = {}
    for entry in _entries(calibration.get("qubits")):
        qubit = entry.get("qubit")
        if not isinstance(qubit, int) or not _is_index(qubit, spec.num_qubits):
            continue
        if entry.get("operational") is False:
            continue
        gates = _gate_calibrations((median_gates, _mapping(entry.get("gates"))), ONE_QUBIT_KEY, one_qubit, 1)
        t1 = _positive(entry.get("t1_us"), medians.get("t1_us"))
        t2 = _positive(entry.get("t2_us"), medians.get("t2_us"))
        t1_ns = None if t1 is None else t1 * 1e3
        t2_ns = None if t2 is None or t1_ns is None else min(t2 * 1e3, 2 * t1_ns)  # physical: T2 <= 2 T1
        qubits[qubit] = QubitCalibration(gates, t1_ns, t2_ns, _readout(entry, medians))

    pairs: dict[frozenset[int], Mapping[str, GateCalibration]] = {}
    for entry in _entries(calibration.get("qubit_pairs")):
        pair = entry.get("qubits")
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(_is_index(q, spec.num_qubits) for q in pair)
            or pair[0] == pair[1]
            or entry.get("operational") is False
        ):
            continue
        gates = _gate_calibrations((median_gates, _mapping(entry.get("gates"))), TWO_QUBIT_KEY, two_qubit, 2)
        if gates:
            pairs[frozenset(pair)] = gates

    noisy = any(
        (q.readout is not None and q.readout != (0.0, 0.0)) or any(g.error > 0 for g in q.gates.values())
        for q in qubits.values()
    ) or any(g.error > 0 for gates in pairs.values() for g in gates.values())
    if not noisy:
        return None
    return DeviceNoise(spec.num_qubits, qubits, pairs)


def _basis_by_width(basis_gates: Iterable[str]) -> tuple[frozenset[str], frozenset[str]]:
    """Split gate names into one- and two-qubit gates by their Qiskit definition."""
    standard = get_standard_gate_name_mapping()
    one, two = set(), set()
    for name in basis_gates:
        gate = standard.get(name)
        if gate is None or name in _NOT_GATES:
            continue
        if gate.num_qubits == 1:
            one.add(name)
        elif gate.num_qubits == 2:
            two.add(name)
    return frozenset(one), frozenset(two)


def _gate_calibrations(
    layers: Iterable[Mapping[str, Any]], generic_key: str, basis: frozenset[str], width: int
) -> dict[str, GateCalibration]:
    """Gate name to calibration for every gate of ``width`` qubits an operational entry describes.

    ``layers`` go from the least to the most specific (medians, then the qubit's own data). Within a
    layer the generic key applies to every basis gate of that width and a gate calibrated by name
    overrides it; a non-operational entry removes the gate's error.
    """
    standard = get_standard_gate_name_mapping()
    out: dict[str, GateCalibration] = {}
    for gates in layers:
        names = [generic_key, *sorted(n for n in gates if n != generic_key)]
        for name in names:
            entry = gates.get(name)
            if not isinstance(entry, Mapping):
                continue
            if name != generic_key:
                gate = standard.get(name)
                if name in _NOT_GATES or (gate is not None and gate.num_qubits != width):
                    continue
                if gate is None and name not in basis:
                    continue  # a name Qiskit does not know (e.g. a median over other widths)
            targets = basis if name == generic_key else frozenset({name})
            if entry.get("operational") is False:
                for target in targets:
                    out.pop(target, None)
                continue
            error = _fraction(entry.get("error"))
            if error is None:
                continue
            length = _fraction_free(entry.get("length_ns"))
            for target in targets:
                out[target] = GateCalibration(error, length)
    return out


def _readout(qubit: Mapping[str, Any], medians: Mapping[str, Any]) -> tuple[float, float] | None:
    """Asymmetric flips when both conditional probabilities are known, else a symmetric flip."""
    flip_up = _fraction(qubit.get("prob_meas1_prep0"))
    flip_down = _fraction(qubit.get("prob_meas0_prep1"))
    if flip_up is None or flip_down is None:
        symmetric = _fraction(qubit.get("readout_error"))
        if symmetric is None:
            symmetric = _fraction(medians.get("readout_error"))
        if symmetric is None:
            return None
        flip_up = flip_up if flip_up is not None else symmetric
        flip_down = flip_down if flip_down is not None else symmetric
    if flip_up == 0 and flip_down == 0:
        return None
    return (flip_up, flip_down)


def _fraction(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return min(max(float(value), 0.0), 1.0)


def _fraction_free(value: Any) -> float:
    """A non-negative duration, 0 when absent."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return 0.0
    return max(float(value), 0.0)


def _positive(*values: Any) -> float | None:
    for value in values:
        if (
            not isinstance(value, bool)
            and isinstance(value, int | float)
            and math.isfinite(value)
            and value > 0
        ):
            return float(value)
    return None


def _is_index(value: Any, num_qubits: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < num_qubits


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _entries(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []
