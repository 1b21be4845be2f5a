"""The Hub commands: ``backends``, ``backend``, ``run``, ``jobs``, ``job``, ``result``, ``cancel`` and
``doctor``."""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from qhub_providers._polling import Backoff, WaitTimeout, wait_for_final_status
from qhub_providers.api import HubQuantumClient
from qhub_providers.api.credentials import (
    BASE_URL_VARIABLE,
    DEFAULT_BASE_URL,
    resolve_base_url,
    resolve_credentials,
)
from qhub_providers.api.errors import CredentialsError, NotFoundError
from qhub_providers.api.models import Backend, BackendStateInfo
from qhub_providers.api.resources.jobs import CLIENT_TOKEN_PREFIX
from qhub_providers.cli.output import (
    EXIT_INTERRUPTED,
    EXIT_JOB_UNSUCCESSFUL,
    EXIT_OK,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    error,
    histogram,
    note,
    paint,
    print_json,
    print_table,
    status_colour,
)
from qhub_providers.progress import WaitProgress, progress_wanted

REQUEST_TIMEOUT_VARIABLE = "QHUB_REQUEST_TIMEOUT"
"""Environment variable with the command line's default ``--request-timeout`` in seconds."""

DEFAULT_REQUEST_TIMEOUT = 30.0
"""Seconds the command line gives each call to the Hub unless told otherwise: short, so that a Hub which
accepts connections but never answers is reported quickly instead of holding the terminal silent."""

FINAL_STATUSES = frozenset({"COMPLETED", "FAILED", "CANCELLED", "ABORTED", "DETACHED"})


class ProgramFileError(ValueError):
    """The program file cannot be read, or is not an OpenQASM 2 or 3 program."""


class UsageError(ValueError):
    """An option's value is unusable in a way argparse cannot check (e.g. a malformed base URL)."""


class NoSuchBackendError(LookupError):
    """The Hub has no backend with this id; the message suggests the closest ids it does have."""


class NotCancellableError(RuntimeError):
    """The job already reached a final status, so there is nothing left to cancel."""


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds, got {text}")
    return value


def default_request_timeout() -> float:
    """``$QHUB_REQUEST_TIMEOUT`` when it is a positive number, else :data:`DEFAULT_REQUEST_TIMEOUT`."""
    text = os.environ.get(REQUEST_TIMEOUT_VARIABLE, "").strip()
    if not text:
        return DEFAULT_REQUEST_TIMEOUT
    try:
        return _seconds(text)
    except argparse.ArgumentTypeError as exc:
        raise UsageError(f"{REQUEST_TIMEOUT_VARIABLE}={text!r}: {exc}") from None


def global_options(*, defaults: bool) -> argparse.ArgumentParser:
    """The options every Hub command takes, before or after the command name.

    The top-level parser sets the defaults; the commands' copies leave unset options out of the namespace
    (``SUPPRESS``), so ``--json backends`` and ``backends --json`` mean the same.
    """
    options = argparse.ArgumentParser(add_help=False)

    def default(value: object) -> object:
        return value if defaults else argparse.SUPPRESS

    options.add_argument(
        "--base-url",
        default=default(None),
        metavar="URL",
        help=f"the Quantum API root, ending in /quantum (default: ${BASE_URL_VARIABLE}, else the hosted Hub)",
    )
    options.add_argument(
        "--token",
        default=default(None),
        help="access token (default: $KQH_PERSONAL_ACCESS_TOKEN, else the qhubctl config file)",
    )
    options.add_argument(
        "--organization",
        default=default(None),
        metavar="ID",
        help="act for this organization (default: $KQH_ORGANIZATION_ID, else your personal account)",
    )
    options.add_argument(
        "--request-timeout",
        type=_seconds,
        default=default(None),
        metavar="SECONDS",
        help=f"give up on a call the Hub does not answer in time (default: ${REQUEST_TIMEOUT_VARIABLE}, "
        f"else {DEFAULT_REQUEST_TIMEOUT:g})",
    )
    options.add_argument("--json", action="store_true", default=default(False), help="print JSON for scripts")
    options.add_argument(
        "--debug", action="store_true", default=default(False), help="show tracebacks on errors"
    )
    return options


