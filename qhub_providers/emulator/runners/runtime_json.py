"""The JSON dialect of Qiskit Runtime, read and written without ``qiskit_ibm_runtime``.

Qiskit Runtime clients send primitive inputs as JSON in which rich values are tagged objects
``{"__type__": <kind>, "__value__": <payload>}``; the service answers in the same dialect and the client
decodes it back into Qiskit objects. The local Hub speaks it with its own code so that an encoding bug on
the client side is caught here rather than mirrored. The tags this module understands:

* ``QuantumCircuit`` / ``Instruction``: base64 of zlib-compressed QPY (an instruction travels as the only
  operation of a one-instruction circuit).
* ``ndarray``: base64 of a zlib-compressed ``.npy`` file, or a plain JSON list / number for object arrays.
* ``complex`` (``[re, im]``), ``set`` (a list), ``datetime`` (ISO 8601), ``to_json`` (already plain).
* ``settings``: an object rebuilt from its constructor arguments; only the Pauli operator classes
  (``Pauli``, ``PauliList``, ``SparsePauliOp``) are rebuilt, other classes stay as the tagged dict.
* ``ObservablesArray`` (nested Pauli-label dicts) and ``BindingsArray`` (``shape`` plus parameter-name
  tuples, JSON-encoded as strings, mapped to arrays).
* Results: ``BitArray`` (packed ``uint8`` array plus ``num_bits``), ``DataBin`` (``field_names``,
  ``shape``, ``fields``), ``SamplerPubResult`` / ``PubResult`` (``data``, ``metadata``),
  ``PrimitiveResult`` (``pub_results``, ``metadata``) and the execution spans of a sampler's metadata.

Unknown tags are left as they are (with their payload decoded), as the official decoder does, so options
this emulator ignores never make a job fail.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "ExecutionSpan",
    "ExecutionSpans",
    "RuntimeValueError",
    "decode_circuit",
    "decode_runtime_value",
    "encode_circuit",
    "encode_primitive_result",
    "encode_runtime_value",
]

_TYPE = "__type__"
_VALUE = "__value__"

# Constructor keywords accepted per rebuildable ``settings`` class; anything else in the payload is dropped.
_PAULI_SETTINGS: dict[str, tuple[str, ...]] = {
    "Pauli": ("data",),
    "PauliList": ("data",),
    "SparsePauliOp": ("data", "coeffs", "ignore_pauli_phase"),
}


class RuntimeValueError(ValueError):
    """A tagged value cannot be decoded; the message says which tag and why."""


@dataclass(frozen=True)
class ExecutionSpan:
    """When a slice of some PUBs' data was taken.

    ``data_slices`` maps a PUB index to ``(shape, start, stop)``: the slice ``start:stop`` of that PUB's
    flattened data of ``shape`` (the PUB shape followed by the shot count) that this span produced.
    """

    start: datetime
    stop: datetime
    data_slices: dict[int, tuple[tuple[int, ...], int, int]]


@dataclass(frozen=True)
class ExecutionSpans:
    """The execution spans of a job, as Qiskit Runtime puts them into a sampler's result metadata."""

    spans: tuple[ExecutionSpan, ...]


# --------------------------------------------------------------------------------------------- decoding


def decode_runtime_value(obj: Any) -> Any:
    """Turn JSON parsed from a Qiskit Runtime payload into Python and Qiskit objects.

    ``obj`` is what :func:`json.loads` produced. Tagged values are decoded innermost first; plain dicts
    and lists are walked. Raises :class:`RuntimeValueError` when a known tag carries a payload that
    cannot be decoded (for example a circuit that is not valid QPY).
    """
    if isinstance(obj, list):
        return [decode_runtime_value(item) for item in obj]
    if not isinstance(obj, dict):
        return obj
    if _TYPE in obj and _VALUE in obj:
        return _decode_tagged(obj)
    return {key: decode_runtime_value(value) for key, value in obj.items()}


def decode_circuit(payload: Any) -> Any:
    """The :class:`~qiskit.circuit.QuantumCircuit` in a ``QuantumCircuit`` payload (base64 zlib QPY)."""
    from qiskit import qpy
    from qiskit.circuit import QuantumCircuit

    if not isinstance(payload, str):
        raise RuntimeValueError(
            f"a QuantumCircuit value must be a base64 string, not {type(payload).__name__}"
        )
    data = _unpack(payload, "QuantumCircuit", compressed=True)
    try:
        programs = qpy.load(io.BytesIO(data))
    except Exception as exc:  # QPY readers raise many kinds of errors on corrupt input
        raise RuntimeValueError(f"the QuantumCircuit value is not valid QPY: {exc}") from exc
    if not programs or not isinstance(programs[0], QuantumCircuit):
        raise RuntimeValueError("the QuantumCircuit value holds no quantum circuit")
    return programs[0]


