"""Qiskit Runtime's JSON dialect, read and written by ``qiskit-ibm-runtime``'s own codec.

Qiskit Runtime clients send primitive inputs as JSON in which rich values are tagged objects
``{"__type__": <kind>, "__value__": <payload>}`` (QPY circuits, numpy arrays, observables, bindings);
the service answers results in the same dialect. The local Hub judges what a client sent with IBM's
``RuntimeDecoder`` and writes results with IBM's ``RuntimeEncoder``, so a client-side encoding bug is
caught by the vendor's reading rather than mirrored by a copy of ours. Like every runner module, it is
imported on the first job of its format only.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from qiskit_ibm_runtime import RuntimeDecoder, RuntimeEncoder  # type: ignore[import-untyped]
from qiskit_ibm_runtime.execution_span import ExecutionSpans, SliceSpan  # type: ignore[import-untyped]

__all__ = ["RuntimeValueError", "decode_runtime_value", "encode_primitive_result", "execution_span"]


class RuntimeValueError(ValueError):
    """A tagged value cannot be decoded; the message carries the decoder's reason."""


def decode_runtime_value(value: Any) -> Any:
    """A JSON value of the Runtime dialect as the Qiskit objects ``qiskit-ibm-runtime`` decodes it into."""
    try:
        return json.loads(json.dumps(value), cls=RuntimeDecoder)
    except Exception as error:  # the decoder raises whatever its payload parsers raise
        tag = value.get("__type__") if isinstance(value, dict) else None
        what = f"the {tag} payload" if isinstance(tag, str) else "the value"
        raise RuntimeValueError(f"cannot read {what}: {type(error).__name__}: {error}") from None


def encode_primitive_result(result: Any) -> Any:
    """A ``PrimitiveResult`` (or any value the Runtime dialect carries) as plain JSON."""
    return json.loads(json.dumps(result, cls=RuntimeEncoder))


def execution_span(
    start: datetime, stop: datetime, data_slices: dict[int, tuple[tuple[int, ...], int, int]]
) -> Any:
    """An execution span of ``qiskit-ibm-runtime``: ``data_slices`` maps a PUB index to ``(shape, start,
    stop)``, the slice of that PUB's flattened data (PUB shape then shots) taken in this span."""
    return SliceSpan(start, stop, {i: (shape, slice(a, b)) for i, (shape, a, b) in data_slices.items()})


def execution_spans(spans: list[Any]) -> Any:
    """The spans of a job, as a sampler's result metadata carries them."""
    return ExecutionSpans(spans)
