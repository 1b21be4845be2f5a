"""The BRAKET_OPEN_QASM_V3 format: gate conventions checked against Braket itself, jobs run end to end on the
local Hub, stored inputs read back, and results decoded in the right bit order."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from qiskit import QuantumCircuit, QuantumRegister, transpile
from qiskit.circuit import ClassicalRegister, Parameter
from qiskit.circuit.library import UnitaryGate, get_standard_gate_name_mapping
from qiskit.quantum_info import Operator, Statevector

from qhub_providers.api import HubQuantumClient
from qhub_providers.formats import braket_qasm3
from qhub_providers.formats.base import BackendFacts, ClassicalLayout, ExperimentSamples, FormatError
from tests.formats.conftest import facts, run_encoded

SV1 = "aws.sim.sv1"
SHOTS = 400


def _bare(layout: ClassicalLayout) -> ClassicalLayout:
    return ClassicalLayout(name=layout.name, creg_sizes=layout.creg_sizes, measured=layout.measured)


def _run(client: HubQuantumClient, backend_id: str, circuits: list[QuantumCircuit], **options: Any) -> Any:
    """Encode, run on the local Hub, check the stored input reads back, and decode."""
    encoded = braket_qasm3.encode(circuits, facts(client, backend_id), shots=SHOTS, **options)
    out = run_encoded(client, backend_id, encoded)
    stored_layouts = braket_qasm3.layouts(out["input"], encoded.input_params)
    assert [_bare(x) for x in stored_layouts] == [_bare(x) for x in encoded.layouts]
    samples = braket_qasm3.decode(out["result"], stored_layouts, encoded.shots)
    return encoded, out, samples


def _frequencies(sample: ExperimentSamples) -> dict[int, float]:
    counts = sample.outcome_counts()
    total = sum(counts.values())
    return {value: n / total for value, n in counts.items()}


def _exact(circuit: QuantumCircuit) -> dict[int, float]:
    """Exact outcome probabilities by clbit value, from the statevector of the circuit's unitary part."""
    state = Statevector(circuit.remove_final_measurements(inplace=False))
    out: dict[int, float] = {}
    for index, p in enumerate(state.probabilities()):
        if p < 1e-12:
            continue
        value = 0
        for instruction in circuit.data:
            if instruction.operation.name == "measure":
                qubit = circuit.find_bit(instruction.qubits[0]).index
                clbit = circuit.find_bit(instruction.clbits[0]).index
                value |= ((index >> qubit) & 1) << clbit
        out[value] = out.get(value, 0.0) + p
    return out


def _assert_close(sample: ExperimentSamples, expected: dict[int, float], tolerance: float = 0.1) -> None:
    seen = _frequencies(sample)
    for value in set(seen) | set(expected):
        assert abs(seen.get(value, 0.0) - expected.get(value, 0.0)) < tolerance, (seen, expected)


# --- gate conventions against the installed Braket --------------------------------------------------------


def _braket_unitary(program: str) -> np.ndarray:
    from braket.circuits import Circuit

    return np.asarray(Circuit.from_ir(program).to_unitary())


def _equal_up_to_phase(a: np.ndarray, b: np.ndarray) -> bool:
    index = np.unravel_index(np.argmax(np.abs(b)), b.shape)
    phase = a[index] / b[index]
    return bool(np.allclose(a, phase * b, atol=1e-9)) and abs(abs(phase) - 1) < 1e-9


@pytest.mark.parametrize("name", sorted(braket_qasm3.BRAKET_GATE_NAMES))
def test_every_mapped_gate_has_the_same_matrix_in_braket(name: str) -> None:
    template = get_standard_gate_name_mapping()[name]
    angles = np.random.default_rng(7).uniform(-3, 3, size=len(template.params))
    gate = type(template)(*angles.tolist())
    circuit = QuantumCircuit(gate.num_qubits)
    circuit.append(gate, range(gate.num_qubits))
    if name == "id":  # Braket's unitary covers only qubits that something acts on
        circuit.h(0)
    encoded = braket_qasm3.encode([circuit], BackendFacts(SV1, 34, 100, True))
    # Qiskit numbers qubits little-endian, Braket's unitary is big-endian.
    expected = Operator(circuit).reverse_qargs().data
    actual = _braket_unitary(encoded.input)
    # Every mapping is exact, global phase included (U and prx follow Qiskit's UGate and RGate).
    assert np.allclose(actual, expected, atol=1e-9), name


