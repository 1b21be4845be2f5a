"""What a new user meets in the first hour of the command line: the job id is never lost, scripts get
clean output, mistakes get a hint, a silent Hub is reported quickly, ``doctor`` checks the setup.

Like ``test_commands.py`` these run the command line in-process against the shared local Hub, and as a
real process where a signal, a pipe or a shell's view of the exit code is the point.
"""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from qhub_providers.cli import main
from qhub_providers.cli.output import (
    EXIT_AUTH,
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
)
from qhub_providers.emulator import LocalHub
from qhub_providers.testing import real_hub_requested
from tests.cli.test_commands import (
    BELL_BRAKET,
    Cli,
    assert_one_line_error,
    clean_environment,
    cli,
    held,
    process_env,
    programs,
    submit,
    target,
    wait_for,
)

__all__ = ["clean_environment", "cli", "held", "process_env", "programs", "target"]


def test_no_wait_prints_the_job_id_and_returns(
    cli: Cli, held: str, programs: dict[str, Path], org: str
) -> None:
    program = str(programs["braket"])
    outcome = cli("--organization", org, "--json", "run", program, "--backend", held, "--no-wait")
    assert outcome.code == EXIT_OK, outcome.err
    data = outcome.json()
    assert data["status"] in {"PENDING", "QUEUED"}
    listed = cli("--organization", org, "--json", "jobs").json()
    assert [job["id"] for job in listed["content"]] == [data["job_id"]]
    text = cli("--organization", org, "run", program, "--backend", held, "--no-wait")
    assert re.fullmatch(rf"job [0-9a-f-]{{36}} submitted to {held} \(\w+\)\n", text.out)
    assert "qhub-providers result" in text.err


def test_counts_are_whole_numbers_in_json(cli: Cli, programs: dict[str, Path], org: str) -> None:
    for program, backend_id in (("braket", "aws.sim.sv1"), ("bell2", "aqt.sim.ideal")):
        data = cli(
            "--json", "--organization", org, "run", str(programs[program]), "--backend", backend_id
        ).json()
        assert all(type(n) is int for n in data["counts"].values()), data
        assert sum(data["counts"].values()) == 1000
        again = cli("--json", "--organization", org, "result", data["job_id"]).json()
        assert again["counts"] == data["counts"]
        assert all(type(n) is int for n in again["counts"].values())


