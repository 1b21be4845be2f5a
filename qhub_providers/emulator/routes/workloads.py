"""``/workloads`` (jobs and sessions in one listing) and ``/runtime-minutes``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from qhub_providers.emulator.routes.common import CallerDep, HubDep, answer

router = APIRouter(tags=["workloads"])

Values = Annotated[list[str] | None, Query()]


@router.get("/workloads")
def workloads(
    hub: HubDep,
    who: CallerDep,
    page: int | None = None,
    size: int | None = None,
    sort: Values = None,
    type: Values = None,
    status: Values = None,
    provider: Values = None,
    backend_id: Annotated[list[str] | None, Query(alias="backendId")] = None,
    tag: Values = None,
    origin: Values = None,
    service_execution_id: Annotated[list[str] | None, Query(alias="serviceExecutionId")] = None,
) -> Response:
    filters = {
        "type": type or [],
        "status": status or [],
        "provider": provider or [],
        "backendId": backend_id or [],
        "tag": tag or [],
        "origin": origin or [],
        "serviceExecutionId": service_execution_id or [],
    }
    return answer(hub.service.workloads(who, page=page, size=size, sort=sort or [], filters=filters))


@router.get("/service-executions/{service_execution_id}/workloads")
def execution_workloads(
    service_execution_id: str,
    hub: HubDep,
    who: CallerDep,
    page: int | None = None,
    size: int | None = None,
    sort: Values = None,
) -> Response:
    listing = hub.service.workloads(
        who, page=page, size=size, sort=sort or [], filters={}, se=service_execution_id
    )
    return answer(listing)


@router.get("/runtime-minutes")
def runtime_minutes(hub: HubDep, who: CallerDep) -> Response:
    return answer(hub.service.runtime_minutes(who))
