"""Runner for Braket OpenQASM 3 jobs (``BRAKET_OPEN_QASM_V3``) on Braket's local gate-model simulators.

Programs are parsed by the interpreter of ``amazon-braket-default-simulator`` (the engine behind
``LocalSimulator("braket_sv")`` and ``LocalSimulator("braket_dm")``), so what it refuses the local Hub refuses
too, with its message. Braket's simulators draw samples from an unseeded generator; to make a job
reproducible, every simulation they create gets its sampling hook replaced by one drawing from the job's
seeded generator.

The native result is the JSON the Hub returns for AWS devices: a ``GateModelTaskResult`` for one program, a
``ProgramSetTaskResult`` for a program set (``{"qasm": [...]}``).
"""

from __future__ import annotations

import contextlib
import functools
import json
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from qhub_providers.emulator.runners.base import Execution, InvalidJobInput
from qhub_providers.emulator.runners.braket_kernels import patch_controlled_gates
from qhub_providers.emulator.runners.braket_noise import noisy_program_bits
from qhub_providers.emulator.runners.braket_rules import check_device_rules
from qhub_providers.emulator.runners.samples import counts_bitstrings, counts_pub, memory_hex, memory_view

if TYPE_CHECKING:
    from qhub_providers.emulator.catalog.spec import BackendSpec

__all__ = ["BraketQasmRunner", "PreparedQasmJob"]

_DENSITY_MATRIX_BACKENDS = frozenset({"aws.sim.dm1"})


@dataclass(frozen=True)
class _Cap:
    """The most qubits a program may act on for one backend, and why, in the words of the refusal."""

    qubits: int
    why: str


# The whole state lives in memory, about four times over at peak (Braket's state and its work buffer, then
# the outcome probabilities and their running sum when sampling). Measured peaks of one shallow 1000-shot
# job, including its sampling: a 27-qubit state vector 4.4 GiB in about 30 s, a 13-qubit density matrix
# 4.4 GiB in about 35 s; one qubit more doubles (state vector) or quadruples (density matrix) both. Two
# jobs may run at once and must fit the machine the local Hub is sized for (2 cores, 24 GiB) with room to
# spare, so the caps stop there. Larger programs may fit the device but not that machine: refused up front.
_SV1_CAP = _Cap(
    27,
    "a state vector of 2**27 amplitudes is 2 GiB, which Braket's simulator holds about twice over, and "
    "two jobs may run at once on the machine the local Hub is sized for (24 GiB)",
)
_DM1_CAP = _Cap(
    13,
    "a density matrix of 4**13 entries is 1 GiB, which Braket's simulator holds about four times over, "
    "and two jobs may run at once on the machine the local Hub is sized for (24 GiB)",
)
# QPU programs keep the earlier cap: their calibration noise is sampled by noisy state-vector trajectories
# on Aer as well, whose time grows faster than the ideal simulation's (see docs/local-hub.md, "Caps").
_QPU_CAP = _Cap(
    24,
    "a QPU program is also sampled under the calibration noise model, by noisy state-vector trajectories "
    "whose time grows with every qubit",
)
_CAPS = {"aws.sim.sv1": _SV1_CAP, "aws.sim.dm1": _DM1_CAP}
_OPENQASM_ACTION = "braket.ir.openqasm.program"


_SIMULATION_LOCK = threading.Lock()


@dataclass(frozen=True)
class _Program:
    """One parsed OpenQASM program and the facts the runner needs about it."""

    source: str
    inputs: dict[str, float]
    declared_qubits: int
    qubit_labels: tuple[int, ...]
    """Every qubit the program acts on or measures, sorted."""
    has_measure: bool
    has_noise: bool
    multi_qubit_gates: tuple[tuple[int, ...], ...]
    result_types: tuple[str, ...]


@dataclass(frozen=True)
class PreparedQasmJob:
    """A validated Braket OpenQASM 3 job, ready to simulate."""

    spec: BackendSpec
    device: str
    """``"braket_sv"`` or ``"braket_dm"``."""
    programs: tuple[_Program, ...]
    shots_per_program: int
    is_program_set: bool


