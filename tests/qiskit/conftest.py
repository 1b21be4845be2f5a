"""Fixtures of the Qiskit face's tests: real Qiskit, real simulators, on the local Hub, REST client and
provider of ``tests/conftest.py`` (shared with the primitives' tests).

HTTP requests are observed (never altered) through httpx event hooks where a test must count them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from qhub_providers.api import HubQuantumClient
from qhub_providers.emulator import LocalHub
from qhub_providers.qiskit import HubBackend, HubQiskitProvider
from tests.face_fixtures import client, hub, provider

from .support import FAMILIES, IDEAL_SIMULATORS, RequestLog

__all__ = ["client", "hub", "provider"]


@pytest.fixture(params=FAMILIES)
def backend(request: pytest.FixtureRequest, provider: HubQiskitProvider) -> HubBackend:
    """One backend per gate-based family (the test runs once for each)."""
    return provider.get_backend(str(request.param))


@pytest.fixture(params=IDEAL_SIMULATORS)
def ideal_backend(request: pytest.FixtureRequest, provider: HubQiskitProvider) -> HubBackend:
    """One noise-free simulator per family that has one."""
    return provider.get_backend(str(request.param))


@pytest.fixture
def observed(hub: LocalHub) -> Iterator[tuple[HubQiskitProvider, RequestLog]]:
    """A provider of its own, in an organization of its own (so it sees only its own jobs), whose HTTP
    requests are logged (for caching and paging checks)."""
    log = RequestLog()
    http = httpx.Client(event_hooks={"request": [log]}, timeout=60, follow_redirects=True)
    try:
        with HubQuantumClient(
            api_key=hub.token,
            base_url=hub.base_url,
            organization_id=f"org-{uuid.uuid4().hex[:12]}",
            max_retries=0,
            httpx_client=http,
        ) as rest:
            yield HubQiskitProvider(client=rest), log
    finally:
        http.close()
