"""Targets from an IQM dynamic quantum architecture (``GET backends/{id}/config`` of IQM backends).

The architecture names qubits ``QB1`` … and lists, per native operation, the loci it is calibrated on:
``prx`` (a rotation about an axis in the XY plane, Qiskit's ``r``), ``cz`` and ``measure``. Qiskit index
``i`` is the ``i``-th entry of ``qubits``. Loci through computational resonators (IQM's star chips) have
no place in a qubit-only target and are left out.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from qhub_providers.api.models import Backend, CalibrationResponse
from qhub_providers.formats import gates as gate_tables
from qhub_providers.qiskit.targets.calibration import CalibrationFigures, gate_based
from qhub_providers.qiskit.targets.common import (
    HubTargetInfo,
    Qargs,
    TargetDraft,
    add_instructions,
    log,
    standard_gates,
)

NATIVE_GATES = {iqm: qiskit for qiskit, iqm in gate_tables.IQM.items()}
"""IQM operations with a Qiskit twin, by IQM name (the IQM format's gate table, inverted)."""


class _Implementation(BaseModel):
    model_config = ConfigDict(extra="allow")
    loci: list[list[str]] = Field(default_factory=list)


class _Operation(BaseModel):
    model_config = ConfigDict(extra="allow")
    implementations: dict[str, _Implementation] = Field(default_factory=dict)
    default_implementation: str | None = None
    # Some renderings list the loci directly on the operation instead of per implementation.
    loci_: list[list[str]] = Field(default_factory=list, alias="loci")

    def loci(self) -> list[tuple[str, ...]]:
        """Every locus of any implementation, the default implementation's first, without repeats."""
        names = list(self.implementations)
        if self.default_implementation in self.implementations:
            names.remove(self.default_implementation)
            names.insert(0, self.default_implementation)
        found: dict[tuple[str, ...], None] = dict.fromkeys(tuple(locus) for locus in self.loci_)
        for name in names:
            for locus in self.implementations[name].loci:
                found.setdefault(tuple(locus), None)
        return list(found)


class _Architecture(BaseModel):
    model_config = ConfigDict(extra="allow")
    calibration_set_id: str | None = None
    qubits: list[str]
    computational_resonators: list[str] = Field(default_factory=list)
    gates: dict[str, _Operation]


def looks_like_iqm(config: dict[str, Any]) -> bool:
    """True for a dynamic quantum architecture: ``qubits`` plus ``gates`` whose entries carry loci
    (per implementation, or directly)."""
    gates = config.get("gates")
    return (
        isinstance(config.get("qubits"), list)
        and isinstance(gates, dict)
        and any(isinstance(op, dict) and ("implementations" in op or "loci" in op) for op in gates.values())
    )


def build_iqm(
    backend: Backend, architecture: dict[str, Any], calibration: CalibrationResponse | None
) -> HubTargetInfo:
    """A target from an IQM dynamic quantum architecture, with errors from the Hub's calibration."""
    description = backend.id or backend.name or "backend"
    parsed = _Architecture.model_validate(architecture)
    names = parsed.qubits
    if len(set(names)) != len(names):
        raise ValueError(f"the architecture repeats qubit names: {names}")
    index_of = {name: i for i, name in enumerate(names)}
    resonators = set(parsed.computational_resonators)

    def indices(operation: str, locus: tuple[str, ...]) -> Qargs | None:
        unknown = [q for q in locus if q not in index_of and q not in resonators]
        if unknown:
            raise ValueError(f"'{operation}' locus {list(locus)} names unknown qubit(s) {unknown}")
        if any(q in resonators for q in locus):
            log.debug("%s: '%s' locus %s goes through a resonator; left out", description, operation, locus)
            return None
        return tuple(index_of[q] for q in locus)

    figures = CalibrationFigures(
        gate_based(calibration),
        lambda q: q if 0 <= q < len(names) else None,
        names=index_of,
        aliases={"r": ("prx",)},
    )
    library = standard_gates()
    draft = TargetDraft(len(names), description=description)
    for operation, qiskit_name in NATIVE_GATES.items():
        if operation not in parsed.gates:
            continue
        gate = library[qiskit_name]
        placed: dict[Qargs, Any] = {}
        for locus in parsed.gates[operation].loci():
            qargs = indices(operation, locus)
            if qargs is None or len(qargs) != gate.num_qubits:
                continue
            # A cz is symmetric: a locus couples its qubits both ways.
            for directed in {qargs, qargs[::-1]} if len(qargs) == 2 else {qargs}:
                if figures.operational(qiskit_name, directed):
                    placed[directed] = figures.gate(qiskit_name, directed)
        draft.add(qiskit_name, gate, placed)
    others = sorted(set(parsed.gates) - set(NATIVE_GATES) - {"measure"})
    if others:
        log.debug("%s: IQM operations without a Qiskit counterpart left out: %s", description, others)

    measured: set[int] | None = None
    if "measure" in parsed.gates:
        measured = set()
        for locus in parsed.gates["measure"].loci():
            qargs = indices("measure", locus)
            measured.update(qargs or ())
    configuration = backend.configuration
    listed = configuration.instructions if configuration is not None else None
    instructions = ["measure", "barrier", *[str(name).lower() for name in listed or [] if name]]
    add_instructions(
        draft,
        instructions,
        global_=False,
        readout=figures.readout,
        reset=figures.reset,
        measurable=measured,
        dead=figures.dead_qubits(),
    )
    target = draft.build(qubit_properties=figures.qubit_properties(len(names)))
    return HubTargetInfo(
        target=target,
        qubit_names=tuple(names),
        native_gates=tuple(name for name in NATIVE_GATES.values() if name in draft),
        simulator=str(backend.type) == "SIMULATOR",
        kind="iqm",
    )
