"""The AQT job format against the local Hub's ideal AQT simulator (sampled: statistical bounds)."""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister, transpile
from qiskit.circuit import Parameter
from qiskit.quantum_info import Operator, Statevector

from qhub_providers.api import HubQuantumClient
from qhub_providers.formats import aqt
from qhub_providers.formats.base import (
    BackendFacts,
    ClassicalLayout,
    EncodedJob,
    ExperimentSamples,
    FormatError,
    layout_of,
)

from .conftest import facts, run_encoded

BACKEND = "aqt.sim.ideal"
SHOTS = 2000


@pytest.fixture(scope="module")
def backend(client: HubQuantumClient) -> BackendFacts:
    return facts(client, BACKEND)


def fit(circuit: QuantumCircuit) -> QuantumCircuit:
    """What the Qiskit face's transpile does: AQT's r, rz and rxx."""
    fitted = transpile(circuit, basis_gates=["r", "rz", "rxx"], optimization_level=1, seed_transpiler=3)
    fitted.name = circuit.name
    return fitted


def without_metadata(layout: ClassicalLayout) -> ClassicalLayout:
    return dataclasses.replace(layout, metadata={})


def run(
    client: HubQuantumClient, backend: BackendFacts, circuits: list[QuantumCircuit]
) -> list[ExperimentSamples]:
    return run_and_decode(client, aqt.encode(circuits, backend, shots=SHOTS))


def run_and_decode(client: HubQuantumClient, encoded: EncodedJob) -> list[ExperimentSamples]:
    """Run on the local Hub, check the stored input reads back, and decode per-shot values."""
    out = run_encoded(client, BACKEND, encoded)
    recovered = aqt.layouts(out["input"], out["job"].input_params)
    assert recovered == [without_metadata(layout) for layout in encoded.layouts]
    samples = aqt.decode(out["result"], recovered, encoded.shots)
    assert all(s.values is not None and len(s.values) == SHOTS for s in samples)
    return samples


def frequencies(samples: ExperimentSamples) -> dict[int, float]:
    return {value: n / samples.shots for value, n in samples.outcome_counts().items()}


def distance(actual: dict[int, float], wanted: dict[int, float]) -> float:
    """Total variation distance."""
    return 0.5 * sum(abs(actual.get(k, 0.0) - wanted.get(k, 0.0)) for k in set(actual) | set(wanted))


def expected(circuit: QuantumCircuit) -> dict[int, float]:
    probabilities = Statevector(circuit.remove_final_measurements(inplace=False)).probabilities()
    final = {clbit: qubit for qubit, clbit in layout_of(circuit).measured}
    outcome: dict[int, float] = {}
    for state, p in enumerate(probabilities):
        if p > 1e-12:
            value = sum(((state >> qubit) & 1) << clbit for clbit, qubit in final.items())
            outcome[value] = outcome.get(value, 0.0) + float(p)
    return outcome


def rebuild(entry: dict[str, Any]) -> QuantumCircuit:
    """An AQT circuit entry as Qiskit gates, by AQT's definitions (angles in units of pi)."""
    circuit = QuantumCircuit(entry["number_of_qubits"])
    for operation in entry["quantum_circuit"]:
        kind = operation["operation"]
        if kind == "R":
            assert 0 <= operation["theta"] <= 1
            assert 0 <= operation["phi"] < 2
            circuit.r(math.pi * operation["theta"], math.pi * operation["phi"], operation["qubit"])
        elif kind == "RZ":
            assert -1 <= operation["phi"] <= 1
            circuit.rz(math.pi * operation["phi"], operation["qubit"])
        elif kind == "RXX":
            assert 0 <= operation["theta"] <= 0.5
            circuit.rxx(math.pi * operation["theta"], *operation["qubits"])
        else:
            assert kind == "MEASURE"
    return circuit


def test_bell_and_ghz_in_one_job(client: HubQuantumClient, backend: BackendFacts) -> None:
    bell = QuantumCircuit(2, 2, name="bell")
    bell.h(0)
    bell.cx(0, 1)
    bell.measure([0, 1], [0, 1])
    ghz = QuantumCircuit(5, 5, name="ghz")
    ghz.h(0)
    for q in range(4):
        ghz.cx(q, q + 1)
    ghz.measure(range(5), range(5))
    first, second = run(client, backend, [fit(bell), fit(ghz)])
    assert set(first.outcome_counts()) == {0, 3}
    assert distance(frequencies(first), {0: 0.5, 3: 0.5}) < 0.05
    assert set(second.outcome_counts()) == {0, 31}
    assert distance(frequencies(second), {0: 0.5, 31: 0.5}) < 0.05


