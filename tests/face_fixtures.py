"""The shared Hub, client and provider of ``tests/conftest.py`` under their usual names.

Imported by name into the conftest of each folder that shares them, so ``hub``, ``client`` and
``provider`` there are always the same three objects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from qhub_providers.api import HubQuantumClient
    from qhub_providers.emulator import LocalHub
    from qhub_providers.qiskit import HubQiskitProvider


@pytest.fixture(scope="session")
def hub(face_hub: LocalHub) -> LocalHub:
    """The shared local Hub (admin controls on)."""
    return face_hub


@pytest.fixture(scope="session")
def client(face_client: HubQuantumClient) -> HubQuantumClient:
    """A REST client of the shared Hub, without retries."""
    return face_client


@pytest.fixture(scope="session")
def provider(face_provider: HubQiskitProvider) -> HubQiskitProvider:
    """The shared Qiskit provider."""
    return face_provider
