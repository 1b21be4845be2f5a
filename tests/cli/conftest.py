"""The command-line tests use the shared Hub of ``tests/conftest.py``."""

from tests.face_fixtures import client, hub, provider

__all__ = ["client", "hub", "provider"]
