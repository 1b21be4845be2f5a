"""Checks in the spirit of Qiskit's own tests of its V2 samplers (written anew here), on every kind of
backend: PUBs with different shots in one run, an empty classical register, NumPy parameter values,
registers of different sizes, and bad PUBs refused at ``run``."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister

from qhub_providers.qiskit import HubBackend, SamplerV2

from .support import SEED, THETA, entangler, fit


def _ones(width: int) -> QuantumCircuit:
    circuit = QuantumCircuit(width, width)
    circuit.x(range(width))
    circuit.measure(range(width), range(width))
    return circuit


def test_pubs_with_different_shots_in_one_run(backend: HubBackend) -> None:
    isa = fit(_ones(2), backend)
    results = SamplerV2(mode=backend, options={"seed_simulator": SEED}).run(
        [(isa, None, 30), (isa, None, 70)]
    )
    first, second = results.result(timeout=120)
    assert first.data.c.num_shots == 30
    assert second.data.c.num_shots == 70
    assert first.metadata["shots"] == 30


def test_an_empty_register_is_kept_empty(backend: HubBackend) -> None:
    qubits = QuantumRegister(2, "q")
    full, empty = ClassicalRegister(2, "full"), ClassicalRegister(0, "empty")
    circuit = QuantumCircuit(qubits, full, empty)
    circuit.x(0)
    circuit.measure(qubits, full)
    (result,) = SamplerV2(mode=backend).run([fit(circuit, backend)], shots=40).result(timeout=120)
    assert result.data.empty.num_bits == 0
    counts = result.data.full.get_counts()
    assert max(counts, key=counts.__getitem__) == "01"


def test_numpy_parameter_values_and_their_shape(backend: HubBackend) -> None:
    values = np.array([[[0.0, 0.0]], [[np.pi, 0.0]]])  # shape (2, 1) of (theta, phi)
    (result,) = (
        SamplerV2(mode=backend, options={"seed_simulator": SEED})
        .run([(fit(entangler(), backend), values)], shots=200)
        .result(timeout=120)
    )
    assert result.data.c.shape == (2, 1)
    zero = result.data.c[0, 0].get_counts()
    assert max(zero, key=zero.__getitem__) == "00"
    assert result.data.c[1, 0].get_counts().get("00", 0) < 60  # theta = pi flips qubit 0


def test_registers_of_different_sizes(backend: HubBackend) -> None:
    qubits = QuantumRegister(4, "q")
    small, large = ClassicalRegister(1, "small"), ClassicalRegister(3, "large")
    circuit = QuantumCircuit(qubits, small, large)
    circuit.x(qubits[1])
    circuit.x(qubits[3])
    circuit.measure(qubits[0], small[0])
    circuit.measure(qubits[1:], large)
    (result,) = SamplerV2(mode=backend).run([fit(circuit, backend)], shots=100).result(timeout=120)
    large_counts = result.data.large.get_counts()
    assert max(large_counts, key=large_counts.__getitem__) == "101"
    joined = result.join_data().get_counts()
    assert max(joined, key=joined.__getitem__) == "1010"


def test_bad_pubs_are_refused_at_run(backend: HubBackend) -> None:
    sampler = SamplerV2(mode=backend)
    isa = fit(entangler(), backend)
    with pytest.raises(ValueError):
        sampler.run([(isa, [0.0])])  # two parameters, one value
    with pytest.raises(ValueError):
        sampler.run([(fit(_ones(1), backend), None, -5)])
    with pytest.raises(ValueError):
        sampler.run([])
    assert THETA in entangler().parameters
