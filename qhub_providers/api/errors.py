"""Typed errors of the REST client.

Every error the client raises derives from :class:`HubError`. HTTP error answers become
:class:`ApiError` or one of its per-status subclasses, whether or not the body is JSON. Transport
failures keep their httpx ancestry (:class:`HubTimeoutError` is an ``httpx.TimeoutException``,
:class:`HubConnectionError` an ``httpx.TransportError``) so code written for the official client, which
lets httpx exceptions through, still catches them. Messages never contain the token.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx


class HubError(Exception):
    """Base of every error raised by qhub-providers."""


class CredentialsError(HubError):
    """No token could be found, or the qhubctl configuration could not be read."""


class ApiError(HubError):
    """The Hub answered with an error status (or a 2xx that cannot be read).

    ``status_code``, ``headers`` (lower-case keys) and ``body`` (parsed JSON when the body is JSON, else
    the text) are those of the answer. The message carries the server's ``detail`` or ``title``.
    """

    status_code: int

    def __init__(
        self,
        status_code: int | None = None,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        *,
        message: str | None = None,
    ) -> None:
        self.status_code = status_code if status_code is not None else getattr(type(self), "status_code", 0)
        self.headers: dict[str, str] = {k.lower(): v for k, v in (headers or {}).items()}
        self.body = body
        self.detail = message or _detail_of(body)
        super().__init__(self._message())

    def _message(self) -> str:
        reason = f": {self.detail}" if self.detail else ""
        return f"HTTP {self.status_code}{reason}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code}, detail={self.detail!r})"


def _detail_of(body: Any) -> str | None:
    """The human part of an error body: RFC 7807 ``detail``/``title``, the error envelope, or the text."""
    if isinstance(body, Mapping):
        for key in ("detail", "title", "message", "error_message"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
        error = body.get("error")
        if isinstance(error, Mapping) and isinstance(error.get("message"), str):
            return str(error["message"])
        if isinstance(error, str):
            return error
        return None
    if isinstance(body, str):
        text = body.strip()
        return text[:500] or None
    return None


class BadRequestError(ApiError):
    """The Hub refused the request as malformed (400): a missing or invalid field; sending it again
    cannot help."""

    status_code = 400


class UnauthorizedError(ApiError):
    """The Hub did not accept the token (401): missing, mistyped, expired or revoked."""

    status_code = 401

    def _message(self) -> str:
        return super()._message() + " (check the access token: KQH_PERSONAL_ACCESS_TOKEN or api_key=)"


class ForbiddenError(ApiError):
    """The token is valid but may not do this (403), e.g. another organization's job or an admin control."""

    status_code = 403


class NotFoundError(ApiError):
    """No such resource for this caller (404): an unknown id, another organization's job, or a result
    asked for before the job reached a final status."""

    status_code = 404


class ConflictError(ApiError):
    """The request conflicts with the resource's state (409)."""

    status_code = 409


class PayloadTooLargeError(ApiError):
    """The request body is larger than the Hub accepts (413); sending it again cannot help."""

    status_code = 413


class UnprocessableEntityError(ApiError):
    """The request is well-formed but cannot be carried out (422): e.g. a backend without sessions, a
    session that no longer accepts jobs, an input the backend cannot read."""

    status_code = 422


class TooManyRequestsError(ApiError):
    """Rate limited (429), after the retries; ``headers`` keep ``Retry-After``."""

    status_code = 429


class InternalServerError(ApiError):
    """The Hub failed while handling the request (500), after the retries."""

    status_code = 500


class BadGatewayError(ApiError):
    """A gateway in front of the Hub got no valid answer from it (502), after the retries."""

    status_code = 502


class ServiceUnavailableError(ApiError):
    """The Hub or a gateway is overloaded or down for maintenance (503), after the retries."""

    status_code = 503


_BY_STATUS: dict[int, type[ApiError]] = {
    cls.status_code: cls
    for cls in (
        BadRequestError,
        UnauthorizedError,
        ForbiddenError,
        NotFoundError,
        ConflictError,
        PayloadTooLargeError,
        UnprocessableEntityError,
        TooManyRequestsError,
        InternalServerError,
        BadGatewayError,
        ServiceUnavailableError,
    )
}


