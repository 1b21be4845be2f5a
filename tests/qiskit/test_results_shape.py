"""The ``Result`` every family returns has the shape Qiskit's readers rely on: hex memory indexed by clbit
and padded, counts padded to the classical width, and a header with ``name``, ``creg_sizes``,
``memory_slots`` and ``metadata`` (the circuit's metadata echoed back)."""

from __future__ import annotations

import re
from collections import Counter
from typing import NamedTuple

import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.exceptions import QiskitError
from qiskit.result import Result, marginal_counts

from qhub_providers.qiskit import HubBackend, HubJob

from .support import SEED, fit

SHOTS = 64
METADATA = {"purpose": "shape check", "index": 3, "tags": ["a", "b"]}


def registers_circuit() -> QuantumCircuit:
    """Two registers, clbits that are never written, a measurement into a remapped clbit."""
    qubits = QuantumRegister(2, "q")
    low, high = ClassicalRegister(3, "low"), ClassicalRegister(2, "high")
    circuit = QuantumCircuit(qubits, low, high, name="shape", metadata=dict(METADATA))
    circuit.x(1)
    circuit.measure(qubits[1], low[1])  # clbit 1 is 1
    circuit.measure(qubits[0], high[1])  # clbit 4 is 0; clbits 0, 2 and 3 are never written
    return circuit


class Shaped(NamedTuple):
    backend: HubBackend
    job: HubJob
    result: Result
    ideal: str
    """The ideal outcome as one bit string, clbit 0 rightmost."""


@pytest.fixture
def shaped(backend: HubBackend) -> Shaped:
    """The result of the registers circuit, run with memory."""
    job = backend.run(fit(registers_circuit(), backend), shots=SHOTS, memory=True, seed_simulator=SEED)
    return Shaped(backend, job, job.result(timeout=120), "00010")


def test_header_carries_name_registers_width_and_metadata(shaped: Shaped) -> None:
    result = shaped.result
    (experiment,) = result.results
    header = experiment.header
    assert header["name"] == "shape"
    assert header["creg_sizes"] == [["low", 3], ["high", 2]]
    assert header["memory_slots"] == 5
    assert header["metadata"] == METADATA
    assert experiment.shots == SHOTS
    assert experiment.success


def test_memory_is_hex_indexed_by_clbit(shaped: Shaped) -> None:
    backend, _, result, ideal = shaped
    memory = result.results[0].data.memory
    assert len(memory) == SHOTS
    assert all(re.fullmatch(r"0x[0-9a-f]+", value) for value in memory), memory[:5]
    assert all(int(value, 16) < 2**5 for value in memory)
    values = Counter(int(value, 16) for value in memory)
    if backend.is_simulator:
        assert values == {int(ideal, 2): SHOTS}
    else:
        assert values[int(ideal, 2)] >= 0.8 * SHOTS


def test_memory_and_counts_are_padded_and_split_by_register(shaped: Shaped) -> None:
    backend, _, result, ideal = shaped
    formatted = f"{ideal[:2]} {ideal[2:]}"  # "high low"
    memory = result.get_memory()
    counts = result.get_counts()
    assert all(re.fullmatch(r"[01]{2} [01]{3}", key) for key in memory)
    assert all(re.fullmatch(r"[01]{2} [01]{3}", key) for key in counts)
    assert Counter(memory) == counts  # per-shot memory and counts tell the same story
    if backend.is_simulator:
        assert counts == {formatted: SHOTS}
    else:
        assert counts[formatted] >= 0.8 * SHOTS


def test_marginal_counts_read_the_header(shaped: Shaped) -> None:
    backend, _, result, _ = shaped
    marginal = marginal_counts(result, indices=[1]).get_counts()
    ones = marginal.get("1", 0)
    assert set(marginal) <= {"0", "1"}
    assert ones == SHOTS if backend.is_simulator else ones >= 0.8 * SHOTS


def test_raw_counts_are_hex_and_result_names_the_job(shaped: Shaped) -> None:
    backend, job, result, _ = shaped
    raw = result.results[0].data.counts
    assert all(re.fullmatch(r"0x[0-9a-f]+", key) for key in raw)
    assert sum(raw.values()) == SHOTS
    assert result.backend_name == backend.name
    assert result.job_id == job.job_id()
    assert result.success


def test_without_memory_only_counts_come_back(backend: HubBackend) -> None:
    circuit = QuantumCircuit(3, 3, name="no-memory")
    circuit.x(2)
    circuit.measure(2, 2)
    result = backend.run(fit(circuit, backend), shots=SHOTS, seed_simulator=SEED).result(timeout=120)
    counts = result.get_counts()
    assert sum(counts.values()) == SHOTS
    assert all(len(key) == 3 for key in counts)
    assert max(counts, key=lambda k: counts[k]) == "100"
    with pytest.raises(QiskitError, match="No memory"):
        result.get_memory()
