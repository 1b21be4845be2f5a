"""Runner for Braket analog Hamiltonian simulation jobs (``BRAKET_AHS_PROGRAM``, QuEra Aquila).

The input is ``{"ahs_program": <Braket AHS IR>}``; the IR is validated by Braket's own schema class and by the
local Rydberg simulator's program validators, then simulated with the pieces of Braket's Rydberg simulator
(``LocalSimulator("braket_ahs")``): its unit conversion, its Hamiltonian and its two solvers. That simulator
itself picks a dense implicit Runge-Kutta solver for registers of up to 1000 configurations, whose cost grows
as the cube of the state size (about six minutes for 9 atoms on two cores); here it serves only registers of
up to 64 configurations (6 atoms), where it is the faster one, and Braket's sparse ODE solver, which it uses
for larger registers, takes the rest: the same evolution, 9 atoms in seconds. The native result is the
``AnalogHamiltonianSimulationTaskResult`` JSON; there is no normalized view for neutral atoms.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from qhub_providers.emulator.runners.ahs_rules import check_ahs_device_rules
from qhub_providers.emulator.runners.base import Execution, InvalidJobInput
from qhub_providers.emulator.runners.samples import shuffled_shots

if TYPE_CHECKING:
    from qhub_providers.emulator.catalog.spec import BackendSpec

__all__ = ["MAX_SIMULATED_ATOMS", "BraketAhsRunner", "PreparedAhsJob"]

# The state holds 2**atoms amplitudes over the whole program: measured on two cores, 9 atoms take about 3 s,
# 10 about 6 s, 12 about 30 s and 14 over three minutes, so 12 keeps a job within half a minute.
MAX_SIMULATED_ATOMS = 12
_STEPS = 1000
"""Time points of the evolution, as Braket's simulator takes by default."""
_DENSE_SOLVER_MAX_CONFIGURATIONS = 64


@dataclass(frozen=True)
class PreparedAhsJob:
    """A validated AHS job: the Braket ``braket.ir.ahs.Program`` and its shots."""

    spec: BackendSpec
    program: Any
    shots: int


class BraketAhsRunner:
    """Simulates ``BRAKET_AHS_PROGRAM`` jobs with Braket's local Rydberg-atom simulator."""

    def prepare(
        self, spec: BackendSpec, job_input: Any, input_params: dict[str, Any], shots: int
    ) -> PreparedAhsJob:
        """Build the AHS IR with Braket's schema and check it against the backend (``InvalidJobInput``)."""
        from braket.analog_hamiltonian_simulator.rydberg.constants import capabilities_constants
        from braket.analog_hamiltonian_simulator.rydberg.validators.ir_validator import validate_program
        from braket.ir.ahs import Program

        raw = _program_from_input(job_input)
        try:
            program = Program.parse_obj(raw)
        except (ValueError, TypeError) as error:  # pydantic's ValidationError is a ValueError
            raise InvalidJobInput(f"The AHS program is invalid: {error}", 400) from None

        register = program.setup.ahs_register
        if len(register.sites) > spec.num_qubits:
            raise InvalidJobInput(
                f"The register has {len(register.sites)} sites but {spec.id} allows at most "
                f"{spec.num_qubits}."
            )
        atoms = sum(1 for filled in register.filling if filled)
        if atoms > MAX_SIMULATED_ATOMS:
            raise InvalidJobInput(
                f"The register fills {atoms} sites; the local Hub simulates at most {MAX_SIMULATED_ATOMS} "
                f"atoms (the exact evolution holds 2**atoms amplitudes; {MAX_SIMULATED_ATOMS} atoms take "
                "about half a minute)."
            )
        if shots < 1:
            raise InvalidJobInput(f"An AHS program needs at least one shot, got {shots}.")
        if not spec.shots_min <= shots <= spec.shots_max:
            raise InvalidJobInput(
                f"shots={shots} is outside the range [{spec.shots_min}, {spec.shots_max}] of {spec.id}."
            )
        check_ahs_device_rules(spec, program)
        try:
            validate_program(program, capabilities_constants())
        except (ValueError, TypeError) as error:
            raise InvalidJobInput(f"The AHS program cannot run: {error}") from None
        return PreparedAhsJob(spec, program, shots)

    def execute(self, prepared: PreparedAhsJob, *, seed: int, noise: dict[str, Any] | None) -> Execution:
        """Simulate the program; ``noise`` is ignored (the Aquila calibration has no gate errors to apply)."""
        pre_sequence, post_sequences = _simulate(prepared.program, prepared.shots, seed)
        task_id = str(
            uuid.uuid5(uuid.NAMESPACE_URL, f"qhub-local/{prepared.spec.id}/{seed}/{prepared.program.json()}")
        )
        document = {
            "braketSchemaHeader": {
                "name": "braket.task_result.analog_hamiltonian_simulation_task_result",
                "version": "1",
            },
            "taskMetadata": {
                "braketSchemaHeader": {"name": "braket.task_result.task_metadata", "version": "1"},
                "id": task_id,
                "shots": prepared.shots,
                "deviceId": prepared.spec.id,
                "status": "COMPLETED",
            },
            "measurements": [
                {
                    "shotMetadata": {"shotStatus": "Success"},
                    "shotResult": {"preSequence": pre_sequence, "postSequence": post},
                }
                for post in post_sequences
            ],
            "additionalMetadata": {"action": _program_document(prepared.program)},
        }
        # The contract serves 204 for the normalized views of neutral-atom jobs.
        return Execution(native_result=document, normalized=None, memory=None)

    def normalized_input(self, prepared: PreparedAhsJob) -> dict[str, Any]:
        """Always refuses: an analog program has no OpenQASM rendering."""
        raise InvalidJobInput("An analog Hamiltonian simulation program has no OpenQASM rendering.", 422)


