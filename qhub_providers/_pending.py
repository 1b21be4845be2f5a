"""A submission whose outcome the client could not settle: its job id, found later by its client token.

When ``create_job`` raises :class:`~qhub_providers.api.errors.UncertainSubmissionError`, the job may still
land on the Hub (a store that takes longer than the settle window). Both faces then hand back a job whose
id is not known yet; the first call that needs the id asks :class:`PendingSubmission` for it, which looks
the job up by its token (``client.jobs.find_by_client_token``, the lookup the client's settling makes) for a
bounded patience, and re-raises the original error when the job never shows up (see ``docs/guarantees.md``).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from qhub_providers._polling import Backoff
from qhub_providers.api.errors import ApiError, HubConnectionError, HubTimeoutError, UncertainSubmissionError

if TYPE_CHECKING:
    from qhub_providers.api import HubQuantumClient

PATIENCE_WINDOWS = 3.0
"""How many settle windows (counted from the hand-back) a pending job is looked for before it is
declared never stored."""


class PendingSubmission:
    """Resolves the id of a job whose submission ended with ``error``, by the token ``error`` carries."""

    def __init__(
        self,
        client: HubQuantumClient,
        error: UncertainSubmissionError,
        *,
        patience: float | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        self._client = client
        self.error = error
        self.token = error.client_token
        # The client may have found the job stored and only failed to read its record back.
        self._job_id: str | None = error.job_id
        if patience is None:
            patience = PATIENCE_WINDOWS * client._transport.settings.retry_policy.settle_window
        self._deadline = time.monotonic() + patience
        self._backoff = backoff or Backoff(initial=0.05, cap=1.0)

    @property
    def job_id(self) -> str | None:
        """The id once found, else ``None`` (no request)."""
        return self._job_id

    def expired(self) -> bool:
        """Whether the patience is over (the job is then taken as never stored)."""
        return time.monotonic() >= self._deadline

    def poll(self) -> str | None:
        """One lookup: the id if the job is stored now; ``None`` while the patience lasts; else raises
        the original error."""
        if self._job_id is None and self.token is not None:
            self._job_id = self._look_up()
        if self._job_id is None and (self.token is None or self.expired()):
            raise self.error
        return self._job_id

    def resolve(self) -> str:
        """The job id, looking it up with backoff until found or the patience ends (then raises the
        original :class:`UncertainSubmissionError`, with its token)."""
        interval = self._backoff.intervals()
        while True:
            found = self.poll()
            if found is not None:
                return found
            time.sleep(min(interval(), max(self._deadline - time.monotonic(), 0.0)))

    def _look_up(self) -> str | None:
        assert self.token is not None
        try:
            job = self._client.jobs.find_by_client_token(self.token)
        except (HubConnectionError, HubTimeoutError):
            return None  # a failed lookup proves nothing either way
        except ApiError as exc:
            if exc.status_code >= 500 or exc.status_code in (408, 429):
                return None
            raise
        return str(job.id) if job is not None and job.id else None
