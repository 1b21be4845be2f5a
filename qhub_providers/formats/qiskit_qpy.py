"""IBM backends (``QISKIT_QPY``): Qiskit Runtime primitive jobs, sampler and estimator.

An IBM job's ``input`` is what a Qiskit Runtime primitive sends, in Runtime JSON (see
:mod:`.runtime_json`)::

    {"pubs": [[<QuantumCircuit>, <parameter values> | null, <shots>], ...],
     "options": {"default_shots": 1000}, "version": 2, "support_qiskit": true}

with ``input_params`` ``{"program_id": "sampler"}`` (or ``"estimator"``, whose PUBs are
``[circuit, observables, parameter values | null, precision | null]``). The Hub's ``shots`` is the sum of
the PUBs' shots. ``backend.run(circuits)`` becomes a sampler job with one PUB per circuit; the result is a
``PrimitiveResult`` with one ``BitArray`` per classical register, which :func:`decode` joins into one
integer per shot over the circuit's clbits: register ``k``'s bit ``i`` is clbit ``offset_k + i``, the
offsets running through the registers in circuit order. That is how Qiskit's ``BackendSamplerV2`` and
``SamplerPubResult.join_data`` join registers too (first register least significant).

Like IBM's service, the local Hub runs only ISA circuits; :func:`encode` checks the backend's native
instructions and coupling map (from ``backends/{id}/config``) up front so the user gets the offending
gate and the fix ("transpile first") before anything is submitted.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt

from qhub_providers.formats import runtime_json
from qhub_providers.formats.base import (
    LOOSE_CLBITS,
    BackendFacts,
    ClassicalLayout,
    EncodedJob,
    ExperimentSamples,
    FormatError,
    layout_of,
)

__all__ = [
    "DEFAULT_PRECISION",
    "DEFAULT_SHOTS",
    "INPUT_FORMAT",
    "decode",
    "decode_estimator",
    "decode_sampler_bitarrays",
    "encode",
    "encode_estimator",
    "encode_sampler",
    "layouts",
    "pub_records",
    "pubs_from_records",
    "qasm_rendering",
    "stored_primitive_pubs",
]

INPUT_FORMAT = "QISKIT_QPY"
DEFAULT_SHOTS = 4096
"""Shots per circuit when none are given: Qiskit Runtime's ``SamplerV2`` default."""
DEFAULT_PRECISION = 1 / 64
"""Qiskit Runtime's default estimator precision (about 4096 shots per expectation value)."""

_PRIMITIVE_VERSION = 2
_LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
# Operations every IBM backend takes whatever its configuration lists.
_ALWAYS_ALLOWED = frozenset({"measure", "reset", "delay", "barrier"})
_CONTROL_FLOW = frozenset({"if_else", "while_loop", "for_loop", "switch_case", "box"})
# Two-qubit gates that act the same with their qubits swapped: either orientation of a coupler will do.
_SYMMETRIC_GATES = frozenset({"cz", "rzz", "rxx", "ryy", "swap", "iswap", "cp", "xx_plus_yy"})
_TRANSPILE_HINT = (
    "transpile(circuit, backend) first (or generate_preset_pass_manager(backend=backend).run(circuit))"
)
_JOB_OPTIONS = ("max_execution_time", "log_level", "private", "runtime_options")
_SAMPLER_OPTIONS = ("seed_simulator", *_JOB_OPTIONS)
_ESTIMATOR_OPTIONS = ("seed_estimator", "resilience_level", *_JOB_OPTIONS)


# --------------------------------------------------------------------------------------------- encode


