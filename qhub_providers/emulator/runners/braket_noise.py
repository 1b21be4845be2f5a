"""Braket OpenQASM programs on AWS QPUs under the calibration noise model every other QPU family gets.

Braket's own interpreter parses the program (as for the ideal run) into gate operations with their
matrices. Each becomes the Qiskit standard gate of the same kind when its matrix is that gate's (so
that the calibration's figures for that gate apply, e.g. none for a virtual ``rz``), else a Qiskit
``UnitaryGate`` of its matrix, on the same device qubits. The circuit goes through
:func:`.circuits.sample_bits` with :func:`.noise.noise_model` of the backend: gate errors split into
thermal relaxation and depolarisation, readout flips, Pauli frames when the program is Clifford.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from qiskit import QuantumCircuit
from qiskit.circuit import Gate
from qiskit.circuit.library import UnitaryGate, get_standard_gate_name_mapping
from qiskit.quantum_info import Operator

from qhub_providers.emulator.runners.circuits import sample_bits
from qhub_providers.emulator.runners.noise import noise_model

if TYPE_CHECKING:
    from qhub_providers.emulator.catalog.spec import BackendSpec

__all__ = ["noisy_program_bits", "program_circuit"]

# Braket's gate types with a Qiskit standard twin: the Qiskit name and the operation's attributes that
# hold the parameters, in Qiskit's order. The matrices are compared before a name is used (see
# _named_gate), so an operation whose attributes or conventions differ keeps its matrix.
_NAMED: dict[str, tuple[str, tuple[str, ...]]] = {
    "hadamard": ("h", ()),
    "pauli_x": ("x", ()),
    "pauli_y": ("y", ()),
    "pauli_z": ("z", ()),
    "identity": ("id", ()),
    "s": ("s", ()),
    "si": ("sdg", ()),
    "t": ("t", ()),
    "ti": ("tdg", ()),
    "v": ("sx", ()),
    "vi": ("sxdg", ()),
    "rx": ("rx", ("_angle",)),
    "ry": ("ry", ("_angle",)),
    "rz": ("rz", ("_angle",)),
    "phaseshift": ("p", ("_angle",)),
    "u": ("u", ("_theta", "_phi", "_lambda")),
    "prx": ("r", ("_angle_1", "_angle_2")),
    "cx": ("cx", ()),
    "cy": ("cy", ()),
    "cz": ("cz", ()),
    "cv": ("csx", ()),
    "swap": ("swap", ()),
    "iswap": ("iswap", ()),
    "ecr": ("ecr", ()),
    "cphaseshift": ("cp", ("_angle",)),
    "xx": ("rxx", ("_angle",)),
    "yy": ("ryy", ("_angle",)),
    "zz": ("rzz", ("_angle",)),
    "ccnot": ("ccx", ()),
    "cswap": ("cswap", ()),
}
_NAMED_CACHE_SIZE = 4096
_named_cache: dict[tuple[Any, ...], Gate | None] = {}


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
    model = noise_model(spec, calibration)
    if model is None:
        return None
    circuit = program_circuit(source, inputs, measured_qubits)
    (bits,) = sample_bits([circuit], shots, seed=seed, noise_model=model)
    return bits


def program_circuit(
    source: str, inputs: Mapping[str, float], measured_qubits: Sequence[int]
) -> QuantumCircuit:
    """The gates of a Braket OpenQASM program as a Qiskit circuit on the same qubit indices.

    Braket's interpreter reads the program; device qubit ``measured_qubits[k]`` is measured into clbit
    ``k`` at the end. An operation becomes a Qiskit standard gate where its matrix is that gate's, else
    a ``UnitaryGate`` of its matrix; control modifiers become Qiskit controls.
    """
    from braket.default_simulator import StateVectorSimulator
    from braket.default_simulator.operation import GateOperation
    from braket.ir.openqasm import Program

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
        matrix = np.asarray(operation.matrix, dtype=complex)
        gate: Any = _named_gate(operation, matrix, exact_phase=bool(controls))
        qubits = list(acted)
        if gate is None:
            # Braket's matrices put the first target on the most significant bit; Qiskit's the least.
            gate = UnitaryGate(matrix, check_input=False)
            qubits = list(reversed(acted))
        if controls:
            state = sum(int(bit) << k for k, bit in enumerate(modifiers))
            gate = gate.control(len(controls), ctrl_state=state)
            qubits = controls + qubits
        circuit.append(gate, qubits)
    for column, qubit in enumerate(measured_qubits):
        circuit.measure(qubit, column)
    return circuit


def _named_gate(operation: Any, matrix: npt.NDArray[np.complex128], *, exact_phase: bool) -> Gate | None:
    """The Qiskit standard gate that does what ``operation`` does on its targets in order, or ``None``.

    Its matrix must be Braket's ``matrix`` (which includes any ``pow`` or ``inv`` modifier), up to a
    global phase unless the gate gets controls, where that phase would become a relative one.
    """
    entry = _NAMED.get(str(getattr(operation, "gate_type", "")))
    if entry is None:
        return None
    name, attributes = entry
    try:
        params = [float(getattr(operation, attribute)) for attribute in attributes]
    except (AttributeError, TypeError, ValueError):
        return None
    key = (name, tuple(params), exact_phase, matrix.shape, np.round(matrix, 10).tobytes())
    if key in _named_cache:
        return _named_cache[key]
    gate: Gate | None = get_standard_gate_name_mapping()[name].base_class(*params)
    assert gate is not None
    # Reversing the qubits of Qiskit's matrix puts the first target on the most significant bit.
    candidate = np.asarray(Operator(gate).reverse_qargs().data)
    if candidate.shape != matrix.shape:
        gate = None
    else:
        pivot = np.unravel_index(int(np.argmax(np.abs(candidate))), candidate.shape)
        phase = 1.0 + 0j if exact_phase else matrix[pivot] / candidate[pivot]
        if abs(abs(phase) - 1) > 1e-9 or not np.allclose(candidate * phase, matrix, atol=1e-9):
            gate = None
    if len(_named_cache) < _NAMED_CACHE_SIZE:
        _named_cache[key] = gate
    return gate
