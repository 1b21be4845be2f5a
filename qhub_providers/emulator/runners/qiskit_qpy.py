"""The local Hub's runner for IBM backends: Qiskit Runtime sampler and estimator jobs (``QISKIT_QPY``).

The job ``input`` is what a Qiskit Runtime primitive sends, in the Runtime JSON dialect (read with
``qiskit-ibm-runtime``'s decoder, see :mod:`.runtime_json`):
``{"pubs": [...], "options": {...}, "version": 2, ...}``; ``input_params`` carries ``program_id``
(``sampler`` or ``estimator``). Like the real service, the runner accepts only ISA circuits:
every gate native to the backend and every two-qubit gate on a coupled pair.

How the simulation stands in for the device:

* Circuits on a 156-qubit device touch a handful of qubits, so each PUB runs on a compact copy holding only
  the qubits it acts on; the noise of the device qubits travels with them. Estimator observables are cut
  down to those qubits too: an idle qubit stays in |0>, so its Z factor is 1 and an X or Y factor zeroes
  the term.
* QPU backends are simulated with a noise model built from the backend's gate-based calibration (gate
  errors as depolarising channels, readout errors); simulator backends, or a QPU without calibration,
  simulate ideally.
* Sampler: every PUB gives one ``BitArray`` per classical register, shaped by its parameter sweep.
* Estimator: expectation values are exact for ideal simulation (``stds`` are 0). With noise they are the
  exact noisy values plus Gaussian shot noise of standard deviation ``precision``, which is what a device
  estimate at that precision looks like; ``stds`` then report ``precision``.
* Seeds: ``options.simulator.seed_simulator`` (sampler) or ``options.seed_estimator`` (estimator) override
  the job seed. Other options (resilience, twirling, dynamical decoupling, ...) are accepted and ignored.

The normalized views: a sampler PUB becomes a ``counts`` entry with the bits of all its classical registers
joined in circuit order, the first register rightmost (Qiskit's joined counts without the spaces), summed
over a parameter sweep as ``BitArray.get_counts`` does; ``qubits`` is the bitstring width. An estimator PUB
becomes an ``expectation_values`` entry. Per-shot memory exists for a single-PUB sampler job without a
parameter sweep and with exactly one classical register.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from qhub_providers.emulator.runners.base import Execution, InvalidJobInput
from qhub_providers.emulator.runners.circuits import aer_noise_model, check_simulable, sample_bits
from qhub_providers.emulator.runners.noise import noise_model
from qhub_providers.emulator.runners.runtime_json import (
    RuntimeValueError,
    decode_runtime_value,
    encode_primitive_result,
    execution_span,
    execution_spans,
)
from qhub_providers.emulator.runners.samples import counts_bitstrings, counts_pub, memory_hex, memory_view

if TYPE_CHECKING:
    from qhub_providers.emulator.catalog.spec import BackendSpec

__all__ = [
    "ALLOWED_PROGRAMS",
    "DEFAULT_PRECISION",
    "EstimatorTask",
    "PreparedPrimitiveJob",
    "QiskitQpyRunner",
    "SamplerTask",
]

ALLOWED_PROGRAMS = ("sampler", "estimator")
DEFAULT_PRECISION = 0.015625
"""Qiskit Runtime's default estimator precision (1/64)."""

_SUPPORTED_VERSION = 2
_DIRECTIVES = frozenset({"measure", "barrier", "delay", "reset"})
_CONTROL_FLOW = frozenset({"if_else", "while_loop", "for_loop", "switch_case", "box"})
# Gates whose action does not depend on which qubit is first; a coupled pair allows either order.
_SYMMETRIC_GATES = frozenset({"cz", "rzz", "rxx", "ryy", "swap", "iswap", "cp"})
# Up to this width a noisy estimator uses the exact density matrix; wider ones average trajectories.
_DENSITY_MATRIX_MAX_QUBITS = 12
_SEED_STRIDE = 1_000_003
_TRANSPILE_HINT = (
    "the backend runs only ISA circuits: transpile it for this backend first "
    "(qiskit.transpile(circuit, backend) or generate_preset_pass_manager(backend=backend))"
)


