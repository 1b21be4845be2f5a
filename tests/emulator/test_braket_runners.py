"""The local Hub's Braket runners, called directly with real Braket local simulators."""

from __future__ import annotations

import json
from typing import Any

import pytest

from qhub_providers.emulator.catalog.spec import BackendSpec
from qhub_providers.emulator.runners.base import InvalidJobInput
from qhub_providers.emulator.runners.braket_ahs import MAX_SIMULATED_ATOMS, BraketAhsRunner
from qhub_providers.emulator.runners.braket_qasm import BraketQasmRunner

BELL = """OPENQASM 3.0;
bit[2] b;
qubit[2] q;
h q[0];
cnot q[0], q[1];
b[0] = measure q[0];
b[1] = measure q[1];
"""

GHZ3 = """OPENQASM 3.0;
bit[3] b;
qubit[3] q;
h q[0];
cnot q[0], q[1];
cnot q[1], q[2];
b = measure q;
"""

RX_THETA = """OPENQASM 3.0;
input float theta;
bit[1] b;
qubit[1] q;
rx(theta) q[0];
b[0] = measure q[0];
"""


def make_spec(
    backend_id: str = "aws.sim.sv1",
    *,
    num_qubits: int = 34,
    is_simulator: bool = True,
    max_pubs: int = 10,
    shots_min: int = 1,
    shots_max: int = 100_000,
    coupling_map: tuple[tuple[int, int], ...] | None = None,
    input_format: str = "BRAKET_OPEN_QASM_V3",
) -> BackendSpec:
    return BackendSpec(
        id=backend_id,
        provider="AWS",
        record={},
        native_config={},
        runner="braket",
        input_formats=(input_format,),
        num_qubits=num_qubits,
        is_simulator=is_simulator,
        shots_min=shots_min,
        shots_max=shots_max,
        max_pubs_per_job=max_pubs,
        coupling_map=coupling_map,
    )


SV1 = make_spec()
DM1 = make_spec("aws.sim.dm1", num_qubits=17)
CEPHEUS = make_spec("aws.rigetti.cepheus", num_qubits=36, is_simulator=False, max_pubs=1)

CALIBRATION: dict[str, Any] = {
    "type": "gate_based",
    "medians": {"readout_error": 0.02, "gates": {"cz": {"operational": True, "error": 0.03}}},
    "qubits": [
        {"qubit": 0, "operational": True, "readout_error": 0.03, "gates": {}},
        {"qubit": 1, "operational": True, "readout_error": 0.02, "gates": {}},
    ],
    "qubit_pairs": [{"qubits": [0, 1], "gates": {"cz": {"operational": True, "error": 0.03}}}],
}


def run_qasm(
    job_input: Any,
    shots: int,
    *,
    spec: BackendSpec = SV1,
    params: dict[str, Any] | None = None,
    seed: int = 7,
    noise: dict[str, Any] | None = None,
) -> Any:
    runner = BraketQasmRunner()
    return runner.execute(runner.prepare(spec, job_input, params or {}, shots), seed=seed, noise=noise)


def refusal(
    job_input: Any, shots: int, *, spec: BackendSpec = SV1, params: dict[str, Any] | None = None
) -> Any:
    with pytest.raises(InvalidJobInput) as caught:
        BraketQasmRunner().prepare(spec, job_input, params or {}, shots)
    return caught.value


def only_pub(execution: Any) -> dict[str, Any]:
    (pub,) = execution.normalized["pubs"]
    assert pub["type"] == "counts"
    return dict(pub)


# --- gate model: results ------------------------------------------------------------------------------------


def test_bell_state_gives_only_correlated_outcomes_in_equal_parts() -> None:
    execution = run_qasm(BELL, 4000)
    pub = only_pub(execution)
    assert set(pub["counts"]) == {"00", "11"}
    assert pub["shots"] == 4000
    assert 0.45 < pub["counts"]["00"] / 4000 < 0.55
    assert execution.memory["shots"] == 4000
    assert set(execution.memory["memory"]) == {"0x0", "0x3"}


def test_ghz3_gives_all_zeros_or_all_ones() -> None:
    pub = only_pub(run_qasm({"qasm": GHZ3}, 2000))
    assert set(pub["counts"]) == {"000", "111"}
    assert 0.44 < pub["counts"]["111"] / 2000 < 0.56


