"""Endpoints declared once, served to the sync and the async client alike.

An endpoint method is written once as a function that *describes* the call (a :class:`~._wire.Call`).
The :func:`endpoint` descriptor turns it into a method that sends the call through the namespace's
transport: on a sync client it returns the result, on an async client an awaitable of it. Static types
follow: ``Namespace[Sync]`` methods return ``R``, ``Namespace[Async]`` ones ``Awaitable[R]``.
"""

from __future__ import annotations

import functools
import inspect
import re
import types
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

from qhub_providers.api import _wire
from qhub_providers.api._transport import AsyncTransport, SyncTransport, Transport

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


class Sync:
    """Type marker of namespaces bound to a sync client."""


class Async:
    """Type marker of namespaces bound to an async client."""


M = TypeVar("M", Sync, Async)


class Namespace(Generic[M]):
    """A group of endpoints (``client.jobs``, ``client.backends`` ...) bound to one transport."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._transport.settings.base_url}>"


def _returns(build: Callable[..., Any], *, awaitable: bool) -> inspect.Signature:
    # Shown by help() and IDEs: the result type, not the internal Call (or Reconciliation) description.
    signature = inspect.signature(build)
    annotation = str(signature.return_annotation)
    shown = re.sub(r"^(?:_wire\.)?Call\[(.*)\]$", r"\1", annotation)
    shown = re.sub(r"^(?:_wire\.)?Reconciliation\[(.*)\]$", r"\1 | None", shown)
    return signature.replace(return_annotation=f"Awaitable[{shown}]" if awaitable else shown)


class _Twins:
    """What both decorators share: a method for sync clients and one for async clients, each shown with the
    build function's name, docstring and signature, and the one the namespace's transport needs picked."""

    def __init__(
        self, build: Callable[..., Any], sync_method: Callable[..., Any], async_method: Callable[..., Any]
    ) -> None:
        for method in (sync_method, async_method):
            functools.update_wrapper(method, build)
            # Without __wrapped__, help() and inspect show the signature set below.
            delattr(method, "__wrapped__")
        sync_method.__signature__ = _returns(build, awaitable=False)  # type: ignore[attr-defined]
        async_method.__signature__ = _returns(build, awaitable=True)  # type: ignore[attr-defined]
        self._sync = sync_method
        self._async = async_method

    def _bound(self, obj: Namespace[Any] | None) -> Any:
        if obj is None:
            return self
        method = self._async if obj._transport.is_async else self._sync
        return types.MethodType(method, obj)


class endpoint(_Twins, Generic[P, R]):
    """Decorator: the function builds a :class:`~._wire.Call`; the method sends it."""

    def __init__(self, build: Callable[Concatenate[Any, P], _wire.Call[R]]) -> None:
        self._build = build

        def sync_method(ns: Namespace[Any], /, *args: Any, **kwargs: Any) -> Any:
            transport = ns._transport
            assert isinstance(transport, SyncTransport)
            return transport.send(build(ns, *args, **kwargs))

        async def async_method(ns: Namespace[Any], /, *args: Any, **kwargs: Any) -> Any:
            transport = ns._transport
            assert isinstance(transport, AsyncTransport)
            return await transport.send(build(ns, *args, **kwargs))

        super().__init__(build, sync_method, async_method)

    def build(self, ns: Namespace[Any], *args: P.args, **kwargs: P.kwargs) -> _wire.Call[R]:
        """The call description alone, without sending it (used by paginators and tests)."""
        return self._build(ns, *args, **kwargs)

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> endpoint[P, R]: ...
    @overload
    def __get__(self, obj: Namespace[Sync], owner: type[Any]) -> Callable[P, R]: ...
    @overload
    def __get__(self, obj: Namespace[Async], owner: type[Any]) -> Callable[P, Awaitable[R]]: ...
    def __get__(self, obj: Namespace[Any] | None, owner: type[Any]) -> Any:
        return self._bound(obj)


class lookup(_Twins, Generic[P, R]):
    """Decorator: the function builds a :class:`~._wire.Reconciliation` (a listing, and which record of it
    to fetch); the method sends the listing, then the fetch it names, and returns the fetched record, or
    ``None`` when the listing names none. Sync and async as :class:`endpoint`.

    The client's own settling after an ambiguous submission runs the same description inside the
    transport (with its settle window); this is the one-shot form of it, for callers.
    """

    def __init__(self, build: Callable[Concatenate[Any, P], _wire.Reconciliation[R]]) -> None:
        self._build = build

        def sync_method(ns: Namespace[Any], /, *args: Any, **kwargs: Any) -> Any:
            transport = ns._transport
            assert isinstance(transport, SyncTransport)
            plan = build(ns, *args, **kwargs)
            fetch = plan.found(transport.send(plan.lookup))
            return None if fetch is None else transport.send(fetch)

        async def async_method(ns: Namespace[Any], /, *args: Any, **kwargs: Any) -> Any:
            transport = ns._transport
            assert isinstance(transport, AsyncTransport)
            plan = build(ns, *args, **kwargs)
            fetch = plan.found(await transport.send(plan.lookup))
            return None if fetch is None else await transport.send(fetch)

        super().__init__(build, sync_method, async_method)

    def build(self, ns: Namespace[Any], *args: P.args, **kwargs: P.kwargs) -> _wire.Reconciliation[R]:
        """The lookup description alone, without sending anything (used by job creation and tests)."""
        return self._build(ns, *args, **kwargs)

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> lookup[P, R]: ...
    @overload
    def __get__(self, obj: Namespace[Sync], owner: type[Any]) -> Callable[P, R | None]: ...
    @overload
    def __get__(self, obj: Namespace[Async], owner: type[Any]) -> Callable[P, Awaitable[R | None]]: ...
    def __get__(self, obj: Namespace[Any] | None, owner: type[Any]) -> Any:
        return self._bound(obj)


class ByteStream:
    """A result file streamed in chunks: iterate it (``for``) on a sync client, ``async for`` on an async one.

    The connection opens on the first chunk and closes at the end, on ``close()``, or when the ``with``
    block ends; the whole file is never held in memory.
    """

    def __init__(self, transport: Transport, call: _wire.Call[Any]) -> None:
        self._transport = transport
        self._call = call
        self._sync_chunks: Iterator[bytes] | None = None
        self._async_chunks: AsyncIterator[bytes] | None = None

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        if self._sync_chunks is None:
            if not isinstance(self._transport, SyncTransport):
                raise TypeError("this stream belongs to an async client: use 'async for'")
            self._sync_chunks = self._transport.stream(self._call)
        return next(self._sync_chunks)

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self

    async def __anext__(self) -> bytes:
        if self._async_chunks is None:
            if not isinstance(self._transport, AsyncTransport):
                raise TypeError("this stream belongs to a sync client: use 'for'")
            self._async_chunks = self._transport.stream(self._call)
        return await anext(self._async_chunks)

    def close(self) -> None:
        """Close the connection of a sync stream early."""
        if self._sync_chunks is not None:
            self._sync_chunks.close()  # type: ignore[attr-defined]

    async def aclose(self) -> None:
        """Close the connection of an async stream early."""
        if self._async_chunks is not None:
            await self._async_chunks.aclose()  # type: ignore[attr-defined]

    def __enter__(self) -> ByteStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> ByteStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def read(self) -> bytes:
        """All chunks joined (sync clients); prefer iterating for large files."""
        return b"".join(self)


class Pager(Generic[T]):
    """Every item of a paginated listing, fetched lazily page by page.

    Iterate with ``for`` on a sync client and ``async for`` on an async one. A page is fetched only when
    the previous one is used up; iteration stops after the last page.
    """

    def __init__(
        self, transport: Transport, page_call: Callable[[int], _wire.Call[Any]], first_page: int = 0
    ):
        self._transport = transport
        self._page_call = page_call
        self._first_page = first_page

    @staticmethod
    def _is_last(page: Any, number: int, received: int) -> bool:
        total_pages = getattr(page, "total_pages", None)
        size = getattr(page, "size", None)
        if received == 0:
            return True
        if isinstance(total_pages, int):
            return number + 1 >= total_pages
        return isinstance(size, int) and received < size

    def __iter__(self) -> Iterator[T]:
        if not isinstance(self._transport, SyncTransport):
            raise TypeError("this listing belongs to an async client: use 'async for'")
        number = self._first_page
        while True:
            page = self._transport.send(self._page_call(number))
            items = list(page.content or [])
            yield from items
            if self._is_last(page, number, len(items)):
                return
            number += 1

    async def _aiter(self) -> AsyncIterator[T]:
        if not isinstance(self._transport, AsyncTransport):
            raise TypeError("this listing belongs to a sync client: use 'for'")
        number = self._first_page
        while True:
            page = await self._transport.send(self._page_call(number))
            items = list(page.content or [])
            for item in items:
                yield item
            if self._is_last(page, number, len(items)):
                return
            number += 1

    def __aiter__(self) -> AsyncIterator[T]:
        return self._aiter()
