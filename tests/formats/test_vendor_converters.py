"""Our encoders checked against the vendors' own Qiskit converters on random circuits.

* Braket: ``qiskit-braket-provider``'s ``to_braket``; both programs are judged by Braket itself (the
  unitary of the parsed program).
* IonQ: ``qiskit-ionq``'s ``qiskit_circ_to_ionq_circ``; the gate lists and the measurement map must agree
  (IonQ reads ``cnot`` and a controlled ``x`` alike).
* IQM's converter (``iqm-client``) would downgrade Qiskit, so it runs in a venv of its own:
  ``tests/referee`` compares the IQM encoder with it.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit.library import get_standard_gate_name_mapping

from qhub_providers.formats import braket_qasm3, gates, ionq
from qhub_providers.formats.base import BackendFacts

CIRCUITS = 12


def _random_circuit(table: Any, width: int, depth: int, seed: int, *, measure: bool) -> QuantumCircuit:
    """Gates drawn from ``table`` (a format's gate table) on random qubits, with random angles."""
    rng = np.random.default_rng(seed)
    library = get_standard_gate_name_mapping()
    names = sorted(name for name in table if library[name].num_qubits <= width)
    circuit = QuantumCircuit(width, width if measure else 0)
    for _ in range(depth):
        template = library[str(rng.choice(names))]
        gate = type(template)(*rng.uniform(-np.pi, np.pi, size=len(template.params)).tolist())
        qubits = rng.choice(width, size=gate.num_qubits, replace=False).tolist()
        circuit.append(gate, qubits)
    if measure:
        circuit.measure(range(width), rng.permutation(width).tolist())
    return circuit


@pytest.mark.parametrize("seed", range(CIRCUITS))
def test_braket_programs_match_qiskit_braket_providers(seed: int) -> None:
    from braket.circuits import Circuit
    from qiskit_braket_provider.providers.adapter import to_braket  # type: ignore[import-untyped]

    circuit = _random_circuit(gates.BRAKET, 3, 14, seed, measure=False)
    ours = braket_qasm3.encode([circuit], BackendFacts("aws.sim.sv1", 34, 1, True)).input
    theirs = to_braket(circuit)
    ours_unitary = np.asarray(Circuit.from_ir(ours).to_unitary())
    their_unitary = np.asarray(theirs.to_unitary())
    # Braket's unitary covers the qubits something acts on; both programs touch the same ones.
    assert ours_unitary.shape == their_unitary.shape
    index = np.unravel_index(np.argmax(np.abs(their_unitary)), their_unitary.shape)
    phase = ours_unitary[index] / their_unitary[index]
    assert abs(abs(phase) - 1) < 1e-9
    assert np.allclose(ours_unitary, phase * their_unitary, atol=1e-9)


def _normalised(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for item in items:
        entry = dict(item)
        if entry["gate"] == "cnot":
            entry["gate"] = "x"
        if "rotation" in entry:
            entry["rotation"] = round(float(entry["rotation"]), 12)
        out.append(entry)
    return out


@pytest.mark.parametrize("seed", range(CIRCUITS))
def test_ionq_circuits_match_qiskit_ionqs(seed: int) -> None:
    from qiskit_ionq.helpers import qiskit_circ_to_ionq_circ

    circuit = _random_circuit(gates.IONQ, 4, 16, seed, measure=True)
    encoded = ionq.encode([circuit], BackendFacts("azure.ionq.simulator", 29))
    theirs, qubits, meas_map = qiskit_circ_to_ionq_circ(circuit, gateset="qis")
    assert encoded.input["qubits"] == qubits
    assert _normalised(encoded.input["circuit"]) == _normalised(theirs)
    assert json.loads(encoded.input_params["meas_map"]) == list(meas_map)
