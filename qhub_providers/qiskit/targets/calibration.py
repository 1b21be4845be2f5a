"""Error figures from the Hub's gate-based calibration (``GET backends/{id}/calibration``).

The Hub keys one-qubit gates per qubit and two-qubit gates per coupled pair by their Qiskit names; some
providers use the generic keys ``one_qubit`` / ``two_qubit`` instead. Where a qubit or a pair has no
figure of its own, the device-wide median stands in, so that error-aware layout never compares a measured
qubit with an unmeasured one that looks perfect.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from qiskit.providers import QubitProperties
from qiskit.transpiler import InstructionProperties

from qhub_providers.api.models import (
    CalibrationResponse,
    GateBasedCalibration,
    GateCalibration,
    QubitCalibration,
)
from qhub_providers.qiskit.targets.common import Qargs

_US = 1e6  # microseconds per second
_NS = 1e9  # nanoseconds per second


def gate_based(calibration: CalibrationResponse | None) -> GateBasedCalibration | None:
    """The gate-based figures of a calibration response, or ``None`` for any other kind."""
    if calibration is None:
        return None
    figures = calibration.calibration
    return figures if isinstance(figures, GateBasedCalibration) else None


def _properties(gate: GateCalibration | None) -> InstructionProperties | None:
    if gate is None or (gate.error is None and gate.length_ns is None):
        return None
    duration = gate.length_ns / _NS if gate.length_ns is not None else None
    return InstructionProperties(duration=duration, error=gate.error)


class CalibrationFigures:
    """Per-qubit and per-pair figures of one calibration, looked up by Qiskit qubit index.

    ``index_of`` turns the Hub's qubit number (``QubitCalibration.qubit``, the entries of
    ``QubitPairCalibration.qubits``) into a Qiskit index, or ``None`` for a qubit the target does not
    have. ``names`` maps vendor qubit names (``QB1`` …) to Qiskit indices; a qubit entry carrying a known
    name is placed by its name. ``aliases`` gives further keys a gate may be calibrated under (IQM's
    ``prx`` for Qiskit's ``r``).
    """

    def __init__(
        self,
        calibration: GateBasedCalibration | None,
        index_of: Callable[[int], int | None],
        names: Mapping[str, int] | None = None,
        aliases: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self._calibration = calibration
        self._aliases = dict(aliases or {})
        self._qubits: dict[int, QubitCalibration] = {}
        self._pairs: dict[frozenset[int], dict[str, GateCalibration]] = {}
        self._dead: frozenset[int] = frozenset()
        if calibration is None:
            return
        for entry in calibration.qubits:
            index = (names or {}).get(entry.name or "")
            if index is None:
                index = index_of(entry.qubit)
            if index is not None:
                self._qubits[index] = entry
        for pair in calibration.qubit_pairs:
            indices = [index_of(q) for q in pair.qubits]
            if len(indices) == 2 and None not in indices and indices[0] != indices[1]:
                self._pairs[frozenset(q for q in indices if q is not None)] = pair.gates
        self._dead = frozenset(q for q, entry in self._qubits.items() if not entry.operational)

    @property
    def present(self) -> bool:
        """True when there is a gate-based calibration at all."""
        return self._calibration is not None

    def gate_names(self) -> frozenset[str]:
        """Names of the gates the calibration has figures for (Qiskit names, or the generic keys)."""
        if self._calibration is None:
            return frozenset()
        names = set(self._calibration.medians.gates)
        for entry in self._qubits.values():
            names.update(entry.gates)
        for gates in self._pairs.values():
            names.update(gates)
        return frozenset(names)

    def dead_qubits(self) -> frozenset[int]:
        """Qubits the calibration marks as not operational."""
        return self._dead

    def qubit_properties(self, num_qubits: int) -> list[QubitProperties] | None:
        """T1 and T2 per qubit (the medians where a qubit has none), or ``None`` without a calibration."""
        if self._calibration is None:
            return None
        medians = self._calibration.medians
        result = []
        for q in range(num_qubits):
            entry = self._qubits.get(q)
            t1 = entry.t1_us if entry is not None and entry.t1_us is not None else medians.t1_us
            t2 = entry.t2_us if entry is not None and entry.t2_us is not None else medians.t2_us
            result.append(
                QubitProperties(
                    t1=t1 / _US if t1 is not None else None,
                    t2=t2 / _US if t2 is not None else None,
                )
            )
        return result

    def _gate(self, name: str, qargs: Qargs) -> GateCalibration | None:
        if len(qargs) == 1:
            entry = self._qubits.get(qargs[0])
            gates = entry.gates if entry is not None else {}
            generic = "one_qubit"
        elif len(qargs) == 2:
            gates = self._pairs.get(frozenset(qargs), {})
            generic = "two_qubit"
        else:
            return None
        keys = (name, *self._aliases.get(name, ()), generic)
        found = next((gates[key] for key in keys if key in gates), None)
        if found is None and self._calibration is not None:
            medians = self._calibration.medians.gates
            found = next((medians[key] for key in keys if key in medians), None)
        return found

    def operational(self, name: str, qargs: Qargs) -> bool:
        """False when the calibration marks the gate on these qubits, or one of the qubits, as broken."""
        if any(q in self._dead for q in qargs):
            return False
        gate = self._gate(name, qargs)
        return gate is None or gate.operational

    def gate(self, name: str, qargs: Qargs) -> InstructionProperties | None:
        """Error and duration of gate ``name`` (Qiskit name) on ``qargs``, if the calibration has them."""
        if self._calibration is None:
            return None
        return _properties(self._gate(name, qargs))

    def readout(self, qubit: int) -> InstructionProperties | None:
        """Readout error and duration of ``qubit``, if the calibration has them."""
        if self._calibration is None:
            return None
        medians = self._calibration.medians
        entry = self._qubits.get(qubit)
        error = entry.readout_error if entry is not None else None
        if error is None and entry is not None:
            p01, p10 = entry.prob_meas0_prep1, entry.prob_meas1_prep0
            if p01 is not None and p10 is not None:
                # The assignment error averaged over both prepared states, as readout_error is defined.
                error = (p01 + p10) / 2
        length = entry.readout_length_ns if entry is not None else None
        error = error if error is not None else medians.readout_error
        length = length if length is not None else medians.readout_length_ns
        if error is None and length is None:
            return None
        return InstructionProperties(duration=length / _NS if length is not None else None, error=error)

    def reset(self, qubit: int) -> InstructionProperties | None:
        """Duration of an active reset of ``qubit``, if the calibration has it."""
        if self._calibration is None:
            return None
        entry = self._qubits.get(qubit)
        length = entry.reset_length_ns if entry is not None else None
        length = length if length is not None else self._calibration.medians.reset_length_ns
        return InstructionProperties(duration=length / _NS) if length is not None else None
