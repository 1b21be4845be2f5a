"""Every device judges a job by the capabilities it advertises, over real HTTP: what a device's own
capabilities leave out is refused with a clear 422, and what they include runs."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from qhub_providers.api import HubQuantumClient
from qhub_providers.api.errors import UnprocessableEntityError

from .hub_support import ahs_pair_program, wait_for_status

VERBATIM_H = "OPENQASM 3.0;\nbit[1] b;\n#pragma braket verbatim\nbox{\nh $0;\n}\nb[0] = measure $0;\n"
VERBATIM_NATIVE = (
    "OPENQASM 3.0;\nbit[2] b;\n#pragma braket verbatim\nbox{\nrx(3.141592653589793) $0;\ncz $0, $1;\n}\n"
    "b[0] = measure $0;\nb[1] = measure $1;\n"
)
VERBATIM_UNCOUPLED = (
    "OPENQASM 3.0;\nbit[1] b;\n#pragma braket verbatim\nbox{\ncz $0, $8;\n}\nb[0] = measure $0;\n"
)
ADJOINT_GRADIENT = (
    "OPENQASM 3.0;\ninput float theta;\nqubit[1] q;\nrx(theta) q[0];\n"
    "#pragma braket result adjoint_gradient expectation(z(q[0])) theta\n"
)


def two_qubit(gate: str, qubits: int = 2) -> str:
    operands = ", ".join(f"q[{i}]" for i in range(qubits))
    return (
        f"OPENQASM 3.0;\nbit[{qubits}] b;\nqubit[{qubits}] q;\nh q[0];\n{gate} {operands};\nb = measure q;\n"
    )


def refusal(client: HubQuantumClient, backend_id: str, job_input: Any, shots: int = 100, **extra: Any) -> str:
    with pytest.raises(UnprocessableEntityError) as caught:
        client.jobs.create_job(backend_id=backend_id, shots=shots, input=job_input, **extra)
    return str(caught.value)


def completes(
    client: HubQuantumClient, backend_id: str, job_input: Any, shots: int = 100, **extra: Any
) -> None:
    job = client.jobs.create_job(backend_id=backend_id, shots=shots, input=job_input, **extra)
    assert wait_for_status(client, str(job.id)) == "COMPLETED"


# --- Braket gate-model devices ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gate", "qubits"), [("ecr", 2), ("ccnot", 3), ("cswap", 3), ("pswap(0.3)", 2)], ids=str
)
def test_forte_refuses_operations_its_capabilities_leave_out(
    org_client: HubQuantumClient, gate: str, qubits: int
) -> None:
    message = refusal(org_client, "aws.ionq.forte", two_qubit(gate, qubits))
    assert f"applies {gate.split('(')[0]}" in message
    assert "aws.ionq.forte does not support" in message


def test_forte_runs_what_it_advertises(org_client: HubQuantumClient) -> None:
    completes(org_client, "aws.ionq.forte", two_qubit("cnot"))


def test_rigetti_verbatim_box_takes_only_native_gates_on_coupled_qubits(org_client: HubQuantumClient) -> None:
    params = {"disable_qubit_rewiring": True}
    message = refusal(org_client, "aws.rigetti.cepheus", VERBATIM_H, input_params=params)
    assert "inside a verbatim box" in message
    assert "cz, rx, rz" in message
    assert "not coupled" in refusal(
        org_client, "aws.rigetti.cepheus", VERBATIM_UNCOUPLED, input_params=params
    )
    completes(org_client, "aws.rigetti.cepheus", VERBATIM_NATIVE, input_params=params)


def test_qpus_take_the_result_types_they_list_without_listing_result_pragmas(
    org_client: HubQuantumClient,
) -> None:
    program = "OPENQASM 3.0;\nqubit[1] q;\nx q[0];\n#pragma braket result expectation z(q[0])\n"
    completes(org_client, "aws.ionq.forte", program)
    assert "StateVector" in refusal(
        org_client, "aws.ionq.forte", program + "#pragma braket result state_vector\n"
    )


def test_qpus_refuse_gate_modifiers_they_do_not_list(org_client: HubQuantumClient) -> None:
    program = "OPENQASM 3.0;\nbit[1] b;\nqubit[1] q;\ninv @ s q[0];\nb[0] = measure q[0];\n"
    assert "modifier inv" in refusal(org_client, "aws.ionq.forte", program)
    completes(org_client, "aws.sim.sv1", program)


def test_sv1_runs_cv_which_its_simulator_supports(org_client: HubQuantumClient) -> None:
    completes(org_client, "aws.sim.sv1", two_qubit("cv"))


def test_sv1_refuses_adjoint_gradient_instead_of_answering_an_expectation(
    org_client: HubQuantumClient,
) -> None:
    message = refusal(
        org_client, "aws.sim.sv1", ADJOINT_GRADIENT, shots=0, input_params={"inputs": {"theta": 0.4}}
    )
    assert "AdjointGradient" in message
    capabilities = org_client.backends.get_backend_config("aws.sim.sv1")
    program = capabilities["action"]["braket.ir.openqasm.program"]
    assert "AdjointGradient" not in {r["name"] for r in program["supportedResultTypes"]}


def test_sv1_refuses_the_state_vector_which_only_local_simulators_return(
    org_client: HubQuantumClient,
) -> None:
    program = "OPENQASM 3.0;\nqubit[1] q;\nh q[0];\n#pragma braket result state_vector\n"
    assert "StateVector" in refusal(org_client, "aws.sim.sv1", program, shots=0)


def test_noise_pragmas_run_on_dm1_only(org_client: HubQuantumClient) -> None:
    program = (
        "OPENQASM 3.0;\nbit[1] b;\nqubit[1] q;\n#pragma braket noise bit_flip(0.1) q[0]\n"
        "b[0] = measure q[0];\n"
    )
    refusal(org_client, "aws.sim.sv1", program)
    completes(org_client, "aws.sim.dm1", program)


# --- QuEra Aquila ------------------------------------------------------------------------------------


def aquila_program(change: Any) -> dict[str, Any]:
    program = copy.deepcopy(ahs_pair_program())
    change(program["ahs_program"])
    return program


def _local_detuning(magnitude: list[float]) -> Any:
    def change(program: dict[str, Any]) -> None:
        program["hamiltonian"]["localDetuning"] = [
            {
                "magnitude": {
                    "time_series": {"values": magnitude, "times": [0.0, 1e-7, 5e-7, 6e-7]},
                    "pattern": [1.0, 0.5],
                }
            }
        ]

    return change


def _amplitude_start(value: float) -> Any:
    def change(program: dict[str, Any]) -> None:
        program["hamiltonian"]["drivingFields"][0]["amplitude"]["time_series"]["values"][0] = value

    return change


def _sites(distance: float) -> Any:
    def change(program: dict[str, Any]) -> None:
        program["setup"]["ahs_register"]["sites"][1] = [0.0, distance]

    return change


def _uniform_local_detuning(program: dict[str, Any]) -> None:
    _local_detuning([0.0, 1e7, 1e7, 0.0])(program)
    program["hamiltonian"]["localDetuning"][0]["magnitude"]["pattern"] = "uniform"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_local_detuning([0.0, -2e7, -2e7, 0.0]), "local detuning is -2e+07, outside the range"),
        (_amplitude_start(1e6), "driving amplitude must start at 0"),
        (_sites(2e-6), "closer than"),
        (_uniform_local_detuning, "cannot run"),
    ],
    ids=["local-detuning-range", "amplitude-start", "site-spacing", "uniform-local-detuning"],
)
def test_aquila_refuses_programs_outside_its_advertised_ranges(
    org_client: HubQuantumClient, change: Any, expected: str
) -> None:
    assert expected in refusal(org_client, "aws.quera.aquila", aquila_program(change), shots=10)


def test_aquila_runs_a_local_detuning_within_its_ranges(org_client: HubQuantumClient) -> None:
    completes(org_client, "aws.quera.aquila", aquila_program(_local_detuning([0.0, 2e7, 2e7, 0.0])), shots=10)


# --- IQM -------------------------------------------------------------------------------------------------


def iqm_job(instructions: list[dict[str, Any]]) -> dict[str, Any]:
    return {"circuits": [{"name": "c", "instructions": instructions, "metadata": None}]}


def _prx(qubit: str, angle_t: float = 0.5) -> dict[str, Any]:
    return {"name": "prx", "locus": [qubit], "args": {"angle_t": angle_t, "phase_t": 0.0}}


def test_iqm_runs_only_the_operations_its_architecture_offers(org_client: HubQuantumClient) -> None:
    # Garnet has no computational resonator, so no move (iqm-client refuses it too, see tests/referee).
    move = iqm_job([{"name": "move", "locus": ["QB1", "QB2"], "args": {}}, _measure("QB1", "m")])
    message = refusal(org_client, "iqm.qpu.garnet", move)
    assert "move is not an operation of iqm.qpu.garnet" in message
    # cc_prx is in Garnet's architecture: QB1 is flipped, measured with feedback, and QB2 follows it.
    feedback = iqm_job(
        [
            _prx("QB1"),
            {"name": "measure", "locus": ["QB1"], "args": {"key": "a", "feedback_key": "f"}},
            {
                "name": "cc_prx",
                "locus": ["QB2"],
                "args": {"angle_t": 0.5, "phase_t": 0.0, "feedback_key": "f", "feedback_qubit": "QB1"},
            },
            _measure("QB2", "b"),
        ]
    )
    completes(org_client, "iqm.qpu.garnet", feedback)


def _measure(qubit: str, key: str) -> dict[str, Any]:
    return {"name": "measure", "locus": [qubit], "args": {"key": key}}
