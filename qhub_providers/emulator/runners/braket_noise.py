"""Braket OpenQASM programs on AWS QPUs under the calibration noise model every other QPU family gets.

Braket's own interpreter parses the program (as for the ideal run) into gate operations with their
matrices; each becomes a Qiskit ``UnitaryGate`` on the same device qubits, and the circuit goes through
:func:`.circuits.sample_bits` with :func:`.noise.noise_model` of the backend: gate errors split into
thermal relaxation and depolarisation, readout flips, Pauli frames when the program is Clifford.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from qiskit import QuantumCircuit
from qiskit.circuit.library import UnitaryGate

from qhub_providers.emulator.runners.circuits import sample_bits
from qhub_providers.emulator.runners.noise import noise_model

if TYPE_CHECKING:
    from qhub_providers.emulator.catalog.spec import BackendSpec

__all__ = ["noisy_program_bits"]


def noisy_program_bits(
    spec: BackendSpec,
    source: str,
    inputs: Mapping[str, float],
    measured_qubits: Sequence[int],
    shots: int,
    *,
    seed: int,
    calibration: Mapping[str, Any],
) -> npt.NDArray[np.uint8] | None:
    """``(shots, len(measured_qubits))`` bits of the program on ``spec`` under ``calibration``.

    Column ``k`` is device qubit ``measured_qubits[k]``, as Braket reports measurements. ``None`` when
    the calibration describes no noise (the ideal run stands).
    """
    from braket.default_simulator import StateVectorSimulator
    from braket.default_simulator.operation import GateOperation
    from braket.ir.openqasm import Program

    model = noise_model(spec, calibration)
    if model is None:
        return None
    context = StateVectorSimulator().parse_program(Program(source=source, inputs=dict(inputs)))
    operations = [op for op in context.circuit.instructions if isinstance(op, GateOperation)]
    touched = [int(q) for op in operations for q in op.targets]
    width = max([*touched, *measured_qubits]) + 1
    circuit = QuantumCircuit(width, len(measured_qubits))
    for operation in operations:
        targets = [int(q) for q in operation.targets]
        if not targets:
            continue  # a global phase
        modifiers = list(getattr(operation, "_ctrl_modifiers", None) or [])
        controls, acted = targets[: len(modifiers)], targets[len(modifiers) :]
        # Braket's matrices put the first target on the most significant bit; Qiskit's the least.
        gate: Any = UnitaryGate(np.asarray(operation.matrix, dtype=complex), check_input=False)
        qubits = list(reversed(acted))
        if controls:
            state = sum(int(bit) << k for k, bit in enumerate(modifiers))
            gate = gate.control(len(controls), ctrl_state=state)
            qubits = controls + qubits
        circuit.append(gate, qubits)
    for column, qubit in enumerate(measured_qubits):
        circuit.measure(qubit, column)
    (bits,) = sample_bits([circuit], shots, seed=seed, noise_model=model)
    return bits
