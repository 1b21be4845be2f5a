"""The Hub commands of ``qhub-providers`` against a real local Hub: what people see, what scripts parse,
and the exit code of every kind of failure.

Most tests call :func:`qhub_providers.cli.main` in-process (fast); a few run ``python -m qhub_providers.cli``
as a real process to prove the entry point, the environment variables and the exit codes a shell sees.
The Hub is the shared one of ``tests/conftest.py``; each test that lists jobs works in an organization of its
own, and the test that holds jobs in a queue puts the queue back.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from qhub_providers.api import HubQuantumClient
from qhub_providers.api.credentials import BASE_URL_VARIABLE, ORGANIZATION_VARIABLES, TOKEN_VARIABLES
from qhub_providers.cli import main
from qhub_providers.cli.output import (
    EXIT_AUTH,
    EXIT_BAD_INPUT,
    EXIT_JOB_UNSUCCESSFUL,
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
)
from qhub_providers.emulator import LocalHub
from qhub_providers.testing import real_hub_requested

BELL_QASM2 = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[2];
creg c[2];
h q[0];
cx q[0], q[1];
measure q -> c;
"""

BELL_QASM3 = """// a Bell pair
OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
bit[2] c;
h q[0];
cx q[0], q[1];
c = measure q;
"""

BELL_BRAKET = """OPENQASM 3.0;
qubit[2] q;
bit[2] c;
h q[0];
cnot q[0], q[1];
c = measure q;
"""
"""A Bell pair in Braket's own dialect (its gate names, no standard library include)."""

HELD_BACKEND = "aws.sim.dm1"
"""The backend whose jobs the cancel tests hold in the queue; no other test here uses it."""

MISSING_JOB = "00000000-0000-4000-8000-000000000000"


@dataclass
class Outcome:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


Cli = Callable[..., Outcome]


