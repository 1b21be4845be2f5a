"""Fixtures of the local Hub's end-to-end tests.

One shared Hub per test process serves every test that only adds jobs and sessions; tests see only their own
records by working in an organization of their own (``org_client``). Tests that change the Hub itself
(backend states, faults, queue delays) get a private Hub.

Clients are built with ``max_retries=0`` so that a server error reaches the test at once instead of being
retried away.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from qhub_providers.api import HubQuantumClient
from qhub_providers.emulator import LocalHub

from .hub_support import connect


@pytest.fixture(scope="session")
def hub() -> Iterator[LocalHub]:
    """The shared local Hub, with the admin controls on."""
    with LocalHub(admin=True) as local:
        yield local


@pytest.fixture(scope="session")
def client(hub: LocalHub) -> Iterator[HubQuantumClient]:
    """A client of the shared Hub in the personal scope."""
    with connect(hub) as personal:
        yield personal


@pytest.fixture
def org_client(hub: LocalHub, org: str) -> Iterator[HubQuantumClient]:
    """A client of the shared Hub working in the test's own organization."""
    with connect(hub, organization_id=org) as scoped:
        yield scoped


@pytest.fixture
def private_hub() -> Iterator[LocalHub]:
    """A Hub of the test's own, for tests that pause backends, inject faults or change queue delays."""
    with LocalHub(admin=True) as local:
        yield local


@pytest.fixture
def private_client(private_hub: LocalHub) -> Iterator[HubQuantumClient]:
    """A client of the private Hub."""
    with connect(private_hub) as personal:
        yield personal
