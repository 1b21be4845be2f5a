"""One gate table per format: a Qiskit target never offers a gate its backend's encoder refuses.

For every gate-based backend of the local Hub, and for Braket devices that advertise gates the Hub's
catalog does not (``cv``), each gate of the target is put in a circuit on qubits the target allows and
encoded in the backend's input format: it must encode, and (Braket) mean the same unitary to Braket.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Instruction
from qiskit.quantum_info import Operator

from qhub_providers.api.models import Backend
from qhub_providers.formats import BackendFacts, format_for, format_module, gates
from qhub_providers.qiskit import HubQiskitProvider
from qhub_providers.qiskit.target import build_target
from qhub_providers.qiskit.targets.common import NON_GATE_INSTRUCTIONS

from .support import NOT_GATE_BASED


def _circuit_of(name: str, operation: Instruction, qargs: tuple[int, ...], width: int) -> QuantumCircuit:
    angles = np.random.default_rng(11).uniform(-2.5, 2.5, size=len(operation.params)).tolist()
    gate = type(operation)(*angles) if angles else operation
    circuit = QuantumCircuit(width, 1, name=f"only-{name}")
    circuit.append(gate, list(qargs))
    circuit.measure(qargs[0], 0)
    return circuit


def _gates_of(target: Any) -> list[tuple[str, Instruction, tuple[int, ...]]]:
    found = []
    for name in sorted(target.operation_names):
        operation = target.operation_from_name(name)
        if name in NON_GATE_INSTRUCTIONS or isinstance(operation, type) or name in ("if_else",):
            continue
        qargs = target.qargs_for_operation_name(name)
        first = sorted(qargs)[0] if qargs else tuple(range(operation.num_qubits))
        found.append((name, operation, tuple(first)))
    return found


def test_every_target_gate_of_every_backend_encodes(provider: HubQiskitProvider) -> None:
    checked = 0
    for backend in provider.backends():
        formats = {str(f) for f in backend.record.configuration.supported_input_formats or []}  # type: ignore[union-attr]
        if formats & NOT_GATE_BASED:
            continue
        module = format_module(backend.input_format)
        facts = backend._facts()
        for name, operation, qargs in _gates_of(backend.target):
            circuit = _circuit_of(name, operation, qargs, max(qargs) + 1)
            module.encode([circuit], facts, shots=10)  # raises FormatError if the tables disagree
            checked += 1
    assert checked > 100


def _braket_device(operations: list[str], *, simulator: bool) -> tuple[Backend, dict[str, Any]]:
    paradigm: dict[str, Any] = {"qubitCount": 3, "nativeGateSet": ["cz", "rx", "rz"]}
    schema = "braket.device_schema.simulators.gate_model_simulator_device_capabilities"
    if not simulator:
        paradigm["connectivity"] = {"fullyConnected": True, "connectivityGraph": {}}
        schema = "braket.device_schema.rigetti.rigetti_device_capabilities"
    capabilities = {
        "braketSchemaHeader": {"name": schema, "version": "1"},
        "action": {"braket.ir.openqasm.program": {"supportedOperations": operations}},
        "paradigm": paradigm,
    }
    backend = Backend.model_validate(
        {
            "id": "aws.acme.device",
            "provider": "AWS",
            "type": "SIMULATOR" if simulator else "QPU",
            "configuration": {"supported_input_formats": ["BRAKET_OPEN_QASM_V3"], "qubit_count": 3},
        }
    )
    return backend, capabilities


@pytest.mark.parametrize("simulator", [True, False])
def test_braket_cv_is_csx_in_the_target_and_the_encoder(simulator: bool) -> None:
    from braket.circuits import Circuit

    backend, capabilities = _braket_device(["cv", "cnot", "h", "gpi", "cphaseshift01"], simulator=simulator)
    target = build_target(backend, capabilities, None).target
    assert {"csx", "cx", "h"} <= set(target.operation_names)
    assert not {"gpi", "cphaseshift01", "cv"} & set(target.operation_names)
    circuit = QuantumCircuit(2)
    circuit.h(1)
    circuit.csx(1, 0)
    facts = BackendFacts("aws.acme.device", 3, 1, simulator, native_config=copy.deepcopy(capabilities))
    program = format_module("BRAKET_OPEN_QASM_V3").encode([circuit], facts).input
    assert "cv q[1], q[0];" in program
    # Braket's unitary is big-endian; Qiskit's little-endian.
    braket_unitary = np.asarray(Circuit.from_ir(program).to_unitary())
    assert np.allclose(braket_unitary, Operator(circuit).reverse_qargs().data, atol=1e-9)


def test_generic_target_leaves_out_gates_its_format_cannot_write() -> None:
    backend = Backend.model_validate(
        {
            "id": "acme.qpu.trapped",
            "provider": "ACME",
            "type": "QPU",
            "configuration": {
                "supported_input_formats": ["AQT_JOB_INPUT_V1"],
                "qubit_count": 3,
                "gates": [{"name": "r"}, {"name": "rz"}, {"name": "rxx"}, {"name": "cx"}, {"name": "h"}],
                "instructions": ["measure"],
                "connectivity": {"fully_connected": True},
            },
        }
    )
    names = set(build_target(backend, None, None).target.operation_names)
    assert {"r", "rz", "rxx"} <= names
    assert not {"cx", "h"} & names


def test_every_translating_table_names_only_qiskit_standard_gates() -> None:
    from qiskit.circuit.library import get_standard_gate_name_mapping

    standard = set(get_standard_gate_name_mapping())
    for input_format, table in gates.GATE_TABLES.items():
        assert format_for([input_format]) == input_format
        # OpenQASM 2 keeps qelib1.inc's own names (c3x, rc3x ...), which Qiskit reads back itself.
        if table is not None and input_format != "OPEN_QASM_V2":
            assert set(table) <= standard, input_format