def test_a_rich_circuit_matches_the_statevector(client: HubQuantumClient, backend: BackendFacts) -> None:
    circuit = QuantumCircuit(3, 3, name="rich")
    circuit.ry(0.7, 0)
    circuit.rx(-1.9, 1)
    circuit.h(2)
    circuit.cx(0, 2)
    circuit.rzz(2.4, 1, 2)
    circuit.ry(-0.4, 2)
    circuit.measure([0, 1, 2], [0, 1, 2])
    (samples,) = run(client, backend, [fit(circuit)])
    assert distance(frequencies(samples), expected(circuit)) < 0.06


@settings(max_examples=60, deadline=None)
@given(
    angles=st.lists(st.floats(min_value=-20.0, max_value=20.0, allow_nan=False), min_size=4, max_size=4),
)
def test_angles_are_rewritten_into_aqt_domains(angles: list[float]) -> None:
    """Any r, rz and rxx angle lands in AQT's domains and keeps the unitary (up to global phase)."""
    theta, phi, zeta, chi = angles
    circuit = QuantumCircuit(2)
    circuit.r(theta, phi, 0)
    circuit.rz(zeta, 1)
    circuit.rxx(chi, 0, 1)
    circuit.rxx(-chi / 3, 1, 0)
    facts = BackendFacts(backend_id=BACKEND, num_qubits=12, max_circuits=50)
    encoded = aqt.encode([circuit], facts, shots=1)
    assert Operator(rebuild(encoded.input["payload"]["circuits"][0])).equiv(Operator(circuit))


@pytest.mark.parametrize("angle", [0.0, math.pi / 2, -math.pi / 2, 0.6 * math.pi, math.pi, -math.pi, 7.0])
def test_rxx_edge_angles(angle: float) -> None:
    circuit = QuantumCircuit(2)
    circuit.rxx(angle, 0, 1)
    facts = BackendFacts(backend_id=BACKEND, num_qubits=12, max_circuits=50)
    entry = aqt.encode([circuit], facts, shots=1).input["payload"]["circuits"][0]
    assert Operator(rebuild(entry)).equiv(Operator(circuit))


def test_partial_measurement_and_remapped_clbits(client: HubQuantumClient, backend: BackendFacts) -> None:
    partial = QuantumCircuit(3, 3, name="partial")
    partial.r(math.pi, 0, 0)
    partial.r(math.pi, 0, 2)
    partial.measure(2, 1)  # clbits 0 and 2 stay 0 although qubits 0 and 2 read 1
    remapped = QuantumCircuit(3, 2, name="remapped")
    remapped.r(math.pi, 0, 2)
    remapped.measure(2, 0)
    remapped.measure(0, 1)
    first, second = run(client, backend, [partial, remapped])
    assert first.outcome_counts() == {2: SHOTS}
    assert second.outcome_counts() == {1: SHOTS}


def test_asymmetric_bit_order_and_two_registers(client: HubQuantumClient, backend: BackendFacts) -> None:
    qubits = QuantumRegister(3, "q")
    first, second = ClassicalRegister(2, "c"), ClassicalRegister(1, "d")
    order = QuantumCircuit(qubits, first, second, name="order")
    order.r(math.pi, 0, 2)  # X on qubit 2 only, into clbit 0: value 1
    order.measure(2, first[0])
    order.measure(0, first[1])
    order.measure(1, second[0])
    flipped = QuantumCircuit(qubits, first, second, name="flipped")
    flipped.r(math.pi, 0, 1)
    flipped.r(math.pi / 2, 0, 0)
    flipped.measure(1, second[0])  # clbit 2: always 1
    flipped.measure(0, first[1])  # clbit 1: half the time
    encoded = aqt.encode([order, flipped], backend, shots=SHOTS)
    label = json.loads(encoded.input["label"])
    assert label["circuits"][1]["cregs"] == [["c", 2], ["d", 1]]
    a, b = run_and_decode(client, encoded)
    assert a.outcome_counts() == {1: SHOTS}
    assert set(b.outcome_counts()) == {4, 6}
    assert distance(frequencies(b), {4: 0.5, 6: 0.5}) < 0.05


