"""The thin REST client of the Hub's Quantum API: httpx and pydantic only, no Qiskit, no Braket.

>>> from qhub_providers.api import HubQuantumClient
>>> with HubQuantumClient.from_env() as client:          # doctest: +SKIP
...     job = client.jobs.create_job(backend_id="aws.sim.sv1", shots=100, input="OPENQASM 3; ...")
"""

import importlib
from typing import TYPE_CHECKING, Any

from qhub_providers.api._endpoint import ByteStream, Pager
from qhub_providers.api._wire import RequestOptions
from qhub_providers.api.client import AsyncHubQuantumClient, HubQuantumClient, HubQuantumClientEnvironment
from qhub_providers.api.errors import (
    AnswerTooLargeError,
    ApiError,
    BadGatewayError,
    BadRequestError,
    ClientClosedError,
    ConflictError,
    CredentialsError,
    ForbiddenError,
    HubConnectionError,
    HubError,
    HubTimeoutError,
    InternalServerError,
    NotFoundError,
    ParsingError,
    PayloadTooLargeError,
    ServiceUnavailableError,
    TooManyRedirectsError,
    TooManyRequestsError,
    UnauthorizedError,
    UncertainSubmissionError,
    UncertainSubmissionTimeout,
    UnprocessableEntityError,
)
from qhub_providers.api.retry import RetryPolicy

if TYPE_CHECKING:
    from qhub_providers.api import models


def __getattr__(name: str) -> Any:
    # The models load on first use (PEP 562): importing the client builds no pydantic model it does not
    # need, and each endpoint namespace loads its models when first used.
    if name == "models":
        return importlib.import_module("qhub_providers.api.models")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AnswerTooLargeError",
    "ApiError",
    "AsyncHubQuantumClient",
    "BadGatewayError",
    "BadRequestError",
    "ByteStream",
    "ClientClosedError",
    "ConflictError",
    "CredentialsError",
    "ForbiddenError",
    "HubConnectionError",
    "HubError",
    "HubQuantumClient",
    "HubQuantumClientEnvironment",
    "HubTimeoutError",
    "InternalServerError",
    "NotFoundError",
    "Pager",
    "ParsingError",
    "PayloadTooLargeError",
    "RequestOptions",
    "RetryPolicy",
    "ServiceUnavailableError",
    "TooManyRedirectsError",
    "TooManyRequestsError",
    "UnauthorizedError",
    "UncertainSubmissionError",
    "UncertainSubmissionTimeout",
    "UnprocessableEntityError",
    "models",
]
