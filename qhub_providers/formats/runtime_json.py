"""Qiskit Runtime's JSON conventions, written and read on the client side.

IBM's primitives send their inputs, and receive their results, as JSON in which rich values are tagged
objects ``{"__type__": <kind>, "__value__": <payload>}``. This module speaks that dialect with its own code,
so the Qiskit face never needs ``qiskit_ibm_runtime``:

* ``QuantumCircuit``: base64 of zlib-compressed QPY, written at QPY version
  ``min(qiskit.qpy.QPY_VERSION, 17)`` because 17 is the newest version IBM's service documents it reads.
* ``ndarray``: base64 of a zlib-compressed ``.npy`` file; object arrays travel as plain nested lists.
* ``complex`` (``[re, im]``), ``set`` (a list), ``datetime`` (ISO 8601), ``to_json`` (already plain).
* Results: ``PrimitiveResult`` (``pub_results``, ``metadata``) holding ``SamplerPubResult`` /
  ``PubResult`` / ``EstimatorPubResult`` (``data``, ``metadata``), whose data is a ``DataBin``
  (``field_names``, ``shape``, ``fields``) of ``BitArray`` (packed ``uint8`` array plus ``num_bits``) or
  plain arrays (``evs``, ``stds``).

Results decode into the light containers below (numpy arrays and dicts, no Qiskit objects): decoding a
million shots then costs a base64 and a zlib pass and nothing per shot. Tags this module does not know
(execution spans, noise-learner results ...) are kept as tagged dicts with their payload decoded, so an
unfamiliar field never makes a result unreadable.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from qhub_providers.formats.base import FormatError

__all__ = [
    "FORMAT_NAME",
    "SERVICE_MAX_QPY_VERSION",
    "RuntimeBitArray",
    "RuntimeDataBin",
    "RuntimePrimitiveResult",
    "RuntimePubResult",
    "decode_circuit",
    "decode_ndarray",
    "decode_primitive_result",
    "decode_value",
    "encode_circuit",
    "encode_ndarray",
    "encode_value",
    "parse_document",
    "qpy_version",
]

FORMAT_NAME = "Qiskit Runtime JSON"
"""How errors name this dialect."""

SERVICE_MAX_QPY_VERSION = 17
"""The newest QPY version IBM's Qiskit Runtime service documents that it reads."""

_TYPE = "__type__"
_VALUE = "__value__"
_PUB_RESULT_KINDS = ("SamplerPubResult", "PubResult", "EstimatorPubResult")


# ------------------------------------------------------------------------------------- result containers


@dataclass(frozen=True)
class RuntimeBitArray:
    """A sampler register's outcomes as Qiskit's ``BitArray`` stores them.

    ``array`` has shape ``pub_shape + (shots, ceil(num_bits / 8))``; each shot's bytes are big-endian
    (the last byte holds clbits 0-7 of the register, bit ``i`` of the register being bit ``i % 8`` of
    byte ``-1 - i // 8``).
    """

    array: npt.NDArray[np.uint8]
    num_bits: int

    @property
    def shape(self) -> tuple[int, ...]:
        """The parameter-sweep shape of the PUB (``()`` for a plain circuit)."""
        return tuple(self.array.shape[:-2])

    @property
    def num_shots(self) -> int:
        """Shots per parameter set."""
        return int(self.array.shape[-2])


@dataclass(frozen=True)
class RuntimeDataBin:
    """A ``DataBin``: named fields (``RuntimeBitArray`` or numpy arrays) sharing one ``shape``."""

    fields: dict[str, Any]
    shape: tuple[int, ...] = ()


@dataclass(frozen=True)
class RuntimePubResult:
    """One PUB's result; ``kind`` is the Runtime tag (``SamplerPubResult``, ``PubResult`` ...)."""

    kind: str
    data: RuntimeDataBin
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RuntimePrimitiveResult:
    """A primitive job's result: one :class:`RuntimePubResult` per PUB, and the job's metadata."""

    pub_results: list[RuntimePubResult]
    metadata: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------------------------------ circuits


