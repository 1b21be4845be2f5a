"""The arguments of ``run`` and ``run_batch``, read in ``AwsDevice``'s order or in ``LocalSimulator``'s.

Code written for ``AwsDevice`` passes the S3 folder second (``device.run(circuit, s3_folder, shots=100)``);
code written for ``LocalSimulator`` passes the shots second (``device.run(circuit, 100)``). A whole number in
second place can only be shots, so it selects the ``LocalSimulator`` order; anything else the ``AwsDevice``
order. The Hub keeps results itself: an S3 folder is accepted and ignored with one warning per process.
Options that address AWS itself and would change what runs (reservations, experimental capabilities) are
refused with a message instead of being dropped.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from qhub_providers.braket.task import DEFAULT_POLL_INTERVAL, DEFAULT_POLL_TIMEOUT

__all__ = ["RunCall", "bind_run_call"]

_AWS_RUN_ORDER = (
    "s3_destination_folder",
    "shots",
    "poll_timeout_seconds",
    "poll_interval_seconds",
    "inputs",
    "gate_definitions",
    "reservation_arn",
    "experimental_capabilities",
)
_AWS_BATCH_ORDER = (
    "s3_destination_folder",
    "shots",
    "max_parallel",
    "max_connections",
    "poll_timeout_seconds",
    "poll_interval_seconds",
    "inputs",
    "gate_definitions",
    "reservation_arn",
    "experimental_capabilities",
)
_LOCAL_RUN_ORDER = ("shots", "inputs")
_LOCAL_BATCH_ORDER = ("shots", "max_parallel", "inputs")
# Keyword-only options: AwsQuantumTask.create's (passed through AwsDevice.run) and the Hub's own.
_KEYWORDS = (
    "disable_qubit_rewiring",
    "device_parameters",
    "tags",
    "logger",
    "quiet",
    "name",
)

_s3_warned = False


@dataclass(frozen=True)
class RunCall:
    """The checked arguments of one ``run`` or ``run_batch`` call."""

    shots: Any = None
    inputs: Any = None
    gate_definitions: Any = None
    max_parallel: int | None = None
    disable_qubit_rewiring: bool = False
    tags: list[str] | None = None
    name: str | None = None
    poll_timeout_seconds: float = DEFAULT_POLL_TIMEOUT
    poll_interval_seconds: float = DEFAULT_POLL_INTERVAL
    logger: logging.Logger | None = None
    quiet: bool = False


def _is_shots(value: Any, batch: bool) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return (
        batch
        and isinstance(value, Sequence)
        and not isinstance(value, str)
        and bool(value)
        and all(isinstance(item, int) and not isinstance(item, bool) for item in value)
    )


def bind_run_call(method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> RunCall:
    """Name the positional arguments after the task specification, check every value, and drop what the
    Hub needs not know (the S3 folder, ``max_connections``)."""
    batch = method == "run_batch"
    local_order = bool(args) and _is_shots(args[0], batch)
    order: tuple[str, ...]
    if local_order:
        order = _LOCAL_BATCH_ORDER if batch else _LOCAL_RUN_ORDER
    else:
        order = _AWS_BATCH_ORDER if batch else _AWS_RUN_ORDER
    if len(args) > len(order):
        raise TypeError(
            f"{method}() got {len(args) - len(order)} positional argument(s) too many; after the task "
            f"specification it takes {', '.join(order)} in this order, the rest by keyword."
        )
    named = dict(zip(order, args, strict=False))
    for key in named.keys() & kwargs.keys():
        raise TypeError(f"{method}() got multiple values for argument {key!r}")
    named.update(kwargs)
    known = set(_AWS_BATCH_ORDER if batch else _AWS_RUN_ORDER) | set(_KEYWORDS)
    unknown = sorted(set(named) - known)
    if unknown:
        raise TypeError(
            f"{method}() got unexpected keyword argument(s): {', '.join(unknown)}. A Hub Braket device "
            f"accepts: {', '.join(sorted(known))}."
        )
    _ignore_s3(named.pop("s3_destination_folder", None))
    named.pop("max_connections", None)  # the Hub client keeps its own connection pool
    _refuse_aws_only(named)
    rewiring = _rewiring(named.pop("disable_qubit_rewiring", None), named.pop("device_parameters", None))
    call = RunCall(
        shots=named.get("shots"),
        inputs=named.get("inputs"),
        gate_definitions=named.get("gate_definitions"),
        max_parallel=named.get("max_parallel"),
        disable_qubit_rewiring=rewiring,
        tags=_hub_tags(named.get("tags")),
        name=named.get("name"),
        poll_timeout_seconds=_seconds(
            "poll_timeout_seconds", named.get("poll_timeout_seconds"), DEFAULT_POLL_TIMEOUT
        ),
        poll_interval_seconds=_seconds(
            "poll_interval_seconds", named.get("poll_interval_seconds"), DEFAULT_POLL_INTERVAL
        ),
        logger=named.get("logger"),
        quiet=bool(named.get("quiet", False)),
    )
    if call.name is not None and not isinstance(call.name, str):
        raise TypeError(f"name must be a string, got {type(call.name).__name__}")
    if call.logger is not None and not isinstance(call.logger, logging.Logger):
        raise TypeError(f"logger must be a logging.Logger, got {type(call.logger).__name__}")
    return call


def _ignore_s3(folder: Any) -> None:
    global _s3_warned
    if folder is None or _s3_warned:
        return
    _s3_warned = True
    warnings.warn(
        "The S3 destination folder is ignored: the Hub keeps each task's result itself and task.result() "
        "fetches it. Nothing is written to S3.",
        UserWarning,
        stacklevel=4,
    )


def _refuse_aws_only(named: dict[str, Any]) -> None:
    if named.pop("reservation_arn", None) is not None:
        raise ValueError(
            "The Hub has no Braket reservations, so reservation_arn cannot be honoured. Drop it to run in "
            "the device's shared queue; to keep a group of tasks together, run them inside "
            "`with Session(device):` (qhub_providers.braket.Session)."
        )
    if named.pop("experimental_capabilities", None) is not None:
        raise ValueError(
            "The Hub does not pass experimental capabilities on to the device; drop "
            "experimental_capabilities and use only the features the device's properties list."
        )


def _rewiring(disable_qubit_rewiring: Any, device_parameters: Any) -> bool:
    """``disable_qubit_rewiring``, also read from ``device_parameters`` (``paradigmParameters``), the one
    device parameter the Hub honours."""
    from_parameters = None
    if device_parameters is not None:
        document = device_parameters
        if hasattr(document, "dict"):
            document = document.dict()
        if not isinstance(document, Mapping):
            raise TypeError("device_parameters must be a dict or a Braket device-parameters object")
        paradigm = document.get("paradigmParameters") or {}
        if not isinstance(paradigm, Mapping):
            paradigm = paradigm.dict() if hasattr(paradigm, "dict") else {}
        other = [
            key
            for key, value in document.items()
            if key not in {"braketSchemaHeader", "paradigmParameters"} and value is not None
        ]
        other += [
            f"paradigmParameters.{key}"
            for key, value in paradigm.items()
            if key not in {"braketSchemaHeader", "qubitCount", "disableQubitRewiring"} and value is not None
        ]
        if other:
            raise ValueError(
                f"The Hub does not pass these device parameters on: {', '.join(other)}. Only "
                "paradigmParameters.disableQubitRewiring is honoured (or pass disable_qubit_rewiring=True)."
            )
        if paradigm.get("disableQubitRewiring") is not None:
            from_parameters = bool(paradigm["disableQubitRewiring"])
    if disable_qubit_rewiring is None:
        return bool(from_parameters)
    if not isinstance(disable_qubit_rewiring, bool):
        raise TypeError(f"disable_qubit_rewiring must be True or False, got {disable_qubit_rewiring!r}")
    if from_parameters is not None and from_parameters != disable_qubit_rewiring:
        raise ValueError("disable_qubit_rewiring and device_parameters disagree on qubit rewiring")
    return disable_qubit_rewiring


def _hub_tags(tags: Any) -> list[str] | None:
    """Hub tags from Braket's ``{"key": "value"}`` tags (written ``key=value``) or a list of strings."""
    if tags is None:
        return None
    if isinstance(tags, Mapping):
        return [f"{key}={value}" for key, value in tags.items()]
    if isinstance(tags, Sequence) and not isinstance(tags, str) and all(isinstance(t, str) for t in tags):
        return list(tags)
    raise TypeError("tags must be a dict of strings (as for AwsDevice) or a list of strings")


def _seconds(option: str, value: Any, default: float) -> float:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError(f"{option} must be a positive number of seconds, got {value!r}")
    return float(value)
