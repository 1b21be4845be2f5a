"""Braket program sets on the Hub: one Hub program per executable, and the results put back in Braket's shape.

A Braket ``ProgramSet`` holds programs, each run once per entry of its input sets (and per observable of a
``CircuitBinding``); Braket serialises one program with a *list* of values per input. The Hub's program set is
a plain list of OpenQASM sources sharing one ``inputs`` map. So every executable becomes its own Hub program,
with its inputs renamed apart (``theta`` of Hub program 3 becomes ``theta__p3``) so one map serves them all.
The Hub's answer, one program result per executable, is regrouped into one entry per Braket program with the
original list inputs, which is what ``ProgramSetQuantumTaskResult.from_object`` reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "LAYOUT_TAG_PREFIX",
    "ExpandedProgramSet",
    "expand_program_set",
    "layout_tag",
    "regroup_program_set_result",
    "rebuild_expansion",
]

LAYOUT_TAG_PREFIX = "qhub-providers-program-set:"
"""Prefix of the Hub tag that records how many executables each program of a program set has, so a task
reconnected by id (without the ``ProgramSet`` object) can still group its result by program."""

# ``input float theta;`` (any classical type, with or without a width) declares a run-time input.
_INPUT_DECLARATION = re.compile(r"^\s*input\s+[^;]*?\b([A-Za-z_][A-Za-z0-9_]*)\s*;", re.MULTILINE)


@dataclass(frozen=True)
class ExpandedProgramSet:
    """What the Hub runs for a program set, and how to read its answer back."""

    sources: list[str]
    """One OpenQASM program per executable, in Braket's executable order."""
    inputs: dict[str, float]
    """The values of every renamed input of every program."""
    programs: list[dict[str, Any]]
    """The Braket programs as Braket serialises them (``source`` and list-valued ``inputs``)."""
    executables: list[int]
    """How many executables each Braket program has."""


def expand_program_set(program_set: Any, gate_definitions: Any = None) -> ExpandedProgramSet:
    """One Hub program per executable of a ``braket.program_sets.ProgramSet`` or of its serialised form
    (``braket.ir.openqasm.ProgramSet``)."""
    from braket.ir.openqasm import ProgramSet as SerialisedProgramSet

    if isinstance(program_set, SerialisedProgramSet):
        if gate_definitions:
            raise ValueError(
                "gate_definitions apply to a Circuit; a serialised program set has its own defcals."
            )
        serialised = program_set
    else:
        serialised = program_set.to_ir(gate_definitions=gate_definitions)
    sources: list[str] = []
    inputs: dict[str, float] = {}
    programs: list[dict[str, Any]] = []
    executables: list[int] = []
    for program in serialised.programs:
        values = {
            name: list(value) if isinstance(value, list) else [value]
            for name, value in (program.inputs or {}).items()
        }
        lengths = {len(value) for value in values.values()}
        if len(lengths) > 1:
            raise ValueError("The input sets of a program in the program set differ in length.")
        count = lengths.pop() if lengths else 1
        declared = set(_INPUT_DECLARATION.findall(program.source))
        unbound = sorted(declared - set(values))
        if unbound:
            raise ValueError(
                f"A program of the program set declares inputs without values: {', '.join(unbound)}; bind "
                "them with CircuitBinding(circuit, input_sets={...})."
            )
        for index in range(count):
            suffix = f"__p{len(sources)}"
            sources.append(_renamed(program.source, set(values), suffix))
            inputs.update({f"{name}{suffix}": float(value[index]) for name, value in values.items()})
        programs.append({"source": program.source, "inputs": {k: list(v) for k, v in values.items()} or None})
        executables.append(count)
    return ExpandedProgramSet(sources, inputs, programs, executables)


def _renamed(source: str, names: set[str], suffix: str) -> str:
    """``source`` with every whole-word use of an input name given ``suffix``."""
    if not names:
        return source
    pattern = re.compile(r"(?<![\w$.])(" + "|".join(map(re.escape, sorted(names))) + r")(?![\w])")
    return pattern.sub(lambda match: match.group(1) + suffix, source)