def empty_config(folder: Path) -> Path:
    """A qhubctl configuration file without a token or a context."""
    path = folder / "qhubctl-config.json"
    path.write_text("{}")
    return path


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No token, organization or base URL from the machine running the tests, nor a qhubctl file."""
    for name in (*TOKEN_VARIABLES, *ORGANIZATION_VARIABLES, BASE_URL_VARIABLE, "PLANQK_CONFIG_FILE_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KQH_CONFIG_FILE_PATH", str(empty_config(tmp_path)))


@pytest.fixture
def target(request: pytest.FixtureRequest, hub: LocalHub) -> tuple[str, str, list[str]]:
    """Base URL, token and further options of the Hub the command line talks to: the shared local Hub, or
    the real Hub in a test marked ``real_hub`` when pytest runs with ``--real-hub`` and a token."""
    if real_hub_requested(request):
        creds = request.getfixturevalue("real_hub_credentials")
        organization = ["--organization", creds.organization_id] if creds.organization_id else []
        return creds.base_url, creds.token, organization
    return hub.base_url, hub.token, []


@pytest.fixture
def cli(target: tuple[str, str, list[str]], capsys: pytest.CaptureFixture[str]) -> Cli:
    """Run the command line in-process against the Hub (``base_url``/``token`` override the defaults)."""
    default_url, default_token, options = target

    def run(*argv: str, base_url: str | None = None, token: str | None = None) -> Outcome:
        capsys.readouterr()
        connection = ["--base-url", base_url or default_url, "--token", token or default_token, *options]
        code = main([*connection, *argv])
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return run


@pytest.fixture
def programs(tmp_path: Path) -> dict[str, Path]:
    files = {"bell2": BELL_QASM2, "bell3": BELL_QASM3, "braket": BELL_BRAKET}
    paths = {}
    for name, text in files.items():
        paths[name] = tmp_path / f"{name}.qasm"
        paths[name].write_text(text)
    return paths


def assert_one_line_error(outcome: Outcome, code: int, *fragments: str) -> None:
    assert outcome.code == code, outcome
    lines = outcome.err.strip().splitlines()
    assert len(lines) == 1, outcome.err
    assert lines[0].startswith("error: "), outcome.err
    assert "Traceback" not in outcome.err
    for fragment in fragments:
        assert fragment in lines[0], outcome.err


def submit(hub: LocalHub, org: str, backend_id: str = "aws.sim.sv1", shots: int = 10) -> str:
    with hub.client(organization_id=org) as client:
        job = client.jobs.create_job(
            backend_id=backend_id, shots=shots, input=BELL_BRAKET, input_format="BRAKET_OPEN_QASM_V3"
        )
    assert job.id is not None
    return job.id


# -- backends -------------------------------------------------------------------------------------------


def test_backends_table_lists_every_backend_with_status_and_queue(cli: Cli, hub: LocalHub) -> None:
    outcome = cli("backends")
    assert outcome.code == EXIT_OK, outcome.err
    lines = outcome.out.splitlines()
    assert lines[0].split() == ["ID", "PROVIDER", "TYPE", "QUBITS", "STATUS", "QUEUE"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    with hub.client() as client:
        assert set(rows) == {str(b.id) for b in client.backends.get_backends()}
    assert rows["aws.sim.sv1"][1:3] == ["AWS", "SIMULATOR"]
    assert rows["ibm.qpu.fez"][3] == "156"
    assert rows["ibm.qpu.fez"][4] == "ONLINE"


def test_backends_json_and_provider_filter(cli: Cli) -> None:
    everything = cli("--json", "backends").json()
    assert len(everything) == 18
    assert all(b["state"]["status"] for b in everything)
    # Global options work after the command as well.
    aws = cli("backends", "--provider", "AWS", "--json").json()
    assert aws
    assert {b["provider"] for b in aws} == {"AWS"}
    assert len(aws) < len(everything)


def test_backend_details_include_a_calibration_summary(cli: Cli) -> None:
    outcome = cli("backend", "ibm.qpu.fez")
    assert outcome.code == EXIT_OK, outcome.err
    fields = dict(re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in outcome.out.splitlines())
    assert fields["id"] == "ibm.qpu.fez"
    assert fields["qubits"] == "156"
    for key in ("median T1 (us)", "median T2 (us)", "median readout error", "median 2-qubit gate error"):
        assert float(fields[key]) > 0, key
    data = cli("backend", "ibm.qpu.fez", "--json").json()
    assert data["backend"]["id"] == "ibm.qpu.fez"
    assert data["calibration"]["calibration"]
    simulator = cli("--json", "backend", "aws.sim.sv1").json()
    assert simulator["calibration"] is None
    assert simulator["state"]["status"] == "ONLINE"


# -- run -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("program", "backend_id"),
    [
        ("braket", "aws.sim.sv1"),  # OpenQASM 3 sent as it is
        ("bell3", "aws.sim.sv1"),  # includes the standard gates: translated by Qiskit
        ("bell2", "kipu.sim.qsim"),  # OpenQASM 2 sent as it is
        ("bell2", "aqt.sim.ideal"),  # loaded and transpiled with Qiskit
        ("bell3", "azure.ionq.simulator"),  # OpenQASM 3 through Qiskit
    ],
)
def test_run_prints_bell_counts(
    cli: Cli, programs: dict[str, Path], program: str, backend_id: str, org: str
) -> None:
    outcome = cli(
        "--json",
        "--organization",
        org,
        "run",
        str(programs[program]),
        "--backend",
        backend_id,
        "--shots",
        "200",
    )
    assert outcome.code == EXIT_OK, outcome.err
    data = outcome.json()
    assert data["status"] == "COMPLETED"
    counts = data["counts"]
    assert set(counts) <= {"00", "11"}
    assert sum(counts.values()) == pytest.approx(200)
    assert min(counts.get("00", 0), counts.get("11", 0)) > 40  # both halves of the pair show up


def test_run_table_shows_a_histogram(cli: Cli, programs: dict[str, Path], org: str) -> None:
    outcome = cli(
        "--organization", org, "run", str(programs["bell3"]), "--backend", "aws.sim.sv1", "--shots", "100"
    )
    assert outcome.code == EXIT_OK, outcome.err
    assert re.search(r"^job \S+: COMPLETED$", outcome.out, flags=re.M)
    bars = re.findall(r"^\s*(\d\d)\s+#+\s+(\d+)$", outcome.out, flags=re.M)
    assert {key for key, _ in bars} <= {"00", "11"}
    assert sum(int(n) for _, n in bars) == 100


# -- jobs, job, result, cancel ---------------------------------------------------------------------------


def test_jobs_are_paged_newest_first(cli: Cli, hub: LocalHub, org: str) -> None:
    ids = [submit(hub, org) for _ in range(3)]
    first = cli("--organization", org, "jobs", "--size", "2")
    assert first.code == EXIT_OK, first.err
    rows = [line.split() for line in first.out.splitlines()[1:-1]]
    assert [row[0] for row in rows] == [ids[2], ids[1]]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row[4]) for row in rows)
    assert "page 1 of 2 (3 jobs)" in first.out
    second = cli("--organization", org, "jobs", "--size", "2", "--page", "2")
    assert [line.split()[0] for line in second.out.splitlines()[1:-1]] == [ids[0]]
    assert "page 2 of 2" in second.out
    page = cli("--organization", org, "--json", "jobs", "--size", "2", "--page", "2").json()
    assert [job["id"] for job in page["content"]] == [ids[0]]
    assert page["total_elements"] == 3


def test_job_and_result_of_a_finished_job(cli: Cli, programs: dict[str, Path], org: str) -> None:
    ran = cli(
        "--json", "--organization", org, "run", str(programs["bell3"]), "--backend", "aws.sim.sv1"
    ).json()
    job_id = ran["job_id"]
    record = cli("--organization", org, "job", job_id)
    assert record.code == EXIT_OK, record.err
    assert re.search(rf"^id\s+{job_id}$", record.out, flags=re.M)
    assert re.search(r"^status\s+COMPLETED$", record.out, flags=re.M)
    assert cli("--organization", org, "--json", "job", job_id).json()["backend_id"] == "aws.sim.sv1"
    result = cli("--organization", org, "--json", "result", job_id).json()
    assert result["counts"] == ran["counts"]
    raw = cli("--organization", org, "result", job_id, "--raw")
    assert raw.code == EXIT_OK, raw.err
    assert json.loads(raw.out)  # the provider's own result document


@pytest.fixture
def held(hub: LocalHub) -> Iterator[str]:
    """A backend whose jobs wait in the queue for a long time, so they can be cancelled there."""
    hub.admin.set_backend(HELD_BACKEND, queue_delay=600)
    try:
        yield HELD_BACKEND
    finally:
        hub.admin.set_backend(HELD_BACKEND, queue_delay=0)


def wait_for(client: HubQuantumClient, job_id: str, status: str) -> None:
    for _ in range(500):
        if str(client.jobs.get_job_status(job_id).status) == status:
            return
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} never became {status}")


def test_cancel_a_queued_job(cli: Cli, hub: LocalHub, held: str, org: str) -> None:
    job_id = submit(hub, org, backend_id=held)
    not_yet = cli("--organization", org, "result", job_id)
    assert_one_line_error(not_yet, EXIT_JOB_UNSUCCESSFUL, "no result yet")
    outcome = cli("--organization", org, "cancel", job_id)
    assert outcome.code == EXIT_OK, outcome.err
    assert re.search(rf"job {job_id}: cancellation requested \((CANCELLING|CANCELLED)\)", outcome.out)
    with hub.client(organization_id=org) as client:
        wait_for(client, job_id, "CANCELLED")
    result = cli("--organization", org, "result", job_id)
    assert_one_line_error(result, EXIT_JOB_UNSUCCESSFUL, "CANCELLED")
    assert result.out == ""
    as_json = cli("--organization", org, "--json", "result", job_id)
    assert as_json.code == EXIT_JOB_UNSUCCESSFUL
    assert as_json.json()["status"] == "CANCELLED"


def test_result_of_a_failed_job_says_why(cli: Cli, hub: LocalHub, held: str, org: str) -> None:
    job_id = submit(hub, org, backend_id=held)
    hub.admin.force_job_status(job_id, "FAILED", message="the device lost its calibration")
    with hub.client(organization_id=org) as client:
        wait_for(client, job_id, "FAILED")
    outcome = cli("--organization", org, "result", job_id)
    assert_one_line_error(outcome, EXIT_JOB_UNSUCCESSFUL, "FAILED", "the device lost its calibration")
    raw = cli("--organization", org, "result", job_id, "--raw")
    assert raw.code == EXIT_OK
    assert json.loads(raw.out)["error"]["message"] == "the device lost its calibration"


def test_run_that_times_out_names_the_job(
    cli: Cli, hub: LocalHub, held: str, programs: dict[str, Path]
) -> None:
    org = f"org-{uuid.uuid4().hex[:12]}"
    outcome = cli("--organization", org, "run", str(programs["bell3"]), "--backend", held, "--timeout", "0.3")
    assert_one_line_error(outcome, EXIT_JOB_UNSUCCESSFUL, "still PENDING")
    match = re.search(r"qhub-providers result (\S+)", outcome.err)
    assert match, outcome
    assert cli("--organization", org, "cancel", match.group(1)).code == EXIT_OK


# -- errors ---------------------------------------------------------------------------------------------


@pytest.mark.real_hub
@pytest.mark.parametrize(
    "argv",
    [
        ["backend", "no.such.backend"],
        ["job", MISSING_JOB],
        ["result", MISSING_JOB],
        ["cancel", MISSING_JOB],
    ],
    ids=["backend", "job", "result", "cancel"],
)
def test_unknown_backend_or_job_is_not_found(cli: Cli, argv: list[str]) -> None:
    assert_one_line_error(cli(*argv), EXIT_NOT_FOUND, argv[1])


def test_run_on_an_unknown_backend_is_not_found(cli: Cli, programs: dict[str, Path]) -> None:
    outcome = cli("run", str(programs["bell3"]), "--backend", "no.such.backend")
    assert_one_line_error(outcome, EXIT_NOT_FOUND)


@pytest.mark.real_hub
def test_a_refused_token_is_an_auth_error_that_does_not_echo_it(cli: Cli) -> None:
    outcome = cli("backends", token="wrong-token-4711")
    assert_one_line_error(outcome, EXIT_AUTH, "401")
    assert "wrong-token-4711" not in outcome.err


def test_no_token_anywhere_is_an_auth_error(hub: LocalHub, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--base-url", hub.base_url, "backends"])
    assert_one_line_error(Outcome(code, *capsys.readouterr()), EXIT_AUTH)


def test_an_unreachable_hub_is_its_own_exit_code(cli: Cli) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    outcome = cli("backends", base_url=f"http://127.0.0.1:{port}/quantum")
    assert_one_line_error(outcome, EXIT_UNREACHABLE)


@pytest.mark.parametrize(
    ("content", "backend_id", "fragment"),
    [
        (None, "aws.sim.sv1", "cannot read"),
        (b"\xff\xfe\x00binary", "aws.sim.sv1", "not a text file"),
        (b"h q[0];\nmeasure q;\n", "aws.sim.sv1", "not an OpenQASM 2 or 3 program"),
        (b"OPENQASM 4.0;\nqubit q;\n", "aws.sim.sv1", "not an OpenQASM 2 or 3 program"),
        (b"OPENQASM 2.0;\nqreg q[2];\nfoo q[0];\n", "aqt.sim.ideal", "not a valid OpenQASM 2 program"),
    ],
    ids=["missing", "binary", "no-header", "version-4", "qasm2-syntax"],
)
def test_an_unusable_program_file_is_a_bad_input(
    cli: Cli, tmp_path: Path, content: bytes | None, backend_id: str, fragment: str
) -> None:
    file = tmp_path / "program.qasm"
    if content is not None:
        file.write_bytes(content)
    outcome = cli("run", str(file), "--backend", backend_id)
    assert_one_line_error(outcome, EXIT_BAD_INPUT, fragment)


def test_a_program_the_hub_rejects_is_a_bad_input(cli: Cli, tmp_path: Path) -> None:
    file = tmp_path / "broken.qasm"
    file.write_text("OPENQASM 3.0;\nqubit[2] q;\nnot_a_gate q[0];\n")
    outcome = cli("run", str(file), "--backend", "aws.sim.sv1")
    assert outcome.code in {EXIT_BAD_INPUT, EXIT_JOB_UNSUCCESSFUL}, outcome
    assert outcome.err.startswith("error: ")
    assert "Traceback" not in outcome.err


@pytest.mark.parametrize(
    "argv",
    [["run", "x.qasm"], ["jobs", "--page", "0"], ["run", "x.qasm", "--backend", "b", "--shots", "0"]],
    ids=["no-backend", "page-0", "shots-0"],
)
def test_usage_errors(cli: Cli, argv: list[str]) -> None:
    outcome = cli(*argv)
    assert outcome.code == EXIT_USAGE
    assert "usage:" in outcome.err


@pytest.mark.parametrize("base_url", ["127.0.0.1:8080/quantum", "ftp://example.org/quantum", "http://"])
def test_a_malformed_base_url_is_a_usage_error(cli: Cli, base_url: str) -> None:
    assert_one_line_error(cli("backends", base_url=base_url), EXIT_USAGE, "base URL")


@pytest.mark.real_hub
def test_debug_adds_the_traceback(cli: Cli) -> None:
    outcome = cli("--debug", "backend", "no.such.backend")
    assert outcome.code == EXIT_NOT_FOUND
    assert "Traceback (most recent call last)" in outcome.err
    assert outcome.err.strip().splitlines()[-1].startswith("error: ")


# -- the real entry point ---------------------------------------------------------------------------------


def run_process(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qhub_providers.cli", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def process_env(hub: LocalHub, tmp_path: Path) -> dict[str, str]:
    """The environment of a shell that exported the local Hub's address and token."""
    env = {k: v for k, v in os.environ.items() if k not in {*TOKEN_VARIABLES, *ORGANIZATION_VARIABLES}}
    env[BASE_URL_VARIABLE] = hub.base_url
    env["KQH_PERSONAL_ACCESS_TOKEN"] = hub.token
    env["KQH_CONFIG_FILE_PATH"] = str(empty_config(tmp_path))
    return env