def _at_least(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return parse


_EXAMPLES = {
    "backends": """examples:
  qhub-providers backends
  qhub-providers backends --provider IBM
  qhub-providers --json backends | jq -r '.[].id'""",
    "backend": """examples:
  qhub-providers backend ibm.qpu.fez
  qhub-providers backend aws.sim.sv1 --json""",
    "run": """examples:
  qhub-providers run bell.qasm --backend aws.sim.sv1
  qhub-providers run bell.qasm --backend ibm.qpu.fez --shots 4000 --timeout 600
  qhub-providers run bell.qasm --backend aws.sim.sv1 --no-wait   # prints the job id and returns

Ctrl-C stops waiting, not the job: the job id is printed so you can come back with
`qhub-providers result ID` or stop it with `qhub-providers cancel ID`.""",
    "jobs": """examples:
  qhub-providers jobs
  qhub-providers jobs --page 2 --size 50""",
    "job": """example:
  qhub-providers job 3f1c6d2e-...""",
    "result": """examples:
  qhub-providers result 3f1c6d2e-...
  qhub-providers result 3f1c6d2e-... --raw > result.json""",
    "cancel": """example:
  qhub-providers cancel 3f1c6d2e-...""",
    "doctor": """examples:
  qhub-providers doctor
  qhub-providers doctor --base-url http://127.0.0.1:8080/quantum --token local-token""",
}


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    shared = [global_options(defaults=False)]

    def add(name: str, help: str) -> argparse.ArgumentParser:
        return commands.add_parser(
            name,
            help=help,
            description=help[0].upper() + help[1:] + ".",
            epilog=_EXAMPLES[name],
            parents=shared,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    backends = add("backends", "list the Hub's backends with status and queue")
    backends.add_argument("--provider", help="only this provider: AWS, IBM, IQM, AZURE ... (default: all)")
    backends.set_defaults(handler=list_backends)

    backend = add("backend", "details of one backend, with a calibration summary")
    backend.add_argument("backend_id", metavar="BACKEND_ID", help="e.g. aws.sim.sv1 (see: backends)")
    backend.set_defaults(handler=show_backend)

    run = add("run", "run an OpenQASM 2 or 3 file and print its counts")
    run.add_argument("file", type=Path, metavar="FILE", help="an OpenQASM 2 or 3 program")
    run.add_argument("--backend", required=True, metavar="ID", help="backend id, e.g. aws.sim.sv1")
    run.add_argument("--shots", type=_at_least(1), default=1000, help="shots (default: 1000)")
    run.add_argument(
        "--timeout",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="stop waiting for the result after this long; the job goes on (default: no limit)",
    )
    run.add_argument("--name", default=None, help="a name for the job (default: none)")
    run.add_argument(
        "--no-wait", action="store_true", help="submit, print the job id and return without waiting"
    )
    run.set_defaults(handler=run_file)

    jobs = add("jobs", "your recent jobs, newest first")
    jobs.add_argument("--page", type=_at_least(1), default=1, help="page number, from 1 (default: 1)")
    jobs.add_argument("--size", type=_at_least(1), default=20, help="jobs per page (default: 20)")
    jobs.set_defaults(handler=list_jobs)

    job = add("job", "one job's record")
    job.add_argument("job_id", metavar="JOB_ID")
    job.set_defaults(handler=show_job)

    result = add("result", "a job's counts (or, with --raw, the provider's result)")
    result.add_argument("job_id", metavar="JOB_ID")
    result.add_argument("--raw", action="store_true", help="print the provider-native result JSON")
    result.set_defaults(handler=show_result)

    cancel = add("cancel", "cancel a job that has not finished")
    cancel.add_argument("job_id", metavar="JOB_ID")
    cancel.set_defaults(handler=cancel_job)

    doctor = add("doctor", "check the token, organization, base URL and the connection to the Hub")
    doctor.set_defaults(handler=doctor_check)


def request_timeout(args: argparse.Namespace) -> float:
    explicit: float | None = getattr(args, "request_timeout", None)
    return explicit if explicit is not None else default_request_timeout()


def client_from(args: argparse.Namespace) -> HubQuantumClient:
    """A client from --token/--organization/--base-url, else the environment and qhubctl config."""
    try:
        base_url = resolve_base_url(args.base_url)
    except CredentialsError as exc:  # a malformed --base-url or $QHUB_QUANTUM_BASE_URL: fix the command
        raise UsageError(str(exc)) from None
    creds = resolve_credentials(args.token, args.organization, base_url)
    return HubQuantumClient(
        api_key=creds.token,
        organization_id=creds.organization_id,
        base_url=creds.base_url,
        timeout=request_timeout(args),
    )


def base_url_hint(base_url: str) -> str | None:
    """Why a 404 may be the base URL's fault: the Quantum API lives under ``/quantum``."""
    path = urlsplit(base_url).path.rstrip("/")
    if path.endswith("/quantum"):
        return None
    return (
        f"the base URL {base_url} does not end in /quantum, where the Quantum API lives "
        f"(e.g. {base_url.rstrip('/')}/quantum)"
    )


def _either(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _get_backend(client: HubQuantumClient, backend_id: str) -> Backend:
    """The backend, or :class:`NoSuchBackendError` naming the closest ids the Hub has."""
    try:
        return client.backends.get_backend(backend_id)
    except NotFoundError:
        known = [str(b.id) for b in client.backends.get_backends()]
        close = difflib.get_close_matches(backend_id, known, n=3, cutoff=0.5)
        hint = f"; did you mean {_either(close)}?" if close else ""
        raise NoSuchBackendError(
            f"no backend {backend_id!r} on this Hub{hint} (list them with: qhub-providers backends)"
        ) from None


# -- backends ------------------------------------------------------------------------------------------


def _qubits(backend: Backend) -> int | None:
    return backend.configuration.qubit_count if backend.configuration else None


def list_backends(args: argparse.Namespace) -> int:
    with client_from(args) as client:
        backends = client.backends.get_backends(provider=args.provider)
        if not backends and args.provider:
            # The Hub answers an unknown provider with an empty list; say so rather than print no rows.
            providers = sorted({str(b.provider) for b in client.backends.get_backends()})
            raise UsageError(
                f"no backends of provider {args.provider!r}; this Hub's providers are {', '.join(providers)}"
            )
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
    print_table(["id", "provider", "type", "qubits", "status", "queue"], rows, colour={4: status_colour})
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
        backend = _get_backend(client, args.backend_id)
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
        ("status", f"{paint(str(state.status), status_colour(str(state.status)))}, queue {state.queue_size}"),
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


def _read_program(file: Path) -> tuple[str, int]:
    """The program's text and its OpenQASM major version (2 or 3)."""
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ProgramFileError(f"{file} is not a text file (not UTF-8)") from None
    except OSError as exc:
        raise ProgramFileError(f"cannot read {file}: {exc.strerror or exc}") from None
    # The version statement comes first, after any comments.
    match = re.search(r"^\s*OPENQASM\s+(\d+)(?:\.\d+)?\s*;", _without_comments(text), flags=re.M)
    if not match or match.group(1) not in {"2", "3"}:
        raise ProgramFileError(
            f"{file} is not an OpenQASM 2 or 3 program "
            "(it must begin with 'OPENQASM 2.0;' or 'OPENQASM 3.0;')"
        )
    return text, int(match.group(1))


def _without_comments(text: str) -> str:
    return re.sub(r"//[^\n]*|/\*.*?\*/", "", text, flags=re.S)


def _includes_stdgates(text: str) -> bool:
    return re.search(r'^\s*include\s+"stdgates\.inc"\s*;', _without_comments(text), flags=re.M) is not None


def _wait(
    client: HubQuantumClient, job_id: str, timeout: float | None, label: str, *, quiet: bool = False
) -> str:
    """Wait for the job with a progress bar on stderr: in terminals (or with QHUB_PROGRESS=1), never
    when ``quiet`` (``--json``), so scripts and pipes see no bar."""
    shown = WaitProgress(1, label=label, progress=False if quiet else None, default=sys.stderr.isatty())
    with shown:
        return wait_for_final_status(
            job_id,
            lambda: str(client.jobs.get_job_status(job_id).status),
            timeout=timeout,
            backoff=Backoff(initial=0.05, cap=2.0),
            on_status=lambda status: shown.update(job_id, status),
        )


def _counts(client: HubQuantumClient, job_id: str) -> dict[str, int] | dict[str, float] | None:
    """The first circuit's counts (whole numbers), or its probabilities where a backend gives only those."""
    normalized = client.jobs.get_normalized_job_result(job_id)
    if normalized is None or not normalized.pubs:
        return None
    pub = normalized.pubs[0]
    counts = getattr(pub, "counts", None)
    if counts is not None:
        return {k: round(v) for k, v in counts.items()}
    probabilities = getattr(pub, "probabilities", None)
    return None if probabilities is None else {k: float(v) for k, v in probabilities.items()}


def run_file(args: argparse.Namespace) -> int:
    text, version = _read_program(args.file)
    with client_from(args) as client:
        backend = _get_backend(client, args.backend)
        formats = (
            {str(f) for f in (backend.configuration.supported_input_formats or [])}
            if backend.configuration
            else set()
        )
        # Braket's interpreter knows its own gate names (cnot, ...) but not the standard library of
        # OpenQASM 3, so a program that includes it goes through Qiskit, which translates the gates.
        if version == 3 and "BRAKET_OPEN_QASM_V3" in formats and not _includes_stdgates(text):
            input_format = "BRAKET_OPEN_QASM_V3"
        elif version == 2 and "OPEN_QASM_V2" in formats:
            input_format = "OPEN_QASM_V2"
        else:
            return _run_through_qiskit(args, client, text, version)
        job = client.jobs.create_job(
            backend_id=args.backend, shots=args.shots, input=text, input_format=input_format, name=args.name
        )
        return _follow(client, str(job.id), args, lambda: _counts(client, str(job.id)))


def _follow(
    client: HubQuantumClient,
    job_id: str,
    args: argparse.Namespace,
    counts: Callable[[], dict[str, int] | dict[str, float] | None],
) -> int:
    """After submission: say the job id at once, then wait (unless --no-wait) and report the outcome."""
    if args.no_wait:
        status = str(client.jobs.get_job_status(job_id).status)
        if args.json:
            print_json({"job_id": job_id, "status": status})
        else:
            print(f"job {job_id} submitted to {args.backend} ({status})")
            note(f"see it later with: qhub-providers result {job_id}")
        return EXIT_OK
    try:
        # Wherever the progress bar shows (terminals, QHUB_PROGRESS=1), the full id comes first; scripts
        # and pipes get it with the outcome.
        if not args.json and progress_wanted(None, default=sys.stderr.isatty()):
            note(f"job {job_id} submitted to {args.backend}; waiting (Ctrl-C stops waiting, not the job)")
        status = _wait(client, job_id, args.timeout, f"job {job_id[:8]} on {args.backend}", quiet=args.json)
    except WaitTimeout as exc:
        error(f"{exc}; the job goes on, see it later with: qhub-providers result {job_id}")
        return EXIT_JOB_UNSUCCESSFUL
    except KeyboardInterrupt:
        error(
            f"stopped waiting; job {job_id} goes on at the Hub: "
            f"qhub-providers result {job_id} (or: qhub-providers cancel {job_id})"
        )
        return EXIT_INTERRUPTED
    if status != "COMPLETED":
        return _report(client, job_id, status, args)
    return _print_counts(job_id, status, counts(), args)


def _print_counts(
    job_id: str, status: str, counts: dict[str, int] | dict[str, float] | None, args: argparse.Namespace
) -> int:
    if args.json:
        print_json({"job_id": job_id, "status": status, "counts": counts})
    else:
        print(f"job {job_id}: {paint(status, status_colour(status))}")
        print(histogram(counts) if counts else "(no counts for this job; see --raw with the result command)")
    return EXIT_OK


def _report(client: HubQuantumClient, job_id: str, status: str, args: argparse.Namespace) -> int:
    if status != "COMPLETED":
        reason = ""
        if status == "FAILED":
            body = client.jobs.get_job_result(job_id)
            failure = body.get("error") if isinstance(body, dict) else None
            reason = f": {failure.get('message')}" if isinstance(failure, dict) else ""
        message = f"job {job_id} ended {status}{reason}"
        if args.json:
            print_json({"job_id": job_id, "status": status, "error": message})
        error(message)
        return EXIT_JOB_UNSUCCESSFUL
    return _print_counts(job_id, status, _counts(client, job_id), args)


def _run_through_qiskit(args: argparse.Namespace, client: HubQuantumClient, text: str, version: int) -> int:
    """Backends that take neither form directly (IBM, IQM, IonQ, AQT): load, transpile, run with Qiskit."""
    try:
        from qiskit import qasm2, qasm3, transpile

        from qhub_providers.qiskit import HubQiskitProvider
    except ImportError:
        error(f"{args.backend} needs the Qiskit face for this file: pip install 'qhub-providers[qiskit]'")
        return EXIT_USAGE
    try:
        circuit = (
            qasm2.loads(text, custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
            if version == 2
            else qasm3.loads(text)
        )
    except ImportError:
        error(
            "reading OpenQASM 3 with Qiskit needs qiskit-qasm3-import: "
            "pip install qiskit-qasm3-import (the [qiskit] extra brings it)"
        )
        return EXIT_USAGE
    except Exception as exc:  # each Qiskit parser has its own error class; all mean a bad program
        raise ProgramFileError(f"{args.file} is not a valid OpenQASM {version} program: {exc}") from exc
    backend = HubQiskitProvider(client=client).get_backend(args.backend)
    job = backend.run(transpile(circuit, backend), shots=args.shots, job_name=args.name)
    return _follow(client, job.job_id(), args, lambda: dict(job.result().get_counts()))


# -- jobs -----------------------------------------------------------------------------------------


def _when(moment: datetime | None) -> str | None:
    # One token in UTC, so that columns still split on blanks (awk, cut).
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def list_jobs(args: argparse.Namespace) -> int:
    with client_from(args) as client:
        # People count pages from 1, the Hub from 0.
        page = client.jobs.search_jobs(page=args.page - 1, size=args.size, sort="createdAt,desc")
    total_pages = page.total_pages or 1
    total = page.total_elements or 0
    if not page.content and args.page > total_pages:
        jobs = f"{total} job{'' if total == 1 else 's'}"
        raise UsageError(f"there is no page {args.page} ({jobs}, {total_pages} page(s) of {args.size})")
    if args.json:
        print_json(page)
        return EXIT_OK
    rows = [(j.id, j.backend_id, j.status, j.shots, _when(j.created_at), j.name) for j in page.content or []]
    print_table(["id", "backend", "status", "shots", "created", "name"], rows, colour={2: status_colour})
    more = "; --page N for another" if total_pages > 1 else ""
    print(f"page {args.page} of {total_pages} ({total} job{'' if total == 1 else 's'}){more}")
    return EXIT_OK


def _shown(value: Any) -> str:
    """A field's value for people: text as it is, structures as compact JSON (never a Python repr)."""
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(", ", ": "))
    return str(value)


def show_job(args: argparse.Namespace) -> int:
    with client_from(args) as client:
        job = client.jobs.get_job(args.job_id)
    if args.json:
        print_json(job)
        return EXIT_OK
    fields = job.model_dump(mode="json", exclude_none=True)
    # The client-token tag is this library's bookkeeping for safe retries, not the user's own tag.
    tags = [t for t in fields.pop("tags", None) or [] if not str(t).startswith(CLIENT_TOKEN_PREFIX)]
    if tags:
        fields["tags"] = tags
    fields = {k: v for k, v in fields.items() if v not in ({}, [])}
    width = max(len(k) for k in fields)
    for key, value in fields.items():
        text = _shown(value)
        print(f"{key.ljust(width)}  {paint(text, status_colour(text)) if key == 'status' else text}")
    return EXIT_OK


def show_result(args: argparse.Namespace) -> int:
    with client_from(args) as client:
        status = str(client.jobs.get_job_status(args.job_id).status)
        if args.raw:
            if status not in {"COMPLETED", "FAILED"}:
                error(f"job {args.job_id} is {status} and has no result")
                return EXIT_JOB_UNSUCCESSFUL
            print_json(client.jobs.get_job_result(args.job_id))
            return EXIT_OK
        if status not in FINAL_STATUSES:
            error(f"job {args.job_id} is {status}; no result yet")
            return EXIT_JOB_UNSUCCESSFUL
        return _report(client, args.job_id, status, args)


def cancel_job(args: argparse.Namespace) -> int:
    with client_from(args) as client:
        before = str(client.jobs.get_job_status(args.job_id).status)
        if before in FINAL_STATUSES:
            raise NotCancellableError(f"job {args.job_id} already ended {before}; there is nothing to cancel")
        client.jobs.cancel_job(args.job_id)
        status = str(client.jobs.get_job_status(args.job_id).status)
    if args.json:
        print_json({"job_id": args.job_id, "status": status})
    else:
        print(f"job {args.job_id}: cancellation requested ({status})")
    return EXIT_OK


# -- doctor ------------------------------------------------------------------------------------------


def _base_url_source(args: argparse.Namespace) -> str:
    if args.base_url and args.base_url.strip():
        return "from --base-url"
    if os.environ.get(BASE_URL_VARIABLE, "").strip():
        return f"from ${BASE_URL_VARIABLE}"
    return "the hosted Hub, the default"


def doctor_check(args: argparse.Namespace) -> int:
    """Check each piece of the setup in the order a connection needs them, and say what to fix."""
    from qhub_providers.cli import exit_code_for, one_line  # the exit codes live with the entry point

    checks: list[tuple[str, bool, str]] = []
    code = EXIT_OK

    def fail(name: str, exc: BaseException, hint: str = "") -> None:
        nonlocal code
        checks.append((name, False, one_line(exc) + (f" ({hint})" if hint else "")))
        code = code or exit_code_for(exc)

    try:
        base_url = resolve_base_url(args.base_url)
    except CredentialsError as exc:
        fail("base URL", UsageError(str(exc)))
        base_url = None
    if base_url is not None:
        problem = base_url_hint(base_url)
        detail = f"{base_url} ({_base_url_source(args)})" + (f"; warning: {problem}" if problem else "")
        checks.append(("base URL", True, detail))
    creds = None
    try:
        # With an unusable base URL the token is still worth checking; the connection is not.
        creds = resolve_credentials(args.token, args.organization, base_url or DEFAULT_BASE_URL)
    except CredentialsError as exc:
        fail("token", exc)
    if creds is not None:
        checks.append(("token", True, f"found ({creds.token_source})"))
        organization = creds.organization_id or "none: acting for your personal account"
        checks.append(("organization", True, organization))
    if creds is not None and base_url is not None:
        timeout = request_timeout(args)
        started = time.perf_counter()
        try:
            with HubQuantumClient(
                api_key=creds.token,
                organization_id=creds.organization_id,
                base_url=creds.base_url,
                timeout=timeout,
            ) as client:
                count = len(client.backends.get_backends())
        except NotFoundError as exc:
            fail("connection", exc, base_url_hint(creds.base_url) or "is this the Quantum API's base URL?")
        except Exception as exc:  # every failure is a finding here, reported as one line
            hint = ""
            if exit_code_for(exc) == EXIT_UNREACHABLE:
                hint = "is the base URL right? for a local Hub, is `qhub-providers emulator` running?"
            fail("connection", exc, hint)
        else:
            elapsed = (time.perf_counter() - started) * 1000
            answer = f"the Hub answered in {elapsed:.0f} ms and lists {count} backends"
            checks.append(("connection", True, answer))
    if args.json:
        print_json(
            {"ok": code == EXIT_OK, "checks": [{"name": n, "ok": ok, "detail": d} for n, ok, d in checks]}
        )
    else:
        width = max(len(n) for n, _, _ in checks)
        for name, ok, detail in checks:
            mark = paint("ok  ", "32") if ok else paint("FAIL", "31")
            print(f"{mark}  {name.ljust(width)}  {detail}")
    return code
