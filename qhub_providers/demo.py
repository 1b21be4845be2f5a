"""The demo: a local Hub in this process, a Bell state on backends of several families, and a session.

Run it with ``bash scripts/demo.sh`` (or ``python -m qhub_providers.demo``). No account, no network.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from qhub_providers.api import HubQuantumClient
from qhub_providers.api.models import TERMINAL_JOB_STATUSES

SHOTS = 1000
BAR = 30

# One Bell state, written in each backend family's own input format.
BELL_QASM3 = "OPENQASM 3.0;\nqubit[2] q;\nbit[2] b;\nh q[0];\ncnot q[0], q[1];\nb = measure q;\n"
BELL_QASM2 = (
    'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncreg c[2];\nh q[0];\ncx q[0],q[1];\nmeasure q -> c;\n'
)
BELL_IONQ = {
    "gateset": "qis",
    "qubits": 2,
    "circuit": [{"gate": "h", "targets": [0]}, {"gate": "cnot", "controls": [0], "targets": [1]}],
}
BELL_IQM = {
    "circuits": [
        {
            "name": "bell",
            "instructions": [
                {"name": "prx", "locus": ["QB1"], "args": {"angle_t": 0.25, "phase_t": 0.25}},
                {"name": "prx", "locus": ["QB2"], "args": {"angle_t": 0.25, "phase_t": 0.25}},
                {"name": "cz", "locus": ["QB1", "QB2"], "args": {}},
                {"name": "prx", "locus": ["QB2"], "args": {"angle_t": 0.25, "phase_t": 0.75}},
                {"name": "measure", "locus": ["QB1", "QB2"], "args": {"key": "m"}},
            ],
        }
    ]
}
BELL_AQT = {
    "job_type": "quantum_circuit",
    "label": "bell",
    "payload": {
        "circuits": [
            {
                "repetitions": SHOTS,
                "number_of_qubits": 2,
                "quantum_circuit": [
                    {"operation": "RXX", "qubits": [0, 1], "theta": 0.5},
                    {"operation": "MEASURE"},
                ],
            }
        ]
    },
}

RUNS: list[tuple[str, str, Any]] = [
    ("aws.sim.sv1", "Braket OpenQASM 3", BELL_QASM3),
    ("aws.ionq.forte", "Braket OpenQASM 3, noisy QPU", BELL_QASM3),
    ("azure.ionq.simulator", "IonQ JSON", BELL_IONQ),
    ("iqm.qpu.garnet", "IQM JSON, noisy QPU", BELL_IQM),
    ("aqt.sim.ideal", "AQT JSON", BELL_AQT),
    ("kipu.sim.qsim", "OpenQASM 2", BELL_QASM2),
    ("qudora.sim.xg1", "OpenQASM 2", BELL_QASM2),
]


def wait(client: HubQuantumClient, job_id: str, timeout: float = 120.0) -> str:
    """Poll until the job ends, backing off from 20 ms to 0.5 s."""
    delay, deadline = 0.02, time.monotonic() + timeout
    while True:
        status = str(client.jobs.get_job_status(job_id).status)
        if status in TERMINAL_JOB_STATUSES or time.monotonic() > deadline:
            return status
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


def counts_of(client: HubQuantumClient, job_id: str) -> dict[str, float]:
    """Counts in Qiskit bit order from the normalized result (probabilities scaled to shots)."""
    result = client.jobs.get_normalized_job_result(job_id)
    if result is None or not result.pubs:
        return {}
    pub = result.pubs[0]
    counts = getattr(pub, "counts", None)
    if counts:
        return {k: float(v) for k, v in counts.items()}
    probabilities = getattr(pub, "probabilities", None) or {}
    return {k: p * SHOTS for k, p in probabilities.items()}


def histogram(counts: dict[str, float], indent: str = "      ") -> str:
    total = sum(counts.values()) or 1.0
    lines = []
    for key, value in sorted(counts.items(), key=lambda kv: -kv[1])[:4]:
        bar = "#" * round(BAR * value / total)
        lines.append(f"{indent}{key:>4} {bar:<{BAR}} {value:6.0f}")
    return "\n".join(lines)


def main() -> int:
    """Run the demo; returns the exit code."""
    try:
        from qhub_providers.emulator import LocalHub
    except ImportError as exc:
        print(f"The demo needs the local Hub: {exc}", file=sys.stderr)
        return 1
    started = time.perf_counter()
    print("qhub-providers demo: a local Hub in this process (no account, no network)\n")
    with LocalHub() as hub, hub.client() as client:
        backends = client.backends.get_backends()
        print(f"Local Hub ready at {hub.base_url} in {time.perf_counter() - started:.2f} s")
        providers = sorted({str(b.provider) for b in backends})
        print(f"{len(backends)} backends from {', '.join(providers)}\n")

        print(f"A Bell state, {SHOTS} shots on each backend (counts in Qiskit bit order):")
        failures = 0
        for backend_id, fmt, program in RUNS:
            job = client.jobs.create_job(backend_id=backend_id, shots=SHOTS, input=program, name="demo-bell")
            job_id = str(job.id)
            status = wait(client, job_id)
            print(f"  {backend_id:<22} {fmt:<30} {status}")
            if status == "COMPLETED":
                print(histogram(counts_of(client, job_id)))
            else:
                failures += 1

        print("\nA batch session on aws.sim.sv1: three jobs carry its id, then it drains and closes.")
        session = client.sessions.create_session(
            backend_id="aws.sim.sv1", mode="batch", provider="AWS", ttl=600
        )
        assert session.id is not None
        jobs = [
            client.jobs.create_job(
                backend_id="aws.sim.sv1", shots=100, input=BELL_QASM3, session_id=session.id
            )
            for _ in range(3)
        ]
        client.sessions.update_session_state(session.id, accept_jobs=False)
        finished = [wait(client, str(job.id)) for job in jobs]
        print(f"  session {session.id[:8]}...  jobs: {', '.join(finished)}")
        for _ in range(50):
            state = client.sessions.get_session(session.id)
            if state.status == "CLOSED":
                break
            time.sleep(0.05)
        in_session = client.sessions.get_session_jobs(session.id)
        print(f"  session status: {state.status}, jobs in it: {len(in_session)}")

    print(f"\nDone in {time.perf_counter() - started:.1f} s.")
    print("To run the same on the real Kipu Quantum Hub, set your token and use the same client:")
    print("  export KQH_PERSONAL_ACCESS_TOKEN=<your personal access token>")
    print("  python -c 'from qhub_providers.api import HubQuantumClient; print(HubQuantumClient.from_env())'")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
