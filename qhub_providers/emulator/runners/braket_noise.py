"""Braket OpenQASM programs on AWS QPUs under the calibration noise model every other QPU family gets.

Braket's own interpreter parses the program (as for the ideal run) into gate operations with their
matrices. Each becomes the Qiskit standard gate of the same kind when its matrix is that gate's (so
that the calibration's figures for that gate apply, e.g. none for a virtual ``rz``), else a Qiskit
``UnitaryGate`` of its matrix, on the same device qubits. The circuit goes through
:func:`.circuits.sample_bits` with :func:`.noise.noise_model` of the backend: gate errors split into
thermal relaxation and depolarisation, readout flips, Pauli frames when the program is Clifford.
"""

from __future__ import annotations

import functools
import inspect
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


@functools.cache
def _twins() -> dict[type, tuple[str, tuple[str, ...]]]:
    """Braket's gate operation classes that have a Qiskit standard twin: the twin's name and the
    operation's attributes that hold its parameters, in the constructor's order.

    Found by the two libraries alone, with no table of ours: each class of Braket's gate registry is built
    with random angles, and its twin is the Qiskit standard gate of as many qubits and parameters whose
    matrix, built with the same angles in the same order, is exactly Braket's (global phase included, so
    ``rz`` and ``phaseshift`` find Qiskit's ``rz`` and ``p``, not each other). :func:`_named_gate` checks
    every operation's own matrix again before using the name.
    """
    from braket.default_simulator.gate_operations import BRAKET_GATES

    angles = np.random.default_rng(20261208).uniform(0.1, 3.0, size=4)
    by_shape: dict[tuple[int, int], list[Gate]] = {}
    # Shortest name first: where Qiskit has an older alias with the same matrix (u1, cu1), its current name
    # (p, cp) wins.
    for name, standard in sorted(get_standard_gate_name_mapping().items(), key=lambda i: (len(i[0]), i[0])):
        if not isinstance(standard, Gate):
            continue  # measure, delay, reset
        try:
            twin = type(standard)(*angles[: len(standard.params)])
        except TypeError:
            continue
        if twin.name == name:
            by_shape.setdefault((twin.num_qubits, len(twin.params)), []).append(twin)
    twins: dict[type, tuple[str, tuple[str, ...]]] = {}
    for operation_class in BRAKET_GATES.values():
        names = [
            n
            for n in inspect.signature(operation_class.__init__).parameters
            if n not in ("self", "targets", "ctrl_modifiers", "power")
        ]
        try:
            operation = operation_class([0], *angles[: len(names)])
            matrix = np.asarray(operation.matrix, dtype=complex)
        except (TypeError, ValueError):
            continue  # unitary (takes a matrix), gphase
        width = int(matrix.shape[0]).bit_length() - 1
        for twin in by_shape.get((width, len(names)), []):
            # Reversing the qubits of Qiskit's matrix puts the first target on the most significant bit.
            if np.allclose(Operator(twin).reverse_qargs().data, matrix, atol=1e-12):
                # ``lambda_`` is kept as ``_lambda``, ``angle_1`` as ``_angle_1``.
                twins[operation_class] = (twin.name, tuple(f"_{n.rstrip('_')}" for n in names))
                break
    return twins


def _named_gate(operation: Any, matrix: npt.NDArray[np.complex128], *, exact_phase: bool) -> Gate | None:
    """The Qiskit standard gate that does what ``operation`` does on its targets in order, or ``None``.

    Its matrix must be Braket's ``matrix`` (which includes any ``pow`` or ``inv`` modifier), up to a
    global phase unless the gate gets controls, where that phase would become a relative one.
    """
    entry = _twins().get(type(operation))
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
