"""Qiskit targets built from what the Hub says about a backend.

:func:`build_target` reads the ``Backend`` record (``GET backends/{id}``), the provider-native
configuration (``GET backends/{id}/config``) and the calibration (``GET backends/{id}/calibration``) and
picks a builder from the shape of the data, never from the backend id, so a new backend of a known kind
works without a release:

* a Braket device-capabilities document (``braketSchemaHeader``): :mod:`.targets.braket`;
* IBM's ``{"config": …, "properties": …}``: :mod:`.targets.ibm`;
* an IQM dynamic quantum architecture (``qubits`` and ``gates`` with loci): :mod:`.targets.iqm`;
* anything else: the record's ``configuration`` (:mod:`.targets.generic`).

Data that cannot describe a target raises a ``ValueError`` that names the backend.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from qhub_providers.api.models import Backend, CalibrationResponse, Configuration
from qhub_providers.qiskit.targets.braket import build_braket, looks_like_braket
from qhub_providers.qiskit.targets.common import HubTargetInfo
from qhub_providers.qiskit.targets.generic import build_generic
from qhub_providers.qiskit.targets.ibm import build_ibm, looks_like_ibm
from qhub_providers.qiskit.targets.iqm import build_iqm, looks_like_iqm

__all__ = ["HubTargetInfo", "build_target", "target_kind"]


def target_kind(native_config: Mapping[str, Any] | None) -> str:
    """Which builder a native configuration calls for: ``braket``, ``ibm``, ``iqm`` or ``generic``."""
    if not native_config:
        return "generic"
    if looks_like_braket(native_config):
        return "braket"
    if looks_like_ibm(native_config):
        return "ibm"
    if looks_like_iqm(dict(native_config)):
        return "iqm"
    return "generic"


def build_target(
    backend: Backend,
    native_config: Mapping[str, Any] | None,
    calibration: CalibrationResponse | None,
    *,
    include_fractional_gates: bool = False,
) -> HubTargetInfo:
    """The Qiskit target of a gate-based Hub backend, with its qubit names and native gates.

    Args:
        backend: The Hub's record of the backend.
        native_config: What ``backends/{id}/config`` returned (``None`` if it was not fetched).
        calibration: The latest calibration, or ``None`` (simulators, or none published yet).
        include_fractional_gates: IBM backends only: keep ``rx`` and ``rzz`` with free angles (and
            drop control flow, which IBM cannot run in the same job).

    Raises:
        ValueError: The data does not describe a gate-based device this package can target; the
            message names the backend and the part of the data at fault.
    """
    label = backend.id or backend.name or "<unnamed>"
    if native_config is not None and not isinstance(native_config, Mapping):
        raise ValueError(
            f"cannot build a Qiskit target for backend '{label}': its native configuration is a "
            f"{type(native_config).__name__}, not a JSON object"
        )
    kind = target_kind(native_config)
    try:
        if kind == "braket" and native_config is not None:
            return build_braket(backend, native_config, calibration)
        if kind == "ibm" and native_config is not None:
            return build_ibm(backend, native_config, include_fractional_gates=include_fractional_gates)
        if kind == "iqm" and native_config is not None:
            return build_iqm(backend, dict(native_config), calibration)
        return build_generic(backend, _generic_configuration(backend, native_config), calibration)
    except ValidationError as exc:
        raise ValueError(
            f"cannot build a Qiskit target for backend '{label}': its {kind} configuration is malformed: "
            f"{_first_problem(exc)}"
        ) from exc
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise ValueError(
            f"cannot build a Qiskit target for backend '{label}' from its {kind} configuration: {exc}"
        ) from exc


def _generic_configuration(backend: Backend, native_config: Mapping[str, Any] | None) -> Configuration:
    """The record's configuration, or the native one when the record carries none."""
    if backend.configuration is not None:
        return backend.configuration
    if native_config:
        return Configuration.model_validate(dict(native_config))
    raise ValueError("the backend record has no configuration")


def _first_problem(error: ValidationError) -> str:
    details = error.errors()
    if not details:
        return str(error)
    first = details[0]
    where = ".".join(str(part) for part in first.get("loc", ()))
    more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
    return f"{where}: {first.get('msg', 'invalid')}{more}"
