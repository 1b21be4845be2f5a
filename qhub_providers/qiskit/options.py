"""Options of :class:`~qhub_providers.qiskit.SamplerV2` and :class:`~qhub_providers.qiskit.EstimatorV2`,
shaped like Qiskit Runtime's.

The groups and names are IBM Runtime's (``default_shots``, ``default_precision``, ``resilience_level``,
``dynamical_decoupling.enable``, ``twirling.enable_gates``, ``execution.rep_delay``,
``environment.job_tags`` ...), so code written for ``qiskit_ibm_runtime`` sets them unchanged. Every
assignment is checked as it happens: a name the group does not have (``resilence_level``) raises
:class:`UnknownOptionError` naming the closest known one, a value out of range or of the wrong kind raises
:class:`OptionValueError`. An option never assigned is :data:`Unset` and is not sent anywhere.

Where an option goes depends on the backend (see ``docs/guides/primitives.md``): IBM backends receive
every set option in the primitive's input, as Qiskit Runtime sends them; other backends apply what they
can (shots, precision, seeds, job tags) and warn, once per run, about the options they cannot apply.
"""

from __future__ import annotations

import copy
import difflib
import math
import numbers
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar, Final, TypeVar

__all__ = [
    "DynamicalDecouplingOptions",
    "EnvironmentOptions",
    "EstimatorExecutionOptions",
    "EstimatorOptions",
    "LayerNoiseLearningOptions",
    "MeasureNoiseLearningOptions",
    "OptionValueError",
    "PecOptions",
    "ResilienceOptions",
    "SamplerExecutionOptions",
    "SamplerOptions",
    "SimulatorOptions",
    "TwirlingOptions",
    "UnknownOptionError",
    "Unset",
    "ZneOptions",
]


class _UnsetType:
    """The value of an option nobody set (falsy; its own single instance)."""

    _instance: ClassVar[_UnsetType | None] = None

    def __new__(cls) -> _UnsetType:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "Unset"

    def __bool__(self) -> bool:
        return False

    def __copy__(self) -> _UnsetType:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> _UnsetType:
        return self


Unset: Final = _UnsetType()
"""An option that was not set: the service's (or the backend's) default applies."""


class OptionValueError(ValueError):
    """An option was given a value it cannot take; the message names the option and what it takes."""


class UnknownOptionError(OptionValueError, AttributeError):
    """An option name the group does not have (a typo, or an option of the other primitive)."""


Check = Callable[[Any, str], Any]
"""Checks one option's value (``path`` names it in errors) and returns it, possibly normalised."""


def _any(value: Any, path: str) -> Any:
    return value


def _bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise OptionValueError(f"{path} must be True or False, not {value!r}")
    return value


def _int(*, ge: int | None = None, le: int | None = None, auto: bool = False) -> Check:
    def check(value: Any, path: str) -> Any:
        if auto and value == "auto":
            return value
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            takes = "an integer" + (' or "auto"' if auto else "")
            raise OptionValueError(f"{path} must be {takes}, not {value!r}")
        number = int(value)
        if (ge is not None and number < ge) or (le is not None and number > le):
            bounds = " and ".join(
                part
                for part in (f">= {ge}" if ge is not None else "", f"<= {le}" if le is not None else "")
                if part
            )
            raise OptionValueError(f"{path} must be {bounds}, not {number}")
        return number

    return check


def _number(*, gt: float | None = None, ge: float | None = None, le: float | None = None) -> Check:
    def check(value: Any, path: str) -> float:
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(float(value)):
            raise OptionValueError(f"{path} must be a finite number, not {value!r}")
        number = float(value)
        if gt is not None and not number > gt:
            raise OptionValueError(f"{path} must be > {gt}, not {number}")
        if ge is not None and number < ge:
            raise OptionValueError(f"{path} must be >= {ge}, not {number}")
        if le is not None and number > le:
            raise OptionValueError(f"{path} must be <= {le}, not {number}")
        return number

    return check


def _choice(*allowed: str) -> Check:
    def check(value: Any, path: str) -> str:
        if value not in allowed:
            raise OptionValueError(f"{path} must be one of {', '.join(map(repr, allowed))}, not {value!r}")
        return str(value)

    return check


def _strings(value: Any, path: str) -> list[str]:
    if isinstance(value, str) or not all(isinstance(item, str) for item in _iterable(value, path)):
        raise OptionValueError(f"{path} must be a list of strings, not {value!r}")
    return list(value)