def test_entry_point_reads_the_environment(process_env: dict[str, str], programs: dict[str, Path]) -> None:
    listing = run_process("backends", "--json", env=process_env)
    assert listing.returncode == EXIT_OK, listing.stderr
    assert "aws.sim.sv1" in {b["id"] for b in json.loads(listing.stdout)}
    process_env["KQH_ORGANIZATION_ID"] = f"org-{uuid.uuid4().hex[:12]}"
    ran = run_process("run", str(programs["bell2"]), "--backend", "kipu.sim.qsim", "--json", env=process_env)
    assert ran.returncode == EXIT_OK, ran.stderr
    assert set(json.loads(ran.stdout)["counts"]) <= {"00", "11"}
    jobs = run_process("jobs", "--json", env=process_env)
    assert [j["id"] for j in json.loads(jobs.stdout)["content"]] == [json.loads(ran.stdout)["job_id"]]


def test_entry_point_exit_codes(process_env: dict[str, str]) -> None:
    missing = run_process("backend", "no.such.backend", env=process_env)
    assert missing.returncode == EXIT_NOT_FOUND
    assert missing.stderr.startswith("error: ")
    assert len(missing.stderr.strip().splitlines()) == 1
    refused = run_process("--token", "wrong-token", "backends", env=process_env)
    assert refused.returncode == EXIT_AUTH
    assert "Traceback" not in refused.stderr
    usage = run_process("jobs", "--size", "many", env=process_env)
    assert usage.returncode == EXIT_USAGE
