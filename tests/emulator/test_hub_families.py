"""Bell and GHZ states on every gate-based family of the local Hub, read back in each family's native result
format and in the normalized view; and an analog (AHS) program on QuEra Aquila.

Simulators must give exactly the two GHZ outcomes in about equal parts. QPUs are simulated with their
calibrated noise, so a few shots land elsewhere: the bound asks for at least 80 % in the two GHZ outcomes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from qhub_providers.api import HubQuantumClient
from qhub_providers.api.models import NormalizedCountsResult, NormalizedProbabilitiesResult

from .hub_support import (
    IBM_PARAMS,
    ahs_pair_program,
    aqt_ghz,
    ibm_counts,
    ibm_isa_ghz,
    ibm_sampler_input,
    ionq_ghz,
    iqm_ghz,
    qasm2_ghz,
    qasm3_ghz,
    wait_for_status,
)

SHOTS = 1000

Submission = tuple[Any, str, dict[str, Any]]
"""``(input, input_format, input_params)`` of one job."""


def braket_counts(native: Any, num_qubits: int) -> dict[str, float]:
    """Braket's own reading of a ``GateModelTaskResult``; its keys list qubit 0 first."""
    from braket.tasks import GateModelQuantumTaskResult

    result = GateModelQuantumTaskResult.from_string(json.dumps(native))
    assert result.measured_qubits == list(range(num_qubits))
    return {key[::-1]: n for key, n in result.measurement_counts.items()}


def ionq_probabilities(native: Any, num_qubits: int) -> dict[str, float]:
    """IonQ's histogram: integer states with qubit 0 as the least significant bit."""
    return {format(int(state), f"0{num_qubits}b"): p for state, p in native["histogram"].items()}


def iqm_counts(native: Any, num_qubits: int) -> dict[str, float]:
    """IQM's ``measurement_counts``: bits in measurement-key order, key 0 first."""
    (entry,) = native["measurement_counts"]
    assert entry["measurement_keys"] == [f"c_{num_qubits}_0_{k}" for k in range(num_qubits)]
    return {bits[::-1]: n for bits, n in entry["counts"].items()}


def qiskit_order_counts(native: Any, num_qubits: int) -> dict[str, float]:
    """``{"counts", "memory"}`` in Qiskit order already (AQT, Qudora)."""
    assert len(native["memory"]) == SHOTS
    assert all(len(key) == num_qubits for key in native["counts"])
    return dict(native["counts"])


def kipu_counts(native: Any, num_qubits: int) -> dict[str, float]:
    """Kipu qsim's counts are big-endian: qubit 0 first."""
    return {key[::-1]: n for key, n in native["counts"].items()}


def ibm_pub_counts(native: Any, num_qubits: int) -> dict[str, float]:
    (counts,) = ibm_counts(native)
    return dict(counts)


def iqm_chain(client: HubQuantumClient, backend_id: str, length: int) -> list[str]:
    """A path of ``length`` coupled qubits, found in the ``cz`` loci of the IQM architecture."""
    architecture = client.backends.get_backend_config(backend_id)
    loci = [
        locus for impl in architecture["gates"]["cz"]["implementations"].values() for locus in impl["loci"]
    ]
    neighbours: dict[str, set[str]] = {}
    for a, b in loci:
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)

    def extend(path: list[str]) -> list[str] | None:
        if len(path) == length:
            return path
        for nxt in sorted(neighbours.get(path[-1], ())):
            if nxt not in path and (found := extend([*path, nxt])):
                return found
        return None

    for start in architecture["qubits"]:
        if chain := extend([start]):
            return chain
    raise AssertionError(f"no chain of {length} coupled qubits on {backend_id}")


@dataclass(frozen=True)
class Family:
    backend_id: str
    submission: Callable[[HubQuantumClient, int], Submission]
    native: Callable[[Any, int], dict[str, float]]
    noisy: bool


def braket(client: HubQuantumClient, n: int) -> Submission:
    return qasm3_ghz(n), "BRAKET_OPEN_QASM_V3", {"disable_qubit_rewiring": False}


def ionq(client: HubQuantumClient, n: int) -> Submission:
    return ionq_ghz(n), "IONQ_CIRCUIT_V1", {"meas_map": json.dumps(list(range(n)))}


def ibm(backend_id: str) -> Callable[[HubQuantumClient, int], Submission]:
    def build(client: HubQuantumClient, n: int) -> Submission:
        circuit = ibm_isa_ghz(client, backend_id, n)
        return ibm_sampler_input([circuit], SHOTS), "QISKIT_QPY", IBM_PARAMS

    return build


def iqm(backend_id: str) -> Callable[[HubQuantumClient, int], Submission]:
    def build(client: HubQuantumClient, n: int) -> Submission:
        return {"circuits": [iqm_ghz(iqm_chain(client, backend_id, n))]}, "IQM_JOB_INPUT_V1", {}

    return build


def aqt(client: HubQuantumClient, n: int) -> Submission:
    return aqt_ghz(n, SHOTS), "AQT_JOB_INPUT_V1", {}


def qasm2(client: HubQuantumClient, n: int) -> Submission:
    return qasm2_ghz(n), "OPEN_QASM_V2", {}


