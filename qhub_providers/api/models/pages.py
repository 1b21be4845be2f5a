"""Spring-style pages of ``GET jobs``, ``GET workloads`` and ``GET backends/{id}/calibration-history``."""

from __future__ import annotations

from typing import Generic, TypeVar

from ._base import WireModel
from .calibration import CalibrationResponse
from .jobs import Job
from .workloads import WorkloadResponse

T = TypeVar("T")


class Page(WireModel, Generic[T]):
    """One page of a listing; ``page`` is 0-based.

    Servers may add Spring's other keys (``last``, ``first``, ``number``, …); they are kept as extras.
    """

    content: list[T] | None = None
    page: int | None = None
    size: int | None = None
    total_elements: int | None = None
    total_pages: int | None = None


PageResponseJob = Page[Job]
PageResponseWorkloadResponse = Page[WorkloadResponse]
PageResponseCalibrationResponse = Page[CalibrationResponse]
