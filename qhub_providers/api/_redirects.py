"""Following redirects without handing the access token to another site.

When httpx follows a redirect to another origin it drops only the ``Authorization`` header. The Hub's token
travels in ``X-Auth-Token``, so httpx would pass it on to whatever host a ``Location`` names: a misconfigured
proxy or a hostile answer would collect it. The transport therefore sends every request with
``follow_redirects=False`` and follows redirects with this module, as the httpx client is configured to (its
``follow_redirects`` and ``max_redirects``), with one difference: a hop to another origin loses the
credential headers. A plain upgrade from ``http`` to ``https`` on the same host keeps them, as in httpx.
"""

from __future__ import annotations

import httpx

from qhub_providers.api._wire import Answer
from qhub_providers.api.errors import SECRET_HEADERS

_DEFAULT_PORTS = {"http": 80, "https": 443}
# A redirect that turns the request into a GET drops the body and the headers describing it.
_BODY_HEADERS = ("content-length", "content-type", "transfer-encoding")


def _port(url: httpx.URL) -> int | None:
    return url.port if url.port is not None else _DEFAULT_PORTS.get(url.scheme)


def same_origin(a: httpx.URL, b: httpx.URL) -> bool:
    """Whether two URLs share scheme, host and port (default ports spelled out or not)."""
    return a.scheme == b.scheme and a.host == b.host and _port(a) == _port(b)


def _https_upgrade(source: httpx.URL, target: httpx.URL) -> bool:
    return (
        source.host == target.host
        and (source.scheme, _port(source)) == ("http", 80)
        and (target.scheme, _port(target)) == ("https", 443)
    )


def _method_after(request: httpx.Request, status: int) -> str:
    # 303 always, 302 in practice, and 301 after a POST continue as GET (what browsers and httpx do).
    if status in (302, 303) and request.method != "HEAD":
        return "GET"
    if status == 301 and request.method == "POST":
        return "GET"
    return request.method


def next_request(
    request: httpx.Request, response: Answer, client: httpx.Client | httpx.AsyncClient
) -> httpx.Request | None:
    """The request that follows ``response``'s redirect, or None when the answer is final.

    None also when the client does not follow redirects or the ``Location`` is unusable (not http(s), not
    a URL): the 3xx answer is then reported like any other answer.
    """
    if not client.follow_redirects or not response.has_redirect_location:
        return None
    try:
        url = request.url.join(response.headers["Location"])
    except httpx.InvalidURL:
        return None
    if url.scheme not in _DEFAULT_PORTS or not url.host:
        return None
    method = _method_after(request, response.status_code)
    headers = httpx.Headers(request.headers)
    if not same_origin(request.url, url):
        if not _https_upgrade(request.url, url):
            for name in SECRET_HEADERS:
                headers.pop(name, None)
        headers["Host"] = url.netloc.decode("ascii")
    content: bytes | None = request.content or None
    if method != request.method and method == "GET":
        content = None
        for name in _BODY_HEADERS:
            headers.pop(name, None)
    return httpx.Request(method, url, headers=headers, content=content, extensions=request.extensions)
