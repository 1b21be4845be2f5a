"""How the faces get a REST client: explicit arguments, else the environment, else the qhubctl config."""

from __future__ import annotations

from qhub_providers.api import HubQuantumClient
from qhub_providers.api.credentials import resolve_credentials


def connect(
    access_token: str | None = None,
    organization_id: str | None = None,
    base_url: str | None = None,
    client: HubQuantumClient | None = None,
) -> HubQuantumClient:
    """The client a provider uses: ``client`` when given, else one built from resolved credentials."""
    if client is not None:
        if access_token or organization_id or base_url:
            raise ValueError("pass either client= or access_token/organization_id/base_url, not both")
        return client
    creds = resolve_credentials(access_token, organization_id, base_url)
    return HubQuantumClient(
        api_key=creds.token, organization_id=creds.organization_id, base_url=creds.base_url
    )
