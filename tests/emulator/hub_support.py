"""Shared helpers of the local Hub's end-to-end tests: waiting for jobs, raw HTTP, and the job inputs each
backend family sends (Bell and GHZ states in every input format).

Everything here talks to a running :class:`~qhub_providers.emulator.LocalHub` over real HTTP; nothing
reaches into the server.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

import httpx

from qhub_providers.api import HubQuantumClient
from qhub_providers.emulator import LocalHub
from tests.waiting import WAIT_SECONDS, wait_until

T = TypeVar("T")

TERMINAL = frozenset({"COMPLETED", "FAILED", "CANCELLED", "ABORTED", "DETACHED"})


def wait_for_status(
    client: HubQuantumClient,
    job_id: str,
    statuses: frozenset[str] | set[str] = TERMINAL,
    *,
    timeout: float = WAIT_SECONDS,
) -> str:
    """Poll a job's status until it is one of ``statuses`` (terminal ones by default); return it."""

    def reached() -> str | None:
        status = client.jobs.get_job_status(job_id).status
        return str(status) if status in statuses else None

    return wait_until(reached, timeout=timeout, what=f"job {job_id} to reach {sorted(statuses)}")


def wait_for_session(
    client: HubQuantumClient, session_id: str, status: str, *, timeout: float = WAIT_SECONDS
) -> str:
    """Poll a session until it has ``status``."""

    def reached() -> str | None:
        current = client.sessions.get_session_status(session_id).status
        return str(current) if current == status else None

    return wait_until(reached, timeout=timeout, what=f"session {session_id} to become {status}")


@contextmanager
def connect(
    hub: LocalHub, *, organization_id: str | None = None, token: str | None = None
) -> Iterator[HubQuantumClient]:
    """A REST client of ``hub`` (personal scope, an organization, or another token) that never retries, so a
    server error reaches the test as it is."""
    # Plain HTTP on loopback: not verifying certificates saves loading the CA bundle (~45 ms) per client.
    http = httpx.Client(verify=False, timeout=60, follow_redirects=True)
    try:
        with HubQuantumClient(
            api_key=hub.token if token is None else token,
            base_url=hub.base_url,
            organization_id=organization_id,
            max_retries=0,
            httpx_client=http,
        ) as client:
            yield client
    finally:
        http.close()


def auth(hub: LocalHub, organization_id: str | None = None, token: str | None = None) -> dict[str, str]:
    """Headers of a raw request as the REST client would send them."""
    headers = {"X-Auth-Token": token if token is not None else hub.token}
    if organization_id:
        headers["X-OrganizationId"] = organization_id
    return headers


def raw(
    hub: LocalHub,
    method: str,
    path: str,
    *,
    headers: Mapping[str, Any] | None = None,
    timeout: float = 10.0,
    **kwargs: Any,
) -> httpx.Response:
    """One raw request to ``<base_url>/<path>``; ``path`` goes on the wire exactly as written."""
    with httpx.Client(timeout=timeout, verify=False) as client:
        return client.request(
            method, f"{hub.base_url}/{path}", headers=auth(hub) if headers is None else headers, **kwargs
        )


def fraction(counts: dict[str, int], *keys: str) -> float:
    """Share of the shots whose outcome is one of ``keys``."""
    total = sum(counts.values())
    return sum(counts.get(k, 0) for k in keys) / total


# --- Braket OpenQASM 3 -------------------------------------------------------------------------------


def qasm3_ghz(num_qubits: int) -> str:
    """A GHZ state on ``num_qubits`` qubits (2 = Bell), every qubit measured into ``b``."""
    lines = ["OPENQASM 3.0;", f"bit[{num_qubits}] b;", f"qubit[{num_qubits}] q;", "h q[0];"]
    lines += [f"cnot q[{k}], q[{k + 1}];" for k in range(num_qubits - 1)]
    lines.append("b = measure q;")
    return "\n".join(lines) + "\n"


# --- OpenQASM 2 (Kipu, Qudora) ----------------------------------------------------------------------


def qasm2_ghz(num_qubits: int) -> str:
    lines = ["OPENQASM 2.0;", 'include "qelib1.inc";', f"qreg q[{num_qubits}];", f"creg c[{num_qubits}];"]
    lines.append("h q[0];")
    lines += [f"cx q[{k}],q[{k + 1}];" for k in range(num_qubits - 1)]
    lines.append("measure q -> c;")
    return "\n".join(lines) + "\n"


# --- IonQ circuit JSON (Azure) ----------------------------------------------------------------------


def ionq_ghz(num_qubits: int) -> dict[str, Any]:
    """IonQ QIS document, with gates named by ``type`` as the Hub's schema spells them."""
    circuit: list[dict[str, Any]] = [{"type": "h", "targets": [0]}]
    circuit += [{"type": "cnot", "controls": [k], "targets": [k + 1]} for k in range(num_qubits - 1)]
    return {"gateset": "qis", "qubits": num_qubits, "circuit": circuit}


# --- IQM ---------------------------------------------------------------------------------------------


def _prx(qubit: str, angle_t: float, phase_t: float) -> dict[str, Any]:
    # Angles in turns: (0.25, 0.25) is a y rotation by pi/2, (0.25, 0.75) one by -pi/2.
    return {"name": "prx", "locus": [qubit], "args": {"angle_t": angle_t, "phase_t": phase_t}}


