"""What the local Hub knows about one backend: its public record and how to simulate it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class BackendSpec:
    """One backend of the local Hub's catalog.

    ``record`` is the ``Backend`` JSON of ``GET backends/{id}`` for an authenticated caller, without the
    live fields (``queue_size``, ``updated_at``) that the server fills in. ``native_config`` is what
    ``GET backends/{id}/config`` returns (Braket device capabilities for AWS, IBM configuration and
    properties, the IQM architecture, or the generic configuration).
    """

    id: str
    provider: str
    record: dict[str, Any]
    native_config: dict[str, Any]
    runner: str
    """Key of the runner that simulates this backend's jobs (see ``emulator.runners``)."""
    input_formats: tuple[str, ...]
    num_qubits: int
    is_simulator: bool
    shots_min: int
    shots_max: int
    max_pubs_per_job: int = 1
    supports_sessions: bool = False
    basis_gates: tuple[str, ...] = ()
    """Qiskit names of the native gates, for runners that transpile before simulating."""
    coupling_map: tuple[tuple[int, int], ...] | None = None
    """Directed qubit pairs a two-qubit gate may act on; ``None`` means all-to-all."""
    queue_delay: float = 0.0
    """Seconds a job stays PENDING before it runs (the admin controls can change it)."""
    calibration_at: Callable[[datetime], dict[str, Any] | None] | None = None
    """The ``CalibrationResponse`` JSON effective at an instant, or ``None`` before the first one."""
    calibration_times: Callable[[datetime, datetime], list[datetime]] | None = None
    """Instants of the calibrations effective within an inclusive interval, oldest first."""
    refuse_jobs: str | None = None
    """When set, every job for this backend is refused with 422 and this message."""
    extra: dict[str, Any] = field(default_factory=dict)
    initial_status: str = "ONLINE"
    """``BackendStateInfo.status`` when the local Hub starts (the admin controls can change it)."""
    initial_queue_size: int = 0
    """Queue length reported when the local Hub starts; distinct values make "least busy" well defined."""
    queue_avg_time: int = 0
    """``BackendStateInfo.queue_avg_time``: the average wait in the queue, in seconds."""