def _numbers(value: Any, path: str) -> list[float]:
    items = _iterable(value, path)
    return [_number()(item, f"{path}[{index}]") for index, item in enumerate(items)]


def _iterable(value: Any, path: str) -> list[Any]:
    try:
        return list(value)
    except TypeError:
        raise OptionValueError(f"{path} must be a list, not {value!r}") from None


def _mapping(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise OptionValueError(f"{path} must be a dict, not {value!r}")
    return dict(value)


class _Group:
    """A group of options: attributes checked on assignment, :data:`Unset` until set.

    Subclasses list their options in ``_checks`` (name to check) and their subgroups in ``_groups``
    (name to group class); ``_aliases`` maps a shorthand name to the dotted path it sets.
    """

    _checks: ClassVar[dict[str, Check]] = {}
    _groups: ClassVar[dict[str, type[_Group]]] = {}
    _aliases: ClassVar[dict[str, str]] = {}
    _path: ClassVar[str] = ""

    def __init__(self, **values: Any) -> None:
        for name in self._checks:
            object.__setattr__(self, name, Unset)
        for name, group in self._groups.items():
            object.__setattr__(self, name, group())
        self.update(**values)

    # -- names ------------------------------------------------------------------------------------

    @classmethod
    def option_names(cls) -> list[str]:
        """The names this group takes (options, subgroups and shorthands)."""
        return [*cls._checks, *cls._groups, *cls._aliases]

    def _where(self, name: str) -> str:
        return f"{self._path}.{name}" if self._path else name

    def _unknown(self, name: str) -> UnknownOptionError:
        known = self.option_names()
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        owner = type(self).__name__
        return UnknownOptionError(f"{owner} has no option {name!r}{hint} (it has {', '.join(sorted(known))})")

    # -- setting ----------------------------------------------------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._aliases:
            group, _, leaf = self._aliases[name].rpartition(".")
            setattr(getattr(self, group) if group else self, leaf, value)
        elif name in self._checks:
            # None is how IBM Runtime spells some defaults (job_tags=None): it means "not set".
            checked = (
                Unset if value is None or value is Unset else self._checks[name](value, self._where(name))
            )
            object.__setattr__(self, name, checked)
        elif name in self._groups:
            object.__setattr__(self, name, self._group_value(name, value))
        else:
            raise self._unknown(name)

    def __getattr__(self, name: str) -> Any:
        # Only reached for names not set in __init__: shorthands, and typos.
        if name.startswith("__"):
            raise AttributeError(name)
        aliases = type(self)._aliases
        if name in aliases:
            value: Any = self
            for part in aliases[name].split("."):
                value = getattr(value, part)
            return value
        raise self._unknown(name)

    def __delattr__(self, name: str) -> None:
        setattr(self, name, Unset)

    def _group_value(self, name: str, value: Any) -> _Group:
        kind = self._groups[name]
        if isinstance(value, kind):
            return copy.deepcopy(value)
        if isinstance(value, Mapping):
            return kind(**dict(value))
        raise OptionValueError(f"{self._where(name)} must be a {kind.__name__} or a dict, not {value!r}")

    def update(self, **values: Any) -> None:
        """Set several options at once; dicts update subgroups key by key (as IBM Runtime's do)."""
        for name, value in values.items():
            if name in self._groups and isinstance(value, Mapping):
                getattr(self, name).update(**dict(value))
            else:
                setattr(self, name, value)

    # -- reading ----------------------------------------------------------------------------------

    def items(self) -> Iterator[tuple[str, Any]]:
        """``(name, value)`` of every option and subgroup, in declaration order."""
        for name in (*self._checks, *self._groups):
            yield name, getattr(self, name)

    def set_options(self) -> dict[str, Any]:
        """The options that were set, as a nested dict (subgroups with nothing set left out)."""
        out: dict[str, Any] = {}
        for name, value in self.items():
            if isinstance(value, _Group):
                nested = value.set_options()
                if nested:
                    out[name] = nested
            elif value is not Unset:
                out[name] = copy.deepcopy(value)
        return out

    def set_paths(self) -> dict[str, Any]:
        """The options that were set, by dotted path (``"dynamical_decoupling.enable": True``)."""
        flat: dict[str, Any] = {}

        def walk(prefix: str, values: Mapping[str, Any]) -> None:
            for key, value in values.items():
                path = f"{prefix}{key}"
                if isinstance(value, dict) and key in _ALL_GROUP_NAMES:
                    walk(f"{path}.", value)
                else:
                    flat[path] = value

        walk("", self.set_options())
        return flat

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, _Group)
            and type(other) is type(self)
            and dict(self.items()) == dict(other.items())
        )

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in self.items())
        return f"{type(self).__name__}({shown})"


