"""The OPEN_QASM_V2 format on Kipu's qsim and QUDORA's simulator: jobs run end to end on the local Hub,
stored inputs read back, and results (big-endian Kipu counts, Qiskit-order QUDORA memory, Kipu states)
decoded in the right bit order."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from qiskit import QuantumCircuit, QuantumRegister
from qiskit.circuit import ClassicalRegister, Parameter
from qiskit.quantum_info import Statevector

from qhub_providers.api import HubQuantumClient
from qhub_providers.formats import qasm2
from qhub_providers.formats.base import ClassicalLayout, ExperimentSamples, FormatError
from tests.formats.conftest import facts, run_encoded

KIPU = "kipu.sim.qsim"
QUDORA = "qudora.sim.xg1"
SHOTS = 400


def _bare(layout: ClassicalLayout) -> ClassicalLayout:
    return ClassicalLayout(name=layout.name, creg_sizes=layout.creg_sizes, measured=layout.measured)


def _run(client: HubQuantumClient, backend_id: str, circuits: list[QuantumCircuit], **options: Any) -> Any:
    """Encode, run on the local Hub, check the stored input reads back, and decode."""
    encoded = qasm2.encode(circuits, facts(client, backend_id), shots=SHOTS, **options)
    out = run_encoded(client, backend_id, encoded)
    stored_layouts = qasm2.layouts(out["input"], encoded.input_params)
    assert [_bare(x) for x in stored_layouts] == [_bare(x) for x in encoded.layouts]
    samples = qasm2.decode(out["result"], stored_layouts, encoded.shots)
    return encoded, out, samples


def _frequencies(sample: ExperimentSamples) -> dict[int, float]:
    counts = sample.outcome_counts()
    total = sum(counts.values())
    return {value: n / total for value, n in counts.items()}


def _exact(circuit: QuantumCircuit) -> dict[int, float]:
    """Exact outcome probabilities by clbit value, from the statevector of the circuit's unitary part."""
    state = Statevector(circuit.remove_final_measurements(inplace=False))
    pairs = [
        (circuit.find_bit(i.qubits[0]).index, circuit.find_bit(i.clbits[0]).index)
        for i in circuit.data
        if i.operation.name == "measure"
    ]
    out: dict[int, float] = {}
    for index, p in enumerate(state.probabilities()):
        if p > 1e-12:
            value = sum(((index >> qubit) & 1) << clbit for qubit, clbit in pairs)
            out[value] = out.get(value, 0.0) + p
    return out


def _assert_close(seen: dict[int, float], expected: dict[int, float], tolerance: float = 0.1) -> None:
    for value in set(seen) | set(expected):
        assert abs(seen.get(value, 0.0) - expected.get(value, 0.0)) < tolerance, (seen, expected)


def _bell() -> QuantumCircuit:
    circuit = QuantumCircuit(2, 2, name="bell")
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure([0, 1], [0, 1])
    return circuit


def _ghz() -> QuantumCircuit:
    circuit = QuantumCircuit(3, 3, name="ghz")
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.cx(1, 2)
    circuit.measure([0, 1, 2], [0, 1, 2])
    return circuit


def _asymmetric() -> QuantumCircuit:
    """X on qubit 2 only, measured into clbit 0; qubit 0 into clbit 1; clbit 2 never written."""
    circuit = QuantumCircuit(3, 3, name="asymmetric")
    circuit.x(2)
    circuit.measure(2, 0)
    circuit.measure(0, 1)
    return circuit


# --- Kipu ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("build", [_bell, _ghz])
def test_kipu_samples_bell_and_ghz(client: HubQuantumClient, build: Any) -> None:
    circuit = build()
    encoded, _, (sample,) = _run(client, KIPU, [circuit])
    assert isinstance(encoded.input, str)
    assert encoded.input_params == {"mode": "sample"}
    assert sample.shots == SHOTS
    assert set(sample.outcome_counts()) == {0, 2**circuit.num_clbits - 1}
    _assert_close(_frequencies(sample), _exact(circuit))


def test_kipu_big_endian_counts_decode_to_qiskit_bit_order(client: HubQuantumClient) -> None:
    _, out, (sample,) = _run(client, KIPU, [_asymmetric()])
    assert out["result"]["counts"] == {"100": SHOTS}  # Kipu's own key: clbit 0 leftmost
    assert sample.outcome_counts() == {1: SHOTS}


def test_kipu_statevector_gives_probabilities_over_measured_clbits(client: HubQuantumClient) -> None:
    circuit = QuantumCircuit(3, 2)
    circuit.ry(2 * math.asin(math.sqrt(0.3)), 2)
    circuit.h(1)
    circuit.measure(2, 0)  # qubit 0 stays unmeasured, so its amplitudes fold together
    circuit.measure(1, 1)
    _, _, (sample,) = _run(client, KIPU, [circuit], mode="statevector")
    assert sample.probabilities is not None
    assert sample.shots == SHOTS
    _assert_close(sample.probabilities, _exact(circuit), tolerance=1e-9)
    assert sample.probabilities[1] == pytest.approx(0.15)