class BraketQasmRunner:
    """Simulates ``BRAKET_OPEN_QASM_V3`` jobs with Braket's local state-vector or density-matrix simulator.

    ``aws.sim.dm1`` runs on ``braket_dm`` (noise pragmas allowed); every other backend on ``braket_sv``. QPU
    backends are sampled under the calibration noise model every QPU family shares (see ``braket_noise``).
    """

    def prepare(
        self, spec: BackendSpec, job_input: Any, input_params: dict[str, Any], shots: int
    ) -> PreparedQasmJob:
        """Parse every program of the job and check it against the backend; raise ``InvalidJobInput``."""
        params = input_params or {}
        sources, is_program_set, inline_inputs = _sources_from_input(job_input)
        # Run-level inputs override the program's own, as ``device.run(..., inputs=)`` does in Braket.
        inputs = {**_checked_inputs(inline_inputs), **_checked_inputs(params.get("inputs"))}
        if not sources:
            raise InvalidJobInput("The program set is empty.")
        if len(sources) > spec.max_pubs_per_job:
            raise InvalidJobInput(
                f"The program set has {len(sources)} programs; {spec.id} accepts at most "
                f"{spec.max_pubs_per_job} per job."
            )
        shots_per_program = _shots_per_program(spec, shots, len(sources), is_program_set)

        device = "braket_dm" if spec.id in _DENSITY_MATRIX_BACKENDS else "braket_sv"
        simulator = _new_simulator(device)
        programs = []
        for index, source in enumerate(sources):
            label = f"Program {index}" if is_program_set else "The program"
            program = _parse_program(spec, simulator, source, inputs, label)
            _check_program(spec, device, simulator, program, shots_per_program, params, label)
            programs.append(program)
        return PreparedQasmJob(spec, device, tuple(programs), shots_per_program, is_program_set)

    def execute(self, prepared: PreparedQasmJob, *, seed: int, noise: dict[str, Any] | None) -> Execution:
        """Simulate every program with a generator derived from ``seed``; QPU backends add ``noise``."""
        calibration = None if prepared.spec.is_simulator else _calibration_body(noise)
        # Braket's simulators run numba kernels whose threading layer aborts the process when two threads
        # enter it at once; the Hub's worker pool must take turns here.
        with _SIMULATION_LOCK:
            runs = [
                _run_program(prepared, index, program, seed, calibration)
                for index, program in enumerate(prepared.programs)
            ]
        task_id = str(
            uuid.uuid5(
                uuid.NAMESPACE_URL,
                f"qhub-local/{prepared.spec.id}/{seed}/{[p.source for p in prepared.programs]}",
            )
        )
        if prepared.is_program_set:
            native = _program_set_document(prepared, runs, task_id)
        else:
            native = _gate_model_document(prepared, runs[0], task_id)
        if prepared.shots_per_program == 0:
            return Execution(native_result=native, normalized=None, memory=None)

        pubs = [
            counts_pub(
                index,
                counts_bitstrings(run.bits),
                shots=prepared.shots_per_program,
                qubits=len(run.measured_qubits),
            )
            for index, run in enumerate(runs)
        ]
        memory = None
        if not prepared.is_program_set:
            memory = memory_view(memory_hex(runs[0].bits), qubits=len(runs[0].measured_qubits))
        return Execution(native_result=native, normalized={"pubs": pubs}, memory=memory)

    def normalized_input(self, prepared: PreparedQasmJob) -> dict[str, Any]:
        """The job's programs as ``NormalizedJobInput``: one pub per program with its shots."""
        return {
            "format": "openqasm.v3",
            "pubs": [{"qasm": p.source, "shots": prepared.shots_per_program} for p in prepared.programs],
        }


# --- reading the job input ----------------------------------------------------------------------------------


def _sources_from_input(job_input: Any) -> tuple[list[str], bool, Any]:
    """Programs, whether they form a program set, and inline ``inputs``, from every shape clients send."""
    value = job_input
    # Old generated clients wrapped string inputs as {"value": "<qasm>", "backendId": ...}.
    if isinstance(value, Mapping) and "qasm" not in value and "value" in value:
        value = value["value"]
    if isinstance(value, str):
        return [value], False, None
    if isinstance(value, Mapping) and "qasm" in value:
        qasm = value["qasm"]
        if isinstance(qasm, str):
            return [qasm], False, value.get("inputs")
        if isinstance(qasm, list) and all(isinstance(source, str) for source in qasm):
            return list(qasm), True, value.get("inputs")
        raise InvalidJobInput("'qasm' must be an OpenQASM 3 string or a list of OpenQASM 3 strings.", 400)
    raise InvalidJobInput(
        'The input must be an OpenQASM 3 string, {"qasm": "<program>"} or {"qasm": ["<program>", ...]}.', 400
    )