def _grouped(path: str) -> Callable[[type[_Group]], type[_Group]]:
    """Give a group class the dotted path its options are named by in messages."""

    def name(cls: type[_Group]) -> type[_Group]:
        cls._path = path
        return cls

    return name


# ------------------------------------------------------------------------------------------- groups


@_grouped("dynamical_decoupling")
class DynamicalDecouplingOptions(_Group):
    """Dynamical decoupling (IBM backends): ``enable``, ``sequence_type`` (``XX``, ``XpXm``, ``XY4``),
    ``extra_slack_distribution`` (``middle``, ``edges``), ``scheduling_method`` (``alap``, ``asap``),
    ``skip_reset_qubits``."""

    _checks: ClassVar[dict[str, Check]] = {
        "enable": _bool,
        "sequence_type": _choice("XX", "XpXm", "XY4"),
        "extra_slack_distribution": _choice("middle", "edges"),
        "scheduling_method": _choice("alap", "asap"),
        "skip_reset_qubits": _bool,
    }


@_grouped("twirling")
class TwirlingOptions(_Group):
    """Pauli twirling (IBM backends): ``enable_gates``, ``enable_measure``, ``num_randomizations`` and
    ``shots_per_randomization`` (integers or ``"auto"``), ``strategy``."""

    _checks: ClassVar[dict[str, Check]] = {
        "enable_gates": _bool,
        "enable_measure": _bool,
        "num_randomizations": _int(ge=1, auto=True),
        "shots_per_randomization": _int(ge=1, auto=True),
        "strategy": _choice("active", "active-accum", "active-circuit", "all"),
    }


@_grouped("execution")
class SamplerExecutionOptions(_Group):
    """Execution (IBM backends): ``init_qubits``, ``rep_delay`` (seconds), ``meas_type``
    (``classified``, ``kerneled``, ``avg_kerneled``)."""

    _checks: ClassVar[dict[str, Check]] = {
        "init_qubits": _bool,
        "rep_delay": _number(ge=0),
        "meas_type": _choice("classified", "kerneled", "avg_kerneled"),
    }


@_grouped("execution")
class EstimatorExecutionOptions(_Group):
    """Execution (IBM backends): ``init_qubits``, ``rep_delay`` (seconds)."""

    _checks: ClassVar[dict[str, Check]] = {"init_qubits": _bool, "rep_delay": _number(ge=0)}


@_grouped("environment")
class EnvironmentOptions(_Group):
    """The job's environment: ``job_tags`` (become the Hub job's tags on every backend), ``log_level``
    and ``private`` (IBM backends)."""

    _checks: ClassVar[dict[str, Check]] = {
        "log_level": _choice("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"),
        "job_tags": _strings,
        "private": _bool,
    }


@_grouped("simulator")
class SimulatorOptions(_Group):
    """Simulation: ``seed_simulator`` (every simulator, and the local Hub's noisy QPUs); ``noise_model``,
    ``coupling_map``, ``basis_gates`` (IBM simulators)."""

    _checks: ClassVar[dict[str, Check]] = {
        "noise_model": _any,
        "seed_simulator": _int(),
        "coupling_map": _any,
        "basis_gates": _strings,
    }


@_grouped("resilience.measure_noise_learning")
class MeasureNoiseLearningOptions(_Group):
    """Learning of readout noise (IBM): ``num_randomizations``, ``shots_per_randomization``."""

    _checks: ClassVar[dict[str, Check]] = {
        "num_randomizations": _int(ge=1),
        "shots_per_randomization": _int(ge=1, auto=True),
    }


@_grouped("resilience.zne")
class ZneOptions(_Group):
    """Zero-noise extrapolation (IBM): ``noise_factors``, ``extrapolator``, ``amplifier``,
    ``extrapolated_noise_factors``."""

    _checks: ClassVar[dict[str, Check]] = {
        "noise_factors": _numbers,
        "extrapolator": _any,
        "amplifier": _choice("gate_folding", "gate_folding_front", "gate_folding_back", "pea"),
        "extrapolated_noise_factors": _numbers,
    }