def _decode_tagged(obj: dict[str, Any]) -> Any:
    kind = obj[_TYPE]
    raw = obj[_VALUE]
    if kind == "QuantumCircuit":
        return decode_circuit(raw)
    if kind == "Instruction":
        circuit = decode_circuit(raw)
        if not circuit.data:
            raise RuntimeValueError("the Instruction value holds an empty circuit")
        return circuit.data[0].operation
    if kind == "ndarray":
        return _decode_ndarray(raw)
    value = decode_runtime_value(raw)
    if kind == "settings":
        return _decode_settings(obj, value)
    # A tag that is no string (a list, an object) names nothing we know, and cannot be looked up.
    decoder = _TAGGED_DECODERS.get(kind) if isinstance(kind, str) else None
    if decoder is None:
        # Unknown to us (noise models, spans of other primitives, ...): keep the structure.
        return {**obj, _VALUE: value}
    try:
        return decoder(value)
    except RuntimeValueError:
        raise
    except (TypeError, ValueError, KeyError) as exc:
        raise RuntimeValueError(f"cannot decode a {kind} value: {exc}") from exc


def _unpack(payload: str, kind: str, *, compressed: bool) -> bytes:
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise RuntimeValueError(f"the {kind} value is not valid base64: {exc}") from exc
    if not compressed:
        return data
    try:
        return zlib.decompress(data)
    except zlib.error as exc:
        raise RuntimeValueError(f"the {kind} value is not zlib-compressed: {exc}") from exc


def _decode_ndarray(raw: Any) -> npt.NDArray[Any]:
    if isinstance(raw, str):
        data = _unpack(raw, "ndarray", compressed=True)
        try:
            array: npt.NDArray[Any] = np.load(io.BytesIO(data), allow_pickle=False)
        except (ValueError, OSError, EOFError) as exc:
            raise RuntimeValueError(f"the ndarray value is not a .npy file: {exc}") from exc
        return array
    # Object arrays travel as plain (nested) lists.
    return np.asarray(decode_runtime_value(raw))


def _decode_settings(obj: dict[str, Any], settings: Any) -> Any:
    module = obj.get("__module__", "")
    name = obj.get("__class__", "")
    allowed = _PAULI_SETTINGS.get(name)
    if allowed is None or not str(module).startswith("qiskit.quantum_info") or not isinstance(settings, dict):
        return {**obj, _VALUE: settings}
    from qiskit import quantum_info

    kwargs = {key: settings[key] for key in allowed if key in settings}
    try:
        return getattr(quantum_info, name)(**kwargs)
    except Exception as exc:  # the operator constructors raise QiskitError on bad labels
        raise RuntimeValueError(f"cannot rebuild {name} from its settings: {exc}") from exc


def _decode_complex(value: Any) -> complex:
    real, imag = value
    return complex(float(real), float(imag))


def _decode_datetime(value: Any) -> datetime:
    return datetime.fromisoformat(str(value))


def _decode_observables(value: Any) -> Any:
    from qiskit.primitives.containers.observables_array import ObservablesArray

    return ObservablesArray.coerce(value)


def _decode_bindings(value: Any) -> Any:
    from qiskit.primitives.containers.bindings_array import BindingsArray

    shape = value.get("shape")
    data: dict[tuple[str, ...], npt.NDArray[Any]] = {}
    for key, values in (value.get("data") or {}).items():
        names = json.loads(key)
        names = [names] if isinstance(names, str) else names
        if not all(isinstance(n, str) for n in names):
            raise RuntimeValueError("BindingsArray keys must name parameters by string")
        data[tuple(names)] = np.asarray(values, dtype=float)
    return BindingsArray(data or None, shape=None if shape is None else tuple(shape))


def _decode_bit_array(value: Any) -> Any:
    from qiskit.primitives.containers import BitArray

    return BitArray(np.asarray(value["array"], dtype=np.uint8), int(value["num_bits"]))


def _decode_data_bin(value: Any) -> Any:
    from qiskit.primitives.containers import DataBin

    shape = value.get("shape")
    return DataBin(shape=None if shape is None else tuple(shape), **value["fields"])


def _decode_sampler_pub_result(value: Any) -> Any:
    from qiskit.primitives.containers import SamplerPubResult

    return SamplerPubResult(value["data"], value.get("metadata"))


def _decode_pub_result(value: Any) -> Any:
    from qiskit.primitives.containers import PubResult

    return PubResult(value["data"], value.get("metadata"))


def _decode_primitive_result(value: Any) -> Any:
    from qiskit.primitives.containers import PrimitiveResult

    return PrimitiveResult(value["pub_results"], value.get("metadata"))


def _decode_execution_span(value: Any) -> ExecutionSpan:
    slices = {
        int(index): (tuple(int(n) for n in shape), int(start), int(stop))
        for index, (shape, start, stop) in value["data_slices"].items()
    }
    return ExecutionSpan(value["start"], value["stop"], slices)


def _decode_execution_spans(value: Any) -> ExecutionSpans:
    return ExecutionSpans(tuple(value["spans"]))


_TAGGED_DECODERS: dict[str, Any] = {
    "complex": _decode_complex,
    "set": set,
    "datetime": _decode_datetime,
    "to_json": lambda value: value,
    "ObservablesArray": _decode_observables,
    "BindingsArray": _decode_bindings,
    "BitArray": _decode_bit_array,
    "DataBin": _decode_data_bin,
    "SamplerPubResult": _decode_sampler_pub_result,
    "PubResult": _decode_pub_result,
    "PrimitiveResult": _decode_primitive_result,
    "ExecutionSpan": _decode_execution_span,
    "ExecutionSpans": _decode_execution_spans,
}


