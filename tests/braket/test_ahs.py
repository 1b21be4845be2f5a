"""Analog Hamiltonian simulation on the Hub's QuEra Aquila, checked against Braket's local AHS simulator."""

from __future__ import annotations

import pytest
from braket.ahs import AnalogHamiltonianSimulation, AtomArrangement, DrivingField
from braket.devices import LocalSimulator
from braket.tasks import AnalogHamiltonianSimulationQuantumTaskResult
from braket.timings import TimeSeries

from qhub_providers.api import HubQuantumClient
from qhub_providers.braket import HubBraketProvider

from .support import total_variation

SHOTS = 300


def rabi_pair() -> AnalogHamiltonianSimulation:
    """Two blockaded atoms driven for about a quarter of their collective Rabi period: the counts split
    between ``gg`` and the two single excitations, so the comparison has something to compare."""
    register = AtomArrangement().add((0.0, 0.0)).add((0.0, 5e-6))
    omega, duration, ramp = 2.5e6, 0.5e-6, 5e-8
    amplitude = TimeSeries().put(0.0, 0.0).put(ramp, omega).put(duration - ramp, omega).put(duration, 0.0)
    flat = TimeSeries().put(0.0, 0.0).put(duration, 0.0)
    drive = DrivingField(amplitude=amplitude, detuning=flat, phase=flat)
    return AnalogHamiltonianSimulation(register=register, hamiltonian=drive)


def test_two_atoms_on_aquila_agree_with_the_local_simulator(
    provider: HubBraketProvider, client: HubQuantumClient
) -> None:
    aquila = provider.get_device("aws.quera.aquila")
    program = rabi_pair().discretize(aquila)  # uses the device's real QueraDeviceCapabilities
    task = aquila.run(program, shots=SHOTS)
    result = task.result()
    assert isinstance(result, AnalogHamiltonianSimulationQuantumTaskResult)
    counts = result.get_counts()
    assert sum(counts.values()) == SHOTS
    assert counts.get("gg", 0) < SHOTS  # the drive does excite
    expected = LocalSimulator("braket_ahs").run(rabi_pair(), shots=SHOTS).result().get_counts()
    assert total_variation(counts, expected) < 0.12
    job = client.jobs.get_job(task.id)
    assert str(job.input_format) == "BRAKET_AHS_PROGRAM"
    submitted = client.jobs.get_job_input(task.id)
    assert "braketSchemaHeader" not in submitted["ahs_program"]
    assert submitted["ahs_program"]["setup"]["ahs_register"]["filling"] == [1, 1]


def test_analog_programs_refuse_gate_model_arguments(provider: HubBraketProvider) -> None:
    aquila = provider.get_device("aws.quera.aquila")
    with pytest.raises(ValueError, match="takes no inputs"):
        aquila.run(rabi_pair(), shots=10, inputs={"x": 1.0})
    with pytest.raises(ValueError, match=r"aws\.sim\.sv1 takes BRAKET_OPEN_QASM_V3"):
        provider.get_device("aws.sim.sv1").run(rabi_pair(), shots=10)