def iqm_ghz(qubits: list[str]) -> dict[str, Any]:
    """An IQM circuit of native ``prx`` and ``cz``: CNOTs down the chain ``qubits`` (coupled neighbours)."""
    instructions = [_prx(qubits[0], 0.25, 0.25)]
    for control, target in itertools.pairwise(qubits):
        instructions += [
            _prx(target, 0.25, 0.75),
            {"name": "cz", "locus": [control, target], "args": {}},
            _prx(target, 0.25, 0.25),
        ]
    key = f"c_{len(qubits)}_0_"
    instructions += [
        {"name": "measure", "locus": [q], "args": {"key": f"{key}{k}"}} for k, q in enumerate(qubits)
    ]
    return {"name": f"ghz{len(qubits)}", "instructions": instructions, "metadata": None}


# --- AQT ---------------------------------------------------------------------------------------------


def _r(qubit: int, theta: float, phi: float) -> dict[str, Any]:
    return {"operation": "R", "qubit": qubit, "theta": theta, "phi": phi}


def aqt_ghz(num_qubits: int, shots: int) -> dict[str, Any]:
    """An AQT job: a GHZ circuit from R and RXX (angles in units of pi)."""
    operations = [_r(0, 0.5, 0.5)]
    for control in range(num_qubits - 1):
        target = control + 1
        operations += [
            _r(control, 0.5, 0.5),
            {"operation": "RXX", "qubits": [control, target], "theta": 0.5},
            _r(control, 0.5, 1.0),
            _r(target, 0.5, 1.0),
            _r(control, 0.5, 1.5),
        ]
    operations.append({"operation": "MEASURE"})
    circuit = {"repetitions": shots, "number_of_qubits": num_qubits, "quantum_circuit": operations}
    return {"job_type": "quantum_circuit", "label": f"ghz{num_qubits}", "payload": {"circuits": [circuit]}}


# --- IBM (Qiskit Runtime sampler) ---------------------------------------------------------------------


def ibm_isa_ghz(client: HubQuantumClient, backend_id: str, num_qubits: int) -> Any:
    """A GHZ circuit in the backend's ISA, per the IBM configuration in ``backends/{id}/config``."""
    from qiskit import QuantumCircuit, transpile
    from qiskit.transpiler import CouplingMap

    config = client.backends.get_backend_config(backend_id)["config"]
    circuit = QuantumCircuit(num_qubits)
    circuit.h(0)
    for k in range(num_qubits - 1):
        circuit.cx(k, k + 1)
    circuit.measure_all()
    return transpile(
        circuit,
        basis_gates=list(config["basis_gates"]),
        coupling_map=CouplingMap(config["coupling_map"]),
        optimization_level=1,
        seed_transpiler=7,
    )


def ibm_sampler_input(circuits: list[Any], shots: int) -> dict[str, Any]:
    """A SamplerV2 job input as qiskit_ibm_runtime encodes it: PUBs are arrays, ``version`` an integer."""
    from qiskit_ibm_runtime import RuntimeEncoder

    body = {
        "pubs": [(circuit, None, shots) for circuit in circuits],
        "options": {},
        "version": 2,
        "support_qiskit": True,
    }
    decoded: dict[str, Any] = json.loads(json.dumps(body, cls=RuntimeEncoder))
    return decoded


IBM_PARAMS = {
    "program_id": "sampler",
    "backend_name": None,
    "image": None,
    "log_level": None,
    "job_tags": None,
    "max_execution_time": None,
    "start_session": False,
    "session_time": None,
    "version": 2,
    "private": False,
}
"""``input_params`` as qhub-quantum sends them for an IBM sampler job (nulls included)."""


def ibm_counts(native_result: Any) -> list[dict[str, int]]:
    """Per-PUB counts of a Runtime-encoded ``PrimitiveResult``, decoded by qiskit_ibm_runtime itself."""
    from qiskit_ibm_runtime import RuntimeDecoder

    result = json.loads(json.dumps(native_result), cls=RuntimeDecoder)
    return [dict(pub.data.meas.get_counts()) for pub in result]


# --- Braket AHS (QuEra Aquila) ----------------------------------------------------------------------


def ahs_pair_program(distance_m: float = 5e-6) -> dict[str, Any]:
    """Two atoms driven by a short resonant pulse, in the Hub's AHS input shape (no schema header)."""
    still = {"time_series": {"values": [0.0, 0.0], "times": [0.0, 6e-7]}, "pattern": "uniform"}
    pulse = {
        "time_series": {"values": [0.0, 6.0e6, 6.0e6, 0.0], "times": [0.0, 1e-7, 5e-7, 6e-7]},
        "pattern": "uniform",
    }
    return {
        "ahs_program": {
            "setup": {"ahs_register": {"sites": [[0.0, 0.0], [0.0, distance_m]], "filling": [1, 1]}},
            "hamiltonian": {
                "drivingFields": [{"amplitude": pulse, "phase": still, "detuning": still}],
                "localDetuning": [],
            },
        }
    }


def slow_qasm3(num_qubits: int = 18, layers: int = 200) -> str:
    """A Braket program that keeps the state-vector simulator busy for about a second or more."""
    lines = ["OPENQASM 3.0;", f"qubit[{num_qubits}] q;", f"bit[{num_qubits}] b;"]
    for k in range(layers):
        lines += [f"h q[{k % num_qubits}];", f"cnot q[{k % num_qubits}], q[{(k + 1) % num_qubits}];"]
    lines.append("b = measure q;")
    return "\n".join(lines) + "\n"


def status_trace(client: HubQuantumClient, job_id: str, *, timeout: float = WAIT_SECONDS) -> list[str]:
    """Every distinct status a job shows, polled every 20 ms until it is terminal."""
    seen: list[str] = []

    def terminal() -> bool:
        status = str(client.jobs.get_job_status(job_id).status)
        if not seen or seen[-1] != status:
            seen.append(status)
        return status in TERMINAL

    wait_until(terminal, timeout=timeout, what=f"job {job_id} to end")
    return seen
