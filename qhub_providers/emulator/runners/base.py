"""The contract between the local Hub's job engine and the per-format runners.

A runner turns a stored job input into a simulation result. It works in two steps so that ``POST jobs``
can refuse bad input at once (with the parser's own message) while the simulation runs later:

* :meth:`Runner.prepare` validates and parses; it raises :class:`InvalidJobInput` for anything it cannot
  run. It is called again after a restart, from the stored input, so it must be deterministic.
* :meth:`Runner.execute` simulates and returns an :class:`Execution` with the provider-native result
  and the normalized views (``qhub_providers/api/models/normalized.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from qhub_providers.emulator.catalog.spec import BackendSpec


class InvalidJobInput(Exception):
    """The job input cannot be run on this backend; becomes an HTTP error answer of ``status``."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class Execution:
    """What a finished simulation produced.

    ``native_result`` is served by ``GET jobs/{id}/result`` (provider-native JSON). ``normalized`` is the
    ``NormalizedJobResult`` JSON (``{"pubs": [...]}``) or ``None`` (served as 204). ``memory`` is the
    ``NormalizedMemoryResult`` JSON or ``None`` (served as 204).
    """

    native_result: Any
    normalized: dict[str, Any] | None
    memory: dict[str, Any] | None = None


class Runner(Protocol):
    """A simulator for one or more job input formats."""

    def prepare(self, spec: BackendSpec, job_input: Any, input_params: dict[str, Any], shots: int) -> Any:
        """Validate and parse a job input; raise :class:`InvalidJobInput` when it cannot run."""
        ...

    def execute(self, prepared: Any, *, seed: int, noise: dict[str, Any] | None) -> Execution:
        """Simulate a prepared job. ``noise`` is the backend's gate-based calibration (QPUs only)."""
        ...

    def normalized_input(self, prepared: Any) -> dict[str, Any]:
        """The ``NormalizedJobInput`` JSON; raise :class:`InvalidJobInput` when no QASM rendering exists."""
        ...
