"""Fixtures of the primitives' tests: one local Hub per test process, real Qiskit, real simulators.

The Hub has its admin controls on for the tests that hold jobs in the queue; they put back what they
changed, so every test of the process can share it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from qhub_providers.api import HubQuantumClient
from qhub_providers.emulator import LocalHub
from qhub_providers.qiskit import HubBackend, HubQiskitProvider

from .support import ALL, SESSION_BACKENDS


@pytest.fixture(scope="session")
def hub() -> Iterator[LocalHub]:
    with LocalHub(admin=True) as local:
        yield local


@pytest.fixture(scope="session")
def client(hub: LocalHub) -> Iterator[HubQuantumClient]:
    with hub.client(max_retries=0) as rest:
        yield rest


@pytest.fixture(scope="session")
def provider(client: HubQuantumClient) -> HubQiskitProvider:
    return HubQiskitProvider(client=client)


@pytest.fixture(params=ALL)
def backend(request: pytest.FixtureRequest, provider: HubQiskitProvider) -> HubBackend:
    """Each kind in turn: IBM (native primitives) and two non-IBM simulators (Qiskit's backend primitives)."""
    return provider.get_backend(str(request.param))


@pytest.fixture(params=SESSION_BACKENDS)
def session_backend(request: pytest.FixtureRequest, provider: HubQiskitProvider) -> HubBackend:
    """A native (IBM) and a delegated (AWS) backend, both with sessions."""
    return provider.get_backend(str(request.param))
