"""``HubQuantumClient`` and ``AsyncHubQuantumClient``: the Hub's Quantum API over httpx."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from enum import Enum
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

import httpx

from qhub_providers.api._endpoint import Async, Sync
from qhub_providers.api._transport import (
    DEFAULT_MAX_ANSWER_BYTES,
    DEFAULT_TIMEOUT,
    AsyncTransport,
    Settings,
    SyncTransport,
)
from qhub_providers.api.credentials import DEFAULT_BASE_URL, resolve_credentials, sendable_token
from qhub_providers.api.retry import RetryPolicy

if TYPE_CHECKING:
    from qhub_providers.api.resources import (
        BackendsApi,
        JobsApi,
        RuntimeMinutesApi,
        SessionsApi,
        WorkloadsApi,
    )

M = TypeVar("M", Sync, Async)
H = TypeVar("H", bound=httpx.Client | httpx.AsyncClient)
T = TypeVar("T", bound=SyncTransport | AsyncTransport)

LOGGER_NAME = "qhub_providers.api"

DEFAULT_MAX_CONNECTIONS = 10
"""Calls a client has in flight at once by default; more wait their turn for a connection."""


def _pool(max_connections: int) -> httpx.Limits:
    # Every connection the pool opens may stay open (httpx keeps only 20 idle ones by default, so more
    # calls in flight than that closed and reopened connections after every answer); idle ones still expire
    # after 5 s. The default is small on purpose: httpcore scans all its connections, some of them twice
    # over, for every call it starts or ends, so a pool of 32 spent 1.7x the client CPU per job of a pool
    # of 8 in benchmarks/bench_local_hub.py, and a Hub gains nothing from more concurrent calls of one
    # caller than it has cores.
    if not isinstance(max_connections, int) or isinstance(max_connections, bool) or max_connections < 1:
        raise ValueError(f"max_connections must be a positive integer, not {max_connections!r}")
    return httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections, keepalive_expiry=5.0
    )


class HubQuantumClientEnvironment(Enum):
    """Named deployments of the Hub; ``base_url`` always wins over ``environment``."""

    DEFAULT = DEFAULT_BASE_URL


LoggingConfig = logging.Logger | Mapping[str, Any] | None


def _logger(config: LoggingConfig) -> logging.Logger:
    """A logger from the ``logging`` argument: a Logger, or ``{"level", "logger", "silent"}``."""
    if isinstance(config, logging.Logger):
        return config
    options = dict(config or {})
    logger = options.get("logger")
    if not isinstance(logger, logging.Logger):
        logger = logging.getLogger(LOGGER_NAME)
    if options.get("silent"):
        # A private child that drops everything, so silencing one client leaves others alone.
        logger = logging.getLogger(f"{logger.name}.silent")
        logger.disabled = True
    elif "level" in options:
        logger.setLevel(options["level"])
    return logger


def _base_url(base_url: str | None, environment: HubQuantumClientEnvironment | None) -> str:
    if base_url:
        return base_url
    if environment is None:
        raise ValueError("Please pass in either base_url or environment to construct the client")
    return str(environment.value)


class _ClientBase(Generic[M, H, T]):
    """What both clients share: construction, settings and the lazily created namespaces.

    ``M`` marks the namespaces sync or async, ``H`` is the httpx client class the client takes and ``T``
    the transport it drives; a subclass only says how to open its transport.
    """

    _transport: T

    def __init__(
        self,
        *,
        api_key: str,
        organization_id: str | None = None,
        base_url: str | None = None,
        environment: HubQuantumClientEnvironment | None = HubQuantumClientEnvironment.DEFAULT,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        max_retries: int = 2,
        follow_redirects: bool | None = True,
        httpx_client: H | None = None,
        logging: LoggingConfig = None,
        retry_policy: RetryPolicy | None = None,
        max_answer_bytes: int | None = DEFAULT_MAX_ANSWER_BYTES,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        if not isinstance(api_key, str) or not api_key.strip():
            raise ValueError("api_key must be a non-empty access token (or use HubQuantumClient.from_env())")
        settings = Settings(
            base_url=_base_url(base_url, environment),
            token=sendable_token(api_key),
            organization_id=organization_id,
            headers=headers,
            # With an injected httpx client its own timeout applies unless one is given explicitly.
            timeout=timeout if timeout is not None or httpx_client is not None else DEFAULT_TIMEOUT,
            max_retries=max_retries,
            logger=_logger(logging),
            retry_policy=retry_policy or RetryPolicy(),
            max_answer_bytes=max_answer_bytes,
        )
        limits = _pool(max_connections)
        self._transport = self._open_transport(settings, httpx_client, bool(follow_redirects), limits)

    def _open_transport(
        self, settings: Settings, httpx_client: H | None, follow_redirects: bool, limits: httpx.Limits
    ) -> T:
        """The transport over ``httpx_client``, or over a new httpx client that the transport owns."""
        raise NotImplementedError

    @classmethod
    def from_env(
        cls,
        access_token: str | None = None,
        organization_id: str | None = None,
        base_url: str | None = None,
        **kwargs: Any,
    ) -> Self:
        """A client whose token, organization and base URL come from the arguments, else the
        environment (``KQH_PERSONAL_ACCESS_TOKEN`` …, ``KQH_ORGANIZATION_ID``, ``QHUB_QUANTUM_BASE_URL``),
        else the qhubctl configuration file."""
        creds = resolve_credentials(access_token, organization_id, base_url)
        return cls(
            api_key=creds.token, organization_id=creds.organization_id, base_url=creds.base_url, **kwargs
        )

    @cached_property
    def backends(self) -> BackendsApi[M]:
        """Backends, their configuration, status and calibration."""
        from qhub_providers.api.resources.backends import BackendsApi

        return BackendsApi(self._transport)

    @cached_property
    def sessions(self) -> SessionsApi[M]:
        """Sessions: open, inspect, drain, close."""
        from qhub_providers.api.resources.sessions import SessionsApi

        return SessionsApi(self._transport)

    @cached_property
    def jobs(self) -> JobsApi[M]:
        """Jobs: submit, watch, fetch results, cancel (plus the service-execution twins)."""
        from qhub_providers.api.resources.jobs import JobsApi

        return JobsApi(self._transport)

    @cached_property
    def workloads(self) -> WorkloadsApi[M]:
        """Jobs and sessions as one filtered, paginated listing."""
        from qhub_providers.api.resources.workloads import WorkloadsApi

        return WorkloadsApi(self._transport)

    @cached_property
    def runtime_minutes(self) -> RuntimeMinutesApi[M]:
        """Prepaid runtime allowances."""
        from qhub_providers.api.resources.runtime_minutes import RuntimeMinutesApi

        return RuntimeMinutesApi(self._transport)

    @property
    def base_url(self) -> str:
        """The API root every path is relative to."""
        return self._transport.settings.base_url

    @property
    def organization_id(self) -> str | None:
        """The organization sent as ``X-OrganizationId``, if any."""
        return self._transport.settings.organization_id

    def __repr__(self) -> str:
        org = f", organization_id={self.organization_id!r}" if self.organization_id else ""
        return f"{type(self).__name__}(base_url={self.base_url!r}{org})"


class HubQuantumClient(_ClientBase[Sync, httpx.Client, SyncTransport]):
    """Synchronous client of the Hub's Quantum API.

    Args:
        api_key: Personal access token or service execution token (sent as ``X-Auth-Token``).
        organization_id: Sent as ``X-OrganizationId`` on every request when given.
        base_url: API root, e.g. ``http://127.0.0.1:8080/quantum`` for a local Hub; wins over
            ``environment``.
        environment: A named deployment (default: the public Hub).
        headers: Extra headers for every request.
        timeout: Deadline in seconds of each call, whatever the Hub does: connecting, sending, every read
            and every retry count against it (default 60). A job submission that failed ambiguously
            then looks for its job for up to ``retry_policy.settle_window`` more seconds (default 10).
            Without it, and with an ``httpx_client``, that client's own timeouts apply per request.
        max_retries: Retries of transient failures per call (default 2); see :mod:`qhub_providers.api.retry`.
        follow_redirects: Passed to the httpx client it creates.
        httpx_client: Use this ``httpx.Client`` (you close it).
        logging: A ``logging.Logger`` or ``{"level": ..., "logger": ..., "silent": bool}``.
        retry_policy: Backoff, settle window and per-attempt timeout.
        max_answer_bytes: Largest answer body read, after decompression (default 64 MiB; ``None``: no
            limit); larger ones raise ``AnswerTooLargeError``. Result streams are not bounded.
        max_connections: Calls in flight at once (default 10); more wait for a free connection. Not used
            with an ``httpx_client``, whose own limits apply.

    Use it as a context manager, or call :meth:`close`.
    """

    def _open_transport(
        self,
        settings: Settings,
        httpx_client: httpx.Client | None,
        follow_redirects: bool,
        limits: httpx.Limits,
    ) -> SyncTransport:
        client = httpx_client or httpx.Client(follow_redirects=follow_redirects, limits=limits)
        return SyncTransport(settings, client, owns_client=httpx_client is None)

    def close(self) -> None:
        """Close the connections (not those of an injected ``httpx_client``)."""
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncHubQuantumClient(_ClientBase[Async, httpx.AsyncClient, AsyncTransport]):
    """Asynchronous client of the Hub's Quantum API; same arguments as :class:`HubQuantumClient`, with
    an ``httpx.AsyncClient`` for ``httpx_client``. Every endpoint method returns an awaitable."""

    def _open_transport(
        self,
        settings: Settings,
        httpx_client: httpx.AsyncClient | None,
        follow_redirects: bool,
        limits: httpx.Limits,
    ) -> AsyncTransport:
        client = httpx_client or httpx.AsyncClient(follow_redirects=follow_redirects, limits=limits)
        return AsyncTransport(settings, client, owns_client=httpx_client is None)

    async def aclose(self) -> None:
        """Close the connections (not those of an injected ``httpx_client``)."""
        await self._transport.aclose()

    async def close(self) -> None:
        """Alias of :meth:`aclose`."""
        await self.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
