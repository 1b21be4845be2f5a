"""The catalog as data: the built-in files, catalog files of one's own, and a local twin of an account
recorded with ``qhub-providers snapshot`` from one local Hub and served by another."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from qhub_providers.api import HubQuantumClient
from qhub_providers.cli import main
from qhub_providers.emulator import LocalHub
from qhub_providers.emulator.catalog import CatalogError, load_catalog
from qhub_providers.emulator.catalog.files import BUILTIN_FILES, builtin_paths

from .hub_support import connect, iqm_ghz, qasm3_ghz, wait_for_status

CATALOG = load_catalog()


def test_the_built_in_catalog_is_data_files_shipped_in_the_package() -> None:
    paths = builtin_paths()
    assert [p.name for p in paths] == list(BUILTIN_FILES)
    ids = []
    for path in paths:
        document = json.loads(path.read_text(encoding="utf-8"))
        assert document["format"] == "qhub-local-catalog"
        ids += [entry["record"]["id"] for entry in document["backends"]]
    assert ids == list(CATALOG)
    # No Python module of the catalog package states a backend: the ids live in the data only.
    package = Path(paths[0].parent.parent)
    for module in package.glob("*.py"):
        text = module.read_text(encoding="utf-8")
        assert not any(f'"{backend_id}"' in text for backend_id in CATALOG), module.name


def test_the_simulators_advertise_what_the_simulator_that_runs_them_supports() -> None:
    from braket.default_simulator import DensityMatrixSimulator, StateVectorSimulator

    for backend_id, simulator in (
        ("aws.sim.sv1", StateVectorSimulator()),
        ("aws.sim.dm1", DensityMatrixSimulator()),
    ):
        action = CATALOG[backend_id].native_config["action"]["braket.ir.openqasm.program"]
        own = simulator.properties.action["braket.ir.openqasm.program"]
        assert set(action["supportedOperations"]) == set(own.supportedOperations)
        simulated = {r.name for r in own.supportedResultTypes}
        assert {r["name"] for r in action["supportedResultTypes"]} <= simulated
    assert (
        "cv"
        in CATALOG["aws.sim.sv1"].native_config["action"]["braket.ir.openqasm.program"]["supportedOperations"]
    )


def _write(tmp_path: Path, document: Any) -> Path:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_a_catalog_file_of_ones_own_is_served(tmp_path: Path) -> None:
    aws = json.loads(builtin_paths()[0].read_text(encoding="utf-8"))
    sv1 = next(e for e in aws["backends"] if e["record"]["id"] == "aws.sim.sv1")
    sv1["record"]["id"] = "acme.sim.small"
    sv1["record"]["configuration"]["qubit_count"] = 5
    path = _write(tmp_path, {"format": "qhub-local-catalog", "version": 1, "backends": [sv1]})
    with LocalHub(catalog=path) as hub, connect(hub) as client:
        assert [b.id for b in client.backends.get_backends()] == ["acme.sim.small"]
        job = client.jobs.create_job(backend_id="acme.sim.small", shots=100, input=qasm3_ghz(3))
        assert wait_for_status(client, str(job.id)) == "COMPLETED"
        too_big = client.jobs.create_job
        with pytest.raises(Exception, match="6 qubits"):
            too_big(backend_id="acme.sim.small", shots=100, input=qasm3_ghz(6))


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"backends": []}, "not a local Hub catalog"),
        ({"format": "qhub-local-catalog", "version": 9, "backends": []}, "version"),
        ({"format": "qhub-local-catalog", "version": 1, "backends": [{"record": {}}]}, "backends\\[0\\]"),
    ],
)
def test_an_unusable_catalog_file_is_refused_with_its_reason(
    tmp_path: Path, document: Any, message: str
) -> None:
    with pytest.raises(CatalogError, match=message):
        load_catalog(_write(tmp_path, document))


def test_the_emulator_command_refuses_an_unusable_catalog(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    assert main(["emulator", "--catalog", str(path), "--db", ":memory:", "--port", "0"]) == 2
    assert "broken.json is not JSON" in capsys.readouterr().err


def test_a_snapshot_of_one_hub_served_by_another_is_its_twin(tmp_path: Path) -> None:
    twin_file = tmp_path / "twin.json"
    with LocalHub() as original, connect(original) as source:
        code = main(
            [
                "snapshot",
                "--base-url", original.base_url,
                "--token", original.token,
                "--output", str(twin_file),
                "--days", "2",
                "--provider", "AWS",
                "--provider", "IQM",
            ]
        )  # fmt: skip
        assert code == 0
        records = {b.id: b for b in source.backends.get_backends() if b.provider in ("AWS", "IQM")}
        configs = {i: source.backends.get_backend_config(i) for i in records}
        now = datetime.now(UTC)
        history = source.backends.get_backend_calibration_history(
            "iqm.qpu.garnet", from_=now - timedelta(days=2), to=now
        )

    with LocalHub(catalog=twin_file) as twin, connect(twin) as client:
        served = {b.id: b for b in client.backends.get_backends()}
        assert list(served) == list(records)
        for backend_id, record in records.items():
            assert served[backend_id].model_dump(exclude={"updated_at"}) == record.model_dump(
                exclude={"updated_at"}
            )
            assert client.backends.get_backend_config(backend_id) == configs[backend_id]
        assert client.backends.get_backend_calibration("aws.sim.sv1") is None
        twin_history = client.backends.get_backend_calibration_history(
            "iqm.qpu.garnet", from_=now - timedelta(days=2), to=now
        )
        assert [c.model_dump() for c in twin_history.content or []] == [
            c.model_dump() for c in history.content or []
        ]
        # Jobs run on the twin, judged by the recorded device data (Garnet's couplers among them).
        job = client.jobs.create_job(
            backend_id="iqm.qpu.garnet",
            shots=200,
            input={"circuits": [iqm_ghz(["QB1", "QB2", "QB5"])]},
        )
        assert wait_for_status(client, str(job.id)) == "COMPLETED"
        session = client.sessions.create_session(backend_id="aws.sim.sv1", provider="AWS", mode="batch")
        assert session.id


def test_the_emulator_command_serves_a_catalog_file(tmp_path: Path) -> None:
    others = json.loads(builtin_paths()[3].read_text(encoding="utf-8"))
    others["backends"] = [e for e in others["backends"] if e["record"]["id"] == "kipu.sim.qsim"]
    path = _write(tmp_path, others)
    command = [sys.executable, "-m", "qhub_providers.cli", "emulator", "--port", "0", "--db", ":memory:"]
    process = subprocess.Popen(
        [*command, "--catalog", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        text, deadline = "", time.monotonic() + 30
        while "Press Ctrl-C" not in text and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            text += line
        url = re.search(r"QHUB_QUANTUM_BASE_URL=(\S+)", text)
        token = re.search(r"KQH_PERSONAL_ACCESS_TOKEN=(\S+)", text)
        assert url, text
        assert token, text

        with HubQuantumClient(api_key=token.group(1), base_url=url.group(1), max_retries=0) as client:
            assert [b.id for b in client.backends.get_backends()] == ["kipu.sim.qsim"]
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    assert process.returncode == 0


def test_a_recorded_record_with_vendor_qubit_names_gives_the_coupling_and_width(tmp_path: Path) -> None:
    # Records recorded from a real account may name qubits by the vendor's labels and omit qubit_count.
    record = {
        "id": "acme.qpu.line",
        "provider": "IQM",
        "type": "QPU",
        "configuration": {
            "gates": [{"name": "r", "native_gate": True}, {"name": "cz", "native_gate": True}],
            "qubits": [{"id": "QB1"}, {"id": "QB2"}, {"id": "QB3"}],
            "connectivity": {"fully_connected": False, "graph": {"QB1": ["QB2"], "QB2": ["QB1", "QB3"]}},
            "supported_input_formats": ["IQM_JOB_INPUT_V1"],
        },
    }
    document = {"format": "qhub-local-catalog", "version": 1, "backends": [{"record": record}]}
    spec = load_catalog(_write(tmp_path, document))["acme.qpu.line"]
    assert spec.num_qubits == 3
    assert spec.coupling_map == ((0, 1), (1, 0), (1, 2), (2, 1))
    assert (spec.runner, spec.basis_gates) == ("iqm", ("r", "cz"))