def _checked_inputs(raw: Any) -> dict[str, float]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise InvalidJobInput("'inputs' must be an object mapping parameter names to numbers.", 400)
    inputs: dict[str, float] = {}
    for name, number in raw.items():
        if not isinstance(name, str) or isinstance(number, bool) or not isinstance(number, int | float):
            raise InvalidJobInput(f"Input {name!r} must be a number, got {number!r}.", 400)
        inputs[name] = float(number)
    return inputs


def _shots_per_program(spec: BackendSpec, shots: int, programs: int, is_program_set: bool) -> int:
    if shots == 0:
        if not spec.is_simulator:
            raise InvalidJobInput(
                f"shots=0 (exact result types) is only available on simulators, not on {spec.id}."
            )
        if is_program_set:
            raise InvalidJobInput("A program set needs shots > 0; exact result types need a single program.")
        return 0
    if shots < 0:
        raise InvalidJobInput(f"shots must not be negative, got {shots}.")
    per_program, remainder = divmod(shots, programs)
    if remainder:
        raise InvalidJobInput(
            f"shots={shots} is the total over {programs} programs and must be a multiple of it."
        )
    # By the Hub's convention the job's shots are the per-program shots times the number of programs; the
    # backend's range applies to what each program gets.
    if not spec.shots_min <= per_program <= spec.shots_max:
        what = f"{per_program} shots per program" if is_program_set else f"shots={per_program}"
        raise InvalidJobInput(
            f"{what} is outside the range [{spec.shots_min}, {spec.shots_max}] of {spec.id}."
        )
    return per_program


# --- parsing and checking -----------------------------------------------------------------------------------


def _new_simulator(device: str) -> Any:
    """A new instance of the simulator ``LocalSimulator(device)`` delegates to."""
    # Controlled gates on 11 or more qubits crash Braket's numba kernels; see braket_kernels.py.
    patch_controlled_gates()
    if device == "braket_dm":
        from braket.default_simulator import DensityMatrixSimulator

        return DensityMatrixSimulator()
    from braket.default_simulator import StateVectorSimulator

    return StateVectorSimulator()


def _parse_program(
    spec: BackendSpec, simulator: Any, source: str, inputs: dict[str, float], label: str
) -> _Program:
    from braket.default_simulator.openqasm.parser import openqasm_parser
    from braket.default_simulator.openqasm.parser.openqasm_ast import IODeclaration, IOKeyword
    from braket.default_simulator.operation import GateOperation, KrausOperation
    from braket.ir.openqasm import Program

    if not source.strip():
        raise InvalidJobInput(f"{label} is empty.")
    try:
        tree = openqasm_parser.parse(source)
    except openqasm_parser.QASM3ParsingError as error:
        raise InvalidJobInput(
            f"{label} is not valid OpenQASM 3: {_syntax_message(source, error)}", 400
        ) from None
    except Exception as error:  # the parser's error recovery itself fails on some junk (control characters)
        raise InvalidJobInput(
            f"{label} is not valid OpenQASM 3 (the parser failed: {_error_text(error)})", 400
        ) from None

    declared = [
        statement.identifier.name
        for statement in tree.statements
        if isinstance(statement, IODeclaration) and statement.io_identifier == IOKeyword.input
    ]
    unbound = [name for name in declared if name not in inputs]
    if unbound:
        raise InvalidJobInput(f"{label} has unbound input parameters: {', '.join(unbound)}.")
    bound = {name: inputs[name] for name in declared}

    try:
        context = simulator.parse_program(Program(source=source, inputs=bound))
    except Exception as error:  # the interpreter reports semantic faults as plain Python errors
        raise InvalidJobInput(
            f"{label} was rejected by the OpenQASM 3 interpreter: {_error_text(error)}", 400
        ) from None

    # The device's own rules come after the interpreter, so an unknown gate still gets the parser's 400.
    check_device_rules(spec, tree, label)
    circuit = context.circuit
    labels = set(circuit.qubit_set) | set(circuit.measured_qubits)
    if not labels:
        raise InvalidJobInput(f"{label} acts on no qubits.")
    return _Program(
        source=source,
        inputs=bound,
        declared_qubits=int(context.num_qubits or 0),
        qubit_labels=tuple(sorted(int(q) for q in labels)),
        has_measure=bool(circuit.measured_qubits),
        has_noise=any(isinstance(op, KrausOperation) for op in circuit.instructions),
        multi_qubit_gates=tuple(
            tuple(int(q) for q in op.targets)
            for op in circuit.instructions
            if isinstance(op, GateOperation) and len(op.targets) >= 2
        ),
        result_types=tuple(type(result).__name__ for result in circuit.results),
    )


