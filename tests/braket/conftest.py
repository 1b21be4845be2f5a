"""Fixtures of the Braket face's tests: real local Hubs, real Braket objects.

``hub`` is shared by the tests that only submit jobs. Tests that change a Hub (pause a backend, force job
statuses) use ``admin_hub`` and put back what they changed, so the tests of one process can share it too.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from braket.circuits import Circuit

from qhub_providers.api import HubQuantumClient
from qhub_providers.braket import HubBraketDevice, HubBraketProvider
from qhub_providers.emulator import LocalHub


@pytest.fixture(scope="session")
def hub() -> Iterator[LocalHub]:
    """The shared local Hub."""
    with LocalHub() as local:
        yield local


@pytest.fixture(scope="session")
def client(hub: LocalHub) -> Iterator[HubQuantumClient]:
    """A REST client of the shared Hub, for looking at what the Braket face submitted."""
    with hub.client() as rest:
        yield rest


@pytest.fixture(scope="session")
def provider(client: HubQuantumClient) -> HubBraketProvider:
    return HubBraketProvider(client=client)


@pytest.fixture(scope="session")
def sv1(provider: HubBraketProvider) -> HubBraketDevice:
    return provider.get_device("aws.sim.sv1")


@pytest.fixture(scope="session")
def admin_hub() -> Iterator[LocalHub]:
    """A local Hub with the admin controls on, for forcing statuses and pausing backends."""
    with LocalHub(admin=True) as local:
        yield local


@pytest.fixture(scope="session")
def admin_provider(admin_hub: LocalHub) -> Iterator[HubBraketProvider]:
    with admin_hub.client() as rest:
        yield HubBraketProvider(client=rest)


@pytest.fixture
def paused_sv1(admin_hub: LocalHub, admin_provider: HubBraketProvider) -> Iterator[HubBraketDevice]:
    """SV1 on the admin Hub, paused: its jobs stay QUEUED until a test forces a status on them.

    SV1 rather than DM1: jobs left queued here run once the backend is back, and the local Hub cannot
    simulate two density-matrix programs at the same time.
    """
    admin_hub.admin.set_backend("aws.sim.sv1", status="PAUSED")
    try:
        yield admin_provider.get_device("aws.sim.sv1")
    finally:
        admin_hub.admin.set_backend("aws.sim.sv1", status="ONLINE")


@pytest.fixture
def bell() -> Circuit:
    return Circuit().h(0).cnot(0, 1)


@pytest.fixture
def ghz() -> Circuit:
    return Circuit().h(0).cnot(0, 1).cnot(1, 2)
