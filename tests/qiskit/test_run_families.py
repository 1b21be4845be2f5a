"""``transpile`` + ``backend.run`` on one backend of every gate-based family gives the numbers Qiskit users
expect, and circuits that do not fit are refused before any job exists.

Ideal simulators must give exactly the ideal outcomes; emulated QPUs carry calibrated noise, so their bounds
only demand that the right outcomes dominate.
"""

from __future__ import annotations

from math import pi

import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister, transpile
from qiskit.circuit import Parameter
from qiskit.circuit.library import get_standard_gate_name_mapping

from qhub_providers.emulator import LocalHub
from qhub_providers.qiskit import CircuitNotSupportedError, HubBackend, HubQiskitProvider

from .support import QPUS, SEED, fit, fraction, job_count, run_result

SHOTS = 400


def dominant(counts: dict[str, int], key: str, backend: HubBackend) -> None:
    """``key`` is the only outcome on a simulator, and the clear majority on an emulated QPU."""
    if backend.is_simulator:
        assert counts == {key: sum(counts.values())}
    else:
        assert fraction(counts, key) >= 0.8, counts


def bell() -> QuantumCircuit:
    circuit = QuantumCircuit(2, 2, name="bell")
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure([0, 1], [0, 1])
    return circuit


def test_bell_distribution(backend: HubBackend) -> None:
    counts = run_result(backend, bell(), shots=SHOTS).get_counts()
    assert sum(counts.values()) == SHOTS
    if backend.is_simulator:
        assert set(counts) == {"00", "11"}
    else:
        assert fraction(counts, "00", "11") >= 0.8, counts
    # Both halves of the superposition show up about equally (4 standard deviations is 0.1).
    assert 0.3 <= fraction(counts, "00") <= 0.65
    assert 0.3 <= fraction(counts, "11") <= 0.65


def test_ghz_distribution(backend: HubBackend) -> None:
    circuit = QuantumCircuit(3, name="ghz")
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.cx(1, 2)
    circuit.measure_all()
    result = run_result(backend, circuit, shots=SHOTS)
    counts = result.get_counts()
    assert all(len(key) == 3 for key in counts)
    if backend.is_simulator:
        assert set(counts) == {"000", "111"}
    else:
        assert fraction(counts, "000", "111") >= 0.75, counts
    assert 0.3 <= fraction(counts, "000") <= 0.65
    assert 0.3 <= fraction(counts, "111") <= 0.65


def test_partial_measurement(backend: HubBackend) -> None:
    # Qubit 1 is left in superposition and never measured: it must not leak into the two classical bits.
    circuit = QuantumCircuit(3, 2, name="partial")
    circuit.h(1)
    circuit.x(0)
    circuit.x(2)
    circuit.measure(2, 0)
    circuit.measure(0, 1)
    dominant(run_result(backend, circuit, shots=SHOTS).get_counts(), "11", backend)


def test_partial_measurement_leaves_other_bits_zero(backend: HubBackend) -> None:
    circuit = QuantumCircuit(2, 3, name="sparse")
    circuit.x(0)
    circuit.x(1)
    circuit.measure(1, 1)  # clbits 0 and 2 are never written
    dominant(run_result(backend, circuit, shots=SHOTS).get_counts(), "010", backend)


def test_several_classical_registers(backend: HubBackend) -> None:
    qubits = QuantumRegister(3, "q")
    first, second = ClassicalRegister(2, "c"), ClassicalRegister(1, "d")
    circuit = QuantumCircuit(qubits, first, second, name="registers")
    circuit.x(0)
    circuit.x(2)
    circuit.measure(qubits[0], first[0])
    circuit.measure(qubits[1], first[1])
    circuit.measure(qubits[2], second[0])
    result = run_result(backend, circuit, shots=SHOTS)
    counts = result.get_counts()
    # Space-separated, last register first: d="1", c="01".
    assert all([len(part) for part in key.split(" ")] == [1, 2] for key in counts), counts
    dominant(counts, "1 01", backend)


def test_remapped_classical_bits(backend: HubBackend) -> None:
    circuit = QuantumCircuit(3, 3, name="remapped")
    circuit.x(2)
    circuit.measure(2, 0)  # X only on qubit 2, measured into clbit 0
    circuit.measure(0, 1)
    circuit.measure(1, 2)
    dominant(run_result(backend, circuit, shots=SHOTS).get_counts(), "001", backend)


def test_parametrized_circuit_bound_before_run(backend: HubBackend) -> None:
    theta, phi = Parameter("theta"), Parameter("phi")
    circuit = QuantumCircuit(2, 2, name="angles")
    circuit.ry(theta, 0)
    circuit.ry(phi, 1)
    circuit.measure([0, 1], [0, 1])
    isa = fit(circuit, backend)
    assert isa.parameters  # transpiled while still symbolic, as users do to reuse one transpilation
    bound = isa.assign_parameters({theta: pi, phi: 0.0})
    counts = backend.run(bound, shots=SHOTS, seed_simulator=SEED).result(timeout=120).get_counts()
    dominant(counts, "01", backend)


