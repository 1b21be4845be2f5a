"""Catalog files: the local Hub's backends as data.

A catalog file is JSON::

    {"format": "qhub-local-catalog", "version": 1, "backends": [<entry>, ...]}

and each entry holds what the Hub serves about one backend plus how the local Hub emulates it::

    {
      "record": {...},          # the Backend JSON of GET backends/{id}, without queue_size/updated_at
      "config": {...},          # GET backends/{id}/config; omitted when it is the record's configuration
      "emulation": {
        "runner": "...",        # optional: which simulator runs its jobs (default: by input format)
        "sessions": true,       # whether POST sessions accepts it
        "queue_size": 0, "queue_avg_time": 0, "status": "ONLINE",
        "refuse_jobs": "...",   # optional: every job is refused with 422 and this message
        "calibration": {...},   # optional: {"model": "gate_based" | "quera_aquila", ...} (synthetic and
                                #   daily) or {"snapshots": [CalibrationResponse, ...]} (recorded)
        "config_views": [...]   # optional: config parts rendered from the calibration (see .views)
      }
    }

Everything else a backend's spec needs (qubit count, shots range, native gates, coupling map,
programs per job) is read from the record itself, so a record and its spec cannot disagree. The
built-in catalog is the files under ``data/``; ``qhub-providers snapshot`` writes such a file from a
real account, and ``qhub-providers emulator --catalog FILE`` serves one.
"""

from __future__ import annotations

import bisect
import copy
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from qhub_providers.emulator.catalog.calibration import (
    AnalogCalibration,
    GateBasedCalibration,
    NoiseProfile,
    as_utc,
)
from qhub_providers.emulator.catalog.spec import BackendSpec
from qhub_providers.emulator.catalog.views import render_views

__all__ = [
    "CATALOG_FORMAT",
    "BUILTIN_FILES",
    "CatalogError",
    "RecordedCalibration",
    "read_catalog",
    "read_catalog_files",
    "specs_from_document",
]

CATALOG_FORMAT = "qhub-local-catalog"
CATALOG_VERSION = 1
BUILTIN_FILES = ("aws.json", "ibm.json", "iqm.json", "others.json")
"""The built-in catalog, family by family, in the order the local Hub lists them."""

RUNNER_BY_INPUT_FORMAT: dict[str, str] = {
    "BRAKET_OPEN_QASM_V3": "braket_qasm3",
    "BRAKET_AHS_PROGRAM": "braket_ahs",
    "QISKIT_QPY": "qiskit_qpy",
    "QISKIT": "qiskit_qpy",
    "IQM_JOB_INPUT_V1": "iqm",
    "AQT_JOB_INPUT_V1": "aqt",
    "OPEN_QASM_V2": "qasm2",
    "IONQ_CIRCUIT_V1": "ionq",
    "PERCEVAL": "perceval",
}
"""Which runner simulates a backend, by the first of its ``supported_input_formats``."""


class CatalogError(ValueError):
    """A catalog file that cannot be served; the message names the file and the backend."""


class RecordedCalibration:
    """Calibrations recorded from a real Hub: the snapshot effective at an instant is the latest one
    calibrated at or before it."""

    def __init__(self, snapshots: Iterable[Mapping[str, Any]]) -> None:
        dated = sorted(
            ((as_utc(datetime.fromisoformat(str(s["calibrated_at"]))), dict(s)) for s in snapshots),
            key=lambda pair: pair[0],
        )
        self._instants = [instant for instant, _ in dated]
        self._snapshots = [snapshot for _, snapshot in dated]

    def at(self, instant: datetime) -> dict[str, Any] | None:
        """The ``CalibrationResponse`` effective at ``instant`` (a copy), or ``None`` before the first."""
        index = bisect.bisect_right(self._instants, as_utc(instant)) - 1
        return copy.deepcopy(self._snapshots[index]) if index >= 0 else None

    def times(self, start: datetime, end: datetime) -> list[datetime]:
        """Recorded instants within ``[start, end]``, oldest first."""
        start, end = as_utc(start), as_utc(end)
        return [t for t in self._instants if start <= t <= end]


def read_catalog(path: str | Path) -> dict[str, BackendSpec]:
    """Every backend of one catalog file, by id, in the file's order."""
    return read_catalog_files([Path(path)])


def read_catalog_files(paths: Sequence[Path | Any]) -> dict[str, BackendSpec]:
    """Every backend of several catalog files (``Path`` or package resources), by id, in order."""
    specs: dict[str, BackendSpec] = {}
    for path in paths:
        name = getattr(path, "name", str(path))
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise CatalogError(f"cannot read the catalog file {name}: {error}") from None
        except json.JSONDecodeError as error:
            raise CatalogError(f"the catalog file {name} is not JSON: {error}") from None
        for spec in specs_from_document(document, source=name):
            if spec.id in specs:
                raise CatalogError(f"{name}: duplicate backend id in the catalog: {spec.id}")
            specs[spec.id] = spec
    return specs


def builtin_paths() -> list[Any]:
    """The package resources of the built-in catalog."""
    folder = resources.files("qhub_providers.emulator.catalog") / "data"
    return [folder / name for name in BUILTIN_FILES]


