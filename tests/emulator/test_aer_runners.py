"""The local Hub's Aer-based runners: IonQ JSON, IQM, AQT, OpenQASM 2 (Kipu, Qudora) and the noise model.

Every test calls a runner the way the job engine does (``prepare`` then ``execute``) on a small
``BackendSpec`` and checks what a client would read back: the provider-native result, the normalized
views, or the error status and message.
"""

from __future__ import annotations

import itertools
import json
import math
from typing import Any

import numpy as np
import pytest
from qiskit import QuantumCircuit, qasm2
from qiskit.quantum_info import Operator

from qhub_providers.emulator.catalog.spec import BackendSpec
from qhub_providers.emulator.runners.aqt import AqtRunner
from qhub_providers.emulator.runners.base import InvalidJobInput
from qhub_providers.emulator.runners.circuits import sample_bits
from qhub_providers.emulator.runners.ionq import IonqRunner
from qhub_providers.emulator.runners.iqm import IqmRunner
from qhub_providers.emulator.runners.noise import clear_noise_cache, noise_model
from qhub_providers.emulator.runners.qasm2 import Qasm2Runner

SHOTS = 2000
# Five standard deviations of a fair coin's frequency over SHOTS shots.
COIN_TOLERANCE = 5 * math.sqrt(0.25 / SHOTS)


def make_spec(
    backend_id: str,
    provider: str,
    num_qubits: int,
    *,
    simulator: bool = True,
    shots_max: int = 10_000,
    max_pubs: int = 5,
    basis_gates: tuple[str, ...] = (),
    coupling_map: tuple[tuple[int, int], ...] | None = None,
) -> BackendSpec:
    return BackendSpec(
        id=backend_id,
        provider=provider,
        record={},
        native_config={},
        runner="test",
        input_formats=(),
        num_qubits=num_qubits,
        is_simulator=simulator,
        shots_min=1,
        shots_max=shots_max,
        max_pubs_per_job=max_pubs,
        basis_gates=basis_gates,
        coupling_map=coupling_map,
    )


IONQ = make_spec("azure.ionq.simulator", "AZURE", 29)
LINE = tuple((i, i + 1) for i in range(53)) + tuple((i + 1, i) for i in range(53))
IQM = make_spec(
    "iqm.qpu.emerald", "IQM", 54, simulator=False, basis_gates=("r", "cz", "measure", "id"), coupling_map=LINE
)
AQT = make_spec("aqt.sim.ideal", "AQT", 12, shots_max=2000)
AQT_QPU = make_spec(
    "aqt.qpu.ibex", "AQT", 12, simulator=False, shots_max=2000, basis_gates=("r", "rz", "rxx")
)
KIPU = make_spec("kipu.sim.qsim", "KIPU", 30, shots_max=100_000, max_pubs=1)
QUDORA = make_spec("qudora.sim.xg1", "QUDORA", 20)


def assert_even_split(counts: dict[str, int], first: str, second: str, shots: int = SHOTS) -> None:
    """Only ``first`` and ``second`` occur, each about half of the time."""
    assert set(counts) == {first, second}
    assert sum(counts.values()) == shots
    assert abs(counts[first] / shots - 0.5) < COIN_TOLERANCE


def rejected(
    runner: Any, spec: BackendSpec, job_input: Any, params: dict[str, Any] | None = None, shots: int = 100
) -> InvalidJobInput:
    """The :class:`InvalidJobInput` a runner's ``prepare`` raises."""
    with pytest.raises(InvalidJobInput) as caught:
        runner.prepare(spec, job_input, params or {}, shots)
    return caught.value


# --- IonQ circuit JSON ------------------------------------------------------------------------------


def ionq(circuit: list[dict[str, Any]], qubits: int, gateset: str = "qis") -> dict[str, Any]:
    return {"gateset": gateset, "qubits": qubits, "circuit": circuit}


def run_ionq(job_input: dict[str, Any], params: dict[str, Any] | None = None) -> Any:
    runner = IonqRunner()
    return runner.execute(runner.prepare(IONQ, job_input, params or {}, 100), seed=7, noise=None)


def test_ionq_bell_and_ghz_give_exact_histograms() -> None:
    bell = ionq([{"gate": "h", "targets": [0]}, {"gate": "cnot", "controls": [0], "targets": [1]}], 2)
    assert run_ionq(bell).native_result["histogram"] == pytest.approx({"0": 0.5, "3": 0.5})

    ghz = ionq(
        [
            {"type": "h", "targets": [0]},  # the Hub schema's spelling of the gate key
            {"type": "x", "controls": [0], "targets": [1]},
            {"type": "cnot", "controls": [1], "targets": [2]},
        ],
        3,
    )
    execution = run_ionq(ghz, {"meas_map": json.dumps([0, 1, 2])})
    assert execution.native_result["histogram"] == pytest.approx({"0": 0.5, "7": 0.5})
    (pub,) = execution.normalized["pubs"]
    assert pub["type"] == "probabilities"
    assert pub["probabilities"] == pytest.approx({"000": 0.5, "111": 0.5})
    assert execution.memory is None


