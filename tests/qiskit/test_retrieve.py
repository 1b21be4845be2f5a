"""``retrieve_job(job_id)`` gives the same ``Result`` as the job that was submitted, counts keys and registers
included, on every family, in a fresh process that knows nothing but the job id and the credentials from the
environment (``HubQiskitProvider()`` with no arguments)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister

from qhub_providers.api import NotFoundError
from qhub_providers.emulator import LocalHub
from qhub_providers.qiskit import HubQiskitProvider

from .support import FAMILIES, SEED, fit

RETRIEVE = """
import json, sys
from qhub_providers.qiskit import HubQiskitProvider

provider = HubQiskitProvider()
out = {}
for job_id in sys.argv[1:]:
    job = provider.retrieve_job(job_id)
    result = job.result(timeout=60)
    out[job_id] = {
        "backend": job.backend().name,
        "status": job.status().name,
        "headers": [experiment.header for experiment in result.results],
        "counts": [result.get_counts(i) for i in range(len(result.results))],
        "memory": result.get_memory(0),
    }
print(json.dumps(out))
"""


def registers_circuit() -> QuantumCircuit:
    """Random but correlated bits, two registers, a never-written clbit and remapped measurements."""
    qubits = QuantumRegister(3, "q")
    first, second = ClassicalRegister(2, "c"), ClassicalRegister(2, "d")
    circuit = QuantumCircuit(qubits, first, second, name="kept", metadata={"experiment": "retrieve", "n": 1})
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.x(2)
    circuit.measure(qubits[2], first[0])
    circuit.measure(qubits[1], first[1])
    circuit.measure(qubits[0], second[1])  # d[0] is never written
    return circuit


def flip(name: str) -> QuantumCircuit:
    circuit = QuantumCircuit(2, 2, name=name)
    circuit.x(1)
    circuit.measure([0, 1], [0, 1])
    return circuit


def snapshot(result: Any) -> dict[str, Any]:
    return {
        "headers": [experiment.header for experiment in result.results],
        "counts": [dict(result.get_counts(i)) for i in range(len(result.results))],
        "memory": list(result.get_memory(0)),
    }


@pytest.fixture(scope="module")
def originals(provider: HubQiskitProvider) -> dict[str, tuple[str, dict[str, Any]]]:
    """Per family, a job id and what its ``Result`` said in the process that submitted it."""
    out = {}
    for backend_id in FAMILIES:
        backend = provider.get_backend(backend_id)
        job = backend.run(fit(registers_circuit(), backend), shots=100, memory=True, seed_simulator=SEED)
        out[backend_id] = (job.job_id(), snapshot(job.result(timeout=120)))
    sv1 = provider.get_backend("aws.sim.sv1")
    job = sv1.run(fit([flip("one"), registers_circuit(), flip("three")], sv1), shots=30, memory=True)
    out["several circuits"] = (job.job_id(), snapshot(job.result(timeout=120)))
    return out


def read_in_fresh_process(hub: LocalHub, job_ids: list[str], home: Path) -> dict[str, Any]:
    """What a fresh process, given only job ids and the credentials in its environment, reads back."""
    # No credential or configuration file of the machine's user can interfere.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KQH_", "QHUB_", "PLANQK_"))}
    env.update(HOME=str(home), QHUB_QUANTUM_BASE_URL=hub.base_url, KQH_PERSONAL_ACCESS_TOKEN=hub.token)
    done = subprocess.run(
        [sys.executable, "-c", RETRIEVE, *job_ids],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        cwd=home,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def test_a_fresh_process_reads_the_same_result_on_every_family(
    hub: LocalHub, originals: dict[str, tuple[str, dict[str, Any]]], tmp_path: Path
) -> None:
    # One process for every family: the check is about a process that never saw the jobs, and starting
    # Python with Qiskit once per family would cost more than all the rest of this file.
    retrieved = read_in_fresh_process(hub, [job_id for job_id, _ in originals.values()], tmp_path)
    problems = {}
    for family, (job_id, original) in originals.items():
        again = retrieved[job_id]
        seen = {key: again[key] for key in ("headers", "counts", "memory")}
        if again["status"] != "DONE" or seen != original:
            problems[family] = {"retrieved": seen, "original": original, "status": again["status"]}
        elif family in FAMILIES and again["backend"] != family:
            problems[family] = {"backend": again["backend"]}
    assert not problems, json.dumps(problems, indent=1)[:6000]
    sv1 = retrieved[originals["aws.sim.sv1"][0]]
    assert sv1["headers"][0]["creg_sizes"] == [["c", 2], ["d", 2]]
    assert sv1["headers"][0]["metadata"] == {"experiment": "retrieve", "n": 1}
    assert set(sv1["counts"][0]) == {"00 01", "10 11"}  # d[0] never written; c[0] always 1
    several = retrieved[originals["several circuits"][0]]
    assert [header["name"] for header in several["headers"]] == ["one", "kept", "three"]


def test_retrieve_in_process_without_the_submitting_provider(
    hub: LocalHub, provider: HubQiskitProvider
) -> None:
    backend = provider.get_backend("iqm.qpu.garnet")
    job = backend.run(fit(registers_circuit(), backend), shots=50, memory=True, seed_simulator=SEED)
    original = snapshot(job.result(timeout=120))
    with hub.client() as rest:
        again = HubQiskitProvider(client=rest).retrieve_job(job.job_id())
        assert again.job_id() == job.job_id()
        assert again.backend().name == "iqm.qpu.garnet"
        assert snapshot(again.result()) == original


def test_retrieving_a_queued_job_then_waiting(hub: LocalHub, provider: HubQiskitProvider) -> None:
    backend = provider.get_backend("qudora.sim.xg1")
    hub.admin.set_backend(backend.name, queue_delay=1.0)
    try:
        job_id = backend.run(fit(flip("queued"), backend), shots=10).job_id()
    finally:
        hub.admin.set_backend(backend.name, queue_delay=0)
    with hub.client() as rest:
        job = HubQiskitProvider(client=rest).retrieve_job(job_id)
        assert job.status().name == "QUEUED"
        assert job.result(timeout=60).get_counts("queued") == {"10": 10}


def test_retrieving_an_unknown_job_is_not_found(provider: HubQiskitProvider) -> None:
    with pytest.raises(NotFoundError, match="no-such-job"):
        provider.retrieve_job("no-such-job")
