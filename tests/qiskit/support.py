"""Helpers and constants of the Qiskit face's tests (the fixtures are in ``conftest.py``)."""

from __future__ import annotations

from typing import Any, TypeVar

import httpx
from qiskit import QuantumCircuit, transpile
from qiskit.result import Result

from qhub_providers.emulator import LocalHub
from qhub_providers.qiskit import HubBackend

T = TypeVar("T")

SEED = 1234
"""Seed of every transpilation and simulation, so each run of the suite sees the same samples."""

FAMILIES = (
    "aws.sim.sv1",
    "aws.rigetti.cepheus",
    "ibm.qpu.fez",
    "iqm.qpu.garnet",
    "azure.ionq.simulator",
    "aqt.sim.ideal",
    "qudora.sim.xg1",
    "kipu.sim.qsim",
)
"""One backend of every gate-based family (and a QPU for AWS): each input format and target builder."""

IDEAL_SIMULATORS = ("aws.sim.sv1", "kipu.sim.qsim", "azure.ionq.simulator", "aqt.sim.ideal")
"""Noise-free simulators, where distributions must match the exact ones within sampling error."""

QPUS = ("aws.rigetti.cepheus", "ibm.qpu.fez", "iqm.qpu.garnet")
"""Emulated QPUs with a coupling map and calibrated noise."""

NOT_GATE_BASED = frozenset({"BRAKET_AHS_PROGRAM", "PERCEVAL"})
"""Hub input formats that are not circuits (analog Hamiltonian simulation, photonics)."""


class RequestLog:
    """Every HTTP request a client sent, as ``"METHOD path"`` (query strings dropped)."""

    def __init__(self) -> None:
        self.requests: list[str] = []

    def __call__(self, request: httpx.Request) -> None:
        self.requests.append(f"{request.method} {request.url.path}")

    def count(self, method: str, path_end: str) -> int:
        """How many ``method`` requests went to a path ending with ``path_end``."""
        return sum(
            1 for r in self.requests if r.startswith(f"{method} ") and r.endswith(path_end.rstrip("/"))
        )

    def clear(self) -> None:
        self.requests.clear()


def job_count(hub: LocalHub) -> int:
    """How many jobs the Hub holds (to prove that a refused circuit created none)."""
    return int(hub.admin.stats()["jobs"])


def fit(circuits: QuantumCircuit | list[QuantumCircuit], backend: HubBackend) -> Any:
    """``circuits`` transpiled for ``backend``, reproducibly."""
    return transpile(circuits, backend, seed_transpiler=SEED, optimization_level=1)


def run_result(
    backend: HubBackend, circuits: QuantumCircuit | list[QuantumCircuit], **options: Any
) -> Result:
    """Transpile, run with a fixed seed and wait for the ``Result``."""
    options.setdefault("seed_simulator", SEED)
    return backend.run(fit(circuits, backend), **options).result(timeout=120)


def fraction(counts: dict[str, int], *keys: str) -> float:
    """Share of the shots whose outcome is one of ``keys``."""
    total = sum(counts.values())
    return sum(counts.get(k, 0) for k in keys) / total