def test_ionq_verbatim_writes_native_gpi_gates_with_qiskits_r_convention(client: HubQuantumClient) -> None:
    ionq = facts(client, "aws.ionq.forte")
    circuit = QuantumCircuit(2)
    circuit.r(math.pi / 2, 0.4, 0)
    circuit.rz(0.7, 0)  # no native rz: carried in the qubit's frame
    circuit.r(math.pi, -1.1, 0)
    circuit.r(-math.pi / 2, 0.3, 1)
    circuit.rzz(0.9, 0, 1)
    circuit.rz(-0.2, 1)
    circuit.r(math.pi / 2, 2.0, 1)
    encoded = braket_qasm3.encode([circuit], ionq, verbatim=True)
    program = encoded.input
    assert "#pragma braket verbatim\nbox{" in program
    body = program.split("box{")[1].split("}")[0]
    assert {line.split("(")[0] for line in body.strip().splitlines()} == {"gpi", "gpi2", "zz"}
    assert "q[" not in program
    assert "qubit[" not in program
    # The final Z frames do not change Z-basis outcomes: compare probabilities, not unitaries.
    braket_probabilities = np.abs(_braket_unitary(program)[:, 0]) ** 2
    expected = Statevector(circuit).reverse_qargs().probabilities()
    assert np.allclose(braket_probabilities, expected, atol=1e-9)
    # GPi is R(pi, phi) up to a global phase; GPi2 is R(pi/2, phi) exactly.
    from braket.circuits import gates

    assert _equal_up_to_phase(gates.GPi(0.8).to_matrix(), Operator(_single_r(math.pi, 0.8)).data)
    assert np.allclose(gates.GPi2(0.8).to_matrix(), Operator(_single_r(math.pi / 2, 0.8)).data)


def _single_r(theta: float, phi: float) -> QuantumCircuit:
    circuit = QuantumCircuit(1)
    circuit.r(theta, phi, 0)
    return circuit


def test_r_becomes_rz_rx_rz_where_the_device_has_no_prx(client: HubQuantumClient) -> None:
    circuit = QuantumCircuit(1)
    circuit.r(0.9, 0.35, 0)
    program = braket_qasm3.encode([circuit], facts(client, "aws.ionq.forte")).input
    assert "prx" not in program
    assert np.allclose(_braket_unitary(program), Operator(circuit).data, atol=1e-9)


def test_ionq_verbatim_refuses_rotations_without_a_native_form(client: HubQuantumClient) -> None:
    circuit = QuantumCircuit(1)
    circuit.r(0.3, 0.0, 0)
    with pytest.raises(FormatError, match=r"r\(0.3"):
        braket_qasm3.encode([circuit], facts(client, "aws.ionq.forte"), verbatim=True)
    circuit = QuantumCircuit(2)
    circuit.cx(0, 1)
    with pytest.raises(FormatError, match=r"'cx' cannot go into a verbatim box.*gpi"):
        braket_qasm3.encode([circuit], facts(client, "aws.ionq.forte"), verbatim=True)


# --- end to end on the local Hub ----------------------------------------------------------------------------


def test_bell_and_ghz_distributions(client: HubQuantumClient) -> None:
    bell = QuantumCircuit(2, 2, name="bell")
    bell.h(0)
    bell.cx(0, 1)
    bell.measure([0, 1], [0, 1])
    ghz = QuantumCircuit(3, 3, name="ghz")
    ghz.h(0)
    ghz.cx(0, 1)
    ghz.cx(1, 2)
    ghz.measure([0, 1, 2], [0, 1, 2])
    encoded, _out, samples = _run(client, SV1, [bell, ghz])
    assert encoded.shots == 2 * SHOTS
    assert isinstance(encoded.input, dict)
    assert len(encoded.input["qasm"]) == 2
    assert [s.shots for s in samples] == [SHOTS, SHOTS]
    assert set(samples[0].outcome_counts()) == {0, 3}
    assert set(samples[1].outcome_counts()) == {0, 7}
    _assert_close(samples[0], _exact(bell))
    _assert_close(samples[1], _exact(ghz))