def test_ionq_histogram_keys_have_qubit_zero_as_least_significant_bit() -> None:
    execution = run_ionq(
        ionq([{"gate": "x", "targets": [0]}, {"gate": "ry", "targets": [2], "rotation": math.pi}], 3)
    )
    assert execution.native_result["histogram"] == pytest.approx({"5": 1.0})
    assert execution.normalized["pubs"][0]["probabilities"] == pytest.approx({"101": 1.0})


def test_ionq_measures_every_qubit_of_a_wide_register_cheaply() -> None:
    execution = run_ionq(ionq([{"gate": "x", "targets": [28]}], 29))
    assert execution.native_result["histogram"] == pytest.approx({str(1 << 28): 1.0})


def test_ionq_wide_clifford_circuit_stays_exact_and_cheap() -> None:
    ghz = [{"gate": "h", "targets": [0]}] + [
        {"gate": "cnot", "controls": [q], "targets": [q + 1]} for q in range(28)
    ]
    assert run_ionq(ionq(ghz, 29)).native_result["histogram"] == pytest.approx(
        {"0": 0.5, str((1 << 29) - 1): 0.5}
    )


def test_ionq_qpu_with_calibration_answers_noisy_frequencies() -> None:
    qpu = make_spec("ionq.qpu.test", "AZURE", 4, simulator=False, basis_gates=("h", "cx"))
    bell = ionq([{"gate": "h", "targets": [0]}, {"gate": "cnot", "controls": [0], "targets": [1]}], 2)
    runner = IonqRunner()
    prepared = runner.prepare(qpu, bell, {}, SHOTS)
    histogram = runner.execute(prepared, seed=3, noise=calibration(4, ((0, 1),), when="ionq")).native_result[
        "histogram"
    ]
    assert sum(histogram.values()) == pytest.approx(1.0)
    assert 0.8 < histogram["0"] + histogram["3"] < 0.99
    assert all(p * SHOTS == pytest.approx(round(p * SHOTS)) for p in histogram.values())  # shot frequencies


def test_ionq_native_gates_decode_to_the_documented_unitaries() -> None:
    phi0, phi1, angle = 0.1, 0.3, 0.2
    runner = IonqRunner()
    job = ionq([{"gate": "ms", "targets": [0, 1], "phases": [phi0, phi1], "angle": angle}], 2, "native")
    circuit = runner.prepare(IONQ, job, {}, 10).circuit
    # IonQ's MS matrix, written with targets[0] as the most significant qubit.
    c, s = math.cos(math.pi * angle), math.sin(math.pi * angle)
    plus, minus = np.exp(2j * math.pi * (phi0 + phi1)), np.exp(2j * math.pi * (phi0 - phi1))
    documented = np.array(
        [
            [c, 0, 0, -1j * s / plus],
            [0, c, -1j * s / minus, 0],
            [0, -1j * s * minus, c, 0],
            [-1j * s * plus, 0, 0, c],
        ]
    )
    assert np.allclose(Operator(circuit).reverse_qargs().data, documented)

    zz = runner.prepare(IONQ, ionq([{"gate": "zz", "targets": [0, 1], "angle": angle}], 2, "native"), {}, 10)
    phase = np.exp(1j * math.pi * angle)
    assert np.allclose(Operator(zz.circuit).data, np.diag([1 / phase, phase, phase, 1 / phase]))

    gpi2 = runner.prepare(IONQ, ionq([{"gate": "gpi2", "target": 0, "phase": phi0}], 1, "native"), {}, 10)
    half = np.exp(2j * math.pi * phi0)
    expected = np.array([[1, -1j / half], [-1j * half, 1]]) / math.sqrt(2)
    assert np.allclose(Operator(gpi2.circuit).data, expected)


def test_ionq_native_bell_circuit() -> None:
    # A fully entangling MS makes (|00> - i|11>)/sqrt(2); two GPI2 on each qubit flip both (a pi turn).
    bell = ionq(
        [
            {"gate": "ms", "targets": [0, 1], "phases": [0, 0]},
            {"gate": "gpi2", "target": 0, "phase": 0.5},
            {"gate": "gpi2", "target": 1, "phase": 0.5},
            {"gate": "gpi2", "target": 0, "phase": 0.5},
            {"gate": "gpi2", "target": 1, "phase": 0.5},
        ],
        2,
        "native",
    )
    histogram = run_ionq(bell).native_result["histogram"]
    assert set(histogram) == {"0", "3"}
    assert histogram["0"] == pytest.approx(0.5)


