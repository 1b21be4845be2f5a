"""Translation between Qiskit circuits and the Hub's job input formats, and back from results.

Pure functions, no HTTP: one module per input format (see :mod:`.base` for the contract). The Qiskit face
chooses a module with :func:`format_for` from what the backend says it supports.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterable
from types import ModuleType
from typing import Any

from qhub_providers.formats.base import (
    BackendFacts,
    ClassicalLayout,
    EncodedJob,
    ExperimentSamples,
    FormatError,
)

__all__ = [
    "FORMAT_MODULES",
    "BackendFacts",
    "ClassicalLayout",
    "EncodedJob",
    "ExperimentSamples",
    "FormatError",
    "decode_result",
    "format_for",
    "format_module",
]

FORMAT_MODULES: dict[str, str] = {
    # In order of preference when a backend accepts several.
    "QISKIT_QPY": "qiskit_qpy",
    "BRAKET_OPEN_QASM_V3": "braket_qasm3",
    "IQM_JOB_INPUT_V1": "iqm",
    "AQT_JOB_INPUT_V1": "aqt",
    "IONQ_CIRCUIT_V1": "ionq",
    "OPEN_QASM_V2": "qasm2",
}
"""Hub input formats that Qiskit circuits can be written in, and the module that writes them."""


def format_for(supported_input_formats: Iterable[str]) -> str | None:
    """The input format to use for a backend, or ``None`` when none of its formats takes circuits."""
    supported = {str(f) for f in supported_input_formats}
    for name in FORMAT_MODULES:
        if name in supported:
            return name
    return None


def decode_result(
    input_format: str,
    result: Any,
    layouts: list[ClassicalLayout],
    shots: int,
    *,
    seed: int | None = None,
    backend_id: str | None = None,
) -> list[ExperimentSamples]:
    """Decode a native result with the format's module; ``backend_id`` goes to formats that use it."""
    decode = format_module(input_format).decode
    extra = {"backend_id": backend_id} if "backend_id" in inspect.signature(decode).parameters else {}
    samples: list[ExperimentSamples] = decode(result, layouts, shots, seed=seed, **extra)
    return samples


def format_module(input_format: str) -> ModuleType:
    """The module for an input format (imported on first use)."""
    try:
        module_name = FORMAT_MODULES[input_format]
    except KeyError:
        raise FormatError(f"no Qiskit encoder for input format {input_format}") from None
    return importlib.import_module(f"{__name__}.{module_name}")
