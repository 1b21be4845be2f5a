"""Qiskit's tutorial flows end to end on the local Hub, judged against Aer and exact values: Hello world
(Bell state observables), a small VQE in a session, QAOA for MaxCut, and a dynamic circuit."""

from __future__ import annotations

from contextlib import nullcontext

import numpy as np
import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import Parameter
from qiskit.circuit.library import QAOAAnsatz
from qiskit.primitives import BackendSamplerV2, StatevectorEstimator
from qiskit.quantum_info import SparsePauliOp
from qiskit_aer import AerSimulator
from scipy.optimize import minimize

from qhub_providers.qiskit import EstimatorV2, HubBackend, HubQiskitProvider, SamplerV2, Session

from .support import IBM, SEED, fit, tolerance


def test_hello_world_bell_observables(backend: HubBackend) -> None:
    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    labels = ["IZ", "IX", "ZI", "XI", "ZZ", "XX"]
    isa = fit(bell, backend)
    observables = [SparsePauliOp(label).apply_layout(isa.layout) for label in labels]
    estimator = EstimatorV2(mode=backend)
    estimator.options.resilience_level = 1  # as the tutorial sets it; applied on IBM, "on" elsewhere warns
    estimator.options.default_shots = 2000
    warns = pytest.warns(UserWarning, match="resilience_level") if backend.name != IBM else nullcontext()
    with warns:
        job = estimator.run([(isa, observables)])
    (result,) = job.result(timeout=180)
    (exact,) = StatevectorEstimator().run([(bell, [SparsePauliOp(label) for label in labels])]).result()
    np.testing.assert_allclose(result.data.evs, exact.data.evs, atol=tolerance(backend, 0.08, 0.2))


def _ansatz() -> QuantumCircuit:
    a, b = Parameter("a"), Parameter("b")
    circuit = QuantumCircuit(2)
    circuit.ry(a, 0)
    circuit.ry(b, 1)
    circuit.cx(0, 1)
    return circuit


HAMILTONIAN = SparsePauliOp.from_list([("ZZ", 1.0), ("XI", -0.6), ("IX", -0.6)])


def test_vqe_in_a_session_reaches_the_ground_energy(provider: HubQiskitProvider) -> None:
    backend = provider.get_backend("aws.sim.sv1")
    ground = float(np.min(np.linalg.eigvalsh(HAMILTONIAN.to_matrix())))
    isa = fit(_ansatz(), backend)
    observable = HAMILTONIAN.apply_layout(isa.layout)
    energies: list[float] = []
    with Session(backend=backend) as session:
        estimator = EstimatorV2(mode=session, options={"default_precision": 0.02, "seed_simulator": SEED})

        def cost(values: np.ndarray) -> float:
            (result,) = estimator.run([(isa, observable, values)]).result(timeout=120)
            energies.append(float(result.data.evs))
            return energies[-1]

        found = minimize(cost, x0=np.array([0.3, -0.2]), method="COBYLA", options={"maxiter": 30})
    # The ansatz cannot reach every state; compare with its best on an exact estimator.
    exact = StatevectorEstimator()
    best = minimize(
        lambda v: float(exact.run([(_ansatz(), HAMILTONIAN, v)]).result()[0].data.evs),
        x0=np.array([0.3, -0.2]),
        method="COBYLA",
        options={"maxiter": 200},
    )
    assert best.fun >= ground - 1e-9
    assert found.fun < best.fun + 0.1
    assert len(energies) >= 10


def test_qaoa_maxcut_samples_like_aer(provider: HubQiskitProvider) -> None:
    backend = provider.get_backend("kipu.sim.qsim")
    edges = [(0, 1), (1, 2), (2, 3), (3, 0)]
    cost = SparsePauliOp.from_sparse_list([("ZZ", list(edge), 0.5) for edge in edges], num_qubits=4)
    ansatz = QAOAAnsatz(cost, reps=1)
    ansatz.measure_all()
    values = _best_point(ansatz, edges)
    isa = fit(ansatz, backend)
    (ours,) = (
        SamplerV2(mode=backend, options={"seed_simulator": SEED})
        .run([(isa, values)], shots=4000)
        .result(timeout=120)
    )
    (aers,) = (
        BackendSamplerV2(backend=AerSimulator(), options={"seed_simulator": SEED})
        .run([(isa, values)], shots=4000)
        .result()
    )
    counts, expected = ours.data.meas.get_counts(), aers.data.meas.get_counts()
    distance = (
        0.5 * sum(abs(counts.get(k, 0) - expected.get(k, 0)) for k in set(counts) | set(expected)) / 4000
    )
    assert distance < 0.06
    top = max(counts, key=counts.__getitem__)
    assert top in ("0101", "1010")  # the two maximum cuts


def _best_point(ansatz: QuantumCircuit, edges: list[tuple[int, int]]) -> list[float]:
    """The grid point of the p = 1 landscape with the largest expected cut, from exact probabilities."""
    from qiskit.quantum_info import Statevector

    unitary = ansatz.remove_final_measurements(inplace=False)
    cuts = np.array([sum(((k >> a) & 1) != ((k >> b) & 1) for a, b in edges) for k in range(16)])
    grid = np.linspace(0.1, np.pi - 0.1, 12)
    scored = [
        (float(Statevector(unitary.assign_parameters([beta, gamma])).probabilities() @ cuts), [beta, gamma])
        for beta in grid
        for gamma in grid
    ]
    return max(scored, key=lambda item: item[0])[1]


def test_dynamic_circuit_on_ibm_matches_aer(provider: HubQiskitProvider) -> None:
    backend = provider.get_backend(IBM)
    qubits, flag, out = QuantumRegister(2, "q"), ClassicalRegister(1, "flag"), ClassicalRegister(1, "out")
    circuit = QuantumCircuit(qubits, flag, out)
    circuit.h(0)
    circuit.measure(0, flag[0])
    with circuit.if_test((flag, 1)):  # copy the mid-circuit outcome onto qubit 1
        circuit.x(1)
    circuit.measure(1, out[0])
    isa = fit(circuit, backend)
    (ours,) = (
        SamplerV2(mode=backend, options={"seed_simulator": SEED}).run([isa], shots=2000).result(timeout=120)
    )
    joined = ours.join_data().get_counts()
    (aers,) = (
        BackendSamplerV2(backend=AerSimulator(), options={"seed_simulator": SEED})
        .run([isa], shots=2000)
        .result()
    )
    expected = aers.join_data().get_counts()
    assert set(expected) == {"00", "11"}
    distance = (
        0.5 * sum(abs(joined.get(k, 0) - expected.get(k, 0)) for k in set(joined) | set(expected)) / 2000
    )
    assert distance < 0.1  # sampling, plus the device's noise
    assert joined.get("11", 0) + joined.get("00", 0) > 0.9 * 2000