def _syntax_message(source: str, error: Exception) -> str:
    """The parser's own words for a syntax error.

    Braket's parser bails out on the first error with an empty message, so the source is parsed again with
    ANTLR's error reporting on to get its text (``line 1:44 missing ';' at 'q'``).
    """
    if str(error):
        return str(error)
    from braket.default_simulator.openqasm.parser import openqasm_parser

    collector = _SyntaxErrorCollector()
    lexer = openqasm_parser.qasm3Lexer(openqasm_parser.InputStream(source))
    lexer.removeErrorListeners()
    lexer.addErrorListener(collector)
    parser = openqasm_parser.qasm3Parser(openqasm_parser.CommonTokenStream(lexer))
    parser.removeErrorListeners()
    parser.addErrorListener(collector)
    # A recovering parse can still give up; the messages collected so far suffice.
    with contextlib.suppress(Exception):
        parser.program()
    if collector.messages:
        return "; ".join(collector.messages[:3])
    return "syntax error"


class _SyntaxErrorCollector:
    """An ANTLR error listener (duck-typed) that keeps the syntax error messages."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def syntaxError(  # ANTLR's listener interface
        self, recognizer: Any, offending_symbol: Any, line: int, column: int, msg: str, error: Any
    ) -> None:
        self.messages.append(f"line {line}:{column} {msg}")

    def reportAmbiguity(self, *args: Any) -> None:
        """Ambiguities are not errors."""

    def reportAttemptingFullContext(self, *args: Any) -> None:
        """Not an error."""

    def reportContextSensitivity(self, *args: Any) -> None:
        """Not an error."""


def _error_text(error: Exception) -> str:
    if isinstance(error, KeyError) and error.args:
        return str(error.args[0])
    return str(error) or type(error).__name__


def _check_program(
    spec: BackendSpec,
    device: str,
    simulator: Any,
    program: _Program,
    shots: int,
    params: Mapping[str, Any],
    label: str,
) -> None:
    needed = max(program.declared_qubits, program.qubit_labels[-1] + 1)
    if needed > spec.num_qubits:
        raise InvalidJobInput(f"{label} uses {needed} qubits but {spec.id} has {spec.num_qubits}.")
    cap = _simulation_cap(spec)
    if len(program.qubit_labels) > cap.qubits:
        raise InvalidJobInput(
            f"{label} acts on {len(program.qubit_labels)} qubits; the local Hub simulates at most "
            f"{cap.qubits} on {spec.id} ({spec.num_qubits} on the real device): {cap.why}."
        )
    if program.has_noise and device != "braket_dm":
        raise InvalidJobInput(f"{label} has noise instructions; only aws.sim.dm1 simulates noise pragmas.")
    if shots == 0:
        if not program.result_types:
            raise InvalidJobInput(f"{label} has no result types; shots=0 returns result types only.")
        if program.has_measure:
            raise InvalidJobInput(
                f"{label} measures qubits; with shots=0 use result types instead of measure."
            )

    simulated = {
        rt.name.lower(): (rt.minShots, rt.maxShots)
        for rt in simulator.properties.action[_OPENQASM_ACTION].supportedResultTypes
    }
    # The device's advertised result types and shot ranges rule; the simulator must also compute them.
    advertised = _advertised_result_types(spec)
    for name in program.result_types:
        support = simulated.get(name.lower())
        if advertised is not None:
            support = advertised.get(name.lower()) if support is not None else None
        if support is None:
            raise InvalidJobInput(f"{label} asks for result type {name}, which {spec.id} does not support.")
        low, high = support
        if not low <= shots <= high:
            raise InvalidJobInput(f"Result type {name} needs shots in [{low}, {high}], got {shots}.")

    # With rewiring disabled the program's qubits are the device's, so its two-qubit gates must be on coupled
    # pairs. Braket compiles the gate direction, so either orientation of a pair is accepted.
    if params.get("disable_qubit_rewiring") and spec.coupling_map is not None and not spec.is_simulator:
        coupled = {frozenset(pair) for pair in spec.coupling_map}
        for targets in program.multi_qubit_gates:
            if len(targets) == 2 and frozenset(targets) not in coupled:
                raise InvalidJobInput(
                    f"{label} applies a two-qubit gate to qubits {targets[0]} and {targets[1]}, which "
                    f"are not coupled on {spec.id} (disable_qubit_rewiring is set)."
                )


def _simulation_cap(spec: BackendSpec) -> _Cap:
    """The qubit cap of ``spec``: its own for the on-demand simulators, the QPUs' one otherwise."""
    if spec.is_simulator:
        return _CAPS.get(spec.id, _SV1_CAP)
    return _QPU_CAP


