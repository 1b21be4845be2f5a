"""End-to-end flows through both faces, marked ``real_hub``: against a local Hub by default, and against
the real Hub with ``--real-hub`` and a token (``docs/testing.md``). They use only what every Hub offers
(no admin controls) and the cheapest backend, the on-demand simulator SV1, so they hold on both."""

from __future__ import annotations

import pytest
from braket.circuits import Circuit
from braket.ir.openqasm import Program
from qiskit import QuantumCircuit, transpile

from qhub_providers.braket import HubBraketProvider
from qhub_providers.qiskit import HubQiskitProvider, SamplerV2

pytestmark = pytest.mark.real_hub

SIMULATOR = "aws.sim.sv1"
SHOTS = 100


def bell() -> QuantumCircuit:
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    return circuit


def test_qiskit_bell_pair(qiskit_provider: HubQiskitProvider) -> None:
    backend = qiskit_provider.get_backend(SIMULATOR)
    counts = backend.run(transpile(bell(), backend), shots=SHOTS).result(timeout=600).get_counts()
    assert sum(counts.values()) == SHOTS
    assert set(counts) <= {"00", "11"}


def test_qiskit_job_found_again_by_id(qiskit_provider: HubQiskitProvider) -> None:
    backend = qiskit_provider.get_backend(SIMULATOR)
    job = backend.run(transpile(bell(), backend), shots=SHOTS)
    first = job.result(timeout=600).get_counts()
    again = qiskit_provider.retrieve_job(job.job_id())
    assert again.result(timeout=600).get_counts() == first


def test_qiskit_sampler(qiskit_provider: HubQiskitProvider) -> None:
    backend = qiskit_provider.get_backend(SIMULATOR)
    (result,) = SamplerV2(mode=backend).run([transpile(bell(), backend)], shots=SHOTS).result()
    counts = result.data.meas.get_counts()
    assert sum(counts.values()) == SHOTS
    assert set(counts) <= {"00", "11"}


def test_braket_bell_pair(braket_provider: HubBraketProvider) -> None:
    device = braket_provider.get_device(SIMULATOR)
    counts = device.run(Circuit().h(0).cnot(0, 1), shots=SHOTS).result().measurement_counts
    assert sum(counts.values()) == SHOTS
    assert set(counts) <= {"00", "11"}


def test_braket_openqasm_program_with_inputs(braket_provider: HubBraketProvider) -> None:
    source = (
        "OPENQASM 3.0;\ninput float theta;\nqubit[1] q;\nbit[1] b;\nrx(theta) q[0];\nb[0] = measure q[0];\n"
    )
    device = braket_provider.get_device(SIMULATOR)
    result = device.run(Program(source=source), shots=SHOTS, inputs={"theta": 3.141592653589793}).result()
    assert result.measurement_counts == {"1": SHOTS}


def test_braket_task_metadata_names_the_task(braket_provider: HubBraketProvider) -> None:
    device = braket_provider.get_device(SIMULATOR)
    task = device.run(Circuit().h(0), shots=SHOTS)
    metadata = task.result().task_metadata
    assert metadata.id == task.id
    assert metadata.shots == SHOTS
