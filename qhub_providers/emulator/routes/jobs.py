"""``/jobs`` and their twins under ``/service-executions/{id}/jobs``: submission, listing, status,
cancellation, results and inputs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import StreamingResponse

from qhub_providers.emulator import threads
from qhub_providers.emulator.routes.common import BODY_DOC, Body, CallerDep, HubDep, answer, json_text

STREAM_CHUNK = 64 * 1024

router = APIRouter(tags=["jobs"])


async def _scoped(service_execution_id: str) -> str | None:
    return service_execution_id


async def _plain() -> str | None:
    return None


@router.get("/jobs")
def search_jobs(
    hub: HubDep,
    who: CallerDep,
    page: int | None = None,
    size: int | None = None,
    sort: Annotated[list[str] | None, Query()] = None,
    service_execution_id: Annotated[str | None, Query(alias="serviceExecutionId")] = None,
) -> Response:
    return answer(hub.service.search_jobs(who, page, size, sort or [], service_execution_id))


@router.post("/jobs", openapi_extra=BODY_DOC)
async def create_job(hub: HubDep, who: CallerDep, body: Body) -> Response:
    # Straight onto a parsing thread (validation parses the input): one thread hop, not two.
    return answer(await threads.handle(hub.service.create_job, who, body))


def _job_routes(base: str, name: str, *, plain: bool) -> None:
    """The routes of one job, plain (``/jobs/{id}``) or under a service execution (fewer result views)."""
    # Where the service execution comes from: the path of the scoped routes, nowhere for the plain ones.
    execution = Depends(_plain if base.startswith("/jobs") else _scoped)

    @router.get(base, name=f"{name}get_job")
    def get_job(job_id: str, hub: HubDep, who: CallerDep, se: str | None = execution) -> Response:
        return answer(hub.service.get_job(who, job_id, se))

    @router.delete(base, status_code=204, name=f"{name}cancel_job")
    def cancel_job(job_id: str, hub: HubDep, who: CallerDep, se: str | None = execution) -> Response:
        hub.service.cancel_job(who, job_id, se)
        return Response(status_code=204)

    # The most polled route, answered on the event loop: an indexed read of three columns costs less
    # than the trip through the thread pool a plain ``def`` route takes.
    @router.get(f"{base}/status", name=f"{name}job_status")
    async def job_status(job_id: str, hub: HubDep, who: CallerDep, se: str | None = execution) -> Response:
        return answer(hub.service.job_status(who, job_id, se))

    if plain:

        @router.get(f"{base}/result", name="job_result")
        def job_result(job_id: str, hub: HubDep, who: CallerDep, se: str | None = execution) -> Response:
            return json_text(hub.service.result_text(who, job_id, "native"))

        @router.get(f"{base}/result/normalized/memory", name="job_memory")
        def job_memory(job_id: str, hub: HubDep, who: CallerDep, se: str | None = execution) -> Response:
            return json_text(hub.service.result_text(who, job_id, "memory"))

    @router.get(f"{base}/result/normalized", name=f"{name}job_normalized")
    def job_normalized(job_id: str, hub: HubDep, who: CallerDep, se: str | None = execution) -> Response:
        return json_text(hub.service.result_text(who, job_id, "normalized", se))

    @router.get(f"{base}/result-stream", name=f"{name}job_result_stream")
    def job_result_stream(job_id: str, hub: HubDep, who: CallerDep, se: str | None = execution) -> Response:
        text = hub.service.result_text(who, job_id, "native", se) or ""

        def chunks() -> Iterator[bytes]:
            data = text.encode()
            for start in range(0, len(data), STREAM_CHUNK):
                yield data[start : start + STREAM_CHUNK]

        return StreamingResponse(
            chunks(),
            media_type="application/json",
            # The id is known here (the job was found), so it is plain text fit for a header.
            headers={"Content-Disposition": f'attachment; filename="{job_id}-result.json"'},
        )

    @router.get(f"{base}/input", name=f"{name}job_input")
    def job_input(job_id: str, hub: HubDep, who: CallerDep, se: str | None = execution) -> Response:
        return answer(hub.service.job_input(who, job_id, se))

    @router.get(f"{base}/input/normalized", name=f"{name}job_input_normalized")
    def job_input_normalized(
        job_id: str, hub: HubDep, who: CallerDep, se: str | None = execution
    ) -> Response:
        return answer(hub.service.normalized_input(who, job_id, se))

    @router.get(f"{base}/calibration", name=f"{name}job_calibration")
    def job_calibration(job_id: str, hub: HubDep, who: CallerDep, se: str | None = execution) -> Response:
        return answer(hub.service.job_calibration(who, job_id, se))


_job_routes("/jobs/{job_id}", "", plain=True)
_job_routes("/service-executions/{service_execution_id}/jobs/{job_id}", "se_", plain=False)