def qpy_version() -> int:
    """The QPY version circuits are written at: the installed Qiskit's newest, capped at IBM's maximum."""
    from qiskit import qpy

    return min(int(qpy.QPY_VERSION), SERVICE_MAX_QPY_VERSION)


class _MetadataEncoder(json.JSONEncoder):
    """Lets circuit metadata hold numpy values, complex numbers and the like, tagged as Runtime does."""

    def default(self, o: Any) -> Any:
        encoded = _encode_special(o)
        if encoded is _UNSUPPORTED:
            return super().default(o)  # raises TypeError naming the type
        return encoded


def encode_circuit(circuit: Any) -> dict[str, str]:
    """The tagged ``QuantumCircuit`` value of a circuit: base64 of zlib-compressed QPY.

    Raises :class:`FormatError` when the circuit cannot be written at :func:`qpy_version` (a feature of a
    newer QPY, an operation QPY cannot store, metadata that is not JSON).
    """
    from qiskit import qpy

    version = qpy_version()
    buffer = io.BytesIO()
    try:
        qpy.dump(circuit, buffer, metadata_serializer=_MetadataEncoder, version=version)
    except qpy.exceptions.UnsupportedFeatureForVersion as exc:
        raise FormatError(
            f"circuit {circuit.name!r} uses {exc.feature}, which needs QPY version {exc.required}; IBM's "
            f"Qiskit Runtime reads QPY up to version {SERVICE_MAX_QPY_VERSION}: remove that feature "
            "from the circuit"
        ) from exc
    except (TypeError, ValueError) as exc:
        # json raises these for metadata it cannot serialise.
        raise FormatError(
            f"circuit {circuit.name!r} cannot be written as QPY: {exc}; circuit metadata must be "
            "JSON-serialisable (numbers, strings, lists, dicts, numpy arrays)"
        ) from exc
    except Exception as exc:  # QpyError and whatever a custom operation's serialisation raises
        raise FormatError(
            f"circuit {circuit.name!r} cannot be written as QPY version {version}: {exc}"
        ) from exc
    return {_TYPE: "QuantumCircuit", _VALUE: _pack(buffer.getvalue())}


def decode_circuit(payload: Any) -> Any:
    """The :class:`~qiskit.circuit.QuantumCircuit` in a ``QuantumCircuit`` payload (or tagged value)."""
    from qiskit import qpy
    from qiskit.circuit import QuantumCircuit

    if isinstance(payload, dict) and payload.get(_TYPE) == "QuantumCircuit":
        payload = payload.get(_VALUE)
    if not isinstance(payload, str):
        raise FormatError(f"a QuantumCircuit value must be a base64 string, not {type(payload).__name__}")
    data = _unpack(payload, "QuantumCircuit")
    try:
        programs = qpy.load(io.BytesIO(data))
    except Exception as exc:  # QPY readers raise many kinds of errors on corrupt input
        raise FormatError(f"the QuantumCircuit value is not readable QPY: {exc}") from exc
    if not programs or not isinstance(programs[0], QuantumCircuit):
        raise FormatError("the QuantumCircuit value holds no quantum circuit")
    return programs[0]


# ------------------------------------------------------------------------------------------- arrays


def encode_ndarray(array: npt.NDArray[Any]) -> dict[str, Any]:
    """The tagged ``ndarray`` value: a compressed ``.npy`` file, or a nested list for object arrays."""
    if array.dtype == object:
        return {_TYPE: "ndarray", _VALUE: encode_value(array.tolist())}
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return {_TYPE: "ndarray", _VALUE: _pack(buffer.getvalue())}


def decode_ndarray(payload: Any) -> npt.NDArray[Any]:
    """The numpy array of an ``ndarray`` payload (a compressed ``.npy`` file, or a plain list / number)."""
    if isinstance(payload, str):
        data = _unpack(payload, "ndarray")
        try:
            array: npt.NDArray[Any] = np.load(io.BytesIO(data), allow_pickle=False)
        except (ValueError, OSError, EOFError) as exc:
            raise FormatError(f"the ndarray value is not a .npy file: {exc}") from exc
        return array
    if isinstance(payload, list | int | float):
        return np.asarray(decode_value(payload))
    raise FormatError(f"an ndarray value must be a base64 string or a list, not {type(payload).__name__}")