@dataclass(frozen=True)
class SamplerTask:
    """One validated sampler PUB."""

    circuit: Any
    parameter_values: npt.NDArray[np.float64]
    """Shape ``shape + (number of circuit parameters,)``, columns in ``circuit.parameters`` order."""
    shape: tuple[int, ...]
    shots: int


@dataclass(frozen=True)
class EstimatorTask:
    """One validated estimator PUB."""

    circuit: Any
    observables: npt.NDArray[np.object_]
    """Object array of ``{pauli_label: real coefficient}`` dicts (labels little-endian, full width)."""
    parameter_values: npt.NDArray[np.float64]
    shape: tuple[int, ...]
    """The broadcast of the parameter-sweep shape and the observables' shape: the result's shape."""
    precision: float


@dataclass(frozen=True)
class PreparedPrimitiveJob:
    """A parsed Qiskit Runtime primitive job, ready to simulate."""

    spec: BackendSpec
    program: str
    sampler_pubs: tuple[SamplerTask, ...] = ()
    estimator_pubs: tuple[EstimatorTask, ...] = ()
    seed: int | None = None
    """A seed from the job's options, which wins over the engine's seed."""


class QiskitQpyRunner:
    """Runs Qiskit Runtime ``sampler`` / ``estimator`` jobs with Qiskit Aer."""

    def prepare(
        self, spec: BackendSpec, job_input: Any, input_params: dict[str, Any], shots: int
    ) -> PreparedPrimitiveJob:
        """Decode and validate the primitive input; raise :class:`InvalidJobInput` when it cannot run."""
        payload = _input_object(job_input)
        program = _program_id(payload, input_params or {})
        _check_version(payload.get("version"))
        options = payload.get("options") or {}
        if not isinstance(options, dict):
            raise InvalidJobInput("input.options must be an object")
        raw_pubs = payload.get("pubs")
        if not isinstance(raw_pubs, list) or not raw_pubs:
            raise InvalidJobInput("input.pubs must be a non-empty array of PUBs")
        if len(raw_pubs) > spec.max_pubs_per_job:
            raise InvalidJobInput(
                f"the job has {len(raw_pubs)} PUBs but backend {spec.id} accepts at most "
                f"{spec.max_pubs_per_job} per job"
            )
        if program == "sampler":
            default_shots = _default_shots(options, payload, shots, len(raw_pubs))
            sampler_pubs = tuple(
                _sampler_task(spec, index, raw, default_shots) for index, raw in enumerate(raw_pubs)
            )
            seed = _optional_int(
                _nested(options, "simulator", "seed_simulator"), "options.simulator.seed_simulator"
            )
            return PreparedPrimitiveJob(spec, program, sampler_pubs=sampler_pubs, seed=seed)
        default_precision = _default_precision(options, payload)
        estimator_pubs = tuple(
            _estimator_task(spec, index, raw, default_precision) for index, raw in enumerate(raw_pubs)
        )
        seed = _optional_int(options.get("seed_estimator"), "options.seed_estimator")
        if seed is None:
            seed = _optional_int(
                _nested(options, "simulator", "seed_simulator"), "options.simulator.seed_simulator"
            )
        return PreparedPrimitiveJob(spec, program, estimator_pubs=estimator_pubs, seed=seed)

    def execute(self, prepared: Any, *, seed: int, noise: dict[str, Any] | None) -> Execution:
        """Simulate every PUB and answer with the Runtime-encoded ``PrimitiveResult``."""
        job = _as_prepared(prepared)
        base_seed = job.seed if job.seed is not None else seed
        calibration = None if job.spec.is_simulator else _gate_based_calibration(noise)
        if job.program == "sampler":
            return _run_sampler(job, base_seed, calibration)
        return _run_estimator(job, base_seed, calibration)

    def normalized_input(self, prepared: Any) -> dict[str, Any]:
        """The PUBs as OpenQASM 3 with their shots, parameter values and observables."""
        job = _as_prepared(prepared)
        pubs: list[dict[str, Any]] = []
        for index, task in enumerate(job.sampler_pubs):
            entry: dict[str, Any] = {"qasm": _qasm3(task.circuit, index), "shots": task.shots}
            _add_parameter_values(entry, task.circuit, task.parameter_values)
            pubs.append(entry)
        for index, estimator_task in enumerate(job.estimator_pubs):
            entry = {"qasm": _qasm3(estimator_task.circuit, index)}
            entry["observables"] = [
                _normalized_observable(obs, estimator_task.circuit.num_qubits)
                for obs in estimator_task.observables.reshape(-1)
            ]
            _add_parameter_values(entry, estimator_task.circuit, estimator_task.parameter_values)
            pubs.append(entry)
        return {"format": "openqasm.v3", "pubs": pubs}


