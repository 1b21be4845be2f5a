"""Aer noise models from a backend's gate-based calibration (``qhub_providers/api/models/calibration.py``).

A QPU of the local Hub is simulated with the noise its current calibration describes: every gate
error becomes a depolarising channel on that gate, every readout error a classical bit-flip on
measurement. Building a model for a large device takes a while, so models are cached per backend
and calibration instant.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from qiskit.circuit.library import get_standard_gate_name_mapping
from qiskit_aer.noise import NoiseModel, ReadoutError, depolarizing_error

if TYPE_CHECKING:
    from qhub_providers.emulator.catalog.spec import BackendSpec

__all__ = ["clear_noise_cache", "noise_model"]

ONE_QUBIT_KEY = "one_qubit"
"""Calibration key that stands for every one-qubit basis gate."""
TWO_QUBIT_KEY = "two_qubit"
"""Calibration key that stands for every two-qubit basis gate."""

_CACHE_SIZE = 64
_cache: OrderedDict[tuple[str, str], NoiseModel | None] = OrderedDict()
_cache_lock = threading.Lock()

# Instructions that are never gates, even when a catalog lists them among the basis gates.
_NOT_GATES = frozenset({"measure", "reset", "barrier", "delay", "id"})


def noise_model(spec: BackendSpec, calibration: Mapping[str, Any] | None) -> NoiseModel | None:
    """The Aer noise model of ``spec`` under ``calibration``, or ``None`` when the run is ideal.

    ``calibration`` is a ``CalibrationResponse`` JSON (``{"backend_id", "calibrated_at",
    "calibration": {...}}``) or its inner gate-based calibration. Simulators, missing calibrations,
    non-gate-based calibrations and calibrations without any usable error give ``None``. Models are
    cached per ``(spec.id, calibrated_at)``; a calibration without ``calibrated_at`` is not cached.
    """
    if spec.is_simulator or not calibration:
        return None
    body = calibration.get("calibration", calibration)
    if not isinstance(body, Mapping) or body.get("type", "gate_based") != "gate_based":
        return None
    calibrated_at = calibration.get("calibrated_at")
    key = (spec.id, str(calibrated_at)) if calibrated_at is not None else None
    if key is not None:
        with _cache_lock:
            if key in _cache:
                _cache.move_to_end(key)
                return _cache[key]
    model = _build(spec, body)
    if key is not None:
        with _cache_lock:
            _cache[key] = model
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    return model


def clear_noise_cache() -> None:
    """Forget every cached noise model (tests and calibration edits use it)."""
    with _cache_lock:
        _cache.clear()


def _build(spec: BackendSpec, calibration: Mapping[str, Any]) -> NoiseModel | None:
    one_qubit, two_qubit = _basis_by_width(spec.basis_gates)
    medians = _mapping(calibration.get("medians"))
    median_gates = _mapping(medians.get("gates"))
    # Naming the noisy gates as the model's basis keeps Aer from warning about errors on "non-basis"
    # gates; with none (a readout-only calibration) Aer's default basis avoids an empty one.
    model = NoiseModel(basis_gates=sorted(one_qubit | two_qubit) or None)
    added = False

    for entry in _entries(calibration.get("qubits")):
        qubit = entry.get("qubit")
        if not _is_index(qubit, spec.num_qubits) or entry.get("operational") is False:
            continue
        layers = (median_gates, _mapping(entry.get("gates")))
        for gate, error in _gate_errors(layers, ONE_QUBIT_KEY, one_qubit):
            model.add_quantum_error(depolarizing_error(_depolarizing(error, 1), 1), gate, [qubit])
            added = True
        readout = _readout_error(entry, medians)
        if readout is not None:
            model.add_readout_error(readout, [qubit])
            added = True

    for entry in _entries(calibration.get("qubit_pairs")):
        pair = entry.get("qubits")
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(_is_index(q, spec.num_qubits) for q in pair)
            or pair[0] == pair[1]
            or entry.get("operational") is False
        ):
            continue
        layers = (median_gates, _mapping(entry.get("gates")))
        for gate, error in _gate_errors(layers, TWO_QUBIT_KEY, two_qubit):
            channel = depolarizing_error(_depolarizing(error, 2), 2)
            # Pairs are listed ascending; a directed gate may run either way, and a two-qubit
            # depolarising channel is symmetric, so both orders get it.
            model.add_quantum_error(channel, gate, [pair[0], pair[1]])
            model.add_quantum_error(channel, gate, [pair[1], pair[0]])
            added = True
    return model if added else None


def _basis_by_width(basis_gates: Iterable[str]) -> tuple[frozenset[str], frozenset[str]]:
    """Split the backend's basis gates into one- and two-qubit gates by their Qiskit definition."""
    standard = get_standard_gate_name_mapping()
    one, two = set(), set()
    for name in basis_gates:
        gate = standard.get(name)
        if gate is None or name in _NOT_GATES:
            continue
        if gate.num_qubits == 1:
            one.add(name)
        elif gate.num_qubits == 2:
            two.add(name)
    return frozenset(one), frozenset(two)


def _gate_errors(
    layers: Iterable[Mapping[str, Any]], generic_key: str, basis: frozenset[str]
) -> list[tuple[str, float]]:
    """``(gate name, error)`` for every basis gate with an operational calibration.

    ``layers`` go from the least to the most specific (medians, then the qubit's own data). Within a
    layer the generic key (``one_qubit`` / ``two_qubit``) applies to every basis gate of that width
    and a gate calibrated by name overrides it; a non-operational entry removes the error.
    """
    errors: dict[str, float] = {}
    for gates in layers:
        for name in (generic_key, *sorted(basis)):
            calibration = gates.get(name)
            if not isinstance(calibration, Mapping):
                continue
            targets = basis if name == generic_key else frozenset({name})
            error = _gate_error(calibration)
            for target in targets:
                if error is not None:
                    errors[target] = error
                elif calibration.get("operational") is False:
                    errors.pop(target, None)
    return sorted((name, error) for name, error in errors.items() if error > 0)


def _gate_error(calibration: Any) -> float | None:
    if not isinstance(calibration, Mapping) or calibration.get("operational") is False:
        return None
    return _fraction(calibration.get("error"))


def _depolarizing(gate_error: float, num_qubits: int) -> float:
    """The depolarising parameter whose average gate infidelity is ``gate_error``.

    For ``E(rho) = (1 - p) rho + p I/d`` the average infidelity is ``p (d - 1) / d``.
    """
    dim = 1 << num_qubits
    return min(gate_error * dim / (dim - 1), 1.0)


def _readout_error(qubit: Mapping[str, Any], medians: Mapping[str, Any]) -> ReadoutError | None:
    """Asymmetric flips when both conditional probabilities are known, else a symmetric flip."""
    flip_up = _fraction(qubit.get("prob_meas1_prep0"))
    flip_down = _fraction(qubit.get("prob_meas0_prep1"))
    if flip_up is None or flip_down is None:
        symmetric = _fraction(qubit.get("readout_error"))
        if symmetric is None:
            symmetric = _fraction(medians.get("readout_error"))
        if symmetric is None:
            return None
        flip_up = flip_up if flip_up is not None else symmetric
        flip_down = flip_down if flip_down is not None else symmetric
    if flip_up == 0 and flip_down == 0:
        return None
    return ReadoutError([[1 - flip_up, flip_up], [flip_down, 1 - flip_down]])


def _fraction(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return min(max(float(value), 0.0), 1.0)


def _is_index(value: Any, num_qubits: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < num_qubits


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _entries(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []
