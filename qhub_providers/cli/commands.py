"""The Hub commands: ``backends``, ``backend``, ``run``, ``jobs``, ``job``, ``result``, ``cancel``."""

from __future__ import annotations

import argparse
import re
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from qhub_providers._polling import Backoff, WaitTimeout, wait_for_final_status
from qhub_providers.api import HubQuantumClient
from qhub_providers.api.credentials import resolve_credentials
from qhub_providers.api.models import Backend, BackendStateInfo
from qhub_providers.cli.output import (
    EXIT_JOB_UNSUCCESSFUL,
    EXIT_OK,
    EXIT_USAGE,
    Progress,
    histogram,
    print_json,
    print_table,
)


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backends = commands.add_parser("backends", help="list the Hub's backends with status and queue")
    backends.add_argument("--provider", help="only this provider (AWS, IBM, IQM ...)")
    backends.set_defaults(handler=list_backends)

    backend = commands.add_parser("backend", help="details of one backend, with a calibration summary")
    backend.add_argument("backend_id")
    backend.set_defaults(handler=show_backend)

    run = commands.add_parser("run", help="run an OpenQASM 2 or 3 file and print its counts")
    run.add_argument("file", type=Path, help="an OpenQASM 2 or 3 program")
    run.add_argument("--backend", required=True, help="backend id, e.g. aws.sim.sv1")
    run.add_argument("--shots", type=int, default=1000)
    run.add_argument("--timeout", type=float, default=None, help="seconds to wait for the result")
    run.add_argument("--name", default=None, help="a name for the job")
    run.set_defaults(handler=run_file)

    jobs = commands.add_parser("jobs", help="your recent jobs, newest first")
    jobs.add_argument("--page", type=int, default=0)
    jobs.add_argument("--size", type=int, default=20)
    jobs.set_defaults(handler=list_jobs)

    job = commands.add_parser("job", help="one job's record")
    job.add_argument("job_id")
    job.set_defaults(handler=show_job)

    result = commands.add_parser("result", help="a job's counts (or, with --raw, the provider's result)")
    result.add_argument("job_id")
    result.add_argument("--raw", action="store_true", help="print the provider-native result JSON")
    result.set_defaults(handler=show_result)

    cancel = commands.add_parser("cancel", help="cancel a job")
    cancel.add_argument("job_id")
    cancel.set_defaults(handler=cancel_job)


def client_from(args: argparse.Namespace) -> HubQuantumClient:
    """A client from --token/--organization/--base-url, else the environment and qhubctl config."""
    creds = resolve_credentials(args.token, args.organization, args.base_url)
    return HubQuantumClient(
        api_key=creds.token, organization_id=creds.organization_id, base_url=creds.base_url
    )


# -- backends ------------------------------------------------------------------------------------------


def _qubits(backend: Backend) -> int | None:
    return backend.configuration.qubit_count if backend.configuration else None


def list_backends(args: argparse.Namespace) -> int:
    with client_from(args) as client:
        backends = client.backends.get_backends(provider=args.provider)
        with ThreadPoolExecutor(max_workers=8) as pool:
            states = list(pool.map(lambda b: client.backends.get_backend_status(str(b.id)), backends))
    if args.json:
        print_json(
            [
                {**b.model_dump(mode="json", exclude_none=True), "state": s}
                for b, s in zip(backends, states, strict=True)
            ]
        )
        return EXIT_OK
    rows = [
        (b.id, b.provider, b.type, _qubits(b), s.status, s.queue_size)
        for b, s in zip(backends, states, strict=True)
    ]
    print_table(["id", "provider", "type", "qubits", "status", "queue"], rows)
    return EXIT_OK


def _calibration_summary(calibration: Any) -> list[tuple[str, str]]:
    body = calibration.calibration
    qubits = getattr(body, "qubits", None) or []
    pairs = getattr(body, "qubit_pairs", None) or []
    out = [("calibrated at", str(calibration.calibrated_at))]

    def median(values: list[float]) -> str:
        return f"{statistics.median(values):.4g}" if values else "-"

    out.append(("median T1 (us)", median([q.t1_us for q in qubits if q.t1_us is not None])))
    out.append(("median T2 (us)", median([q.t2_us for q in qubits if q.t2_us is not None])))
    out.append(
        ("median readout error", median([q.readout_error for q in qubits if q.readout_error is not None]))
    )
    two = [g.error for p in pairs for g in (p.gates or {}).values() if g.error is not None]
    out.append(("median 2-qubit gate error", median(two)))
    return out


def show_backend(args: argparse.Namespace) -> int:
    with client_from(args) as client:
        backend = client.backends.get_backend(args.backend_id)
        state: BackendStateInfo = client.backends.get_backend_status(args.backend_id)
        calibration = (
            client.backends.get_backend_calibration(args.backend_id) if backend.has_calibration else None
        )
    if args.json:
        print_json({"backend": backend, "state": state, "calibration": calibration})
        return EXIT_OK
    configuration = backend.configuration
    rows: list[tuple[str, Any]] = [
        ("id", backend.id),
        ("name", backend.display_name or backend.name),
        ("provider", f"{backend.provider} (hardware: {backend.hardware_provider})"),
        ("type", f"{backend.type}, {backend.technology}"),
        ("status", f"{state.status}, queue {state.queue_size}"),
        ("qubits", _qubits(backend)),
    ]
    if configuration is not None:
        rows.append(("gates", ", ".join(str(g.name) for g in configuration.gates or [])))
        rows.append(("input formats", ", ".join(str(f) for f in configuration.supported_input_formats or [])))
        if configuration.shots_range is not None:
            rows.append(("shots", f"{configuration.shots_range.min} .. {configuration.shots_range.max}"))
        rows.append(("circuits per job", configuration.max_pubs_per_job or 1))
    if calibration is not None:
        rows.extend(_calibration_summary(calibration))
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key.ljust(width)}  {'-' if value is None else value}")
    return EXIT_OK


# -- running ---------------------------------------------------------------------------------------


def _qasm_version(text: str) -> int:
    match = re.search(r"OPENQASM\s+(\d)", text)
    if not match or match.group(1) not in {"2", "3"}:
        raise ValueError(
            "the file is not an OpenQASM 2 or 3 program (it must start with 'OPENQASM 2.0;' or 3)"
        )
    return int(match.group(1))


def _wait(client: HubQuantumClient, job_id: str, timeout: float | None, label: str) -> str:
    progress = Progress(label)
    started = time.monotonic()
    try:
        return wait_for_final_status(
            job_id,
            lambda: str(client.jobs.get_job_status(job_id).status),
            timeout=timeout,
            backoff=Backoff(initial=0.05, cap=2.0),
            on_status=lambda s: progress.update(s, time.monotonic() - started),
        )
    finally:
        progress.done()


def _counts(client: HubQuantumClient, job_id: str) -> dict[str, float] | None:
    normalized = client.jobs.get_normalized_job_result(job_id)
    if normalized is None or not normalized.pubs:
        return None
    pub = normalized.pubs[0]
    counts = getattr(pub, "counts", None)
    if counts is not None:
        return {k: float(v) for k, v in counts.items()}
    probabilities = getattr(pub, "probabilities", None)
    return None if probabilities is None else {k: float(v) for k, v in probabilities.items()}


def run_file(args: argparse.Namespace) -> int:
    text = args.file.read_text()
    version = _qasm_version(text)
    with client_from(args) as client:
        backend = client.backends.get_backend(args.backend)
        formats = (
            {str(f) for f in (backend.configuration.supported_input_formats or [])}
            if backend.configuration
            else set()
        )
        if version == 3 and "BRAKET_OPEN_QASM_V3" in formats:
            input_format = "BRAKET_OPEN_QASM_V3"
        elif version == 2 and "OPEN_QASM_V2" in formats:
            input_format = "OPEN_QASM_V2"
        else:
            return _run_through_qiskit(args, client, text, version)
        job = client.jobs.create_job(
            backend_id=args.backend, shots=args.shots, input=text, input_format=input_format, name=args.name
        )
        job_id = str(job.id)
        try:
            status = _wait(client, job_id, args.timeout, f"job {job_id[:8]} on {args.backend}")
        except WaitTimeout as exc:
            print(f"error: {exc}; see it later with: qhub-providers result {job_id}")
            return EXIT_JOB_UNSUCCESSFUL
        return _report(client, job_id, status, args)