def test_kipu_amplitudes_give_the_probabilities_of_the_requested_states(client: HubQuantumClient) -> None:
    circuit = _asymmetric()
    circuit.h(1)
    # Kipu bitstrings put qubit 0 leftmost: "001" is |q2=1>, "011" is |q1=1, q2=1>, "100" has zero amplitude.
    encoded, _, (sample,) = _run(client, KIPU, [circuit], mode="amplitudes", bitstrings=["001", "011", "100"])
    assert encoded.input_params == {"mode": "amplitudes", "bitstrings": ["001", "011", "100"]}
    # Both states give clbit 0 = 1 (qubit 2) and clbit 1 = 0 (qubit 0): one outcome, value 1.
    assert sample.probabilities == pytest.approx({1: 1.0})


def test_kipu_options_are_checked(client: HubQuantumClient) -> None:
    kipu = facts(client, KIPU)
    with pytest.raises(FormatError, match="mode must be one of"):
        qasm2.encode([_bell()], kipu, mode="density")
    with pytest.raises(FormatError, match="needs bitstrings"):
        qasm2.encode([_bell()], kipu, mode="amplitudes")
    with pytest.raises(FormatError, match="2 characters of 0 and 1"):
        qasm2.encode([_bell()], kipu, mode="amplitudes", bitstrings=["0"])
    with pytest.raises(FormatError, match="backend_settings is a QUDORA option"):
        qasm2.encode([_bell()], kipu, backend_settings={})
    with pytest.raises(FormatError, match="runs at most 1 circuit"):
        qasm2.encode([_bell(), _bell()], kipu)
    mid = QuantumCircuit(1, 1)
    mid.measure(0, 0)
    mid.x(0)
    with pytest.raises(FormatError, match="mode 'statevector' computes the final state"):
        qasm2.encode([mid], kipu, mode="statevector")
    encoded = qasm2.encode([_bell()], kipu, max_fused_gate_size=3, cpu_threads=0)
    assert encoded.input_params == {"mode": "sample", "max_fused_gate_size": 3, "cpu_threads": 0}


# --- QUDORA -------------------------------------------------------------------------------------------------


def test_qudora_runs_several_circuits_with_per_shot_memory(client: HubQuantumClient) -> None:
    circuits = [_bell(), _ghz(), _asymmetric()]
    encoded, out, samples = _run(client, QUDORA, circuits, backend_settings={"noise": False})
    assert encoded.input == {"qasm": encoded.input["qasm"]}
    assert len(encoded.input["qasm"]) == 3
    assert encoded.input_params == {"backend_settings": {"noise": False}}
    assert encoded.shots == SHOTS  # every program runs the job's shots
    assert isinstance(out["result"], list)
    for sample, circuit in zip(samples, circuits, strict=True):
        assert sample.values is not None
        assert len(sample.values) == SHOTS
        _assert_close(_frequencies(sample), _exact(circuit))
    assert samples[2].values == [1] * SHOTS


def test_qudora_single_circuit_partial_measurement_and_two_registers(client: HubQuantumClient) -> None:
    qubits = QuantumRegister(3, "data")
    first, second = ClassicalRegister(2, "my-reg"), ClassicalRegister(1, "measure")
    circuit = QuantumCircuit(qubits, first, second, name="two registers")
    circuit.x(0)
    circuit.h(1)
    circuit.measure(0, second[0])  # clbit 2, always 1
    circuit.measure(1, first[0])  # clbit 0, random; qubit 2 and clbit 1 untouched
    encoded, _, (sample,) = _run(client, QUDORA, [circuit])
    assert isinstance(encoded.input, str)
    assert encoded.layouts[0].creg_sizes == (("my-reg", 2), ("measure", 1))
    assert set(sample.outcome_counts()) == {4, 5}
    _assert_close(_frequencies(sample), {4: 0.5, 5: 0.5})


def test_qudora_refuses_kipu_options_and_too_many_circuits(client: HubQuantumClient) -> None:
    qudora = facts(client, QUDORA)
    with pytest.raises(FormatError, match="mode are Kipu qsim options"):
        qasm2.encode([_bell()], qudora, mode="statevector")
    with pytest.raises(FormatError, match="runs at most 10 circuit"):
        qasm2.encode([_bell()] * 11, qudora)


# --- both ---------------------------------------------------------------------------------------------------


