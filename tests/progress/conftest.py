"""Fixtures of the progress tests: one local Hub whose jobs wait in the queue a little, so waits really wait.

Every test starts without ``QHUB_PROGRESS`` (a developer's shell may set it), so "silent by default" is what
is tested.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from qhub_providers.emulator import LocalHub
from qhub_providers.progress import PROGRESS_ENV

QUEUE_DELAY = 0.3
"""Seconds each job stays PENDING before it runs."""


@pytest.fixture(scope="session")
def hub() -> Iterator[LocalHub]:
    with LocalHub(admin=True, queue_delay=QUEUE_DELAY) as local:
        yield local


@pytest.fixture(autouse=True)
def no_progress_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PROGRESS_ENV, raising=False)
