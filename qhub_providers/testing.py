"""A test kit for code that uses qhub-providers: a pytest plugin and a context manager that point it at a
local Hub, so that such code is tested offline, with real HTTP and real simulators.

The plugin is registered with pytest by the ``pytest11`` entry point of the package, so installing
qhub-providers is all it takes (``-p qhub_providers.testing`` loads it explicitly). It offers:

- fixtures: ``local_hub`` (one :class:`~qhub_providers.emulator.LocalHub` per test session, with its test
  controls), ``hub_client`` (a REST client of it), ``qiskit_provider`` and ``braket_provider``,
  ``local_hub_env``, which applies :func:`use_local_hub` for one test, and ``real_hub_credentials``;
- the marker ``real_hub`` and the option ``--real-hub``: a marked test's ``hub_client``,
  ``qiskit_provider`` and ``braket_provider`` talk to the real Kipu Quantum Hub when ``--real-hub`` is given
  and a token is found, and to the local Hub otherwise (so such tests run everywhere, and against the real
  Hub only on purpose). With ``--real-hub`` and no token, marked tests are skipped.

Nothing heavy is imported until a fixture needs it: loading the plugin costs pytest no Qiskit, no Braket
and no web server. The guide is ``docs/testing.md``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from qhub_providers.api import HubQuantumClient
    from qhub_providers.api.credentials import Credentials
    from qhub_providers.braket import HubBraketProvider
    from qhub_providers.emulator import LocalHub
    from qhub_providers.qiskit import HubQiskitProvider

__all__ = [
    "REAL_HUB_MARKER",
    "REAL_HUB_OPTION",
    "braket_provider",
    "hub_client",
    "local_hub",
    "local_hub_env",
    "qiskit_provider",
    "real_hub_credentials",
    "real_hub_requested",
    "use_local_hub",
]

REAL_HUB_MARKER = "real_hub"
"""Marks a test that may run against the real Hub (see the module docstring)."""

REAL_HUB_OPTION = "--real-hub"
"""The opt-in flag that sends the marked tests to the real Hub."""


@contextlib.contextmanager
def use_local_hub(hub: LocalHub | None = None, *, organization_id: str | None = None) -> Iterator[LocalHub]:
    """Point every client and provider created inside the block at a local Hub.

    Inside the block, ``HubQiskitProvider()``, ``HubBraketProvider()`` and ``HubQuantumClient.from_env()``
    find the local Hub's base URL and token in the environment variables they read anyway
    (``QHUB_QUANTUM_BASE_URL``, ``KQH_PERSONAL_ACCESS_TOKEN``), so code under test needs no change. Every
    other token, organization and qhubctl configuration setting is hidden for the duration, so nothing of
    the machine's own account leaks in; all of them are restored on exit.

    Args:
        hub: The local Hub to use; by default one is started for the block and stopped after it.
        organization_id: Act for this organization (the local Hub keeps each organization's jobs apart);
            by default the personal account.

    The environment is process-wide: do not use this from several threads with different Hubs at once.
    """
    from qhub_providers.api import credentials

    started = None
    if hub is None:
        from qhub_providers import emulator  # looked up at call time, so tests may substitute it

        started = emulator.LocalHub()
        hub = started.start()
    hidden = (
        *credentials.TOKEN_VARIABLES,
        *credentials.ORGANIZATION_VARIABLES,
        *credentials.CONFIG_PATH_VARIABLES,
        credentials.BASE_URL_VARIABLE,
    )
    saved = {name: os.environ.get(name) for name in hidden}
    try:
        with tempfile.TemporaryDirectory(prefix="qhub-testing-") as folder:
            # An empty qhubctl file: the user's own file could otherwise add its organization.
            empty_config = Path(folder) / "qhubctl-config.json"
            empty_config.write_text("{}", encoding="utf-8")
            for name in hidden:
                os.environ.pop(name, None)
            os.environ[credentials.BASE_URL_VARIABLE] = hub.base_url
            os.environ["KQH_PERSONAL_ACCESS_TOKEN"] = hub.token
            os.environ["KQH_CONFIG_FILE_PATH"] = str(empty_config)
            if organization_id is not None:
                os.environ["KQH_ORGANIZATION_ID"] = organization_id
            try:
                yield hub
            finally:
                for name, value in saved.items():
                    if value is None:
                        os.environ.pop(name, None)
                    else:
                        os.environ[name] = value
    finally:
        if started is not None:
            started.stop()


# -- the pytest plugin -----------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("qhub-providers")
    group.addoption(
        REAL_HUB_OPTION,
        action="store_true",
        default=False,
        help=(
            f"run tests marked {REAL_HUB_MARKER} against the real Kipu Quantum Hub (token from "
            "KQH_PERSONAL_ACCESS_TOKEN or the qhubctl configuration); without it they use a local Hub"
        ),
    )


_REAL_HUB_CREDENTIALS = pytest.StashKey["Credentials | str"]()
"""The real Hub's credentials, read once when pytest starts (or why they could not be read)."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{REAL_HUB_MARKER}: an end-to-end test whose hub_client, qiskit_provider and braket_provider talk "
        f"to the real Hub when {REAL_HUB_OPTION} is given and a token is set (to a local Hub otherwise)",
    )
    if config.getoption(REAL_HUB_OPTION):
        # Read now, before any fixture of the suite hides the machine's variables for its own tests.
        from qhub_providers.api.credentials import resolve_credentials
        from qhub_providers.api.errors import CredentialsError

        try:
            config.stash[_REAL_HUB_CREDENTIALS] = resolve_credentials()
        except CredentialsError:
            config.stash[_REAL_HUB_CREDENTIALS] = (
                f"{REAL_HUB_OPTION} needs an access token: set KQH_PERSONAL_ACCESS_TOKEN"
            )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    found = config.stash.get(_REAL_HUB_CREDENTIALS, None)
    if not isinstance(found, str):  # not asked for, or credentials found
        return
    skip = pytest.mark.skip(reason=found)
    for item in items:
        if item.get_closest_marker(REAL_HUB_MARKER) is not None:
            item.add_marker(skip)


