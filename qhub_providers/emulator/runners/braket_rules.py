"""The rules a Braket device advertises for OpenQASM 3 programs, applied to a parsed program.

A Braket device states in its capabilities (``backends/{id}/config``) what it accepts: the operations
of ``action["braket.ir.openqasm.program"].supportedOperations``, the gate modifiers, the pragmas
(result types, noise channels, unitary matrices, verbatim boxes) and ``paradigm.nativeGateSet`` for
what may stand inside a verbatim box, with ``paradigm.connectivity`` for the qubits a verbatim
two-qubit gate may couple. The real service refuses a program that steps outside them; so does the
local Hub, naming the rule. A spec without a capabilities document (a runner test's made-up device)
is judged by the simulator alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from qhub_providers.emulator.runners.base import InvalidJobInput

__all__ = ["GateUse", "ProgramShape", "check_device_rules", "program_shape"]

_OPENQASM_ACTION = "braket.ir.openqasm.program"
# A pragma's words as written (``braket result expectation``) become the capability name
# (``braket_result_type_expectation``) by these prefixes.
_PRAGMA_PREFIXES = {
    ("braket", "result"): "braket_result_type_",
    ("braket", "noise"): "braket_noise_",
}
_RESULT_TYPE_NAMES = {
    "state_vector": "StateVector",
    "density_matrix": "DensityMatrix",
    "probability": "Probability",
    "amplitude": "Amplitude",
    "expectation": "Expectation",
    "variance": "Variance",
    "sample": "Sample",
    "adjoint_gradient": "AdjointGradient",
}


@dataclass(frozen=True)
class GateUse:
    """One gate application as written in the program."""

    name: str
    modifiers: tuple[str, ...]
    qubits: tuple[str, ...]
    """Operands as written: ``$3`` for a physical qubit, ``q[1]`` or ``q`` otherwise."""
    verbatim: bool
    line: int | None


@dataclass(frozen=True)
class ProgramShape:
    """What a program applies and asks for, read from its syntax tree."""

    gates: tuple[GateUse, ...]
    pragmas: tuple[str, ...]
    """Pragma commands, e.g. ``braket result expectation z(q[0])``."""


def _operand(node: Any) -> str:
    name = getattr(node, "name", node)
    text = getattr(name, "name", name)
    indices = getattr(node, "indices", None)
    if indices:
        values = [
            getattr(i, "value", "?")
            for group in indices
            for i in (group if isinstance(group, list) else [group])
        ]
        return f"{text}[{','.join(str(v) for v in values)}]"
    return str(text)


def _children(node: Any) -> Iterator[Any]:
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        for item in dataclasses.fields(node):
            if item.name not in ("span", "annotations"):
                yield getattr(node, item.name)


def program_shape(tree: Any) -> ProgramShape:
    """Every gate application (inside gate definitions too) and every pragma of ``tree``."""
    from braket.default_simulator.openqasm.parser.openqasm_ast import (
        Box,
        Pragma,
        QuantumGate,
        QuantumPhase,
    )

    gates: list[GateUse] = []
    pragmas: list[str] = []

    def visit(node: Any, verbatim: bool) -> None:
        if isinstance(node, list):
            after_verbatim = False
            for item in node:
                visit(item, verbatim or (after_verbatim and isinstance(item, Box)))
                after_verbatim = isinstance(item, Pragma) and item.command.split() == ["braket", "verbatim"]
            return
        if isinstance(node, Pragma):
            pragmas.append(" ".join(node.command.split()))
            return
        if isinstance(node, QuantumGate | QuantumPhase):
            name = "gphase" if isinstance(node, QuantumPhase) else node.name.name
            modifiers = tuple(str(getattr(m.modifier, "name", m.modifier)) for m in node.modifiers or [])
            span = getattr(node, "span", None)
            gates.append(
                GateUse(
                    name=name,
                    modifiers=modifiers,
                    qubits=tuple(_operand(q) for q in node.qubits or []),
                    verbatim=verbatim,
                    line=getattr(span, "start_line", None),
                )
            )
        for child in _children(node):
            if isinstance(child, list) or dataclasses.is_dataclass(child):
                visit(child, verbatim)

    visit(list(tree.statements), False)
    return ProgramShape(tuple(gates), tuple(pragmas))


def _defined_gates(tree: Any) -> set[str]:
    from braket.default_simulator.openqasm.parser.openqasm_ast import QuantumGateDefinition

    return {s.name.name for s in tree.statements if isinstance(s, QuantumGateDefinition)}


def _where(use: GateUse) -> str:
    return f" (line {use.line})" if use.line else ""


def check_device_rules(spec: Any, tree: Any, label: str) -> ProgramShape:
    """Refuse (422) what ``spec``'s Braket capabilities do not allow; return the program's shape."""
    shape = program_shape(tree)
    capabilities = spec.native_config if isinstance(spec.native_config, Mapping) else {}
    action = (capabilities.get("action") or {}).get(_OPENQASM_ACTION)
    if not isinstance(action, Mapping):
        return shape
    defined = _defined_gates(tree)
    supported = {str(op).lower() for op in action.get("supportedOperations") or []}
    modifiers = {
        str(m.get("name")).lower() for m in action.get("supportedModifiers") or [] if isinstance(m, Mapping)
    }
    paradigm = capabilities.get("paradigm") or {}
    native = {str(g).lower() for g in paradigm.get("nativeGateSet") or []}
    for use in shape.gates:
        name = use.name.lower()
        if use.verbatim and native:
            if name not in native:
                raise InvalidJobInput(
                    f"{label} applies {use.name}{_where(use)} inside a verbatim box, but {spec.id} runs only "
                    f"its native gates there: {', '.join(sorted(native))}."
                )
            if any(not q.startswith("$") for q in use.qubits):
                raise InvalidJobInput(
                    f"{label} applies {use.name}{_where(use)} inside a verbatim box to virtual qubits; "
                    "verbatim boxes take physical qubits ($0, $1, ...)."
                )
        elif name not in supported and use.name not in defined:
            raise InvalidJobInput(
                f"{label} applies {use.name}{_where(use)}, which {spec.id} does not support; its operations "
                f"are: {', '.join(action.get('supportedOperations') or [])}."
            )
        for modifier in use.modifiers:
            if modifier.lower() not in modifiers:
                raise InvalidJobInput(
                    f"{label} uses the gate modifier {modifier}{_where(use)}, which {spec.id} does not "
                    "support."
                )
    _check_verbatim_connectivity(spec, paradigm, shape, label)
    _check_pragmas(spec, action, shape, label)
    return shape


def _check_verbatim_connectivity(
    spec: Any, paradigm: Mapping[str, Any], shape: ProgramShape, label: str
) -> None:
    connectivity = paradigm.get("connectivity") or {}
    if connectivity.get("fullyConnected", True):
        return
    graph = connectivity.get("connectivityGraph") or {}
    coupled = {frozenset((str(a), str(b))) for a, ns in graph.items() for b in ns}
    for use in shape.gates:
        if use.verbatim and len(use.qubits) == 2 and all(q.startswith("$") for q in use.qubits):
            pair = frozenset(q[1:] for q in use.qubits)
            if pair not in coupled:
                first, second = use.qubits
                raise InvalidJobInput(
                    f"{label} applies {use.name}{_where(use)} to {first} and {second} inside a verbatim box, "
                    f"but these qubits are not coupled on {spec.id}."
                )


def _pragma_capability(command: str) -> tuple[str | None, str | None]:
    """The capability name a pragma needs and, for result pragmas, the result type it asks for."""
    words = command.replace("(", " ").split()
    if words[:2] == ["braket", "unitary"]:
        return "braket_unitary_matrix", None
    if words[:2] == ["braket", "verbatim"]:
        return "braket_verbatim", None
    prefix = _PRAGMA_PREFIXES.get((words[0], words[1])) if len(words) >= 3 else None
    if prefix is None:
        return None, None
    result_type = _RESULT_TYPE_NAMES.get(words[2]) if words[1] == "result" else None
    return prefix + words[2], result_type


def _check_pragmas(spec: Any, action: Mapping[str, Any], shape: ProgramShape, label: str) -> None:
    supported = set(action.get("supportedPragmas") or [])
    forbidden = set(action.get("forbiddenPragmas") or [])
    result_types = {
        str(r.get("name")) for r in action.get("supportedResultTypes") or [] if isinstance(r, Mapping)
    }
    for command in shape.pragmas:
        capability, result_type = _pragma_capability(command)
        if capability is None:
            continue
        if result_type is not None and result_type not in result_types:
            raise InvalidJobInput(
                f"{label} asks for result type {result_type}, which {spec.id} does not support here "
                f"(supported: {', '.join(sorted(result_types))})."
            )
        # Result types are governed by supportedResultTypes (QPUs list no result pragmas yet take them), and a
        # verbatim box needs the pragma only where the device compiles; simulators run its gates as written.
        if result_type is not None or capability == "braket_verbatim":
            allowed = capability not in forbidden
        else:
            allowed = capability in supported and capability not in forbidden
        if not allowed:
            raise InvalidJobInput(f"{label} uses '#pragma {command}', which {spec.id} does not support.")
