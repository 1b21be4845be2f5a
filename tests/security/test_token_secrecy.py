"""The access token never shows: not in logs at any level (ours, httpx's, httpcore's, the local Hub's and
uvicorn's), not in the ``repr`` or ``str`` of anything a user holds, not in exceptions or their tracebacks,
not in the CLI's ``--debug`` output, and not in a request that a redirect sends to another site."""

from __future__ import annotations

import asyncio
import http.server
import logging
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from qhub_providers.api import (
    ApiError,
    AsyncHubQuantumClient,
    HubConnectionError,
    HubQuantumClient,
    HubTimeoutError,
    InternalServerError,
    NotFoundError,
    RetryPolicy,
    TooManyRedirectsError,
    UnauthorizedError,
    UncertainSubmissionError,
)
from qhub_providers.api.credentials import load_config, resolve_credentials, sendable_token
from qhub_providers.cli import main as cli_main
from qhub_providers.emulator import LocalHub

from .support import (
    BELL,
    TOKEN,
    WRONG_TOKEN,
    assert_no_secret,
    closed_port,
    connect,
    exception_texts,
    finished,
)

# Every logger that could see a request: ours, the HTTP stack's, and the server side of the local Hub.
LOGGERS = ("", "qhub_providers", "httpx", "httpcore", "h11", "uvicorn", "uvicorn.error", "uvicorn.access")