def _program_from_input(job_input: Any) -> Mapping[str, Any]:
    value = job_input
    # Old generated clients wrapped the payload as {"value": {...}, "backendId": ...}.
    if isinstance(value, Mapping) and "ahs_program" not in value and isinstance(value.get("value"), Mapping):
        value = value["value"]
    if isinstance(value, Mapping) and isinstance(value.get("ahs_program"), Mapping):
        return dict(value["ahs_program"])
    raise InvalidJobInput('The input must be {"ahs_program": <Braket AHS program>}.', 400)


def _program_document(program: Any) -> Any:
    return json.loads(program.json())


def _simulate(program: Any, shots: int, seed: int) -> tuple[list[int], list[list[int]]]:
    """The pre-sequence and one post-sequence per shot (1: ground, 0: Rydberg or empty), as Braket reports.

    Follows ``RydbergAtomSimulator.run`` step by step, with the solver that is faster for the register's
    size, and samples from a generator seeded by the job instead of NumPy's global one.
    """
    from braket.analog_hamiltonian_simulator.rydberg.constants import (
        RYDBERG_INTERACTION_COEF,
        SPACE_UNIT,
        TIME_UNIT,
    )
    from braket.analog_hamiltonian_simulator.rydberg.numpy_solver import rk_run
    from braket.analog_hamiltonian_simulator.rydberg.rydberg_simulator_helpers import (
        get_blockade_configurations,
    )
    from braket.analog_hamiltonian_simulator.rydberg.rydberg_simulator_unit_converter import convert_unit
    from braket.analog_hamiltonian_simulator.rydberg.scipy_solver import scipy_integrate_ode_run

    interaction = RYDBERG_INTERACTION_COEF / (SPACE_UNIT**6 / TIME_UNIT)
    converted = convert_unit(program)
    hamiltonian = converted.hamiltonian
    duration = 0.0
    if hamiltonian.drivingFields:
        duration = float(hamiltonian.drivingFields[0].amplitude.time_series.times[-1])
    elif hamiltonian.localDetuning:
        duration = float(hamiltonian.localDetuning[0].magnitude.time_series.times[-1])
    times = np.linspace(0, duration, _STEPS) if duration else np.zeros(1)
    register = converted.setup.ahs_register
    configurations = get_blockade_configurations(register, 0.0)  # no blockade approximation
    solve = rk_run if len(configurations) <= _DENSE_SOLVER_MAX_CONFIGURATIONS else scipy_integrate_ode_run
    final = solve(converted, configurations, list(times), interaction)[-1]
    weights = np.abs(np.asarray(final)) ** 2
    rng = np.random.default_rng(np.random.SeedSequence(seed % 2**64))
    counts = rng.multinomial(shots, weights / weights.sum())
    filling = [int(site) for site in register.filling]
    filled = [site for site, full in enumerate(filling) if full]
    posts: list[list[int]] = []
    for configuration, count in zip(configurations, counts, strict=True):
        post = [0] * len(filling)
        for site, state in zip(filled, configuration, strict=True):
            post[site] = 1 if state == "g" else 0
        posts.extend([post] * int(count))
    if not posts:
        return filling, posts
    # Expanded from counts, the shots come grouped by configuration; a device's come in random order.
    return filling, shuffled_shots(np.array(posts, dtype=np.int64), rng).tolist()