def _advertised_result_types(spec: BackendSpec) -> dict[str, tuple[int, int]] | None:
    """The result types of the device's capabilities with their shot ranges, ``None`` without any."""
    config = spec.native_config if isinstance(spec.native_config, Mapping) else {}
    action = (config.get("action") or {}).get(_OPENQASM_ACTION)
    if not isinstance(action, Mapping) or "supportedResultTypes" not in action:
        return None
    return {
        str(rt["name"]).lower(): (int(rt.get("minShots") or 0), int(rt.get("maxShots") or 0))
        for rt in action["supportedResultTypes"]
        if isinstance(rt, Mapping) and "name" in rt
    }


# --- simulating ---------------------------------------------------------------------------------------------


@dataclass
class _ProgramRun:
    """What one program's simulation produced."""

    program: _Program
    bits: npt.NDArray[np.uint8]
    """``(shots, len(measured_qubits))`` measured bits; empty rows when shots is 0."""
    measured_qubits: list[int]
    result_types: list[Any]
    """Braket ``ResultTypeValue`` objects (values exact when shots is 0)."""


def _seed_word(seed: int) -> int:
    return seed % 2**64


def _run_program(
    prepared: PreparedQasmJob,
    index: int,
    program: _Program,
    seed: int,
    calibration: Mapping[str, Any] | None,
) -> _ProgramRun:
    from braket.devices import LocalSimulator
    from braket.ir.openqasm import Program

    sampling = np.random.default_rng([_seed_word(seed), index, 0])
    simulator = _seed_sampling(_new_simulator(prepared.device), sampling)
    shots = prepared.shots_per_program
    result = (
        LocalSimulator(simulator)
        .run(Program(source=program.source, inputs=program.inputs), shots=shots)
        .result()
    )
    if shots == 0:
        return _ProgramRun(program, np.zeros((0, 0), dtype=np.uint8), [], list(result.result_types))

    bits = np.asarray(result.measurements, dtype=np.uint8)
    measured = [int(q) for q in result.measured_qubits]
    if not program.has_measure and len(measured) == len(program.qubit_labels):
        # Without measure instructions the simulator numbers its columns 0..n-1 over the qubits it simulated
        # (sorted labels); Braket devices report the program's own qubit labels, so restore them.
        measured = list(program.qubit_labels)
    if calibration is not None:
        noisy = noisy_program_bits(
            prepared.spec,
            program.source,
            program.inputs,
            measured,
            shots,
            seed=seed + index,
            calibration=calibration,
        )
        bits = bits if noisy is None else noisy
    return _ProgramRun(program, bits, measured, list(result.result_types))


def _seed_sampling(simulator: Any, rng: np.random.Generator) -> Any:
    """Make ``simulator`` draw every sample from ``rng``.

    The simulator creates one ``Simulation`` per execution path and asks it for samples through the public
    ``retrieve_samples()`` hook, which by default uses a fresh unseeded generator. Each new simulation gets
    that hook replaced by one drawing from ``rng`` with the same semantics (basis-state indices, qubit 0 most
    significant).
    """
    create_simulation = simulator.initialize_simulation

    def initialize_simulation(**kwargs: Any) -> Any:
        simulation = create_simulation(**kwargs)
        simulation.retrieve_samples = functools.partial(_draw_basis_states, simulation, rng)
        return simulation

    simulator.initialize_simulation = initialize_simulation
    return simulator


def _draw_basis_states(simulation: Any, rng: np.random.Generator) -> npt.NDArray[np.intp]:
    # A density matrix's diagonal may come back complex or a hair below zero; its real part is what counts.
    probabilities = np.clip(np.real(np.asarray(simulation.probabilities)).astype(float), 0.0, None)
    cumulative = np.cumsum(probabilities)
    cumulative /= cumulative[-1]
    # side="right" never picks a state of probability zero, even when a draw hits a boundary exactly.
    states = np.searchsorted(cumulative, rng.random(int(simulation.shots)), side="right")
    return np.minimum(states, len(probabilities) - 1)


# --- calibration noise --------------------------------------------------------------------------------------


