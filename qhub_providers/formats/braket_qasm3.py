"""The ``BRAKET_OPEN_QASM_V3`` format: Qiskit circuits as Amazon Braket's OpenQASM 3 dialect.

Braket reads OpenQASM 3 with its own gate names (``cnot``, ``si``, ``v``, ``phaseshift``, ``prx`` ...) and
without ``stdgates.inc``, so ``qiskit.qasm3.dumps`` output is refused; the program is written here gate by
gate, and Braket itself is never imported (Qiskit users must not need it).

One program per circuit::

    OPENQASM 3.0;
    // qhub-layout {"name": "bell", "cregs": [["c", 2]]}
    bit[2] c;
    qubit[2] q;
    h q[0];
    cnot q[0], q[1];
    c[0] = measure q[0];
    c[1] = measure q[1];

Braket reports measurements for a single classical register only (its interpreter refuses a second one), so
all of a circuit's clbits live in one ``bit`` register (clbit ``i`` is its bit ``i``); the comment line keeps
the circuit's name and its Qiskit registers in whatever layout they have (aliased, reordered, clbits outside
every register), which :func:`layouts` reads back. With ``verbatim=True`` the gates go into a
``#pragma braket verbatim`` box on physical qubits ``$i`` and must be the device's native gates.

One circuit is sent as the bare program string; several as a program set ``{"qasm": [program, ...]}`` whose
``shots`` are the per-circuit shots times the number of circuits. Results are Braket ``GateModelTaskResult``
or ``ProgramSetTaskResult`` documents: per-shot ``measurements`` with columns in ``measuredQubits`` order.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from qiskit.circuit import ParameterExpression, QuantumCircuit

from qhub_providers.formats import gates as gate_tables
from qhub_providers.formats.base import (
    BackendFacts,
    ClassicalLayout,
    EncodedJob,
    ExperimentSamples,
    FormatError,
    check_fits,
    checked_layout,
    layout_of,
    programs_of,
    registers_from_record,
    without_metadata,
)

__all__ = ["BRAKET_GATE_NAMES", "INPUT_FORMAT", "decode", "encode", "layouts"]

INPUT_FORMAT = "BRAKET_OPEN_QASM_V3"

BRAKET_GATE_NAMES: Mapping[str, str] = gate_tables.BRAKET
"""Qiskit gate name → the Braket OpenQASM gate with the same matrix, parameters and qubit order (the
format's one table, :data:`qhub_providers.formats.gates.BRAKET`)."""

_LAYOUT_TAG = "// qhub-layout "
_OPENQASM_ACTION = "braket.ir.openqasm.program"
_QUBIT_REGISTER = "q"
_DEFAULT_BIT_REGISTER = "c"
_PROGRAM_SET_RESULT = "braket.task_result.program_set_task_result"
_IGNORED = frozenset({"barrier"})
# Gates that commute with Z rotations, so a tracked Z frame may pass them unchanged.
_DIAGONAL = frozenset({"id", "z", "s", "sdg", "t", "tdg", "rz", "p", "cz", "cp", "rzz"})
_CONTROL_FLOW = frozenset({"if_else", "while_loop", "for_loop", "switch_case", "break_loop", "continue_loop"})
# A bit register may not shadow a keyword, a constant, the qubit register or a gate the program may call.
_RESERVED = frozenset(
    {
        "OPENQASM", "include", "input", "output", "def", "defcal", "defcalgrammar", "gate", "extern", "box",
        "let", "break", "continue", "if", "else", "end", "return", "for", "while", "in", "switch", "case",
        "default", "pragma", "qubit", "qreg", "creg", "bool", "bit", "int", "uint", "float", "angle",
        "complex", "array", "void", "duration", "stretch", "gphase", "inv", "pow", "ctrl", "negctrl", "dim",
        "durationof", "delay", "reset", "measure", "barrier", "const", "readonly", "mutable", "true",
        "false", "pi", "tau", "euler", "im", "sizeof", "cal", "U", "GPhase", "gpi", "gpi2", "ms", "xy",
        "pswap", "unitary", "cphaseshift00", "cphaseshift01", "cphaseshift10", "cv", _QUBIT_REGISTER,
        *BRAKET_GATE_NAMES.values(),
    }
)  # fmt: skip
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_BIT_DECLARATION = re.compile(r"bit\[(\d+)\]\s+([A-Za-z_][A-Za-z0-9_]*)\s*;\Z")
_MEASURE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\[(\d+)\]\s*=\s*measure\s+(?:q\[(\d+)\]|\$(\d+))\s*;\Z")
# Within this tolerance an angle counts as a multiple of pi/2 when a native gate needs one.
_ANGLE_TOLERANCE = 1e-9


# --- encoding ---------------------------------------------------------------------------------------------


def encode(
    circuits: list[QuantumCircuit],
    backend: BackendFacts,
    *,
    shots: int = 1024,
    verbatim: bool = False,
    disable_qubit_rewiring: bool | None = None,
    **options: Any,
) -> EncodedJob:
    """Write circuits (fitted to ``backend``) as Braket OpenQASM 3 programs.

    ``shots`` are per circuit. ``verbatim=True`` puts the gates in a verbatim box on physical qubits (QPUs
    only; the gates must be the device's native ones). ``disable_qubit_rewiring`` defaults to ``verbatim``
    where the device allows disabling rewiring; when set, qubits are written as physical ``$i``.
    """
    if options:
        raise FormatError(f"{INPUT_FORMAT} does not know the options {sorted(options)}; it takes verbatim")
    if not circuits:
        raise FormatError(f"{INPUT_FORMAT}: no circuits to encode")
    if len(circuits) > max(1, backend.max_circuits):
        raise FormatError(
            f"{backend.backend_id} runs at most {max(1, backend.max_circuits)} circuit(s) per job, got "
            f"{len(circuits)}; submit them in several jobs"
        )
    if isinstance(shots, bool) or not isinstance(shots, int) or shots < 1:
        raise FormatError(f"shots must be a positive integer, not {shots!r}")
    device = _DeviceFacts.of(backend)
    if verbatim and not device.supports_verbatim:
        raise FormatError(
            f"{backend.backend_id} does not support verbatim boxes (no braket_verbatim pragma); "
            "run without verbatim=True"
        )
    if disable_qubit_rewiring is None:
        disable_qubit_rewiring = bool(verbatim) and device.rewiring_can_be_disabled
    elif disable_qubit_rewiring and not device.rewiring_can_be_disabled:
        raise FormatError(f"{backend.backend_id} does not allow disabling qubit rewiring")
    physical = bool(verbatim or disable_qubit_rewiring)

    programs: list[str] = []
    encoded_layouts: list[ClassicalLayout] = []
    for index, circuit in enumerate(circuits):
        label = f"circuit {index} ('{circuit.name}')"
        layout = layout_of(circuit)
        program = _write_program(
            circuit, layout, backend, device, label, verbatim=bool(verbatim), physical=physical
        )
        # The stored program is all a retrieved job has; make sure it reads back as this circuit's layout.
        if without_metadata(_read_layout(program, index)) != without_metadata(layout):
            raise FormatError(f"{label}: its classical layout cannot be written faithfully in {INPUT_FORMAT}")
        programs.append(program)
        encoded_layouts.append(layout)

    job_input: Any = programs[0] if len(programs) == 1 else {"qasm": programs}
    return EncodedJob(
        input=job_input,
        input_format=INPUT_FORMAT,
        input_params={"disable_qubit_rewiring": bool(disable_qubit_rewiring)},
        shots=shots * len(programs),
        layouts=encoded_layouts,
    )


@dataclass(frozen=True)
class _DeviceFacts:
    """What the device's Braket capabilities say about the programs it accepts (empty: no restriction)."""

    supported_operations: frozenset[str] | None
    native_gates: frozenset[str] | None
    supports_verbatim: bool
    rewiring_can_be_disabled: bool

    @classmethod
    def of(cls, backend: BackendFacts) -> _DeviceFacts:
        config = backend.native_config or {}
        action = _mapping(_mapping(config.get("action")).get(_OPENQASM_ACTION))
        paradigm = _mapping(config.get("paradigm"))
        operations = action.get("supportedOperations")
        natives = paradigm.get("nativeGateSet")
        pragmas = action.get("supportedPragmas")
        return cls(
            supported_operations=_lowered(operations),
            native_gates=_lowered(natives),
            supports_verbatim=not isinstance(pragmas, list) or "braket_verbatim" in pragmas,
            rewiring_can_be_disabled=action.get("disabledQubitRewiringSupported") is not False,
        )

    def supports(self, braket_name: str) -> bool:
        return self.supported_operations is None or braket_name.lower() in self.supported_operations

    def is_native(self, braket_name: str) -> bool:
        return self.native_gates is None or braket_name.lower() in self.native_gates


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _lowered(names: Any) -> frozenset[str] | None:
    if not isinstance(names, list):
        return None
    return frozenset(str(name).lower() for name in names)


def _bit_register_name(layout: ClassicalLayout) -> str:
    """The one ``bit`` register: the circuit's own when it has a single usable one holding every clbit,
    else ``c``."""
    creg_sizes = layout.creg_sizes
    if (
        layout.plain
        and len(creg_sizes) == 1
        and _IDENTIFIER.match(creg_sizes[0][0])
        and creg_sizes[0][0] not in _RESERVED
    ):
        return creg_sizes[0][0]
    return _DEFAULT_BIT_REGISTER


def _write_program(
    circuit: QuantumCircuit,
    layout: ClassicalLayout,
    backend: BackendFacts,
    device: _DeviceFacts,
    label: str,
    *,
    verbatim: bool,
    physical: bool,
) -> str:
    if circuit.num_qubits == 0:
        raise FormatError(f"{label} has no qubits")
    check_fits(circuit, backend, label)

    def qubit(index: int) -> str:
        return f"${index}" if physical else f"{_QUBIT_REGISTER}[{index}]"

    writer = _GateWriter(device, backend.backend_id, label, verbatim=verbatim, qubit=qubit)
    measured_qubits: set[int] = set()
    written_clbits: set[int] = set()
    measurements: list[tuple[int, int]] = []
    for instruction in circuit.data:
        operation = instruction.operation
        name = operation.name
        qubits = [circuit.find_bit(q).index for q in instruction.qubits]
        if name in _IGNORED:
            continue
        if name == "measure":
            clbit = circuit.find_bit(instruction.clbits[0]).index
            if qubits[0] in measured_qubits:
                raise FormatError(
                    f"{label} measures qubit {qubits[0]} twice; Braket measures each qubit once, at the end"
                )
            if clbit in written_clbits:
                raise FormatError(f"{label} writes clbit {clbit} twice; measure each clbit once")
            measured_qubits.add(qubits[0])
            written_clbits.add(clbit)
            measurements.append((qubits[0], clbit))
            continue
        if name == "reset":
            raise FormatError(f"{label} resets a qubit; {INPUT_FORMAT} programs cannot reset qubits")
        if name in _CONTROL_FLOW or instruction.clbits:
            raise FormatError(
                f"{label} uses classical control ('{name}'); {INPUT_FORMAT} programs have no classical "
                "conditions"
            )
        touched = measured_qubits.intersection(qubits)
        if touched:
            raise FormatError(
                f"{label} applies '{name}' to qubit {min(touched)} after measuring it; mid-circuit "
                "measurement is not supported, measure at the end"
            )
        if name not in BRAKET_GATE_NAMES:
            raise writer.refuse(name, f"has no {INPUT_FORMAT} equivalent")
        writer.add(name, qubits, [_angle(p, name, label) for p in operation.params])

    bit_register = _bit_register_name(layout)
    lines = ["OPENQASM 3.0;", _LAYOUT_TAG + _layout_comment(layout)]
    if layout.memory_slots:
        lines.append(f"bit[{layout.memory_slots}] {bit_register};")
    if not physical:
        lines.append(f"qubit[{circuit.num_qubits}] {_QUBIT_REGISTER};")
    body = writer.lines
    if not body and not measurements:
        # Braket refuses a program that acts on no qubit, and a sampler may well be given a circuit
        # without gates or measurements: an identity on qubit 0 (outside any verbatim box), which no
        # clbit reads, makes it act on one and changes nothing.
        identity = ["i"] if device.supports("i") else ["x", "x"] if device.supports("x") else ["rz(0.0)"]
        lines += [f"{gate} {qubit(0)};" for gate in identity]
        verbatim = False
    if verbatim and body:
        lines += ["#pragma braket verbatim", "box{", *body, "}"]
    else:
        lines += body
    lines += [f"{bit_register}[{clbit}] = measure {qubit(q)};" for q, clbit in measurements]
    return "\n".join(lines) + "\n"


def _layout_comment(layout: ClassicalLayout) -> str:
    # ensure_ascii keeps any name on this one comment line, whatever characters it holds.
    return json.dumps(
        {"name": layout.name, **layout.register_record()},
        ensure_ascii=True,
        separators=(", ", ": "),
    )


def _angle(value: Any, gate: str, label: str) -> float:
    if isinstance(value, ParameterExpression):
        if value.parameters:
            names = ", ".join(sorted(p.name for p in value.parameters))
            raise FormatError(f"{label}: gate '{gate}' has unbound parameters ({names}); bind them first")
        try:
            value = complex(value)
        except (TypeError, ValueError):
            raise FormatError(f"{label}: gate '{gate}' has a parameter that is not a number") from None
    if isinstance(value, complex):
        if abs(value.imag) > 1e-12:
            raise FormatError(f"{label}: gate '{gate}' has a complex angle {value}")
        value = value.real
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise FormatError(f"{label}: gate '{gate}' has a non-numeric parameter {value!r}") from None
    if not math.isfinite(number):
        raise FormatError(f"{label}: gate '{gate}' has a non-finite angle {number}")
    return number


def _number(value: float) -> str:
    # repr gives the shortest text that reads back as the same double.
    return repr(float(value))


class _GateWriter:
    """Turns Qiskit gates into Braket statements, honouring what the device accepts."""

    def __init__(
        self,
        device: _DeviceFacts,
        backend_id: str,
        label: str,
        *,
        verbatim: bool,
        qubit: Callable[[int], str],
    ) -> None:
        self.device = device
        self.backend_id = backend_id
        self.label = label
        self.verbatim = verbatim
        self.qubit = qubit
        self.lines: list[str] = []
        # Z rotations pushed past later gates (virtual Z) when a verbatim box has no native rz.
        self.frame: dict[int, float] = {}

    def emit(self, braket_name: str, params: Iterable[float], qubits: Sequence[int]) -> None:
        values = list(params)
        arguments = f"({', '.join(_number(v) for v in values)})" if values else ""
        self.lines.append(f"{braket_name}{arguments} {', '.join(self.qubit(q) for q in qubits)};")

    def refuse(self, name: str, why: str) -> FormatError:
        return FormatError(f"{self.label}: gate '{name}' {why}; transpile(circuit, backend) first")

    def add(self, name: str, qubits: list[int], params: list[float]) -> None:
        """Write the Qiskit gate ``name`` (one of :data:`BRAKET_GATE_NAMES`)."""
        braket_name = BRAKET_GATE_NAMES[name]
        if self.verbatim:
            self._add_native(name, braket_name, params, qubits)
        elif self.device.supports(braket_name):
            self.emit(braket_name, params, qubits)
        elif name == "r" and self.device.supports("rx") and self.device.supports("rz"):
            # R(theta, phi) = RZ(phi) RX(theta) RZ(-phi), exactly.
            theta, phi = params
            self.emit("rz", [-phi], qubits)
            self.emit("rx", [theta], qubits)
            self.emit("rz", [phi], qubits)
        else:
            raise self.refuse(name, f"(Braket '{braket_name}') is not supported by {self.backend_id}")

    def _add_native(self, name: str, braket_name: str, params: list[float], qubits: list[int]) -> None:
        device = self.device
        if name == "rz" and not device.is_native("rz"):
            # No native Z rotation: track it in the qubit's frame and shift the phases of later rotations.
            self.frame[qubits[0]] = self.frame.get(qubits[0], 0.0) + params[0]
            return
        if name == "r":
            theta, phi = params[0], params[1] - self.frame.get(qubits[0], 0.0)
            if device.is_native("prx"):
                self.emit("prx", [theta, phi], qubits)
                return
            if device.is_native("gpi") and device.is_native("gpi2"):
                self._add_gpi(theta, phi, qubits[0])
                return
        elif device.is_native(braket_name):
            if name not in _DIAGONAL and any(self.frame.get(q) for q in qubits):
                raise FormatError(
                    f"{self.label}: gate '{name}' follows an rz on {self.backend_id}, which has no native rz "
                    "to apply it; transpile to the native gates or run without verbatim=True"
                )
            self.emit(braket_name, params, qubits)
            return
        natives = ", ".join(sorted(device.native_gates or ()))
        raise FormatError(
            f"{self.label}: gate '{name}' cannot go into a verbatim box on {self.backend_id}, whose native "
            f"gates are {natives}; transpile to those gates or run without verbatim=True"
        )

    def _add_gpi(self, theta: float, phi: float, qubit: int) -> None:
        """R(theta, phi) as IonQ's GPi2 (theta = +-pi/2) or GPi (theta = pi, up to a global phase)."""
        turns = (theta / (math.pi / 2)) % 4
        quarter = round(turns) % 4
        if abs(turns - round(turns)) > _ANGLE_TOLERANCE:
            raise FormatError(
                f"{self.label}: r({theta}, ...) on qubit {qubit} has no native form in a verbatim box on "
                f"{self.backend_id} (only theta = pi/2, pi, 3pi/2); run without verbatim=True"
            )
        if quarter == 1:
            self.emit("gpi2", [phi], [qubit])
        elif quarter == 2:
            self.emit("gpi", [phi], [qubit])
        elif quarter == 3:
            self.emit("gpi2", [phi + math.pi], [qubit])


# --- reading programs back --------------------------------------------------------------------------------


def layouts(job_input: Any, input_params: Mapping[str, Any] | None = None) -> list[ClassicalLayout]:
    """The classical layout of every program of a stored ``BRAKET_OPEN_QASM_V3`` input (metadata empty)."""
    programs = programs_of(job_input, INPUT_FORMAT)
    return [_read_layout(program, index) for index, program in enumerate(programs)]


def _read_layout(program: str, index: int) -> ClassicalLayout:
    """Read name, registers and measurements from a program written by :func:`encode`."""
    label = f"program {index}"
    lines = [line.strip() for line in program.splitlines()]
    lines = [line for line in lines if line]
    if not lines or not lines[0].startswith("OPENQASM 3"):
        raise FormatError(f"{INPUT_FORMAT} {label} does not start with 'OPENQASM 3.0;'")
    header: dict[str, Any] | None = None
    declared: tuple[str, int] | None = None
    measured: list[tuple[int, int]] = []
    for line in lines[1:]:
        if line.startswith(_LAYOUT_TAG):
            header = _read_header(line[len(_LAYOUT_TAG) :], label)
        elif line.startswith("//"):
            continue
        elif line.startswith("bit"):
            match = _BIT_DECLARATION.match(line)
            if match is None or declared is not None:
                raise FormatError(
                    f"{INPUT_FORMAT} {label}: cannot read the classical bits from {line!r}; expected one "
                    "'bit[n] name;' declaration"
                )
            declared = (match.group(2), int(match.group(1)))
        elif "measure" in line:
            match = _MEASURE.match(line)
            if match is None:
                raise FormatError(
                    f"{INPUT_FORMAT} {label}: cannot read the measurement {line!r}; expected "
                    "'c[i] = measure q[j];'"
                )
            register, clbit = match.group(1), int(match.group(2))
            if declared is None or register != declared[0] or clbit >= declared[1]:
                raise FormatError(f"{INPUT_FORMAT} {label}: {line!r} writes a bit that is not declared")
            qubit = match.group(3) if match.group(3) is not None else match.group(4)
            measured.append((int(qubit), clbit))
    width = declared[1] if declared else 0
    if header is None:
        # A plain Braket program (no layout comment): one register as declared.
        name = f"circuit-{index}"
        registers: dict[str, Any] = {"creg_sizes": (declared,) if declared else ()}
    else:
        name = header.pop("name")
        registers = header
    layout = checked_layout(f"{INPUT_FORMAT} {label}", name=name, measured=tuple(measured), **registers)
    if layout.memory_slots != width:
        raise FormatError(
            f"{INPUT_FORMAT} {label}: the layout comment lists {layout.memory_slots} clbits but the program "
            f"declares {width}"
        )
    return layout


def _read_header(text: str, label: str) -> dict[str, Any]:
    where = f"{INPUT_FORMAT} {label} layout comment"
    try:
        header = json.loads(text)
    except ValueError as error:
        raise FormatError(f"unreadable {where} ({error})") from None
    if not isinstance(header, dict) or not isinstance(header.get("name"), str):
        raise FormatError(f"malformed {where}")
    return {"name": header["name"], **registers_from_record(header, where)}


# --- decoding results -------------------------------------------------------------------------------------


def decode(
    result: Any, layouts: list[ClassicalLayout], shots: int, *, seed: int | None = None
) -> list[ExperimentSamples]:
    """Per-shot clbit values for each circuit from a ``GateModelTaskResult`` or ``ProgramSetTaskResult``.

    ``shots`` is the job's shot count as the Hub records it (for a program set, per circuit times the number
    of circuits); it is only used when a result carries probabilities instead of measurements.
    """
    if not isinstance(result, Mapping):
        raise FormatError(f"{INPUT_FORMAT} result must be a JSON object, not {type(result).__name__}")
    if not layouts:
        raise FormatError(f"{INPUT_FORMAT}: no circuit layouts to decode the result with")
    per_circuit = shots // len(layouts) if shots > 0 else 0
    if _is_program_set(result):
        entries = _program_set_entries(result, len(layouts))
    else:
        if len(layouts) != 1:
            raise FormatError(
                f"{INPUT_FORMAT} result holds one program's measurements but the job has {len(layouts)} "
                "circuits"
            )
        entries = [result]
    return [
        _decode_entry(entry, layout, per_circuit, f"program {index}")
        for index, (entry, layout) in enumerate(zip(entries, layouts, strict=True))
    ]


def _is_program_set(result: Mapping[str, Any]) -> bool:
    header = result.get("braketSchemaHeader")
    if isinstance(header, Mapping) and header.get("name") == _PROGRAM_SET_RESULT:
        return True
    return "programResults" in result


def _program_set_entries(result: Mapping[str, Any], expected: int) -> list[Mapping[str, Any]]:
    programs = result.get("programResults")
    if not isinstance(programs, list):
        raise FormatError(f"{INPUT_FORMAT} program-set result has no 'programResults' list")
    if len(programs) != expected:
        raise FormatError(
            f"{INPUT_FORMAT} program-set result has {len(programs)} program results for {expected} circuits"
        )
    entries: list[Mapping[str, Any]] = []
    for index, program in enumerate(programs):
        executables = program.get("executableResults") if isinstance(program, Mapping) else None
        if not isinstance(executables, list) or not executables or not isinstance(executables[0], Mapping):
            raise FormatError(
                f"{INPUT_FORMAT} program-set result: program {index} has no inline 'executableResults'"
            )
        # Programs are sent without input sweeps, so each has exactly one executable.
        entries.append(executables[0])
    return entries


def _decode_entry(
    entry: Mapping[str, Any], layout: ClassicalLayout, shots: int, label: str
) -> ExperimentSamples:
    failure = entry.get("failureMetadata")
    if isinstance(failure, Mapping):
        reason = str(failure.get("failureReason") or "the program failed")
        return ExperimentSamples(shots=0, success=False, message=reason)
    measured_qubits = entry.get("measuredQubits")
    columns = _columns(measured_qubits, layout, label)
    measurements = entry.get("measurements")
    if measurements is not None:
        bits = _bit_matrix(measurements, len(measured_qubits or []), label)
        return ExperimentSamples(shots=int(bits.shape[0]), values=_values(bits, columns))
    probabilities = entry.get("measurementProbabilities")
    if isinstance(probabilities, Mapping):
        metadata = entry.get("taskMetadata")
        declared = metadata.get("shots") if isinstance(metadata, Mapping) else None
        count = declared if isinstance(declared, int) and declared > 0 else shots
        return ExperimentSamples(
            shots=count,
            probabilities=_probabilities(probabilities, columns, len(measured_qubits or []), label),
        )
    raise FormatError(
        f"{INPUT_FORMAT} result for {label} has neither 'measurements' nor 'measurementProbabilities'"
    )


def _columns(measured_qubits: Any, layout: ClassicalLayout, label: str) -> list[tuple[int, int]]:
    """``(column, clbit)`` for every measurement of the layout."""
    if not layout.measured:
        return []
    if not isinstance(measured_qubits, list):
        raise FormatError(f"{INPUT_FORMAT} result for {label} has no 'measuredQubits' list")
    position: dict[int, int] = {}
    for column, qubit in enumerate(measured_qubits):
        if isinstance(qubit, bool) or not isinstance(qubit, int):
            raise FormatError(f"{INPUT_FORMAT} result for {label}: measuredQubits holds {qubit!r}")
        position.setdefault(qubit, column)
    pairs = []
    for qubit, clbit in layout.measured:
        if qubit not in position:
            raise FormatError(f"{INPUT_FORMAT} result for {label} has no measurement of qubit {qubit}")
        pairs.append((position[qubit], clbit))
    return pairs


def _bit_matrix(measurements: Any, width: int, label: str) -> npt.NDArray[np.uint8]:
    """The ``(shots, width)`` 0/1 matrix of a result's ``measurements``."""
    shape_error = FormatError(
        f"{INPUT_FORMAT} result for {label}: 'measurements' must be a list of shots, each a list of {width} "
        "bits (one per measured qubit)"
    )
    if not isinstance(measurements, list):
        raise shape_error
    # set(map(...)) checks a million rows in C; a generator over them would double the decoding time.
    if measurements and (set(map(type, measurements)) != {list} or set(map(len, measurements)) != {width}):
        raise shape_error
    try:
        # fromiter over the flattened rows is about twice as fast as np.array on the nested lists.
        # Read as floats so that a stray 0.5 is caught below instead of being truncated to 0.
        flat = np.fromiter(
            itertools.chain.from_iterable(measurements), dtype=np.float64, count=len(measurements) * width
        )
    except (ValueError, TypeError, OverflowError):
        raise FormatError(f"{INPUT_FORMAT} result for {label}: measurements must be 0 or 1") from None
    if not np.all((flat == 0) | (flat == 1)):
        raise FormatError(f"{INPUT_FORMAT} result for {label}: measurements must be 0 or 1")
    return flat.astype(np.uint8).reshape(len(measurements), width)


def _values(bits: npt.NDArray[np.uint8], columns: list[tuple[int, int]]) -> list[int]:
    shots = bits.shape[0]
    if not columns:
        return [0] * shots
    if max(clbit for _, clbit in columns) < 63:
        values = np.zeros(shots, dtype=np.int64)
        for column, clbit in columns:
            values |= bits[:, column].astype(np.int64) << clbit
        return list(values.tolist())
    # Beyond a machine word, Python integers.
    wide = np.zeros(shots, dtype=object)
    for column, clbit in columns:
        wide = wide | (bits[:, column].astype(object) << clbit)
    return [int(v) for v in wide]


def _probabilities(
    probabilities: Mapping[str, Any], columns: list[tuple[int, int]], width: int, label: str
) -> dict[int, float]:
    out: dict[int, float] = {}
    for key, probability in probabilities.items():
        if not isinstance(key, str) or len(key) != width or set(key) - {"0", "1"}:
            raise FormatError(f"{INPUT_FORMAT} result for {label}: bad measurement key {key!r}")
        if isinstance(probability, bool) or not isinstance(probability, int | float):
            raise FormatError(f"{INPUT_FORMAT} result for {label}: probability of {key!r} is not a number")
        value = sum(1 << clbit for column, clbit in columns if key[column] == "1")
        out[value] = out.get(value, 0.0) + float(probability)
    return out
