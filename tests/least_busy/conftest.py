"""Fixtures of the least-busy tests: a fresh local Hub per test (its queues and statuses are what the tests
change), a client without retries (so an injected fault reaches the code under test) whose requests are
logged through httpx event hooks (observed, never altered)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from qhub_providers.api import HubQuantumClient
from qhub_providers.braket import HubBraketProvider
from qhub_providers.emulator import LocalHub
from qhub_providers.qiskit import HubQiskitProvider


class RequestLog:
    """Every request path the client sent (without the query string)."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    def __call__(self, request: httpx.Request) -> None:
        self.paths.append(request.url.path)

    def count(self, ending: str) -> int:
        return sum(1 for path in self.paths if path.endswith(ending))

    def clear(self) -> None:
        self.paths.clear()


@pytest.fixture
def hub() -> Iterator[LocalHub]:
    with LocalHub(admin=True) as local:
        yield local


@pytest.fixture
def log() -> RequestLog:
    return RequestLog()


@pytest.fixture
def client(hub: LocalHub, log: RequestLog) -> Iterator[HubQuantumClient]:
    http = httpx.Client(event_hooks={"request": [log]}, timeout=30)
    try:
        with HubQuantumClient(
            api_key=hub.token, base_url=hub.base_url, max_retries=0, httpx_client=http
        ) as rest:
            yield rest
    finally:
        http.close()


@pytest.fixture
def qiskit_provider(client: HubQuantumClient) -> HubQiskitProvider:
    provider = HubQiskitProvider(client=client)
    provider.backends()  # list the catalog now, so the tests see only the requests least_busy makes
    return provider


@pytest.fixture
def braket_provider(client: HubQuantumClient) -> HubBraketProvider:
    return HubBraketProvider(client=client)
