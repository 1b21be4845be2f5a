"""The local Hub's HTTP routes, one router per resource; every handler gets its caller from the shared
dependency in :mod:`.common` and calls :class:`~qhub_providers.emulator.service.HubService`."""

from __future__ import annotations

from fastapi import APIRouter

from qhub_providers.emulator.routes import admin, backends, jobs, sessions, workloads

PUBLIC: tuple[APIRouter, ...] = (backends.router, sessions.router, jobs.router, workloads.router)
"""The routers of the Quantum API."""

ADMIN = admin.router
"""The test controls, mounted only on a Hub started with ``admin=True``."""
