"""IQM backends: Garnet (20 qubits) and Emerald (54 qubits), square-lattice transmon chips.

``backends/{id}/config`` serves an IQM *dynamic quantum architecture*: the qubit names, the loci of each
native operation (``prx``, ``cz``, ``measure``) and the id of the calibration set the loci belong to. The
Qiskit face builds its ``Target`` (``prx`` as ``r``, plus ``cz``) from the ``cz`` loci.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from qhub_providers.emulator.catalog.calibration import SUPERCONDUCTING, GateBasedCalibration
from qhub_providers.emulator.catalog.records import (
    QHUB_SDK,
    QISKIT_SDK,
    BackendFacts,
    Documentation,
    build_spec,
)
from qhub_providers.emulator.catalog.spec import BackendSpec
from qhub_providers.emulator.catalog.topology import Edge, square_lattice

IQM_BASIS = ("r", "cz")
_IQM_PROFILE = replace(
    SUPERCONDUCTING, one_qubit_length_ns=40.0, two_qubit_length_ns=80.0, readout_length_ns=1500.0
)

GARNET_ROWS = ((1, 3), (0, 5), (0, 5), (0, 5), (1, 4))
"""Garnet's 20 qubits on a square grid, row by row (QB1-QB2 on top, QB18-QB20 at the bottom): 30 couplers."""

EMERALD_ROWS = ((3, 5), (2, 6), (1, 7), (0, 8), (0, 8), (0, 8), (0, 8), (1, 7), (2, 6))
"""A 54-qubit square lattice with a diamond-like outline in the manner of IQM's Crystal 54 chip."""


def qubit_names(num_qubits: int) -> list[str]:
    """IQM's 1-based qubit names, ``QB1`` …"""
    return [f"QB{q + 1}" for q in range(num_qubits)]


def architecture(calibration_set_id: str, num_qubits: int, edges: Sequence[Edge]) -> dict[str, Any]:
    """The dynamic quantum architecture JSON of a chip without computational resonators."""
    names = qubit_names(num_qubits)
    singles = [[name] for name in names]

    def operation(implementation: str, loci: list[list[str]]) -> dict[str, Any]:
        return {
            "implementations": {implementation: {"loci": loci}},
            "default_implementation": implementation,
            "override_default_implementation": {},
        }

    return {
        "calibration_set_id": calibration_set_id,
        "qubits": names,
        "computational_resonators": [],
        "gates": {
            "prx": operation("drag_gaussian", singles),
            "cz": operation("tgss", [[names[a], names[b]] for a, b in edges]),
            "measure": operation("constant", singles),
        },
    }


def _iqm(
    name: str,
    rows: Sequence[tuple[int, int]],
    calibration_set_id: str,
    *,
    description: str,
    queue_size: int,
) -> BackendSpec:
    backend_id = f"iqm.qpu.{name}"
    num_qubits, edges = square_lattice(rows)
    facts = BackendFacts(
        id=backend_id,
        internal_id=name,
        provider="IQM",
        hardware_provider="IQM",
        name=name,
        display_name=f"IQM {name.capitalize()}",
        technology="SUPERCONDUCTING",
        is_simulator=False,
        num_qubits=num_qubits,
        input_format="IQM_JOB_INPUT_V1",
        runner="iqm",
        shots=(1, 100_000),
        documentation=Documentation(
            description,
            "https://docs.meetiqm.com/iqm-client/",
            "https://resonance.meetiqm.com/",
            "FI",
            (QHUB_SDK, QISKIT_SDK),
        ),
        basis_gates=IQM_BASIS,
        instructions=("measure", "barrier", "delay"),
        edges=edges,
        max_pubs_per_job=100,
        total_shots_max=1_000_000,
        supports_sessions=True,
        queue_size=queue_size,
        queue_avg_time=queue_size * 60,
    )
    calibration = GateBasedCalibration(
        backend_id,
        num_qubits,
        profile=_IQM_PROFILE,
        one_qubit_gates=("r",),
        two_qubit_gates=("cz",),
        edges=edges,
        virtual_gates=(),
        qubit_names=qubit_names(num_qubits),
    )
    return build_spec(
        facts, native_config=architecture(calibration_set_id, num_qubits, edges), calibration=calibration
    )


def garnet() -> BackendSpec:
    """IQM Garnet: 20 qubits QB1-QB20 with the real chip's 30 couplers."""
    return _iqm(
        "garnet",
        GARNET_ROWS,
        "5a1c7e2b-3d4f-4a6b-9c8d-0e1f2a3b4c5d",
        description="IQM Garnet: 20 superconducting qubits with tunable couplers on a square lattice.",
        queue_size=5,
    )


def emerald() -> BackendSpec:
    """IQM Emerald: 54 qubits on a square lattice."""
    return _iqm(
        "emerald",
        EMERALD_ROWS,
        "8e3f1d6a-7b2c-4e9f-a1d0-6c5b4a392817",
        description="IQM Emerald: 54 superconducting qubits with tunable couplers on a square lattice.",
        queue_size=8,
    )


def iqm_backends() -> list[BackendSpec]:
    """Every IQM backend of the catalog."""
    return [garnet(), emerald()]