def test_partial_measurement_reports_the_measured_qubit_only() -> None:
    source = "OPENQASM 3.0;\nbit[1] b;\nqubit[3] q;\nx q[2];\nb[0] = measure q[2];\n"
    execution = run_qasm(source, 50)
    assert execution.native_result["measuredQubits"] == [2]
    assert only_pub(execution)["counts"] == {"1": 50}


def test_measurement_order_becomes_little_endian_clbits() -> None:
    # b[0] holds q[2] (set), b[1] holds q[0] (clear): Braket reports "10" in measuredQubits order,
    # the Hub's normalized view puts clbit 0 rightmost: "01".
    source = "OPENQASM 3.0;\nbit[2] b;\nqubit[3] q;\nx q[2];\nb[0] = measure q[2];\nb[1] = measure q[0];\n"
    execution = run_qasm(source, 20)
    assert execution.native_result["measuredQubits"] == [2, 0]
    assert execution.native_result["measurements"][0] == [1, 0]
    assert only_pub(execution)["counts"] == {"01": 20}
    assert set(execution.memory["memory"]) == {"0x1"}


def test_program_without_measure_reports_its_own_qubit_labels() -> None:
    execution = run_qasm("OPENQASM 3.0;\nx $3;\nh $1;\n", 10)
    assert execution.native_result["measuredQubits"] == [1, 3]
    assert all(key.startswith("1") for key in only_pub(execution)["counts"])


@pytest.mark.parametrize("where", ["input_params", "job_input"])
def test_parametrised_program_binds_inputs(where: str) -> None:
    if where == "input_params":
        execution = run_qasm(RX_THETA, 40, params={"inputs": {"theta": 3.141592653589793}})
    else:
        execution = run_qasm({"qasm": RX_THETA, "inputs": {"theta": 3.141592653589793}}, 40)
    assert only_pub(execution)["counts"] == {"1": 40}
    assert execution.native_result["additionalMetadata"]["action"]["inputs"] == {"theta": 3.141592653589793}


def test_run_level_inputs_override_the_programs_own() -> None:
    job_input = {"qasm": RX_THETA, "inputs": {"theta": 3.141592653589793}}
    execution = run_qasm(job_input, 40, params={"inputs": {"theta": 0.0}})
    assert only_pub(execution)["counts"] == {"0": 40}


def test_program_set_splits_shots_and_returns_a_program_set_result() -> None:
    from braket.schema_common import BraketSchemaBase
    from braket.tasks.program_set_quantum_task_result import ProgramSetQuantumTaskResult

    runner = BraketQasmRunner()
    prepared = runner.prepare(SV1, {"qasm": [BELL, GHZ3]}, {}, 600)
    execution = runner.execute(prepared, seed=3, noise=None)

    assert execution.normalized is not None
    first, second = execution.normalized["pubs"]
    assert (first["index"], second["index"]) == (0, 1)
    assert first["shots"] == second["shots"] == 300
    assert set(first["counts"]) == {"00", "11"}
    assert set(second["counts"]) == {"000", "111"}
    assert sum(second["counts"].values()) == 300
    assert execution.memory is None

    native = execution.native_result
    assert native["braketSchemaHeader"]["name"] == "braket.task_result.program_set_task_result"
    parsed = ProgramSetQuantumTaskResult.from_object(BraketSchemaBase.parse_raw_schema(json.dumps(native)))
    assert len(parsed.entries) == 2
    assert parsed.entries[1].entries[0].counts == {
        "000": second["counts"]["000"],
        "111": second["counts"]["111"],
    }
    assert parsed.task_metadata.requestedShots == 600

    assert runner.normalized_input(prepared) == {
        "format": "openqasm.v3",
        "pubs": [{"qasm": BELL, "shots": 300}, {"qasm": GHZ3, "shots": 300}],
    }


def test_shots_zero_returns_exact_result_types_only() -> None:
    from braket.tasks import GateModelQuantumTaskResult

    source = (
        "OPENQASM 3.0;\nqubit[2] q;\nh q[0];\ncnot q[0], q[1];\n"
        "#pragma braket result state_vector\n#pragma braket result probability\n"
    )
    execution = run_qasm(source, 0)
    assert execution.normalized is None
    assert execution.memory is None
    result = GateModelQuantumTaskResult.from_string(json.dumps(execution.native_result))
    state_vector, probabilities = result.values
    assert state_vector[0] == pytest.approx(2**-0.5)
    assert state_vector[3] == pytest.approx(2**-0.5)
    assert list(probabilities) == pytest.approx([0.5, 0.0, 0.0, 0.5])


