"""The local Hub's error answers: RFC 7807-style JSON with ``title``, ``status`` and ``detail``."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any


class HubHTTPError(Exception):
    """Raised anywhere in the local Hub; the app turns it into a JSON error answer."""

    def __init__(self, status: int, detail: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"title": HTTPStatus(self.status).phrase, "status": self.status, "detail": self.detail}


def not_found(what: str, ident: str) -> HubHTTPError:
    return HubHTTPError(404, f"{what} '{ident}' not found")


def bad_request(detail: str) -> HubHTTPError:
    return HubHTTPError(400, detail)


def unprocessable(detail: str) -> HubHTTPError:
    return HubHTTPError(422, detail)
