"""What the local Hub can simulate: Clifford circuits at any width (judged by what their gates do, so
``rz(pi/2)`` counts), idle and delay-only qubits never count, and a refusal names the cap and why."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest
from qiskit import QuantumCircuit, transpile

from qhub_providers.api import HubQuantumClient
from qhub_providers.emulator.catalog import get_spec
from qhub_providers.emulator.runners import InvalidJobInput
from qhub_providers.emulator.runners.circuits import MAX_EXACT_QUBITS, is_clifford
from qhub_providers.emulator.runners.iqm import IqmRunner
from qhub_providers.qiskit import HubQiskitProvider, SamplerV2

IBM = "ibm.qpu.fez"
EMERALD = "iqm.qpu.emerald"


@pytest.fixture(scope="module")
def provider(client: HubQuantumClient) -> HubQiskitProvider:
    return HubQiskitProvider(client=client)


def ghz(size: int) -> QuantumCircuit:
    circuit = QuantumCircuit(size)
    circuit.h(0)
    for qubit in range(size - 1):
        circuit.cx(qubit, qubit + 1)
    circuit.measure_all()
    return circuit


def test_clifford_is_judged_by_what_a_gate_does() -> None:
    circuit = QuantumCircuit(2)
    circuit.rz(math.pi / 2, 0)
    circuit.rz(-3 * math.pi / 2, 1)
    circuit.r(math.pi / 2, math.pi, 0)
    circuit.rxx(math.pi / 2, 0, 1)
    circuit.sx(1)
    assert is_clifford(circuit)
    circuit.rz(0.1, 0)
    assert not is_clifford(circuit)


def test_a_wide_ibm_isa_ghz_runs_on_the_stabilizer_method(provider: HubQiskitProvider) -> None:
    backend = provider.get_backend(IBM)
    isa = transpile(ghz(50), backend, optimization_level=1, seed_transpiler=3)
    assert "rz" in isa.count_ops()  # an ISA circuit: its Hadamards became rz / sx
    result = SamplerV2(mode=backend).run([isa], shots=200).result()
    counts = result[0].data.meas.get_counts()
    # Calibration noise on 50 qubits: the two GHZ outcomes still lead by far.
    leading = counts.get("0" * 50, 0) + counts.get("1" * 50, 0)
    assert leading > 0.2 * 200
    assert max(counts, key=counts.get) in {"0" * 50, "1" * 50}


def test_delay_only_qubits_do_not_count(provider: HubQiskitProvider) -> None:
    backend = provider.get_backend(IBM)
    isa = transpile(ghz(3), backend, optimization_level=1, seed_transpiler=3)
    scheduled = isa.copy_empty_like()
    for qubit in range(isa.num_qubits):
        scheduled.delay(160, qubit, unit="dt")  # every device qubit idles, as ALAP scheduling leaves them
    scheduled.compose(isa, inplace=True)
    non_clifford = scheduled.copy_empty_like()
    non_clifford.compose(scheduled, inplace=True)
    first = next(i.qubits[0] for i in isa.data if i.operation.name == "sx")
    non_clifford.rz(0.123, first)  # not Clifford: only the active qubits may be simulated densely
    result = SamplerV2(mode=backend).run([scheduled, non_clifford], shots=100).result()
    for pub in result:
        counts = pub.data.meas.get_counts()
        assert sum(counts.values()) == 100
        assert max(counts, key=counts.get) in {"000", "111"}


def iqm_chain(size: int, angle_t: float) -> dict[str, Any]:
    """Rotations by ``angle_t`` turns and a cz chain over ``size`` coupled qubits of emerald, measured."""
    spec = get_spec(EMERALD)
    assert spec is not None
    assert spec.coupling_map is not None
    neighbours: dict[int, set[int]] = {}
    for a, b in spec.coupling_map:
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    order, edges = [0], []
    for qubit in order:
        for other in sorted(neighbours[qubit]):
            if other not in order and len(order) < size:
                order.append(other)
                edges.append((qubit, other))
    instructions: list[dict[str, Any]] = []
    for qubit in order:
        args = {"angle_t": angle_t, "phase_t": 0.25}
        instructions.append({"name": "prx", "locus": [f"QB{qubit + 1}"], "args": args})
    for a, b in edges:
        instructions.append({"name": "cz", "locus": [f"QB{a + 1}", f"QB{b + 1}"], "args": {}})
    instructions.append({"name": "measure", "locus": [f"QB{q + 1}" for q in order], "args": {"key": "m"}})
    return {"circuits": [{"name": "chain", "instructions": instructions}]}


def test_a_wide_non_clifford_circuit_is_refused_naming_the_cap_and_why() -> None:
    spec = get_spec(EMERALD)
    assert spec is not None
    with pytest.raises(InvalidJobInput) as refused:
        IqmRunner().prepare(spec, iqm_chain(MAX_EXACT_QUBITS + 2, 0.1), {}, 100)
    message = refused.value.message
    assert f"entangles {MAX_EXACT_QUBITS + 2} qubits" in message
    assert f"at most {MAX_EXACT_QUBITS} qubits" in message
    assert "memory" in message
    assert "Clifford" in message


def test_the_same_width_with_clifford_angles_runs_with_noise() -> None:
    spec = get_spec(EMERALD)
    assert spec is not None
    assert spec.calibration_at is not None
    runner = IqmRunner()
    prepared = runner.prepare(spec, iqm_chain(MAX_EXACT_QUBITS + 2, 0.25), {}, 300)
    execution = runner.execute(prepared, seed=5, noise=spec.calibration_at(datetime.now(UTC)))
    (entry,) = execution.native_result["measurement_counts"]
    assert sum(entry["counts"].values()) == 300
    assert len(next(iter(entry["counts"]))) == MAX_EXACT_QUBITS + 2
