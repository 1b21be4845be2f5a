"""``/backends``: the catalog, each backend's status, configuration and calibrations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from qhub_providers.emulator.routes.common import AnyCallerDep, CallerDep, HubDep, answer

router = APIRouter(prefix="/backends", tags=["backends"])


@router.get("")
def get_backends(
    hub: HubDep,
    who: AnyCallerDep,
    provider: str | None = None,
    only_planqk_sdk: Annotated[bool | None, Query(alias="onlyPlanqkSdk")] = None,
) -> Response:
    return answer(hub.service.list_backends(who, provider, only_planqk_sdk))


@router.get("/least-busy")
def least_busy(
    hub: HubDep,
    who: CallerDep,
    provider: str | None = None,
    min_qubits: Annotated[int | None, Query(alias="minQubits")] = None,
) -> Response:
    return answer(hub.service.least_busy(provider, min_qubits))


@router.get("/{backend_id}")
def get_backend(backend_id: str, hub: HubDep, who: CallerDep) -> Response:
    return answer(hub.service.render_backend(hub.service.spec(backend_id), who))


@router.get("/{backend_id}/status")
def get_backend_status(backend_id: str, hub: HubDep, who: CallerDep) -> Response:
    return answer(hub.service.backend_status(backend_id))


@router.get("/{backend_id}/config")
def get_backend_config(backend_id: str, hub: HubDep, who: CallerDep) -> Response:
    return answer(hub.service.spec(backend_id).native_config)


@router.get("/{backend_id}/calibration")
def get_backend_calibration(
    backend_id: str,
    hub: HubDep,
    who: CallerDep,
    effective_at: Annotated[str | None, Query(alias="effectiveAt")] = None,
) -> Response:
    return answer(hub.service.calibration(backend_id, effective_at))


@router.get("/{backend_id}/calibration-history")
def get_calibration_history(
    backend_id: str,
    hub: HubDep,
    who: CallerDep,
    start: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
    page: int | None = None,
    size: int | None = None,
    sort: Annotated[list[str] | None, Query()] = None,
) -> Response:
    return answer(hub.service.calibration_history(backend_id, start, to, page, size, sort or []))