def _calibration_body(noise: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """The gate-based calibration, whether given bare or inside a ``CalibrationResponse``."""
    if not noise:
        return None
    inner = noise.get("calibration")
    body = inner if isinstance(inner, Mapping) else noise
    if body.get("type", "gate_based") != "gate_based":
        return None
    return body


# --- native result documents --------------------------------------------------------------------------------


def _header(name: str) -> dict[str, str]:
    return {"name": name, "version": "1"}


def _program_action(program: _Program, *, as_sweep: bool = False) -> dict[str, Any]:
    """The ``braket.ir.openqasm.program`` document; in a program set inputs are per-executable lists."""
    action: dict[str, Any] = {"braketSchemaHeader": _header(_OPENQASM_ACTION), "source": program.source}
    if program.inputs:
        action["inputs"] = {k: [v] for k, v in program.inputs.items()} if as_sweep else dict(program.inputs)
    return action


def _gate_model_document(prepared: PreparedQasmJob, run: _ProgramRun, task_id: str) -> dict[str, Any]:
    shots = prepared.shots_per_program
    document: dict[str, Any] = {"braketSchemaHeader": _header("braket.task_result.gate_model_task_result")}
    if shots:
        document["measurements"] = run.bits.tolist()
        document["measuredQubits"] = run.measured_qubits
        result_types = _sampled_result_types(run) if run.result_types else []
    else:
        result_types = run.result_types
    if result_types:
        document["resultTypes"] = [
            {"type": json.loads(rt.type.json(exclude_none=True)), "value": _jsonable(rt.value)}
            for rt in result_types
        ]
    document["taskMetadata"] = {
        "braketSchemaHeader": _header("braket.task_result.task_metadata"),
        "id": task_id,
        "shots": shots,
        "deviceId": prepared.spec.id,
        "status": "COMPLETED",
    }
    document["additionalMetadata"] = {"action": _program_action(run.program)}
    if "rigetti" in str(prepared.spec.native_config.get("deviceArn", prepared.spec.id)):
        # Rigetti devices report the program they ran after compiling it; the local Hub runs the program
        # as sent (no recompilation), so that is the program it reports.
        document["additionalMetadata"]["rigettiMetadata"] = {
            "braketSchemaHeader": _header("braket.task_result.rigetti_metadata"),
            "compiledProgram": run.program.source,
        }
    return document


def _sampled_result_types(run: _ProgramRun) -> list[Any]:
    """Result types computed from the (possibly noisy) measurements, as a Braket device reports them."""
    from braket.ir.openqasm import Program
    from braket.task_result import AdditionalMetadata, GateModelTaskResult, TaskMetadata
    from braket.tasks import GateModelQuantumTaskResult

    # Handing Braket the requested result types without values makes it compute them from the measurements.
    raw = GateModelTaskResult.construct(
        taskMetadata=TaskMetadata(id="result-types", shots=len(run.bits), deviceId="local"),
        additionalMetadata=AdditionalMetadata(action=Program(source=run.program.source)),
        measurements=run.bits.tolist(),
        measuredQubits=run.measured_qubits,
        resultTypes=[rt.type for rt in run.result_types],
    )
    return list(GateModelQuantumTaskResult.from_object(raw).result_types)


def _jsonable(value: Any) -> Any:
    """Braket result values as JSON: complex numbers become ``[re, im]`` as in the service's documents."""
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, complex | np.complexfloating):
        number = complex(value)
        return [number.real, number.imag]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def _program_set_document(prepared: PreparedQasmJob, runs: list[_ProgramRun], task_id: str) -> dict[str, Any]:
    total = prepared.shots_per_program * len(runs)
    return {
        "braketSchemaHeader": _header("braket.task_result.program_set_task_result"),
        "programResults": [
            {
                "braketSchemaHeader": _header("braket.task_result.program_result"),
                "executableResults": [
                    {
                        "braketSchemaHeader": _header("braket.task_result.program_set_executable_result"),
                        "inputsIndex": 0,
                        "measurements": run.bits.tolist(),
                        "measuredQubits": run.measured_qubits,
                    }
                ],
                "source": _program_action(run.program, as_sweep=True),
                "additionalMetadata": {"action": _program_action(run.program)},
            }
            for run in runs
        ],
        "taskMetadata": {
            "braketSchemaHeader": _header("braket.task_result.program_set_task_metadata"),
            "id": task_id,
            "deviceId": prepared.spec.id,
            "requestedShots": total,
            "successfulShots": total,
            "programMetadata": [{"executables": [{}]} for _ in runs],
            "totalFailedExecutables": 0,
            "status": "COMPLETED",
        },
    }
