"""Fixtures of the primitives' tests: real Qiskit, real simulators, on the local Hub and the provider of
``tests/conftest.py`` (shared with the Qiskit face's tests).
"""

from __future__ import annotations

import pytest

from qhub_providers.qiskit import HubBackend, HubQiskitProvider
from tests.face_fixtures import client, hub, provider

from .support import ALL, SESSION_BACKENDS

__all__ = ["client", "hub", "provider"]


@pytest.fixture(params=ALL)
def backend(request: pytest.FixtureRequest, provider: HubQiskitProvider) -> HubBackend:
    """Each kind in turn: IBM (native primitives) and two non-IBM simulators (Qiskit's backend primitives)."""
    return provider.get_backend(str(request.param))


@pytest.fixture(params=SESSION_BACKENDS)
def session_backend(request: pytest.FixtureRequest, provider: HubQiskitProvider) -> HubBackend:
    """A native (IBM) and a delegated (AWS) backend, both with sessions."""
    return provider.get_backend(str(request.param))
