"""``client.workloads``: jobs and sessions as one paginated listing."""

from __future__ import annotations

from qhub_providers.api import _wire
from qhub_providers.api._endpoint import M, Namespace, Pager, endpoint
from qhub_providers.api._wire import Call, RequestOptions, query
from qhub_providers.api.models import Page, WorkloadResponse

_workload_page = _wire.adapter(Page[WorkloadResponse])

StrOrList = str | list[str] | None


class WorkloadsApi(Namespace[M]):
    """Workloads: the caller's jobs and sessions, filtered and sorted."""

    @endpoint
    def get_workloads(
        self,
        *,
        page: int | None = None,
        size: int | None = None,
        sort: StrOrList = None,
        type: StrOrList = None,
        status: StrOrList = None,
        provider: StrOrList = None,
        backend_id: StrOrList = None,
        tag: StrOrList = None,
        origin: StrOrList = None,
        service_execution_id: StrOrList = None,
        request_options: RequestOptions | None = None,
    ) -> Call[Page[WorkloadResponse]]:
        """One page of workloads. Filters are ANDed; a list ORs its values (``type=["JOB", "SESSION"]``).

        ``sort`` takes ``property,asc|desc`` with the Hub's camelCase property names (``createdAt,desc``).
        """
        return Call(
            "GET",
            "workloads",
            _workload_page,
            "PageResponseWorkloadResponse",
            query=query(
                ("page", page),
                ("size", size),
                ("sort", sort),
                ("type", type),
                ("status", status),
                ("provider", provider),
                ("backendId", backend_id),
                ("tag", tag),
                ("origin", origin),
                ("serviceExecutionId", service_execution_id),
            ),
            options=request_options or {},
        )

    def iter_workloads(
        self,
        *,
        size: int = 100,
        sort: StrOrList = None,
        type: StrOrList = None,
        status: StrOrList = None,
        provider: StrOrList = None,
        backend_id: StrOrList = None,
        tag: StrOrList = None,
        origin: StrOrList = None,
        service_execution_id: StrOrList = None,
    ) -> Pager[WorkloadResponse]:
        """Every matching workload, fetched page by page as you iterate."""
        build = WorkloadsApi.get_workloads.build
        return Pager(
            self._transport,
            lambda number: build(
                self,
                page=number,
                size=size,
                sort=sort,
                type=type,
                status=status,
                provider=provider,
                backend_id=backend_id,
                tag=tag,
                origin=origin,
                service_execution_id=service_execution_id,
            ),
        )