def specs_from_document(document: Any, *, source: str = "catalog") -> list[BackendSpec]:
    """The specs of a parsed catalog document; :class:`CatalogError` names what is wrong."""
    if not isinstance(document, Mapping) or document.get("format") != CATALOG_FORMAT:
        raise CatalogError(f"{source}: not a local Hub catalog (expected format {CATALOG_FORMAT!r})")
    if document.get("version") != CATALOG_VERSION:
        raise CatalogError(f"{source}: catalog version {document.get('version')!r} is not {CATALOG_VERSION}")
    entries = document.get("backends")
    if not isinstance(entries, list):
        raise CatalogError(f"{source}: 'backends' must be a list")
    specs = []
    for index, entry in enumerate(entries):
        where = f"{source}: backends[{index}]"
        try:
            specs.append(spec_from_entry(entry))
        except CatalogError as error:
            raise CatalogError(f"{where}: {error}") from None
        except (KeyError, TypeError, ValueError) as error:
            raise CatalogError(f"{where}: {type(error).__name__}: {error}") from None
    return specs


def _basis_gates(configuration: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(
        str(gate["name"])
        for gate in configuration.get("gates") or []
        if isinstance(gate, Mapping) and gate.get("native_gate")
    )


def _coupling_map(configuration: Mapping[str, Any]) -> tuple[tuple[int, int], ...] | None:
    connectivity = configuration.get("connectivity")
    if not isinstance(connectivity, Mapping) or connectivity.get("fully_connected", True):
        return None
    # Graph keys are the ids of configuration.qubits ("0", "1", ... or vendor names such as "QB1"),
    # numbered by their position there; plain integers stand for themselves.
    qubits = configuration.get("qubits") or []
    position = {str(q.get("id")): i for i, q in enumerate(qubits) if isinstance(q, Mapping)}

    def index(qubit_id: Any) -> int:
        key = str(qubit_id)
        return position[key] if key in position else int(key)

    graph = connectivity.get("graph") or {}
    pairs = {(index(a), index(b)) for a, neighbours in graph.items() for b in neighbours}
    return tuple(sorted(pairs | {(b, a) for a, b in pairs}))


def _calibration(
    model: Mapping[str, Any],
    backend_id: str,
    num_qubits: int,
    coupling_map: tuple[tuple[int, int], ...] | None,
) -> GateBasedCalibration | AnalogCalibration | RecordedCalibration:
    if "snapshots" in model:
        return RecordedCalibration(model["snapshots"])
    kind = model.get("model")
    if kind == "gate_based":
        fields: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in model["profile"].items()
        }
        profile = NoiseProfile(**fields)
        edges = None if coupling_map is None else sorted({(min(a, b), max(a, b)) for a, b in coupling_map})
        return GateBasedCalibration(
            backend_id,
            num_qubits,
            profile=profile,
            one_qubit_gates=model["one_qubit_gates"],
            two_qubit_gates=model["two_qubit_gates"],
            edges=edges,
            virtual_gates=model.get("virtual_gates", ("rz",)),
            qubit_names=model.get("qubit_names"),
        )
    if kind == "quera_aquila":
        return AnalogCalibration(
            backend_id,
            lattice=model["lattice"],
            rydberg=model["rydberg"],
            performance=model["performance"],
            drift=model.get("drift", 0.05),
        )
    raise CatalogError(f"unknown calibration model {kind!r} (gate_based, quera_aquila or snapshots)")


def spec_from_entry(entry: Any) -> BackendSpec:
    """One backend's spec from its catalog entry."""
    if not isinstance(entry, Mapping) or not isinstance(entry.get("record"), Mapping):
        raise CatalogError("an entry needs a 'record' object")
    record = copy.deepcopy(dict(entry["record"]))
    for live in ("queue_size", "updated_at"):
        record.pop(live, None)
    backend_id = record.get("id")
    if not isinstance(backend_id, str) or not backend_id:
        raise CatalogError("the record has no 'id'")
    configuration = record.get("configuration") or {}
    emulation = entry.get("emulation") or {}
    formats = tuple(configuration.get("supported_input_formats") or ())
    if not formats:
        raise CatalogError(f"{backend_id}: configuration.supported_input_formats is empty")
    runner = emulation.get("runner") or RUNNER_BY_INPUT_FORMAT.get(formats[0])
    refusal = emulation.get("refuse_jobs")
    if runner is None:
        # A backend recorded from a real account in a format no runner knows is listed, not simulated.
        runner = ""
        refusal = refusal or f"The local Hub has no simulator for input format {formats[0]} ({backend_id})."
    num_qubits = int(configuration.get("qubit_count") or len(configuration.get("qubits") or []))
    shots = configuration.get("shots_range") or {}
    coupling_map = _coupling_map(configuration)
    calibration = None
    if emulation.get("calibration"):
        calibration = _calibration(emulation["calibration"], backend_id, num_qubits, coupling_map)
    native = entry.get("config")
    native_config = copy.deepcopy(dict(native)) if native is not None else copy.deepcopy(configuration)
    if emulation.get("config_views"):
        render_views(native_config, emulation["config_views"], calibration)
    record["has_calibration"] = calibration is not None
    return BackendSpec(
        id=backend_id,
        provider=str(record.get("provider", "")),
        record=record,
        native_config=native_config,
        runner=runner,
        input_formats=formats,
        num_qubits=num_qubits,
        is_simulator=record.get("type") == "SIMULATOR",
        shots_min=int(shots.get("min", 1)),
        shots_max=int(shots.get("max", 100_000)),
        max_pubs_per_job=int(configuration.get("max_pubs_per_job") or 1),
        supports_sessions=bool(emulation.get("sessions", False)),
        basis_gates=_basis_gates(configuration),
        coupling_map=coupling_map,
        calibration_at=calibration.at if calibration is not None else None,
        calibration_times=calibration.times if calibration is not None else None,
        refuse_jobs=refusal,
        extra=dict(emulation.get("extra") or {}),
        initial_status=str(emulation.get("status", "ONLINE")),
        initial_queue_size=int(emulation.get("queue_size", 0)),
        queue_avg_time=int(emulation.get("queue_avg_time", 0)),
    )
