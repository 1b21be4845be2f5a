"""Runner for Braket analog Hamiltonian simulation jobs (``BRAKET_AHS_PROGRAM``, QuEra Aquila).

The input is ``{"ahs_program": <Braket AHS IR>}``; the IR is validated by Braket's own schema class and by the
local Rydberg simulator's program validators, then simulated with ``LocalSimulator("braket_ahs")``. The native
result is the ``AnalogHamiltonianSimulationTaskResult`` JSON; there is no normalized view for neutral atoms.
"""

from __future__ import annotations

import contextlib
import json
import threading
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from qhub_providers.emulator.runners.ahs_rules import check_ahs_device_rules
from qhub_providers.emulator.runners.base import Execution, InvalidJobInput

if TYPE_CHECKING:
    from qhub_providers.emulator.catalog.spec import BackendSpec

__all__ = ["BraketAhsRunner", "PreparedAhsJob"]

# The simulator's state grows as 2**atoms; 8 atoms already take about a minute (its fixed-step solver handles
# up to 1000 configurations), and beyond this many filled sites a job would hold the local Hub far longer.
_MAX_SIMULATED_ATOMS = 10
# Braket's Rydberg simulator samples with NumPy's global generator, so seeding it means touching global state;
# the lock keeps two AHS jobs of this process from interleaving their draws.
_GLOBAL_RNG_LOCK = threading.Lock()


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
        if atoms > _MAX_SIMULATED_ATOMS:
            raise InvalidJobInput(
                f"The register fills {atoms} sites; the local Hub simulates at most "
                f"{_MAX_SIMULATED_ATOMS} atoms."
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
        from braket.devices import LocalSimulator

        with _seeded_global_numpy(seed):
            result = LocalSimulator("braket_ahs").run(prepared.program, shots=prepared.shots).result()
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
                    "shotMetadata": {"shotStatus": shot.status.value},
                    "shotResult": {
                        "preSequence": np.asarray(shot.pre_sequence, dtype=int).tolist(),
                        "postSequence": np.asarray(shot.post_sequence, dtype=int).tolist(),
                    },
                }
                for shot in result.measurements
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


@contextlib.contextmanager
def _seeded_global_numpy(seed: int) -> Iterator[None]:
    """Seed NumPy's global generator for the duration of a simulation, then restore its previous state."""
    with _GLOBAL_RNG_LOCK:
        saved = np.random.get_state()
        np.random.seed(np.random.SeedSequence(seed % 2**64).generate_state(4))
        try:
            yield
        finally:
            np.random.set_state(saved)