# --------------------------------------------------------------------------------------------- encoding


def encode_primitive_result(result: Any) -> dict[str, Any]:
    """The Runtime JSON of a :class:`~qiskit.primitives.containers.PrimitiveResult`.

    The answer is plain JSON (dicts, lists, strings, numbers) that ``qiskit_ibm_runtime``'s result
    decoder turns back into a ``PrimitiveResult`` with the same pub results, data and metadata.
    """
    from qiskit.primitives.containers import PrimitiveResult

    if not isinstance(result, PrimitiveResult):
        raise TypeError(f"expected a PrimitiveResult, got {type(result).__name__}")
    encoded = encode_runtime_value(result)
    assert isinstance(encoded, dict)
    return encoded


def encode_circuit(circuit: Any) -> dict[str, Any]:
    """The tagged ``QuantumCircuit`` value of a circuit (base64 of zlib-compressed QPY)."""
    from qiskit import qpy

    buffer = io.BytesIO()
    qpy.dump(circuit, buffer)
    return {_TYPE: "QuantumCircuit", _VALUE: _pack(buffer.getvalue())}


def encode_runtime_value(value: Any) -> Any:
    """Plain JSON for ``value``, tagging rich values the way Qiskit Runtime does.

    Handles the result containers (``PrimitiveResult``, ``SamplerPubResult``, ``PubResult``,
    ``DataBin``, ``BitArray``), :class:`ExecutionSpans`, numpy arrays and scalars, complex numbers,
    datetimes, sets, circuits, and plain containers. Anything else becomes its ``str`` so that a
    result can always be served.
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, complex):
        return {_TYPE: "complex", _VALUE: [value.real, value.imag]}
    if isinstance(value, np.ndarray):
        return _encode_ndarray(value)
    if isinstance(value, np.generic):
        return encode_runtime_value(value.item())
    if isinstance(value, datetime):
        return {_TYPE: "datetime", _VALUE: value.isoformat()}
    if isinstance(value, Mapping):
        return {str(key): encode_runtime_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [encode_runtime_value(item) for item in value]
    if isinstance(value, set | frozenset):
        return {_TYPE: "set", _VALUE: [encode_runtime_value(item) for item in value]}
    if isinstance(value, ExecutionSpans):
        return {_TYPE: "ExecutionSpans", _VALUE: {"spans": [_encode_span(span) for span in value.spans]}}
    if isinstance(value, ExecutionSpan):
        return _encode_span(value)
    return _encode_qiskit_value(value)


def _encode_qiskit_value(value: Any) -> Any:
    from qiskit.circuit import QuantumCircuit
    from qiskit.primitives.containers import (
        BitArray,
        DataBin,
        PrimitiveResult,
        PubResult,
        SamplerPubResult,
    )

    if isinstance(value, PrimitiveResult):
        pub_results = [encode_runtime_value(pub) for pub in value]
        return {
            _TYPE: "PrimitiveResult",
            _VALUE: {"pub_results": pub_results, "metadata": encode_runtime_value(value.metadata)},
        }
    # SamplerPubResult is a PubResult, so it must be tested first.
    for cls, tag in ((SamplerPubResult, "SamplerPubResult"), (PubResult, "PubResult")):
        if isinstance(value, cls):
            payload = {
                "data": encode_runtime_value(value.data),
                "metadata": encode_runtime_value(value.metadata),
            }
            return {_TYPE: tag, _VALUE: payload}
    if isinstance(value, DataBin):
        fields = {name: encode_runtime_value(item) for name, item in value.items()}
        payload = {"field_names": list(fields), "shape": list(value.shape), "fields": fields}
        return {_TYPE: "DataBin", _VALUE: payload}
    if isinstance(value, BitArray):
        payload = {"array": _encode_ndarray(value.array), "num_bits": int(value.num_bits)}
        return {_TYPE: "BitArray", _VALUE: payload}
    if isinstance(value, QuantumCircuit):
        return encode_circuit(value)
    return str(value)


def _encode_ndarray(array: npt.NDArray[Any]) -> dict[str, Any]:
    if array.dtype == object:
        return {_TYPE: "ndarray", _VALUE: encode_runtime_value(array.tolist())}
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return {_TYPE: "ndarray", _VALUE: _pack(buffer.getvalue())}


def _encode_span(span: ExecutionSpan) -> dict[str, Any]:
    slices = {
        str(index): [list(shape), start, stop] for index, (shape, start, stop) in span.data_slices.items()
    }
    payload = {
        "start": encode_runtime_value(span.start),
        "stop": encode_runtime_value(span.stop),
        "data_slices": slices,
    }
    return {_TYPE: "ExecutionSpan", _VALUE: payload}


def _pack(data: bytes) -> str:
    return base64.b64encode(zlib.compress(data)).decode("ascii")
