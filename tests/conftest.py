"""Fixtures shared by the test folders of the Qiskit face (``tests/qiskit``, ``tests/primitives``).

One local Hub with its admin controls on, a REST client without retries (so a server error reaches the test
at once) and one Qiskit provider (so backend targets are built once per test process). Tests that change
the Hub (a backend's status or queue delay, forced job statuses) put back what they changed, so the tests of
both folders can share it; under pytest-xdist each worker has its own.

A folder whose tests need another kind of Hub (a scripted one, a private one, one without admin controls)
defines its own ``hub``/``client``/``provider`` fixtures, which take precedence over these.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # imported by the fixtures, so folders that override them never load Qiskit for this
    from qhub_providers.api import HubQuantumClient
    from qhub_providers.emulator import LocalHub
    from qhub_providers.qiskit import HubQiskitProvider


@pytest.fixture(scope="session")
def hub() -> Iterator[LocalHub]:
    """The local Hub of this test process, with the admin controls on."""
    from qhub_providers.emulator import LocalHub

    with LocalHub(admin=True) as local:
        yield local


@pytest.fixture(scope="session")
def client(hub: LocalHub) -> Iterator[HubQuantumClient]:
    """A REST client of the Hub without retries, for looking at what the faces submitted."""
    with hub.client(max_retries=0) as rest:
        yield rest


@pytest.fixture(scope="session")
def provider(client: HubQuantumClient) -> HubQiskitProvider:
    """The Qiskit provider every test shares."""
    from qhub_providers.qiskit import HubQiskitProvider

    return HubQiskitProvider(client=client)