def test_bound_parameters_run_and_unbound_ones_are_refused(client: HubQuantumClient) -> None:
    theta = Parameter("theta")
    circuit = QuantumCircuit(1, 1)
    circuit.ry(theta, 0)
    circuit.measure(0, 0)
    with pytest.raises(FormatError, match=r"unbound parameters \(theta\).*assign_parameters"):
        qasm2.encode([circuit], facts(client, KIPU))
    bound = circuit.assign_parameters({theta: 2 * math.asin(math.sqrt(0.8))})
    _, _, (sample,) = _run(client, KIPU, [bound])
    _assert_close(_frequencies(sample), {1: 0.8, 0: 0.2})


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda c: c.ecr(0, 1), "'ecr' is not an OpenQASM 2"),
        (lambda c: c.ryy(0.3, 0, 1), "'ryy' is not an OpenQASM 2"),
        (lambda c: c.delay(100, 0), "'delay' is not an OpenQASM 2"),
    ],
)
def test_instructions_outside_qelib1_are_refused(client: HubQuantumClient, build: Any, message: str) -> None:
    circuit = QuantumCircuit(2, 2)
    build(circuit)
    with pytest.raises(FormatError, match=rf"{message}.*transpile\(circuit, backend\)"):
        qasm2.encode([circuit], facts(client, QUDORA))


def test_conditions_on_single_bits_cannot_be_exported(client: HubQuantumClient) -> None:
    circuit = QuantumCircuit(2, 2)
    circuit.measure(0, 0)
    with circuit.if_test((circuit.clbits[0], 1)):
        circuit.x(1)
    with pytest.raises(FormatError, match="cannot be written in OpenQASM 2"):
        qasm2.encode([circuit], facts(client, QUDORA))


def test_stored_input_keeps_name_and_register_names(client: HubQuantumClient) -> None:
    circuit = QuantumCircuit(QuantumRegister(2, "q"), ClassicalRegister(1, "c-1"), name="odd 'name'\nü")
    circuit.measure(1, 0)
    encoded = qasm2.encode([circuit], facts(client, QUDORA))
    layout = qasm2.layouts({"qasm": encoded.input}, {})
    assert layout == [ClassicalLayout("odd 'name'\nü", (("c-1", 1),), measured=((1, 0),))]


# --- decoding -----------------------------------------------------------------------------------------------


LAYOUT = ClassicalLayout("c", (("c", 3),), measured=((2, 0), (0, 1)))


def test_qudora_memory_is_preferred_over_counts() -> None:
    result = {"counts": {"001": 1, "011": 1}, "memory": ["0x1", "0x3"]}
    (sample,) = qasm2.decode(result, [LAYOUT], 2)
    assert sample.values == [1, 3]


def test_statevector_is_read_big_endian() -> None:
    # Amplitude 1 at index 0b001 of a 3-qubit big-endian state: qubit 2 is |1>.
    state = [[0.0, 0.0]] * 8
    state[1] = [0.0, 1.0]
    (sample,) = qasm2.decode({"statevector": state}, [LAYOUT], 10)
    assert sample.probabilities == {1: 1.0}


@pytest.mark.parametrize(
    "result",
    [
        {},
        "counts",
        [{"counts": {"000": 1}}, {"counts": {"000": 1}}],
        {"counts": {"01": 3}},
        {"counts": {"0a1": 3}},
        {"counts": {"001": -1}},
        {"counts": ["001"]},
        {"memory": ["0x9"]},
        {"memory": ["zz"]},
        {"memory": "0x1"},
        {"statevector": [[1.0, 0.0], [0.0, 0.0], [0.0, 0.0]]},
        {"statevector": [[1.0, 0.0], [0.0]]},
        {"statevector": [[1.0, 0.0], [0.0, 0.0]]},
        {"statevector": [["a", 0.0], [0.0, 0.0]]},
        {"amplitudes": {"01": [1.0, 0.0], "011": [0.0, 0.0]}},
        {"amplitudes": {"001": 1.0}},
        {"amplitudes": []},
    ],
)
def test_malformed_results_raise_format_error(result: Any) -> None:
    with pytest.raises(FormatError, match="OPEN_QASM_V2"):
        qasm2.decode(result, [LAYOUT], 1)


@pytest.mark.parametrize(
    "job_input",
    [
        42,
        {"qasm": [1]},
        "OPENQASM 2.0;\nqreg q[1];\nfoo q[0];\n",
        'OPENQASM 2.0;\n// qhub-layout {"name": "x", "cregs": [["c", 2]]}\nqreg q[1];\ncreg c[1];\n',
        'OPENQASM 2.0;\n// qhub-layout {"name": 3}\nqreg q[1];\n',
    ],
)
def test_layouts_refuses_what_encode_does_not_write(job_input: Any) -> None:
    with pytest.raises(FormatError, match="OPEN_QASM_V2"):
        qasm2.layouts(job_input, {})


def test_decoding_a_million_shots() -> None:
    # Correctness at scale; how fast it is, benchmarks/bench_decode.py measures.
    rng = np.random.default_rng(5)
    values = rng.integers(0, 8, size=1_000_000).tolist()
    result = {"counts": {}, "memory": [hex(v) for v in values]}
    (sample,) = qasm2.decode(result, [LAYOUT], 1_000_000)
    assert sample.values == values
