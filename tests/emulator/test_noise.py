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
        assert channel is not None
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