def test_sampled_result_types_are_computed_from_the_shots() -> None:
    from braket.tasks import GateModelQuantumTaskResult

    execution = run_qasm(BELL + "#pragma braket result expectation z(q[0]) @ z(q[1])\n", 200)
    result = GateModelQuantumTaskResult.from_string(json.dumps(execution.native_result))
    assert result.values == [pytest.approx(1.0)]


def test_native_result_round_trips_through_braket() -> None:
    from braket.tasks import GateModelQuantumTaskResult

    execution = run_qasm(GHZ3, 300)
    native = execution.native_result
    assert native["braketSchemaHeader"] == {
        "name": "braket.task_result.gate_model_task_result",
        "version": "1",
    }
    assert native["additionalMetadata"]["action"]["source"] == GHZ3
    result = GateModelQuantumTaskResult.from_string(json.dumps(native))
    assert result.task_metadata.shots == 300
    assert result.task_metadata.deviceId == "aws.sim.sv1"
    assert result.measured_qubits == [0, 1, 2]
    reversed_counts = {key[::-1]: n for key, n in only_pub(execution)["counts"].items()}
    assert dict(result.measurement_counts) == reversed_counts


def test_same_seed_gives_same_samples_and_other_seeds_differ() -> None:
    memories = [tuple(run_qasm(BELL, 200, seed=seed).memory["memory"]) for seed in (11, 11, 12, 13)]
    assert memories[0] == memories[1]
    assert len(set(memories[1:])) > 1


def test_mid_circuit_measurement_is_reproducible() -> None:
    source = (
        "OPENQASM 3.0;\nbit[2] b;\nqubit[2] q;\nh q[0];\nb[0] = measure q[0];\n"
        "if (b[0]) {\n  x q[1];\n}\nb[1] = measure q[1];\n"
    )
    first, again = run_qasm(source, 300, seed=5), run_qasm(source, 300, seed=5)
    assert first.memory == again.memory
    assert set(only_pub(first)["counts"]) == {"00", "11"}


def test_density_matrix_backend_simulates_noise_pragmas() -> None:
    source = (
        "OPENQASM 3.0;\nbit[1] b;\nqubit[1] q;\n"
        "#pragma braket noise bit_flip(0.5) q[0]\nb[0] = measure q[0];\n"
    )
    counts = only_pub(run_qasm(source, 1000, spec=DM1))["counts"]
    assert 0.4 < counts["1"] / 1000 < 0.6
    assert refusal(source, 100).status == 422  # the state-vector simulator has no noise


@pytest.mark.parametrize("spec", [SV1, DM1], ids=["sv1", "dm1"])
def test_controlled_gates_on_eleven_qubits_agree_with_qiskit(spec: BackendSpec) -> None:
    # From 11 qubits on, Braket's own simulators fail on a ctrl/negctrl modifier whose control is not
    # the first qubit (a numba TypingError); the local Hub applies the controlled matrix instead.
    import numpy as np
    from qiskit import QuantumCircuit
    from qiskit.circuit.library import HGate, RXGate
    from qiskit.quantum_info import Statevector

    width = 11
    angles = [0.3 + 0.2 * k for k in range(width)]
    source = (
        f"OPENQASM 3.0;\nqubit[{width}] q;\n"
        + "".join(f"ry({angle}) q[{k}];\n" for k, angle in enumerate(angles))
        + "ctrl @ x q[10], q[0];\nnegctrl @ rx(0.9) q[7], q[2];\nctrl @ ctrl @ h q[9], q[3], q[1];\n"
        + "#pragma braket result probability\n"
    )
    reference = QuantumCircuit(width)
    for k, angle in enumerate(angles):
        reference.ry(angle, k)
    reference.cx(10, 0)
    reference.append(RXGate(0.9).control(1, ctrl_state=0), [7, 2])
    reference.append(HGate().control(2), [9, 3, 1])
    # Braket numbers basis states with qubit 0 most significant, Qiskit with qubit 0 least.
    expected = Statevector(reference).reverse_qargs().probabilities()

    (result_type,) = run_qasm(source, 0, spec=spec).native_result["resultTypes"]

    assert np.asarray(result_type["value"]) == pytest.approx(expected, abs=1e-9)


