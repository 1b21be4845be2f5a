"""The Qiskit face: ``HubQiskitProvider``, ``HubBackend`` (``BackendV2``) and ``HubJob`` (``JobV1``).

Needs the ``qiskit`` extra. Importing it never imports Braket.

The public names load on first use (PEP 562): ``from qhub_providers.qiskit import HubQiskitProvider``
does not pay for the target builders, the translation formats, the primitives or the progress display,
which load when a backend is built or a job runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

try:
    import qiskit  # noqa: F401  # fail here, with the fix, rather than deep inside a submodule
except ImportError as missing:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        f"the Qiskit face needs Qiskit: pip install 'qhub-providers[qiskit]' ({missing})"
    ) from missing

if TYPE_CHECKING:
    from qhub_providers.qiskit.backend import HubBackend, HubBackendStatus
    from qhub_providers.qiskit.errors import (
        CircuitNotSupportedError,
        HubJobError,
        HubJobTimeoutError,
        JobAbortedError,
        JobCancelledError,
        JobDetachedError,
        JobFailedError,
    )
    from qhub_providers.qiskit.job import HubJob, wait_for_jobs
    from qhub_providers.qiskit.options import EstimatorOptions, SamplerOptions
    from qhub_providers.qiskit.primitives import EstimatorV2, HubPrimitiveJob, PrimitiveJobStatus, SamplerV2
    from qhub_providers.qiskit.provider import HubQiskitProvider
    from qhub_providers.sessions import Batch, Session

# Public name -> the module that defines it.
_HOMES: dict[str, str] = {
    "Batch": "qhub_providers.sessions",
    "Session": "qhub_providers.sessions",
    "EstimatorOptions": "qhub_providers.qiskit.options",
    "SamplerOptions": "qhub_providers.qiskit.options",
    "EstimatorV2": "qhub_providers.qiskit.primitives",
    "HubPrimitiveJob": "qhub_providers.qiskit.primitives",
    "PrimitiveJobStatus": "qhub_providers.qiskit.primitives",
    "SamplerV2": "qhub_providers.qiskit.primitives",
    "CircuitNotSupportedError": "qhub_providers.qiskit.errors",
    "HubJobError": "qhub_providers.qiskit.errors",
    "HubJobTimeoutError": "qhub_providers.qiskit.errors",
    "JobAbortedError": "qhub_providers.qiskit.errors",
    "JobCancelledError": "qhub_providers.qiskit.errors",
    "JobDetachedError": "qhub_providers.qiskit.errors",
    "JobFailedError": "qhub_providers.qiskit.errors",
    "HubBackend": "qhub_providers.qiskit.backend",
    "HubBackendStatus": "qhub_providers.qiskit.backend",
    "HubJob": "qhub_providers.qiskit.job",
    "wait_for_jobs": "qhub_providers.qiskit.job",
    "HubQiskitProvider": "qhub_providers.qiskit.provider",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # later look-ups skip this hook
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))


__all__ = [
    "Batch",
    "EstimatorOptions",
    "EstimatorV2",
    "HubPrimitiveJob",
    "PrimitiveJobStatus",
    "SamplerOptions",
    "SamplerV2",
    "Session",
    "CircuitNotSupportedError",
    "HubBackend",
    "HubBackendStatus",
    "HubJob",
    "HubJobError",
    "HubJobTimeoutError",
    "HubQiskitProvider",
    "JobAbortedError",
    "JobCancelledError",
    "JobDetachedError",
    "JobFailedError",
    "wait_for_jobs",
]