FAMILIES = [
    Family("aws.sim.sv1", braket, braket_counts, noisy=False),
    Family("aws.sim.dm1", braket, braket_counts, noisy=False),
    Family("aws.ionq.forte", braket, braket_counts, noisy=True),
    Family("aws.rigetti.cepheus", braket, braket_counts, noisy=True),
    Family("azure.ionq.simulator", ionq, ionq_probabilities, noisy=False),
    Family("ibm.qpu.fez", ibm("ibm.qpu.fez"), ibm_pub_counts, noisy=True),
    Family("ibm.qpu.kingston", ibm("ibm.qpu.kingston"), ibm_pub_counts, noisy=True),
    Family("iqm.qpu.garnet", iqm("iqm.qpu.garnet"), iqm_counts, noisy=True),
    Family("iqm.qpu.emerald", iqm("iqm.qpu.emerald"), iqm_counts, noisy=True),
    Family("aqt.sim.ideal", aqt, qiskit_order_counts, noisy=False),
    Family("aqt.qpu.ibex", aqt, qiskit_order_counts, noisy=True),
    Family("qudora.sim.xg1", qasm2, qiskit_order_counts, noisy=False),
    Family("kipu.sim.qsim", qasm2, kipu_counts, noisy=False),
]


def check_ghz(distribution: dict[str, float], num_qubits: int, *, noisy: bool) -> None:
    """Mostly all-zeros or all-ones, in about equal parts; nothing else unless the backend is noisy."""
    total = sum(distribution.values())
    zeros, ones = distribution.get("0" * num_qubits, 0) / total, distribution.get("1" * num_qubits, 0) / total
    if noisy:
        assert zeros + ones >= 0.8, distribution
        assert 0.3 <= zeros <= 0.7, distribution
    else:
        assert set(distribution) == {"0" * num_qubits, "1" * num_qubits}, distribution
        assert 0.4 <= zeros <= 0.6, distribution


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.backend_id)
def test_bell_and_ghz_states(org_client: HubQuantumClient, family: Family) -> None:
    jobs = {}
    for num_qubits in (2, 3):
        job_input, input_format, params = family.submission(org_client, num_qubits)
        job = org_client.jobs.create_job(
            backend_id=family.backend_id,
            shots=SHOTS,
            input=job_input,
            input_format=input_format,
            input_params=params,
            name=f"ghz{num_qubits}",
        )
        assert job.id is not None
        jobs[num_qubits] = job.id

    for num_qubits, job_id in jobs.items():
        assert wait_for_status(org_client, job_id) == "COMPLETED"
        native = family.native(org_client.jobs.get_job_result(job_id), num_qubits)
        check_ghz(native, num_qubits, noisy=family.noisy)

        normalized = org_client.jobs.get_normalized_job_result(job_id)
        assert normalized is not None
        (pub,) = normalized.pubs
        assert pub.qubits == num_qubits  # type: ignore[union-attr]
        if isinstance(pub, NormalizedProbabilitiesResult):
            assert pub.probabilities == pytest.approx(native)
        else:
            assert isinstance(pub, NormalizedCountsResult)
            assert (pub.shots, sum((pub.counts or {}).values())) == (SHOTS, SHOTS)
            # The same shots as the native result, in Qiskit's bit order.
            assert pub.counts == native


def test_an_analog_program_on_aquila_completes(org_client: HubQuantumClient) -> None:
    from braket.task_result import AnalogHamiltonianSimulationTaskResult
    from braket.tasks import AnalogHamiltonianSimulationQuantumTaskResult

    job = org_client.jobs.create_job(
        backend_id="aws.quera.aquila",
        shots=100,
        input=ahs_pair_program(),
        input_format="BRAKET_AHS_PROGRAM",
        input_params={},
        sdk_provider="BRAKET",
    )
    assert job.id is not None
    assert wait_for_status(org_client, job.id) == "COMPLETED"
    native = org_client.jobs.get_job_result(job.id)
    result = AnalogHamiltonianSimulationQuantumTaskResult.from_object(
        AnalogHamiltonianSimulationTaskResult.parse_raw(json.dumps(native))
    )
    assert len(result.measurements) == 100
    counts = result.get_counts()
    assert sum(counts.values()) == 100
    assert set(counts) <= {"gg", "gr", "rg", "rr"}
    assert org_client.jobs.get_normalized_job_result(job.id) is None


def test_simultaneous_braket_jobs_on_two_hubs(
    org_client: HubQuantumClient, private_client: HubQuantumClient
) -> None:
    """Braket's numba kernels abort the process when two threads enter them at once: the Hub must take turns,
    also across two Hubs of one process."""
    submitted = [
        (client, client.jobs.create_job(backend_id=backend_id, shots=200, input=qasm3_ghz(num_qubits)).id)
        for client in (org_client, private_client)
        for backend_id in ("aws.sim.dm1", "aws.sim.sv1", "aws.rigetti.cepheus")
        for num_qubits in (3, 4)
    ]
    for client, job_id in submitted:
        assert job_id is not None
        assert wait_for_status(client, job_id) == "COMPLETED"
