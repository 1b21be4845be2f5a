"""``qhub-providers emulator`` serves a working local Hub and stops cleanly on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qhub_providers.api import HubQuantumClient
from qhub_providers.cli import main


def _start(*args: str) -> tuple[subprocess.Popen[str], str, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "qhub_providers.cli", "emulator", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "Press Ctrl-C" in line:
            break
    text = "".join(lines)
    url = re.search(r"QHUB_QUANTUM_BASE_URL=(\S+)", text)
    token = re.search(r"KQH_PERSONAL_ACCESS_TOKEN=(\S+)", text)
    assert url, text
    assert token, text
    return process, url.group(1), token.group(1)


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_emulator_serves_and_stops_cleanly(tmp_path: Path, stop_signal: signal.Signals) -> None:
    db = tmp_path / "hub.sqlite3"
    process, base_url, token = _start("--db", str(db), "--token", "tok-123")
    try:
        assert token == "tok-123"
        assert base_url.startswith("http://127.0.0.1:")
        with HubQuantumClient(api_key=token, base_url=base_url) as client:
            ids = {b.id for b in client.backends.get_backends()}
            assert {"aws.sim.sv1", "ibm.qpu.fez", "iqm.qpu.garnet"} <= ids
    finally:
        process.send_signal(stop_signal)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert db.exists()


def test_emulator_in_memory_prints_where_it_keeps_state() -> None:
    process, _, _ = _start("--db", ":memory:")
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "Stopping" in out


def test_busy_port_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(["emulator", "--port", str(port), "--db", ":memory:"])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("error:")
    assert "Traceback" not in err


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "emulator" in capsys.readouterr().out


def test_default_db_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from qhub_providers.cli import default_db_path

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_db_path() == tmp_path / "qhub-providers" / "local-hub.sqlite3"
    assert os.fspath(default_db_path()).endswith("local-hub.sqlite3")
