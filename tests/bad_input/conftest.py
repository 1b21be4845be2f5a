"""Fixtures of the bad-input tests: one local Hub per test process, and the real documents it produced.

The property tests break *real* documents (job results, API answers, job inputs), so the fixtures here
run one small job per backend family on the local Hub first and keep what came back: the native result,
the stored input, the job record and the layouts the format module reads back from the input.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from qhub_providers import formats
from qhub_providers.api import HubQuantumClient
from qhub_providers.api.models import TERMINAL_JOB_STATUSES
from qhub_providers.emulator import LocalHub
from qhub_providers.formats.base import ClassicalLayout

from .support import RESULT_BACKENDS

SEED = 11
"""Seed of the fixture jobs, so that every run breaks the same documents in the same ways."""

JOB_TIMEOUT = 60.0
"""Seconds a fixture job may take before the fixture fails (never asserted as a duration)."""


@dataclass(frozen=True)
class RealRun:
    """One job the local Hub ran, as a client sees it afterwards."""

    backend_id: str
    job_id: str
    input_format: str
    shots: int
    job_input: Any
    input_params: dict[str, Any]
    result: Any
    layouts: list[ClassicalLayout]


@pytest.fixture(scope="session")
def hub() -> Iterator[LocalHub]:
    """The local Hub of this test process, without admin controls: the tests use the public API only."""
    with LocalHub() as local:
        yield local


@pytest.fixture(scope="session")
def client(hub: LocalHub) -> Iterator[HubQuantumClient]:
    """A REST client of this folder's Hub without retries, so a server error reaches the test at once."""
    with hub.client(max_retries=0) as rest:
        yield rest


@pytest.fixture(scope="session")
def http(hub: LocalHub) -> Iterator[httpx.Client]:
    """Raw HTTP to the Hub with the right token; requests time out so that a hang fails the test."""
    with httpx.Client(
        base_url=hub.base_url + "/", headers={"X-Auth-Token": hub.token}, timeout=20.0, verify=False
    ) as raw:
        yield raw


def _bell(num_clbits: int = 2) -> Any:
    from qiskit import QuantumCircuit

    circuit = QuantumCircuit(2, num_clbits, name="bell")
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure([0, 1], [0, 1])
    return circuit


def _wait(client: HubQuantumClient, job_id: str) -> str:
    deadline = time.monotonic() + JOB_TIMEOUT
    while True:
        status = str(client.jobs.get_job_status(job_id).status)
        if status in TERMINAL_JOB_STATUSES:
            return status
        assert time.monotonic() < deadline, f"job {job_id} still {status} after {JOB_TIMEOUT} s"
        time.sleep(0.02)


def _run(client: HubQuantumClient, backend_id: str) -> RealRun:
    """A Bell circuit through the Qiskit face (transpiled for the backend), read back over the REST API."""
    from qiskit import transpile

    from qhub_providers.qiskit import HubQiskitProvider

    backend = HubQiskitProvider(client=client).get_backend(backend_id)
    circuit = transpile(_bell(), backend, optimization_level=1, seed_transpiler=5)
    circuit.name = "bell"
    job = backend.run(circuit, shots=64, seed_simulator=SEED)
    job_id = job.job_id()
    status = _wait(client, job_id)
    assert status == "COMPLETED", f"{backend_id} job {job_id} ended {status}"
    record = client.jobs.get_job(job_id)
    input_format = str(record.input_format)
    job_input = client.jobs.get_job_input(job_id)
    params = dict(record.input_params or {})
    layouts = formats.format_module(input_format).layouts(job_input, params)
    return RealRun(
        backend_id=backend_id,
        job_id=job_id,
        input_format=input_format,
        shots=int(record.shots or 0),
        job_input=job_input,
        input_params=params,
        result=client.jobs.get_job_result(job_id),
        layouts=list(layouts),
    )


@pytest.fixture(scope="session")
def real_runs(client: HubQuantumClient) -> dict[str, RealRun]:
    """One completed Bell job per backend family whose results the format modules decode."""
    return {backend_id: _run(client, backend_id) for backend_id in RESULT_BACKENDS}
