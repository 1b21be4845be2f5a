"""The demo: a local Hub in this process; one Bell circuit through the Qiskit face on seven backends of
different families, the same through the Braket face, and a batch session.

Run it with ``bash scripts/demo.sh`` (or ``python -m qhub_providers.demo``). No account, no network.
"""

from __future__ import annotations

import sys
import time

SHOTS = 1000
BAR = 30

# (backend id, what the Hub receives) — one per family the Qiskit face writes circuits for.
RUNS: list[tuple[str, str]] = [
    ("aws.sim.sv1", "Braket OpenQASM 3"),
    ("aws.ionq.forte", "Braket OpenQASM 3, noisy QPU"),
    ("ibm.qpu.fez", "Qiskit Runtime QPY, noisy QPU"),
    ("iqm.qpu.garnet", "IQM JSON, noisy QPU"),
    ("azure.ionq.simulator", "IonQ JSON"),
    ("aqt.sim.ideal", "AQT JSON"),
    ("kipu.sim.qsim", "OpenQASM 2"),
]


def histogram(counts: dict[str, int], indent: str = "      ") -> str:
    """The four most frequent outcomes as text bars."""
    total = sum(counts.values()) or 1
    lines = []
    for key, value in sorted(counts.items(), key=lambda kv: -kv[1])[:4]:
        bar = "#" * round(BAR * value / total)
        lines.append(f"{indent}{key:>4} {bar:<{BAR}} {value:6d}")
    return "\n".join(lines)


def main() -> int:
    """Run the demo; returns the exit code."""
    try:
        from braket.circuits import Circuit
        from qiskit import QuantumCircuit, transpile

        from qhub_providers.braket import HubBraketProvider
        from qhub_providers.emulator import LocalHub
        from qhub_providers.qiskit import Batch, HubQiskitProvider
    except ImportError as exc:
        print(f"The demo needs the local Hub and both faces: pip install 'qhub-providers[all]' ({exc})")
        return 1
    started = time.perf_counter()
    print("qhub-providers demo: a local Hub in this process (no account, no network)\n")
    failures = 0
    with LocalHub() as hub:
        qiskit_provider = HubQiskitProvider(client=hub.client())
        backends = qiskit_provider.backends()
        print(f"Local Hub ready at {hub.base_url} in {time.perf_counter() - started:.2f} s")
        print(f"{len(backends)} backends take Qiskit circuits\n")

        bell = QuantumCircuit(2, 2, name="bell")
        bell.h(0)
        bell.cx(0, 1)
        bell.measure([0, 1], [0, 1])
        print(f"Qiskit: transpile(bell, backend) and backend.run(..., shots={SHOTS}) on each family")
        for backend_id, wire in RUNS:
            backend = qiskit_provider.get_backend(backend_id)
            job = backend.run(transpile(bell, backend, seed_transpiler=7), shots=SHOTS)
            try:
                counts = job.result(timeout=120).get_counts()
            except Exception as exc:  # the demo reports and goes on
                print(f"  {backend_id:<22} {wire:<30} failed: {exc}")
                failures += 1
                continue
            print(f"  {backend_id:<22} {wire:<30} done")
            print(histogram(counts))

        print("\nBraket: the same circuit as a braket.circuits.Circuit on an AWS device")
        device = HubBraketProvider(client=hub.client()).get_device("aws.sim.sv1")
        task = device.run(Circuit().h(0).cnot(0, 1), shots=SHOTS)
        result = task.result()
        if result is None:
            failures += 1
            print(f"  {device.name}: no result ({task.state()})")
        else:
            print(f"  {device.name} ({task.state()}), measurement_counts:")
            print(histogram(dict(result.measurement_counts)))

        print("\nA batch session on aws.sim.sv1: three jobs carry its id, then it drains and closes")
        sv1 = qiskit_provider.get_backend("aws.sim.sv1")
        with Batch(sv1, max_time="10m") as batch:
            jobs = [sv1.run(transpile(bell, sv1), shots=100) for _ in range(3)]
        done = [str(job.status().name) for job in jobs if job.result(timeout=60)]
        print(f"  session {str(batch.session_id)[:8]}...  jobs: {', '.join(done)}")
        print(f"  every job in the session: {all(job.session_id == batch.session_id for job in jobs)}")
        for _ in range(100):
            if batch.status() == "CLOSED":
                break
            time.sleep(0.05)
        print(f"  session status: {batch.status()}, jobs in it: {len(batch.jobs())}")

    print(f"\nDone in {time.perf_counter() - started:.1f} s.")
    print("To run the same on the real Kipu Quantum Hub, set your token and drop the local Hub:")
    print("  export KQH_PERSONAL_ACCESS_TOKEN=<your personal access token>")
    print("  provider = HubQiskitProvider()   # or HubBraketProvider()")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
