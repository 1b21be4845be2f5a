"""``/admin``: the test controls of a Hub started with ``admin=True`` (the Hub's own token only)."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Response

from qhub_providers.emulator.errors import HubHTTPError, bad_request
from qhub_providers.emulator.routes.common import BODY_DOC, Body, HubDep, OperatorDep, answer

router = APIRouter(prefix="/admin", tags=["admin"])

BACKEND_FIELDS = ("status", "queue_size", "queue_avg_time", "queue_delay")


@router.post("/jobs/{job_id}/force", openapi_extra=BODY_DOC)
def force(job_id: str, hub: HubDep, who: OperatorDep, body: Body) -> Response:
    if not isinstance(body, dict) or not isinstance(body.get("status"), str):
        raise bad_request('the body must be {"status": ..., "message"?: ..., "hold"?: seconds}')
    hub.controls.force_job_status(job_id, body["status"], body.get("message"), body.get("hold", 1.0))
    return Response(status_code=204)


@router.put("/backends/{backend_id}", openapi_extra=BODY_DOC)
def backend(backend_id: str, hub: HubDep, who: OperatorDep, body: Body) -> Response:
    if not isinstance(body, dict):
        raise bad_request("the body must be a JSON object")
    unknown = set(body) - set(BACKEND_FIELDS)
    if unknown:
        raise bad_request(f"unknown fields {sorted(unknown)}; use {sorted(BACKEND_FIELDS)}")
    return answer(hub.controls.set_backend(backend_id, **body))


def _check_faults(body: Any) -> None:
    """Types the fault injector takes (its own checks cover the ranges)."""
    if not isinstance(body, dict):
        raise bad_request("the body must be a JSON object")
    kinds = body.get("kinds")
    if kinds is not None and not (isinstance(kinds, list) and all(isinstance(k, str) for k in kinds)):
        raise bad_request("kinds must be a list of fault kinds")
    seed = body.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | str)):
        raise bad_request("seed must be an integer or a string")


@router.put("/faults", openapi_extra=BODY_DOC)
def faults(hub: HubDep, who: OperatorDep, body: Body) -> Response:
    if hub.faults is None:
        raise HubHTTPError(400, "fault injection is not available on this Hub")
    _check_faults(body)
    try:
        return answer(hub.faults.configure(body))
    except (TypeError, ValueError, OverflowError) as exc:  # a value of a type the injector did not expect
        raise bad_request(f"fault settings refused: {exc}") from None


@router.post("/service-executions", openapi_extra=BODY_DOC)
def service_execution(hub: HubDep, who: OperatorDep, body: Body) -> Response:
    execution_id = f"se-{secrets.token_hex(6)}"
    se_token = f"se-token-{secrets.token_urlsafe(18)}"
    hub.service.store.put(
        "service_execution", se_token, {"id": execution_id, "scope": who.scope or "personal"}
    )
    return answer({"id": execution_id, "token": se_token})


@router.get("/stats")
def stats(hub: HubDep, who: OperatorDep) -> Response:
    return answer({**hub.controls.stats(), "faults": hub.faults.stats() if hub.faults else None})