def test_bound_parameters_run_and_unbound_are_refused(
    client: HubQuantumClient, backend: BackendFacts
) -> None:
    theta = Parameter("theta")
    circuit = QuantumCircuit(1, 1, name="param")
    circuit.r(theta, 0, 0)
    circuit.measure(0, 0)
    with pytest.raises(FormatError, match=r"unbound parameters.*theta"):
        aqt.encode([circuit], backend, shots=SHOTS)
    (samples,) = run(client, backend, [circuit.assign_parameters({theta: -math.pi / 3})])
    assert distance(frequencies(samples), {0: 0.75, 1: 0.25}) < 0.05


def test_refuses_what_aqt_cannot_express(backend: BackendFacts) -> None:
    cnot = QuantumCircuit(2, 2)
    cnot.cx(0, 1)
    with pytest.raises(FormatError, match=r"'cx' is not in AQT's gate set.*transpile"):
        aqt.encode([cnot], backend, shots=10)

    mid = QuantumCircuit(2, 2)
    mid.measure(0, 0)
    mid.r(math.pi, 0, 0)
    with pytest.raises(FormatError, match="mid-circuit measurement"):
        aqt.encode([mid], backend, shots=10)

    with pytest.raises(FormatError, match="at most 50 circuits"):
        aqt.encode([cnot] * 51, backend, shots=10)

    with pytest.raises(FormatError, match="does not know the options"):
        aqt.encode([cnot], backend, shots=10, memory=True)

    long_name = QuantumCircuit(1, 1, name="n" * (aqt.LABEL_LIMIT + 1))
    with pytest.raises(FormatError, match="job label"):
        aqt.encode([long_name], backend, shots=10)


def test_layouts_fall_back_to_aqt_conventions() -> None:
    """A job from other tools (no layout label) reads as AQT defines it: qubit i into clbit i."""
    job_input = {
        "job_type": "quantum_circuit",
        "label": "my experiment",
        "payload": {"circuits": [{"repetitions": 5, "number_of_qubits": 2, "quantum_circuit": []}]},
    }
    (layout,) = aqt.layouts(job_input, {})
    assert layout.creg_sizes == (("c", 2),)
    assert layout.measured == ((0, 0), (1, 1))


def test_counts_decode_like_memory() -> None:
    layout = ClassicalLayout(name="x", creg_sizes=(("c", 2),), measured=((2, 0), (0, 1)))
    memory = ["0x4", "0x1", "0x5", "0x4"]
    counts = {"100": 2, "001": 1, "101": 1}
    (with_memory,) = aqt.decode({"counts": counts, "memory": memory}, [layout], 4)
    assert with_memory.values == [1, 2, 3, 1]
    (counts_only,) = aqt.decode({"counts": counts}, [layout], 4)
    assert counts_only.counts == {1: 2, 2: 1, 3: 1}
    assert counts_only.outcome_counts() == with_memory.outcome_counts()


@pytest.mark.parametrize(
    "result",
    [
        None,
        "counts",
        [],  # truncated: the job ran one circuit
        [{"counts": {"0": 1}}, {"counts": {"0": 1}}],
        {"status": "done"},
        {"memory": "0x0"},
        {"memory": ["5"]},
        {"memory": ["0xZ"]},
        {"memory": [[0, 1]]},
        {"memory": ["0x1", "0x0"], "counts": {"1": 1}},  # memory and counts disagree
        {"counts": ["1"]},
        {"counts": {"2": 1}},
        {"counts": {"01": 1, "1": 1}},
        {"counts": {"1": -1}},
    ],
)
def test_malformed_results_raise_format_error(result: Any) -> None:
    layout = ClassicalLayout(name="x", creg_sizes=(("c", 1),), measured=((0, 0),))
    with pytest.raises(FormatError, match=aqt.INPUT_FORMAT):
        aqt.decode(result, [layout], 10)


def test_decoding_a_million_shots() -> None:
    # Correctness at scale; how fast it is, benchmarks/bench_decode.py measures.
    rng = np.random.default_rng(11)
    words = rng.integers(0, 1 << 12, size=1_000_000)
    memory = [hex(int(w)) for w in words]
    layout = ClassicalLayout(name="big", creg_sizes=(("c", 3),), measured=((11, 0), (0, 1), (5, 2)))
    (samples,) = aqt.decode({"memory": memory}, [layout], 1_000_000)
    assert samples.values is not None
    wanted = ((words >> 11) & 1) | (((words >> 0) & 1) << 1) | (((words >> 5) & 1) << 2)
    assert samples.values == wanted.tolist()