def error_for_status(status_code: int, headers: Mapping[str, str], body: Any) -> ApiError:
    """The typed error for an error answer; unmapped statuses give a plain :class:`ApiError`."""
    cls = _BY_STATUS.get(status_code, ApiError)
    return cls(status_code, headers, body)


class ParsingError(ApiError):
    """A 2xx answer whose body does not fit the expected model; ``body`` keeps what was received."""

    def __init__(
        self, status_code: int, headers: Mapping[str, str], body: Any, *, reason: str, expected: str
    ) -> None:
        self.expected = expected
        self.reason = reason
        super().__init__(
            status_code, headers, body, message=f"cannot read the answer as {expected}: {reason}"
        )

    def _message(self) -> str:
        return f"HTTP {self.status_code} answer unreadable: {self.detail}"


SECRET_HEADERS = frozenset(
    {"x-auth-token", "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)
"""Header names whose values are credentials: masked in logs and in the request an error carries, and
dropped when a redirect leaves the Hub's origin."""


def _mask_credentials(request: httpx.Request | None) -> httpx.Request | None:
    """Mask the credentials of a request that is over, in place.

    The request an error carries (and the one of the httpx error it was raised from, the same object) is
    what code prints when it inspects a failure: ``exc.request.headers`` must not show the token. The
    request is never sent again: every attempt builds a new one.
    """
    if request is not None:
        for name in SECRET_HEADERS:
            if name in request.headers:
                request.headers[name] = "***"
    return request


class HubTimeoutError(HubError, httpx.TimeoutException):
    """The Hub did not answer in time (after any retries)."""

    def __init__(self, message: str, *, request: httpx.Request | None = None) -> None:
        httpx.TimeoutException.__init__(self, message, request=_mask_credentials(request))


class HubConnectionError(HubError, httpx.TransportError):
    """The Hub could not be reached, or the connection broke (after any retries)."""

    def __init__(self, message: str, *, request: httpx.Request | None = None) -> None:
        httpx.TransportError.__init__(self, message, request=_mask_credentials(request))


class ClientClosedError(HubError, RuntimeError):
    """The client was used after ``close()`` (or after its ``with`` block ended): open a new one.

    Also a ``RuntimeError``, which is what httpx raises in this case."""


class AnswerTooLargeError(ApiError):
    """An answer (after decompression) exceeded the client's ``max_answer_bytes``; reading stopped there.

    Result files of any size can be read with the ``..._result_stream`` endpoints, which are not bounded.
    """

    def __init__(self, status_code: int, headers: Mapping[str, str], limit: int) -> None:
        self.limit = limit
        super().__init__(status_code, headers, None, message=f"the answer exceeds {limit} bytes")

    def _message(self) -> str:
        return f"HTTP {self.status_code} answer too large: {self.detail} (see max_answer_bytes)"


class TooManyRedirectsError(HubConnectionError, httpx.TooManyRedirects):
    """The Hub's answers redirected more often than the client's ``max_redirects`` allows (a redirect
    loop, or a misconfigured proxy); also an ``httpx.TooManyRedirects``."""


class UncertainSubmissionError(HubConnectionError):
    """A create request failed in a way that leaves open whether the Hub stored it.

    Raised only when the client could not settle the question itself (see the retry policy in the docs),
    or when it found the job stored but could not read its record back; ``client_token`` is the tag the
    client put on the job, to look it up later.
    """

    def __init__(
        self,
        message: str,
        *,
        client_token: str | None,
        request: httpx.Request | None = None,
        job_id: str | None = None,
    ):
        self.client_token = client_token
        self.job_id = job_id
        """The id of the job when the client found it stored but could not read it back."""
        super().__init__(message, request=request)


class UncertainSubmissionTimeout(UncertainSubmissionError, HubTimeoutError):
    """An :class:`UncertainSubmissionError` caused by a timeout; also an ``httpx.TimeoutException``."""
