"""Errors of the Qiskit face. Each is a Qiskit error too, so code written for other providers catches it."""

from __future__ import annotations

from qiskit.exceptions import QiskitError
from qiskit.providers.exceptions import JobError, JobTimeoutError

from qhub_providers.api.errors import HubError


class HubJobError(HubError, JobError):
    """A job did not give a result; ``status`` is its Hub status, the message carries the Hub's reason."""

    def __init__(self, job_id: str, status: str, reason: str | None = None) -> None:
        self.job_id = job_id
        self.status = status
        self.reason = reason
        detail = f": {reason}" if reason else ""
        JobError.__init__(self, f"job {job_id} {self._verb()}{detail}")

    def _verb(self) -> str:
        return f"ended {self.status}"

    def __str__(self) -> str:
        return str(self.message)


class JobFailedError(HubJobError):
    """The job ran and failed (Hub status FAILED)."""

    def _verb(self) -> str:
        return "failed"


class JobCancelledError(HubJobError):
    """The job was cancelled (Hub status CANCELLED)."""

    def _verb(self) -> str:
        return "was cancelled"


class JobAbortedError(HubJobError):
    """The provider aborted the job (Hub status ABORTED)."""

    def _verb(self) -> str:
        return "was aborted by the provider"


class JobDetachedError(HubJobError):
    """The job outlived the credential that submitted it and will never give a result (DETACHED)."""

    def _verb(self) -> str:
        return "is detached (it outlived the credential that submitted it) and has no result"


class HubJobTimeoutError(HubError, JobTimeoutError):
    """Waiting for a job took longer than the timeout given; the job itself goes on."""

    def __init__(self, job_id: str, status: str, timeout: float) -> None:
        self.job_id = job_id
        self.status = status
        JobTimeoutError.__init__(
            self, f"job {job_id} is still {status} after {timeout:g} s; call result() again to keep waiting"
        )

    def __str__(self) -> str:
        return str(self.message)


class CircuitNotSupportedError(HubError, QiskitError, ValueError):
    """A circuit does not fit the backend (too wide, a gate it lacks, unbound parameters ...).

    A ``QiskitError`` (as other providers' errors are) and a ``ValueError``."""

    def __init__(self, message: str) -> None:
        QiskitError.__init__(self, message)

    def __str__(self) -> str:
        return str(self.message)
