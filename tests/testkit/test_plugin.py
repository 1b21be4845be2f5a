"""The test kit for users (``qhub_providers.testing``): its fixtures, the ``real_hub`` marker and
``use_local_hub``, used the way a user's test suite would use them.

The project's own test run loads the plugin (``-p qhub_providers.testing`` in pyproject.toml), so the
fixtures here are the plugin's. The tests marked ``real_hub`` run against the real Hub with
``--real-hub`` and a token, and against the plugin's local Hub otherwise.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from qhub_providers.api import HubQuantumClient
from qhub_providers.braket import HubBraketProvider
from qhub_providers.emulator import LocalHub
from qhub_providers.qiskit import HubQiskitProvider
from qhub_providers.testing import use_local_hub

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.real_hub
def test_hub_client_lists_the_backends(hub_client: HubQuantumClient) -> None:
    ids = {str(b.id) for b in hub_client.backends.get_backends(provider="AWS")}
    assert "aws.sim.sv1" in ids


@pytest.mark.real_hub
def test_qiskit_provider_runs_a_bell_pair(qiskit_provider: HubQiskitProvider) -> None:
    from qiskit import QuantumCircuit, transpile

    backend = qiskit_provider.get_backend("aws.sim.sv1")
    bell = QuantumCircuit(2, 2)
    bell.h(0)
    bell.cx(0, 1)
    bell.measure([0, 1], [0, 1])
    counts = backend.run(transpile(bell, backend), shots=200).result().get_counts()
    assert set(counts) <= {"00", "11"}
    assert sum(counts.values()) == 200


@pytest.mark.real_hub
def test_braket_provider_runs_a_bell_pair(braket_provider: HubBraketProvider) -> None:
    from braket.circuits import Circuit

    device = braket_provider.get_device("aws.sim.sv1")
    counts = device.run(Circuit().h(0).cnot(0, 1), shots=200).result().measurement_counts
    assert set(counts) <= {"00", "11"}
    assert sum(counts.values()) == 200


def test_local_hub_has_its_test_controls(local_hub: LocalHub, hub_client: HubQuantumClient) -> None:
    local_hub.admin.set_backend("aqt.qpu.ibex", status="OFFLINE")
    try:
        assert str(hub_client.backends.get_backend_status("aqt.qpu.ibex").status) == "OFFLINE"
    finally:
        local_hub.admin.set_backend("aqt.qpu.ibex", status="ONLINE")


def code_under_test() -> list[str]:
    """A user's function that builds its own provider from the environment, as production code does."""
    provider = HubQiskitProvider()
    return [backend.name for backend in provider.backends()]


def test_local_hub_env_points_code_without_arguments_at_the_local_hub(local_hub_env: LocalHub) -> None:
    assert "aws.sim.sv1" in code_under_test()
    with HubQuantumClient.from_env() as client:
        assert client.base_url.rstrip("/") == local_hub_env.base_url


def test_use_local_hub_hides_the_machines_account_and_restores_it(
    local_hub: LocalHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KQH_SERVICE_EXECUTION_TOKEN", "a-real-service-token")  # would outrank the local one
    monkeypatch.setenv("KQH_ORGANIZATION_ID", "real-org")
    monkeypatch.delenv("QHUB_QUANTUM_BASE_URL", raising=False)
    with use_local_hub(local_hub, organization_id="org-testkit"):
        assert "KQH_SERVICE_EXECUTION_TOKEN" not in os.environ
        with HubQuantumClient.from_env() as client:
            assert client.organization_id == "org-testkit"
            assert client.backends.get_backends()  # the local Hub accepted the token it was given
    assert os.environ["KQH_SERVICE_EXECUTION_TOKEN"] == "a-real-service-token"
    assert os.environ["KQH_ORGANIZATION_ID"] == "real-org"
    assert "QHUB_QUANTUM_BASE_URL" not in os.environ


def test_use_local_hub_without_a_hub_starts_and_stops_one() -> None:
    with use_local_hub() as hub, HubQuantumClient.from_env() as client:
        assert client.backends.get_backend("kipu.sim.qsim").id == "kipu.sim.qsim"
        url = hub.base_url
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{url}/backends", timeout=2)


USER_SUITE = """
import os

import pytest
from qhub_providers.api import HubQuantumClient


@pytest.mark.real_hub
def test_on_the_real_hub(hub_client):
    assert hub_client.backends.get_backends()
    print("TARGET", hub_client.base_url)


def test_offline(local_hub_env):
    with HubQuantumClient.from_env() as client:
        assert client.backends.get_backend("aws.sim.sv1").id == "aws.sim.sv1"
"""


def run_user_suite(folder: Path, extra_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """pytest on a user's suite in ``folder``, with ``--real-hub``, in an environment without credentials
    (plus ``extra_env``)."""
    (folder / "test_user.py").write_text(USER_SUITE)
    (folder / "empty-config.json").write_text("{}")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("KQH_", "PLANQK_", "QHUB_")) and k != "SERVICE_EXECUTION_TOKEN"
    }
    env["KQH_CONFIG_FILE_PATH"] = str(folder / "empty-config.json")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(extra_env)
    argv = ["-p", "qhub_providers.testing", "--strict-markers", "--real-hub", "-q", "-s", "-rs"]
    return subprocess.run(
        [sys.executable, "-m", "pytest", *argv, "-p", "no:cacheprovider", str(folder)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_real_hub_without_a_token_skips_only_the_marked_tests(tmp_path: Path) -> None:
    run = run_user_suite(tmp_path, {})
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed, 1 skipped" in run.stdout, run.stdout
    assert "--real-hub needs an access token" in run.stdout


def test_real_hub_with_a_token_sends_the_marked_tests_there(tmp_path: Path, local_hub: LocalHub) -> None:
    """Here "the real Hub" is the session's local Hub, named by the variables a real setup would use."""
    stand_in = {"QHUB_QUANTUM_BASE_URL": local_hub.base_url, "KQH_PERSONAL_ACCESS_TOKEN": local_hub.token}
    run = run_user_suite(tmp_path, stand_in)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 passed" in run.stdout, run.stdout
    assert f"TARGET {local_hub.base_url}" in run.stdout  # not the suite's own local Hub