# ------------------------------------------------------------------------------------------ parsing


def _input_object(job_input: Any) -> dict[str, Any]:
    if isinstance(job_input, str | bytes):
        try:
            job_input = json.loads(job_input)
        except ValueError as exc:
            raise InvalidJobInput(f"the job input is not JSON: {exc}", status=400) from exc
    if not isinstance(job_input, dict):
        raise InvalidJobInput("the job input must be a Qiskit Runtime primitive input object")
    return job_input


def _program_id(payload: dict[str, Any], input_params: dict[str, Any]) -> str:
    program = input_params.get("program_id") or payload.get("program_id")
    if program not in ALLOWED_PROGRAMS:
        allowed = ", ".join(repr(name) for name in ALLOWED_PROGRAMS)
        raise InvalidJobInput(f"input_params.program_id must be one of {allowed}, got {program!r}")
    return str(program)


def _check_version(version: Any) -> None:
    if version is None:
        return
    if isinstance(version, bool) or not isinstance(version, int):
        raise InvalidJobInput(f"input.version must be an integer, got {version!r}")
    if version != _SUPPORTED_VERSION:
        raise InvalidJobInput(
            f"input.version {version} is not supported; send version {_SUPPORTED_VERSION} "
            "primitive inputs (SamplerV2 / EstimatorV2)"
        )