def real_hub_requested(request: pytest.FixtureRequest) -> bool:
    """Whether this test talks to the real Hub: it is marked ``real_hub`` and ``--real-hub`` was given."""
    marked = request.node.get_closest_marker(REAL_HUB_MARKER) is not None
    return marked and bool(request.config.getoption(REAL_HUB_OPTION))


@pytest.fixture(scope="session")
def local_hub() -> Iterator[LocalHub]:
    """A local Hub for the whole test session, with its test controls (``hub.admin``)."""
    from qhub_providers.emulator import LocalHub

    with LocalHub(admin=True) as hub:
        yield hub


@pytest.fixture(scope="session")
def real_hub_credentials(pytestconfig: pytest.Config) -> Credentials:
    """The real Hub's token, organization and base URL as they were when pytest started (with
    ``--real-hub``); a test that asks for them without ``--real-hub`` or a token is skipped."""
    found = pytestconfig.stash.get(_REAL_HUB_CREDENTIALS, None)
    if found is None:
        pytest.skip(f"the real Hub is used only with {REAL_HUB_OPTION}")
    if isinstance(found, str):
        pytest.skip(found)
    return found


@pytest.fixture
def hub_client(request: pytest.FixtureRequest) -> Iterator[HubQuantumClient]:
    """A REST client of the local Hub; of the real Hub in a ``real_hub`` test run with ``--real-hub``."""
    if real_hub_requested(request):
        from qhub_providers.api import HubQuantumClient

        creds: Credentials = request.getfixturevalue("real_hub_credentials")
        with HubQuantumClient(
            api_key=creds.token, organization_id=creds.organization_id, base_url=creds.base_url
        ) as client:
            yield client
        return
    hub: LocalHub = request.getfixturevalue("local_hub")
    with hub.client() as client:
        yield client


@pytest.fixture
def qiskit_provider(hub_client: HubQuantumClient) -> HubQiskitProvider:
    """A Qiskit provider on ``hub_client``'s Hub."""
    from qhub_providers.qiskit import HubQiskitProvider

    return HubQiskitProvider(client=hub_client)


@pytest.fixture
def braket_provider(hub_client: HubQuantumClient) -> HubBraketProvider:
    """A Braket provider on ``hub_client``'s Hub."""
    from qhub_providers.braket import HubBraketProvider

    return HubBraketProvider(client=hub_client)


@pytest.fixture
def local_hub_env(local_hub: LocalHub) -> Iterator[LocalHub]:
    """:func:`use_local_hub` for one test: code that builds its own providers or clients finds the local
    Hub."""
    with use_local_hub(local_hub) as hub:
        yield hub
