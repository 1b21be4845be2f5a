"""Primitive options in Qiskit Runtime's shape: checked on every assignment, applied where the backend can,
sent to IBM in the primitive's input, and shots split so that default primitives run on every backend."""

from __future__ import annotations

import math
import time
import warnings
from typing import Any

import pytest
from qiskit import QuantumCircuit
from qiskit.providers import JobStatus
from qiskit.quantum_info import SparsePauliOp

from qhub_providers.api import HubQuantumClient
from qhub_providers.formats import runtime_json
from qhub_providers.qiskit import EstimatorV2, HubQiskitProvider, SamplerV2
from qhub_providers.qiskit.options import (
    EstimatorOptions,
    OptionValueError,
    SamplerOptions,
    UnknownOptionError,
    Unset,
)

from .support import IBM, SEED, fit


def _bell(measure: bool = True) -> QuantumCircuit:
    circuit = QuantumCircuit(2, 2 if measure else 0)
    circuit.h(0)
    circuit.cx(0, 1)
    if measure:
        circuit.measure([0, 1], [0, 1])
    return circuit


def _stored_input(client: HubQuantumClient, job_id: str) -> dict[str, Any]:
    document = runtime_json.parse_document(client.jobs.get_job_input(job_id), "input")
    assert isinstance(document, dict)
    return document


# --- the options objects ---------------------------------------------------------------------------------


def test_a_typo_is_refused_naming_the_option_meant() -> None:
    options = EstimatorOptions()
    with pytest.raises(UnknownOptionError, match="did you mean 'resilience_level'"):
        options.resilence_level = 1
    with pytest.raises(AttributeError):  # what code written for attribute typos catches
        options.dynamical_decoupling.enabel = True
    with pytest.raises(UnknownOptionError, match="resilience_level"):
        SamplerOptions(resilience_level=1)  # an estimator option


@pytest.mark.parametrize(
    ("path", "value", "fragment"),
    [
        ("resilience_level", 3, "<= 2"),
        ("default_shots", 0, ">= 1"),
        ("default_precision", -0.1, "> 0"),
        ("dynamical_decoupling.sequence_type", "ZZ", "'XX', 'XpXm', 'XY4'"),
        ("twirling.num_randomizations", "many", '"auto"'),
        ("environment.job_tags", "one-tag", "list of strings"),
        ("max_execution_time", 1.5, "integer"),
    ],
)
def test_a_value_out_of_range_is_refused(path: str, value: Any, fragment: str) -> None:
    options = EstimatorOptions()
    *groups, leaf = path.split(".")
    owner = options
    for group in groups:
        owner = getattr(owner, group)
    with pytest.raises(OptionValueError, match=fragment):
        setattr(owner, leaf, value)


def test_options_take_ibm_runtimes_shape_and_record_only_what_was_set() -> None:
    options = EstimatorOptions(default_shots=5000, dynamical_decoupling={"enable": True})
    options.resilience_level = 1
    options.resilience.zne_mitigation = True
    options.resilience.zne.noise_factors = (1, 3, 5)
    options.twirling.enable_gates = True
    options.seed_simulator = 7  # shorthand
    assert options.simulator.seed_simulator == 7
    assert options.default_precision is Unset
    assert options.set_options() == {
        "default_shots": 5000,
        "resilience_level": 1,
        "dynamical_decoupling": {"enable": True},
        "resilience": {"zne_mitigation": True, "zne": {"noise_factors": [1.0, 3.0, 5.0]}},
        "twirling": {"enable_gates": True},
        "simulator": {"seed_simulator": 7},
    }
    options.update(dynamical_decoupling={"sequence_type": "XY4"})
    assert options.dynamical_decoupling.enable is True
    assert options.dynamical_decoupling.sequence_type == "XY4"


