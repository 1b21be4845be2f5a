"""Runtime minutes: prepaid QPU time pools (``GET runtime-minutes``)."""

from __future__ import annotations

from ._base import OpenEnum, WireModel
from .enums import Provider


class RuntimeMinutesAllowance(WireModel):
    """One pool of backend time and how much of it is left (all in seconds)."""

    id: str | None = None
    provider: OpenEnum[Provider] | None = None
    # The backends that draw on this pool.
    backend_ids: list[str] | None = None
    allocated_seconds: int | None = None
    consumed_seconds: int | None = None
    remaining_seconds: int | None = None
    limit_reached: bool | None = None


class RuntimeMinutesResponse(WireModel):
    """Reply of ``GET runtime-minutes``."""

    allowances: list[RuntimeMinutesAllowance] | None = None
