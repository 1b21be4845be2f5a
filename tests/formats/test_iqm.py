"""The IQM circuit batch format against the local Hub's IQM Garnet (a noisy QPU: generous bounds)."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister, transpile
from qiskit.circuit import Parameter
from qiskit.quantum_info import Operator, Statevector
from qiskit.transpiler import CouplingMap

from qhub_providers.api import HubQuantumClient
from qhub_providers.formats import iqm
from qhub_providers.formats.base import (
    BackendFacts,
    ClassicalLayout,
    EncodedJob,
    ExperimentSamples,
    FormatError,
    layout_of,
)

from .conftest import facts, run_encoded

BACKEND = "iqm.qpu.garnet"
SHOTS = 2000


@pytest.fixture(scope="module")
def backend(client: HubQuantumClient) -> BackendFacts:
    return facts(client, BACKEND)


def coupling(backend: BackendFacts) -> CouplingMap:
    index = {name: k for k, name in enumerate(backend.qubit_names)}
    edges: list[list[int]] = []
    for implementation in backend.native_config["gates"]["cz"]["implementations"].values():
        for a, b in implementation["loci"]:
            edges += [[index[a], index[b]], [index[b], index[a]]]
    return CouplingMap(edges)


def fit(circuit: QuantumCircuit, backend: BackendFacts) -> QuantumCircuit:
    """What the Qiskit face's transpile does: r, cz and measure on coupled Garnet qubits."""
    fitted = transpile(
        circuit,
        basis_gates=["r", "cz"],
        coupling_map=coupling(backend),
        optimization_level=1,
        seed_transpiler=7,
    )
    fitted.name = circuit.name
    return fitted


def without_metadata(layout: ClassicalLayout) -> ClassicalLayout:
    return dataclasses.replace(layout, metadata={})


def run(
    client: HubQuantumClient, backend: BackendFacts, circuits: list[QuantumCircuit], **options: Any
) -> list[ExperimentSamples]:
    """Encode, run on the local Hub, check the stored input reads back, and decode."""
    encoded = iqm.encode(circuits, backend, shots=SHOTS, **options)
    return run_and_decode(client, encoded)


def run_and_decode(client: HubQuantumClient, encoded: EncodedJob) -> list[ExperimentSamples]:
    out = run_encoded(client, BACKEND, encoded)
    recovered = iqm.layouts(out["input"], out["job"].input_params)
    assert recovered == [without_metadata(layout) for layout in encoded.layouts]
    samples = iqm.decode(out["result"], recovered, encoded.shots)
    assert all(s.counts is not None and s.shots == SHOTS for s in samples)
    return samples


def frequencies(samples: ExperimentSamples) -> dict[int, float]:
    counts = samples.outcome_counts()
    return {value: n / samples.shots for value, n in counts.items()}


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


def top(samples: ExperimentSamples) -> tuple[int, float]:
    """The most frequent outcome and its share."""
    value, n = max(samples.outcome_counts().items(), key=lambda item: item[1])
    return value, n / samples.shots


def test_bell_and_ghz_in_one_batch(client: HubQuantumClient, backend: BackendFacts) -> None:
    bell = QuantumCircuit(2, 2, name="bell")
    bell.h(0)
    bell.cx(0, 1)
    bell.measure([0, 1], [0, 1])
    ghz = QuantumCircuit(4, 4, name="ghz")
    ghz.h(0)
    for q in range(3):
        ghz.cx(q, q + 1)
    ghz.measure(range(4), range(4))
    first, second = run(client, backend, [fit(bell, backend), fit(ghz, backend)])
    assert distance(frequencies(first), {0: 0.5, 3: 0.5}) < 0.12
    assert distance(frequencies(second), {0: 0.5, 15: 0.5}) < 0.2