def test_ionq_pauliexp_terms_are_written_per_target() -> None:
    # exp(-i pi/2 Z) on the first target only: between Hadamards it flips targets[0] = qubit 1.
    job = ionq(
        [
            {"gate": "h", "targets": [1, 2]},
            {
                "gate": "pauliExp",
                "targets": [1, 2],
                "terms": ["ZI"],
                "coefficients": [1.0],
                "time": math.pi / 2,
            },
            {"gate": "h", "targets": [1, 2]},
        ],
        3,
    )
    assert run_ionq(job).native_result["histogram"] == pytest.approx({"2": 1.0})


def test_ionq_normalized_input_measures_every_qubit() -> None:
    runner = IonqRunner()
    prepared = runner.prepare(IONQ, ionq([{"gate": "h", "targets": [0]}], 2), {}, 321)
    (pub,) = runner.normalized_input(prepared)["pubs"]
    assert pub["shots"] == 321
    circuit = qasm2.loads(pub["qasm"], custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    assert circuit.count_ops()["measure"] == 2


@pytest.mark.parametrize(
    ("job_input", "params", "status", "fragment"),
    [
        (
            {"gateset": "qis", "qubits": 2, "circuit": {"gate": "h"}},
            {},
            400,
            "input.circuit must be an array",
        ),
        (ionq([{"gate": "h"}], 2), {}, 400, "input.circuit[0] needs 'targets'"),
        (ionq([{"gate": "rx", "targets": [0]}], 2), {}, 400, "input.circuit[0].rotation"),
        (ionq([{"gate": "foo", "targets": [0]}], 2), {}, 400, "'foo'"),
        (ionq([{"gate": "h", "targets": [0]}], 2, "native"), {}, 400, "'h' is not a native"),
        (ionq([{"gate": "h", "targets": [5]}], 2), {}, 400, "input.circuit[0].targets[0]"),
        (ionq([{"gate": "cnot", "controls": [1], "targets": [1]}], 2), {}, 400, "twice"),
        (ionq([], 2), {"meas_map": "[0, 1"}, 400, "input_params.meas_map"),
        ({"gateset": "quantum", "qubits": 2, "circuit": []}, {}, 400, "input.gateset"),
        (ionq([], 30), {}, 422, "30 qubits"),
    ],
)
def test_ionq_rejects_bad_input(job_input: Any, params: dict[str, Any], status: int, fragment: str) -> None:
    error = rejected(IonqRunner(), IONQ, job_input, params)
    assert error.status == status
    assert fragment in error.message


# --- IQM ---------------------------------------------------------------------------------------------


def prx(qubit: str, angle_t: float, phase_t: float) -> dict[str, Any]:
    return {
        "name": "prx",
        "locus": [qubit],
        "args": {"angle_t": angle_t, "phase_t": phase_t},
        "implementation": None,
    }


def cz(first: str, second: str) -> dict[str, Any]:
    return {"name": "cz", "locus": [first, second], "args": {}}


def measure(key: str, *qubits: str, **extra: Any) -> dict[str, Any]:
    return {"name": "measure", "locus": list(qubits), "args": {"key": key, **extra}}


def cnot(control: str, target: str) -> list[dict[str, Any]]:
    """CNOT from IQM natives: the target's basis turned by y rotations of -pi/2 and pi/2 around a cz."""
    return [prx(target, 0.25, 0.75), cz(control, target), prx(target, 0.25, 0.25)]


def iqm_ghz(qubits: list[str]) -> dict[str, Any]:
    instructions = [prx(qubits[0], 0.25, 0.25)]  # y rotation by pi/2: |+>
    for control, target in itertools.pairwise(qubits):
        instructions += cnot(control, target)
    instructions += [measure(f"c_{len(qubits)}_0_{k}", q) for k, q in enumerate(qubits)]
    return {"name": f"ghz{len(qubits)}", "instructions": instructions, "metadata": None}


def test_iqm_bell_and_ghz_one_entry_per_circuit() -> None:
    runner = IqmRunner()
    job = {"circuits": [iqm_ghz(["QB1", "QB2"]), iqm_ghz(["QB3", "QB4", "QB5"])]}
    execution = runner.execute(runner.prepare(IQM, job, {}, SHOTS), seed=11, noise=None)
    bell, ghz = execution.native_result["measurement_counts"]
    assert bell["measurement_keys"] == ["c_2_0_0", "c_2_0_1"]
    assert_even_split(bell["counts"], "00", "11")
    assert ghz["measurement_keys"] == ["c_3_0_0", "c_3_0_1", "c_3_0_2"]
    assert_even_split(ghz["counts"], "000", "111")
    pubs = execution.normalized["pubs"]
    assert [(p["type"], p["index"], p["name"]) for p in pubs] == [
        ("counts", 0, "ghz2"),
        ("counts", 1, "ghz3"),
    ]
    assert execution.memory is None


def test_iqm_counts_follow_measurement_key_order() -> None:
    circuit = {
        "name": "order",
        "instructions": [
            prx("QB1", 0.5, 0.0),  # x on QB1 only
            measure("first", "QB2"),
            measure("second", "QB3", "QB1"),  # a multi-qubit key keeps its locus order
        ],
    }
    runner = IqmRunner()
    execution = runner.execute(runner.prepare(IQM, {"circuits": [circuit]}, {}, 50), seed=1, noise=None)
    (entry,) = execution.native_result["measurement_counts"]
    assert entry["measurement_keys"] == ["first", "second"]
    assert entry["counts"] == {"001": 50}  # QB2=0, QB3=0, QB1=1
    assert execution.normalized["pubs"][0]["counts"] == {"100": 50}  # Qiskit order: first bit rightmost


def test_iqm_qubit_mapping_in_input_params_and_old_qubits_field() -> None:
    circuit = {
        "name": "mapped",
        "instructions": [
            {"name": "prx", "qubits": ["b"], "args": {"angle_t": 0.5, "phase_t": 0.0}},
            measure("m", "a", "b"),
        ],
    }
    mapping = [{"logical_name": "a", "physical_name": "QB7"}, {"logical_name": "b", "physical_name": "QB8"}]
    runner = IqmRunner()
    prepared = runner.prepare(IQM, {"circuits": [circuit]}, {"qubit_mapping": mapping, "dd_mode": None}, 20)
    execution = runner.execute(prepared, seed=1, noise=None)
    assert execution.native_result["measurement_counts"][0]["counts"] == {"01": 20}
    assert "measure q[7] -> m[1];" in runner.normalized_input(prepared)["pubs"][0]["qasm"]


def test_iqm_classically_controlled_prx_uses_the_feedback_measurement() -> None:
    circuit = {
        "name": "feedback",
        "instructions": [
            prx("QB1", 0.5, 0.0),
            measure("m1", "QB1", feedback_key="f"),
            {
                "name": "cc_prx",
                "locus": ["QB2"],
                "args": {"angle_t": 0.5, "phase_t": 0.0, "feedback_qubit": "QB1", "feedback_key": "f"},
            },
            measure("m2", "QB2"),
        ],
    }
    runner = IqmRunner()
    prepared = runner.prepare(IQM, {"circuits": [circuit]}, {}, 30)
    assert runner.execute(prepared, seed=1, noise=None).native_result["measurement_counts"][0]["counts"] == {
        "11": 30
    }
    assert "if (m1 == 1)" in runner.normalized_input(prepared)["pubs"][0]["qasm"]


def test_iqm_normalized_input_round_trips_through_openqasm2() -> None:
    runner = IqmRunner()
    prepared = runner.prepare(IQM, {"circuits": [iqm_ghz(["QB1", "QB2"])]}, {}, 64)
    (pub,) = runner.normalized_input(prepared)["pubs"]
    assert (pub["shots"], pub["name"]) == (64, "ghz2")
    parsed = qasm2.loads(pub["qasm"], custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    assert [r.name for r in parsed.cregs] == ["c_2_0_0", "c_2_0_1"]
    assert parsed.count_ops()["cz"] == 1


@pytest.mark.parametrize(
    ("job_input", "params", "status", "fragment"),
    [
        ({"circuits": {"name": "c"}}, {}, 400, "input.circuits must be an array"),
        ({"circuits": [{"instructions": []}]}, {}, 400, "input.circuits[0].name"),
        (
            {"circuits": [{"name": "c", "instructions": [measure("", "QB1") | {"args": {}}]}]},
            {},
            400,
            "args: measure takes key",
        ),
        (
            {"circuits": [{"name": "c", "instructions": [{"name": "prx", "locus": ["QB1"], "args": {}}]}]},
            {},
            400,
            "input.circuits[0].instructions[0].args: prx takes angle, phase",
        ),
        (
            {"circuits": [{"name": "c", "instructions": [{"name": "cnot", "locus": ["QB1", "QB2"]}]}]},
            {},
            400,
            "'cnot'",
        ),
        (
            {"circuits": [{"name": "c", "instructions": [measure("k", "QB1"), measure("k", "QB2")]}]},
            {},
            400,
            "used twice",
        ),
        (
            {"circuits": [iqm_ghz(["QB1", "QB2"])]},
            {"heralding_mode": "always"},
            400,
            "input_params.heralding_mode",
        ),
        ({"circuits": [{"name": "c", "instructions": [prx("QB55", 0.5, 0)]}]}, {}, 422, "QB55"),
        (
            {"circuits": [{"name": "c", "instructions": [prx("QB1", 0.5, 0)]}]},
            {"qubit_mapping": [{"logical_name": "a", "physical_name": "QB1"}]},
            422,
            "'QB1' is not a logical name",
        ),
        ({"circuits": [{"name": "c", "instructions": [cz("QB1", "QB3")]}]}, {}, 422, "cz on (QB1, QB3)"),
        ({"circuits": [iqm_ghz(["QB1", "QB2"])] * 6}, {}, 422, "at most 5"),
    ],
)
def test_iqm_rejects_bad_input(job_input: Any, params: dict[str, Any], status: int, fragment: str) -> None:
    error = rejected(IqmRunner(), IQM, job_input, params)
    assert error.status == status
    assert fragment in error.message


# --- AQT ---------------------------------------------------------------------------------------------


def rotation(qubit: int, theta: float, phi: float) -> dict[str, Any]:
    return {"operation": "R", "qubit": qubit, "theta": theta, "phi": phi}


def aqt_cnot(control: int, target: int) -> list[dict[str, Any]]:
    """CNOT from AQT natives (angles in units of pi; a negative rotation turns the axis by pi)."""
    return [
        rotation(control, 0.5, 0.5),
        {"operation": "RXX", "qubits": [control, target], "theta": 0.5},
        rotation(control, 0.5, 1.0),
        rotation(target, 0.5, 1.0),
        rotation(control, 0.5, 1.5),
    ]


def aqt_ghz(num_qubits: int, repetitions: int = SHOTS) -> dict[str, Any]:
    operations = [rotation(0, 0.5, 0.5)]
    for control in range(num_qubits - 1):
        operations += aqt_cnot(control, control + 1)
    operations.append({"operation": "MEASURE"})
    return {"repetitions": repetitions, "number_of_qubits": num_qubits, "quantum_circuit": operations}


def aqt_job(*circuits: dict[str, Any]) -> dict[str, Any]:
    return {"job_type": "quantum_circuit", "label": "test", "payload": {"circuits": list(circuits)}}


def test_aqt_single_bell_circuit_answers_one_object_with_memory() -> None:
    runner = AqtRunner()
    execution = runner.execute(runner.prepare(AQT, aqt_job(aqt_ghz(2)), {}, SHOTS), seed=5, noise=None)
    result = execution.native_result
    assert_even_split(result["counts"], "00", "11")
    assert len(result["memory"]) == SHOTS
    assert set(result["memory"]) == {"0x0", "0x3"}
    assert execution.memory == {"memory": result["memory"], "qubits": 2, "shots": SHOTS}
    assert execution.normalized["pubs"][0]["counts"] == result["counts"]


def test_aqt_several_circuits_answer_a_list_and_repetitions_may_add_up_to_shots() -> None:
    runner = AqtRunner()
    rzx = {
        "repetitions": 500,
        "number_of_qubits": 3,
        "quantum_circuit": [
            {"operation": "RZ", "qubit": 0, "phi": 0.5},
            rotation(2, 1.0, 0.0),
            {"operation": "MEASURE"},
        ],
    }
    prepared = runner.prepare(AQT, aqt_job(aqt_ghz(3, 1500), rzx), {}, 2000)
    execution = runner.execute(prepared, seed=5, noise=None)
    ghz, flipped = execution.native_result
    assert_even_split(ghz["counts"], "000", "111", shots=1500)
    assert flipped["counts"] == {"100": 500}  # qubit 2 flipped, Qiskit order
    assert [p["shots"] for p in execution.normalized["pubs"]] == [1500, 500]
    assert execution.memory is None
    assert [p["shots"] for p in runner.normalized_input(prepared)["pubs"]] == [1500, 500]


def test_aqt_same_seed_same_memory_other_seed_other_memory() -> None:
    runner = AqtRunner()
    prepared = runner.prepare(AQT, aqt_job(aqt_ghz(2, 1000)), {}, 1000)
    first = runner.execute(prepared, seed=99, noise=None).native_result
    again = runner.execute(prepared, seed=99, noise=None).native_result
    other = runner.execute(prepared, seed=100, noise=None).native_result
    assert first == again
    assert first["memory"] != other["memory"]


@pytest.mark.parametrize(
    ("job_input", "shots", "status", "fragment"),
    [
        ({"job_type": "quantum_circuit"}, 100, 400, "payload: Field required"),
        (
            aqt_job({"repetitions": 100, "number_of_qubits": 2}),
            100,
            400,
            "payload.circuits.0.quantum_circuit: Field required",
        ),
        (aqt_job(aqt_ghz(2, 100) | {"quantum_circuit": [{"operation": "CX"}]}), 100, 400, "'CX'"),
        (
            aqt_job(aqt_ghz(2, 100) | {"quantum_circuit": [rotation(0, 1.5, 0.0), {"operation": "MEASURE"}]}),
            100,
            400,
            "quantum_circuit.0.R.theta: Input should be less than or equal to 1",
        ),
        (
            aqt_job(aqt_ghz(2, 100) | {"quantum_circuit": [rotation(2, 0.5, 0.0), {"operation": "MEASURE"}]}),
            100,
            400,
            "qubits outside of given quantum register of size 2",
        ),
        ({"job_type": "other", "payload": {"circuits": []}}, 100, 400, "job_type: Input should be"),
        (
            aqt_job(
                aqt_ghz(2, 100)
                | {
                    "quantum_circuit": [
                        {"operation": "MEASURE"},
                        rotation(0, 0.5, 0.0),
                        {"operation": "MEASURE"},
                    ]
                }
            ),
            100,
            400,
            "Need exactly one `MEASURE` operation at the end",
        ),
        (
            aqt_job(aqt_ghz(2, 100) | {"quantum_circuit": [rotation(0, 0.5, 0.0)]}),
            100,
            400,
            "Need exactly one `MEASURE` operation at the end",
        ),
        (aqt_job(aqt_ghz(13, 100)), 100, 422, "13 qubits"),
        (aqt_job(aqt_ghz(2, 100)), 300, 422, "disagrees"),
        (aqt_job(aqt_ghz(2, 3000)), 3000, 422, "repetitions must be between 1 and 2000"),
    ],
)
def test_aqt_rejects_bad_input(job_input: Any, shots: int, status: int, fragment: str) -> None:
    # What AQT's own API model refuses is a 400 in its words; what only this backend cannot run, a 422.
    error = rejected(AqtRunner(), AQT, job_input, shots=shots)
    assert error.status == status
    assert fragment in error.message


# --- OpenQASM 2: Kipu and Qudora ---------------------------------------------------------------------

HEADER = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'
BELL = HEADER + "qreg q[2];\ncreg c[2];\nh q[0];\ncx q[0],q[1];\nmeasure q -> c;\n"
GHZ = HEADER + "qreg q[3];\ncreg c[3];\nh q[0];\ncx q[0],q[1];\ncx q[1],q[2];\nmeasure q -> c;\n"
# Partial, remapped measurement over two registers: clbits are c[0], d[0], d[1] in that order.
REMAPPED = HEADER + (
    "qreg q[4];\ncreg c[1];\ncreg d[2];\nx q[2];\nx q[1];\n"
    "measure q[2] -> c[0];\nmeasure q[1] -> d[0];\nmeasure q[0] -> d[1];\n"
)


def run_qasm(
    spec: BackendSpec, job_input: Any, params: dict[str, Any] | None = None, shots: int = SHOTS
) -> Any:
    runner = Qasm2Runner()
    return runner.execute(runner.prepare(spec, job_input, params or {}, shots), seed=3, noise=None)


def test_kipu_sample_bell_ghz_and_big_endian_keys() -> None:
    assert_even_split(run_qasm(KIPU, BELL).native_result["counts"], "00", "11")
    assert_even_split(run_qasm(KIPU, {"qasm": GHZ}, {"mode": "sample"}).native_result["counts"], "000", "111")

    execution = run_qasm(KIPU, REMAPPED, shots=40)
    # c[0]=1, d[0]=1, d[1]=0: qsim writes clbit 0 first, Qiskit writes it last.
    assert execution.native_result == {"counts": {"110": 40}}
    assert execution.normalized["pubs"][0]["counts"] == {"011": 40}
    assert execution.memory is None


def test_kipu_statevector_mode() -> None:
    source = HEADER + "qreg q[2];\ncreg c[2];\nh q[0];\ns q[0];\nmeasure q -> c;\n"
    execution = run_qasm(KIPU, source, {"mode": "statevector"})
    amplitude = 1 / math.sqrt(2)
    # Big-endian index: qubit 0 is the most significant bit, so |q1 q0> = |01> sits at index 2.
    assert np.allclose(
        execution.native_result["statevector"], [[amplitude, 0], [0, 0], [0, amplitude], [0, 0]]
    )
    assert execution.normalized["pubs"][0]["probabilities"] == pytest.approx({"00": 0.5, "01": 0.5})


def test_kipu_amplitudes_mode() -> None:
    source = HEADER + "qreg q[3];\nh q[0];\ns q[0];\nx q[2];\n"
    execution = run_qasm(KIPU, source, {"mode": "amplitudes", "bitstrings": ["101", "001", "100"]})
    amplitude = 1 / math.sqrt(2)
    amplitudes = execution.native_result["amplitudes"]
    assert np.allclose(amplitudes["101"], [0, amplitude])  # qubit 0 leftmost: q0=1, q2=1
    assert np.allclose(amplitudes["001"], [amplitude, 0])
    assert np.allclose(amplitudes["100"], [0, 0])
    assert execution.normalized["pubs"][0]["probabilities"] == pytest.approx(
        {"101": 0.5, "100": 0.5, "001": 0.0}
    )


def test_qudora_bell_ghz_and_remapped_registers_in_qiskit_order() -> None:
    bell = run_qasm(QUDORA, BELL)
    assert_even_split(bell.native_result["counts"], "00", "11")
    assert bell.memory["shots"] == SHOTS

    execution = run_qasm(QUDORA, {"qasm": [GHZ, REMAPPED]}, shots=100)
    ghz, remapped = execution.native_result
    assert set(ghz["counts"]) == {"000", "111"}
    assert remapped == {"counts": {"011": 100}, "memory": ["0x3"] * 100}
    assert [p["counts"] for p in execution.normalized["pubs"]][1] == {"011": 100}
    assert execution.memory is None


def test_qudora_reads_openqasm3_when_asked() -> None:
    source = 'OPENQASM 3.0;\ninclude "stdgates.inc";\nqubit[2] q;\nbit[2] c;\nx q[1];\nc = measure q;\n'
    assert run_qasm(QUDORA, source, {"language": "OpenQASM3"}, shots=10).native_result["counts"] == {"10": 10}


def test_qasm_normalized_input_renders_every_program() -> None:
    runner = Qasm2Runner()
    prepared = runner.prepare(QUDORA, {"qasm": [BELL, REMAPPED]}, {}, 77)
    normalized = runner.normalized_input(prepared)
    assert normalized["format"] == "openqasm.v2"
    assert [p["shots"] for p in normalized["pubs"]] == [77, 77]
    parsed = qasm2.loads(normalized["pubs"][1]["qasm"], custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    assert [(r.name, r.size) for r in parsed.cregs] == [("c", 1), ("d", 2)]


@pytest.mark.parametrize(
    ("spec", "job_input", "params", "status", "fragment"),
    [
        (KIPU, HEADER + "qreg q[1];\nfoo q[0];\n", {}, 400, "'foo' is not defined"),
        (KIPU, HEADER + 'include "secrets.inc";\nqreg q[1];\n', {}, 400, "unable to find 'secrets.inc'"),
        (KIPU, {"qasm": [BELL]}, {}, 400, "one OpenQASM 2 string"),
        (KIPU, {"program": BELL}, {}, 400, "input.qasm must be a string"),
        (KIPU, 42, {}, 400, "OpenQASM 2 string"),
        (KIPU, BELL, {"mode": "unitary"}, 400, "input_params.mode"),
        (KIPU, BELL, {"mode": "amplitudes"}, 422, "needs input_params.bitstrings"),
        (KIPU, BELL, {"mode": "amplitudes", "bitstrings": ["012"]}, 400, "input_params.bitstrings[0]"),
        (
            KIPU,
            HEADER + "qreg q[1];\ncreg c[1];\nmeasure q[0] -> c[0];\nx q[0];\n",
            {"mode": "statevector"},
            422,
            "mid-circuit",
        ),
        (KIPU, HEADER + "qreg q[31];\n", {}, 422, "31 qubits"),
        (QUDORA, {"qasm": [BELL, 7]}, {}, 400, "input.qasm[1] must be a string"),
        (QUDORA, {"qasm": [BELL] * 6}, {}, 422, "at most 5"),
        (QUDORA, BELL, {"language": "Quil"}, 400, "input_params.language"),
    ],
)
def test_qasm_rejects_bad_input(
    spec: BackendSpec, job_input: Any, params: dict[str, Any], status: int, fragment: str
) -> None:
    error = rejected(Qasm2Runner(), spec, job_input, params)
    assert error.status == status
    assert fragment in error.message


# --- shared behaviour --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("runner", "spec", "job_input"),
    [
        (IonqRunner(), IONQ, lambda shots: ionq([{"gate": "h", "targets": [0]}], 1)),
        (IqmRunner(), IQM, lambda shots: {"circuits": [iqm_ghz(["QB1", "QB2"])]}),
        (AqtRunner(), AQT, lambda shots: aqt_job(aqt_ghz(2, shots))),
        (Qasm2Runner(), KIPU, lambda shots: BELL),
        (Qasm2Runner(), QUDORA, lambda shots: BELL),
    ],
)
@pytest.mark.parametrize("shots", [0, 10_000_000])
def test_shots_outside_the_backend_range_are_refused(
    runner: Any, spec: BackendSpec, job_input: Any, shots: int
) -> None:
    error = rejected(runner, spec, job_input(shots), shots=shots)
    assert error.status == 422
    assert f"must be between 1 and {spec.shots_max}" in error.message


@pytest.mark.parametrize(
    ("runner", "spec", "job_input"),
    [
        (IqmRunner(), IQM, {"circuits": [iqm_ghz(["QB1", "QB2", "QB3"])]}),
        (Qasm2Runner(), KIPU, GHZ),
        (Qasm2Runner(), QUDORA, GHZ),
    ],
)
def test_same_seed_gives_the_same_counts(runner: Any, spec: BackendSpec, job_input: Any) -> None:
    prepared = runner.prepare(spec, job_input, {}, 1000)
    first = runner.execute(prepared, seed=2024, noise=None).normalized
    again = runner.execute(runner.prepare(spec, job_input, {}, 1000), seed=2024, noise=None).normalized
    assert first == again


# --- noise -------------------------------------------------------------------------------------------


def calibration(
    num_qubits: int,
    pairs: tuple[tuple[int, int], ...],
    *,
    one_qubit: float = 0.002,
    two_qubit: float = 0.02,
    readout: float = 0.02,
    when: str = "2025-01-01T00:00:00Z",
) -> dict[str, Any]:
    return {
        "backend_id": "test",
        "calibrated_at": when,
        "calibration": {
            "type": "gate_based",
            "medians": {"gates": {}},
            "qubits": [
                {
                    "qubit": q,
                    "operational": True,
                    "readout_error": readout,
                    "gates": {"one_qubit": {"operational": True, "error": one_qubit}},
                }
                for q in range(num_qubits)
            ],
            "qubit_pairs": [
                {"qubits": [a, b], "gates": {"two_qubit": {"operational": True, "error": two_qubit}}}
                for a, b in pairs
            ],
        },
    }


def bell_fidelity(counts: dict[str, int]) -> float:
    return (counts.get("00", 0) + counts.get("11", 0)) / sum(counts.values())


def test_noisy_qpu_bell_state_is_good_but_not_perfect() -> None:
    clear_noise_cache()
    runner = IqmRunner()
    prepared = runner.prepare(IQM, {"circuits": [iqm_ghz(["QB1", "QB2"])]}, {}, 4000)
    ideal = runner.execute(prepared, seed=8, noise=None).normalized["pubs"][0]["counts"]
    assert bell_fidelity(ideal) == 1.0
    pairs = tuple((i, i + 1) for i in range(53))
    noisy = runner.execute(prepared, seed=8, noise=calibration(54, pairs)).normalized["pubs"][0]["counts"]
    assert 0.8 < bell_fidelity(noisy) < 0.99


def test_noisy_aqt_qpu_but_ideal_aqt_simulator() -> None:
    runner = AqtRunner()
    job = aqt_job(aqt_ghz(2, 2000))
    cal = calibration(12, ((0, 1),), two_qubit=0.05, readout=0.03, when="2025-02-01T00:00:00Z")
    noisy = runner.execute(runner.prepare(AQT_QPU, job, {}, 2000), seed=4, noise=cal).native_result["counts"]
    assert 0.8 < bell_fidelity(noisy) < 0.99
    ideal = runner.execute(runner.prepare(AQT, job, {}, 2000), seed=4, noise=cal).native_result["counts"]
    assert bell_fidelity(ideal) == 1.0  # a simulator ignores calibrations


def test_noise_model_skips_non_operational_entries_and_caches_per_calibration() -> None:
    clear_noise_cache()
    dead = calibration(2, (), readout=0.0, when="2025-03-01T00:00:00Z")
    dead["calibration"]["qubits"][0].update(operational=False, readout_error=0.5)
    dead["calibration"]["qubits"][1]["readout_error"] = 0.5
    model = noise_model(IQM, dead)
    assert model is not None
    assert model is noise_model(IQM, dead)  # cached for the same backend and instant

    circuit = QuantumCircuit(2, 2)
    circuit.measure([0, 1], [0, 1])
    (shot_bits,) = sample_bits([circuit], 1000, seed=1, noise_model=model)
    assert shot_bits[:, 0].sum() == 0  # the dead qubit's readout error is ignored
    assert 350 < shot_bits[:, 1].sum() < 650  # the live one flips about half the time


def test_noise_model_is_none_without_a_calibration_or_for_simulators() -> None:
    assert noise_model(IQM, None) is None
    assert noise_model(AQT, calibration(2, ())) is None
    assert noise_model(IQM, {"calibrated_at": "x", "calibration": {"type": "quera_aquila"}}) is None
    assert (
        noise_model(IQM, calibration(2, (), one_qubit=0.0, two_qubit=0.0, readout=0.0, when="none")) is None
    )