def encode(circuits: list[Any], backend: BackendFacts, **options: Any) -> EncodedJob:
    """A sampler job running every circuit once per shot, one PUB per circuit.

    Options: ``shots`` (per circuit, default :data:`DEFAULT_SHOTS`), ``seed_simulator`` (simulators and
    the local Hub), ``max_execution_time`` (seconds), ``log_level``, ``runtime_options`` (a dict merged
    into the primitive's ``options``, e.g. ``{"dynamical_decoupling": {"enable": True}}``) and ``memory``
    (accepted and ignored: the sampler always returns per-shot data). ``None`` values count as absent.

    Raises :class:`FormatError` for an empty list, more circuits than ``backend.max_circuits``, unbound
    parameters, or a circuit that is not ISA for the backend. Registers may alias one another and clbits
    may lie outside every register (they travel in a register named :data:`LOOSE_CLBITS`).
    """
    given = _given(options)
    given.pop("memory", None)
    shots = _shots(given.pop("shots", None), backend)
    _check_options(given, _SAMPLER_OPTIONS, "backend.run on an IBM backend")
    _check_count(circuits, backend, "circuits")
    for index, circuit in enumerate(circuits):
        _check_bound(index, circuit)
        _check_isa(index, circuit, backend)
    pubs = [
        [_circuit_value(index, _with_loose_register(index, circuit)), None, shots]
        for index, circuit in enumerate(circuits)
    ]
    return EncodedJob(
        input=_sampler_input(pubs, shots, given),
        input_format=INPUT_FORMAT,
        input_params=_input_params("sampler", given),
        shots=shots * len(circuits),
        layouts=[layout_of(circuit) for circuit in circuits],
    )


def encode_sampler(
    pubs: Sequence[Any], backend: BackendFacts, *, shots: int | None = None, **options: Any
) -> EncodedJob:
    """A sampler job of Qiskit ``SamplerPub``-likes: circuits or ``(circuit, parameter_values?, shots?)``.

    ``shots`` is the default for PUBs that name none (default :data:`DEFAULT_SHOTS`). Options as for
    :func:`encode` (without ``memory``). The Hub's ``shots`` is the sum of the PUBs' shots.
    """
    from qiskit.primitives.containers.sampler_pub import SamplerPub

    given = _given(options)
    default_shots = _shots(shots, backend)
    _check_options(given, _SAMPLER_OPTIONS, "a sampler job")
    _check_count(pubs, backend, "PUBs")
    encoded_pubs: list[list[Any]] = []
    circuits: list[Any] = []
    total = 0
    for index, raw in enumerate(pubs):
        try:
            pub = SamplerPub.coerce(raw, default_shots)
        except Exception as exc:  # qiskit raises ValueError / TypeError / QiskitError on bad PUBs
            raise FormatError(f"{INPUT_FORMAT}: PUB {index} is not a valid sampler PUB: {exc}") from exc
        _check_isa(index, pub.circuit, backend)
        pub_shots = _shots(pub.shots, backend)
        values = _parameter_values(pub.circuit, pub.parameter_values)
        encoded_pubs.append([_circuit_value(index, pub.circuit), values, pub_shots])
        circuits.append(pub.circuit)
        total += pub_shots
    return EncodedJob(
        input=_sampler_input(encoded_pubs, default_shots, given),
        input_format=INPUT_FORMAT,
        input_params=_input_params("sampler", given),
        shots=total,
        layouts=[layout_of(circuit) for circuit in circuits],
    )