def test_prx_angles_are_radians(backend: BackendFacts) -> None:
    """r's angles in radians, as iqm-client sends them: rebuilding the circuit with IQM's prx semantics
    gives the same unitary."""
    circuit = QuantumCircuit(2)
    circuit.r(0.3, -1.2, 0)
    circuit.r(-2.5, 4.0, 1)
    circuit.cz(0, 1)
    circuit.r(math.pi, math.pi / 2, 0)
    encoded = iqm.encode([circuit], backend, shots=10)
    rebuilt = QuantumCircuit(2)
    index = {name: k for k, name in enumerate(backend.qubit_names)}
    for item in encoded.input["circuits"][0]["instructions"]:
        qubits = [index[name] for name in item["locus"]]
        if item["name"] == "prx":
            assert set(item["args"]) == {"angle", "phase"}
            rebuilt.r(item["args"]["angle"], item["args"]["phase"], qubits[0])
        else:
            assert item["name"] == "cz"
            rebuilt.cz(*qubits)
    assert Operator(rebuilt).equiv(Operator(circuit))


def test_partial_measurement_and_remapped_clbits(client: HubQuantumClient, backend: BackendFacts) -> None:
    partial = QuantumCircuit(3, 3, name="partial")
    partial.x(0)
    partial.x(2)
    partial.measure(2, 1)  # clbits 0 and 2 stay 0
    remapped = QuantumCircuit(3, 2, name="remapped")
    remapped.x(2)
    remapped.measure(2, 0)
    remapped.measure(0, 1)
    first, second = run(client, backend, [fit(partial, backend), fit(remapped, backend)])
    assert set(first.outcome_counts()) <= {0, 2}
    assert top(first) == (2, pytest.approx(1.0, abs=0.2))
    assert top(second) == (1, pytest.approx(1.0, abs=0.2))


def test_asymmetric_bit_order_and_two_registers(client: HubQuantumClient, backend: BackendFacts) -> None:
    qubits = QuantumRegister(3, "q")
    first, second = ClassicalRegister(2, "c"), ClassicalRegister(1, "d")
    circuit = QuantumCircuit(qubits, first, second, name="two_regs")
    circuit.r(math.pi, 0, 2)
    circuit.measure(2, first[0])  # X on qubit 2 only, into clbit 0: value 1
    circuit.measure(0, first[1])
    circuit.measure(1, second[0])
    encoded = iqm.encode([circuit], backend, shots=SHOTS)
    keys = [i["args"]["key"] for i in encoded.input["circuits"][0]["instructions"] if i["name"] == "measure"]
    assert keys == ["c_2_0_0", "c_2_0_1", "d_1_1_0"]
    (samples,) = run_and_decode(client, encoded)
    assert top(samples) == (1, pytest.approx(1.0, abs=0.2))

    flipped = QuantumCircuit(qubits, first, second, name="flipped")
    flipped.r(math.pi, 0, 1)
    flipped.measure(1, second[0])  # clbit 2
    flipped.measure(0, first[1])
    (samples,) = run(client, backend, [flipped])
    assert top(samples) == (4, pytest.approx(1.0, abs=0.2))


def test_registers_nothing_measures_are_kept(client: HubQuantumClient, backend: BackendFacts) -> None:
    circuit = QuantumCircuit(
        QuantumRegister(2, "q"), ClassicalRegister(2, "unused"), ClassicalRegister(1, "m")
    )
    circuit.r(math.pi, 0, 1)
    circuit.measure(1, 2)
    (samples,) = run(client, backend, [circuit])
    assert top(samples) == (4, pytest.approx(1.0, abs=0.2))


def test_mid_circuit_measurement_and_rewritten_clbit(client: HubQuantumClient, backend: BackendFacts) -> None:
    circuit = QuantumCircuit(1, 2, name="mid")
    circuit.measure(0, 0)  # 0, later overwritten
    circuit.r(math.pi, 0, 0)
    circuit.measure(0, 1)  # 1
    circuit.measure(0, 0)  # 1 again: the last write of clbit 0 wins
    encoded = iqm.encode([circuit], backend, shots=SHOTS)
    keys = [i["args"]["key"] for i in encoded.input["circuits"][0]["instructions"] if i["name"] == "measure"]
    assert keys == ["c_2_0_0", "c_2_0_1", "c_2_0_0#1"]
    (samples,) = run_and_decode(client, encoded)
    assert top(samples) == (3, pytest.approx(1.0, abs=0.2))


