"""``LocalHub``: a local Hub served by uvicorn in a background thread, for tests, notebooks and demos."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Self, cast

import h11
import httpx
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from qhub_providers.api import AsyncHubQuantumClient, HubQuantumClient
from qhub_providers.emulator.app import PREFIX, create_app
from qhub_providers.emulator.catalog import load_catalog
from qhub_providers.emulator.engine import Engine
from qhub_providers.emulator.middleware import FaultInjector
from qhub_providers.emulator.service import AdminControls, HubService
from qhub_providers.emulator.store import Store

log = logging.getLogger("qhub_providers.emulator")


class IdleTimeoutProtocol(H11Protocol):
    """uvicorn's HTTP/1.1 connection, closed when the client goes quiet while the Hub waits for it.

    uvicorn closes a keep-alive connection that stays idle after an answer, but not one that never sends a
    request, nor one that stops halfway through its headers or body: each would hold a socket (and, for a
    body, a request handler) forever. Here, whenever the Hub is waiting for the client's bytes, a silence
    of ``timeout_keep_alive`` seconds closes the connection; a request the Hub is working on is never cut.
    """

    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._watch()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._watch()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_watching()
        super().connection_lost(exc)

    def _waiting_for_client(self) -> bool:
        # IDLE: no complete request head yet (bytes may be buffered); SEND_BODY: the body is still coming.
        return self.conn.their_state in (h11.IDLE, h11.SEND_BODY) and not self.transport.is_closing()

    def _watch(self) -> None:
        self._stop_watching()
        if self._waiting_for_client():
            self._deadline = self.loop.call_later(self.timeout_keep_alive, self._expire)

    def _stop_watching(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        if self._waiting_for_client():
            self.transport.close()


class LocalHub:
    """A local Hub on loopback: ``with LocalHub() as hub: hub.client().backends.get_backends()``.

    Args:
        host: Interface to bind; loopback by default (the local Hub is not meant for networks).
        port: TCP port; 0 picks a free one.
        db: SQLite file for a durable Hub; ``None`` keeps everything in memory.
        token: The access token clients must send; a random one by default.
        admin: Enable the test controls (forced statuses, backend state, faults, service executions).
        queue_delay: Seconds every job waits in PENDING before it runs (default: each backend's own, 0).
        workers: Simulations run in parallel.
        idle_timeout: Seconds a connection may stay silent while the Hub waits for a request (or the rest
            of one) before it is closed.
        keep_days: Delete ended jobs and final sessions older than this many days when the Hub starts
            (``None`` keeps everything).
        catalog: A catalog file to serve (see ``emulator.catalog.files``) instead of the built-in one.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        db: str | Path | None = None,
        token: str | None = None,
        admin: bool = False,
        queue_delay: float | None = None,
        workers: int = 2,
        idle_timeout: float = 5.0,
        keep_days: float | None = None,
        catalog: str | Path | None = None,
    ) -> None:
        self.host = host
        self.requested_port = port
        self.token = token or f"local-{secrets.token_urlsafe(16)}"
        self.admin_enabled = admin
        self.idle_timeout = idle_timeout
        specs = load_catalog(catalog)  # before the store opens: an unreadable catalog leaves nothing open
        self.store = Store(db)
        if keep_days is not None:
            cutoff = datetime.now(UTC) - timedelta(days=keep_days)
            jobs, sessions = self.store.prune(
                cutoff.isoformat(timespec="milliseconds").replace("+00:00", "Z")
            )
            if jobs or sessions:
                log.info("deleted %d jobs and %d sessions older than %s days", jobs, sessions, keep_days)
        self.service = HubService(self.store, specs, queue_delay=queue_delay)
        self.engine = Engine(self.service, workers=workers, catalog=catalog)
        self.faults = FaultInjector() if admin else None
        self.app = create_app(self.service, token=self.token, admin=admin, faults=self.faults)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port: int | None = None

    def __repr__(self) -> str:
        state = self.base_url if self.port else "stopped"
        return f"LocalHub({state})"

    @property
    def base_url(self) -> str:
        """The API root to give clients, e.g. ``http://127.0.0.1:54321/quantum``."""
        if self.port is None:
            raise RuntimeError("the local Hub is not running; call start() or use 'with LocalHub() as hub'")
        return f"http://{self.host}:{self.port}{PREFIX}"

    @property
    def admin(self) -> AdminControls:
        """The test controls (only with ``admin=True``)."""
        if not self.admin_enabled:
            raise RuntimeError("admin controls are off; start the local Hub with LocalHub(admin=True)")
        return AdminControls(self.service)

    def start(self, timeout: float = 10.0) -> Self:
        """Start serving in a background thread; returns once the Hub answers."""
        if self._server is not None:
            return self
        config = uvicorn.Config(
            self.app,
            host=self.host,
            port=self.requested_port,
            log_level="critical",
            access_log=False,
            lifespan="off",
            http=IdleTimeoutProtocol,
            # Typed int by uvicorn, used as seconds for call_later: fractions work.
            timeout_keep_alive=cast(int, max(0.05, self.idle_timeout)),
            timeout_graceful_shutdown=2,
        )
        server = uvicorn.Server(config)

        def serve() -> None:
            # uvicorn leaves with SystemExit when it cannot bind; start() reports that as a RuntimeError.
            with contextlib.suppress(SystemExit):
                server.run()

        thread = threading.Thread(target=serve, name="local-hub-http", daemon=True)
        self.engine.start()
        thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.engine.stop()
                raise RuntimeError(f"the local Hub could not start on {self.host}:{self.requested_port}")
            time.sleep(0.005)
        sockets = [s for srv in server.servers for s in srv.sockets]
        self.port = int(sockets[0].getsockname()[1])
        self._server, self._thread = server, thread
        log.info("local Hub serving at %s", self.base_url)
        return self

    def stop(self) -> None:
        """Stop serving and close the store; durable state stays in the database file."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self.engine.stop()
        self.store.close()
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def client(self, **kwargs: Any) -> HubQuantumClient:
        """A REST client for this Hub (keyword arguments go to :class:`HubQuantumClient`)."""
        return HubQuantumClient(api_key=self.token, base_url=self.base_url, **kwargs)

    def async_client(self, **kwargs: Any) -> AsyncHubQuantumClient:
        """An async REST client for this Hub."""
        return AsyncHubQuantumClient(api_key=self.token, base_url=self.base_url, **kwargs)

    def set_faults(self, **config: Any) -> dict[str, Any]:
        """Inject faults into a share of requests, e.g. ``set_faults(rate=0.2, seed=1)`` (admin only)."""
        if self.faults is None:
            raise RuntimeError("fault injection needs LocalHub(admin=True)")
        return self.faults.configure(config)

    def create_service_execution(self, organization_id: str | None = None) -> tuple[str, str]:
        """A service execution and its token (admin only): jobs created with that token belong to it."""
        if not self.admin_enabled:
            raise RuntimeError("service executions need LocalHub(admin=True)")
        headers = {"X-Auth-Token": self.token}
        if organization_id:
            headers["X-OrganizationId"] = organization_id
        answer = httpx.post(f"{self.base_url}/admin/service-executions", headers=headers, json={})
        answer.raise_for_status()
        body = answer.json()
        return str(body["id"]), str(body["token"])