@_grouped("resilience.pec")
class PecOptions(_Group):
    """Probabilistic error cancellation (IBM): ``max_overhead``, ``noise_gain``."""

    _checks: ClassVar[dict[str, Check]] = {
        "max_overhead": _number(gt=0),
        "noise_gain": _any,
    }


@_grouped("resilience.layer_noise_learning")
class LayerNoiseLearningOptions(_Group):
    """Learning of gate-layer noise (IBM): ``max_layers_to_learn``, ``shots_per_randomization``,
    ``num_randomizations``, ``layer_pair_depths``."""

    _checks: ClassVar[dict[str, Check]] = {
        "max_layers_to_learn": _int(ge=0),
        "shots_per_randomization": _int(ge=1),
        "num_randomizations": _int(ge=1),
        "layer_pair_depths": _any,
    }


@_grouped("resilience")
class ResilienceOptions(_Group):
    """Error mitigation (IBM backends): ``measure_mitigation``, ``zne_mitigation``, ``pec_mitigation``
    and their settings in ``measure_noise_learning``, ``zne``, ``pec``, ``layer_noise_learning``."""

    _checks: ClassVar[dict[str, Check]] = {
        "measure_mitigation": _bool,
        "zne_mitigation": _bool,
        "pec_mitigation": _bool,
        "layer_noise_model": _any,
    }
    _groups: ClassVar[dict[str, type[_Group]]] = {
        "measure_noise_learning": MeasureNoiseLearningOptions,
        "zne": ZneOptions,
        "pec": PecOptions,
        "layer_noise_learning": LayerNoiseLearningOptions,
    }


_ALL_GROUP_NAMES = frozenset(
    {
        "dynamical_decoupling",
        "twirling",
        "execution",
        "environment",
        "simulator",
        "resilience",
        "measure_noise_learning",
        "zne",
        "pec",
        "layer_noise_learning",
    }
)


# ----------------------------------------------------------------------------------- the primitives


class _PrimitiveOptions(_Group):
    """What both primitives' options share."""

    _common_checks: ClassVar[dict[str, Check]] = {
        "max_execution_time": _int(ge=1),
        "experimental": _mapping,
        "run_options": _mapping,
    }

    def seed(self) -> int | None:
        """The simulation seed, if one was set."""
        value = self.simulator.seed_simulator
        return None if value is Unset else int(value)

    def job_fields(self) -> dict[str, Any]:
        """``tags`` and ``job_name`` for the Hub jobs: ``environment.job_tags`` and ``run_options``."""
        run_options = dict(self.run_options or {})
        tags = list(self.environment.job_tags or []) + list(run_options.get("tags") or [])
        fields: dict[str, Any] = {}
        if tags:
            fields["tags"] = list(dict.fromkeys(tags))
        if run_options.get("job_name") is not None:
            fields["job_name"] = run_options["job_name"]
        return fields


class SamplerOptions(_PrimitiveOptions):
    """Options of :class:`~qhub_providers.qiskit.SamplerV2` (IBM Runtime's ``SamplerOptions`` shape).

    Attributes:
        default_shots: Shots per PUB when neither the PUB nor ``run`` names any. Unset: 4096 on IBM
            backends (Qiskit Runtime's default), 1024 elsewhere (``BackendSamplerV2``'s).
        max_execution_time: IBM backends: the most seconds of execution the job may use.
        dynamical_decoupling, twirling, execution: IBM backends (see their classes).
        environment: ``job_tags`` on every backend; ``log_level``, ``private`` on IBM.
        simulator: ``seed_simulator`` on every backend that simulates; the rest on IBM.
        experimental: IBM backends: passed through as Qiskit Runtime does.
        seed_simulator: Shorthand for ``simulator.seed_simulator``.
        run_options: This package's own: ``tags`` and ``job_name`` for the Hub jobs; on IBM
            ``max_execution_time``, ``log_level`` and ``runtime_options`` (merged into the primitive's
            options); elsewhere the backend's ``run`` options (e.g. ``verbatim``).
    """

    _checks: ClassVar[dict[str, Check]] = {
        "default_shots": _int(ge=1),
        **_PrimitiveOptions._common_checks,
    }
    _groups: ClassVar[dict[str, type[_Group]]] = {
        "dynamical_decoupling": DynamicalDecouplingOptions,
        "execution": SamplerExecutionOptions,
        "twirling": TwirlingOptions,
        "environment": EnvironmentOptions,
        "simulator": SimulatorOptions,
    }
    _aliases: ClassVar[dict[str, str]] = {"seed_simulator": "simulator.seed_simulator"}


