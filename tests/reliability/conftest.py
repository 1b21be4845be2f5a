"""Fixtures of the fault-tolerance tests: one local Hub for the whole process, faults off between tests.

Every test works in an organization of its own, so the jobs it lists are its own and nothing else.
Clients get short real retry sleeps (see :func:`~tests.reliability.support.fast_retries`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from qhub_providers.api import HubQuantumClient
from qhub_providers.emulator import LocalHub

from .support import CLIENT_TIMEOUT, MAX_RETRIES, fast_retries


@pytest.fixture(scope="session")
def hub() -> Iterator[LocalHub]:
    """The local Hub of this test process, with the admin controls (fault injection) on."""
    with LocalHub(admin=True) as local:
        yield local


@pytest.fixture
def retrying(hub: LocalHub, org: str) -> Iterator[HubQuantumClient]:
    """The client under test: retries generously with short sleeps, in the test's organization."""
    with hub.client(
        organization_id=org, max_retries=MAX_RETRIES, timeout=CLIENT_TIMEOUT, retry_policy=fast_retries()
    ) as client:
        yield client


@pytest.fixture
def observer(hub: LocalHub, org: str) -> Iterator[HubQuantumClient]:
    """A client that never retries, for checking what the Hub holds once the faults are off."""
    with hub.client(organization_id=org, max_retries=0) as client:
        yield client


@pytest.fixture(autouse=True)
def faults_off_afterwards(request: pytest.FixtureRequest) -> Iterator[None]:
    """Whatever a test injected into the shared Hub ends with it."""
    yield
    if "hub" in request.fixturenames:
        shared: LocalHub = request.getfixturevalue("hub")
        shared.set_faults(rate=0)
