"""Qiskit's generic primitives on our backends give the exact values within statistical error.

``BackendSamplerV2`` reads per-shot hex memory by clbit; ``BackendEstimatorV2`` splits counts keys by
register. Both return silently wrong numbers when a backend's ``Result`` is misshaped, so these tests compare
them with Qiskit's statevector primitives on circuits with parameters and several classical registers, with
observables laid out onto the device (``obs.apply_layout(isa.layout)``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import Parameter
from qiskit.primitives import (
    BackendEstimatorV2,
    BackendSamplerV2,
    StatevectorEstimator,
    StatevectorSampler,
)
from qiskit.quantum_info import SparsePauliOp
from qiskit.transpiler import generate_preset_pass_manager

from qhub_providers.qiskit import HubBackend, HubQiskitProvider

from .support import QPUS, SEED

SAMPLER_SHOTS = 1500  # within every backend's shot range (AQT allows 2000)
ESTIMATOR_PRECISION = 0.03  # ceil(1 / 0.03**2) = 1112 shots per circuit
ANGLES = np.array([[0.0], [math.pi / 3], [math.pi / 2], [2.0]])


def two_register_circuit() -> QuantumCircuit:
    """ry(θ) on qubit 0, copied onto qubit 1, qubit 2 flipped; registers alpha (1 bit) and beta (2 bits)."""
    theta = Parameter("theta")
    qubits = QuantumRegister(3, "q")
    alpha, beta = ClassicalRegister(1, "alpha"), ClassicalRegister(2, "beta")
    circuit = QuantumCircuit(qubits, alpha, beta, name="sampled")
    circuit.ry(theta, 0)
    circuit.cx(0, 1)
    circuit.x(2)
    circuit.measure(qubits[1], alpha[0])
    circuit.measure(qubits[2], beta[0])  # always 1
    circuit.measure(qubits[0], beta[1])  # equals alpha
    return circuit


def distributions(result: object, register: str, count: int) -> list[dict[str, float]]:
    """Per parameter value, the normalised distribution of one register of a sampler pub result."""
    data = getattr(result, "data")  # noqa: B009 - PubResult.data is typed loosely
    bits = getattr(data, register)
    out = []
    for index in range(count):
        counts = bits[index].get_counts()
        total = sum(counts.values())
        out.append({key: value / total for key, value in counts.items()})
    return out


def total_variation(p: dict[str, float], q: dict[str, float]) -> float:
    return 0.5 * sum(abs(p.get(k, 0.0) - q.get(k, 0.0)) for k in set(p) | set(q))


def test_sampler_matches_the_statevector_sampler(ideal_backend: HubBackend) -> None:
    circuit = two_register_circuit()
    isa = generate_preset_pass_manager(optimization_level=1, backend=ideal_backend, seed_transpiler=SEED).run(
        circuit
    )
    sampler = BackendSamplerV2(backend=ideal_backend, options={"seed_simulator": SEED})
    (ours,) = sampler.run([(isa, ANGLES)], shots=SAMPLER_SHOTS).result()
    (exact,) = StatevectorSampler(seed=SEED).run([(circuit, ANGLES)], shots=40_000).result()
    for register in ("alpha", "beta"):
        for got, want in zip(
            distributions(ours, register, len(ANGLES)),
            distributions(exact, register, len(ANGLES)),
            strict=True,
        ):
            # Sampling error of 1500 shots on at most two outcomes: well under 0.06.
            assert total_variation(got, want) < 0.06, (register, got, want)
    # beta's clbit 0 is always 1 and its clbit 1 always equals alpha: a misplaced bit would show here.
    for index in range(len(ANGLES)):
        alphas = ours.data.alpha[index].get_bitstrings()
        betas = ours.data.beta[index].get_bitstrings()
        assert all(b == f"{a}1" for a, b in zip(alphas, betas, strict=True))
    assert ours.data.alpha.num_shots == SAMPLER_SHOTS


def estimator_circuit(with_register: bool) -> QuantumCircuit:
    theta = Parameter("theta")
    qubits = QuantumRegister(2, "q")
    circuit = QuantumCircuit(qubits, name="estimated")
    if with_register:
        # A register of the user's own: the estimator's register comes first in the counts keys.
        circuit.add_register(ClassicalRegister(2, "own"))
    circuit.ry(theta, 0)
    circuit.cx(0, 1)
    circuit.x(1)
    return circuit


OBSERVABLES = [
    SparsePauliOp("ZI"),
    SparsePauliOp("IZ"),
    SparsePauliOp("ZZ"),
    SparsePauliOp("XX"),
    SparsePauliOp.from_list([("YY", 0.5), ("XI", -1.0)]),
]


@pytest.mark.parametrize("with_register", [False, True], ids=["no-creg", "own-creg"])
def test_estimator_matches_the_statevector_estimator(ideal_backend: HubBackend, with_register: bool) -> None:
    circuit = estimator_circuit(with_register)
    isa = generate_preset_pass_manager(optimization_level=1, backend=ideal_backend, seed_transpiler=SEED).run(
        circuit
    )
    angles = np.array([0.0, 1.0, math.pi / 2])
    observables = [[obs.apply_layout(isa.layout)] for obs in OBSERVABLES]
    exact_observables = [[obs] for obs in OBSERVABLES]
    estimator = BackendEstimatorV2(
        backend=ideal_backend, options={"seed_simulator": SEED, "default_precision": ESTIMATOR_PRECISION}
    )
    (ours,) = estimator.run([(isa, observables, angles)]).result()
    (exact,) = StatevectorEstimator().run([(circuit, exact_observables, angles)]).result()
    got, want = np.asarray(ours.data.evs), np.asarray(exact.data.evs)
    assert got.shape == want.shape == (len(OBSERVABLES), len(angles))
    # Five standard deviations of a ±1 observable estimated from 1112 shots.
    assert np.max(np.abs(got - want)) < 0.16, (got, want)
    # A register mix-up flips signs: at θ = 0, ⟨Z1⟩ ("ZI") is exactly -1 (qubit 1 was flipped), ⟨Z0⟩ +1.
    assert got[0, 0] == pytest.approx(-1.0, abs=1e-9)
    assert got[1, 0] == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("backend_id", QPUS)
def test_primitives_on_emulated_qpus_within_loose_bounds(
    backend_id: str, provider: HubQiskitProvider
) -> None:
    backend = provider.get_backend(backend_id)
    bell = QuantumCircuit(2, name="bell")
    bell.h(0)
    bell.cx(0, 1)
    isa = generate_preset_pass_manager(optimization_level=1, backend=backend, seed_transpiler=SEED).run(bell)
    estimator = BackendEstimatorV2(
        backend=backend, options={"seed_simulator": SEED, "default_precision": 0.05}
    )
    observables = [SparsePauliOp(label).apply_layout(isa.layout) for label in ("ZZ", "XX", "ZI")]
    (evs,) = estimator.run([(isa, observables)]).result()
    zz, xx, zi = (float(v) for v in evs.data.evs)
    assert zz > 0.7
    assert xx > 0.6
    assert abs(zi) < 0.25

    measured = bell.copy()
    measured.measure_all()
    isa_measured = generate_preset_pass_manager(
        optimization_level=1, backend=backend, seed_transpiler=SEED
    ).run(measured)
    sampler = BackendSamplerV2(backend=backend, options={"seed_simulator": SEED})
    (sampled,) = sampler.run([isa_measured], shots=400).result()
    counts = sampled.data.meas.get_counts()
    assert (counts.get("00", 0) + counts.get("11", 0)) / 400 >= 0.8
    assert min(counts.get("00", 0), counts.get("11", 0)) / 400 >= 0.3
