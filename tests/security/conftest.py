"""Fixtures of the security tests: one local Hub for the whole directory, with a distinctive token.

The Hub has the admin controls on, because some tests inject server errors and dropped connections; every
test that does so switches the faults off again.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from qhub_providers.api import HubQuantumClient
from qhub_providers.emulator import LocalHub

from .support import TOKEN, connect


@pytest.fixture(scope="session")
def hub() -> Iterator[LocalHub]:
    """The security tests' local Hub; its token is :data:`~.support.TOKEN`."""
    with LocalHub(admin=True, token=TOKEN) as local:
        yield local


@pytest.fixture
def org_client(hub: LocalHub, org: str) -> Iterator[HubQuantumClient]:
    """A client working in the test's own organization."""
    with connect(hub, organization_id=org) as client:
        yield client