def test_qpu_calibration_noise_blurs_the_bell_state_slightly() -> None:
    ideal = only_pub(run_qasm(BELL, 4000, spec=CEPHEUS, noise=None))["counts"]
    assert set(ideal) == {"00", "11"}

    noisy = only_pub(run_qasm(BELL, 4000, spec=CEPHEUS, noise=CALIBRATION))["counts"]
    fidelity = (noisy.get("00", 0) + noisy.get("11", 0)) / 4000
    assert noisy.get("01", 0) + noisy.get("10", 0) > 0
    assert 0.8 < fidelity < 0.99
    wrapped = {"backend_id": CEPHEUS.id, "calibrated_at": "2025-01-01T00:00:00Z", "calibration": CALIBRATION}
    assert only_pub(run_qasm(BELL, 4000, spec=CEPHEUS, noise=wrapped))["counts"] == noisy


def test_simulators_ignore_calibration_noise() -> None:
    assert set(only_pub(run_qasm(BELL, 2000, noise=CALIBRATION))["counts"]) == {"00", "11"}


# --- gate model: input shapes and refusals ------------------------------------------------------------------


@pytest.mark.parametrize(
    "job_input",
    [
        BELL,
        {"qasm": BELL},
        {"backendId": "aws.sim.sv1", "qasm": BELL},
        {"value": BELL, "backendId": "aws.sim.sv1"},
    ],
    ids=["bare", "qasm", "with-backend-id", "value-wrapper"],
)
def test_every_client_input_shape_is_accepted(job_input: Any) -> None:
    runner = BraketQasmRunner()
    prepared = runner.prepare(SV1, job_input, {"disable_qubit_rewiring": False}, 100)
    assert runner.normalized_input(prepared) == {
        "format": "openqasm.v3",
        "pubs": [{"qasm": BELL, "shots": 100}],
    }


def test_syntax_error_is_a_400_with_the_parsers_text() -> None:
    error = refusal("OPENQASM 3.0;\nqubit[2] q;\nh q[0];\ncnot q[0] q[1];\n", 100)
    assert error.status == 400
    assert "line 4" in error.message
    assert "missing ';'" in error.message


def test_unknown_gate_is_a_400_with_the_interpreters_text() -> None:
    error = refusal("OPENQASM 3.0;\nqubit[1] q;\nfoo q[0];\n", 100)
    assert error.status == 400
    assert "foo" in error.message


def test_too_many_qubits_is_a_422_naming_both_numbers() -> None:
    error = refusal("OPENQASM 3.0;\nqubit[40] q;\nh q[0];\n", 100)
    assert error.status == 422
    assert "40" in error.message
    assert "34" in error.message
    assert refusal("OPENQASM 3.0;\nh $36;\n", 100, spec=CEPHEUS).status == 422


@pytest.mark.parametrize(
    ("spec", "cap", "reason"),
    [(SV1, 27, "2**27 amplitudes"), (DM1, 13, "4**13 entries"), (CEPHEUS, 24, "calibration noise")],
    ids=["sv1", "dm1", "qpu"],
)
def test_programs_above_the_simulation_cap_are_refused_naming_it_and_why(
    spec: BackendSpec, cap: int, reason: str
) -> None:
    def program(width: int) -> str:
        return f"OPENQASM 3.0;\nqubit[{width}] q;\nh q;\n"

    BraketQasmRunner().prepare(spec, program(cap), {}, 100)  # at the cap: accepted (not simulated here)
    error = refusal(program(cap + 1), 100, spec=spec)
    assert error.status == 422
    assert f"acts on {cap + 1} qubits" in error.message
    assert f"at most {cap} on {spec.id}" in error.message
    assert reason in error.message


def test_unbound_inputs_are_a_422_naming_them() -> None:
    source = (
        "OPENQASM 3.0;\ninput float alpha;\ninput float beta;\nqubit[1] q;\nrx(alpha) q[0];\nry(beta) q[0];\n"
    )
    error = refusal(source, 100, params={"inputs": {"beta": 1.0}})
    assert error.status == 422
    assert "alpha" in error.message
    assert "beta" not in error.message


