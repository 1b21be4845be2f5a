"""The IonQ circuit JSON format against the local Hub's IonQ simulator (exact probabilities)."""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import Parameter
from qiskit.quantum_info import Statevector

from qhub_providers.api import HubQuantumClient
from qhub_providers.formats import ionq
from qhub_providers.formats.base import BackendFacts, ClassicalLayout, FormatError, layout_of

from .conftest import facts, run_encoded

BACKEND = "azure.ionq.simulator"


@pytest.fixture(scope="module")
def backend(client: HubQuantumClient) -> BackendFacts:
    return facts(client, BACKEND)


def run(client: HubQuantumClient, backend: BackendFacts, circuit: QuantumCircuit, shots: int = 100) -> Any:
    """Encode, run on the local Hub, check the stored input reads back, and decode."""
    encoded = ionq.encode([circuit], backend, shots=shots)
    out = run_encoded(client, BACKEND, encoded)
    recovered = ionq.layouts(out["input"], out["job"].input_params)
    assert recovered == [without_metadata(layout) for layout in encoded.layouts]
    (samples,) = ionq.decode(out["result"], recovered, shots)
    assert samples.probabilities is not None
    return samples


def without_metadata(layout: ClassicalLayout) -> ClassicalLayout:
    return dataclasses.replace(layout, metadata={})


def expected(circuit: QuantumCircuit) -> dict[int, float]:
    """Exact probabilities over the clbits, from the statevector of the circuit without measurements."""
    probabilities = Statevector(circuit.remove_final_measurements(inplace=False)).probabilities()
    final = {clbit: qubit for qubit, clbit in layout_of(circuit).measured}
    outcome: dict[int, float] = {}
    for state, p in enumerate(probabilities):
        if p > 1e-12:
            value = sum(((state >> qubit) & 1) << clbit for clbit, qubit in final.items())
            outcome[value] = outcome.get(value, 0.0) + float(p)
    return outcome


def assert_close(actual: dict[int, float], wanted: dict[int, float]) -> None:
    keys = set(actual) | set(wanted)
    assert all(abs(actual.get(k, 0.0) - wanted.get(k, 0.0)) < 1e-9 for k in keys), (actual, wanted)


def test_bell_and_ghz_give_exact_probabilities(client: HubQuantumClient, backend: BackendFacts) -> None:
    bell = QuantumCircuit(2, 2, name="bell")
    bell.h(0)
    bell.cx(0, 1)
    bell.measure([0, 1], [0, 1])
    assert_close(run(client, backend, bell).probabilities, {0: 0.5, 3: 0.5})

    ghz = QuantumCircuit(4, 4, name="ghz")
    ghz.h(0)
    for q in range(3):
        ghz.cx(q, q + 1)
    ghz.measure(range(4), range(4))
    assert_close(run(client, backend, ghz).probabilities, {0: 0.5, 15: 0.5})


def test_every_qis_gate_matches_the_statevector(client: HubQuantumClient, backend: BackendFacts) -> None:
    # Every phase gate acts on a superposition and is followed by a mixing gate, so a wrong
    # translation changes the probabilities rather than a global phase.
    circuit = QuantumCircuit(3, 3, name="all_gates")
    circuit.h([0, 1, 2])
    circuit.s(0)
    circuit.t(1)
    circuit.z(2)
    circuit.ry(0.4, [0, 1, 2])
    circuit.sdg(0)
    circuit.tdg(1)
    circuit.y(2)
    circuit.rx(0.3, [0, 1, 2])
    circuit.rz(0.5, 0)
    circuit.sx(0)
    circuit.sxdg(1)
    circuit.x(2)
    circuit.rz(-0.7, [0, 1, 2])
    circuit.h([0, 1, 2])
    circuit.cx(0, 2)
    circuit.rxx(0.4, 0, 1)
    circuit.ryy(-1.3, 1, 2)
    circuit.rzz(2.2, 0, 2)
    circuit.ry(1.1, [0, 1, 2])
    circuit.swap(0, 1)
    circuit.rx(0.9, 0)
    circuit.barrier()
    circuit.measure([0, 1, 2], [0, 1, 2])
    samples = run(client, backend, circuit)
    assert_close(samples.probabilities, expected(circuit))
    assert len(samples.probabilities) > 4  # a rich distribution, not a lucky basis state


def test_partial_measurement_leaves_unmeasured_clbits_zero(
    client: HubQuantumClient, backend: BackendFacts
) -> None:
    circuit = QuantumCircuit(3, 3, name="partial")
    circuit.x(0)
    circuit.h(1)
    circuit.x(2)
    circuit.measure(1, 1)  # clbits 0 and 2 are never written; qubits 0 and 2 are 1
    encoded = ionq.encode([circuit], backend, shots=10)
    assert "meas_map" not in encoded.input_params  # IonQ's map cannot say "stays 0"
    samples = run(client, backend, circuit)
    assert_close(samples.probabilities, {0: 0.5, 2: 0.5})


def test_remapped_clbits_follow_the_measurement_map(client: HubQuantumClient, backend: BackendFacts) -> None:
    circuit = QuantumCircuit(3, 2, name="remapped")
    circuit.x(2)
    circuit.measure(2, 0)
    circuit.measure(0, 1)
    encoded = ionq.encode([circuit], backend, shots=10)
    assert json.loads(encoded.input_params["meas_map"]) == [2, 0]
    assert_close(run(client, backend, circuit).probabilities, {1: 1.0})


def test_asymmetric_bit_order(client: HubQuantumClient, backend: BackendFacts) -> None:
    # X on qubit 2 only, read into clbit 0: the value is 1, not 4.
    circuit = QuantumCircuit(3, 3, name="order")
    circuit.x(2)
    circuit.measure([2, 0, 1], [0, 1, 2])
    assert_close(run(client, backend, circuit).probabilities, {1: 1.0})