def test_bound_parameters_run_and_unbound_are_refused(
    client: HubQuantumClient, backend: BackendFacts
) -> None:
    theta = Parameter("theta")
    circuit = QuantumCircuit(1, 1, name="param")
    circuit.r(theta, 0, 0)
    circuit.measure(0, 0)
    with pytest.raises(FormatError, match=r"unbound parameters.*theta"):
        iqm.encode([circuit], backend, shots=SHOTS)
    (samples,) = run(client, backend, [circuit.assign_parameters({theta: math.pi / 3})])
    assert distance(frequencies(samples), {0: 0.75, 1: 0.25}) < 0.08


def test_run_options_go_into_input_params(client: HubQuantumClient, backend: BackendFacts) -> None:
    circuit = QuantumCircuit(2, 2, name="mapped")
    circuit.r(math.pi, 0, 0)
    circuit.measure([0, 1], [0, 1])
    mapping = {"alice": "QB1", "bob": "QB2"}
    encoded = iqm.encode(
        [circuit],
        backend,
        shots=SHOTS,
        heralding_mode="none",
        calibration_set_id=None,
        qubit_mapping=mapping,
    )
    assert encoded.input_params == {
        "heralding_mode": "none",
        "qubit_mapping": [
            {"logical_name": "alice", "physical_name": "QB1"},
            {"logical_name": "bob", "physical_name": "QB2"},
        ],
    }
    loci = [i["locus"] for i in encoded.input["circuits"][0]["instructions"]]
    assert loci[-2:] == [["alice"], ["bob"]]
    (samples,) = run_and_decode(client, encoded)
    assert top(samples) == (1, pytest.approx(1.0, abs=0.2))

    with pytest.raises(FormatError, match="does not know the options"):
        iqm.encode([circuit], backend, shots=10, memory=True)
    with pytest.raises(FormatError, match="dd_mode must be one of disabled, enabled"):
        iqm.encode([circuit], backend, shots=10, dd_mode="sometimes")
    with pytest.raises(FormatError, match="qubit 1 has no logical name"):
        iqm.encode([circuit], backend, shots=10, qubit_mapping={"alice": "QB1"})


def test_refuses_what_iqm_cannot_express(backend: BackendFacts) -> None:
    hadamard = QuantumCircuit(1, 1)
    hadamard.h(0)
    with pytest.raises(FormatError, match=r"'h' is not an IQM instruction.*transpile"):
        iqm.encode([hadamard], backend, shots=10)

    far = QuantumCircuit(20)
    far.cz(0, 19)  # QB1 and QB20 sit on opposite corners of Garnet
    with pytest.raises(FormatError, match="QB1 and QB20 are not coupled"):
        iqm.encode([far], backend, shots=10)

    with pytest.raises(FormatError, match="at most 100 circuits"):
        iqm.encode([hadamard] * 101, backend, shots=10)

    wide = QuantumCircuit(backend.num_qubits + 1)
    with pytest.raises(FormatError, match="transpile"):
        iqm.encode([wide], backend, shots=10)

    delayed = QuantumCircuit(1)
    delayed.delay(100, 0, unit="dt")
    with pytest.raises(FormatError, match="seconds"):
        iqm.encode([delayed], backend, shots=10)


def test_delay_barrier_and_reset_are_written(backend: BackendFacts) -> None:
    circuit = QuantumCircuit(2, 1)
    circuit.delay(40, 0, unit="ns")
    circuit.barrier()
    circuit.reset(1)
    circuit.measure(1, 0)
    encoded = iqm.encode([circuit], backend, shots=10)
    names = [(i["name"], i["locus"]) for i in encoded.input["circuits"][0]["instructions"]]
    assert names == [
        ("delay", ["QB1"]),
        ("barrier", ["QB1", "QB2"]),
        ("reset", ["QB2"]),
        ("measure", ["QB2"]),
    ]
    assert encoded.input["circuits"][0]["instructions"][0]["args"]["duration"] == pytest.approx(40e-9)