@pytest.mark.parametrize(
    "job_input",
    ["", "   \n", {"qasm": []}, "OPENQASM 3.0;\n"],
    ids=["blank", "spaces", "no-programs", "no-qubits"],
)
def test_empty_programs_are_refused(job_input: Any) -> None:
    assert refusal(job_input, 100).status == 422


def test_program_set_larger_than_the_backend_allows_is_refused() -> None:
    error = refusal({"qasm": [BELL] * 3}, 300, spec=make_spec(max_pubs=2))
    assert error.status == 422
    assert "3" in error.message


@pytest.mark.parametrize(
    ("spec", "job_input", "shots"),
    [
        (SV1, BELL, 100_001),
        (make_spec(shots_min=10), BELL, 5),
        (CEPHEUS, BELL, 0),
        (SV1, BELL, 0),
        (SV1, {"qasm": [BELL, GHZ3]}, 301),
        (SV1, {"qasm": [BELL, GHZ3]}, 0),
    ],
    ids=[
        "above-max",
        "below-min",
        "zero-on-qpu",
        "zero-without-result-types",
        "not-divisible",
        "zero-program-set",
    ],
)
def test_unusable_shot_counts_are_refused(spec: BackendSpec, job_input: Any, shots: int) -> None:
    assert refusal(job_input, shots, spec=spec).status == 422


def test_malformed_inputs_are_a_400() -> None:
    assert refusal({"qasm": 42}, 100).status == 400
    assert refusal({"program": BELL}, 100).status == 400
    assert refusal(RX_THETA, 100, params={"inputs": {"theta": "pi"}}).status == 400


def test_uncoupled_gate_is_refused_when_rewiring_is_disabled() -> None:
    spec = make_spec("aws.rigetti.cepheus", num_qubits=3, is_simulator=False, coupling_map=((0, 1), (1, 2)))
    source = "OPENQASM 3.0;\nbit[2] b;\ncnot $0, $2;\nb[0] = measure $0;\nb[1] = measure $2;\n"
    error = refusal(source, 100, spec=spec, params={"disable_qubit_rewiring": True})
    assert error.status == 422
    assert "not coupled" in error.message
    BraketQasmRunner().prepare(spec, source, {"disable_qubit_rewiring": False}, 100)


# --- analog Hamiltonian simulation --------------------------------------------------------------------------

AQUILA = make_spec("aws.quera.aquila", num_qubits=256, is_simulator=False, input_format="BRAKET_AHS_PROGRAM")


def ahs_program(sites: list[list[float]]) -> dict[str, Any]:
    """A resonant drive of the given atoms, as the Hub client sends it (camelCase keys, no schema header).

    The pulse area is a pi pulse for a blockaded pair (collective Rabi frequency sqrt(2) * 2.47e6 rad/s
    over an effective 0.9 us), which drives two close atoms into (|rg> + |gr>) / sqrt(2).
    """
    flat = {"time_series": {"values": [0.0, 0.0], "times": [0.0, 1e-6]}, "pattern": "uniform"}
    amplitude = {
        "time_series": {"values": [0.0, 2.47e6, 2.47e6, 0.0], "times": [0.0, 1e-7, 9e-7, 1e-6]},
        "pattern": "uniform",
    }
    return {
        "setup": {"ahs_register": {"sites": sites, "filling": [1] * len(sites)}},
        "hamiltonian": {
            "drivingFields": [{"amplitude": amplitude, "phase": flat, "detuning": flat}],
            "localDetuning": [],
        },
    }


def test_ahs_two_atoms_run_and_parse_with_braket() -> None:
    from braket.task_result import AnalogHamiltonianSimulationTaskResult
    from braket.tasks import AnalogHamiltonianSimulationQuantumTaskResult

    runner = BraketAhsRunner()
    job_input = {"backendId": "aws.quera.aquila", "ahs_program": ahs_program([[0.0, 0.0], [0.0, 4e-6]])}
    execution = runner.execute(runner.prepare(AQUILA, job_input, {}, 200), seed=1, noise=None)

    assert execution.normalized is None
    assert execution.memory is None
    native = json.dumps(execution.native_result)
    result = AnalogHamiltonianSimulationQuantumTaskResult.from_object(
        AnalogHamiltonianSimulationTaskResult.parse_raw(native)
    )
    assert result.task_metadata.shots == 200
    assert len(result.measurements) == 200
    counts = result.get_counts()
    assert sum(counts.values()) == 200
    # 4 um apart the atoms are deep in the Rydberg blockade: never both excited, almost always one is.
    assert counts.get("rr", 0) == 0
    assert counts.get("rg", 0) + counts.get("gr", 0) > 180
    assert counts.get("rg", 0) > 50
    assert counts.get("gr", 0) > 50


