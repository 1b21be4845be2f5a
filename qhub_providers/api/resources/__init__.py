"""The endpoint namespaces of the client: ``backends``, ``sessions``, ``jobs``, ``workloads``,
``runtime_minutes``. Each endpoint is declared once here and served to both clients.

Each namespace module loads when first used (PEP 562), so that code needing one of them (a face that
only submits jobs) does not pay for the others and their models."""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qhub_providers.api.resources.backends import BackendsApi
    from qhub_providers.api.resources.jobs import JobsApi
    from qhub_providers.api.resources.runtime_minutes import RuntimeMinutesApi
    from qhub_providers.api.resources.sessions import SessionsApi
    from qhub_providers.api.resources.workloads import WorkloadsApi

_MODULES = {
    "BackendsApi": "backends",
    "JobsApi": "jobs",
    "RuntimeMinutesApi": "runtime_minutes",
    "SessionsApi": "sessions",
    "WorkloadsApi": "workloads",
}

__all__ = ["BackendsApi", "JobsApi", "RuntimeMinutesApi", "SessionsApi", "WorkloadsApi"]


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