def test_qiskit_runtimes_own_options_are_accepted_as_they_are() -> None:
    from qiskit_ibm_runtime.options import EstimatorOptions as RuntimeEstimatorOptions  # type: ignore[import-untyped]

    theirs = RuntimeEstimatorOptions()
    theirs.default_shots = 2000
    theirs.resilience_level = 2
    theirs.dynamical_decoupling.enable = True
    theirs.twirling.strategy = "all"
    given = {
        key: value for key, value in _runtime_dict(theirs).items() if key in EstimatorOptions.option_names()
    }
    ours = EstimatorOptions(**given)
    assert ours.set_options() == {
        "default_shots": 2000,
        "resilience_level": 2,
        "dynamical_decoupling": {"enable": True},
        "twirling": {"strategy": "all"},
        "environment": {"log_level": "WARNING", "private": False},  # IBM Runtime's own defaults
    }


def _runtime_dict(options: Any) -> dict[str, Any]:
    """IBM Runtime's options as a nested dict without its unset values."""
    from dataclasses import asdict

    from qiskit_ibm_runtime.options.utils import (  # type: ignore[import-untyped]
        remove_dict_unset_values,
        remove_empty_dict,
    )

    values = asdict(options)
    remove_dict_unset_values(values)
    remove_empty_dict(values)
    return {key: value for key, value in values.items() if not key.startswith("_")}


# --- applied on non-IBM backends ----------------------------------------------------------------------------


def test_estimator_default_shots_sets_the_shots_on_a_non_ibm_backend(provider: HubQiskitProvider) -> None:
    backend = provider.get_backend("aws.sim.sv1")
    estimator = EstimatorV2(mode=backend, options={"seed_simulator": SEED})
    estimator.options.default_shots = 5000
    isa = fit(_bell(measure=False), backend)
    job = estimator.run([(isa, SparsePauliOp("ZZ").apply_layout(isa.layout))])
    (result,) = job.result(timeout=120)
    assert result.data.evs == pytest.approx(1.0)
    assert [hub.record().shots for hub in job.hub_jobs()] == [5000]
    assert result.metadata["target_precision"] == pytest.approx(1 / math.sqrt(5000))


def test_options_a_non_ibm_backend_cannot_apply_are_named_in_a_warning(provider: HubQiskitProvider) -> None:
    backend = provider.get_backend("aws.sim.sv1")
    estimator = EstimatorV2(mode=backend)
    estimator.options.dynamical_decoupling.enable = True
    estimator.options.resilience_level = 0  # "off": nothing to apply, nothing to warn about
    estimator.options.default_shots = 100
    isa = fit(_bell(measure=False), backend)
    with pytest.warns(UserWarning, match=r"dynamical_decoupling\.enable have no effect on aws\.sim\.sv1"):
        job = estimator.run([(isa, SparsePauliOp("ZZ").apply_layout(isa.layout))])
    job.result(timeout=120)
    estimator.options.dynamical_decoupling.enable = Unset
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        estimator.run([(isa, SparsePauliOp("ZZ").apply_layout(isa.layout))]).result(timeout=120)


def test_job_tags_become_the_hub_jobs_tags(provider: HubQiskitProvider) -> None:
    backend = provider.get_backend("kipu.sim.qsim")
    sampler = SamplerV2(mode=backend, options={"environment": {"job_tags": ["vqe", "step-3"]}})
    job = sampler.run([fit(_bell(), backend)], shots=20)
    job.result(timeout=120)
    assert all(set(hub.tags) >= {"vqe", "step-3"} for hub in job.hub_jobs())


# --- shots split where a backend takes fewer per job --------------------------------------------------------


def test_default_estimator_runs_on_a_backend_with_few_shots_per_job(provider: HubQiskitProvider) -> None:
    backend = provider.get_backend("aqt.sim.ideal")  # at most 2000 shots a job; 1/64 needs 4096
    assert backend.shots_range[1] < 4096
    isa = fit(_bell(measure=False), backend)
    job = EstimatorV2(mode=backend, options={"seed_simulator": SEED}).run(
        [(isa, [SparsePauliOp(label).apply_layout(isa.layout) for label in ("ZZ", "XX")])]
    )
    (result,) = job.result(timeout=120)
    assert result.data.evs == pytest.approx([1.0, 1.0], abs=0.05)
    shots = [int(hub.record().shots or 0) for hub in job.hub_jobs()]
    assert max(shots) <= backend.shots_range[1]
    # Each measured circuit runs its 4096 shots, in three jobs.
    assert sum(shots) % 4096 == 0
    assert len(shots) == 3 * sum(shots) // 4096


