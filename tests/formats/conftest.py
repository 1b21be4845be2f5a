"""Shared fixtures of the format tests: one local Hub for the session, and a helper that submits an
encoded job and returns its native result."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from qhub_providers.api import HubQuantumClient
from qhub_providers.api.models import TERMINAL_JOB_STATUSES
from qhub_providers.emulator import LocalHub
from qhub_providers.formats.base import BackendFacts, EncodedJob


@pytest.fixture(scope="session")
def hub() -> Iterator[LocalHub]:
    with LocalHub() as local_hub:
        yield local_hub


@pytest.fixture(scope="session")
def client(hub: LocalHub) -> Iterator[HubQuantumClient]:
    with hub.client() as hub_client:
        yield hub_client


def facts(client: HubQuantumClient, backend_id: str) -> BackendFacts:
    """What an encoder knows about a backend, read from the Hub like the faces do."""
    backend = client.backends.get_backend(backend_id)
    configuration = backend.configuration
    assert configuration is not None
    native = client.backends.get_backend_config(backend_id)
    qubits = configuration.qubits or []
    names = tuple(str(q.id) for q in qubits) if backend_id.startswith("iqm.") else ()
    if backend_id.startswith("iqm."):
        names = tuple(native.get("qubits", names))
    return BackendFacts(
        backend_id=backend_id,
        num_qubits=int(configuration.qubit_count or 0),
        max_circuits=int(configuration.max_pubs_per_job or 1),
        is_simulator=str(backend.type) == "SIMULATOR",
        qubit_names=names,
        native_config=native,
    )


def run_encoded(client: HubQuantumClient, backend_id: str, encoded: EncodedJob, timeout: float = 60.0) -> Any:
    """Submit, wait (bounded), and return the native result; fails the test if the job did not complete."""
    job = client.jobs.create_job(
        backend_id=backend_id,
        shots=encoded.shots,
        input=encoded.input,
        input_format=encoded.input_format,
        input_params=encoded.input_params,
    )
    assert job.id is not None
    deadline = time.monotonic() + timeout
    status = str(job.status)
    while status not in TERMINAL_JOB_STATUSES:
        assert time.monotonic() < deadline, f"job {job.id} still {status} after {timeout} s"
        time.sleep(0.02)
        status = str(client.jobs.get_job_status(job.id).status)
    result = client.jobs.get_job_result(job.id)
    assert status == "COMPLETED", result
    stored_input = client.jobs.get_job_input(job.id)
    return {"result": result, "input": stored_input, "job": job}
