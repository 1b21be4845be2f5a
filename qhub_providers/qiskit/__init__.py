"""The Qiskit face: ``HubQiskitProvider``, ``HubBackend`` (``BackendV2``) and ``HubJob`` (``JobV1``).

Needs the ``qiskit`` extra. Importing it never imports Braket.
"""

try:
    import qiskit  # noqa: F401  # fail here, with the fix, rather than deep inside a submodule
except ImportError as missing:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        f"the Qiskit face needs Qiskit: pip install 'qhub-providers[qiskit]' ({missing})"
    ) from missing

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