def test_ahs_is_reproducible_per_seed() -> None:
    runner = BraketAhsRunner()
    prepared = runner.prepare(AQUILA, {"ahs_program": ahs_program([[0.0, 0.0], [0.0, 4e-6]])}, {}, 100)

    def shots(seed: int) -> list[Any]:
        return list(runner.execute(prepared, seed=seed, noise=None).native_result["measurements"])

    assert shots(4) == shots(4)
    assert len({json.dumps(shots(seed)) for seed in (4, 5, 6)}) > 1


def test_ahs_refusals() -> None:
    runner = BraketAhsRunner()
    good = ahs_program([[0.0, 0.0], [0.0, 4e-6]])
    broken = {"setup": good["setup"]}
    with pytest.raises(InvalidJobInput) as invalid:
        runner.prepare(AQUILA, {"ahs_program": broken}, {}, 100)
    assert invalid.value.status == 400
    assert "hamiltonian" in invalid.value.message

    small = make_spec("aws.quera.aquila", num_qubits=1, is_simulator=False, input_format="BRAKET_AHS_PROGRAM")
    with pytest.raises(InvalidJobInput) as too_big:
        runner.prepare(small, {"ahs_program": good}, {}, 100)
    assert too_big.value.status == 422
    assert "2 sites" in too_big.value.message

    with pytest.raises(InvalidJobInput) as no_shots:
        runner.prepare(AQUILA, {"ahs_program": good}, {}, 0)
    assert no_shots.value.status == 422

    with pytest.raises(InvalidJobInput) as rendering:
        runner.normalized_input(runner.prepare(AQUILA, {"ahs_program": good}, {}, 10))
    assert rendering.value.status == 422


def test_ahs_evolution_agrees_with_braket_local_simulator() -> None:
    """The Hub's faster solver path gives the distribution Braket's own LocalSimulator gives."""
    from braket.devices import LocalSimulator
    from braket.ir.ahs import Program

    sites = [[0.0, 0.0], [0.0, 5e-6], [0.0, 1.1e-5]]
    runner = BraketAhsRunner()
    shots = 4000
    prepared = runner.prepare(AQUILA, {"ahs_program": ahs_program(sites)}, {}, shots)
    ours = runner.execute(prepared, seed=3, noise=None).native_result["measurements"]
    theirs = LocalSimulator("braket_ahs").run(Program.parse_obj(ahs_program(sites)), shots=shots).result()

    def frequencies(posts: list[list[int]]) -> dict[str, float]:
        tally: dict[str, float] = {}
        for post in posts:
            key = "".join(map(str, post))
            tally[key] = tally.get(key, 0) + 1 / len(posts)
        return tally

    mine = frequencies([m["shotResult"]["postSequence"] for m in ours])
    braket = frequencies([list(map(int, m.post_sequence)) for m in theirs.measurements])
    assert len(braket) > 2  # a program with several likely outcomes, so the comparison means something
    for key in set(mine) | set(braket):
        assert abs(mine.get(key, 0) - braket.get(key, 0)) < 0.04, key


def test_ahs_nine_atoms_run_and_more_than_the_cap_are_refused_naming_it() -> None:
    runner = BraketAhsRunner()
    nine = [[0.0, 6.1e-6 * k] for k in range(9)]
    execution = runner.execute(
        runner.prepare(AQUILA, {"ahs_program": ahs_program(nine)}, {}, 50), seed=1, noise=None
    )
    assert len(execution.native_result["measurements"]) == 50
    too_many = [[0.0, 5e-6 * k] for k in range(MAX_SIMULATED_ATOMS + 1)]
    with pytest.raises(InvalidJobInput) as refused:
        runner.prepare(AQUILA, {"ahs_program": ahs_program(too_many)}, {}, 10)
    assert f"at most {MAX_SIMULATED_ATOMS} atoms" in refused.value.message
