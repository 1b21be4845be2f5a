"""Classical bits in any layout Qiskit allows, on every family, judged by Aer.

Aliased registers (one clbit in two registers, as ``compose`` makes them for ``if_test`` conditions),
clbits outside every register and circuits without classical bits must give the ``Result`` Aer gives
(counts, memory, header) through ``backend.run``, and the same data through ``SamplerV2``; a job retrieved
by id must read back the same.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import Clbit
from qiskit.exceptions import QiskitError
from qiskit.primitives import BackendSamplerV2
from qiskit_aer import AerSimulator

from qhub_providers.qiskit import HubBackend, HubQiskitProvider, SamplerV2

from .support import SEED, fit

SHOTS = 60
HEADER_KEYS = ("name", "creg_sizes", "memory_slots", "n_qubits", "qreg_sizes")


def aliased() -> QuantumCircuit:
    """Register ``alias`` holds clbits 2 and 0 of ``c``, in that order; a loose clbit reads qubit 3."""
    circuit = QuantumCircuit(4, 3, name="aliased")
    circuit.x(0)
    circuit.x(2)
    circuit.x(3)
    circuit.measure([0, 1, 2], [0, 1, 2])
    circuit.add_register(ClassicalRegister(name="alias", bits=[circuit.clbits[2], circuit.clbits[0]]))
    loose = Clbit()
    circuit.add_bits([loose])
    circuit.measure(3, loose)
    return circuit


def loose_only() -> QuantumCircuit:
    """Two clbits in no register at all."""
    circuit = QuantumCircuit(QuantumRegister(2, "q"), [Clbit(), Clbit()], name="loose")
    circuit.x(1)
    circuit.measure([0, 1], [0, 1])
    return circuit


def _aer(circuit: QuantumCircuit) -> tuple[dict[str, int], dict[str, Any]]:
    """Aer's counts and experiment header for ``circuit``."""
    result = AerSimulator().run(circuit, shots=SHOTS, memory=True, seed_simulator=SEED).result()
    return dict(result.get_counts()), dict(result.results[0].header)


@pytest.mark.parametrize("make", [aliased, loose_only])
def test_registers_of_any_layout_give_aers_result(backend: HubBackend, make: type) -> None:
    circuit = make()
    aer_counts, aer_header = _aer(circuit)
    isa = fit(circuit, backend)
    result = backend.run(isa, shots=SHOTS, memory=True, seed_simulator=SEED).result(timeout=120)
    header = result.results[0].header
    for key in ("name", "creg_sizes", "memory_slots", "qreg_sizes"):
        assert header[key] == fit_header(aer_header, isa)[key], key
    counts = result.get_counts()
    ((ideal, _),) = aer_counts.items()
    if backend.is_simulator:
        assert counts == {ideal: SHOTS}
    else:
        assert counts[ideal] >= 0.8 * SHOTS
    assert set(result.get_memory()) <= set(counts)


def fit_header(header: dict[str, Any], isa: QuantumCircuit) -> dict[str, Any]:
    """Aer's header for the logical circuit, with what transpiling changes (its qubits) taken from it."""
    return {**header, "n_qubits": isa.num_qubits, "qreg_sizes": [[r.name, r.size] for r in isa.qregs]}


def test_header_has_what_aer_reports(backend: HubBackend) -> None:
    isa = fit(aliased(), backend)
    result = backend.run(isa, shots=SHOTS, seed_simulator=SEED).result(timeout=120)
    ours = result.results[0].header
    aers = AerSimulator().run(isa, shots=4).result().results[0].header
    for key in (*HEADER_KEYS, "global_phase"):
        assert ours[key] == pytest.approx(aers[key]) if key == "global_phase" else ours[key] == aers[key]