def encode_estimator(
    pubs: Sequence[Any], backend: BackendFacts, *, precision: float | None = None, **options: Any
) -> EncodedJob:
    """An estimator job of Qiskit ``EstimatorPub``-likes: ``(circuit, observables, parameter_values?,
    precision?)``.

    ``precision`` is the default for PUBs that name none (the service's own default,
    :data:`DEFAULT_PRECISION`, when absent). Options: ``seed_estimator``, ``max_execution_time``,
    ``log_level``, ``runtime_options``. The Hub's ``shots`` is an estimate of the job's cost: per PUB the
    ``ceil(1 / precision**2)`` shots a plain estimate of that precision takes, summed.
    """
    from qiskit.primitives.containers.estimator_pub import EstimatorPub

    given = _given(options)
    _check_options(given, _ESTIMATOR_OPTIONS, "an estimator job")
    _check_count(pubs, backend, "PUBs")
    default_precision = DEFAULT_PRECISION if precision is None else _precision(precision, "precision")
    runtime = given.get("runtime_options")
    service_defaults = runtime if isinstance(runtime, Mapping) else {}
    if precision is None and service_defaults.get("default_precision") is not None:
        default_precision = _precision(service_defaults["default_precision"], "default_precision")
    default_shots = service_defaults.get("default_shots")
    encoded_pubs: list[list[Any]] = []
    circuits: list[Any] = []
    total = 0
    for index, raw in enumerate(pubs):
        try:
            pub = EstimatorPub.coerce(raw)
        except Exception as exc:  # qiskit raises ValueError / TypeError / QiskitError on bad PUBs
            raise FormatError(f"{INPUT_FORMAT}: PUB {index} is not a valid estimator PUB: {exc}") from exc
        _check_isa(index, pub.circuit, backend)
        pub_precision = None if pub.precision is None else _precision(pub.precision, f"PUB {index} precision")
        observables = runtime_json.encode_value(pub.observables.tolist())
        values = _parameter_values(pub.circuit, pub.parameter_values)
        encoded_pubs.append([_circuit_value(index, pub.circuit), observables, values, pub_precision])
        circuits.append(pub.circuit)
        if pub_precision is None and default_shots is not None:
            # As on IBM: default_shots, when set, overrides default_precision.
            total += _shots(default_shots, backend)
        else:
            total += _shots_for_precision(
                default_precision if pub_precision is None else pub_precision, backend
            )
    primitive_options: dict[str, Any] = {}
    if precision is not None:
        primitive_options["default_precision"] = default_precision
    if "seed_estimator" in given:
        primitive_options["seed_estimator"] = _integer(given["seed_estimator"], "seed_estimator")
    job_input = {
        "pubs": encoded_pubs,
        "options": _merged(primitive_options, given.get("runtime_options")),
        "version": _PRIMITIVE_VERSION,
        "support_qiskit": True,
    }
    if "resilience_level" in given:
        level = _integer(given["resilience_level"], "resilience_level")
        if not 0 <= level <= 2:
            raise FormatError(f"{INPUT_FORMAT}: resilience_level must be 0, 1 or 2, got {level}")
        job_input["resilience_level"] = level
    return EncodedJob(
        input=job_input,
        input_format=INPUT_FORMAT,
        input_params=_input_params("estimator", given),
        shots=total,
        layouts=[layout_of(circuit) for circuit in circuits],
    )


def qasm_rendering(circuits: Sequence[Any]) -> dict[str, Any] | None:
    """The circuits as OpenQASM 3 for the job's top-level ``qasm`` field, or ``None`` if one has none.

    The Hub shows this rendering to people looking at a job (it does not read QPY itself); it is best
    effort, so a circuit the exporter cannot write drops the field rather than failing the job.
    """
    from qiskit import qasm3

    programs: list[dict[str, str]] = []
    for circuit in circuits:
        try:
            text = qasm3.dumps(circuit)
        except Exception:  # the exporter raises QASM3ExporterError and others on unsupported content
            return None
        programs.append({"qasm": str(text), "name": str(circuit.name)})
    return {"format": "openqasm.v3", "programs": programs}


def _circuit_value(index: int, circuit: Any) -> dict[str, str]:
    try:
        return runtime_json.encode_circuit(circuit)
    except FormatError as exc:
        raise FormatError(f"{INPUT_FORMAT}: circuit {index}: {exc}") from exc


def _given(options: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in options.items() if value is not None}


def _check_options(given: Mapping[str, Any], allowed: Sequence[str], what: str) -> None:
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise FormatError(
            f"{INPUT_FORMAT}: unknown option(s) for {what}: {', '.join(unknown)}; "
            f"supported: {', '.join(sorted(allowed))}"
        )


def _check_count(items: Sequence[Any], backend: BackendFacts, what: str) -> None:
    if not items:
        raise FormatError(f"{INPUT_FORMAT}: a job needs at least one circuit")
    if len(items) > backend.max_circuits:
        raise FormatError(
            f"{INPUT_FORMAT}: backend {backend.backend_id} accepts at most {backend.max_circuits} {what} per "
            f"job, got {len(items)}; split them over several jobs"
        )