def test_two_registers(client: HubQuantumClient, backend: BackendFacts) -> None:
    qubits = QuantumRegister(3, "q")
    first, second = ClassicalRegister(2, "c"), ClassicalRegister(1, "d")
    circuit = QuantumCircuit(qubits, first, second, name="two_regs")
    circuit.x(1)
    circuit.h(2)
    circuit.measure(1, second[0])  # clbit 2
    circuit.measure(2, first[0])  # clbit 0
    circuit.measure(0, first[1])  # clbit 1
    encoded = ionq.encode([circuit], backend, shots=10)
    assert encoded.input["registers"] == {"c": [2, 0], "d": [1]}
    assert encoded.layouts[0].creg_sizes == (("c", 2), ("d", 1))
    assert_close(run(client, backend, circuit).probabilities, {4: 0.5, 5: 0.5})


def test_bound_parameters_run_and_unbound_are_refused(
    client: HubQuantumClient, backend: BackendFacts
) -> None:
    theta = Parameter("theta")
    circuit = QuantumCircuit(1, 1, name="param")
    circuit.ry(theta, 0)
    circuit.measure(0, 0)
    with pytest.raises(FormatError, match=r"unbound parameters.*theta"):
        ionq.encode([circuit], backend, shots=10)
    bound = circuit.assign_parameters({theta: math.pi / 3})
    assert_close(run(client, backend, bound).probabilities, {0: 0.75, 1: 0.25})


def test_refuses_what_ionq_cannot_express(backend: BackendFacts) -> None:
    toffoli = QuantumCircuit(3, 3)
    toffoli.ccx(0, 1, 2)
    with pytest.raises(FormatError, match=r"'ccx' is not in IonQ's QIS gate set.*transpile"):
        ionq.encode([toffoli], backend, shots=10)

    mid = QuantumCircuit(2, 2)
    mid.measure(0, 0)
    mid.x(0)
    with pytest.raises(FormatError, match="mid-circuit measurement"):
        ionq.encode([mid], backend, shots=10)

    with pytest.raises(FormatError, match="does not know the options"):
        ionq.encode([mid], backend, shots=10, memory=True)

    with pytest.raises(FormatError, match="one circuit per job"):
        ionq.encode([toffoli, mid], backend, shots=10)

    reset = QuantumCircuit(1, 1)
    reset.reset(0)
    with pytest.raises(FormatError, match="'reset'"):
        ionq.encode([reset], backend, shots=10)

    wide = QuantumCircuit(backend.num_qubits + 1)
    with pytest.raises(FormatError, match="qubits"):
        ionq.encode([wide], backend, shots=10)


def test_layouts_fall_back_to_ionq_conventions() -> None:
    document = {"gateset": "qis", "qubits": 3, "circuit": []}
    (from_map,) = ionq.layouts(document, {"meas_map": "[2, 0]"})
    assert from_map.creg_sizes == (("c", 2),)
    assert from_map.measured == ((2, 0), (0, 1))
    (every_qubit,) = ionq.layouts(document, {})
    assert every_qubit.measured == ((0, 0), (1, 1), (2, 2))


def test_decode_counts_and_wide_states() -> None:
    layout = ClassicalLayout(name="x", creg_sizes=(("c", 2),), measured=((2, 0), (0, 1)))
    (counts,) = ionq.decode({"counts": {"4": 30, "1": 70, "5": 0}}, [layout], 100)
    assert counts.counts == {1: 30, 2: 70}
    assert counts.shots == 100
    # Qubits beyond a machine word go through Python integers.
    wide = ClassicalLayout(name="w", creg_sizes=(("c", 1),), measured=((70, 0),))
    (probabilities,) = ionq.decode({"histogram": {str(1 << 70): 0.25, "0": 0.75}}, [wide], 10)
    assert probabilities.probabilities == {1: 0.25, 0: 0.75}


@pytest.mark.parametrize(
    "result",
    [
        None,
        [],
        "histogram",
        {"status": "done"},
        {"histogram": [0.5, 0.5]},
        {"histogram": {"a": 1.0}},
        {"histogram": {"-1": 1.0}},
        {"histogram": {"0": "half"}},
        {"histogram": {"0": -0.5}},
        {"histogram": {"0": float("nan")}},
        {"counts": {"0": 1.5}},
    ],
)
def test_malformed_results_raise_format_error(result: Any) -> None:
    layout = ClassicalLayout(name="x", creg_sizes=(("c", 1),), measured=((0, 0),))
    with pytest.raises(FormatError, match=ionq.INPUT_FORMAT):
        ionq.decode(result, [layout], 10)


def test_malformed_inputs_raise_format_error() -> None:
    with pytest.raises(FormatError):
        ionq.layouts("OPENQASM 2.0;", {})
    with pytest.raises(FormatError, match="qiskit_layout"):
        ionq.layouts({"qubits": 1}, {"qiskit_layout": "{not json"})
    with pytest.raises(FormatError, match="meas_map"):
        ionq.layouts({"qubits": 1}, {"meas_map": '["a"]'})


def test_decoding_a_large_histogram() -> None:
    # Correctness at scale; how fast it is, benchmarks/bench_decode.py measures.
    # 2^20 states, each with its own probability: the size a 20-qubit random circuit gives.
    size = 1 << 20
    histogram = {str(state): 1.0 / size for state in range(size)}
    layout = ClassicalLayout(name="big", creg_sizes=(("c", 3),), measured=((19, 0), (0, 1), (7, 2)))
    (samples,) = ionq.decode({"histogram": histogram}, [layout], 1000)
    assert samples.probabilities is not None
    assert_close(samples.probabilities, dict.fromkeys(range(8), 1 / 8))
