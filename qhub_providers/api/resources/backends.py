"""``client.backends``: discover backends, their configuration, status and calibration."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from qhub_providers.api import _wire
from qhub_providers.api._endpoint import M, Namespace, Pager, endpoint
from qhub_providers.api._wire import Call, RequestOptions, path, query
from qhub_providers.api.models import Backend, BackendStateInfo, CalibrationResponse, Page

_backend_list = _wire.adapter(list[Backend])
_backend = _wire.adapter(Backend)
_state = _wire.adapter(BackendStateInfo)
_calibration = _wire.adapter(CalibrationResponse)
_calibration_page = _wire.adapter(Page[CalibrationResponse])
_object = _wire.adapter(dict[str, Any])


class BackendsApi(Namespace[M]):
    """Backends: the hardware and simulators of the Hub."""

    @endpoint
    def get_backends(
        self,
        *,
        provider: str | None = None,
        only_planqk_sdk: bool | None = None,
        request_options: RequestOptions | None = None,
    ) -> Call[list[Backend]]:
        """List backends, optionally of one provider (``AWS``, ``IBM`` ...; case-insensitive).

        Works without a token too; the Hub then omits queue sizes and availability.
        """
        return Call(
            "GET",
            "backends",
            _backend_list,
            "a list of Backend",
            query=query(("provider", provider), ("onlyPlanqkSdk", only_planqk_sdk)),
            options=request_options or {},
        )

    @endpoint
    def get_least_busy_backend(
        self, *, provider: str, min_qubits: int | None = None, request_options: RequestOptions | None = None
    ) -> Call[Backend]:
        """The backend of ``provider`` with the shortest queue (the Hub supports IBM only)."""
        return Call(
            "GET",
            "backends/least-busy",
            _backend,
            "Backend",
            query=query(("provider", provider), ("minQubits", min_qubits)),
            options=request_options or {},
        )

    @endpoint
    def get_backend(self, id: str, *, request_options: RequestOptions | None = None) -> Call[Backend]:
        """One backend with its full configuration."""
        return Call("GET", path("backends/{id}", id=id), _backend, "Backend", options=request_options or {})

    @endpoint
    def get_backend_status(
        self, id: str, *, request_options: RequestOptions | None = None
    ) -> Call[BackendStateInfo]:
        """Status (ONLINE, PAUSED, OFFLINE, RETIRED), queue size and average queue time."""
        return Call(
            "GET",
            path("backends/{id}/status", id=id),
            _state,
            "BackendStateInfo",
            options=request_options or {},
        )

    @endpoint
    def get_backend_config(
        self, id: str, *, request_options: RequestOptions | None = None
    ) -> Call[dict[str, Any]]:
        """The provider-native configuration (Braket capabilities, IBM configuration, IQM architecture)."""
        return Call(
            "GET",
            path("backends/{id}/config", id=id),
            _object,
            "a JSON object",
            options=request_options or {},
        )

    @endpoint
    def get_backend_calibration(
        self,
        id: str,
        *,
        effective_at: datetime | None = None,
        request_options: RequestOptions | None = None,
    ) -> Call[CalibrationResponse | None]:
        """The latest calibration, or the one effective at ``effective_at`` (timezone-aware).

        ``None`` when there is none (simulators, or before the first calibration).
        """
        return Call(
            "GET",
            path("backends/{id}/calibration", id=id),
            _calibration,
            "CalibrationResponse",
            query=query(("effectiveAt", effective_at)),
            empty_is_none=True,
            options=request_options or {},
        )

    @endpoint
    def get_backend_calibration_history(
        self,
        id: str,
        *,
        from_: datetime,
        to: datetime,
        page: int | None = None,
        size: int | None = None,
        sort: str | list[str] | None = None,
        request_options: RequestOptions | None = None,
    ) -> Call[Page[CalibrationResponse]]:
        """One page of the calibrations effective in ``[from_, to]`` (timezone-aware datetimes)."""
        return Call(
            "GET",
            path("backends/{id}/calibration-history", id=id),
            _calibration_page,
            "PageResponseCalibrationResponse",
            query=query(("from", from_), ("to", to), ("page", page), ("size", size), ("sort", sort)),
            options=request_options or {},
        )

    def iter_calibration_history(
        self,
        id: str,
        *,
        from_: datetime,
        to: datetime,
        size: int = 100,
        sort: str | list[str] | None = "calibratedAt,desc",
    ) -> Pager[CalibrationResponse]:
        """Every calibration in ``[from_, to]``, newest first by default, fetched page by page."""
        build = BackendsApi.get_backend_calibration_history.build
        return Pager(
            self._transport,
            lambda number: build(self, id, from_=from_, to=to, page=number, size=size, sort=sort),
        )
