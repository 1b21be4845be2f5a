"""What every router of the local Hub shares: the Hub a request is for, the caller (a FastAPI
dependency), the JSON body (parsed strictly), and the JSON answer (that always encodes)."""

from __future__ import annotations

import json
import math
import re
import secrets
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse, Response

from qhub_providers.emulator.errors import HubHTTPError, bad_request
from qhub_providers.emulator.middleware import FaultInjector
from qhub_providers.emulator.service import MAX_JSON_DEPTH, AdminControls, Caller, HubService

PREFIX = "/quantum"


@dataclass(frozen=True)
class Hub:
    """The one local Hub an app serves (kept on ``app.state.hub``)."""

    service: HubService
    token: str
    controls: AdminControls
    faults: FaultInjector | None


# The dependencies here are ``async`` although they never await: they do not block, and FastAPI sends
# every plain ``def`` dependency through its thread pool, a trip that costs more than the work.
async def hub_of(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


HubDep = Annotated[Hub, Depends(hub_of)]
# Header parameters take their header's name from the parameter's, as FastAPI documents it: underscores
# read as hyphens, case ignored. So ``x_auth_token`` reads ``X-Auth-Token`` and ``x_organizationid`` reads
# ``X-OrganizationId``; no ``alias=`` (which pydantic may warn has no effect in this place).
Token = Annotated[str | None, Header()]
Org = Annotated[str | None, Header()]


def identify(hub: Hub, token: str | None, organization: str | None) -> Caller | None:
    """The caller a token stands for: the Hub's own token (in the organization named, else personal),
    a service execution's token, or ``None`` for no token. An unknown token is refused (401)."""
    if token is None:
        return None
    # Compared as bytes: compare_digest refuses str with non-ASCII characters (a header may carry any).
    if secrets.compare_digest(token.encode(), hub.token.encode()):
        return Caller(scope=f"org:{organization}" if organization else "personal")
    # Service executions live in the store (keyed by their token), so they outlive a restart.
    execution = hub.service.store.get("service_execution", token)
    if execution is not None:
        return Caller(scope=execution["scope"], service_execution_id=execution["id"])
    raise HubHTTPError(401, "missing or invalid X-Auth-Token")


async def current_caller(hub: HubDep, x_auth_token: Token = None, x_organizationid: Org = None) -> Caller:
    """The authenticated caller; 401 without a valid token."""
    who = identify(hub, x_auth_token, x_organizationid)
    if who is None:
        raise HubHTTPError(401, "missing or invalid X-Auth-Token")
    return who


async def optional_caller(hub: HubDep, x_auth_token: Token = None, x_organizationid: Org = None) -> Caller:
    """The caller, or an anonymous one (no token at all) for the routes that serve anonymous callers."""
    return identify(hub, x_auth_token, x_organizationid) or Caller(scope=None)


async def operator(who: Annotated[Caller, Depends(current_caller)]) -> Caller:
    """The caller of an admin control: the Hub's own token only. A service execution's token is handed to
    service code and must not force jobs, pause backends or inject faults (403)."""
    if who.service_execution_id is not None:
        raise HubHTTPError(403, "the admin controls need the Hub's own token")
    return who


CallerDep = Annotated[Caller, Depends(current_caller)]
AnyCallerDep = Annotated[Caller, Depends(optional_caller)]
OperatorDep = Annotated[Caller, Depends(operator)]

# -- request bodies -------------------------------------------------------------------------------

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
"""A JSON escape of a UTF-16 surrogate; only where one occurs can a parsed string hold a lone one."""


def _refuse_constant(name: str) -> Any:
    raise bad_request(f"the body holds {name}, which is no JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise bad_request(f"the number {text[:40]} is beyond the range of a double")
    return value


def _lone_surrogate(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return True
    return False


def check_json(value: Any, *, surrogates: bool = True) -> None:
    """Refuse (400) a document nested deeper than :data:`~.service.MAX_JSON_DEPTH` or holding a string
    with a lone UTF-16 surrogate (valid JSON, no valid text: no answer showing it could be encoded)."""
    pending = [(value, 1)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, dict):
            children: Any = node.values()
            if surrogates and any(_lone_surrogate(key) for key in node):
                raise bad_request(
                    "the body holds a lone UTF-16 surrogate in a key; text must be valid Unicode"
                )
        elif isinstance(node, list):
            children = node
        else:
            if surrogates and isinstance(node, str) and _lone_surrogate(node):
                raise bad_request("the body holds a lone UTF-16 surrogate; text must be valid Unicode")
            continue
        if depth > MAX_JSON_DEPTH and node:
            raise bad_request(f"the body is nested deeper than {MAX_JSON_DEPTH} levels")
        pending.extend((child, depth + 1) for child in children)


async def json_body(request: Request) -> Any:
    """The request body as JSON (``None`` when empty), or 400: invalid UTF-8 or JSON, ``NaN`` or the
    infinities, numbers beyond a double or too long to read, nesting too deep, lone surrogates."""
    raw = await request.body()
    if not raw.strip():
        return None
    media = request.headers.get("content-type", "application/json").split(";", 1)[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise bad_request(f"the body must be JSON (Content-Type: application/json), not {media[:60]}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise bad_request("the body is not valid UTF-8") from None
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise bad_request(f"the body is nested deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError as exc:  # JSONDecodeError, or an integer with too many digits to read
        raise bad_request(f"the body is not valid JSON: {str(exc)[:120]}") from None
    check_json(value, surrogates=_SURROGATE_ESCAPE.search(raw) is not None)
    return value


Body = Annotated[Any, Depends(json_body)]
BODY_DOC: dict[str, Any] = {
    "requestBody": {"required": False, "content": {"application/json": {"schema": {}}}}
}
"""The OpenAPI entry of a body read by :func:`json_body` (which FastAPI cannot see)."""

# -- answers --------------------------------------------------------------------------------------


def _scrub(value: Any) -> Any:
    """A copy without NaN or infinities (JSON has none): they become ``null``."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


class HubJSONResponse(JSONResponse):
    """A JSON answer that always encodes: compact UTF-8 when it can, else ASCII with escapes (a lone
    surrogate stored before the Hub refused them reads back as ``\\ud800``) and ``null`` for NaN."""

    def render(self, content: Any) -> bytes:
        try:
            return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
        except (UnicodeEncodeError, ValueError):
            return json.dumps(_scrub(content), separators=(",", ":")).encode()


def answer(value: Any) -> Response:
    """The JSON answer of a handler; ``None`` means "nothing to show" (204)."""
    return Response(status_code=204) if value is None else HubJSONResponse(value)


def json_text(text: str | None) -> Response:
    """An answer of stored JSON text (result views); ``None`` means "nothing to show" (204)."""
    if text is None:
        return Response(status_code=204)
    return Response(text, media_type="application/json")
