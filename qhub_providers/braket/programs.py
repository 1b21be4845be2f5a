"""Turning a Braket task specification into the input of a Hub job, with Braket's own serialisation.

Gate-model programs go to the Hub as ``BRAKET_OPEN_QASM_V3``: the OpenQASM 3 source as a bare string,
with the parameter values in ``input_params["inputs"]`` and ``input_params["disable_qubit_rewiring"]``.
A ``Circuit`` is serialised exactly as ``AwsQuantumTask`` serialises it (``Circuit.to_ir``), so verbatim
boxes, gate definitions (``defcal``), noise pragmas and result types survive, and physical qubits (``$0``)
are used when rewiring is disabled. Analog programs go as ``BRAKET_AHS_PROGRAM``:
``{"ahs_program": <AHS IR>}`` without the schema header.

Nothing a user passes is dropped silently: an argument that has no meaning for the specification at hand is
refused with a message saying why.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from qhub_providers.api.models import JobInputFormat

__all__ = ["AHS_FORMAT", "OPENQASM_FORMAT", "HubJobInput", "input_format_for", "to_hub_job_input"]

OPENQASM_FORMAT = str(JobInputFormat.BRAKET_OPEN_QASM_V3)
AHS_FORMAT = str(JobInputFormat.BRAKET_AHS_PROGRAM)


@dataclass(frozen=True)
class HubJobInput:
    """What ``jobs.create_job`` needs besides the backend, shots, name, tags and session."""

    input: str | dict[str, Any]
    input_format: str
    input_params: dict[str, Any] = field(default_factory=dict)


def input_format_for(task_specification: Any) -> str:
    """The Hub input format a task specification is sent in (it need not be one the Hub can run)."""
    from braket.ahs import AnalogHamiltonianSimulation

    return AHS_FORMAT if isinstance(task_specification, AnalogHamiltonianSimulation) else OPENQASM_FORMAT


def to_hub_job_input(
    task_specification: Any,
    *,
    shots: int,
    inputs: Mapping[str, Any] | None = None,
    gate_definitions: Mapping[Any, Any] | None = None,
    disable_qubit_rewiring: bool = False,
) -> HubJobInput:
    """The Hub job input for a ``Circuit``, an OpenQASM ``Program``, a serialisable program or an
    ``AnalogHamiltonianSimulation``.

    ``inputs`` are merged over a program's own (the call's values win, as with ``AwsDevice.run``).

    Raises:
        TypeError: the specification is of a kind the Hub face cannot run.
        ValueError: the specification and the arguments do not fit together (unbound parameters, shots 0
            without result types, inputs for an analog program ...).
    """
    from braket.ahs import AnalogHamiltonianSimulation
    from braket.circuits import Circuit
    from braket.circuits.serialization import SerializableProgram
    from braket.ir.openqasm import Program

    call_inputs = dict(inputs or {})
    if isinstance(task_specification, Circuit):
        source, program_inputs = _circuit_source(
            task_specification, shots, call_inputs, dict(gate_definitions or {}), disable_qubit_rewiring
        )
    elif isinstance(task_specification, Program):
        _refuse_gate_definitions(gate_definitions, "an OpenQASM Program")
        source, program_inputs = task_specification.source, dict(task_specification.inputs or {})
    elif isinstance(task_specification, AnalogHamiltonianSimulation):
        return _analog_input(task_specification, call_inputs, gate_definitions)
    elif isinstance(task_specification, SerializableProgram):
        _refuse_gate_definitions(gate_definitions, type(task_specification).__name__)
        from braket.circuits.serialization import IRType

        source, program_inputs = task_specification.to_ir(ir_type=IRType.OPENQASM), {}
    else:
        raise TypeError(
            f"The Hub cannot run a {type(task_specification).__name__}; pass a braket Circuit, an OpenQASM "
            "Program (braket.ir.openqasm.Program), a braket.program_sets.ProgramSet or an "
            "AnalogHamiltonianSimulation."
        )
    params: dict[str, Any] = {"disable_qubit_rewiring": bool(disable_qubit_rewiring)}
    merged = {**program_inputs, **call_inputs}
    if merged:
        params["inputs"] = merged
    return HubJobInput(input=source, input_format=OPENQASM_FORMAT, input_params=params)


def _circuit_source(
    circuit: Any,
    shots: int,
    inputs: dict[str, Any],
    gate_definitions: dict[Any, Any],
    disable_qubit_rewiring: bool,
) -> tuple[str, dict[str, Any]]:
    from braket.circuits.circuit_helpers import validate_circuit_and_shots
    from braket.circuits.serialization import (
        IRType,
        OpenQASMSerializationProperties,
        QubitReferenceType,
    )

    unbound = sorted({parameter.name for parameter in circuit.parameters} - set(inputs))
    if unbound:
        raise ValueError(
            f"The circuit has free parameters without a value: {', '.join(unbound)}; pass them as "
            "inputs={name: value}."
        )
    validate_circuit_and_shots(circuit, shots)
    # With rewiring disabled the program must name the device's own qubits; otherwise Braket picks
    # physical references itself where it must (verbatim boxes, gate definitions).
    properties = (
        OpenQASMSerializationProperties(qubit_reference_type=QubitReferenceType.PHYSICAL)
        if disable_qubit_rewiring
        else None
    )
    program = circuit.to_ir(
        ir_type=IRType.OPENQASM, serialization_properties=properties, gate_definitions=gate_definitions
    )
    return str(program.source), dict(program.inputs or {})


def _analog_input(
    program: Any, inputs: dict[str, Any], gate_definitions: Mapping[Any, Any] | None
) -> HubJobInput:
    if inputs:
        raise ValueError(
            "An AnalogHamiltonianSimulation takes no inputs; its values are part of the program."
        )
    _refuse_gate_definitions(gate_definitions, "an AnalogHamiltonianSimulation")
    document = json.loads(program.to_ir().json())
    # The Hub's AHS input carries the bare program; the schema header is implied by the input format.
    document.pop("braketSchemaHeader", None)
    return HubJobInput(input={"ahs_program": document}, input_format=AHS_FORMAT, input_params={})


def _refuse_gate_definitions(gate_definitions: Mapping[Any, Any] | None, what: str) -> None:
    if gate_definitions:
        raise ValueError(
            f"gate_definitions apply to a Circuit only; {what} carries its own calibrations (defcal blocks)."
        )