class _Everything(logging.Handler):
    """Keeps every record, formatted the way a handler would print it (message, arguments, traceback)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))
        self.lines.append(repr(record.args))


@pytest.fixture
def logs() -> Iterator[_Everything]:
    """Every log record of the test, from every logger at DEBUG; levels are restored afterwards."""
    handler = _Everything()
    saved = {name: logging.getLogger(name).level for name in LOGGERS}
    disabled = {name: logging.getLogger(name).disabled for name in LOGGERS}
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
        logging.getLogger(name).disabled = False
    logging.getLogger().addHandler(handler)
    try:
        yield handler
    finally:
        logging.getLogger().removeHandler(handler)
        for name in LOGGERS:
            logging.getLogger(name).setLevel(saved[name])
            logging.getLogger(name).disabled = disabled[name]


@pytest.fixture
def faults_off(hub: LocalHub) -> Iterator[LocalHub]:
    """The Hub, with any injected faults switched off after the test."""
    try:
        yield hub
    finally:
        hub.set_faults(rate=0.0)


def _expect(kind: type[BaseException], action: Any) -> BaseException:
    with pytest.raises(kind) as caught:
        action()
    return caught.value


def test_a_whole_session_of_work_logs_no_token(
    hub: LocalHub, logs: _Everything, capfd: pytest.CaptureFixture[str]
) -> None:
    shown: list[object] = []
    with connect(hub, organization_id="org-secrecy", logging={"level": logging.DEBUG}) as client:
        shown += [client, client.jobs, client.backends, client.sessions]
        shown += client.backends.get_backends()[:3]
        shown.append(client.backends.get_backend_status("aws.sim.sv1"))
        job = client.jobs.create_job(backend_id="aws.sim.sv1", shots=10, input=BELL, tags=["secrecy"])
        assert job.id is not None
        assert finished(client, job.id) == "COMPLETED"
        shown += [job, client.jobs.get_job(job.id), client.jobs.get_job_result(job.id)]
        shown.append(client.jobs.get_job_result_stream(job.id).read())
        shown.append(client.jobs.get_job_input(job.id))
        session = client.sessions.create_session(backend_id="aws.sim.sv1", mode="batch", provider="AWS")
        assert session.id is not None
        shown += [session, client.sessions.get_session_jobs(session.id)]
        client.sessions.close_session(session.id)
        shown += [client.jobs.search_jobs(), client.workloads.get_workloads(), client.runtime_minutes]
    # The client's own debug log did see the requests, with the token masked.
    assert any("X-Auth-Token" in line or "x-auth-token" in line for line in logs.lines)
    assert any("***" in line for line in logs.lines)
    printed = capfd.readouterr()
    assert_no_secret(*shown, *logs.lines, printed.out, printed.err)


def test_error_answers_and_their_tracebacks_hold_no_token(
    faults_off: LocalHub, logs: _Everything, capfd: pytest.CaptureFixture[str]
) -> None:
    hub = faults_off
    errors: list[BaseException] = []
    # A settle window shorter than the slowed submission, so that the look-up by token gives up.
    impatient = RetryPolicy(settle_window=0.3)
    with connect(hub, logging={"level": logging.DEBUG}, retry_policy=impatient) as client:
        errors.append(_expect(NotFoundError, lambda: client.jobs.get_job("no-such-job")))
        errors.append(
            _expect(ApiError, lambda: client.jobs.create_job(backend_id="aws.sim.sv1", shots=1, input="x"))
        )
        hub.set_faults(rate=0.9, kinds=["error"], max_faults=1, seed=3)
        errors.append(_expect(ApiError, client.jobs.search_jobs))
        # A submission held up past its deadline and the settle window: the look-up cannot find it yet.
        hub.set_faults(rate=0.9, kinds=["slow"], slow_seconds=1.0, max_faults=1, seed=3)
        errors.append(
            _expect(
                UncertainSubmissionError,
                lambda: client.jobs.create_job(
                    backend_id="aws.sim.sv1", shots=1, input=BELL, request_options={"timeout": 0.2}
                ),
            )
        )
        hub.set_faults(rate=0.9, kinds=["slow"], slow_seconds=1.0, max_faults=1, seed=3)
        errors.append(
            _expect(HubTimeoutError, lambda: client.jobs.search_jobs(request_options={"timeout": 0.05}))
        )
    assert any(isinstance(e, InternalServerError) or getattr(e, "status_code", 0) >= 500 for e in errors)
    with connect(hub, token=WRONG_TOKEN, logging={"level": logging.DEBUG}) as stranger:
        errors.append(_expect(UnauthorizedError, stranger.jobs.search_jobs))
    unreachable = f"http://127.0.0.1:{closed_port()}/quantum"
    with HubQuantumClient(api_key=TOKEN, base_url=unreachable, max_retries=1) as offline:
        errors.append(_expect(HubConnectionError, offline.jobs.search_jobs))
        errors.append(  # refused connections: certainly not sent, so a plain connection error
            _expect(
                HubConnectionError,
                lambda: offline.jobs.create_job(backend_id="aws.sim.sv1", shots=1, input=BELL),
            )
        )
    texts = [text for error in errors for text in exception_texts(error)]
    printed = capfd.readouterr()
    assert_no_secret(*texts, *logs.lines, printed.out, printed.err)
    # The request an error carries still says where it went, with its credentials masked.
    carried = [e.request for e in errors if isinstance(e, HubConnectionError | HubTimeoutError)]
    assert carried
    assert all(r.headers["x-auth-token"] == "***" and r.url.host == "127.0.0.1" for r in carried)


def test_the_async_client_keeps_the_token_out_of_errors_and_logs(hub: LocalHub, logs: _Everything) -> None:
    async def scenario() -> list[BaseException]:
        caught: list[BaseException] = []
        async with AsyncHubQuantumClient(
            api_key=TOKEN, base_url=hub.base_url, max_retries=0, logging={"level": logging.DEBUG}
        ) as client:
            assert len(await client.backends.get_backends()) > 0
            try:
                await client.jobs.get_job_status("no-such-job")
            except NotFoundError as exc:
                caught.append(exc)
        offline = f"http://127.0.0.1:{closed_port()}/quantum"
        async with AsyncHubQuantumClient(api_key=TOKEN, base_url=offline, max_retries=0) as client:
            try:
                await client.jobs.search_jobs()
            except HubConnectionError as exc:
                caught.append(exc)
        return caught

    errors = asyncio.run(scenario())
    assert len(errors) == 2
    assert_no_secret(*[t for e in errors for t in exception_texts(e)], *logs.lines)


def test_credentials_and_their_sources_never_show_the_token(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.json"
    config.write_text(f'{{"auth": {{"type": "API_KEY", "value": "{TOKEN}"}}}}', encoding="utf-8")
    monkeypatch.setenv("KQH_CONFIG_FILE_PATH", str(config))
    for variable in (
        "KQH_SERVICE_EXECUTION_TOKEN",
        "KQH_PERSONAL_ACCESS_TOKEN",
        "PLANQK_SERVICE_EXECUTION_TOKEN",
    ):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.delenv("SERVICE_EXECUTION_TOKEN", raising=False)
    monkeypatch.delenv("PLANQK_PERSONAL_ACCESS_TOKEN", raising=False)
    from_file = resolve_credentials(base_url="http://127.0.0.1:1/quantum")
    assert from_file.token == TOKEN
    assert_no_secret(from_file, str(from_file), load_config(config), str(load_config(config)))
    # A config file whose token sits where an object belongs: the error names the place, not the value.
    config.write_text(f'{{"auth": "{TOKEN}"}}', encoding="utf-8")
    error = _expect(Exception, lambda: resolve_credentials(base_url="http://127.0.0.1:1/quantum"))
    assert_no_secret(*exception_texts(error))
    config.write_text(f'{{"auth": {{"value": "{TOKEN}"', encoding="utf-8")  # cut short: not JSON
    error = _expect(Exception, lambda: resolve_credentials(base_url="http://127.0.0.1:1/quantum"))
    assert_no_secret(*exception_texts(error))


@pytest.mark.parametrize(
    "pasted",
    [
        TOKEN + "\n",
        TOKEN + "\r\n",
        f"\t{TOKEN} ",
        TOKEN + "\r\nX-Injected: 1",
        TOKEN + "\x00",
        TOKEN + "\u00e9",
    ],
    ids=["newline", "crlf", "blanks", "header-injection", "nul", "non-ascii"],
)
def test_a_token_pasted_with_extra_characters_is_never_quoted(hub: LocalHub, pasted: str) -> None:
    """The HTTP library quotes an illegal header value in its error; the client must refuse such a token
    itself (or send it cleaned of surrounding blanks), before it reaches the wire."""
    if pasted.strip() == TOKEN:
        with connect(hub, token=pasted) as client:  # surrounding blanks are not part of a token
            assert client.jobs.search_jobs().content is not None
        return
    error = _expect(ValueError, lambda: HubQuantumClient(api_key=pasted, base_url=hub.base_url))
    assert "HTTP header" in str(error)
    assert_no_secret(*exception_texts(error))
    assert sendable_token(f"  {TOKEN}\n") == TOKEN


def test_the_faces_show_no_token(hub: LocalHub, logs: _Everything) -> None:
    from qiskit import QuantumCircuit

    from qhub_providers.braket import Batch, HubBraketProvider
    from qhub_providers.qiskit import HubQiskitProvider

    shown: list[object] = []
    qiskit_provider = HubQiskitProvider(access_token=TOKEN, base_url=hub.base_url)
    backend = qiskit_provider.get_backend("aws.sim.sv1")
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    job = backend.run(circuit, shots=20)
    counts = job.result().get_counts()
    assert sum(counts.values()) == 20
    shown += [qiskit_provider, backend, job, job.result(), backend.status()]
    braket_provider = HubBraketProvider(access_token=TOKEN, base_url=hub.base_url)
    device = braket_provider.get_device("aws.sim.sv1")
    with Batch(device) as batch:
        shown.append(batch)
    shown += [braket_provider, device, device.properties, batch]
    texts = [text for item in shown for text in (repr(item), str(item))]
    assert_no_secret(*texts, *logs.lines)


def test_the_cli_debug_output_shows_no_token(hub: LocalHub, capsys: pytest.CaptureFixture[str]) -> None:
    runs = [
        ["--debug", "--token", TOKEN, "--base-url", hub.base_url, "job", "no-such-job"],
        ["--debug", "--token", WRONG_TOKEN, "--base-url", hub.base_url, "jobs"],
        ["--debug", "--token", TOKEN, "--base-url", f"http://127.0.0.1:{closed_port()}/quantum", "jobs"],
        ["--debug", "--token", TOKEN, "--base-url", hub.base_url, "--json", "jobs"],
    ]
    codes = [cli_main(argv) for argv in runs]
    assert codes[0] != 0
    assert codes[1] != 0
    assert codes[2] != 0
    assert codes[3] == 0
    printed = capsys.readouterr()
    assert "Traceback" in printed.err  # --debug did print tracebacks, and they were scanned
    assert_no_secret(printed.out, printed.err)


# --- redirects ---------------------------------------------------------------------------------------------


class _Recorder(http.server.BaseHTTPRequestHandler):
    """A loopback HTTP server that records the headers of each request and redirects as told."""

    seen: list[tuple[str, str, dict[str, str]]]
    routes: dict[str, tuple[int, str]]

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.seen.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
        status, location = self.routes.get(self.path.split("?")[0], (200, ""))
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        payload = b"[]" if status == 200 else b""
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        del body

    do_GET = do_POST = _answer

    def log_message(self, *args: Any) -> None:  # keep the test output clean
        pass


@pytest.fixture
def site() -> Iterator[Any]:
    """Two loopback servers, ``site.hub`` (the base URL's origin) and ``site.other`` (another origin)."""

    class Site:
        pass

    servers = []
    made = Site()
    for name in ("hub", "other"):
        handler = type(f"{name}Recorder", (_Recorder,), {"seen": [], "routes": {}})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        setattr(made, name, handler)
        setattr(made, f"{name}_url", f"http://127.0.0.1:{server.server_address[1]}")
    try:
        yield made
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def test_a_redirect_to_another_origin_does_not_carry_the_token(site: Any) -> None:
    site.hub.routes["/quantum/backends"] = (307, f"{site.other_url}/collect")
    site.hub.routes["/quantum/jobs"] = (308, f"{site.other_url}/collect-post")
    with HubQuantumClient(api_key=TOKEN, base_url=f"{site.hub_url}/quantum", max_retries=0) as client:
        assert client.backends.get_backends() == []
        # The other site's "[]" is no job record; a 2xx to a submission is looked up by its token, and the
        # lookup (redirected too) cannot tell. What matters here is what the other site saw.
        with pytest.raises((ApiError, UncertainSubmissionError)):
            client.jobs.create_job(backend_id="aws.sim.sv1", shots=1, input=BELL)
    assert [path for _, path, _ in site.other.seen] == ["/collect", "/collect-post"]
    for _, _, headers in site.other.seen:
        assert "x-auth-token" not in headers
        assert_no_secret(repr(headers))
    assert site.other.seen[1][0] == "POST"  # a 308 keeps the method (and the body)
    # The Hub's own origin did get the token.
    assert all(headers.get("x-auth-token") == TOKEN for _, _, headers in site.hub.seen)


def test_a_redirect_within_the_origin_keeps_the_token(site: Any) -> None:
    site.hub.routes["/quantum/backends"] = (302, "/moved/backends")
    with HubQuantumClient(api_key=TOKEN, base_url=f"{site.hub_url}/quantum", max_retries=0) as client:
        assert client.backends.get_backends() == []
    assert [path for _, path, _ in site.hub.seen] == ["/quantum/backends", "/moved/backends"]
    assert site.hub.seen[1][2].get("x-auth-token") == TOKEN
    assert site.other.seen == []


def test_the_async_client_does_not_carry_the_token_across_origins(site: Any) -> None:
    site.hub.routes["/quantum/backends"] = (301, f"{site.other_url}/collect")

    async def list_backends() -> Any:
        async with AsyncHubQuantumClient(
            api_key=TOKEN, base_url=f"{site.hub_url}/quantum", max_retries=0
        ) as client:
            return await client.backends.get_backends()

    assert asyncio.run(list_backends()) == []
    assert len(site.other.seen) == 1
    assert "x-auth-token" not in site.other.seen[0][2]


def test_redirects_are_bounded_and_can_be_switched_off(site: Any) -> None:
    site.hub.routes["/quantum/backends"] = (307, "/quantum/backends")  # a loop
    with (
        HubQuantumClient(api_key=TOKEN, base_url=f"{site.hub_url}/quantum", max_retries=0) as client,
        pytest.raises(httpx.TooManyRedirects) as loop,
    ):
        client.backends.get_backends()
    assert isinstance(loop.value, TooManyRedirectsError)  # typed, like every error the client raises
    assert len(site.hub.seen) == 21  # the first request and httpx's default of 20 redirects
    site.hub.seen.clear()
    site.hub.routes["/quantum/backends"] = (307, f"{site.other_url}/collect")
    with HubQuantumClient(
        api_key=TOKEN, base_url=f"{site.hub_url}/quantum", max_retries=0, follow_redirects=False
    ) as client:
        error = _expect(ApiError, client.backends.get_backends)
    assert getattr(error, "status_code", None) == 307
    assert site.other.seen == []