def layout_tag(expanded: ExpandedProgramSet) -> str:
    """The Hub tag recording the executables per program (``qhub-providers-program-set:1,4``)."""
    return LAYOUT_TAG_PREFIX + ",".join(str(count) for count in expanded.executables)


def rebuild_expansion(tags: list[str] | None, job_input: Any, inputs: Any) -> ExpandedProgramSet | None:
    """The expansion of a program set from its job's layout tag, input and input values (the job's
    ``input_params["inputs"]``), or None if any is missing.

    Each program's source is its first executable's with the input suffix taken off again; its inputs are
    the renamed values gathered back into one list per name.
    """
    layout = next(
        (tag[len(LAYOUT_TAG_PREFIX) :] for tag in tags or [] if tag.startswith(LAYOUT_TAG_PREFIX)), None
    )
    if layout is None or not isinstance(job_input, dict):
        return None
    sources, inputs = job_input.get("qasm"), inputs or {}
    try:
        executables = [int(count) for count in layout.split(",")]
    except ValueError:
        return None
    if not isinstance(sources, list) or sum(executables) != len(sources) or not isinstance(inputs, dict):
        return None
    programs: list[dict[str, Any]] = []
    start = 0
    for count in executables:
        suffix = f"__p{start}"
        renamed = re.compile(r"(?<![\w$.])([A-Za-z_][A-Za-z0-9_]*)" + re.escape(suffix) + r"(?![\w])")
        names = sorted(set(renamed.findall(sources[start])))
        values = {
            name: [inputs.get(f"{name}__p{index}") for index in range(start, start + count)] for name in names
        }
        programs.append({"source": renamed.sub(r"\1", sources[start]), "inputs": values or None})
        start += count
    return ExpandedProgramSet(list(sources), dict(inputs), programs, executables)


def regroup_program_set_result(document: dict[str, Any], expanded: ExpandedProgramSet) -> dict[str, Any]:
    """The Hub's program-set result (one program result per executable) as Braket's own, one per program.

    Each executable keeps its measurements; its ``inputsIndex`` becomes its place among its program's
    executables, which is how Braket pairs it with its input values and observable.
    """
    flat = list(document.get("programResults") or [])
    if len(flat) != len(expanded.sources):
        raise ValueError(
            f"The Hub returned {len(flat)} program results for {len(expanded.sources)} executables."
        )
    grouped: list[dict[str, Any]] = []
    metadata: list[dict[str, Any]] = []
    flat_metadata = list((document.get("taskMetadata") or {}).get("programMetadata") or [])
    start = 0
    for program, count in zip(expanded.programs, expanded.executables, strict=True):
        results = flat[start : start + count]
        executable_results = []
        executable_metadata: list[Any] = []
        for index, result in enumerate(results):
            for executable in result.get("executableResults") or []:
                executable_results.append({**executable, "inputsIndex": index})
            entry = flat_metadata[start + index] if start + index < len(flat_metadata) else {}
            executable_metadata.extend(entry.get("executables") or [{}])
        first = results[0] if results else {}
        source = {
            "braketSchemaHeader": {"name": "braket.ir.openqasm.program", "version": "1"},
            "source": program["source"],
            "inputs": program["inputs"],
        }
        grouped.append(
            {
                "braketSchemaHeader": first.get("braketSchemaHeader")
                or {"name": "braket.task_result.program_result", "version": "1"},
                "executableResults": executable_results,
                "source": source,
                # The program as the user wrote it, not the renamed copy the Hub ran.
                "additionalMetadata": {**(first.get("additionalMetadata") or {}), "action": source},
            }
        )
        metadata.append({"executables": executable_metadata})
        start += count
    task_metadata = dict(document.get("taskMetadata") or {})
    task_metadata["programMetadata"] = metadata
    return {**document, "programResults": grouped, "taskMetadata": task_metadata}
