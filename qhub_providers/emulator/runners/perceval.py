"""Photonic Perceval jobs: listed by the local Hub, but not simulated."""

from __future__ import annotations

from typing import Any

from qhub_providers.emulator.catalog.spec import BackendSpec
from qhub_providers.emulator.runners.base import Execution, InvalidJobInput

_REFUSAL = "the local Hub cannot simulate photonic Perceval jobs; run them on the real Hub"


class PercevalRunner:
    """Refuses every job with a clear 422."""

    def prepare(self, spec: BackendSpec, job_input: Any, input_params: dict[str, Any], shots: int) -> Any:
        raise InvalidJobInput(spec.refuse_jobs or _REFUSAL, 422)

    def execute(self, prepared: Any, *, seed: int, noise: dict[str, Any] | None) -> Execution:
        raise InvalidJobInput(_REFUSAL, 422)

    def normalized_input(self, prepared: Any) -> dict[str, Any]:
        raise InvalidJobInput(_REFUSAL, 422)
