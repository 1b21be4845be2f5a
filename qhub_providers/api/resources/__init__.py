"""The endpoint namespaces of the client: ``backends``, ``sessions``, ``jobs``, ``workloads``,
``runtime_minutes``. Each endpoint is declared once here and served to both clients."""

from qhub_providers.api.resources.backends import BackendsApi
from qhub_providers.api.resources.jobs import JobsApi
from qhub_providers.api.resources.runtime_minutes import RuntimeMinutesApi
from qhub_providers.api.resources.sessions import SessionsApi
from qhub_providers.api.resources.workloads import WorkloadsApi

__all__ = ["BackendsApi", "JobsApi", "RuntimeMinutesApi", "SessionsApi", "WorkloadsApi"]
