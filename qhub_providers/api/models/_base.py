"""Shared conventions of every wire model.

Reading is tolerant: unknown fields are kept (``extra="allow"``), unknown enum strings are accepted
(fields are typed ``SomeEnum | str``), and every optional field may be missing or ``null``. Models are
frozen so a record read from the Hub cannot be changed by accident.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer


class WireModel(BaseModel):
    """Base of all request and response models; field names are the wire names."""

    # defer_build: validators are built on first use, which keeps "import qhub_providers.api" fast.
    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True, defer_build=True)

    def to_wire(self) -> dict[str, Any]:
        """The JSON object for a request body: fields left unset or ``None`` are omitted."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


def _as_utc(value: Any) -> Any:
    # The Hub emits ISO-8601 timestamps, sometimes without a zone; those are UTC.
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        value = datetime.fromisoformat(text)
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _iso_utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


UtcDatetime = Annotated[datetime, BeforeValidator(_as_utc), PlainSerializer(_iso_utc, when_used="json")]
"""A timezone-aware datetime; naive wire values are taken as UTC, output is ISO-8601 with ``Z``."""


_E = TypeVar("_E", bound=StrEnum)

OpenEnum = Annotated[_E | str, Field(union_mode="left_to_right")]
"""``SomeEnum | str``: a known wire string becomes the enum member, an unknown one stays a plain string.

Pydantic's default "smart" union would keep every string a plain ``str`` (an exact type match beats the
enum's coercion), so the members are tried left to right instead.
"""


def tag_discriminator(known: Iterable[str], fallback: str) -> Callable[[Any], str]:
    """A callable for :class:`pydantic.Discriminator` that routes unknown ``type`` tags to ``fallback``.

    Pydantic's built-in discriminated unions reject a tag they do not know; the Hub may add new result or
    calibration kinds at any time, and those must still parse (into the fallback model, keeping all fields).
    """
    known_tags = frozenset(known)

    def discriminate(value: Any) -> str:
        tag = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
        return tag if isinstance(tag, str) and tag in known_tags else fallback

    return discriminate
