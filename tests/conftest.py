"""Fixtures shared across test folders: ``org`` (a fresh organization id), and those of the Qiskit face's
folders (``tests/qiskit``, ``tests/primitives``, ``tests/cli``).

One local Hub with its admin controls on, a REST client without retries (so a server error reaches the test
at once) and one Qiskit provider (so backend targets are built once per test process). Tests that change
the Hub (a backend's status or queue delay, forced job statuses) put back what they changed, so the tests of
both folders can share it; under pytest-xdist each worker has its own.

The fixtures have names of their own (``face_hub``, ``face_client``, ``face_provider``); the folders that
share them alias them as ``hub``, ``client`` and ``provider`` in their conftest. Plain names here would be
a trap: a session-scoped ``client`` first requested from a folder that defines its own ``hub`` binds to
that folder's Hub for the rest of the session, and later tests see a provider and a Hub that differ.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # imported by the fixtures, so folders that override them never load Qiskit for this
    from qhub_providers.api import HubQuantumClient
    from qhub_providers.emulator import LocalHub
    from qhub_providers.qiskit import HubQiskitProvider


@pytest.fixture(scope="session")
def face_hub() -> Iterator[LocalHub]:
    """The local Hub of this test process, with the admin controls on."""
    from qhub_providers.emulator import LocalHub

    with LocalHub(admin=True) as local:
        yield local


@pytest.fixture(scope="session")
def face_client(face_hub: LocalHub) -> Iterator[HubQuantumClient]:
    """A REST client of the Hub without retries, for looking at what the faces submitted."""
    with face_hub.client(max_retries=0) as rest:
        yield rest


@pytest.fixture(scope="session")
def face_provider(face_client: HubQuantumClient) -> HubQiskitProvider:
    """The Qiskit provider every test shares."""
    from qhub_providers.qiskit import HubQiskitProvider

    return HubQiskitProvider(client=face_client)


@pytest.fixture
def org() -> str:
    """A fresh organization id, so that what a test creates in it is visible to that test alone."""
    return f"org-{uuid.uuid4().hex[:12]}"
