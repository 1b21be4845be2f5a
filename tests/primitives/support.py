"""Constants and helpers of the primitives' tests (fixtures are in ``conftest.py``)."""

from __future__ import annotations

from typing import Any

import numpy as np
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister, transpile
from qiskit.circuit import Parameter
from qiskit.quantum_info import Statevector

from qhub_providers.qiskit import HubBackend

IBM = "ibm.qpu.fez"
"""An IBM backend: primitives run natively there (Qiskit Runtime sampler and estimator jobs), with noise."""
SIMULATORS = ("aws.sim.sv1", "kipu.sim.qsim")
"""Noise-free non-IBM simulators: primitives run through Qiskit's backend primitives over ``backend.run``."""
ALL = (IBM, *SIMULATORS)
SESSION_BACKENDS = (IBM, "aws.sim.sv1")
"""A native and a delegated backend that both take sessions (kipu.sim.qsim does not)."""
SEED = 1234

THETA = Parameter("angle")
PHI = Parameter("phase")
"""Named so that Qiskit's parameter order (by name) is theta, then phi: sweep columns follow it."""


def entangler(measure: bool = True) -> QuantumCircuit:
    """``ry(theta)`` then ``rz(phi)`` on qubit 0, entangled with qubit 1: outcomes depend on both."""
    circuit = QuantumCircuit(2, 2 if measure else 0)
    circuit.ry(THETA, 0)
    circuit.rz(PHI, 0)
    circuit.cx(0, 1)
    circuit.ry(THETA / 2, 1)
    if measure:
        circuit.measure([0, 1], [0, 1])
    return circuit


def two_registers() -> QuantumCircuit:
    """Three qubits in a known state, measured into registers ``alpha`` (1 bit) and ``beta`` (2 bits)."""
    qubits = QuantumRegister(3, "q")
    alpha, beta = ClassicalRegister(1, "alpha"), ClassicalRegister(2, "beta")
    circuit = QuantumCircuit(qubits, alpha, beta)
    circuit.x(0)
    circuit.x(2)
    circuit.measure(0, alpha[0])
    circuit.measure([1, 2], [beta[0], beta[1]])
    return circuit


def fit(circuit: QuantumCircuit, backend: HubBackend) -> Any:
    """``circuit`` transpiled for ``backend``, reproducibly (primitives take ISA circuits only)."""
    return transpile(circuit, backend, seed_transpiler=SEED, optimization_level=1)


def exact_probabilities(values: np.ndarray) -> np.ndarray:
    """Exact outcome probabilities (index = outcome as an integer) of ``entangler`` at each point of a
    sweep ``values`` of shape ``sweep + (2,)`` (theta, phi)."""
    flat = values.reshape(-1, 2)
    circuit = entangler(measure=False)
    rows = [
        Statevector(circuit.assign_parameters({THETA: theta, PHI: phi})).probabilities()
        for theta, phi in flat
    ]
    return np.array(rows).reshape(*values.shape[:-1], 4)


def tolerance(backend: HubBackend, simulator: float, noisy: float) -> float:
    """Generous bounds: sampling error only on simulators; device noise on top of it on IBM."""
    return noisy if backend.name == IBM else simulator