def test_sampler_reads_aliased_registers_as_on_aer(backend: HubBackend) -> None:
    isa = fit(aliased(), backend)
    ours = SamplerV2(backend, options={"seed_simulator": SEED}).run([isa], shots=SHOTS).result()[0]
    aers = BackendSamplerV2(backend=AerSimulator(), options={"seed_simulator": SEED}).run([isa], shots=SHOTS)
    expected = aers.result()[0]
    assert list(ours.data) == list(expected.data) == ["c", "alias"]
    for name in ("c", "alias"):
        top = max(expected.data[name].get_counts().items(), key=lambda item: item[1])[0]
        seen = ours.data[name].get_counts()
        assert seen.get(top, 0) >= (1.0 if backend.is_simulator else 0.8) * SHOTS, (name, seen)


def test_no_classical_bits_gives_no_counts_as_on_aer(backend: HubBackend) -> None:
    circuit = QuantumCircuit(2, name="unmeasured")
    circuit.h(0)
    circuit.cx(0, 1)
    isa = fit(circuit, backend)
    result = backend.run(isa, shots=SHOTS, seed_simulator=SEED).result(timeout=120)
    experiment = result.results[0]
    assert experiment.shots == SHOTS
    assert experiment.header["memory_slots"] == 0
    with pytest.raises(QiskitError, match="No counts"):
        result.get_counts()
    with pytest.raises(QiskitError, match="No counts"):
        AerSimulator().run(isa, shots=SHOTS).result().get_counts()


def _unmeasured(kind: str) -> QuantumCircuit:
    circuit = QuantumCircuit(2, 2 if kind == "clbits" else 0)
    if kind == "gates":
        circuit.h(0)
    elif kind == "barrier":
        circuit.barrier()
    return circuit


@pytest.mark.parametrize("kind", ["gates", "empty", "barrier", "clbits"])
def test_sampler_without_measurements_gives_what_aer_gives(backend: HubBackend, kind: str) -> None:
    """No measurements (and maybe no gates at all): no data, with Qiskit's warning; clbits that nothing
    writes read 0. Braket refuses a program that acts on no qubit, so one is made to act on qubit 0."""
    isa = fit(_unmeasured(kind), backend)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        (result,) = SamplerV2(backend).run([isa], shots=SHOTS).result()
        (expected,) = BackendSamplerV2(backend=AerSimulator()).run([isa], shots=SHOTS).result()
    assert list(result.data) == list(expected.data)
    for name in result.data:
        assert result.data[name].get_counts() == expected.data[name].get_counts() == {"00": SHOTS}


def test_if_test_on_a_register_that_compose_aliased(provider: HubQiskitProvider) -> None:
    """``compose`` adds the inner circuit's condition register to the outer one, aliasing its clbits."""
    backend = provider.get_backend("ibm.qpu.fez")
    flag = ClassicalRegister(1, "flag")
    inner = QuantumCircuit(QuantumRegister(2, "q"), flag)
    inner.x(0)
    inner.measure(0, flag[0])
    with inner.if_test((flag, 1)):
        inner.x(1)
    outer = QuantumCircuit(2, 2, name="composed")
    outer.compose(inner, qubits=[0, 1], clbits=[0], inplace=True)
    outer.measure(1, 1)
    (condition,) = [register for register in outer.cregs if register.name != "c"]
    assert list(condition) == [outer.clbits[0]]  # an alias of clbit 0
    isa = fit(outer, backend)
    result = backend.run(isa, shots=SHOTS, seed_simulator=SEED).result(timeout=120)
    counts = result.get_counts()
    assert result.results[0].header["creg_sizes"] == [["c", 2], [condition.name, 1]]
    (ideal,) = _aer(outer)[0]
    assert counts[ideal] >= 0.8 * SHOTS, counts


def test_retrieved_job_reads_the_same_layout_and_header(
    backend: HubBackend, provider: HubQiskitProvider
) -> None:
    isa = fit(aliased(), backend)
    job = backend.run(isa, shots=SHOTS, memory=True, seed_simulator=SEED)
    first = job.result(timeout=120)
    again = HubQiskitProvider(client=provider.client).retrieve_job(job.job_id()).result(timeout=120)
    assert again.get_counts() == first.get_counts()
    for key in HEADER_KEYS:
        assert again.results[0].header[key] == first.results[0].header[key], key
