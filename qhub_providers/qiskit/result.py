"""Samples in the common shape → a Qiskit ``Result``: the one converter every format goes through.

The shape follows what Qiskit's readers need (see the design's "Bit order, once"): counts and per-shot
memory as hex strings indexed by classical bit (``hex(sum(bit_i << i))``), and a header with ``name``,
``creg_sizes``, ``memory_slots``, ``metadata`` (and, as Aer gives them, ``n_qubits``, ``qreg_sizes`` and
``global_phase``) on every experiment, so that ``get_counts()`` pads and
splits registers and ``BackendSamplerV2`` / ``BackendEstimatorV2`` read the right bits.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import numpy as np
from qiskit.result import Result

from qhub_providers.formats.base import ClassicalLayout, ExperimentSamples


def _sample_from_probabilities(
    probabilities: dict[int, float], shots: int, rng: np.random.Generator
) -> list[int]:
    # Providers that return exact probabilities (IonQ's simulator) still owe Qiskit per-shot outcomes:
    # draw them, reproducibly for a given seed.
    outcomes = np.fromiter(probabilities.keys(), dtype=object, count=len(probabilities))
    weights = np.fromiter(probabilities.values(), dtype=float, count=len(probabilities))
    total = weights.sum()
    if shots <= 0 or total <= 0:
        return []
    drawn = rng.choice(len(outcomes), size=shots, p=weights / total)
    return [int(outcomes[i]) for i in drawn]


def _hex_values(values: list[int]) -> list[str]:
    return [hex(v) for v in values]


def experiment_dict(
    layout: ClassicalLayout,
    samples: ExperimentSamples,
    *,
    memory: bool,
    rng: np.random.Generator,
) -> dict[str, Any]:
    """One ``ExperimentResult`` as the dict ``Result.from_dict`` reads."""
    if layout.memory_slots == 0:
        # No classical bits, no outcomes: like Aer, the experiment has shots but neither counts nor memory
        # (Qiskit's backend sampler then gives its "no output classical registers" warning).
        return _experiment(layout, samples, {}, samples.shots)
    values = samples.values
    if values is None and samples.probabilities is not None:
        values = _sample_from_probabilities(samples.probabilities, samples.shots, rng)
    counts = Counter(values) if values is not None else Counter(samples.outcome_counts())
    data: dict[str, Any] = {"counts": {hex(k): v for k, v in sorted(counts.items())}}
    if memory:
        if values is None:
            # Counts alone cannot say which shot gave which outcome; expand them in a shuffled order so
            # that per-shot readers (the sampler) still see the right distribution.
            expanded = [value for value, n in counts.items() for _ in range(n)]
            rng.shuffle(expanded)
            values = expanded
        data["memory"] = _hex_values(values)
    return _experiment(layout, samples, data, samples.shots or sum(counts.values()))


def _experiment(
    layout: ClassicalLayout, samples: ExperimentSamples, data: dict[str, Any], shots: int
) -> dict[str, Any]:
    return {
        "shots": shots,
        "success": samples.success,
        "data": data if samples.success else {},
        "meas_level": 2,
        "header": layout.header(),
        "status": "DONE" if samples.success else (samples.message or "ERROR"),
    }


def to_qiskit_result(
    *,
    job_id: str,
    backend_name: str,
    layouts: list[ClassicalLayout],
    samples: list[ExperimentSamples],
    memory: bool,
    seed: int | None = None,
    metadata: dict[str, Any] | None = None,
) -> Result:
    """Build the ``Result`` of a job: one experiment per circuit, in submission order."""
    if len(layouts) != len(samples):
        raise ValueError(f"job {job_id}: {len(layouts)} circuits but {len(samples)} results")
    rng = np.random.default_rng(seed)
    experiments = [
        experiment_dict(layout, sample, memory=memory, rng=rng)
        for layout, sample in zip(layouts, samples, strict=True)
    ]
    return Result.from_dict(
        {
            "backend_name": backend_name,
            "backend_version": "1",
            "job_id": job_id,
            "qobj_id": job_id,
            "success": all(e["success"] for e in experiments),
            "results": experiments,
            "date": dt.datetime.now(dt.UTC).isoformat(),
            "status": "COMPLETED",
            "header": {"backend_name": backend_name},
            **(metadata or {}),
        }
    )
