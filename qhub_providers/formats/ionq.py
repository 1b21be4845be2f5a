"""The IonQ circuit JSON format (``IONQ_CIRCUIT_V1``), as the Hub's ``azure.ionq.simulator`` takes it.

The job input is IonQ's circuit document ``{"gateset": "qis", "qubits": n, "circuit": [...],
"registers": {...}}`` with one item per gate. An IonQ circuit has no measurement instructions: the
device measures every qubit at the end and answers with a histogram over all qubits, so the Qiskit
measurements become *a map*, not instructions:

* ``input_params["meas_map"]`` holds, as a JSON string like the official SDK sends it, the qubit
  read into each classical bit (clbit ``i`` -> ``meas_map[i]``). It is only written when every clbit
  is measured, because IonQ's convention has no way to say "this clbit stays 0".
* ``input["registers"]`` names, per Qiskit classical register, the qubits measured into its clbits
  (in clbit order).
* ``input_params["qiskit_layout"]`` (a compact JSON string) keeps what neither of those can: the
  circuit's name, every register with its size (measured or not) and the measurements in program
  order, so :func:`layouts` recovers the encoder's layout exactly in a fresh process.

The simulator's result is ``{"histogram": {"<state>": probability}}`` where ``state`` is an integer
over all qubits with qubit 0 as its least significant bit; :func:`decode` marginalises it onto the
circuit's clbits. A result with ``counts`` in the same keying (a QPU's shot tally) decodes to counts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from qhub_providers.formats import gates as gate_tables
from qhub_providers.formats._bits import clbit_sources, marginal
from qhub_providers.formats.base import (
    BackendFacts,
    ClassicalLayout,
    EncodedJob,
    ExperimentSamples,
    FormatError,
    check_fits,
    check_unitary_step,
    checked_layout,
    finite_angle,
    layout_of,
    layout_pairs,
    registers_from_record,
)

if TYPE_CHECKING:
    from qiskit import QuantumCircuit

__all__ = ["INPUT_FORMAT", "decode", "encode", "layouts"]

INPUT_FORMAT = "IONQ_CIRCUIT_V1"

_LAYOUT_PARAM = "qiskit_layout"
_GATESET = "qis"
_ROTATIONS = frozenset({"rx", "ry", "rz"})
_PAIR_ROTATIONS = frozenset({"rxx", "ryy", "rzz"})
# Instructions that change nothing IonQ could observe: dropped rather than refused.
_NO_OPS = frozenset({"barrier", "id", "global_phase"})
_SUPPORTED = sorted({*gate_tables.IONQ, "measure", "barrier"})


def encode(
    circuits: Sequence[QuantumCircuit], backend: BackendFacts, *, shots: int = 1024, **options: Any
) -> EncodedJob:
    """Write one Qiskit circuit as an IonQ QIS circuit document; ``shots`` becomes the job's shots.

    IonQ's document takes no other options: any given is refused.
    """
    if options:
        raise FormatError(f"{INPUT_FORMAT} does not know the options {sorted(options)}; it takes shots")
    if len(circuits) != 1:
        raise FormatError(
            f"{INPUT_FORMAT} carries one circuit per job, got {len(circuits)}: submit the circuits as "
            "separate jobs"
        )
    if isinstance(shots, bool) or not isinstance(shots, int) or shots < 1:
        raise FormatError(f"shots must be a positive integer, got {shots!r}")
    (circuit,) = circuits
    check_fits(circuit, backend)
    gates, final = _translate(circuit)
    layout = layout_of(circuit)

    job_input: dict[str, Any] = {
        "gateset": _GATESET,
        "qubits": circuit.num_qubits,
        "circuit": gates,
        "registers": _registers(layout, final),
    }
    params: dict[str, Any] = {_LAYOUT_PARAM: _dump_layout(layout)}
    if len(final) == layout.memory_slots:
        params["meas_map"] = json.dumps([final[clbit] for clbit in range(layout.memory_slots)])
    return EncodedJob(
        input=job_input,
        input_format=INPUT_FORMAT,
        input_params=params,
        shots=shots,
        layouts=[layout],
    )


def layouts(job_input: Any, input_params: Mapping[str, Any] | None) -> list[ClassicalLayout]:
    """The circuit's classical layout, read back from the stored input and ``input_params``.

    Jobs written by :func:`encode` carry it whole. For other IonQ jobs it falls back to IonQ's own
    conventions: ``meas_map`` into one register ``c``, else every qubit measured into ``c``.
    """
    if not isinstance(job_input, Mapping):
        raise FormatError(f"{INPUT_FORMAT} input must be a JSON object, got {type(job_input).__name__}")
    params = input_params or {}
    stored = params.get(_LAYOUT_PARAM)
    if stored is not None:
        return [_load_layout(stored)]
    name = "circuit"
    meas_map = params.get("meas_map")
    if meas_map is not None:
        qubits = _json_int_list(meas_map, f"{INPUT_FORMAT} input_params.meas_map")
        return [_flat_layout(name, [(q, c) for c, q in enumerate(qubits)])]
    width = job_input.get("qubits")
    if isinstance(width, bool) or not isinstance(width, int) or width < 0:
        raise FormatError(f"{INPUT_FORMAT} input.qubits must be a non-negative integer, got {width!r}")
    return [_flat_layout(name, [(q, q) for q in range(width)])]


def decode(
    result: Any, layouts: list[ClassicalLayout], shots: int, *, seed: int | None = None
) -> list[ExperimentSamples]:
    """Marginalise IonQ's histogram over all qubits onto the circuit's classical bits.

    The ideal simulator's histogram gives exact ``probabilities``; a result with ``counts`` gives
    counts. ``seed`` is unused: nothing is sampled here.
    """
    if len(layouts) != 1:
        raise FormatError(f"{INPUT_FORMAT} jobs hold one circuit, but {len(layouts)} layouts were given")
    body = result
    if isinstance(body, list) and len(body) == 1:
        body = body[0]
    if not isinstance(body, Mapping):
        raise FormatError(f"{INPUT_FORMAT} result must be a JSON object, got {type(result).__name__}")
    sources = clbit_sources(layouts[0])
    counts = body.get("counts")
    if counts is not None:
        states, weights = _histogram_arrays(counts, "counts", integral=True)
        tally = marginal(states, weights, sources)
        values = {value: round(weight) for value, weight in tally.items() if weight}
        return [ExperimentSamples(shots=sum(values.values()), counts=values)]
    histogram = body.get("histogram")
    if histogram is None:
        raise FormatError(f"{INPUT_FORMAT} result has no 'histogram' (keys: {sorted(map(str, body))[:8]})")
    states, weights = _histogram_arrays(histogram, "histogram", integral=False)
    return [ExperimentSamples(shots=shots, probabilities=marginal(states, weights, sources))]


# -- encoding ---------------------------------------------------------------------------------------


def _translate(circuit: QuantumCircuit) -> tuple[list[dict[str, Any]], dict[int, int]]:
    """IonQ gate items and the final measurement map ``clbit -> qubit`` (last write wins)."""
    qubit_index = {bit: index for index, bit in enumerate(circuit.qubits)}
    clbit_index = {bit: index for index, bit in enumerate(circuit.clbits)}
    gates: list[dict[str, Any]] = []
    final: dict[int, int] = {}
    measured: set[int] = set()
    for position, instruction in enumerate(circuit.data):
        operation = instruction.operation
        name = operation.name
        qubits = [qubit_index[q] for q in instruction.qubits]
        where = f"circuit '{circuit.name}', instruction {position} ({name})"
        if name == "measure":
            final[clbit_index[instruction.clbits[0]]] = qubits[0]
            measured.add(qubits[0])
            continue
        if name in _NO_OPS:
            continue
        check_unitary_step(operation, qubits, measured, where, "IonQ")
        gates.append(_gate_item(name, operation.params, qubits, where))
    return gates, final


def _gate_item(name: str, params: Sequence[Any], qubits: list[int], where: str) -> dict[str, Any]:
    native = gate_tables.IONQ.get(name)
    if native is not None and (name in _ROTATIONS or name in _PAIR_ROTATIONS):
        return {"gate": native, "targets": qubits, "rotation": finite_angle(params[0], where)}
    if native is not None and name == "cx":
        return {"gate": native, "controls": qubits[:1], "targets": qubits[1:]}
    if native is not None:
        return {"gate": native, "targets": qubits}
    raise FormatError(
        f"{where}: gate '{name}' is not in IonQ's QIS gate set ({', '.join(_SUPPORTED)}); "
        "transpile(circuit, backend) first"
    )


def _registers(layout: ClassicalLayout, final: Mapping[int, int]) -> dict[str, list[int]]:
    """Per register, the qubits measured into its clbits, in clbit order."""
    return {
        name: [final[c] for c in clbits if c in final]
        for (name, _), clbits in zip(layout.creg_sizes, layout.register_bits(), strict=True)
    }


def _dump_layout(layout: ClassicalLayout) -> str:
    record = {
        "name": layout.name,
        **layout.register_record(),
        "measured": [[qubit, clbit] for qubit, clbit in layout.measured],
    }
    return json.dumps(record, separators=(",", ":"))


# -- reading back -----------------------------------------------------------------------------------


def _load_layout(stored: Any) -> ClassicalLayout:
    where = f"{INPUT_FORMAT} input_params.{_LAYOUT_PARAM}"
    record = _json_value(stored, where)
    if not isinstance(record, Mapping) or not isinstance(record.get("name"), str):
        raise FormatError(f"{where} must be a JSON object with a string 'name'")
    return checked_layout(
        where,
        name=record["name"],
        measured=tuple(layout_pairs(record.get("measured"), int, f"{where}.measured")),
        **registers_from_record(record, where),
    )


def _json_value(value: Any, where: str) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError as error:
        raise FormatError(f"{where} is not valid JSON: {error}") from error


def _json_int_list(value: Any, where: str) -> list[int]:
    items = _json_value(value, where)
    if not isinstance(items, list) or any(isinstance(q, bool) or not isinstance(q, int) for q in items):
        raise FormatError(f"{where} must be a list of qubit indices, got {value!r}")
    return list(items)


def _flat_layout(name: str, measured: list[tuple[int, int]]) -> ClassicalLayout:
    return ClassicalLayout(name=name, creg_sizes=(("c", len(measured)),), measured=tuple(measured))


# -- decoding ---------------------------------------------------------------------------------------


def _histogram_arrays(
    histogram: Any, field: str, *, integral: bool
) -> tuple[npt.NDArray[np.uint64] | list[int], npt.NDArray[np.float64]]:
    """States (integers over all qubits; a list when too wide for a machine word) and their weights."""
    where = f"{INPUT_FORMAT} result.{field}"
    if not isinstance(histogram, Mapping):
        raise FormatError(f"{where} must be an object, got {type(histogram).__name__}")
    keys = list(histogram)
    states: npt.NDArray[np.uint64] | list[int]
    try:
        try:
            states = np.fromiter(map(int, keys), dtype=np.uint64, count=len(keys))
        except OverflowError:  # negative, or wider than 64 qubits
            states = [int(key) for key in keys]
    except (TypeError, ValueError) as error:
        raise FormatError(f"{where} has a key that is not an integer: {error}") from error
    if isinstance(states, list) and any(state < 0 for state in states):
        raise FormatError(f"{where} keys must be non-negative")
    try:
        weights = np.asarray(list(histogram.values()))
    except (TypeError, ValueError) as error:  # a list or an object among the values
        raise FormatError(f"{where} values must be numbers") from error
    if weights.size and (weights.ndim != 1 or weights.dtype.kind not in "iuf"):
        raise FormatError(f"{where} values must be numbers")
    weights = weights.astype(np.float64)
    if weights.size and (not np.all(np.isfinite(weights)) or weights.min() < 0):
        raise FormatError(f"{where} values must be finite and non-negative")
    if integral and np.any(weights != np.round(weights)):
        raise FormatError(f"{where} values must be whole numbers")
    return states, weights
