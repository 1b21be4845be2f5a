"""Runner for photonic Perceval jobs (``PERCEVAL``, e.g. ``quandela.qpu.belenos``), simulated with Perceval.

The input is the payload Perceval's remote processor sends to a Quandela platform: ``{"command":
"sample_count" | "samples" | "probs", "experiment": <Perceval-serialized Experiment>, "max_shots"?,
"max_samples"?, "parameters"?}``, either bare, inside Perceval's envelope (``{"pcvl_version",
"process_id", "platform_name", "payload": {...}}``), or wrapped as ``{"value": {...}}`` by generated
clients. The experiment is read with Perceval's own deserializer and simulated by Perceval's SLOS
back end through its ``Sampler``, ideally (no source or detector noise).

The native result has the shape Quandela's platforms answer and Perceval's ``RemoteJob`` reads:
``{"results": "<JSON of the Perceval-serialized result>"}``, the result being Perceval's own
(``{"results": BSCount | BSDistribution | [samples], "global_perf": ...}``). A photonic job has no
normalized counts over qubits, so the normalized views are 204, as for analog jobs.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from qhub_providers.emulator.runners.base import Execution, InvalidJobInput

try:
    import perceval as pcvl  # type: ignore[import-untyped]
    from perceval.algorithm import Sampler  # type: ignore[import-untyped]
    from perceval.components import Experiment  # type: ignore[import-untyped]
    from perceval.serialization import deserialize, serialize  # type: ignore[import-untyped]
except ImportError:  # the emulator extra without Perceval: photonic jobs are refused, the rest runs
    pcvl = None

if TYPE_CHECKING:
    from qhub_providers.emulator.catalog.spec import BackendSpec

__all__ = ["PercevalRunner", "PreparedPercevalJob"]

_COMMANDS = ("sample_count", "samples", "probs")
# SLOS keeps every output state in memory: C(modes + photons - 1, photons) of them. Beyond this many
# photons a job on a 24-mode device would hold the local Hub for minutes, so it is refused up front.
_MAX_SIMULATED_PHOTONS = 6
# Perceval seeds Python's, NumPy's and its C++ library's global generators; the lock keeps two
# photonic jobs of this process from interleaving their draws.
_GLOBAL_RNG_LOCK = threading.Lock()


@dataclass(frozen=True)
class PreparedPercevalJob:
    """A validated Perceval job: the deserialized experiment, the command and its sample budget."""

    spec: BackendSpec
    experiment: Any
    command: str
    max_shots: int
    max_samples: int


class PercevalRunner:
    """Simulates Perceval experiments with Perceval's SLOS back end."""

    def prepare(
        self, spec: BackendSpec, job_input: Any, input_params: dict[str, Any], shots: int
    ) -> PreparedPercevalJob:
        """Read the payload with Perceval and check it against the device's photonic properties."""
        if spec.refuse_jobs:
            raise InvalidJobInput(spec.refuse_jobs, 422)
        if pcvl is None:
            raise InvalidJobInput(
                "The local Hub simulates photonic jobs with Perceval, which is not installed: "
                "pip install 'qhub-providers[emulator]'."
            )
        payload = _payload(job_input)
        command = payload.get("command")
        if command not in _COMMANDS:
            raise InvalidJobInput(
                f"command must be one of {', '.join(_COMMANDS)}, got {command!r}", status=400
            )
        if payload.get("iterator"):
            raise InvalidJobInput("The local Hub does not simulate Perceval parameter iterations.")
        experiment = _experiment(payload)
        _check_device(spec, experiment)
        max_shots = _count(payload.get("max_shots"), shots, "max_shots")
        if not spec.shots_min <= max_shots <= spec.shots_max:
            raise InvalidJobInput(
                f"max_shots={max_shots} is outside the range [{spec.shots_min}, {spec.shots_max}] of "
                f"{spec.id}."
            )
        max_samples = min(_count(payload.get("max_samples"), max_shots, "max_samples"), max_shots)
        return PreparedPercevalJob(spec, experiment, str(command), max_shots, max_samples)

    def execute(self, prepared: PreparedPercevalJob, *, seed: int, noise: dict[str, Any] | None) -> Execution:
        """Run the command on Perceval's SLOS back end, seeded from ``seed``."""
        with _GLOBAL_RNG_LOCK:
            saved = (random.getstate(), np.random.get_state())
            try:
                pcvl.random_seed(seed % 2**32)
                processor = pcvl.Processor("SLOS", prepared.experiment)
                sampler = Sampler(processor, max_shots_per_call=prepared.max_shots)
                if prepared.command == "probs":
                    result = sampler.probs()
                elif prepared.command == "samples":
                    result = sampler.samples(prepared.max_samples)
                else:
                    result = sampler.sample_count(prepared.max_samples)
            finally:
                random.setstate(saved[0])
                np.random.set_state(saved[1])
        native = {"results": json.dumps(serialize(result))}
        return Execution(native_result=native, normalized=None, memory=None)

    def normalized_input(self, prepared: PreparedPercevalJob) -> dict[str, Any]:
        """Always refuses: a photonic experiment has no OpenQASM rendering."""
        raise InvalidJobInput("A photonic Perceval experiment has no OpenQASM rendering.", 422)


def _payload(job_input: Any) -> Mapping[str, Any]:
    value = job_input
    if isinstance(value, Mapping) and "command" not in value and isinstance(value.get("value"), Mapping):
        value = value["value"]  # the generated clients' wrapper
    if isinstance(value, Mapping) and "command" not in value and isinstance(value.get("payload"), Mapping):
        value = value["payload"]  # Perceval's own envelope
    if not isinstance(value, Mapping) or "command" not in value:
        raise InvalidJobInput(
            'The input must be a Perceval job payload {"command": ..., "experiment": ...}.', status=400
        )
    return value


def _experiment(payload: Mapping[str, Any]) -> Any:
    raw = payload.get("experiment")
    if not isinstance(raw, str):
        raise InvalidJobInput("experiment must be a Perceval-serialized Experiment string.", status=400)
    try:
        experiment = deserialize(raw)
    except Exception as error:  # Perceval's deserializers raise whatever their decoders raise
        raise InvalidJobInput(f"Perceval cannot read the experiment: {error}", status=400) from None
    if not isinstance(experiment, Experiment):
        raise InvalidJobInput(
            f"experiment must be a Perceval Experiment, got {type(experiment).__name__}.", status=400
        )
    if experiment.input_state is None:
        raise InvalidJobInput("The experiment has no input state.", status=400)
    return experiment


def _check_device(spec: BackendSpec, experiment: Any) -> None:
    config = spec.record.get("configuration") or {}
    photonic = config.get("photonic_properties") or {}
    modes = int(experiment.m)
    photons = int(experiment.input_state.n)
    low, high = photonic.get("min_modes", 1), photonic.get("max_modes", modes)
    if not low <= modes <= high:
        raise InvalidJobInput(f"The experiment has {modes} modes; {spec.id} offers {low} to {high}.")
    low, high = photonic.get("min_photons", 1), photonic.get("max_photons", photons)
    if not low <= photons <= high:
        raise InvalidJobInput(f"The input state has {photons} photons; {spec.id} takes {low} to {high}.")
    if photons > _MAX_SIMULATED_PHOTONS:
        raise InvalidJobInput(
            f"The input state has {photons} photons; the local Hub simulates at most "
            f"{_MAX_SIMULATED_PHOTONS}."
        )


def _count(value: Any, default: int, field: str) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidJobInput(f"{field} must be a positive integer, got {value!r}", status=400)
    return value
