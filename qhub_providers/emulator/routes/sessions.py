"""``/sessions`` and their twins under ``/service-executions/{id}/sessions``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from qhub_providers.emulator.routes.common import BODY_DOC, Body, CallerDep, HubDep, answer

router = APIRouter(tags=["sessions"])


async def _scoped(service_execution_id: str) -> str | None:
    return service_execution_id


async def _plain() -> str | None:
    return None


@router.post("/sessions", openapi_extra=BODY_DOC)
def create_session(hub: HubDep, who: CallerDep, body: Body) -> Response:
    return answer(hub.service.create_session(who, body))


def _session_routes(base: str, name: str) -> None:
    """The routes of one session, plain (``/sessions/{id}``) or under a service execution."""
    # Where the service execution comes from: the path of the scoped routes, nowhere for the plain ones.
    execution = Depends(_plain if base.startswith("/sessions") else _scoped)

    @router.get(base, name=f"{name}get_session")
    def get_session(session_id: str, hub: HubDep, who: CallerDep, se: str | None = execution) -> Response:
        return answer(hub.service.get_session(who, session_id, se))

    @router.patch(base, name=f"{name}update_session", openapi_extra=BODY_DOC)
    def update_session(
        session_id: str, hub: HubDep, who: CallerDep, body: Body, se: str | None = execution
    ) -> Response:
        return answer(hub.service.update_session(who, session_id, body, se))

    @router.delete(base, status_code=204, name=f"{name}close_session")
    def close_session(session_id: str, hub: HubDep, who: CallerDep, se: str | None = execution) -> Response:
        hub.service.close_session(who, session_id, se)
        return Response(status_code=204)

    @router.get(f"{base}/status", name=f"{name}session_status")
    def session_status(session_id: str, hub: HubDep, who: CallerDep, se: str | None = execution) -> Response:
        return answer({"status": hub.service.get_session(who, session_id, se)["status"]})

    @router.get(f"{base}/jobs", name=f"{name}session_jobs")
    def session_jobs(session_id: str, hub: HubDep, who: CallerDep, se: str | None = execution) -> Response:
        return answer(hub.service.session_jobs(who, session_id, se))


_session_routes("/sessions/{session_id}", "")
_session_routes("/service-executions/{service_execution_id}/sessions/{session_id}", "se_")
