"""The rules a QuEra device advertises for analog Hamiltonian simulation programs.

Braket's local Rydberg simulator only warns when a program leaves the ranges of a real device; the
device refuses it. The ranges and rules come from the device's own capabilities
(``paradigm.lattice`` and ``paradigm.rydberg`` of ``backends/{id}/config``), so a catalog recorded
from a real account is judged by that account's figures. A spec without those capabilities (a runner
test's made-up device) is judged by the simulator alone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from itertools import combinations, pairwise
from typing import Any

from qhub_providers.emulator.runners.base import InvalidJobInput

__all__ = ["check_ahs_device_rules"]

# Figures are written in SI units with limited precision: compare with a relative margin.
_TOLERANCE = 1e-9


def _within(value: float, bounds: Sequence[Any], what: str, device: str) -> None:
    low, high = float(bounds[0]), float(bounds[1])
    margin = _TOLERANCE * max(abs(low), abs(high), 1.0)
    if not low - margin <= value <= high + margin:
        raise InvalidJobInput(f"{what} is {value:g}, outside the range [{low:g}, {high:g}] of {device}.")


def _series(field: Any) -> tuple[list[float], list[float]]:
    series = field.time_series
    return [float(t) for t in series.times], [float(v) for v in series.values]


def _check_series(
    times: list[float],
    values: list[float],
    *,
    name: str,
    device: str,
    value_range: Sequence[Any] | None,
    slew_max: Any,
    time_max: Any,
    delta_min: Any,
    zero_ends: bool,
    zero_start: bool = False,
) -> None:
    if value_range is not None:
        for value in values:
            _within(value, value_range, f"A value of the {name}", device)
    if time_max is not None and times and times[-1] > float(time_max) * (1 + _TOLERANCE):
        raise InvalidJobInput(
            f"The {name} lasts {times[-1]:g} s, longer than the {float(time_max):g} s {device} allows."
        )
    if delta_min is not None:
        for earlier, later in pairwise(times):
            if later - earlier < float(delta_min) * (1 - 1e-6):
                raise InvalidJobInput(
                    f"The {name} has time points {earlier:g} s and {later:g} s closer than the "
                    f"{float(delta_min):g} s {device} allows."
                )
    if slew_max is not None:
        for (t0, v0), (t1, v1) in pairwise(zip(times, values, strict=True)):
            if t1 > t0 and abs(v1 - v0) / (t1 - t0) > float(slew_max) * (1 + 1e-6):
                raise InvalidJobInput(
                    f"The {name} changes by {abs(v1 - v0) / (t1 - t0):g} per second between {t0:g} s and "
                    f"{t1:g} s, faster than the {float(slew_max):g} {device} allows."
                )
    if (zero_ends or zero_start) and values and values[0] != 0.0:
        raise InvalidJobInput(f"The {name} must start at 0 on {device}; it starts at {values[0]:g}.")
    if zero_ends and values and values[-1] != 0.0:
        raise InvalidJobInput(f"The {name} must end at 0 on {device}; it ends at {values[-1]:g}.")


def check_ahs_device_rules(spec: Any, program: Any) -> None:
    """Refuse (422) what ``spec``'s advertised AHS capabilities do not allow."""
    config = spec.native_config if isinstance(spec.native_config, Mapping) else {}
    paradigm = config.get("paradigm") or {}
    lattice, rydberg = paradigm.get("lattice"), paradigm.get("rydberg")
    if not isinstance(lattice, Mapping) or not isinstance(rydberg, Mapping):
        return
    device = spec.id
    _check_register(program.setup.ahs_register, lattice, device)
    glob = rydberg.get("rydbergGlobal") or {}
    local = rydberg.get("rydbergLocal") or {}
    for driving in program.hamiltonian.drivingFields:
        common = {"device": device, "time_max": glob.get("timeMax"), "delta_min": glob.get("timeDeltaMin")}
        times, values = _series(driving.amplitude)
        _check_series(
            times,
            values,
            name="driving amplitude",
            value_range=glob.get("rabiFrequencyRange"),
            slew_max=glob.get("rabiFrequencySlewRateMax"),
            zero_ends=True,
            **common,
        )
        times, values = _series(driving.detuning)
        _check_series(
            times,
            values,
            name="global detuning",
            value_range=glob.get("detuningRange"),
            slew_max=glob.get("detuningSlewRateMax"),
            zero_ends=False,
            **common,
        )
        times, values = _series(driving.phase)
        _check_series(
            times,
            values,
            name="driving phase",
            value_range=glob.get("phaseRange"),
            slew_max=None,
            zero_ends=False,
            zero_start=True,
            **common,
        )
    for shift in program.hamiltonian.localDetuning:
        if not local:
            raise InvalidJobInput(f"{device} does not offer local detuning.")
        times, values = _series(shift.magnitude)
        _check_series(
            times,
            values,
            name="local detuning",
            device=device,
            value_range=local.get("detuningRange"),
            slew_max=local.get("detuningSlewRateMax"),
            time_max=glob.get("timeMax"),
            delta_min=local.get("timeDeltaMin"),
            zero_ends=True,
        )
        raw_pattern = shift.magnitude.pattern
        # A named pattern ("uniform") is Braket's validators' to refuse for a local detuning.
        pattern = [] if isinstance(raw_pattern, str) else [float(c) for c in raw_pattern]
        for coefficient in pattern:
            _within(
                coefficient,
                local.get("siteCoefficientRange", [0, 1]),
                "A local detuning site coefficient",
                device,
            )
        most = local.get("numberLocalDetuningSitesMax")
        used = sum(1 for c in pattern if c != 0.0)
        if most is not None and used > int(most):
            raise InvalidJobInput(
                f"The local detuning acts on {used} sites; {device} allows at most {int(most)}."
            )


def _check_register(register: Any, lattice: Mapping[str, Any], device: str) -> None:
    sites = [(float(x), float(y)) for x, y in register.sites]
    geometry = lattice.get("geometry") or {}
    area = lattice.get("area") or {}
    most = geometry.get("numberSitesMax")
    if most is not None and len(sites) > int(most):
        raise InvalidJobInput(f"The register has {len(sites)} sites; {device} allows at most {int(most)}.")
    if sites and area:
        width = max(x for x, _ in sites) - min(x for x, _ in sites)
        height = max(y for _, y in sites) - min(y for _, y in sites)
        if width > float(area.get("width", math.inf)) * (1 + _TOLERANCE) or height > float(
            area.get("height", math.inf)
        ) * (1 + _TOLERANCE):
            raise InvalidJobInput(
                f"The register spans {width:g} m x {height:g} m, more than the {area.get('width')} m x "
                f"{area.get('height')} m area of {device}."
            )
    radial = geometry.get("spacingRadialMin")
    if radial is not None:
        for (x0, y0), (x1, y1) in combinations(sites, 2):
            distance = math.hypot(x1 - x0, y1 - y0)
            if distance < float(radial) * (1 - 1e-6):
                raise InvalidJobInput(
                    f"Sites ({x0:g}, {y0:g}) and ({x1:g}, {y1:g}) are {distance:g} m apart, closer than the "
                    f"{float(radial):g} m {device} allows."
                )