def test_one_circuit_is_a_bare_program_with_rewiring_enabled(client: HubQuantumClient) -> None:
    circuit = QuantumCircuit(2, 2)
    circuit.x(1)
    circuit.measure([0, 1], [0, 1])
    encoded, _out, samples = _run(client, SV1, [circuit])
    assert isinstance(encoded.input, str)
    assert "cnot" not in encoded.input
    assert "include" not in encoded.input
    assert encoded.input_params == {"disable_qubit_rewiring": False}
    assert encoded.shots == SHOTS
    assert samples[0].values == [2] * SHOTS


def test_remapped_clbits_and_partial_measurement_keep_qiskit_bit_order(client: HubQuantumClient) -> None:
    circuit = QuantumCircuit(3, 3)
    circuit.x(2)
    circuit.measure(2, 0)  # qubit 2 (|1>) into clbit 0
    circuit.measure(0, 1)  # qubit 0 (|0>) into clbit 1; qubit 1 and clbit 2 untouched
    _, out, samples = _run(client, SV1, [circuit])
    assert samples[0].values == [1] * SHOTS
    assert out["result"]["measuredQubits"] != [0, 1, 2]  # only what was measured comes back


def test_two_classical_registers_with_awkward_names_come_back_exactly(client: HubQuantumClient) -> None:
    qubits = QuantumRegister(3, "qr")
    first, second = ClassicalRegister(2, "alpha-1"), ClassicalRegister(1, "q")
    circuit = QuantumCircuit(qubits, first, second, name="two registers\n'ü'")
    circuit.x(0)
    circuit.h(2)
    circuit.measure(0, second[0])
    circuit.measure(2, first[1])
    encoded, _, samples = _run(client, SV1, [circuit])
    layout = encoded.layouts[0]
    assert layout.creg_sizes == (("alpha-1", 2), ("q", 1))
    assert layout.name == "two registers\n'ü'"
    # clbit 2 (register q) is always 1; clbit 1 follows the H on qubit 2.
    assert set(samples[0].outcome_counts()) == {4, 6}
    _assert_close(samples[0], {4: 0.5, 6: 0.5})


def test_a_single_register_keeps_its_name(client: HubQuantumClient) -> None:
    circuit = QuantumCircuit(QuantumRegister(1), ClassicalRegister(1, "meas"))
    circuit.measure(0, 0)
    program = braket_qasm3.encode([circuit], facts(client, SV1)).input
    assert "bit[1] meas;" in program
    assert "meas[0] = measure q[0];" in program


def test_bound_parameters_run_and_unbound_ones_are_refused(client: HubQuantumClient) -> None:
    theta = Parameter("theta")
    circuit = QuantumCircuit(1, 1)
    circuit.ry(theta, 0)
    circuit.measure(0, 0)
    with pytest.raises(FormatError, match=r"unbound parameters \(theta\).*assign_parameters"):
        braket_qasm3.encode([circuit], facts(client, SV1))
    bound = circuit.assign_parameters({theta: 2 * math.asin(math.sqrt(0.8))})
    _, _, samples = _run(client, SV1, [bound])
    _assert_close(samples[0], {1: 0.8, 0: 0.2})


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda c: c.ch(0, 1), "'ch' has no BRAKET_OPEN_QASM_V3 equivalent; transpile"),
        (lambda c: c.append(UnitaryGate(np.eye(2)), [0]), "'unitary' has no"),
        (lambda c: (c.measure(0, 0), c.x(0)), "after measuring it; mid-circuit measurement"),
        (lambda c: (c.measure(0, 0), c.measure(0, 1)), "measures qubit 0 twice"),
        (lambda c: (c.measure(0, 0), c.measure(1, 0)), "writes clbit 0 twice"),
        (lambda c: c.reset(0), "resets a qubit"),
        (lambda c: c.delay(100, 0), "'delay' has no"),
    ],
)
def test_what_braket_cannot_express_is_refused(client: HubQuantumClient, build: Any, message: str) -> None:
    circuit = QuantumCircuit(2, 2)
    build(circuit)
    with pytest.raises(FormatError, match=message):
        braket_qasm3.encode([circuit], facts(client, SV1))