def _nested(options: dict[str, Any], *keys: str) -> Any:
    value: Any = options
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _optional_int(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidJobInput(f"{where} must be an integer, got {value!r}")
    return value


def _default_shots(options: dict[str, Any], payload: dict[str, Any], job_shots: int, num_pubs: int) -> int:
    for value, where in (
        (options.get("default_shots"), "options.default_shots"),
        (payload.get("shots"), "shots"),
    ):
        shots = _optional_int(value, f"input.{where}")
        if shots is not None:
            return shots
    # The official SDK sets the job's shots to the sum over PUBs, so share them out evenly.
    return max(1, int(job_shots or 0) // num_pubs)


def _default_precision(options: dict[str, Any], payload: dict[str, Any]) -> float:
    for value, where in (
        (options.get("default_precision"), "options.default_precision"),
        (payload.get("precision"), "precision"),
    ):
        if value is not None:
            return _precision(value, f"input.{where}")
    return DEFAULT_PRECISION


def _precision(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise InvalidJobInput(f"{where} must be a non-negative number, got {value!r}")
    return float(value)


def _pub_items(index: int, raw: Any, form: str, min_len: int, max_len: int) -> list[Any]:
    if isinstance(raw, dict) and "__type__" in raw and min_len == 1:
        return [raw]  # a bare circuit is a PUB of one
    if not isinstance(raw, list) or not min_len <= len(raw) <= max_len:
        raise InvalidJobInput(f"PUB {index} must be an array {form}")
    return raw


def _decode(index: int, raw: Any, what: str) -> Any:
    try:
        return decode_runtime_value(raw)
    except RuntimeValueError as exc:
        raise InvalidJobInput(f"PUB {index}: cannot decode the {what}: {exc}", status=400) from exc


def _circuit(spec: BackendSpec, index: int, raw: Any) -> Any:
    from qiskit.circuit import QuantumCircuit

    circuit = _decode(index, raw, "circuit")
    if not isinstance(circuit, QuantumCircuit):
        raise InvalidJobInput(
            f"PUB {index}: the circuit must be a QPY-encoded QuantumCircuit "
            '({"__type__": "QuantumCircuit", "__value__": "<base64 zlib QPY>"})',
            status=400,
        )
    if circuit.num_qubits > spec.num_qubits:
        raise InvalidJobInput(
            f"PUB {index}: the circuit has {circuit.num_qubits} qubits but backend {spec.id} has "
            f"{spec.num_qubits}"
        )
    _check_isa(spec, index, circuit)
    check_simulable(circuit, f"PUB {index}")
    return circuit


def _sampler_task(spec: BackendSpec, index: int, raw: Any, default_shots: int) -> SamplerTask:
    items = _pub_items(index, raw, "[circuit, parameter_values?, shots?]", 1, 3)
    circuit = _circuit(spec, index, items[0])
    values = _parameter_values(index, circuit, items[1] if len(items) > 1 else None)
    raw_shots = items[2] if len(items) > 2 else None
    shots = default_shots if raw_shots is None else _optional_int(raw_shots, f"PUB {index}: shots")
    assert shots is not None
    if not 1 <= shots <= spec.shots_max:
        raise InvalidJobInput(
            f"PUB {index}: shots must be between 1 and {spec.shots_max} on backend {spec.id}, got {shots}"
        )
    return SamplerTask(circuit, values, tuple(values.shape[:-1]), shots)


def _estimator_task(spec: BackendSpec, index: int, raw: Any, default_precision: float) -> EstimatorTask:
    items = _pub_items(index, raw, "[circuit, observables, parameter_values?, precision?]", 2, 4)
    circuit = _circuit(spec, index, items[0])
    observables = _observables(index, circuit, items[1])
    values = _parameter_values(index, circuit, items[2] if len(items) > 2 else None)
    raw_precision = items[3] if len(items) > 3 else None
    precision = (
        default_precision if raw_precision is None else _precision(raw_precision, f"PUB {index}: precision")
    )
    try:
        shape = np.broadcast_shapes(values.shape[:-1], observables.shape)
    except ValueError as exc:
        raise InvalidJobInput(
            f"PUB {index}: the parameter values of shape {values.shape[:-1]} and the observables of shape "
            f"{observables.shape} do not broadcast"
        ) from exc
    return EstimatorTask(circuit, observables, values, tuple(shape), precision)


def _parameter_values(index: int, circuit: Any, raw: Any) -> npt.NDArray[np.float64]:
    from qiskit.primitives.containers.bindings_array import BindingsArray

    parameters = list(circuit.parameters)
    names = ", ".join(p.name for p in parameters)
    decoded = _decode(index, raw, "parameter values")
    if decoded is None:
        if parameters:
            raise InvalidJobInput(
                f"PUB {index}: the circuit has unbound parameters ({names}) but the PUB gives no values"
            )
        return np.zeros((0,), dtype=float)
    try:
        if isinstance(decoded, dict | BindingsArray):
            bindings = BindingsArray.coerce(decoded)
            array = np.asarray(bindings.as_array(parameters), dtype=float)
        else:
            array = np.asarray(decoded, dtype=float)
    except (ValueError, TypeError) as exc:
        raise InvalidJobInput(f"PUB {index}: invalid parameter values: {exc}") from exc
    if not parameters:
        if array.size:
            raise InvalidJobInput(f"PUB {index}: the circuit has no parameters but the PUB gives values")
        shape = array.shape[:-1] if array.ndim else ()
        array = array.reshape((*shape, 0))
    else:
        if array.ndim == 0:
            array = array.reshape(1)
        if array.shape[-1] != len(parameters):
            raise InvalidJobInput(
                f"PUB {index}: the parameter values give {array.shape[-1]} value(s) per set but the circuit "
                f"has {len(parameters)} parameter(s) ({names}); the last axis must list them in that order"
            )
        if not np.all(np.isfinite(array)):
            raise InvalidJobInput(f"PUB {index}: parameter values must be finite numbers")
    if math.prod(array.shape[:-1]) == 0:
        raise InvalidJobInput(f"PUB {index}: the parameter values hold no parameter set")
    return array


def _observables(index: int, circuit: Any, raw: Any) -> npt.NDArray[np.object_]:
    from qiskit.primitives.containers.observables_array import ObservablesArray

    decoded = _decode(index, raw, "observables")
    if isinstance(decoded, np.ndarray) and decoded.dtype == object:
        decoded = decoded.tolist()
    try:
        observables = ObservablesArray.coerce(decoded)
    except Exception as exc:  # qiskit raises ValueError, TypeError or QiskitError on bad observables
        raise InvalidJobInput(f"PUB {index}: invalid observables: {exc}") from exc
    nested = observables.tolist()
    flat: list[dict[str, float]] = []
    for term_map in _flatten(nested):
        terms: dict[str, float] = {}
        for label, coefficient in dict(term_map).items():
            if len(label) != circuit.num_qubits or set(label) - set("IXYZ"):
                raise InvalidJobInput(
                    f"PUB {index}: observable term {label!r} must be a Pauli string of {circuit.num_qubits} "
                    "letters from I, X, Y, Z (one per circuit qubit, qubit 0 rightmost)"
                )
            value = complex(coefficient)
            if abs(value.imag) > 1e-12:
                raise InvalidJobInput(
                    f"PUB {index}: observable coefficients must be real (Hermitian observables)"
                )
            terms[label] = terms.get(label, 0.0) + value.real
        flat.append(terms)
    array = np.empty(len(flat), dtype=object)
    for position, terms in enumerate(flat):
        array[position] = terms
    return array.reshape(observables.shape)


def _flatten(nested: Any) -> Iterator[Any]:
    if isinstance(nested, list):
        for item in nested:
            yield from _flatten(item)
    else:
        yield nested


# ----------------------------------------------------------------------------------------- ISA check


def _check_isa(spec: BackendSpec, index: int, circuit: Any) -> None:
    if not spec.basis_gates:
        return  # the catalog declares no native gates for this backend: nothing to check against
    native = set(spec.basis_gates)
    pairs = None if spec.coupling_map is None else {tuple(pair) for pair in spec.coupling_map}
    for name, qubits in _operations(circuit, list(range(circuit.num_qubits))):
        if name in ("barrier", "delay"):
            continue
        if name not in native and name not in _DIRECTIVES:
            raise InvalidJobInput(
                f"PUB {index}: gate {name!r} on qubit(s) {list(qubits)} is not native to backend {spec.id} "
                f"(native gates: {', '.join(spec.basis_gates)}); {_TRANSPILE_HINT}"
            )
        if len(qubits) > 2:
            raise InvalidJobInput(
                f"PUB {index}: gate {name!r} acts on {len(qubits)} qubits; backend {spec.id} runs gates "
                f"on at most two; {_TRANSPILE_HINT}"
            )
        if len(qubits) == 2 and pairs is not None and not _coupled(name, qubits, pairs):
            raise InvalidJobInput(
                f"PUB {index}: gate {name!r} acts on qubits {list(qubits)}, which are not coupled on "
                f"backend {spec.id}; {_TRANSPILE_HINT}"
            )


def _coupled(name: str, qubits: tuple[int, ...], pairs: set[tuple[int, ...]]) -> bool:
    return qubits in pairs or (name in _SYMMETRIC_GATES and (qubits[1], qubits[0]) in pairs)


def _operations(circuit: Any, physical: Sequence[int]) -> Iterator[tuple[str, tuple[int, ...]]]:
    """Every operation with its device qubits, looking inside control-flow blocks."""
    for instruction in circuit.data:
        qubits = tuple(physical[circuit.find_bit(q).index] for q in instruction.qubits)
        operation = instruction.operation
        if operation.name in _CONTROL_FLOW:
            # A block's qubits line up, in order, with the qubits the control-flow operation acts on.
            for block in operation.blocks:
                yield from _operations(block, qubits)
        else:
            yield operation.name, qubits


# ------------------------------------------------------------------------------------------ running


def _as_prepared(prepared: Any) -> PreparedPrimitiveJob:
    if not isinstance(prepared, PreparedPrimitiveJob):
        raise TypeError(f"expected a PreparedPrimitiveJob from QiskitQpyRunner.prepare, got {type(prepared)}")
    return prepared


def _pub_seed(base_seed: int, index: int) -> int:
    return (base_seed + _SEED_STRIDE * index) % (2**31 - 1)


def _run_sampler(job: PreparedPrimitiveJob, base_seed: int, calibration: dict[str, Any] | None) -> Execution:
    from qiskit.primitives.containers import BitArray, DataBin, PrimitiveResult, SamplerPubResult

    pub_results: list[Any] = []
    spans: list[Any] = []
    normalized: list[dict[str, Any]] = []
    memory: dict[str, Any] | None = None
    for index, task in enumerate(job.sampler_pubs):
        start = datetime.now(UTC)
        bits = _sample(job.spec, task, _pub_seed(base_seed, index), calibration)
        stop = datetime.now(UTC)
        circuit = task.circuit
        registers: dict[str, Any] = {}
        joined: list[int] = []
        for register in circuit.cregs:
            columns = [circuit.find_bit(bit).index for bit in register]
            joined.extend(columns)
            registers[register.name] = BitArray.from_bool_array(bits[..., columns], order="little")
        pub_results.append(
            SamplerPubResult(
                DataBin(**registers, shape=task.shape), metadata={"circuit_metadata": circuit.metadata or {}}
            )
        )
        size = math.prod(task.shape)
        spans.append(execution_span(start, stop, {index: ((*task.shape, task.shots), 0, size * task.shots)}))
        flat = bits.reshape(size * task.shots, bits.shape[-1])[:, joined]
        counts = counts_bitstrings(flat)
        normalized.append(counts_pub(index, counts, shots=size * task.shots, qubits=len(joined)))
        if len(job.sampler_pubs) == 1 and len(circuit.cregs) == 1 and task.shape == ():
            memory = memory_view(memory_hex(flat), qubits=len(joined))
    metadata = {"execution": {"execution_spans": execution_spans(spans)}, "version": _SUPPORTED_VERSION}
    result = PrimitiveResult(pub_results, metadata=metadata)
    return Execution(encode_primitive_result(result), {"pubs": normalized}, memory)


def _sample(
    spec: BackendSpec, task: SamplerTask, seed: int, calibration: dict[str, Any] | None
) -> npt.NDArray[np.bool_]:
    """Per-shot bits, shape ``task.shape + (shots, num_clbits)``, column ``i`` = clbit ``i``."""
    compact, physical = _compact_circuit(task.circuit)
    model = _noise_model(spec, calibration, physical)
    size = math.prod(task.shape)
    parameters = list(task.circuit.parameters)
    if parameters:
        rows = task.parameter_values.reshape(size, len(parameters)).tolist()
        circuits = [compact.assign_parameters(dict(zip(parameters, row, strict=True))) for row in rows]
    else:
        circuits = [compact] * size
    bits = sample_bits(circuits, task.shots, seed=seed, noise_model=model)
    return np.stack(bits).astype(bool).reshape((*task.shape, task.shots, task.circuit.num_clbits))


def _run_estimator(
    job: PreparedPrimitiveJob, base_seed: int, calibration: dict[str, Any] | None
) -> Execution:
    from qiskit.primitives.containers import DataBin, PrimitiveResult, PubResult

    pub_results: list[Any] = []
    normalized: list[dict[str, Any]] = []
    for index, task in enumerate(job.estimator_pubs):
        evs, noisy = _estimate(job.spec, task, _pub_seed(base_seed, index), calibration)
        stds = np.full(task.shape, task.precision if noisy else 0.0)
        metadata: dict[str, Any] = {"target_precision": task.precision}
        if task.precision > 0:
            metadata["shots"] = math.ceil(1 / task.precision**2)
        metadata["circuit_metadata"] = task.circuit.metadata or {}
        data = DataBin(evs=evs, stds=stds, ensemble_standard_error=stds, shape=task.shape)
        pub_results.append(PubResult(data, metadata=metadata))
        normalized.append(
            {
                "type": "expectation_values",
                "index": index,
                "shape": list(task.shape),
                "values": evs.reshape(-1).tolist(),
                "stds": stds.reshape(-1).tolist(),
                "run_context": {"target_precision": task.precision},
            }
        )
    result = PrimitiveResult(pub_results, metadata={"version": _SUPPORTED_VERSION})
    return Execution(encode_primitive_result(result), {"pubs": normalized}, None)


def _estimate(
    spec: BackendSpec, task: EstimatorTask, seed: int, calibration: dict[str, Any] | None
) -> tuple[npt.NDArray[np.float64], bool]:
    """Expectation values of the PUB's shape, and whether they carry noise (and shot noise)."""
    from qiskit.primitives.containers.bindings_array import BindingsArray
    from qiskit.primitives.containers.estimator_pub import EstimatorPub
    from qiskit.primitives.containers.observables_array import ObservablesArray
    from qiskit_aer.primitives import EstimatorV2

    circuit = task.circuit.remove_final_measurements(inplace=False)
    width = circuit.num_qubits
    compact, physical = _compact_circuit(circuit)
    compact_observables = np.empty(task.observables.shape, dtype=object)
    # Observables with nothing left on the active qubits (X or Y on an idle qubit) are exactly 0; Qiskit's
    # containers refuse an all-zero observable, so Aer estimates the identity in their place.
    vanishing = np.zeros(task.observables.shape, dtype=bool)
    for position, terms in np.ndenumerate(task.observables):
        restricted = _restrict_observable(terms, width, physical)
        if not any(restricted.values()):
            vanishing[position] = True
            restricted = {"I" * len(physical): 1.0}
        compact_observables[position] = restricted
    model = _noise_model(spec, calibration, physical)
    noisy = model is not None
    method = "density_matrix" if noisy and len(physical) <= _DENSITY_MATRIX_MAX_QUBITS else "automatic"
    backend_options: dict[str, Any] = {"method": method, "seed_simulator": seed}
    if noisy:
        backend_options["noise_model"] = aer_noise_model(compact, model, spec.basis_gates)
    estimator = EstimatorV2(
        options={"backend_options": backend_options, "run_options": {"seed_simulator": seed}}
    )
    parameters = list(circuit.parameters)
    sweep_shape = task.parameter_values.shape[:-1]
    bindings = (
        BindingsArray({tuple(parameters): task.parameter_values}, shape=sweep_shape)
        if parameters
        else BindingsArray(shape=sweep_shape)
    )
    # Exact values unless noisy: then Aer adds Gaussian noise of standard deviation ``precision``.
    precision = task.precision if noisy else 0.0
    pub = EstimatorPub(compact, ObservablesArray.coerce(compact_observables.tolist()), bindings, precision)
    evs = np.array(np.real(estimator.run([pub]).result()[0].data.evs), dtype=float).reshape(task.shape)
    evs[np.broadcast_to(vanishing, task.shape)] = 0.0
    return evs, noisy


def _restrict_observable(terms: dict[str, float], width: int, physical: list[int]) -> dict[str, float]:
    """The observable on the compact qubits only.

    Idle qubits stay in |0>, where Z and I have expectation 1 and X and Y have 0: a term with X or Y on
    an idle qubit contributes nothing, and the other terms simply lose their idle letters.
    """
    active = set(physical)
    restricted: dict[str, float] = {}
    for label, coefficient in terms.items():
        if any(letter in "XY" and width - 1 - at not in active for at, letter in enumerate(label)):
            continue
        compact_label = "".join(label[width - 1 - q] for q in reversed(physical))
        restricted[compact_label] = restricted.get(compact_label, 0.0) + coefficient
    return restricted


# ---------------------------------------------------------------------------- compaction and noise


def _compact_circuit(circuit: Any) -> tuple[Any, list[int]]:
    """The circuit on only the qubits it uses, and the device qubit behind each compact qubit."""
    from qiskit.circuit import Barrier, QuantumCircuit, QuantumRegister
    from qiskit.circuit.exceptions import CircuitError

    active: set[int] = set()
    for instruction in circuit.data:
        if instruction.operation.name not in ("barrier", "delay"):
            active.update(circuit.find_bit(q).index for q in instruction.qubits)
    if not active and circuit.num_qubits:
        active = {0}  # Aer needs at least one qubit
    physical = sorted(active)
    identity = list(range(circuit.num_qubits))
    if len(physical) == circuit.num_qubits:
        return circuit, identity
    position = {qubit: slot for slot, qubit in enumerate(physical)}
    try:
        compact = QuantumCircuit(
            QuantumRegister(len(physical), "q"),
            name=circuit.name,
            global_phase=circuit.global_phase,
            metadata=circuit.metadata,
        )
        # Same classical bits in the same order, so clbit indices (and memory) mean the same thing.
        compact.add_bits(circuit.clbits)
        for register in circuit.cregs:
            compact.add_register(register)
        qubits = compact.qubits
        for instruction in circuit.data:
            indices = [circuit.find_bit(q).index for q in instruction.qubits]
            kept = [qubits[position[i]] for i in indices if i in position]
            name = instruction.operation.name
            if name in ("barrier", "delay"):
                if kept:
                    operation = Barrier(len(kept)) if name == "barrier" else instruction.operation
                    compact.append(operation, kept, copy=False)
                continue
            compact.append(instruction.operation, kept, instruction.clbits, copy=False)
    except CircuitError:
        # Circuits with classical variables or other exotic content: simulate them whole.
        return circuit, identity
    return compact, physical


def _gate_based_calibration(noise: dict[str, Any] | None) -> dict[str, Any] | None:
    if not noise:
        return None
    calibration = noise.get("calibration", noise)
    if not isinstance(calibration, dict) or calibration.get("type", "gate_based") != "gate_based":
        return None
    return calibration


def _noise_model(spec: BackendSpec, calibration: dict[str, Any] | None, physical: list[int]) -> Any:
    """The noise model of a compact circuit: the calibration of the device qubits behind its qubits.

    ``None`` for an ideal run. The calibration is re-indexed to the compact qubits and handed to the
    shared noise builder with a spec of the compact width, so a model covers a few qubits, not 156.
    """
    if calibration is None:
        return None
    position = {qubit: slot for slot, qubit in enumerate(physical)}
    qubits = [
        {**entry, "qubit": position[entry["qubit"]]}
        for entry in calibration.get("qubits") or []
        if isinstance(entry, dict) and entry.get("qubit") in position
    ]
    pairs = [
        {**entry, "qubits": [position[q] for q in entry["qubits"]]}
        for entry in calibration.get("qubit_pairs") or []
        if isinstance(entry, dict)
        and isinstance(entry.get("qubits"), list)
        and len(entry["qubits"]) == 2
        and all(q in position for q in entry["qubits"])
    ]
    # Without ``calibrated_at`` the builder does not cache: the model is specific to this compaction.
    compact_calibration = {
        key: value
        for key, value in calibration.items()
        if key not in ("qubits", "qubit_pairs", "calibrated_at")
    }
    compact_calibration.update(qubits=qubits, qubit_pairs=pairs)
    coupling = None
    if spec.coupling_map is not None:
        coupling = tuple(
            (position[a], position[b]) for a, b in spec.coupling_map if a in position and b in position
        )
    compact_spec = dataclasses.replace(spec, num_qubits=len(physical), coupling_map=coupling)
    return noise_model(compact_spec, compact_calibration)


# ------------------------------------------------------------------------------------ normalized input


def _qasm3(circuit: Any, index: int) -> str:
    from qiskit import qasm3

    try:
        return str(qasm3.dumps(circuit))
    except Exception as exc:  # the exporter raises QASM3ExporterError and others on unsupported content
        raise InvalidJobInput(f"PUB {index}: the circuit has no OpenQASM 3 rendering: {exc}") from exc


def _add_parameter_values(entry: dict[str, Any], circuit: Any, values: npt.NDArray[np.float64]) -> None:
    if circuit.num_parameters:
        entry["parameter_values"] = values.reshape(-1, circuit.num_parameters).tolist()


def _normalized_observable(terms: dict[str, float], num_qubits: int) -> dict[str, Any]:
    normalized_terms = []
    for label, coefficient in terms.items():
        qubits = [q for q in range(num_qubits) if label[num_qubits - 1 - q] != "I"]
        pauli = "".join(label[num_qubits - 1 - q] for q in qubits)
        normalized_terms.append({"pauli": pauli, "qubits": qubits, "coefficient": coefficient})
    return {"num_qubits": num_qubits, "term_count": len(normalized_terms), "terms": normalized_terms}
