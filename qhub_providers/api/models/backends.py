"""Backends: the ``Backend`` record with its nested documentation and configuration, and its live state."""

from __future__ import annotations

from ._base import OpenEnum, UtcDatetime, WireModel
from .enums import (
    BackendAccessType,
    BackendSdkType,
    BackendStatus,
    BackendTechnology,
    BackendType,
    HardwareProvider,
    JobInputFormat,
    OutputFormat,
    Provider,
)


class BackendSdk(WireModel):
    """An SDK that can drive a backend, with a link to its documentation."""

    type: OpenEnum[BackendSdkType] | None = None
    url: str | None = None


class Documentation(WireModel):
    """Human-facing information about a backend."""

    description: str | None = None
    url: str | None = None
    status_url: str | None = None
    location: str | None = None
    # The 1.1.2-era Hub sent plain SDK names ("QISKIT"); 3.3.0 sends {type, url} objects.
    sdks: list[BackendSdk | str] | None = None
    eu_sovereignty: bool | None = None
    eu_sovereignty_disclaimer: str | None = None


class Gate(WireModel):
    """A gate a backend accepts; ``native_gate`` is true when the hardware runs it without decomposition."""

    name: str | None = None
    native_gate: bool | None = None


class Connectivity(WireModel):
    """Qubit coupling: either fully connected, or an adjacency list keyed by qubit id (ids as strings)."""

    fully_connected: bool | None = None
    graph: dict[str, list[str]] | None = None


class ShotsRange(WireModel):
    """Inclusive bounds on shots; the SDKs use ``min`` as the default shot count."""

    min: int | None = None
    max: int | None = None


class PhotonicProperties(WireModel):
    """Mode and photon bounds of a photonic backend."""

    max_modes: int | None = None
    min_modes: int | None = None
    max_photons: int | None = None
    min_photons: int | None = None


class Qubit(WireModel):
    """A physical qubit; ``id`` is usually a 0-based index written as a string."""

    id: str | None = None


class Configuration(WireModel):
    """What a backend accepts: gates, qubits, coupling, shot limits and input formats."""

    gates: list[Gate] | None = None
    operations: list[str] | None = None
    qubit_count: int | None = None
    connectivity: Connectivity | None = None
    shots_range: ShotsRange | None = None
    total_shots_range: ShotsRange | None = None
    # Absent means one PUB per job.
    max_pubs_per_job: int | None = None
    supported_input_formats: list[OpenEnum[JobInputFormat]] | None = None
    output_format: OpenEnum[OutputFormat] | None = None
    memory_result_supported: bool | None = None
    photonic_properties: PhotonicProperties | None = None
    qubits: list[Qubit] | None = None
    instructions: list[str] | None = None


class AvailabilityTimes(WireModel):
    """A recurring availability window; ``start`` and ``end`` are provider-local times, not timestamps."""

    granularity: str | None = None
    start: str | None = None
    end: str | None = None


class Backend(WireModel):
    """A backend as listed by ``GET backends`` and ``GET backends/{id}``."""

    id: str | None = None
    internal_id: str | None = None
    provider: OpenEnum[Provider] | None = None
    hardware_provider: OpenEnum[HardwareProvider] | None = None
    name: str | None = None
    display_name: str | None = None
    type: OpenEnum[BackendType] | None = None
    technology: OpenEnum[BackendTechnology] | None = None
    # queue_size and availability are omitted for unauthenticated callers.
    queue_size: int | None = None
    updated_at: UtcDatetime | None = None
    access_type: OpenEnum[BackendAccessType] | None = None
    documentation: Documentation | None = None
    configuration: Configuration | None = None
    availability: list[AvailabilityTimes] | None = None
    has_calibration: bool | None = None


class BackendStateInfo(WireModel):
    """Reply of ``GET backends/{id}/status``: operational state and queue."""

    status: OpenEnum[BackendStatus] | None = None
    queue_avg_time: int | None = None
    queue_size: int | None = None