def test_classical_conditions_are_refused(client: HubQuantumClient) -> None:
    circuit = QuantumCircuit(2, 1)
    circuit.measure(0, 0)
    with circuit.if_test((circuit.clbits[0], 1)):
        circuit.x(1)
    with pytest.raises(FormatError, match="classical control"):
        braket_qasm3.encode([circuit], facts(client, SV1))


def test_device_limits_are_enforced(client: HubQuantumClient) -> None:
    ionq = facts(client, "aws.ionq.forte")
    circuit = QuantumCircuit(1, 1)
    circuit.measure(0, 0)
    with pytest.raises(FormatError, match="at most 20 circuit"):
        braket_qasm3.encode([circuit] * 21, ionq)
    ecr = QuantumCircuit(2)
    ecr.ecr(0, 1)
    with pytest.raises(FormatError, match=r"'ecr' \(Braket 'ecr'\) is not supported by aws\.ionq\.forte"):
        braket_qasm3.encode([ecr], ionq)
    with pytest.raises(FormatError, match=r"uses 35 qubits but aws\.sim\.dm1 has 17"):
        braket_qasm3.encode([QuantumCircuit(35)], facts(client, "aws.sim.dm1"))
    with pytest.raises(FormatError, match="does not support verbatim"):
        braket_qasm3.encode([circuit], facts(client, SV1), verbatim=True)


def test_verbatim_on_rigetti_uses_physical_qubits_and_disables_rewiring(client: HubQuantumClient) -> None:
    circuit = QuantumCircuit(2, 2)
    circuit.rx(math.pi, 1)
    circuit.rz(0.3, 0)
    circuit.cz(0, 1)
    circuit.measure(1, 0)
    circuit.measure(0, 1)
    encoded, _out, samples = _run(client, "aws.rigetti.cepheus", [circuit], verbatim=True)
    assert encoded.input_params == {"disable_qubit_rewiring": True}
    assert "#pragma braket verbatim\nbox{\nrx(3.141592653589793) $1;" in encoded.input
    assert "c[0] = measure $1;" in encoded.input
    # Calibration noise is emulated on QPUs: allow a generous margin.
    assert _frequencies(samples[0]).get(1, 0.0) > 0.8


def test_transpiled_ionq_circuit_runs_on_all_36_qubits(client: HubQuantumClient) -> None:
    circuit = QuantumCircuit(3, 2)
    circuit.h(0)
    circuit.cx(0, 2)
    circuit.measure(2, 0)
    circuit.measure(1, 1)
    fitted = transpile(circuit, basis_gates=["r", "rz", "rzz"], seed_transpiler=3, optimization_level=1)
    _, _, samples = _run(client, "aws.ionq.forte", [fitted])
    frequencies = _frequencies(samples[0])
    assert frequencies.get(0, 0) > 0.3
    assert frequencies.get(1, 0) > 0.3
    assert frequencies.get(2, 0) + frequencies.get(3, 0) < 0.15


# --- decoding -----------------------------------------------------------------------------------------------


LAYOUT = ClassicalLayout("c", (("c", 3),), measured=((2, 0), (0, 1)))


def test_decode_maps_columns_by_measured_qubit_and_ignores_extra_ones() -> None:
    # The device measured every qubit; columns follow measuredQubits, not clbits.
    result = {"measurements": [[1, 0, 1], [0, 1, 0], [1, 1, 1]], "measuredQubits": [0, 1, 2]}
    (sample,) = braket_qasm3.decode(result, [LAYOUT], 3)
    assert sample.values == [0b011, 0b000, 0b011]
    assert sample.shots == 3