def _pack(data: bytes) -> str:
    return base64.b64encode(zlib.compress(data)).decode("ascii")


def _unpack(payload: str, kind: str) -> bytes:
    try:
        compressed = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise FormatError(f"the {kind} value is not valid base64: {exc}") from exc
    try:
        return zlib.decompress(compressed)
    except zlib.error as exc:
        raise FormatError(f"the {kind} value is not zlib-compressed: {exc}") from exc


# ----------------------------------------------------------------------------------------- encoding

_UNSUPPORTED = object()


def encode_value(value: Any) -> Any:
    """Plain JSON for an input value, tagging rich values the way Qiskit Runtime does.

    Handles JSON scalars, dicts (keys become strings), lists and tuples, sets, complex numbers, numpy
    arrays and scalars, dates and Qiskit circuits. Raises :class:`FormatError` for anything else.
    """
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):
        return {str(key): encode_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [encode_value(item) for item in value]
    encoded = _encode_special(value)
    if encoded is _UNSUPPORTED:
        raise FormatError(f"a {type(value).__name__} value cannot be written as Qiskit Runtime JSON")
    return encoded


def _encode_special(value: Any) -> Any:
    """The tagged form of a value plain JSON cannot hold, or ``_UNSUPPORTED``."""
    if isinstance(value, np.ndarray):
        return encode_ndarray(value)
    if isinstance(value, np.generic):
        return encode_value(value.item())
    if isinstance(value, complex):
        return {_TYPE: "complex", _VALUE: [value.real, value.imag]}
    if isinstance(value, date):
        return {_TYPE: "datetime", _VALUE: value.isoformat()}
    if isinstance(value, set | frozenset):
        return {_TYPE: "set", _VALUE: [encode_value(item) for item in value]}
    from qiskit.circuit import QuantumCircuit

    if isinstance(value, QuantumCircuit):
        return encode_circuit(value)
    return _UNSUPPORTED


# ----------------------------------------------------------------------------------------- decoding


def parse_document(document: Any, what: str = "document") -> Any:
    """Parsed JSON: ``document`` itself when already parsed, else ``json.loads`` of the text or bytes."""
    if isinstance(document, bytes | bytearray):
        document = document.decode("utf-8", errors="replace")
    if isinstance(document, str):
        try:
            return json.loads(document)
        except ValueError as exc:
            raise FormatError(f"the {what} is not JSON: {exc}") from exc
    return document


def decode_value(obj: Any) -> Any:
    """Python values for parsed Runtime JSON: tags decoded innermost first, plain dicts and lists walked.

    Circuits become ``QuantumCircuit``; arrays numpy arrays; result containers the ``Runtime*`` classes
    of this module. Raises :class:`FormatError` when a known tag carries a payload it cannot decode.
    """
    if isinstance(obj, list):
        return [decode_value(item) for item in obj]
    if not isinstance(obj, dict):
        return obj
    if _TYPE in obj and _VALUE in obj:
        return _decode_tagged(obj)
    return {key: decode_value(item) for key, item in obj.items()}


def _decode_tagged(obj: dict[str, Any]) -> Any:
    kind = obj[_TYPE]
    raw = obj[_VALUE]
    if kind == "QuantumCircuit":
        return decode_circuit(raw)
    if kind == "ndarray":
        return decode_ndarray(raw)
    value = decode_value(raw)
    try:
        if kind == "complex":
            real, imag = value
            return complex(float(real), float(imag))
        if kind == "set":
            return set(value)
        if kind == "datetime":
            return _decode_datetime(value)
        if kind == "to_json":
            return value
        if kind == "BitArray":
            return _bit_array(value)
        if kind == "DataBin":
            return _data_bin(value)
        if kind in _PUB_RESULT_KINDS:
            return _pub_result(kind, value)
        if kind == "PrimitiveResult":
            return _primitive_result(value)
    except FormatError:
        raise
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
        raise FormatError(f"cannot decode a {kind} value: {exc!r}") from exc
    # Unknown to us (execution spans, noise models ...): keep the structure, payload decoded.
    return {**obj, _VALUE: value}


def _decode_datetime(value: Any) -> Any:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return value  # an unusual timestamp format is not worth failing a result over


def _bit_array(value: Any) -> RuntimeBitArray:
    array = value["array"]
    num_bits = value["num_bits"]
    if not isinstance(array, np.ndarray) or array.dtype.kind not in "ui":
        raise FormatError("a BitArray's array must be an integer ndarray")
    if isinstance(num_bits, bool) or not isinstance(num_bits, int) or num_bits < 0:
        raise FormatError(f"a BitArray's num_bits must be a non-negative integer, got {num_bits!r}")
    if array.ndim < 2:
        raise FormatError(f"a BitArray's array needs a shots and a bytes axis, got shape {array.shape}")
    if array.shape[-1] != (num_bits + 7) // 8:
        raise FormatError(
            f"a BitArray of {num_bits} bits must hold {(num_bits + 7) // 8} bytes per shot, "
            f"got {array.shape[-1]}"
        )
    return RuntimeBitArray(np.asarray(array, dtype=np.uint8), num_bits)


def _data_bin(value: Any) -> RuntimeDataBin:
    fields = value["fields"]
    if not isinstance(fields, dict):
        raise FormatError("a DataBin's fields must be an object")
    shape = value.get("shape")
    return RuntimeDataBin(dict(fields), () if shape is None else tuple(int(n) for n in shape))


def _pub_result(kind: str, value: Any) -> RuntimePubResult:
    data = value["data"]
    if not isinstance(data, RuntimeDataBin):
        raise FormatError(f"a {kind}'s data must be a DataBin")
    metadata = value.get("metadata") or {}
    return RuntimePubResult(kind, data, dict(metadata) if isinstance(metadata, dict) else {})


def _primitive_result(value: Any) -> RuntimePrimitiveResult:
    pubs = value["pub_results"]
    if not isinstance(pubs, list) or not all(isinstance(pub, RuntimePubResult) for pub in pubs):
        raise FormatError("a PrimitiveResult's pub_results must be a list of PUB results")
    metadata = value.get("metadata") or {}
    return RuntimePrimitiveResult(list(pubs), dict(metadata) if isinstance(metadata, dict) else {})


def decode_primitive_result(document: Any) -> RuntimePrimitiveResult:
    """The :class:`RuntimePrimitiveResult` in a Runtime-encoded result (parsed JSON, text or bytes).

    Raises :class:`FormatError` for a failure payload (``{"reason", "reasonCode"}``), a payload that is
    not a ``PrimitiveResult``, or any malformed part.
    """
    parsed = parse_document(document, f"{FORMAT_NAME} result")
    if isinstance(parsed, dict) and parsed.get(_TYPE) != "PrimitiveResult" and "reason" in parsed:
        code = parsed.get("reasonCode")
        suffix = f" (code {code})" if code is not None else ""
        raise FormatError(
            f"the job reported a failure instead of a result ({FORMAT_NAME}): {parsed['reason']}{suffix}"
        )
    if not isinstance(parsed, dict) or parsed.get(_TYPE) != "PrimitiveResult" or _VALUE not in parsed:
        raise FormatError(
            f'expected a Runtime-encoded PrimitiveResult ({{"__type__": "PrimitiveResult", ...}}) as the '
            f"{FORMAT_NAME} result, got {_describe(parsed)}"
        )
    try:
        result = decode_value(parsed)
    except FormatError as exc:
        raise FormatError(f"{FORMAT_NAME} result: {exc}") from exc
    if not isinstance(result, RuntimePrimitiveResult):  # a tag inside the payload replaced the whole
        raise FormatError(f"{FORMAT_NAME} result: the PrimitiveResult could not be read")
    return result


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        keys = ", ".join(sorted(str(k) for k in value)[:6])
        return f"an object with keys {{{keys}}}"
    return f"a {type(value).__name__}"