def test_where_progress_shows_the_full_job_id_comes_first(
    cli: Cli, programs: dict[str, Path], org: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QHUB_PROGRESS", "1")  # as on a terminal
    outcome = cli("--organization", org, "run", str(programs["braket"]), "--backend", "aws.sim.sv1")
    assert outcome.code == EXIT_OK, outcome.err
    submitted = re.match(r"job ([0-9a-f-]{36}) submitted to aws\.sim\.sv1; waiting", outcome.err)
    assert submitted, outcome.err
    assert f"job {submitted.group(1)}: COMPLETED" in outcome.out


def test_job_record_reads_as_text_without_the_client_token_tag(cli: Cli, hub: LocalHub, org: str) -> None:
    with hub.client(organization_id=org) as client:
        job = client.jobs.create_job(
            backend_id="aws.sim.sv1",
            shots=10,
            input=BELL_BRAKET,
            input_format="BRAKET_OPEN_QASM_V3",
            tags=["experiment-7"],
            input_params={"note": "x"},
        )
    outcome = cli("--organization", org, "job", str(job.id))
    assert outcome.code == EXIT_OK, outcome.err
    assert "qhub-providers-token" not in outcome.out
    assert re.search(r'^tags\s+\["experiment-7"\]$', outcome.out, flags=re.M), outcome.out
    assert "{'" not in outcome.out
    assert "['" not in outcome.out
    # Scripts still get the whole record.
    assert any(
        t.startswith("qhub-providers-token:")
        for t in cli("--organization", org, "--json", "job", str(job.id)).json()["tags"]
    )


def test_cancelling_a_finished_job_says_so(cli: Cli, hub: LocalHub, org: str) -> None:
    job_id = submit(hub, org)
    with hub.client(organization_id=org) as client:
        wait_for(client, job_id, "COMPLETED")
    outcome = cli("--organization", org, "cancel", job_id)
    assert_one_line_error(outcome, EXIT_FAILURE, "already ended COMPLETED", "nothing to cancel")


def test_an_unknown_provider_or_page_is_a_usage_error(cli: Cli, hub: LocalHub, org: str) -> None:
    outcome = cli("backends", "--provider", "NOPE")
    assert_one_line_error(outcome, EXIT_USAGE, "'NOPE'", "AWS", "IBM")
    submit(hub, org)
    past = cli("--organization", org, "jobs", "--page", "5")
    assert_one_line_error(past, EXIT_USAGE, "no page 5", "1 job")
    assert past.out == ""


def test_a_base_url_without_quantum_gets_a_hint(cli: Cli, hub: LocalHub) -> None:
    root = hub.base_url.removesuffix("/quantum")
    outcome = cli("backends", base_url=root)
    assert_one_line_error(outcome, EXIT_NOT_FOUND, "404", "does not end in /quantum", f"{root}/quantum")


@pytest.mark.parametrize("command", [pytest.param("backend", marks=pytest.mark.real_hub), "run"])
def test_an_unknown_backend_suggests_the_closest(cli: Cli, programs: dict[str, Path], command: str) -> None:
    argv = (
        ["backend", "aws.sim.sv2"]
        if command == "backend"
        else ["run", str(programs["braket"]), "--backend", "ibm.qpu.fezz"]
    )
    outcome = cli(*argv)
    wanted = "aws.sim.sv1" if command == "backend" else "ibm.qpu.fez"
    assert_one_line_error(outcome, EXIT_NOT_FOUND, "did you mean", wanted)


def test_help_shows_examples_and_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--help"]) == EXIT_OK
    text = capsys.readouterr().out
    assert "examples:" in text
    assert "qhub-providers run bell.qasm --backend aws.sim.sv1" in text
    assert "default: 1000" in text
    assert "--no-wait" in text
    assert main(["--help"]) == EXIT_OK
    top = capsys.readouterr().out
    assert "doctor" in top
    assert "exit codes:" in top
    assert "default: $QHUB_REQUEST_TIMEOUT, else 30" in top


def test_colour_only_on_terminals(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = cli("backends")
    assert "\033[" not in plain.out  # captured output is not a terminal
    monkeypatch.setenv("FORCE_COLOR", "1")
    coloured = cli("backends")
    assert "\033[32mONLINE" in coloured.out
    # Escape codes come after the padding, so the columns still line up once they are removed.
    assert re.sub(r"\033\[[0-9;]*m", "", coloured.out) == plain.out
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\033[" not in cli("backends").out


@pytest.fixture
def silent_hub() -> Iterator[str]:
    """A base URL whose server accepts connections (the kernel completes them) and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/quantum"


def test_a_hub_that_never_answers_is_reported(cli: Cli, silent_hub: str) -> None:
    outcome = cli("--request-timeout", "0.3", "backends", base_url=silent_hub)
    assert_one_line_error(outcome, EXIT_UNREACHABLE, "no answer within 0.3 s", "--request-timeout")


def test_request_timeout_from_the_environment(
    cli: Cli, silent_hub: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QHUB_REQUEST_TIMEOUT", "0.3")
    outcome = cli("backends", base_url=silent_hub)
    assert_one_line_error(outcome, EXIT_UNREACHABLE, "no answer within 0.3 s")
    monkeypatch.setenv("QHUB_REQUEST_TIMEOUT", "soon")
    assert_one_line_error(cli("backends", base_url=silent_hub), EXIT_USAGE, "QHUB_REQUEST_TIMEOUT")


# -- doctor ---------------------------------------------------------------------------------------------


@pytest.mark.real_hub
def test_doctor_on_a_working_setup(cli: Cli, request: pytest.FixtureRequest) -> None:
    outcome = cli("doctor")
    assert outcome.code == EXIT_OK, outcome
    lines = outcome.out.splitlines()
    assert [line.split()[0] for line in lines] == ["ok"] * 4
    listed = re.search(r"lists (\d+) backends", lines[-1])
    assert listed, lines[-1]
    assert int(listed.group(1)) == 18 or real_hub_requested(request)
    data = cli("--json", "doctor").json()
    assert data["ok"] is True
    assert [c["name"] for c in data["checks"]] == ["base URL", "token", "organization", "connection"]


def test_doctor_names_what_is_wrong(
    cli: Cli, hub: LocalHub, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    refused = cli("doctor", token="wrong-token-4711")
    assert refused.code == EXIT_AUTH
    assert re.search(r"^FAIL\s+connection\s+.*401", refused.out, flags=re.M)
    assert "wrong-token-4711" not in refused.out + refused.err
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    unreachable = cli("doctor", base_url=f"http://127.0.0.1:{port}/quantum")
    assert unreachable.code == EXIT_UNREACHABLE
    assert "qhub-providers emulator" in unreachable.out
    code = main(["--base-url", hub.base_url, "doctor"])  # no token anywhere
    out = capsys.readouterr().out
    assert code == EXIT_AUTH
    assert re.search(r"^FAIL\s+token\s+No Kipu Quantum Hub access token found", out, flags=re.M)
    assert "connection" not in out  # nothing to connect with
    monkeypatch.setenv("QHUB_QUANTUM_BASE_URL", "127.0.0.1:8080/quantum")  # no scheme
    code = main(["--token", hub.token, "doctor"])
    out = capsys.readouterr().out
    assert code == EXIT_USAGE
    assert re.search(r"^FAIL\s+base URL\s+invalid Quantum API base URL", out, flags=re.M), out
    assert re.search(r"^ok\s+token\s+found \(argument\)", out, flags=re.M), out
    assert "connection" not in out


# -- as a real process: signals and pipes -------------------------------------------------------------------


def test_ctrl_c_while_waiting_names_the_job_and_leaves_it_running(
    process_env: dict[str, str], hub: LocalHub, held: str, programs: dict[str, Path], org: str
) -> None:
    process_env["KQH_ORGANIZATION_ID"] = org
    process_env["QHUB_PROGRESS"] = "1"  # so that the job id is said once the job is submitted
    child = subprocess.Popen(
        [sys.executable, "-m", "qhub_providers.cli", "run", str(programs["braket"]), "--backend", held],
        env=process_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stderr is not None
        first = child.stderr.readline()  # blocks until the command is waiting (or ends)
        submitted = re.match(r"job (\S+) submitted to", first)
        assert submitted, first
        child.send_signal(signal.SIGINT)
        _, rest = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    job_id = submitted.group(1)
    assert child.returncode == EXIT_INTERRUPTED, rest
    assert f"stopped waiting; job {job_id} goes on" in rest
    assert f"qhub-providers cancel {job_id}" in rest
    assert "Traceback" not in rest
    with hub.client(organization_id=org) as client:
        assert str(client.jobs.get_job_status(job_id).status) in {"PENDING", "QUEUED"}


def test_a_reader_that_stops_early_is_not_an_error(process_env: dict[str, str]) -> None:
    """``qhub-providers --json backends | head -1``: the reader goes away before the output is written."""
    child = subprocess.Popen(
        [sys.executable, "-m", "qhub_providers.cli", "--json", "backends"],
        env=process_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None
    assert child.stderr is not None
    child.stdout.close()  # before the command can have listed anything
    err = child.stderr.read().decode()
    assert child.wait(timeout=120) == EXIT_OK, err
    assert "Broken pipe" not in err
    assert "Traceback" not in err


def test_the_qiskit_face_without_qiskit_says_what_to_install() -> None:
    blocked = "import sys; sys.modules['qiskit'] = None; import qhub_providers.qiskit"
    run = subprocess.run(
        [sys.executable, "-c", blocked], capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode != 0
    assert "pip install 'qhub-providers[qiskit]'" in run.stderr.strip().splitlines()[-1]