def _report(client: HubQuantumClient, job_id: str, status: str, args: argparse.Namespace) -> int:
    if status != "COMPLETED":
        reason = ""
        if status == "FAILED":
            body = client.jobs.get_job_result(job_id)
            error = body.get("error") if isinstance(body, dict) else None
            reason = f": {error.get('message')}" if isinstance(error, dict) else ""
        message = f"job {job_id} ended {status}{reason}"
        if args.json:
            print_json({"job_id": job_id, "status": status, "error": message})
        else:
            print(f"error: {message}")
        return EXIT_JOB_UNSUCCESSFUL
    counts = _counts(client, job_id)
    if args.json:
        print_json({"job_id": job_id, "status": status, "counts": counts})
    else:
        print(f"job {job_id}: {status}")
        print(histogram(counts) if counts else "(no counts for this job; see --raw with the result command)")
    return EXIT_OK


def _run_through_qiskit(args: argparse.Namespace, client: HubQuantumClient, text: str, version: int) -> int:
    """Backends that take neither form directly (IBM, IQM, IonQ, AQT): load, transpile, run with Qiskit."""
    try:
        from qiskit import qasm2, qasm3, transpile

        from qhub_providers.qiskit import HubQiskitProvider
    except ImportError:
        print(
            f"error: {args.backend} needs the Qiskit face for this file: pip install 'qhub-providers[qiskit]'"
        )
        return EXIT_USAGE
    circuit = (
        qasm2.loads(text, custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
        if version == 2
        else qasm3.loads(text)
    )
    backend = HubQiskitProvider(client=client).get_backend(args.backend)
    job = backend.run(transpile(circuit, backend), shots=args.shots, job_name=args.name)
    try:
        status = _wait(client, job.job_id(), args.timeout, f"job {job.job_id()[:8]} on {args.backend}")
    except WaitTimeout as exc:
        print(f"error: {exc}; see it later with: qhub-providers result {job.job_id()}")
        return EXIT_JOB_UNSUCCESSFUL
    if status != "COMPLETED":
        return _report(client, job.job_id(), status, args)
    counts = {k: float(v) for k, v in job.result().get_counts().items()}
    if args.json:
        print_json({"job_id": job.job_id(), "status": status, "counts": counts})
    else:
        print(f"job {job.job_id()}: {status}")
        print(histogram(counts))
    return EXIT_OK


# -- jobs -----------------------------------------------------------------------------------------


def list_jobs(args: argparse.Namespace) -> int:
    with client_from(args) as client:
        page = client.jobs.search_jobs(page=args.page, size=args.size, sort="createdAt,desc")
    if args.json:
        print_json(page)
        return EXIT_OK
    rows = [(j.id, j.backend_id, j.status, j.shots, j.created_at, j.name) for j in page.content or []]
    print_table(["id", "backend", "status", "shots", "created", "name"], rows)
    total_pages = page.total_pages or 1
    print(f"page {args.page + 1} of {total_pages} ({page.total_elements} jobs); --page N for more")
    return EXIT_OK


def show_job(args: argparse.Namespace) -> int:
    with client_from(args) as client:
        job = client.jobs.get_job(args.job_id)
    if args.json:
        print_json(job)
        return EXIT_OK
    fields = job.model_dump(mode="json", exclude_none=True)
    width = max(len(k) for k in fields)
    for key, value in fields.items():
        print(f"{key.ljust(width)}  {value}")
    return EXIT_OK


def show_result(args: argparse.Namespace) -> int:
    with client_from(args) as client:
        status = str(client.jobs.get_job_status(args.job_id).status)
        if args.raw:
            if status not in {"COMPLETED", "FAILED"}:
                print(f"error: job {args.job_id} is {status} and has no result yet")
                return EXIT_JOB_UNSUCCESSFUL
            print_json(client.jobs.get_job_result(args.job_id))
            return EXIT_OK
        if status not in {"COMPLETED", "FAILED", "CANCELLED", "ABORTED", "DETACHED"}:
            print(f"job {args.job_id} is {status}; no result yet")
            return EXIT_JOB_UNSUCCESSFUL
        return _report(client, args.job_id, status, args)


def cancel_job(args: argparse.Namespace) -> int:
    with client_from(args) as client:
        client.jobs.cancel_job(args.job_id)
        status = str(client.jobs.get_job_status(args.job_id).status)
    if args.json:
        print_json({"job_id": args.job_id, "status": status})
    else:
        print(f"job {args.job_id}: cancellation requested ({status})")
    return EXIT_OK
