"""Both clients offer every method of the official client's public reference, with its parameter names
and defaults, so code written for it runs unchanged."""

from __future__ import annotations

import inspect

import pytest

from qhub_providers.api import AsyncHubQuantumClient, HubQuantumClient

# namespace, method, parameters in the reference's order (leading ids positional, the rest by keyword)
SEED_METHODS: list[tuple[str, str, list[str]]] = [
    ("backends", "get_backends", ["provider", "only_planqk_sdk"]),
    ("backends", "get_backend", ["id"]),
    ("backends", "get_backend_status", ["id"]),
    ("backends", "get_backend_config", ["id"]),
    ("backends", "get_backend_calibration", ["id", "effective_at"]),
    ("backends", "get_least_busy_backend", ["provider", "min_qubits"]),
    (
        "sessions",
        "create_session",
        ["backend_id", "mode", "provider", "ttl", "tags", "metadata", "sdk_provider"],
    ),
    ("sessions", "get_session", ["id"]),
    ("sessions", "get_session_status", ["id"]),
    ("sessions", "get_session_jobs", ["id"]),
    ("sessions", "update_session_state", ["id", "accept_jobs"]),
    ("sessions", "close_session", ["id"]),
    ("jobs", "search_jobs", ["page", "size", "sort", "service_execution_id"]),
    (
        "jobs",
        "create_job",
        [
            "backend_id",
            "shots",
            "input",
            "name",
            "input_format",
            "input_params",
            "tags",
            "session_id",
            "sdk_provider",
        ],
    ),
    ("jobs", "get_job", ["id"]),
    ("jobs", "get_job_status", ["id"]),
    ("jobs", "get_job_result", ["id"]),
    ("jobs", "get_job_result_stream", ["id"]),
    ("jobs", "get_job_input", ["id"]),
    ("jobs", "get_job_calibration", ["id"]),
    ("jobs", "cancel_job", ["id"]),
    ("jobs", "get_service_execution_workloads", ["service_execution_id", "page", "size", "sort"]),
    ("jobs", "get_service_execution_session_status", ["service_execution_id", "session_id"]),
    ("jobs", "get_service_execution_session_jobs", ["service_execution_id", "session_id"]),
    ("jobs", "update_service_execution_session_state", ["service_execution_id", "session_id", "accept_jobs"]),
    ("jobs", "close_service_execution_session", ["service_execution_id", "session_id"]),
    ("jobs", "get_service_execution_job", ["service_execution_id", "job_id"]),
    ("jobs", "get_service_execution_job_status", ["service_execution_id", "job_id"]),
    ("jobs", "get_service_execution_job_input", ["service_execution_id", "job_id"]),
    ("jobs", "get_service_execution_job_result_stream", ["service_execution_id", "job_id"]),
    ("jobs", "get_service_execution_job_calibration", ["service_execution_id", "job_id"]),
    ("jobs", "cancel_service_execution_job", ["service_execution_id", "job_id"]),
    ("workloads", "get_workloads", ["page", "size", "sort"]),
]

# Parameters the reference marks optional (default None); every other one is required.
OPTIONAL = {
    ("get_backends", "provider"),
    ("get_backends", "only_planqk_sdk"),
    ("get_backend_calibration", "effective_at"),
    ("get_least_busy_backend", "min_qubits"),
    *(("create_session", n) for n in ("ttl", "tags", "metadata", "sdk_provider")),
    *(("search_jobs", n) for n in ("page", "size", "sort", "service_execution_id")),
    *(
        ("create_job", n)
        for n in ("name", "input_format", "input_params", "tags", "session_id", "sdk_provider")
    ),
    *(("get_service_execution_workloads", n) for n in ("page", "size", "sort")),
    *(("get_workloads", n) for n in ("page", "size", "sort")),
}


@pytest.mark.parametrize("client_cls", [HubQuantumClient, AsyncHubQuantumClient])
@pytest.mark.parametrize(("namespace", "method", "params"), SEED_METHODS, ids=[m for _, m, _ in SEED_METHODS])
def test_seed_method_present_with_its_parameters(
    client_cls: type[HubQuantumClient] | type[AsyncHubQuantumClient],
    namespace: str,
    method: str,
    params: list[str],
) -> None:
    client = client_cls(api_key="x")
    signature = inspect.signature(getattr(getattr(client, namespace), method))
    names = list(signature.parameters)
    # The reference's parameters come first and in its order; extras (request_options ...) follow.
    assert [n for n in names if n in params] == params
    for name in params:
        parameter = signature.parameters[name]
        if (method, name) in OPTIONAL:
            assert parameter.default is None, f"{method}({name}) must default to None"
        else:
            assert parameter.default is inspect.Parameter.empty, f"{method}({name}) must be required"
    assert "request_options" in names


@pytest.mark.parametrize("client_cls", [HubQuantumClient, AsyncHubQuantumClient])
def test_constructor_matches_the_reference(
    client_cls: type[HubQuantumClient] | type[AsyncHubQuantumClient],
) -> None:
    parameters = inspect.signature(client_cls).parameters
    expected = [
        "api_key",
        "organization_id",
        "base_url",
        "environment",
        "headers",
        "timeout",
        "max_retries",
        "follow_redirects",
        "httpx_client",
        "logging",
    ]
    assert [n for n in parameters if n in expected] == expected
    assert parameters["max_retries"].default == 2
    assert parameters["follow_redirects"].default is True
    assert parameters["api_key"].default is inspect.Parameter.empty