def test_layouts_read_keys_without_metadata() -> None:
    """A batch written by other IQM tooling (keys only, no metadata) still reads back."""
    job_input: dict[str, Any] = {
        "circuits": [
            {
                "name": "foreign",
                "instructions": [
                    {"name": "measure", "locus": ["QB3"], "args": {"key": "meas_2_0_1"}},
                    {"name": "measure", "locus": ["QB1"], "args": {"key": "meas_2_0_0"}},
                ],
            }
        ]
    }
    (layout,) = iqm.layouts(job_input, {})
    assert layout == ClassicalLayout(name="foreign", creg_sizes=(("meas", 2),), measured=((2, 1), (0, 0)))

    # Logical names resolve through a qubit_mapping in the input (the schema's place) even when
    # input_params carries the official SDK's null.
    job_input["circuits"][0]["instructions"][0]["locus"] = ["alice"]
    job_input["qubit_mapping"] = [{"logical_name": "alice", "physical_name": "QB7"}]
    (layout,) = iqm.layouts(job_input, {"qubit_mapping": None, "heralding_mode": None})
    assert layout.measured == ((6, 1), (0, 0))


def test_decode_places_bits_by_measurement_key() -> None:
    layout = ClassicalLayout(name="x", creg_sizes=(("c", 2), ("d", 1)), measured=((0, 2), (1, 0)))
    # Keys say the first character is d[0] (clbit 2) and the second c[0] (clbit 0).
    result = {
        "measurement_counts": [{"counts": {"10": 6, "01": 4}, "measurement_keys": ["d_1_1_0", "c_2_0_0"]}]
    }
    (samples,) = iqm.decode(result, [layout], 10)
    assert samples.counts == {4: 6, 1: 4}
    # Without keys, the characters follow the layout's measurements in program order: the same answer.
    result = {"measurement_counts": [{"counts": {"10": 6, "01": 4}}]}
    (samples,) = iqm.decode(result, [layout], 10)
    assert samples.counts == {4: 6, 1: 4}


@pytest.mark.parametrize(
    "result",
    [
        None,
        [],
        {"counts": {"0": 1}},
        {"measurement_counts": {"counts": {"0": 1}}},
        {"measurement_counts": []},  # truncated: the job ran one circuit
        {"measurement_counts": ["0"]},
        {"measurement_counts": [{"counts": {"0": 1}, "measurement_keys": ["c_1_0_0", "c_1_0_1"]}]},
        {"measurement_counts": [{"counts": {"2": 1}, "measurement_keys": ["c_1_0_0"]}]},
        {"measurement_counts": [{"counts": {"0": -1}, "measurement_keys": ["c_1_0_0"]}]},
        {"measurement_counts": [{"counts": {"0": 1}, "measurement_keys": ["nokey"]}]},
        {"measurement_counts": [{"counts": {"0": 1}, "measurement_keys": ["e_1_0_0"]}]},
        {"measurement_counts": [{"counts": [1], "measurement_keys": ["c_1_0_0"]}]},
        {"measurement_counts": [{"counts": {"ö": 1}, "measurement_keys": ["c_1_0_0"]}]},
    ],
)
def test_malformed_results_raise_format_error(result: Any) -> None:
    layout = ClassicalLayout(name="x", creg_sizes=(("c", 1),), measured=((0, 0),))
    with pytest.raises(FormatError, match=iqm.INPUT_FORMAT):
        iqm.decode(result, [layout], 10)


def test_decoding_a_million_shots() -> None:
    # Correctness at scale; how fast it is, benchmarks/bench_decode.py measures.
    """A million shots of 20 measured qubits, each shot its own outcome: the worst case for counts."""
    rng = np.random.default_rng(5)
    width = 20
    values = rng.choice(1 << width, size=1_000_000, replace=False)
    keys = [format(int(v), f"0{width}b") for v in values]
    result = {
        "measurement_counts": [
            {"counts": dict.fromkeys(keys, 1), "measurement_keys": [f"c_{width}_0_{k}" for k in range(width)]}
        ]
    }
    layout = ClassicalLayout(
        name="big", creg_sizes=(("c", width),), measured=tuple((q, q) for q in range(width))
    )
    (samples,) = iqm.decode(result, [layout], 1_000_000)
    assert samples.shots == 1_000_000
    assert samples.counts is not None
    assert len(samples.counts) == 1_000_000
    first = keys[0]
    # IQM writes the first key leftmost: clbit 0 is the first character.
    assert samples.counts[int(first[::-1], 2)] == 1
