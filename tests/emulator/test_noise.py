"""The noise model a calibration gives every Aer-simulated QPU, judged by Qiskit and Aer themselves.

- Each gate's channel has the calibrated error as its average gate infidelity (Qiskit's own
  ``average_gate_fidelity``), with thermal relaxation as part of it; the Pauli twirl keeps that figure.
- Noisy Clifford circuits (simulated by Pauli frames over one ideal stabilizer run) give the distribution
  Aer gives when it simulates the same Pauli channels shot by shot.
- Relaxation is real: an excited qubit left idle for T1 decays towards |0>; GHZ correlations fall as the
  state grows.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import average_gate_fidelity
from qiskit_aer import AerSimulator

from qhub_providers.emulator.catalog import get_spec
from qhub_providers.emulator.runners.circuits import for_aer, sample_bits
from qhub_providers.emulator.runners.noise import DeviceNoise, noise_model

NOON = datetime(2026, 3, 2, 12, tzinfo=UTC)


def device(backend_id: str) -> tuple[Any, DeviceNoise]:
    spec = get_spec(backend_id)
    assert spec is not None
    assert spec.calibration_at is not None
    model = noise_model(spec, spec.calibration_at(NOON))
    assert model is not None
    return spec, model


@pytest.mark.parametrize(
    ("backend_id", "gate", "qubits"),
    [
        ("iqm.qpu.emerald", "r", (0,)),
        ("iqm.qpu.emerald", "cz", (0, 1)),
        ("ibm.qpu.fez", "sx", (3,)),
        ("aqt.qpu.ibex", "rxx", (0, 1)),
    ],
)
def test_each_gate_channel_has_the_calibrated_error(
    backend_id: str, gate: str, qubits: tuple[int, ...]
) -> None:
    spec, model = device(backend_id)
    calibration = spec.calibration_at(NOON)["calibration"]
    if len(qubits) == 1:
        entry = next(q for q in calibration["qubits"] if q["qubit"] == qubits[0])
    else:
        entry = next(p for p in calibration["qubit_pairs"] if p["qubits"] == list(qubits))
    expected = entry["gates"][gate]["error"]
    for pauli in (False, True):
        channel = model.gate_error(gate, qubits, pauli=pauli)
        assert channel is not None
        infidelity = 1 - average_gate_fidelity(channel)
        assert infidelity == pytest.approx(expected, rel=1e-6)
    # Relaxation is part of it: the exact channel is not a mixture of Paulis when T1 is finite.
    exact, twirled = model.gate_error(gate, qubits), model.gate_error(gate, qubits, pauli=True)
    assert exact is not None
    assert twirled is not None
    assert exact.to_quantumchannel() != twirled.to_quantumchannel()


def noisy_clifford_circuit() -> QuantumCircuit:
    """A Clifford circuit and its inverse: ideally always 0000, so every error that reaches a
    measurement shows, and where it shows depends on how the gates move it."""
    circuit = QuantumCircuit(4)
    circuit.h(0)
    circuit.s(1)
    circuit.sx(2)
    circuit.cx(0, 1)
    circuit.cz(1, 2)
    circuit.cy(2, 3)
    circuit.swap(0, 3)
    circuit.rz(math.pi / 2, 2)
    circuit.h([1, 2, 3])
    circuit.cx(2, 0)
    circuit.cz(3, 1)
    circuit.sx(0)
    circuit.h(1)
    circuit.compose(circuit.inverse(), inplace=True)
    circuit.measure_all()
    return circuit


def strong_noise() -> DeviceNoise:
    """Four qubits, all pairs coupled, with errors large enough that a wrong frame rule shows."""
    spec = get_spec("iqm.qpu.emerald")
    assert spec is not None
    qubits = [
        {
            "qubit": q,
            "t1_us": 30.0,
            "t2_us": 20.0,
            "readout_error": 0.0,
            "gates": {"r": {"error": 0.01, "length_ns": 200.0}},
        }
        for q in range(4)
    ]
    pairs = [
        {"qubits": [a, b], "gates": {"cz": {"error": 0.04, "length_ns": 400.0}}}
        for a in range(4)
        for b in range(a + 1, 4)
    ]
    model = noise_model(spec, {"type": "gate_based", "qubits": qubits, "qubit_pairs": pairs})
    assert model is not None
    return model


def test_pauli_frames_give_what_aer_gives_with_the_same_channels() -> None:
    model = strong_noise()
    circuit = noisy_clifford_circuit()
    shots = 100_000
    (frames,) = sample_bits([circuit], shots, seed=11, noise_model=model)

    # Aer's exact distribution of the same circuit with the same (twirled) channels after each gate.
    reference = QuantumCircuit(4)
    for instruction in circuit.data:
        if instruction.operation.name in ("measure", "barrier"):
            continue
        reference.append(instruction.operation, instruction.qubits)
        qubits = tuple(circuit.find_bit(q).index for q in instruction.qubits)
        channel = model.gate_error(instruction.operation.name, qubits, pauli=True)
        if channel is not None:  # rotations about Z are phase-frame changes, without error
            reference.append(channel, instruction.qubits)
    reference = for_aer(reference)
    reference.save_probabilities()
    exact = AerSimulator(method="density_matrix").run(reference).result().data()["probabilities"]

    values = frames.astype(np.int64) @ (1 << np.arange(4))
    measured = np.bincount(values, minlength=16) / shots
    assert 0.3 < exact[0] < 0.9  # noisy enough that a wrong frame rule would show
    for outcome in range(16):
        spread = math.sqrt(exact[outcome] * (1 - exact[outcome]) / shots)
        assert abs(measured[outcome] - exact[outcome]) < 5 * spread + 1e-3, outcome


def test_rotations_about_z_are_perfect_unless_the_calibration_names_them() -> None:
    _spec, model = device("iqm.qpu.emerald")
    assert model.gate_error("rz", (0,)) is None
    assert model.gate_error("s", (0,)) is None
    assert model.gate_error("sx", (0,)) is not None  # an unnamed pulse gets the worst one-qubit error


def test_an_excited_idle_qubit_relaxes_towards_zero() -> None:
    _spec, model = device("iqm.qpu.emerald")
    t1_ns = model.qubits[0].t1_ns
    assert t1_ns is not None
    t1_us = t1_ns / 1e3
    circuit = QuantumCircuit(1, 1)
    circuit.x(0)
    circuit.rz(0.3, 0)  # not Clifford: the exact (not twirled) relaxation applies
    circuit.delay(t1_us, 0, unit="us")
    circuit.measure(0, 0)
    (bits,) = sample_bits([circuit], 4000, seed=2, noise_model=model)
    decayed = 1 - bits.mean()
    # After one T1 an excited qubit is found in |0> with probability 1 - 1/e, readout errors aside.
    assert decayed == pytest.approx(1 - math.exp(-1), abs=0.05)


def test_ghz_correlations_fall_as_the_state_grows() -> None:
    _, model = device("iqm.qpu.emerald")

    def agreement(size: int) -> float:
        circuit = QuantumCircuit(size, size)
        circuit.h(0)
        for qubit in range(size - 1):
            circuit.cx(qubit, qubit + 1)
        circuit.measure(range(size), range(size))
        (bits,) = sample_bits([circuit], 4000, seed=size, noise_model=model)
        weights = bits.sum(axis=1)
        return float(np.mean((weights == 0) | (weights == size)))

    small, large = agreement(3), agreement(20)
    assert small > large + 0.05
    assert large > 0.3  # still mostly a GHZ state


def braket_ghz(size: int) -> str:
    lines = ["OPENQASM 3.0;", f"qubit[{size}] q;", f"bit[{size}] b;", "h q[0];"]
    # Plain cnot: Rigetti's capabilities list no gate modifiers, so the local Hub refuses `ctrl @ x` there.
    lines += [f"cnot q[{k}], q[{k + 1}];" for k in range(size - 1)]
    return "\n".join([*lines, "b = measure q;"]) + "\n"


def test_aws_qpus_share_the_model_and_ghz_correlations_fall_with_size() -> None:
    from qhub_providers.emulator.runners.braket_qasm import BraketQasmRunner

    spec = get_spec("aws.rigetti.cepheus")
    assert spec is not None
    assert spec.calibration_at is not None
    runner = BraketQasmRunner()

    def agreement(size: int) -> float:
        prepared = runner.prepare(spec, braket_ghz(size), {}, 2000)
        native = runner.execute(prepared, seed=size, noise=spec.calibration_at(NOON)).native_result
        bits = np.asarray(native["measurements"])
        assert native["measuredQubits"] == list(range(size))
        weights = bits.sum(axis=1)
        return float(np.mean((weights == 0) | (weights == size)))

    small, large = agreement(3), agreement(12)
    assert 0.9 < small < 1.0
    assert 0.3 < large < small - 0.05


# --- noisy trajectories, judged by Aer's density matrix and Braket's simulator ---------------------------

TRAJECTORY_QUBITS = 6
READOUT_UP, READOUT_DOWN = 0.06, 0.12  # P(read 1 | 0), P(read 0 | 1)


def trajectory_noise() -> DeviceNoise:
    """Six qubits in a chain with strong noise. T2 is above T1 on odd qubits (Aer's relaxation is then a
    Kraus map, drawn shot by shot) and below it on even ones (a mixture with resets, drawn per
    trajectory); readout flips are asymmetric."""
    spec = get_spec("aws.rigetti.cepheus")
    assert spec is not None
    qubits = [
        {
            "qubit": q,
            "t1_us": 50.0,
            "t2_us": 80.0 if q % 2 else 30.0,
            "prob_meas1_prep0": READOUT_UP,
            "prob_meas0_prep1": READOUT_DOWN,
            "gates": {"rx": {"error": 0.02, "length_ns": 300.0}, "rz": {"error": 0.0, "length_ns": 0.0}},
        }
        for q in range(TRAJECTORY_QUBITS)
    ]
    pairs = [
        {"qubits": [q, q + 1], "gates": {"cz": {"error": 0.08, "length_ns": 600.0}}}
        for q in range(TRAJECTORY_QUBITS - 1)
    ]
    model = noise_model(spec, {"type": "gate_based", "qubits": qubits, "qubit_pairs": pairs})
    assert model is not None
    return model


def trajectory_circuit() -> QuantumCircuit:
    """Rotations at angles that are not multiples of pi/2 around two layers of CZ (not Clifford)."""
    n = TRAJECTORY_QUBITS
    circuit = QuantumCircuit(n)
    for q in range(n):
        circuit.rx(0.5 + 0.1 * q, q)
    for q in range(n - 1):
        circuit.cz(q, q + 1)
    for q in range(n):
        circuit.rz(0.7, q)
        circuit.rx(-0.5 - 0.1 * q, q)
    for q in range(0, n - 1, 2):
        circuit.cz(q, q + 1)
    for q in range(n):
        circuit.rx(0.3, q)
    return circuit


def with_readout(probabilities: np.ndarray, num_qubits: int) -> np.ndarray:
    """Outcome probabilities (qubit 0 = least significant bit) after independent readout flips."""
    confusion = np.array([[1 - READOUT_UP, READOUT_DOWN], [READOUT_UP, 1 - READOUT_DOWN]])  # [read, prepared]
    tensor = np.asarray(probabilities, dtype=float).reshape([2] * num_qubits)  # axis 0 is the last qubit
    for qubit in range(num_qubits):
        axis = num_qubits - 1 - qubit
        tensor = np.moveaxis(np.tensordot(confusion, tensor, axes=([1], [axis])), 0, axis)
    return tensor.reshape(-1)


@pytest.mark.slow
def test_noisy_trajectories_sample_the_density_matrix_distribution() -> None:
    model = trajectory_noise()
    circuit = trajectory_circuit()
    n = circuit.num_qubits
    # Aer's exact density matrix under the same channels (Aer places them by gate name), then readout.
    reference = circuit.copy()
    reference.save_probabilities(label="probabilities")
    aer_model = model.aer_noise_model(["rx", "rz", "cz"])
    noisy = AerSimulator(method="density_matrix", noise_model=aer_model).run(reference).result()
    exact = with_readout(noisy.data()["probabilities"], n)
    ideal = AerSimulator(method="statevector").run(reference).result().data()["probabilities"]
    gates_ideal = with_readout(ideal, n)  # what a run without gate noise would give

    measured = circuit.copy()
    measured.measure_all()
    for shots, trajectories in ((1500, 1500), (6000, 1500)):
        # max_density_matrix_qubits=0 sends this small circuit down the path wide circuits take.
        (bits,) = sample_bits(
            [measured],
            shots,
            seed=21,
            noise_model=model,
            trajectories=trajectories,
            max_density_matrix_qubits=0,
        )
        histogram = np.bincount(bits.astype(np.int64) @ (1 << np.arange(n)), minlength=1 << n) / shots
        distance = 0.5 * float(np.abs(histogram - exact).sum())
        # Each outcome's frequency has variance at most p/shots + p/trajectories (shots of a trajectory
        # share its gate errors), so E[TVD] <= sum(sqrt(var))/2; one trajectory (with its shots) moves
        # the TVD by at most 1/trajectories, so exceeding that by t has probability exp(-2 t^2 K) at most.
        spread = 1 / shots + (1 / trajectories if trajectories < shots else 0.0)
        bound = 0.5 * float(np.sqrt(exact * spread).sum()) + math.sqrt(math.log(1e6) / (2 * trajectories))
        assert distance < bound, (shots, trajectories, distance, bound)
        # The bound is tight enough to tell the gate noise apart.
        assert 0.5 * float(np.abs(histogram - gates_ideal).sum()) > bound


def test_noisy_trajectories_repeat_with_their_seed() -> None:
    model = trajectory_noise()
    measured = trajectory_circuit()
    measured.measure_all()

    def run(seed: int) -> np.ndarray:
        (bits,) = sample_bits([measured], 300, seed=seed, noise_model=model, max_density_matrix_qubits=0)
        return bits

    first = run(5)
    assert first.shape == (300, TRAJECTORY_QUBITS)
    assert np.array_equal(first, run(5))
    assert not np.array_equal(first, run(6))


# Braket's own simulators disagree with each other (and with ``ccnot``) on some programs where a gate with
# control modifiers follows other entangling gates (e.g. ``ctrl @ s`` then ``xy``, or ``ctrl @ ctrl @ x``
# after ``ccnot``), so modifiers appear early here.
BRAKET_GATES = """OPENQASM 3.0;
qubit[5] q;
h q[0]; cnot q[0], q[1]; rz(0.3) q[2]; ctrl @ rx(0.2) q[0], q[2]; U(0.1, 0.2, 0.3) q[1];
gpi(0.1) q[3]; gpi2(0.4) q[4]; ms(0.1, 0.2, 0.3) q[3], q[4]; phaseshift(0.4) q[1]; xx(0.3) q[0], q[2];
pow(0.5) @ x q[1]; inv @ s q[0]; prx(0.1, 0.2) q[4]; cphaseshift(0.3) q[1], q[2];
negctrl @ ry(0.7) q[4], q[1]; iswap q[2], q[3]; ecr q[0], q[4]; cv q[3], q[1]; yy(0.2) q[1], q[3];
zz(0.9) q[0], q[4]; v q[2]; vi q[3]; ti q[1]; t q[4]; si q[0]; cy q[2], q[0]; swap q[1], q[4];
ccnot q[0], q[1], q[2]; cswap q[4], q[3], q[2]; y q[1]; z q[2]; i q[0];
pow(0.3) @ rz(0.4) q[3]; xy(0.5) q[0], q[1]; cphaseshift01(0.2) q[2], q[3]; pswap(0.3) q[1], q[4];
"""


def test_braket_gates_find_their_qiskit_twins_by_matrix_alone() -> None:
    from braket.default_simulator.gate_operations import BRAKET_GATES as REGISTRY

    from qhub_providers.emulator.runners.braket_noise import _twins

    twins = {braket_name: _twins().get(operation_class) for braket_name, operation_class in REGISTRY.items()}
    named = {braket_name: twin[0] for braket_name, twin in twins.items() if twin is not None}
    # Qiskit's current names where an older alias has the same matrix; Braket's v is Qiskit's sx.
    assert {k: named[k] for k in ("phaseshift", "cphaseshift", "rz", "cv", "prx", "U")} == {
        "phaseshift": "p",
        "cphaseshift": "cp",
        "rz": "rz",
        "cv": "csx",
        "prx": "r",
        "U": "u",
    }
    assert twins["U"] == ("u", ("_theta", "_phi", "_lambda"))
    # No Qiskit gate has these matrices.
    assert not {"gpi", "gpi2", "ms", "pswap", "xy", "cphaseshift00", "unitary"} & set(named)
    assert len(named) == 30


def test_braket_programs_become_circuits_with_braket_s_own_probabilities() -> None:
    from braket.devices import LocalSimulator
    from braket.ir.openqasm import Program

    from qhub_providers.emulator.runners.braket_noise import program_circuit
    from qhub_providers.emulator.runners.circuits import probabilities

    qubits = list(range(5))
    circuit = program_circuit(BRAKET_GATES + "bit[5] b;\nb = measure q;\n", {}, qubits)
    names = set(circuit.count_ops())
    # Standard gates keep their names (so calibrated errors apply by name); the rest are matrices.
    assert {"h", "cx", "rz", "rxx", "r", "cp", "ecr", "ccx", "unitary"} <= names
    ours = probabilities(circuit.remove_final_measurements(inplace=False))
    pragma = "#pragma braket result probability " + ", ".join(f"q[{k}]" for k in qubits) + "\n"
    result = LocalSimulator().run(Program(source=BRAKET_GATES + pragma), shots=0).result()
    theirs = np.asarray(result.values[0])  # Braket: q[0] is the most significant bit
    mine = np.zeros(1 << 5)
    for index, probability in ours.items():
        mine[sum(((index >> k) & 1) << (4 - k) for k in qubits)] = probability
    assert np.allclose(mine, theirs, atol=1e-9)