def test_sampler_shots_beyond_one_job_are_split_and_joined(provider: HubQiskitProvider) -> None:
    backend = provider.get_backend("aqt.sim.ideal")
    job = SamplerV2(mode=backend, options={"seed_simulator": SEED}).run([fit(_bell(), backend)], shots=4500)
    (result,) = job.result(timeout=120)
    counts = result.data.c.get_counts()
    assert sum(counts.values()) == 4500
    assert set(counts) == {"00", "11"}
    assert abs(counts["00"] / 4500 - 0.5) < 0.05
    # Parts ran with seeds of their own, far apart: simulators that seed shot i with seed + i would
    # otherwise repeat one part's shots, one shot apart, in the next.
    seeds = [(hub.record().input_params or {})["seed_simulator"] for hub in job.hub_jobs()]
    assert len(seeds) == 3
    assert seeds[0] == SEED
    assert all(abs(later - SEED) > 10_000 for later in seeds[1:])
    assert len(set(seeds)) == 3


# --- sent to IBM --------------------------------------------------------------------------------------------


def test_ibm_gets_every_set_option_in_the_primitives_input(
    provider: HubQiskitProvider, client: HubQuantumClient
) -> None:
    backend = provider.get_backend(IBM)
    estimator = EstimatorV2(mode=backend, options={"seed_estimator": SEED})
    estimator.options.default_shots = 3000
    estimator.options.resilience_level = 1
    estimator.options.dynamical_decoupling.enable = True
    estimator.options.dynamical_decoupling.sequence_type = "XY4"
    estimator.options.twirling.enable_gates = True
    estimator.options.environment.log_level = "DEBUG"
    estimator.options.max_execution_time = 300
    isa = fit(_bell(measure=False), backend)
    job = estimator.run([(isa, SparsePauliOp("ZZ").apply_layout(isa.layout))])
    (result,) = job.result(timeout=120)
    assert result.data.evs > 0.7
    stored = _stored_input(client, job.job_id())
    assert stored["resilience_level"] == 1
    options = stored["options"]
    assert options["default_shots"] == 3000
    assert options["dynamical_decoupling"] == {"enable": True, "sequence_type": "XY4"}
    assert options["twirling"] == {"enable_gates": True}
    assert options["seed_estimator"] == SEED
    record = job.hub_jobs()[0].record()
    assert record.shots == 3000
    assert (record.input_params or {}).get("max_execution_time") == 300
    assert (record.input_params or {}).get("log_level") == "debug"


def test_ibm_sampler_default_shots_from_the_options(
    provider: HubQiskitProvider, client: HubQuantumClient
) -> None:
    backend = provider.get_backend(IBM)
    sampler = SamplerV2(mode=backend)
    sampler.options.default_shots = 5000
    sampler.options.execution.meas_type = "classified"
    job = sampler.run([fit(_bell(), backend)])
    (result,) = job.result(timeout=120)
    assert result.data.c.num_shots == 5000
    assert _stored_input(client, job.job_id())["options"]["execution"] == {"meas_type": "classified"}


# --- status strings -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend_id", [IBM, "aws.sim.sv1"])
def test_status_is_qiskit_runtimes_string_and_qiskits_enum(
    provider: HubQiskitProvider, backend_id: str
) -> None:
    backend = provider.get_backend(backend_id)
    job = SamplerV2(mode=backend).run([fit(_bell(), backend)], shots=10)
    deadline = time.monotonic() + 120
    while job.status() not in ("DONE", "ERROR", "CANCELLED"):  # IBM Runtime's loop
        assert time.monotonic() < deadline, job.status()
        time.sleep(0.05)
    status = job.status()
    assert status == "DONE"
    assert status == JobStatus.DONE
    assert status.job_status is JobStatus.DONE
    assert isinstance(status, str)
    assert job.done()
    assert job.in_final_state()