class EstimatorOptions(_PrimitiveOptions):
    """Options of :class:`~qhub_providers.qiskit.EstimatorV2` (IBM Runtime's ``EstimatorOptions`` shape).

    Attributes:
        default_precision: Target standard error of each expectation value when neither the PUB nor
            ``run`` names one. Unset: 1/64 (Qiskit's default); elsewhere than IBM it sets
            ``ceil(1/precision²)`` shots per circuit.
        default_shots: Shots per circuit; when set, it overrides ``default_precision`` (as on IBM).
        resilience_level: IBM backends: 0 (none), 1 (readout mitigation, the service's default) or 2
            (adds zero-noise extrapolation). Elsewhere only 0 can be applied.
        seed_estimator: Seed of the estimate (IBM simulators; elsewhere the seed of the simulation).
        resilience, dynamical_decoupling, twirling, execution: IBM backends (see their classes).
        environment, simulator, experimental, max_execution_time, seed_simulator, run_options: as for
            :class:`SamplerOptions`.
        abelian_grouping: This package's own, non-IBM backends: measure commuting Pauli terms together
            (as ``BackendEstimatorV2``); default True.
    """

    _checks: ClassVar[dict[str, Check]] = {
        "default_precision": _number(gt=0),
        "default_shots": _int(ge=1),
        "resilience_level": _int(ge=0, le=2),
        "seed_estimator": _int(),
        "abelian_grouping": _bool,
        **_PrimitiveOptions._common_checks,
    }
    _groups: ClassVar[dict[str, type[_Group]]] = {
        "dynamical_decoupling": DynamicalDecouplingOptions,
        "resilience": ResilienceOptions,
        "execution": EstimatorExecutionOptions,
        "twirling": TwirlingOptions,
        "environment": EnvironmentOptions,
        "simulator": SimulatorOptions,
    }
    _aliases: ClassVar[dict[str, str]] = {"seed_simulator": "simulator.seed_simulator"}

    def seed(self) -> int | None:
        """The seed: ``seed_estimator``, else ``simulator.seed_simulator``."""
        if self.seed_estimator is not Unset:
            return int(self.seed_estimator)
        return super().seed()


# The keys of an IBM primitive's "options" (the rest goes elsewhere in the job, or is this package's own).
RUNTIME_OPTION_KEYS: Final = (
    "default_precision",
    "default_shots",
    "seed_estimator",
    "dynamical_decoupling",
    "resilience",
    "twirling",
    "simulator",
    "execution",
)


def runtime_options(options: SamplerOptions | EstimatorOptions) -> dict[str, Any]:
    """The set options as an IBM primitive's ``options`` object: IBM Runtime's keys, then the
    ``experimental`` ones merged in (their own keys kept under ``experimental``)."""
    given = options.set_options()
    out: dict[str, Any] = {key: given[key] for key in RUNTIME_OPTION_KEYS if key in given}
    experimental = dict(given.get("experimental") or {})
    experimental.pop("image", None)
    extra = {key: experimental.pop(key) for key in list(experimental) if key not in out}
    for key, value in experimental.items():
        out[key] = (
            _merge(out[key], value) if isinstance(out[key], dict) and isinstance(value, dict) else value
        )
    if extra:
        out["experimental"] = extra
    return out


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        merged[key] = (
            _merge(merged[key], value)
            if isinstance(merged.get(key), dict) and isinstance(value, dict)
            else value
        )
    return merged


OptionsT = TypeVar("OptionsT", SamplerOptions, EstimatorOptions)


def options_from(kind: type[OptionsT], options: Any) -> OptionsT:
    """Options of ``kind`` from ``None``, an instance (copied) or a dict (nested dicts for groups)."""
    if options is None:
        return kind()
    if isinstance(options, kind):
        return copy.deepcopy(options)
    if isinstance(options, Mapping):
        return kind(**dict(options))
    raise TypeError(f"options must be a {kind.__name__} or a dict, not {type(options).__name__}")