def test_decode_probabilities_and_program_set_failures() -> None:
    result = {"measurementProbabilities": {"10": 0.25, "01": 0.75}, "measuredQubits": [2, 0]}
    (sample,) = braket_qasm3.decode(result, [LAYOUT], 100)
    assert sample.probabilities == {1: 0.25, 2: 0.75}
    assert sample.shots == 100
    program_set = {
        "braketSchemaHeader": {"name": "braket.task_result.program_set_task_result", "version": "1"},
        "programResults": [
            {"executableResults": [{"measurements": [[1, 1]], "measuredQubits": [0, 2]}]},
            {
                "executableResults": [
                    {
                        "inputsIndex": 0,
                        "failureMetadata": {"failureReason": "device fault", "retryable": False},
                    }
                ]
            },
        ],
    }
    ok, failed = braket_qasm3.decode(program_set, [LAYOUT, LAYOUT], 2)
    assert ok.values == [3]
    assert not failed.success
    assert failed.message == "device fault"


@pytest.mark.parametrize(
    "result",
    [
        [],
        {},
        {"measurements": [[1, 0]], "measuredQubits": [0]},
        {"measurements": [[1, 2]], "measuredQubits": [0, 2]},
        {"measurements": [[1], [0, 1]], "measuredQubits": [0, 2]},
        {"measurements": [[1, 0.5]], "measuredQubits": [0, 2]},
        {"measurements": [[1, None]], "measuredQubits": [0, 2]},
        {"measurements": [{"a": 1, "b": 0}], "measuredQubits": [0, 2]},
        {"measurements": "0101", "measuredQubits": [0, 2]},
        {"measurements": [[1, 0]], "measuredQubits": [0, 1]},
        {"measurements": [[1, 0]]},
        {"measurementProbabilities": {"1x": 1.0}, "measuredQubits": [0, 2]},
        {"programResults": [{"executableResults": []}]},
        {"programResults": "s3://bucket/key"},
        {"programResults": [{"executableResults": ["results/0.json"]}]},
    ],
)
def test_malformed_results_raise_format_error(result: Any) -> None:
    with pytest.raises(FormatError, match="BRAKET_OPEN_QASM_V3"):
        braket_qasm3.decode(result, [LAYOUT], 1)


def test_program_set_size_must_match_the_circuits() -> None:
    result = {"programResults": [{"executableResults": [{"measurements": [[1]], "measuredQubits": [0]}]}]}
    with pytest.raises(FormatError, match="1 program results for 2 circuits"):
        braket_qasm3.decode(result, [LAYOUT, LAYOUT], 2)


@pytest.mark.parametrize(
    "job_input",
    [
        42,
        {"qasm": []},
        "OPENQASM 2.0;\ncreg c[1];",
        "OPENQASM 3.0;\nbit[1] b;\nbit[1] d;\n",
        "OPENQASM 3.0;\nbit[1] b;\nqubit[1] q;\nb = measure q;\n",
        "OPENQASM 3.0;\nbit[1] b;\nqubit[1] q;\nb[1] = measure q[0];\n",
        'OPENQASM 3.0;\n// qhub-layout {"name": 1}\nbit[1] b;\n',
        'OPENQASM 3.0;\n// qhub-layout {"name": "x", "cregs": [["c", 2]]}\nbit[1] b;\n',
    ],
)
def test_layouts_refuses_what_encode_does_not_write(job_input: Any) -> None:
    with pytest.raises(FormatError):
        braket_qasm3.layouts(job_input, {})


def test_layouts_reads_a_plain_braket_program() -> None:
    program = "OPENQASM 3.0;\nbit[2] b;\nqubit[2] q;\nh q[0];\nb[0] = measure q[0];\nb[1] = measure q[1];\n"
    (layout,) = braket_qasm3.layouts({"qasm": program}, {})
    assert layout.creg_sizes == (("b", 2),)
    assert layout.measured == ((0, 0), (1, 1))


def test_decoding_a_million_shots() -> None:
    # Correctness at scale; how fast it is, benchmarks/bench_decode.py measures.
    rng = np.random.default_rng(3)
    result = {"measurements": rng.integers(0, 2, size=(1_000_000, 3)).tolist(), "measuredQubits": [0, 1, 2]}
    layout = ClassicalLayout("big", (("c", 3),), measured=((0, 2), (1, 1), (2, 0)))
    (sample,) = braket_qasm3.decode(result, [layout], 1_000_000)
    assert sample.values is not None
    assert len(sample.values) == 1_000_000
    row = result["measurements"][5]
    assert sample.values[5] == row[0] * 4 + row[1] * 2 + row[2]
