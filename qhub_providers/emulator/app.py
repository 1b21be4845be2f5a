"""The local Hub's HTTP face: every endpoint of the Quantum API under ``/quantum``, as a FastAPI app.

Handlers only parse the request and call :class:`~.service.HubService`; all behaviour lives there.
Errors are JSON ``{"title", "status", "detail"}`` answers, malformed requests get 400, never 500.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Body, FastAPI, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from qhub_providers.emulator.errors import HubHTTPError
from qhub_providers.emulator.middleware import BodyLimitMiddleware, FaultInjector, RawPathMiddleware
from qhub_providers.emulator.service import AdminControls, Caller, HubService

PREFIX = "/quantum"
STREAM_CHUNK = 64 * 1024

# Module level: FastAPI resolves the (string) annotations of handlers in this module's globals.
StrList = Annotated[list[str] | None, Query()]
Token = Annotated[str | None, Header(alias="X-Auth-Token")]
Org = Annotated[str | None, Header(alias="X-OrganizationId")]
Json = Annotated[Any, Body()]


def create_app(
    service: HubService,
    *,
    token: str,
    admin: bool = False,
    faults: FaultInjector | None = None,
    max_body_bytes: int = 32 * 1024 * 1024,
) -> Any:
    """The ASGI application of one local Hub (wrapped in its middleware)."""
    app = FastAPI(
        title="Local Kipu Quantum Hub",
        description="An emulator of the Kipu Quantum Hub's Quantum API, for tests and tutorials.",
        version="1",
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=f"{PREFIX}/docs",
        redoc_url=None,
    )
    controls = AdminControls(service)

    def caller(token_header: str | None, organization: str | None, *, required: bool = True) -> Caller:
        scope_of = f"org:{organization}" if organization else "personal"
        # Compared as bytes: compare_digest refuses str with non-ASCII characters (a header may carry any).
        if token_header is not None and secrets.compare_digest(token_header.encode(), token.encode()):
            return Caller(scope=scope_of)
        # Service executions live in the store (keyed by their token), so they outlive a restart.
        execution = service.store.get("service_execution", token_header) if token_header else None
        if execution is not None:
            return Caller(scope=execution["scope"], service_execution_id=execution["id"])
        if not required and token_header is None:
            return Caller(scope=None)
        raise HubHTTPError(401, "missing or invalid X-Auth-Token")

    @app.exception_handler(HubHTTPError)
    async def hub_error(request: Request, exc: HubHTTPError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()[:5]
        )
        return JSONResponse(HubHTTPError(400, problems or "malformed request").body(), status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else "request refused"
        return JSONResponse(HubHTTPError(exc.status_code, detail).body(), status_code=exc.status_code)

    def json_text(text: str | None) -> Response:
        # Stored result views are JSON text already; None means "nothing to show" (204).
        if text is None:
            return Response(status_code=204)
        return Response(text, media_type="application/json")

    def maybe(value: Any) -> Any:
        return Response(status_code=204) if value is None else value

    # -- backends ---------------------------------------------------------------------------------

    @app.get(f"{PREFIX}/backends")
    def get_backends(
        x_auth_token: Token = None,
        x_organization_id: Org = None,
        provider: str | None = None,
        only_planqk_sdk: Annotated[bool | None, Query(alias="onlyPlanqkSdk")] = None,
    ) -> list[dict[str, Any]]:
        who = caller(x_auth_token, x_organization_id, required=False)
        return service.list_backends(who, provider, only_planqk_sdk)

    @app.get(f"{PREFIX}/backends/least-busy")
    def least_busy(
        x_auth_token: Token = None,
        x_organization_id: Org = None,
        provider: str | None = None,
        min_qubits: Annotated[int | None, Query(alias="minQubits")] = None,
    ) -> dict[str, Any]:
        caller(x_auth_token, x_organization_id)
        return service.least_busy(provider, min_qubits)

    @app.get(f"{PREFIX}/backends/{{backend_id}}")
    def get_backend(
        backend_id: str, x_auth_token: Token = None, x_organization_id: Org = None
    ) -> dict[str, Any]:
        who = caller(x_auth_token, x_organization_id)
        return service.render_backend(service.spec(backend_id), who)

    @app.get(f"{PREFIX}/backends/{{backend_id}}/status")
    def get_backend_status(
        backend_id: str, x_auth_token: Token = None, x_organization_id: Org = None
    ) -> dict[str, Any]:
        caller(x_auth_token, x_organization_id)
        return service.backend_status(backend_id)

    @app.get(f"{PREFIX}/backends/{{backend_id}}/config")
    def get_backend_config(
        backend_id: str, x_auth_token: Token = None, x_organization_id: Org = None
    ) -> dict[str, Any]:
        caller(x_auth_token, x_organization_id)
        return service.spec(backend_id).native_config

    @app.get(f"{PREFIX}/backends/{{backend_id}}/calibration")
    def get_backend_calibration(
        backend_id: str,
        x_auth_token: Token = None,
        x_organization_id: Org = None,
        effective_at: Annotated[str | None, Query(alias="effectiveAt")] = None,
    ) -> Any:
        caller(x_auth_token, x_organization_id)
        return maybe(service.calibration(backend_id, effective_at))

    @app.get(f"{PREFIX}/backends/{{backend_id}}/calibration-history")
    def get_calibration_history(
        backend_id: str,
        x_auth_token: Token = None,
        x_organization_id: Org = None,
        start: Annotated[str | None, Query(alias="from")] = None,
        to: str | None = None,
        page: int | None = None,
        size: int | None = None,
        sort: StrList = None,
    ) -> dict[str, Any]:
        caller(x_auth_token, x_organization_id)
        return service.calibration_history(backend_id, start, to, page, size, sort or [])

    # -- sessions -----------------------------------------------------------------------------------

    @app.post(f"{PREFIX}/sessions")
    def create_session(body: Json = None, x_auth_token: Token = None, x_organization_id: Org = None) -> Any:
        return service.create_session(caller(x_auth_token, x_organization_id), body)

    @app.get(f"{PREFIX}/sessions/{{session_id}}")
    def get_session(session_id: str, x_auth_token: Token = None, x_organization_id: Org = None) -> Any:
        return service.get_session(caller(x_auth_token, x_organization_id), session_id)

    @app.patch(f"{PREFIX}/sessions/{{session_id}}")
    def update_session(
        session_id: str, body: Json = None, x_auth_token: Token = None, x_organization_id: Org = None
    ) -> Any:
        return service.update_session(caller(x_auth_token, x_organization_id), session_id, body)

    @app.delete(f"{PREFIX}/sessions/{{session_id}}", status_code=204)
    def close_session(session_id: str, x_auth_token: Token = None, x_organization_id: Org = None) -> Response:
        service.close_session(caller(x_auth_token, x_organization_id), session_id)
        return Response(status_code=204)

    @app.get(f"{PREFIX}/sessions/{{session_id}}/status")
    def get_session_status(session_id: str, x_auth_token: Token = None, x_organization_id: Org = None) -> Any:
        return {"status": service.get_session(caller(x_auth_token, x_organization_id), session_id)["status"]}

    @app.get(f"{PREFIX}/sessions/{{session_id}}/jobs")
    def get_session_jobs(session_id: str, x_auth_token: Token = None, x_organization_id: Org = None) -> Any:
        return service.session_jobs(caller(x_auth_token, x_organization_id), session_id)

    # -- jobs -----------------------------------------------------------------------------------

    @app.get(f"{PREFIX}/jobs")
    def search_jobs(
        x_auth_token: Token = None,
        x_organization_id: Org = None,
        page: int | None = None,
        size: int | None = None,
        sort: StrList = None,
        service_execution_id: Annotated[str | None, Query(alias="serviceExecutionId")] = None,
    ) -> Any:
        who = caller(x_auth_token, x_organization_id)
        return service.search_jobs(who, page, size, sort or [], service_execution_id)

    @app.post(f"{PREFIX}/jobs")
    def create_job(body: Json = None, x_auth_token: Token = None, x_organization_id: Org = None) -> Any:
        return service.create_job(caller(x_auth_token, x_organization_id), body)

    def job_routes(base: str, scoped: bool) -> None:
        """The per-job routes, plain (``jobs/{id}``) or under ``service-executions/{seid}/jobs/{id}``."""
        se_param = "{service_execution_id}/" if scoped else ""

        def se_of(params: dict[str, str]) -> str | None:
            return params.get("service_execution_id") if scoped else None

        @app.get(f"{base}{{job_id}}", name=f"{se_param}get_job")
        def get_job(
            request: Request, job_id: str, x_auth_token: Token = None, x_organization_id: Org = None
        ) -> Any:
            who = caller(x_auth_token, x_organization_id)
            return service.get_job(who, job_id, se_of(request.path_params))

        @app.delete(f"{base}{{job_id}}", status_code=204, name=f"{se_param}cancel_job")
        def cancel_job(
            request: Request, job_id: str, x_auth_token: Token = None, x_organization_id: Org = None
        ) -> Response:
            service.cancel_job(caller(x_auth_token, x_organization_id), job_id, se_of(request.path_params))
            return Response(status_code=204)

        @app.get(f"{base}{{job_id}}/status", name=f"{se_param}job_status")
        def job_status(
            request: Request, job_id: str, x_auth_token: Token = None, x_organization_id: Org = None
        ) -> Any:
            who = caller(x_auth_token, x_organization_id)
            return service.job_status(who, job_id, se_of(request.path_params))

        if not scoped:

            @app.get(f"{base}{{job_id}}/result", name="job_result")
            def job_result(
                job_id: str, x_auth_token: Token = None, x_organization_id: Org = None
            ) -> Response:
                return json_text(
                    service.result_text(caller(x_auth_token, x_organization_id), job_id, "native")
                )

            @app.get(f"{base}{{job_id}}/result/normalized/memory", name="job_memory")
            def job_memory(
                job_id: str, x_auth_token: Token = None, x_organization_id: Org = None
            ) -> Response:
                return json_text(
                    service.result_text(caller(x_auth_token, x_organization_id), job_id, "memory")
                )

        @app.get(f"{base}{{job_id}}/result/normalized", name=f"{se_param}job_normalized")
        def job_normalized(
            request: Request, job_id: str, x_auth_token: Token = None, x_organization_id: Org = None
        ) -> Response:
            who = caller(x_auth_token, x_organization_id)
            return json_text(service.result_text(who, job_id, "normalized", se_of(request.path_params)))

        @app.get(f"{base}{{job_id}}/result-stream", name=f"{se_param}job_result_stream")
        def job_result_stream(
            request: Request, job_id: str, x_auth_token: Token = None, x_organization_id: Org = None
        ) -> Response:
            who = caller(x_auth_token, x_organization_id)
            text = service.result_text(who, job_id, "native", se_of(request.path_params)) or ""

            def chunks() -> Iterator[bytes]:
                data = text.encode()
                for start in range(0, len(data), STREAM_CHUNK):
                    yield data[start : start + STREAM_CHUNK]

            return StreamingResponse(
                chunks(),
                media_type="application/json",
                headers={"Content-Disposition": f'attachment; filename="{job_id}-result.json"'},
            )

        @app.get(f"{base}{{job_id}}/input", name=f"{se_param}job_input")
        def job_input(
            request: Request, job_id: str, x_auth_token: Token = None, x_organization_id: Org = None
        ) -> Any:
            who = caller(x_auth_token, x_organization_id)
            return service.job_input(who, job_id, se_of(request.path_params))

        @app.get(f"{base}{{job_id}}/input/normalized", name=f"{se_param}job_input_normalized")
        def job_input_normalized(
            request: Request, job_id: str, x_auth_token: Token = None, x_organization_id: Org = None
        ) -> Any:
            who = caller(x_auth_token, x_organization_id)
            return service.normalized_input(who, job_id, se_of(request.path_params))

        @app.get(f"{base}{{job_id}}/calibration", name=f"{se_param}job_calibration")
        def job_calibration(
            request: Request, job_id: str, x_auth_token: Token = None, x_organization_id: Org = None
        ) -> Any:
            who = caller(x_auth_token, x_organization_id)
            return maybe(service.job_calibration(who, job_id, se_of(request.path_params)))

    job_routes(f"{PREFIX}/jobs/", scoped=False)
    job_routes(f"{PREFIX}/service-executions/{{service_execution_id}}/jobs/", scoped=True)

    # -- service-execution sessions and workloads ---------------------------------------------------

    se_sessions = f"{PREFIX}/service-executions/{{service_execution_id}}/sessions/{{session_id}}"

    @app.get(se_sessions)
    def se_get_session(
        service_execution_id: str, session_id: str, x_auth_token: Token = None, x_organization_id: Org = None
    ) -> Any:
        return service.get_session(caller(x_auth_token, x_organization_id), session_id, service_execution_id)

    @app.patch(se_sessions)
    def se_update_session(
        service_execution_id: str,
        session_id: str,
        body: Json = None,
        x_auth_token: Token = None,
        x_organization_id: Org = None,
    ) -> Any:
        who = caller(x_auth_token, x_organization_id)
        return service.update_session(who, session_id, body, service_execution_id)

    @app.delete(se_sessions, status_code=204)
    def se_close_session(
        service_execution_id: str, session_id: str, x_auth_token: Token = None, x_organization_id: Org = None
    ) -> Response:
        service.close_session(caller(x_auth_token, x_organization_id), session_id, service_execution_id)
        return Response(status_code=204)

    @app.get(f"{se_sessions}/status")
    def se_session_status(
        service_execution_id: str, session_id: str, x_auth_token: Token = None, x_organization_id: Org = None
    ) -> Any:
        who = caller(x_auth_token, x_organization_id)
        return {"status": service.get_session(who, session_id, service_execution_id)["status"]}

    @app.get(f"{se_sessions}/jobs")
    def se_session_jobs(
        service_execution_id: str, session_id: str, x_auth_token: Token = None, x_organization_id: Org = None
    ) -> Any:
        return service.session_jobs(caller(x_auth_token, x_organization_id), session_id, service_execution_id)

    @app.get(f"{PREFIX}/service-executions/{{service_execution_id}}/workloads")
    def se_workloads(
        service_execution_id: str,
        x_auth_token: Token = None,
        x_organization_id: Org = None,
        page: int | None = None,
        size: int | None = None,
        sort: StrList = None,
    ) -> Any:
        who = caller(x_auth_token, x_organization_id)
        return service.workloads(
            who, page=page, size=size, sort=sort or [], filters={}, se=service_execution_id
        )

    @app.get(f"{PREFIX}/workloads")
    def workloads(
        x_auth_token: Token = None,
        x_organization_id: Org = None,
        page: int | None = None,
        size: int | None = None,
        sort: StrList = None,
        type: StrList = None,
        status: StrList = None,
        provider: StrList = None,
        backend_id: Annotated[list[str] | None, Query(alias="backendId")] = None,
        tag: StrList = None,
        origin: StrList = None,
        service_execution_id: Annotated[list[str] | None, Query(alias="serviceExecutionId")] = None,
    ) -> Any:
        filters = {
            "type": type or [],
            "status": status or [],
            "provider": provider or [],
            "backendId": backend_id or [],
            "tag": tag or [],
            "origin": origin or [],
            "serviceExecutionId": service_execution_id or [],
        }
        who = caller(x_auth_token, x_organization_id)
        return service.workloads(who, page=page, size=size, sort=sort or [], filters=filters)

    @app.get(f"{PREFIX}/runtime-minutes")
    def runtime_minutes(x_auth_token: Token = None, x_organization_id: Org = None) -> Any:
        return service.runtime_minutes(caller(x_auth_token, x_organization_id))

    # -- admin controls (only with admin=True) ---------------------------------------------------------

    if admin:

        def operator(token_header: str | None, organization: str | None) -> Caller:
            """The caller of an admin control: the Hub's own token only. A service execution's token is
            handed to service code and must not force jobs, pause backends or inject faults (403)."""
            who = caller(token_header, organization)
            if who.service_execution_id is not None:
                raise HubHTTPError(403, "the admin controls need the Hub's own token")
            return who

        @app.post(f"{PREFIX}/admin/jobs/{{job_id}}/force")
        def admin_force(job_id: str, body: Json = None, x_auth_token: Token = None) -> Response:
            operator(x_auth_token, None)
            if not isinstance(body, dict) or not isinstance(body.get("status"), str):
                raise HubHTTPError(400, 'the body must be {"status": ..., "message"?: ..., "hold"?: seconds}')
            hold = body.get("hold", 1.0)
            if not isinstance(hold, int | float) or isinstance(hold, bool):
                raise HubHTTPError(400, "hold must be a number of seconds")
            controls.force_job_status(job_id, body["status"], body.get("message"), float(hold))
            return Response(status_code=204)

        @app.put(f"{PREFIX}/admin/backends/{{backend_id}}")
        def admin_backend(backend_id: str, body: Json = None, x_auth_token: Token = None) -> Any:
            operator(x_auth_token, None)
            if not isinstance(body, dict):
                raise HubHTTPError(400, "the body must be a JSON object")
            allowed = {"status", "queue_size", "queue_avg_time", "queue_delay"}
            unknown = set(body) - allowed
            if unknown:
                raise HubHTTPError(400, f"unknown fields {sorted(unknown)}; use {sorted(allowed)}")
            return controls.set_backend(backend_id, **body)

        @app.put(f"{PREFIX}/admin/faults")
        def admin_faults(body: Json = None, x_auth_token: Token = None) -> Any:
            operator(x_auth_token, None)
            if faults is None:
                raise HubHTTPError(400, "fault injection is not available on this Hub")
            return faults.configure(body)

        @app.post(f"{PREFIX}/admin/service-executions")
        def admin_service_execution(
            body: Json = None, x_auth_token: Token = None, x_organization_id: Org = None
        ) -> Any:
            who = operator(x_auth_token, x_organization_id)
            execution_id = f"se-{secrets.token_hex(6)}"
            se_token = f"se-token-{secrets.token_urlsafe(18)}"
            service.store.put(
                "service_execution", se_token, {"id": execution_id, "scope": who.scope or "personal"}
            )
            return {"id": execution_id, "token": se_token}

        @app.get(f"{PREFIX}/admin/stats")
        def admin_stats(x_auth_token: Token = None) -> Any:
            operator(x_auth_token, None)
            return {**controls.stats(), "faults": faults.stats() if faults else None}

    wrapped: Any = app
    if faults is not None:
        wrapped = faults.wrap(wrapped)
    wrapped = BodyLimitMiddleware(wrapped, max_body_bytes)
    return RawPathMiddleware(wrapped)
