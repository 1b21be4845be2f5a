"""Builders shared by the catalog families: one :class:`BackendFacts` becomes both the Hub's ``Backend``
record (``api/models/backends.py``) and the matching :class:`BackendSpec`, so the two cannot disagree."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from qhub_providers.emulator.catalog.spec import BackendSpec
from qhub_providers.emulator.catalog.topology import Edge, adjacency, directed

QHUB_SDK = ("QHUB", "https://pypi.org/project/qhub-quantum/")
QISKIT_SDK = ("QISKIT", "https://quantum.cloud.ibm.com/docs/en/guides")
QISKIT_RUNTIME_SDK = ("QISKIT_RUNTIME", "https://quantum.cloud.ibm.com/docs/en/api/qiskit-ibm-runtime")
PERCEVAL_SDK = ("PERCEVAL", "https://perceval.quandela.net/docs/")


@dataclass(frozen=True)
class Documentation:
    """The ``documentation`` block of a record; ``sdks`` holds ``(BackendSdkType, url)`` pairs."""

    description: str
    url: str
    status_url: str
    location: str
    sdks: tuple[tuple[str, str], ...] = (QHUB_SDK, QISKIT_SDK)

    def to_json(self) -> dict[str, Any]:
        """The wire object."""
        return {
            "description": self.description,
            "url": self.url,
            "status_url": self.status_url,
            "location": self.location,
            "sdks": [{"type": kind, "url": url} for kind, url in self.sdks],
        }


@dataclass(frozen=True)
class Window:
    """One ``AvailabilityTimes`` entry, in the provider's local time."""

    granularity: str
    start: str
    end: str

    def to_json(self) -> dict[str, str]:
        """The wire object."""
        return {"granularity": self.granularity, "start": self.start, "end": self.end}


ALWAYS = (Window("DAILY", "00:00", "23:59"),)
"""Available around the clock."""


class CalibrationSource(Protocol):
    """What a calibration generator offers a :class:`BackendSpec`."""

    def at(self, instant: datetime) -> dict[str, Any] | None:
        """The ``CalibrationResponse`` JSON effective at ``instant``."""
        ...

    def times(self, start: datetime, end: datetime) -> list[datetime]:
        """Calibration instants within ``[start, end]``."""
        ...


@dataclass(frozen=True)
class BackendFacts:
    """Everything the catalog states about one backend, each fact once.

    ``basis_gates`` are the native gates (Qiskit names); ``other_gates`` the further gates the backend
    accepts and compiles itself. ``instructions`` are the non-gate operations. ``edges`` are the
    undirected couplers, ``None`` for all-to-all; ``gate_based=False`` (analog or photonic devices)
    leaves gates and connectivity out of the record.
    """

    id: str
    internal_id: str
    provider: str
    hardware_provider: str
    name: str
    display_name: str
    technology: str
    is_simulator: bool
    num_qubits: int
    input_format: str
    runner: str
    shots: tuple[int, int]
    documentation: Documentation
    basis_gates: tuple[str, ...] = ()
    other_gates: tuple[str, ...] = ()
    instructions: tuple[str, ...] = ("measure", "barrier")
    edges: tuple[Edge, ...] | None = None
    gate_based: bool = True
    max_pubs_per_job: int = 1
    total_shots_max: int | None = None
    output_format: str | None = None
    memory_result_supported: bool = False
    supports_sessions: bool = False
    access_type: str = "PAY_PER_USE"
    availability: tuple[Window, ...] = ALWAYS
    photonic_properties: Mapping[str, int] | None = None
    queue_size: int = 0
    queue_avg_time: int = 0
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def backend_type(self) -> str:
        """``BackendType`` wire value."""
        return "SIMULATOR" if self.is_simulator else "QPU"

    @property
    def coupling_map(self) -> tuple[Edge, ...] | None:
        """Directed couplers for ``BackendSpec.coupling_map``."""
        return None if self.edges is None else directed(self.edges)


def configuration(facts: BackendFacts) -> dict[str, Any]:
    """The record's ``configuration`` block."""
    config: dict[str, Any] = {}
    if facts.gate_based:
        native = set(facts.basis_gates)
        names = sorted(native | set(facts.other_gates))
        config["gates"] = [{"name": name, "native_gate": name in native} for name in names]
    config["operations"] = list(facts.instructions)
    config["instructions"] = list(facts.instructions)
    config["qubit_count"] = facts.num_qubits
    if facts.gate_based:
        if facts.edges is None:
            config["connectivity"] = {"fully_connected": True}
        else:
            config["connectivity"] = {
                "fully_connected": False,
                "graph": adjacency(facts.num_qubits, facts.edges),
            }
    shots_min, shots_max = facts.shots
    config["shots_range"] = {"min": shots_min, "max": shots_max}
    config["total_shots_range"] = {"min": shots_min, "max": facts.total_shots_max or shots_max}
    config["max_pubs_per_job"] = facts.max_pubs_per_job
    config["supported_input_formats"] = [facts.input_format]
    if facts.output_format is not None:
        config["output_format"] = facts.output_format
    config["memory_result_supported"] = facts.memory_result_supported
    if facts.photonic_properties is not None:
        config["photonic_properties"] = dict(facts.photonic_properties)
    config["qubits"] = [{"id": str(q)} for q in range(facts.num_qubits)]
    return config


def backend_record(facts: BackendFacts, *, has_calibration: bool) -> dict[str, Any]:
    """The ``Backend`` JSON without the live fields (``queue_size``, ``updated_at``)."""
    return {
        "id": facts.id,
        "internal_id": facts.internal_id,
        "provider": facts.provider,
        "hardware_provider": facts.hardware_provider,
        "name": facts.name,
        "display_name": facts.display_name,
        "type": facts.backend_type,
        "technology": facts.technology,
        "access_type": facts.access_type,
        "documentation": facts.documentation.to_json(),
        "configuration": configuration(facts),
        "availability": [window.to_json() for window in facts.availability],
        "has_calibration": has_calibration,
    }


def build_spec(
    facts: BackendFacts,
    *,
    native_config: dict[str, Any] | None = None,
    calibration: CalibrationSource | None = None,
    refuse_jobs: str | None = None,
) -> BackendSpec:
    """The catalog entry for ``facts``; ``native_config`` defaults to the record's configuration."""
    record = backend_record(facts, has_calibration=calibration is not None)
    return BackendSpec(
        id=facts.id,
        provider=facts.provider,
        record=record,
        # A copy: the generic families serve their configuration twice, and neither view may alias the other.
        native_config=native_config if native_config is not None else copy.deepcopy(record["configuration"]),
        runner=facts.runner,
        input_formats=(facts.input_format,),
        num_qubits=facts.num_qubits,
        is_simulator=facts.is_simulator,
        shots_min=facts.shots[0],
        shots_max=facts.shots[1],
        max_pubs_per_job=facts.max_pubs_per_job,
        supports_sessions=facts.supports_sessions,
        basis_gates=facts.basis_gates,
        coupling_map=facts.coupling_map,
        calibration_at=calibration.at if calibration is not None else None,
        calibration_times=calibration.times if calibration is not None else None,
        refuse_jobs=refuse_jobs,
        extra=dict(facts.extra),
        initial_queue_size=facts.queue_size,
        queue_avg_time=facts.queue_avg_time,
    )
