"""The local Hub's HTTP face: every endpoint of the Quantum API under ``/quantum``, as a FastAPI app.

The routes live in :mod:`.routes`, one router per resource; handlers only parse the request and call
:class:`~.service.HubService`, where all behaviour lives. Errors are JSON ``{"title", "status", "detail"}``
answers; malformed requests get 400 (or 422), never 500.
"""

from __future__ import annotations

import inspect
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from qhub_providers.emulator.errors import HubHTTPError
from qhub_providers.emulator.middleware import BodyLimitMiddleware, FaultInjector, RawPathMiddleware
from qhub_providers.emulator.routes import ADMIN, PUBLIC
from qhub_providers.emulator.routes.common import PREFIX, Hub, HubJSONResponse
from qhub_providers.emulator.service import AdminControls, HubService

__all__ = ["PREFIX", "create_app"]


def _error(exc: HubHTTPError) -> JSONResponse:
    return HubJSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


async def _hub_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HubHTTPError)
    return _error(exc)


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()[:5])
    return _error(HubHTTPError(400, problems or "malformed request"))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else "request refused"
    return _error(HubHTTPError(exc.status_code, detail))


def _without_telemetry() -> dict[str, Any]:
    # FastAPI 0.16x asks OpenTelemetry's global providers, per request, whether to trace it: about 7 % of
    # the local Hub's CPU per small job (py-spy, benchmarks/bench_local_hub.py). The local Hub exports no
    # telemetry; older FastAPI releases have no such argument.
    if "telemetry" in inspect.signature(FastAPI.__init__).parameters:
        return {"telemetry": {"tracing": False, "metrics": False, "logs": False}}
    return {}


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
        default_response_class=HubJSONResponse,
        **_without_telemetry(),
    )
    app.state.hub = Hub(service=service, token=token, controls=AdminControls(service), faults=faults)
    app.add_exception_handler(HubHTTPError, _hub_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for router in PUBLIC:
        app.include_router(router, prefix=PREFIX)
    if admin:
        app.include_router(ADMIN, prefix=PREFIX)

    wrapped: Any = app
    if faults is not None:
        wrapped = faults.wrap(wrapped)
    wrapped = BodyLimitMiddleware(wrapped, max_body_bytes)
    return RawPathMiddleware(wrapped)
