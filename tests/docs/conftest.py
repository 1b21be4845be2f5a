"""Fixtures of the documentation tests: one local Hub for every example of the docs.

The examples on the site are complete programs that start their own ``LocalHub()``. Here each of them
borrows the one Hub of this test process instead: starting a fresh local Hub per example would cost time,
and starting one after another has stopped has crashed Qiskit in the same process before.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from qhub_providers.emulator import LocalHub

# What an example may ask of its LocalHub(...) and still run on the shared one (started with admin=True).
_HONOURED_ARGUMENTS = frozenset({"admin"})


class BorrowedHub:
    """What ``LocalHub(...)`` gives inside an example: the shared Hub, which outlives the block."""

    def __init__(self, hub: LocalHub) -> None:
        self._hub = hub

    def __getattr__(self, name: str) -> Any:
        return getattr(self._hub, name)

    def start(self, timeout: float = 10.0) -> LocalHub:
        return self._hub

    def stop(self) -> None:
        """The shared Hub outlives the example."""

    def __enter__(self) -> LocalHub:
        return self._hub

    def __exit__(self, *exc: object) -> None:
        self.stop()


class SharedHubFactory:
    """Stands in for the ``LocalHub`` class while an example runs."""

    def __init__(self, hub: LocalHub) -> None:
        self.hub = hub

    def __call__(self, **kwargs: Any) -> BorrowedHub:
        unsupported = set(kwargs) - _HONOURED_ARGUMENTS
        if unsupported:
            raise AssertionError(
                f"a runnable example passes LocalHub{sorted(unsupported)}, which the shared test Hub cannot "
                "honour; drop the argument or do not mark the block runnable"
            )
        return BorrowedHub(self.hub)


@pytest.fixture(scope="session")
def docs_hub() -> Iterator[LocalHub]:
    """The local Hub every documentation example of this process runs against (admin controls on)."""
    with LocalHub(admin=True) as hub:
        yield hub
