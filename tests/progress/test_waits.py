"""Progress of real waits against the local Hub: Qiskit jobs, Braket batches, sessions, the command line.

Jobs stay PENDING for a moment (the Hub's queue delay), so every wait polls more than once. With progress
asked for, stderr ends with the bar at ``n/n`` and the final statuses; by default nothing is written at all.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from braket.circuits import Circuit
from qiskit import QuantumCircuit
from qiskit.providers import JobStatus

from qhub_providers.braket import HubBraketDevice, HubBraketProvider
from qhub_providers.cli import main
from qhub_providers.emulator import LocalHub
from qhub_providers.progress import PROGRESS_ENV
from qhub_providers.qiskit import HubBackend, HubJobTimeoutError, HubQiskitProvider, wait_for_jobs
from qhub_providers.sessions import Batch

from .conftest import QUEUE_DELAY

HELD_BACKEND = "aws.sim.dm1"
"""The backend whose jobs the timeout test keeps in the queue; no other test here uses it."""

BELL_QASM3 = """OPENQASM 3.0;
qubit[2] q;
bit[2] c;
h q[0];
cnot q[0], q[1];
c = measure q;
"""


@pytest.fixture(scope="module")
def sv1(hub: LocalHub) -> HubBackend:
    return HubQiskitProvider(client=hub.client()).get_backend("aws.sim.sv1")


@pytest.fixture(scope="module")
def device(hub: LocalHub) -> HubBraketDevice:
    return HubBraketProvider(client=hub.client()).get_device("aws.sim.sv1")


@pytest.fixture
def held(hub: LocalHub) -> Iterator[HubBackend]:
    """A backend whose jobs stay PENDING (far longer than any test waits) until they are cancelled."""
    hub.admin.set_backend(HELD_BACKEND, queue_delay=3600)
    try:
        yield HubQiskitProvider(client=hub.client()).get_backend(HELD_BACKEND)
    finally:
        hub.admin.set_backend(HELD_BACKEND, queue_delay=QUEUE_DELAY)


def bell() -> QuantumCircuit:
    circuit = QuantumCircuit(2, 2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure([0, 1], [0, 1])
    return circuit


def last_frame(err: str) -> str:
    """The state a bar was left in (it redraws in place with carriage returns)."""
    drawn = [frame.strip() for frame in err.replace("\n", "\r").split("\r") if frame.strip()]
    assert drawn, "nothing was drawn"
    return drawn[-1]


# -- Qiskit ---------------------------------------------------------------------------------------------


def test_job_result_shows_its_wait_when_asked(sv1: HubBackend, capsys: pytest.CaptureFixture[str]) -> None:
    job = sv1.run(bell(), shots=20)
    counts = job.result(progress=True).get_counts()
    captured = capsys.readouterr()
    assert sum(counts.values()) == 20
    assert captured.out == ""
    final = last_frame(captured.err)
    assert final.startswith(f"job {job.job_id()[:8]} on aws.sim.sv1: 100%")
    assert "1/1" in final
    assert final.endswith("COMPLETED]")
    # A cached result waits for nothing and shows nothing.
    job.result(progress=True)
    assert capsys.readouterr().err == ""


def test_waits_are_silent_by_default(sv1: HubBackend, capsys: pytest.CaptureFixture[str]) -> None:
    job = sv1.run(bell(), shots=20)
    job.wait_for_final_state()
    others = [sv1.run(bell(), shots=20) for _ in range(2)]
    assert wait_for_jobs(others) == [JobStatus.DONE, JobStatus.DONE]
    job.result()
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""


def test_environment_turns_progress_on_for_every_wait(
    sv1: HubBackend, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(PROGRESS_ENV, "1")
    job = sv1.run(bell(), shots=20)
    job.result()
    assert "1/1" in last_frame(capsys.readouterr().err)
    # An explicit progress=False still wins.
    sv1.run(bell(), shots=20).result(progress=False)
    assert capsys.readouterr().err == ""


def test_wait_for_jobs_counts_finished_of_total(sv1: HubBackend, capsys: pytest.CaptureFixture[str]) -> None:
    jobs = [sv1.run(bell(), shots=20) for _ in range(3)]
    statuses = wait_for_jobs([*jobs, jobs[0]], progress=True)  # the same job twice is waited for once
    captured = capsys.readouterr()
    assert statuses == [JobStatus.DONE] * 4
    assert captured.out == ""
    final = last_frame(captured.err)
    assert final.startswith("3 jobs: 100%")
    assert "3/3" in final
    assert final.endswith("COMPLETED=3]")
    assert all(sum(job.result().get_counts().values()) == 20 for job in jobs)


def test_a_timed_out_wait_leaves_the_bar_where_it_stopped(
    held: HubBackend, capsys: pytest.CaptureFixture[str]
) -> None:
    jobs = [held.run(bell(), shots=10) for _ in range(2)]
    try:
        with pytest.raises(HubJobTimeoutError) as raised:
            wait_for_jobs(jobs, timeout=0.3, progress=True)
        assert {job.job_id() for job in jobs} <= set(raised.value.job_id.split(", "))
        assert raised.value.status == "PENDING"
        final = last_frame(capsys.readouterr().err)
        assert "0/2" in final
        assert final.endswith("PENDING=2]")
    finally:
        for job in jobs:
            job.cancel()


def test_without_tqdm_a_plain_line_shows_the_wait(
    sv1: HubBackend, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)  # as if tqdm were not installed
    jobs = [sv1.run(bell(), shots=20) for _ in range(2)]
    assert wait_for_jobs(jobs, progress=True) == [JobStatus.DONE, JobStatus.DONE]
    final = last_frame(capsys.readouterr().err)
    assert final.startswith("2 jobs: 100%|" + "#" * 20 + "| 2/2 [")
    assert final.endswith("COMPLETED=2]")


# -- Braket and sessions ---------------------------------------------------------------------------------


def test_batch_results_show_finished_tasks_when_asked(
    device: HubBraketDevice, capsys: pytest.CaptureFixture[str]
) -> None:
    circuit = Circuit().h(0).cnot(0, 1)
    shown = device.run_batch([circuit] * 3, shots=10, max_parallel=3)
    results = shown.results(progress=True)
    captured = capsys.readouterr()
    assert all(result is not None for result in results)
    assert captured.out == ""
    final = last_frame(captured.err)
    assert final.startswith("batch of 3 tasks: 100%")
    assert "3/3" in final
    assert final.endswith("COMPLETED=3]")

    quiet = device.run_batch([circuit] * 2, shots=10, max_parallel=2)
    assert all(result is not None for result in quiet.results())
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""


def test_a_session_waits_for_its_jobs_with_progress(
    sv1: HubBackend, capsys: pytest.CaptureFixture[str]
) -> None:
    with Batch(sv1) as batch:
        jobs = [sv1.run(bell(), shots=10) for _ in range(2)]
    records = batch.wait_for_jobs(progress=True)
    captured = capsys.readouterr()
    assert sorted(str(record.id) for record in records) == sorted(job.job_id() for job in jobs)
    assert {str(record.status) for record in records} == {"COMPLETED"}
    final = last_frame(captured.err)
    assert final.startswith(f"batch session {str(batch.session_id)[:8]}: 100%")
    assert "2/2" in final
    assert final.endswith("COMPLETED=2]")
    # Waiting again (everything has ended) is silent by default.
    assert len(batch.wait_for_jobs()) == 2
    assert capsys.readouterr().err == ""


# -- command line --------------------------------------------------------------------------------------


def test_cli_run_shows_a_bar_only_when_wanted_and_never_with_json(
    hub: LocalHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    program = tmp_path / "bell.qasm"
    program.write_text(BELL_QASM3)
    command = ["--base-url", hub.base_url, "--token", hub.token, "run", str(program), "--backend"]

    # Captured stderr is not a terminal: no bar.
    assert main([*command, "aws.sim.sv1", "--shots", "20"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "COMPLETED" in captured.out

    monkeypatch.setenv(PROGRESS_ENV, "1")
    assert main([*command, "aws.sim.sv1", "--shots", "20"]) == 0
    captured = capsys.readouterr()
    final = last_frame(captured.err)
    assert " on aws.sim.sv1: 100%" in final
    assert "1/1" in final
    assert final.endswith("COMPLETED]")
    assert "\r" not in captured.out

    assert main(["--json", *command, "aws.sim.sv1", "--shots", "20"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert json.loads(captured.out)["status"] == "COMPLETED"