def test_unbound_parameters_are_refused_before_any_job(backend: HubBackend, hub: LocalHub) -> None:
    theta = Parameter("theta")
    circuit = QuantumCircuit(1, 1, name="unbound")
    circuit.rx(theta, 0)
    circuit.measure(0, 0)
    isa = fit(circuit, backend)
    before = job_count(hub)
    with pytest.raises(CircuitNotSupportedError, match=r"unbound parameters \(theta\).*assign_parameters"):
        backend.run(isa, shots=10)
    assert job_count(hub) == before


def test_too_wide_circuit_is_refused_before_any_job(backend: HubBackend, hub: LocalHub) -> None:
    width = backend.num_qubits + 1
    circuit = QuantumCircuit(width, 1, name="wide")
    circuit.x(0)
    circuit.measure(0, 0)
    before = job_count(hub)
    with pytest.raises(CircuitNotSupportedError, match=rf"{width} qubits but {backend.name} has {width - 1}"):
        backend.run(circuit, shots=10)
    assert job_count(hub) == before


def test_gate_outside_the_target_is_refused_before_any_job(backend: HubBackend, hub: LocalHub) -> None:
    names = set(backend.target.operation_names)
    gate_name = next(g for g in ("ch", "csx", "ccz", "c3sx") if g not in names)
    gate = get_standard_gate_name_mapping()[gate_name]
    circuit = QuantumCircuit(gate.num_qubits, 1, name="foreign")
    circuit.append(gate, list(range(gate.num_qubits)))  # the only instruction the target lacks
    circuit.measure(0, 0)
    before = job_count(hub)
    with pytest.raises(CircuitNotSupportedError, match=rf"'{gate_name}'.*transpile\(circuit, backend\)"):
        backend.run(circuit, shots=10)
    assert job_count(hub) == before
    # Following the advice works (the controlled gate leaves |0...0> alone).
    dominant(run_result(backend, circuit, shots=SHOTS).get_counts(), "0", backend)


@pytest.mark.parametrize("backend_id", QPUS)
def test_uncoupled_qubits_are_refused_with_the_qubits_named(
    backend_id: str, provider: HubQiskitProvider, hub: LocalHub
) -> None:
    backend = provider.get_backend(backend_id)
    coupling = backend.target.build_coupling_map()
    assert coupling is not None
    gates = get_standard_gate_name_mapping()
    two_qubit = next(
        name
        for name in sorted(backend.target.operation_names)
        if name in gates and gates[name].num_qubits == 2 and not gates[name].params
    )
    edges = set(coupling.get_edges())
    pair = next(
        (a, b)
        for a in range(backend.num_qubits)
        for b in range(backend.num_qubits)
        if a != b and (a, b) not in edges and (b, a) not in edges
    )
    circuit = QuantumCircuit(backend.num_qubits, name="uncoupled")
    circuit.append(gates[two_qubit], list(pair))
    before = job_count(hub)
    with pytest.raises(CircuitNotSupportedError, match=rf"'{two_qubit}' on qubits \({pair[0]}, {pair[1]}\)"):
        backend.run(circuit, shots=10)
    assert job_count(hub) == before


def flip(name: str, bits: str) -> QuantumCircuit:
    """A circuit that prepares the basis state ``bits`` (Qiskit order: clbit 0 rightmost)."""
    circuit = QuantumCircuit(len(bits), len(bits), name=name)
    for index, bit in enumerate(reversed(bits)):
        if bit == "1":
            circuit.x(index)
    circuit.measure(range(len(bits)), range(len(bits)))
    return circuit


def test_several_circuits_in_one_job(backend: HubBackend, hub: LocalHub) -> None:
    circuits = [flip("first", "01"), flip("second", "110"), flip("third", "1")]
    if backend.max_circuits < len(circuits):
        before = job_count(hub)
        with pytest.raises(CircuitNotSupportedError, match=rf"at most {backend.max_circuits} circuit"):
            backend.run(fit(circuits, backend), shots=10)
        assert job_count(hub) == before
        return
    before = job_count(hub)
    result = run_result(backend, circuits, shots=100)
    assert job_count(hub) == before + 1
    assert [experiment.header["name"] for experiment in result.results] == ["first", "second", "third"]
    assert len(result.get_counts()) == 3
    for circuit, expected in zip(circuits, ("01", "110", "1"), strict=True):
        dominant(result.get_counts(circuit), expected, backend)
        dominant(result.get_counts(circuit.name), expected, backend)


def test_transpiled_circuits_keep_their_meaning_on_every_target(backend: HubBackend) -> None:
    # A circuit with a non-trivial layout: the transpiler may place qubits anywhere on the device.
    circuit = QuantumCircuit(4, 4, name="layout")
    circuit.x(3)
    circuit.cx(3, 1)
    circuit.measure(range(4), range(4))
    isa = transpile(circuit, backend, seed_transpiler=SEED, optimization_level=3)
    counts = backend.run(isa, shots=SHOTS, seed_simulator=SEED).result(timeout=120).get_counts()
    dominant(counts, "1010", backend)