def _integer(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise FormatError(f"{INPUT_FORMAT}: {what} must be an integer, got {value!r}")
    return int(value)


def _max_shots(backend: BackendFacts) -> int | None:
    limit = _ibm_configuration(backend).get("max_shots")
    return limit if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0 else None


def _shots(value: Any, backend: BackendFacts) -> int:
    shots = DEFAULT_SHOTS if value is None else _integer(value, "shots")
    limit = _max_shots(backend)
    if shots < 1 or (limit is not None and shots > limit):
        bound = f" and {limit}" if limit is not None else ""
        raise FormatError(
            f"{INPUT_FORMAT}: shots must be between 1{bound} on backend {backend.backend_id}, got {shots}"
        )
    return shots


def _precision(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise FormatError(f"{INPUT_FORMAT}: {what} must be a positive number, got {value!r}")
    number = float(value)
    if not math.isfinite(number) or number <= 0:
        raise FormatError(f"{INPUT_FORMAT}: {what} must be a positive number, got {value!r}")
    return number


def _shots_for_precision(precision: float, backend: BackendFacts) -> int:
    shots = math.ceil(1 / precision**2)
    limit = _max_shots(backend)
    return min(shots, limit) if limit is not None else shots


def _merged(base: dict[str, Any], extra: Any) -> dict[str, Any]:
    """``base`` with ``extra`` merged in, nested dicts merged key by key (the user's values win)."""
    if extra is None:
        return base
    if not isinstance(extra, Mapping):
        raise FormatError(f"{INPUT_FORMAT}: runtime_options must be a dict, got {type(extra).__name__}")
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    encoded = runtime_json.encode_value(merged)
    assert isinstance(encoded, dict)
    return encoded


def _sampler_input(pubs: list[list[Any]], default_shots: int, given: Mapping[str, Any]) -> dict[str, Any]:
    primitive_options: dict[str, Any] = {"default_shots": default_shots}
    if "seed_simulator" in given:
        seed = _integer(given["seed_simulator"], "seed_simulator")
        primitive_options["simulator"] = {"seed_simulator": seed}
    return {
        "pubs": pubs,
        "options": _merged(primitive_options, given.get("runtime_options")),
        "version": _PRIMITIVE_VERSION,
        "support_qiskit": True,
    }


def _input_params(program: str, given: Mapping[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {"program_id": program}
    if "max_execution_time" in given:
        seconds = _integer(given["max_execution_time"], "max_execution_time")
        if seconds < 1:
            raise FormatError(f"{INPUT_FORMAT}: max_execution_time must be at least 1 second, got {seconds}")
        params["max_execution_time"] = seconds
    if "log_level" in given:
        level = str(given["log_level"]).lower()
        if level not in _LOG_LEVELS:
            raise FormatError(
                f"{INPUT_FORMAT}: log_level must be one of {', '.join(_LOG_LEVELS)}, "
                f"got {given['log_level']!r}"
            )
        params["log_level"] = level
    if "private" in given:
        if not isinstance(given["private"], bool):
            raise FormatError(f"{INPUT_FORMAT}: private must be True or False, got {given['private']!r}")
        params["private"] = given["private"]
    return params


def _parameter_values(circuit: Any, bindings: Any) -> Any:
    """The PUB's parameter values as Runtime sends them: ``null`` without parameters, else an ndarray of
    shape ``sweep shape + (number of parameters,)``, columns in ``circuit.parameters`` order."""
    if not circuit.num_parameters and bindings.shape == ():
        return None
    values = np.asarray(bindings.as_array(circuit.parameters), dtype=float)
    return runtime_json.encode_ndarray(values)


# ---------------------------------------------------------------------------------------- validation


def _check_bound(index: int, circuit: Any) -> None:
    if circuit.num_parameters:
        names = ", ".join(parameter.name for parameter in circuit.parameters)
        raise FormatError(
            f"{INPUT_FORMAT}: circuit {index} ({circuit.name!r}) has unbound parameters ({names}); bind them "
            "with circuit.assign_parameters({...}) before running it"
        )


def _with_loose_register(index: int, circuit: Any) -> Any:
    """``circuit``, with its clbits outside every register gathered in a register :data:`LOOSE_CLBITS`.

    IBM's sampler returns data per register only; without that register those clbits would be lost.
    Registers that alias one another need nothing: the sampler returns each, and :func:`decode` puts
    every register's bits back on their clbits.
    """
    loose = [bit for bit in circuit.clbits if not circuit.find_bit(bit).registers]
    if any(register.name == LOOSE_CLBITS for register in circuit.cregs):
        raise FormatError(
            f"{INPUT_FORMAT}: circuit {index} ({circuit.name!r}) has a register named {LOOSE_CLBITS!r}, "
            "a name this package keeps for clbits outside every register; rename it"
        )
    if not loose:
        return circuit
    from qiskit.circuit import ClassicalRegister

    gathered = circuit.copy()
    gathered.add_register(ClassicalRegister(name=LOOSE_CLBITS, bits=loose))
    return gathered


def _ibm_configuration(backend: BackendFacts) -> dict[str, Any]:
    native = backend.native_config or {}
    configuration = native.get("config", native)
    return configuration if isinstance(configuration, dict) else {}


def _check_isa(index: int, circuit: Any, backend: BackendFacts) -> None:
    """Refuse what the backend cannot run: too many qubits, non-native gates, uncoupled pairs."""
    if circuit.num_qubits > backend.num_qubits:
        raise FormatError(
            f"{INPUT_FORMAT}: circuit {index} ({circuit.name!r}) has {circuit.num_qubits} qubits but backend "
            f"{backend.backend_id} has {backend.num_qubits}; {_TRANSPILE_HINT}"
        )
    configuration = _ibm_configuration(backend)
    basis = [str(name) for name in configuration.get("basis_gates") or []]
    supported = {str(name) for name in configuration.get("supported_instructions") or []}
    coupling = configuration.get("coupling_map")
    pairs = {(int(a), int(b)) for a, b in coupling} if isinstance(coupling, list) else None
    native = set(basis) | supported | _ALWAYS_ALLOWED
    for name, qubits in _operations(circuit, tuple(range(circuit.num_qubits))):
        if name == "barrier":
            continue
        if basis and name not in native:
            raise FormatError(
                f"{INPUT_FORMAT}: circuit {index} ({circuit.name!r}): gate {name!r} on qubit(s) "
                f"{list(qubits)} is not native to backend {backend.backend_id} "
                f"(native gates: {', '.join(basis)}); {_TRANSPILE_HINT}"
            )
        if name in _CONTROL_FLOW:
            continue  # its blocks' operations are checked one by one
        if len(qubits) > 2:
            raise FormatError(
                f"{INPUT_FORMAT}: circuit {index} ({circuit.name!r}): gate {name!r} acts on {len(qubits)} "
                f"qubits; backend {backend.backend_id} runs gates on one or two; {_TRANSPILE_HINT}"
            )
        if len(qubits) == 2 and pairs is not None and not _coupled(name, qubits, pairs):
            raise FormatError(
                f"{INPUT_FORMAT}: circuit {index} ({circuit.name!r}): gate {name!r} acts on qubits "
                f"{list(qubits)}, which are not coupled on backend {backend.backend_id}; {_TRANSPILE_HINT}"
            )


def _coupled(name: str, qubits: tuple[int, ...], pairs: set[tuple[int, int]]) -> bool:
    forward = (qubits[0], qubits[1])
    return forward in pairs or (name in _SYMMETRIC_GATES and (qubits[1], qubits[0]) in pairs)


def _operations(circuit: Any, physical: tuple[int, ...]) -> Iterator[tuple[str, tuple[int, ...]]]:
    """Every operation with its device qubits, looking inside control-flow blocks."""
    for instruction in circuit.data:
        qubits = tuple(physical[circuit.find_bit(qubit).index] for qubit in instruction.qubits)
        operation = instruction.operation
        if operation.name in _CONTROL_FLOW:
            # A block's qubits line up, in order, with the qubits the control-flow operation acts on.
            for block in operation.blocks:
                yield from _operations(block, qubits)
        yield operation.name, qubits


# -------------------------------------------------------------------------------------------- layouts


def layouts(job_input: Any, input_params: Mapping[str, Any] | None = None) -> list[ClassicalLayout]:
    """Each PUB circuit's classical layout, read back from the QPY circuits of the stored input."""
    del input_params  # the circuits carry everything
    payload = _input_document(job_input)
    pubs = payload.get("pubs")
    if not isinstance(pubs, list) or not pubs:
        raise FormatError(f"{INPUT_FORMAT}: the job input has no PUBs (expected input.pubs to be a list)")
    found: list[ClassicalLayout] = []
    for index, pub in enumerate(pubs):
        raw = pub[0] if isinstance(pub, list) and pub else pub
        try:
            circuit = runtime_json.decode_circuit(raw)
        except FormatError as exc:
            raise FormatError(f"{INPUT_FORMAT}: PUB {index} of the job input: {exc}") from exc
        layout = layout_of(circuit)
        found.append(replace(layout, metadata=_metadata(layout.metadata)))
    return found


def _metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """Circuit metadata as the user set it: QPY keeps the tagged JSON that numpy values became."""
    try:
        decoded = runtime_json.decode_value(metadata)
    except FormatError:
        return metadata
    return decoded if isinstance(decoded, dict) else metadata


def _input_document(job_input: Any) -> dict[str, Any]:
    document = runtime_json.parse_document(job_input, f"{INPUT_FORMAT} job input")
    # The Hub shows a bare-string input as {"qasm": "<text>"}: the text is then the JSON document.
    if isinstance(document, dict) and "pubs" not in document and isinstance(document.get("qasm"), str):
        document = runtime_json.parse_document(document["qasm"], f"{INPUT_FORMAT} job input")
    if not isinstance(document, dict):
        raise FormatError(f"{INPUT_FORMAT}: the job input must be a primitive input object")
    return document


# --------------------------------------------------------------------------------------------- decode


def _primitive_result(result: Any) -> runtime_json.RuntimePrimitiveResult:
    try:
        return runtime_json.decode_primitive_result(result)
    except FormatError as exc:
        raise FormatError(f"{INPUT_FORMAT} result: {exc}") from exc


def decode(
    result: Any, layouts: list[ClassicalLayout], shots: int, *, seed: int | None = None
) -> list[ExperimentSamples]:
    """Per-shot outcomes of a sampler job, one :class:`ExperimentSamples` per circuit.

    Each shot's value joins the circuit's registers (register ``k``'s bit ``i`` is clbit
    ``offset_k + i``). A PUB with a parameter sweep is flattened in C order. ``shots`` is the job's shots
    (the sum over PUBs); it only matters for a circuit without classical bits, whose result holds no
    arrays to count shots from. ``seed`` is unused: the data is per shot already.
    """
    del seed
    primitive = _primitive_result(result)
    if len(primitive.pub_results) != len(layouts):
        raise FormatError(
            f"{INPUT_FORMAT} result: {len(primitive.pub_results)} PUB result(s) for {len(layouts)} circuit(s)"
        )
    fallback_shots = max(0, int(shots)) // max(1, len(layouts))
    return [
        _samples(index, pub, layout, fallback_shots)
        for index, (pub, layout) in enumerate(zip(primitive.pub_results, layouts, strict=True))
    ]


def _samples(
    index: int, pub: runtime_json.RuntimePubResult, layout: ClassicalLayout, fallback_shots: int
) -> ExperimentSamples:
    if "evs" in pub.data.fields:
        raise FormatError(
            f"{INPUT_FORMAT} result: PUB {index} holds expectation values: this is an estimator job, whose "
            "result has no counts; read it with provider.job(job_id).result()"
        )
    homes = layout.home_registers()
    registers: list[runtime_json.RuntimeBitArray] = []
    for name, clbits in homes:
        bits = pub.data.fields.get(name)
        if not isinstance(bits, runtime_json.RuntimeBitArray):
            raise FormatError(
                f"{INPUT_FORMAT} result: PUB {index} has no bit array for classical register {name!r} "
                f"(fields: {', '.join(pub.data.fields) or 'none'})"
            )
        if bits.num_bits != len(clbits):
            raise FormatError(
                f"{INPUT_FORMAT} result: PUB {index} register {name!r} has {bits.num_bits} bits, the circuit "
                f"declares {len(clbits)}"
            )
        registers.append(bits)
    if not registers:
        return ExperimentSamples(shots=fallback_shots, values=[0] * fallback_shots)
    leading = registers[0].array.shape[:-1]
    if any(bits.array.shape[:-1] != leading for bits in registers):
        raise FormatError(f"{INPUT_FORMAT} result: PUB {index}'s registers hold different numbers of shots")
    count = math.prod(leading)
    arrays = [bits.array.reshape(count, bits.array.shape[-1]) for bits in registers]
    widths = [bits.num_bits for bits in registers]
    if layout.plain and sum(widths) <= 64:
        values = _joined_narrow(arrays, widths, count)
    elif layout.plain:
        values = _joined_wide(arrays, widths, count)
    else:
        values = _scattered(arrays, [clbits for _, clbits in homes], count, layout.memory_slots)
    return ExperimentSamples(shots=count, values=values)


def _scattered(
    arrays: list[npt.NDArray[np.uint8]], clbits: list[tuple[int, ...]], count: int, width: int
) -> list[int]:
    """Joined outcomes of registers that alias, are reordered or hold loose clbits: each register's bit
    ``i`` goes to its clbit ``clbits[i]`` (aliased registers agree on the clbits they share)."""
    columns = np.zeros((count, width), dtype=np.uint8)  # column c is clbit c
    for packed, targets in zip(arrays, clbits, strict=True):
        unpacked = np.unpackbits(packed, axis=1)  # register bit i is column -1-i
        for bit, clbit in enumerate(targets):
            columns[:, clbit] = unpacked[:, unpacked.shape[1] - 1 - bit]
    if width <= 63:
        weights = np.left_shift(np.int64(1), np.arange(width, dtype=np.int64))
        values: list[int] = (columns.astype(np.int64) @ weights).tolist()
        return values
    return [int("".join(map(str, row[::-1].tolist())), 2) for row in columns]


def _joined_narrow(arrays: list[npt.NDArray[np.uint8]], widths: list[int], count: int) -> list[int]:
    """Joined outcomes that fit in 64 bits, computed column-wise with numpy."""
    total = np.zeros(count, dtype=np.uint64)
    offset = 0
    for packed, width in zip(arrays, widths, strict=True):
        if width:
            total |= _register_values(packed, width) << np.uint64(offset)
        offset += width
    values: list[int] = total.tolist()
    return values


def _register_values(packed: npt.NDArray[np.uint8], width: int) -> npt.NDArray[np.uint64]:
    """One register's outcome per shot: its big-endian bytes read as an unsigned integer."""
    count, num_bytes = packed.shape
    padded = np.zeros((count, 8), dtype=np.uint8)
    padded[:, 8 - num_bytes :] = packed
    values = padded.view(">u8").reshape(count).astype(np.uint64)
    if width < 64:
        # Padding bits of the top byte should be zero; masking keeps stray ones out of the next register.
        values &= np.uint64((1 << width) - 1)
    return values


def _joined_wide(arrays: list[npt.NDArray[np.uint8]], widths: list[int], count: int) -> list[int]:
    """Joined outcomes wider than 64 bits, as Python integers."""
    total_width = sum(widths)
    num_bytes = (total_width + 7) // 8
    # Bits most significant first, left-padded to whole bytes: clbit i sits in column 8*num_bytes-1-i.
    columns = np.zeros((count, 8 * num_bytes), dtype=np.uint8)
    offset = 0
    for packed, width in zip(arrays, widths, strict=True):
        if width:
            unpacked = np.unpackbits(packed, axis=1)  # register bit i is column -1-i
            end = 8 * num_bytes - offset
            columns[:, end - width : end] = unpacked[:, unpacked.shape[1] - width :]
        offset += width
    raw = np.packbits(columns, axis=1).tobytes()
    return [int.from_bytes(raw[row * num_bytes : (row + 1) * num_bytes], "big") for row in range(count)]


def decode_sampler_bitarrays(result: Any) -> list[dict[str, tuple[npt.NDArray[np.uint8], int]]]:
    """Per PUB, per classical register: the packed bit array and its number of bits.

    Arrays keep Qiskit's ``BitArray`` layout, shape ``sweep shape + (shots, bytes)`` (so
    ``BitArray(array, num_bits)`` rebuilds them), registers in the result's order.
    """
    decoded: list[dict[str, tuple[npt.NDArray[np.uint8], int]]] = []
    for index, pub in enumerate(_primitive_result(result).pub_results):
        registers: dict[str, tuple[npt.NDArray[np.uint8], int]] = {}
        for name, value in pub.data.fields.items():
            if not isinstance(value, runtime_json.RuntimeBitArray):
                raise FormatError(
                    f"{INPUT_FORMAT} result: PUB {index} field {name!r} is not a bit array; is this an "
                    "estimator result?"
                )
            registers[name] = (value.array, value.num_bits)
        decoded.append(registers)
    return decoded


def decode_estimator(result: Any) -> list[dict[str, Any]]:
    """Per PUB: ``evs`` and ``stds`` (float arrays of the PUB's shape), the PUB's other data fields
    (e.g. ``ensemble_standard_error``), ``shape`` and ``metadata``."""
    decoded: list[dict[str, Any]] = []
    for index, pub in enumerate(_primitive_result(result).pub_results):
        fields = pub.data.fields
        if "evs" not in fields:
            raise FormatError(
                f"{INPUT_FORMAT} result: PUB {index} has no expectation values (fields: "
                f"{', '.join(fields) or 'none'}); is this a sampler result?"
            )
        entry: dict[str, Any] = {}
        for name, value in fields.items():
            if isinstance(value, runtime_json.RuntimeBitArray):
                continue
            try:
                entry[name] = np.asarray(value, dtype=float)
            except (TypeError, ValueError) as exc:
                raise FormatError(
                    f"{INPUT_FORMAT} result: PUB {index} field {name!r} is not numeric"
                ) from exc
        evs = entry["evs"]
        stds = entry.get("stds")
        if stds is None or stds.shape != evs.shape:
            got = "none" if stds is None else f"shape {stds.shape}"
            raise FormatError(
                f"{INPUT_FORMAT} result: PUB {index} has evs of shape {evs.shape} but stds of {got}"
            )
        entry["shape"] = tuple(evs.shape)
        entry["metadata"] = dict(pub.metadata)
        decoded.append(entry)
    return decoded


# ----------------------------------------------------------------------------------- PUBs read back


def pub_records(program: str, pubs: Sequence[Any]) -> list[list[Any]]:
    """Coerced ``SamplerPub`` / ``EstimatorPub`` objects as the JSON an IBM primitive's input holds them
    in (``[circuit, values, shots]`` or ``[circuit, observables, values, precision]``), for keeping a
    run's PUBs with its job."""
    records: list[list[Any]] = []
    for index, pub in enumerate(pubs):
        circuit = _circuit_value(index, pub.circuit)
        values = _parameter_values(pub.circuit, pub.parameter_values)
        if program == "sampler":
            records.append([circuit, values, pub.shots])
        else:
            observables = runtime_json.encode_value(pub.observables.tolist())
            records.append([circuit, observables, values, pub.precision])
    return records


def pubs_from_records(program: str, records: Any) -> list[Any]:
    """Qiskit's coerced PUBs from :func:`pub_records` JSON (or a stored IBM primitive input's ``pubs``)."""
    from qiskit.primitives.containers.estimator_pub import EstimatorPub
    from qiskit.primitives.containers.sampler_pub import SamplerPub

    if not isinstance(records, list) or not records:
        raise FormatError(f"{INPUT_FORMAT}: the stored PUBs must be a non-empty list")
    pubs: list[Any] = []
    for index, record in enumerate(records):
        if not isinstance(record, list) or not record:
            raise FormatError(f"{INPUT_FORMAT}: stored PUB {index} is not a list")
        try:
            circuit = runtime_json.decode_circuit(record[0])
            rest = [runtime_json.decode_value(item) for item in record[1:]]
            if program == "sampler":
                values = rest[0] if rest else None
                shots = rest[1] if len(rest) > 1 else None
                pubs.append(
                    SamplerPub.coerce((circuit, values, shots) if values is not None else circuit, shots)
                )
            else:
                observables, values, precision = [*rest, None, None, None][:3]
                pub = (
                    (circuit, observables, values, precision)
                    if values is not None
                    else (circuit, observables)
                )
                pubs.append(EstimatorPub.coerce(pub, precision))
        except FormatError:
            raise
        except Exception as exc:  # Qiskit raises ValueError / TypeError / QiskitError on bad PUBs
            raise FormatError(f"{INPUT_FORMAT}: stored PUB {index} cannot be read back: {exc}") from exc
    return pubs


def stored_primitive_pubs(job_input: Any, program: str) -> list[Any]:
    """The coerced PUBs of a stored IBM primitive input (a sampler or estimator job)."""
    return pubs_from_records(program, _input_document(job_input).get("pubs"))
