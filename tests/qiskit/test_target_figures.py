"""Targets carry what the Hub knows: every instruction of a QPU has an error and a duration (gates the
device compiles take the figures of the gates it runs them as), qubits have T1 and T2, so that Aer's
``from_backend``, noise-aware layout and scheduling work on every QPU family."""

from __future__ import annotations

import pytest
from qiskit import QuantumCircuit, transpile
from qiskit_aer import AerSimulator

from qhub_providers.qiskit import HubQiskitProvider

from .support import SEED

QPUS = ("aws.ionq.forte", "aws.rigetti.cepheus", "iqm.qpu.garnet", "aqt.qpu.ibex")


def _ghz(n: int) -> QuantumCircuit:
    circuit = QuantumCircuit(n, n)
    circuit.h(0)
    for q in range(n - 1):
        circuit.cx(q, q + 1)
    circuit.measure(range(n), range(n))
    return circuit


@pytest.mark.parametrize("backend_id", QPUS)
def test_every_gate_and_measurement_has_an_error_and_a_duration(
    provider: HubQiskitProvider, backend_id: str
) -> None:
    target = provider.get_backend(backend_id).target
    missing = [
        (name, qargs)
        for name in target.operation_names
        if name not in ("barrier", "delay") and not isinstance(target.operation_from_name(name), type)
        for qargs, properties in (target[name] or {}).items()
        if properties is None or properties.error is None or properties.duration is None
    ]
    assert missing == []
    assert target.qubit_properties is not None
    assert all(p.t1 and p.t2 for p in target.qubit_properties)


def test_gates_a_device_compiles_are_not_taken_for_perfect_ones(provider: HubQiskitProvider) -> None:
    target = provider.get_backend("aws.ionq.forte").target  # natives gpi, gpi2, zz (Qiskit rzz)
    native = target["rzz"][(0, 1)]
    compiled = target["cx"][(0, 1)]
    assert native is not None
    assert compiled is not None
    assert compiled.error is not None
    assert compiled.error >= native.error > 0


@pytest.mark.parametrize("backend_id", QPUS)
def test_alap_scheduling_works(provider: HubQiskitProvider, backend_id: str) -> None:
    backend = provider.get_backend(backend_id)
    isa = transpile(_ghz(3), backend, scheduling_method="alap", seed_transpiler=SEED)
    assert isa.op_start_times  # scheduled


# IonQ's 36 all-to-all qubits make Aer build a noise model of thousands of errors (minutes): the
# smaller devices stand for it.
@pytest.mark.parametrize("backend_id", ["aws.rigetti.cepheus", "iqm.qpu.garnet", "aqt.qpu.ibex"])
def test_aer_from_backend_simulates_the_device(provider: HubQiskitProvider, backend_id: str) -> None:
    backend = provider.get_backend(backend_id)
    simulator = AerSimulator.from_backend(backend)
    isa = transpile(_ghz(3), backend, seed_transpiler=SEED)
    counts = simulator.run(isa, shots=200, seed_simulator=SEED).result().get_counts()
    assert counts.get("000", 0) + counts.get("111", 0) > 150
