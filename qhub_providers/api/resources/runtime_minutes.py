"""``client.runtime_minutes``: prepaid runtime allowances (IBM)."""

from __future__ import annotations

from qhub_providers.api import _wire
from qhub_providers.api._endpoint import M, Namespace, endpoint
from qhub_providers.api._wire import Call, RequestOptions
from qhub_providers.api.models import RuntimeMinutesResponse

_runtime = _wire.adapter(RuntimeMinutesResponse)


class RuntimeMinutesApi(Namespace[M]):
    """Runtime minutes: allowances read live from the provider."""

    @endpoint
    def get_runtime_minutes(
        self, *, request_options: RequestOptions | None = None
    ) -> Call[RuntimeMinutesResponse]:
        """Allocated, consumed and remaining seconds per allowance (502 when the provider cannot be read)."""
        return Call(
            "GET", "runtime-minutes", _runtime, "RuntimeMinutesResponse", options=request_options or {}
        )
