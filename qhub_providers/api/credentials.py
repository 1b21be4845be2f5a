"""Where the access token, the organization and the API base URL come from.

The Hub client itself takes these as plain arguments; this module finds them the way Kipu Quantum Hub users
expect: an explicit argument first, then environment variables, then the configuration file written by
``qhubctl`` (or by its predecessor, the PlanQK CLI).

Deliberate differences from the official SDK `qhub-quantum`:

* the organization is read from ``KQH_ORGANIZATION_ID`` / ``PLANQK_ORGANIZATION_ID`` /
  ``QHUB_ORGANIZATION_ID`` without needing any configuration file, and an environment variable wins over the
  file's context;
* the legacy PlanQK configuration file is used for the organization too, not only for the token;
* a context without ``displayName`` (or without ``context`` at all) is fine;
* an empty ``QHUB_QUANTUM_BASE_URL`` means "unset" and gives the default URL, never an empty one.

Nothing here ever puts the token into an error message or a ``repr``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from qhub_providers.api.errors import CredentialsError

__all__ = [
    "BASE_URL_VARIABLE",
    "DEFAULT_BASE_URL",
    "ORGANIZATION_VARIABLES",
    "TOKEN_VARIABLES",
    "Credentials",
    "QhubctlConfig",
    "config_file_candidates",
    "load_config",
    "resolve_base_url",
    "resolve_credentials",
    "resolve_organization_id",
    "resolve_token",
    "sendable_token",
]

DEFAULT_BASE_URL = "https://api.hub.kipu-quantum.com/quantum"
"""The Quantum API of the hosted Kipu Quantum Hub."""

TOKEN_VARIABLES: tuple[str, ...] = (
    "KQH_SERVICE_EXECUTION_TOKEN",
    "KQH_PERSONAL_ACCESS_TOKEN",
    "PLANQK_SERVICE_EXECUTION_TOKEN",
    "SERVICE_EXECUTION_TOKEN",
    "PLANQK_PERSONAL_ACCESS_TOKEN",
)
"""Environment variables that may hold the access token, highest priority first.

Service-execution tokens come before personal ones so that code running inside a Hub service acts as that
service even when a developer's personal token is also around.
"""

ORGANIZATION_VARIABLES: tuple[str, ...] = (
    "KQH_ORGANIZATION_ID",
    "PLANQK_ORGANIZATION_ID",
    "QHUB_ORGANIZATION_ID",
)
"""Environment variables that may hold the organization id, highest priority first."""

BASE_URL_VARIABLE = "QHUB_QUANTUM_BASE_URL"
"""Environment variable that overrides the Quantum API base URL (for example to reach the local Hub)."""

CONFIG_PATH_VARIABLES: tuple[str, ...] = ("KQH_CONFIG_FILE_PATH", "PLANQK_CONFIG_FILE_PATH")
"""Environment variables that name the configuration file explicitly, highest priority first."""

_CONFIG_FILE_NAME = "config.json"


def _present(value: str | None) -> str | None:
    """The value stripped of surrounding blanks, or None when nothing is left (empty counts as unset)."""
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


def _environ(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def _named_config_file(environ: Mapping[str, str]) -> tuple[str, Path] | None:
    """The variable that names the configuration file explicitly and the path it names, if any."""
    for variable in CONFIG_PATH_VARIABLES:
        value = _present(environ.get(variable))
        if value is not None:
            return variable, Path(value).expanduser()
    return None


def _default_config_file(environ: Mapping[str, str], *, windows: bool) -> Path:
    """Where qhubctl keeps its configuration on this kind of system."""
    if windows:
        local_app_data = _present(environ.get("LOCALAPPDATA"))
        base = Path(local_app_data) if local_app_data else Path.home() / "AppData" / "Local"
        return base / "qhubctl" / _CONFIG_FILE_NAME
    return Path.home() / ".config" / "qhubctl" / _CONFIG_FILE_NAME


def _legacy_config_file() -> Path:
    """Where the PlanQK CLI, qhubctl's predecessor, kept its configuration."""
    return Path.home() / ".config" / "planqk" / _CONFIG_FILE_NAME


def config_file_candidates(environ: Mapping[str, str] | None = None) -> list[Path]:
    """The configuration files to look at, in order; the first one that exists is used.

    A file named by ``KQH_CONFIG_FILE_PATH`` (else ``PLANQK_CONFIG_FILE_PATH``) is the only candidate: the
    user chose it, so silently reading another file instead would be surprising. Otherwise the candidates are
    qhubctl's default file (``~/.config/qhubctl/config.json``, on Windows
    ``%LOCALAPPDATA%\\qhubctl\\config.json``) and then the legacy PlanQK file
    ``~/.config/planqk/config.json``. Paths are returned whether or not they exist.
    """
    env = _environ(environ)
    named = _named_config_file(env)
    if named is not None:
        return [named[1]]
    return [_default_config_file(env, windows=os.name == "nt"), _legacy_config_file()]


@dataclass(frozen=True)
class QhubctlConfig:
    """What the credentials resolution uses from a qhubctl configuration file.

    ``token`` is ``auth.value`` and ``organization_id`` is ``context.id`` when the context is an organization;
    either is None when the file does not provide it. ``path`` is the file that was read.
    """

    token: str | None
    organization_id: str | None
    path: Path

    def __repr__(self) -> str:
        token = "'***'" if self.token is not None else "None"
        return f"QhubctlConfig(token={token}, organization_id={self.organization_id!r}, path={self.path!r})"

    __str__ = __repr__


_KIND_NAMES: dict[type, str] = {dict: "an object", str: "a string", bool: "true or false"}


def _optional_member(obj: Mapping[str, Any], key: str, kind: type, where: str, path: Path) -> Any:
    """``obj[key]`` checked to be of ``kind``; a missing key or JSON null gives None.

    The message names the place and the expected type but never the value found, which could be the token.
    """
    value = obj.get(key)
    if value is None or isinstance(value, kind):
        return value
    name = f"{where}.{key}" if where else key
    raise CredentialsError(
        f"qhubctl config file {path}: '{name}' must be {_KIND_NAMES[kind]}, not {_json_type_name(value)}"
    )


def _json_type_name(value: object) -> str:
    """The JSON name of a decoded value's type, for error messages."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def load_config(path: Path | str) -> QhubctlConfig:
    """Read a qhubctl configuration file.

    The file is JSON such as ``{"auth": {"type": "API_KEY", "value": "..."}, "context": {"id": "...",
    "displayName": "...", "isOrganization": true}}``. Every part may be missing and unknown keys are ignored;
    the organization is taken from the context only when ``isOrganization`` is true. A file that cannot be
    read, is not JSON, or has ``auth`` / ``context`` of the wrong shape raises :class:`CredentialsError`
    naming the file and the problem (and never quoting the file's content, which holds the token).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CredentialsError(f"cannot read qhubctl config file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise CredentialsError(f"qhubctl config file {path} is not UTF-8 text") from None
    try:
        data = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as exc:
        # exc.msg is a fixed phrase and the position is numbers: the document (the token) is never quoted.
        raise CredentialsError(
            f"qhubctl config file {path} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    if not isinstance(data, dict):
        raise CredentialsError(
            f"qhubctl config file {path} must hold a JSON object, not {_json_type_name(data)}"
        )

    token: str | None = None
    auth = _optional_member(data, "auth", dict, "", path)
    if auth is not None:
        token = _present(_optional_member(auth, "value", str, "auth", path))

    organization_id: str | None = None
    context = _optional_member(data, "context", dict, "", path)
    if context is not None:
        context_id = _present(_optional_member(context, "id", str, "context", path))
        is_organization = _optional_member(context, "isOrganization", bool, "context", path)
        # displayName is deliberately not required: the official SDK crashes on a context without it.
        _optional_member(context, "displayName", str, "context", path)
        if is_organization:
            organization_id = context_id
    return QhubctlConfig(token=token, organization_id=organization_id, path=path)


def _find_config(environ: Mapping[str, str]) -> QhubctlConfig | None:
    """The first existing configuration file, read; None when there is none.

    A file named by a variable must exist; the default locations are optional.
    """
    named = _named_config_file(environ)
    if named is not None:
        variable, path = named
        if not path.is_file():
            raise CredentialsError(
                f"{variable} names the qhubctl config file {path}, but it is not an existing file"
            )
        return load_config(path)
    for path in config_file_candidates(environ):
        if path.is_file():
            return load_config(path)
    return None


def _resolve_token_with_source(explicit: str | None, environ: Mapping[str, str]) -> tuple[str, str]:
    """The token and a short description of where it came from."""
    token = _present(explicit)
    if token is not None:
        return token, "argument"
    for variable in TOKEN_VARIABLES:
        token = _present(environ.get(variable))
        if token is not None:
            return token, f"environment variable {variable}"
    config = _find_config(environ)
    if config is not None and config.token is not None:
        return config.token, f"qhubctl config file {config.path}"
    raise CredentialsError(_missing_token_message(environ))


def _missing_token_message(environ: Mapping[str, str]) -> str:
    others = ", ".join(v for v in TOKEN_VARIABLES if v != "KQH_PERSONAL_ACCESS_TOKEN")
    locations = " or ".join(str(p) for p in config_file_candidates(environ))
    return (
        "No Kipu Quantum Hub access token found. Set the environment variable KQH_PERSONAL_ACCESS_TOKEN "
        f"(also read: {others}), pass access_token=..., or log in with qhubctl so that the config file "
        f"{locations} holds it (another file can be named with KQH_CONFIG_FILE_PATH). "
        "To try without an account, start the local Hub with `qhub-providers emulator`."
    )


def resolve_token(explicit: str | None = None, *, environ: Mapping[str, str] | None = None) -> str:
    """The access token: ``explicit``, else the first of :data:`TOKEN_VARIABLES` set, else the config file.

    Empty or blank values count as unset; the token is returned without surrounding blanks. Raises
    :class:`CredentialsError` when no source provides one.
    """
    return _resolve_token_with_source(explicit, _environ(environ))[0]


def sendable_token(token: str) -> str:
    """The token as it goes into the ``X-Auth-Token`` header: surrounding blanks removed.

    A header value is printable ASCII. A token with a line break or another control character inside, or
    with non-ASCII letters, is refused here with :class:`ValueError`, because the HTTP library would
    otherwise fail later with a message that quotes the header value, i.e. the token. The message names
    the kind of character and its position, never the token.
    """
    stripped = token.strip()
    if not stripped:
        raise ValueError("api_key must be a non-empty access token (or use HubQuantumClient.from_env())")
    for position, char in enumerate(stripped, start=1):
        if " " <= char <= "~":
            continue
        kind = (
            "line break"
            if char in "\r\n"
            else "non-ASCII character"
            if ord(char) > 127
            else "control character"
        )
        raise ValueError(
            f"the access token cannot be sent in an HTTP header: it has a {kind} at position {position} "
            "(was it copied with extra characters?)"
        )
    return stripped


def resolve_organization_id(
    explicit: str | None = None, *, environ: Mapping[str, str] | None = None
) -> str | None:
    """The organization to act for, or None for the personal account.

    ``explicit``, else the first of :data:`ORGANIZATION_VARIABLES` set, else the config file's context id when
    that context is an organization. No configuration file is needed for the first two.
    """
    organization_id = _present(explicit)
    if organization_id is not None:
        return organization_id
    env = _environ(environ)
    for variable in ORGANIZATION_VARIABLES:
        organization_id = _present(env.get(variable))
        if organization_id is not None:
            return organization_id
    config = _find_config(env)
    return config.organization_id if config is not None else None


def resolve_base_url(explicit: str | None = None, *, environ: Mapping[str, str] | None = None) -> str:
    """The Quantum API base URL: ``explicit``, else ``QHUB_QUANTUM_BASE_URL``, else :data:`DEFAULT_BASE_URL`.

    Empty values count as unset and trailing slashes are removed. A value that is not an absolute http(s) URL
    (or that carries a query or fragment, which path joining would break) raises :class:`CredentialsError`.
    """
    url = _present(explicit)
    source = "base_url argument"
    if url is None:
        url = _present(_environ(environ).get(BASE_URL_VARIABLE))
        source = BASE_URL_VARIABLE
    if url is None:
        return DEFAULT_BASE_URL
    _check_base_url(url, source)
    return url.rstrip("/")


def _check_base_url(url: str, source: str) -> None:
    problem: str | None = None
    try:
        parts = urlsplit(url)
        _ = parts.port  # read for its check: an invalid port raises ValueError
    except ValueError:
        problem = "it cannot be parsed"
    else:
        if parts.scheme.lower() not in ("http", "https"):
            problem = "it must start with http:// or https://"
        elif not parts.hostname:
            problem = "it has no host"
        elif parts.query or parts.fragment:
            problem = "it must not have a query or fragment"
    if problem is not None:
        raise CredentialsError(
            f"invalid Quantum API base URL {url!r} from {source}: {problem} "
            f"(for example {DEFAULT_BASE_URL} or http://127.0.0.1:8080/quantum)"
        )


@dataclass(frozen=True)
class Credentials:
    """Everything needed to talk to the Hub: token, organization, base URL, and where the token came from.

    ``token_source`` is a short description such as ``"argument"``, ``"environment variable
    KQH_PERSONAL_ACCESS_TOKEN"`` or ``"qhubctl config file <path>"``. The token is masked in ``repr`` and
    ``str``.
    """

    token: str
    organization_id: str | None
    base_url: str
    token_source: str

    def __repr__(self) -> str:
        return (
            f"Credentials(token='***', organization_id={self.organization_id!r}, "
            f"base_url={self.base_url!r}, token_source={self.token_source!r})"
        )

    __str__ = __repr__


def resolve_credentials(
    access_token: str | None = None,
    organization_id: str | None = None,
    base_url: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> Credentials:
    """Resolve token, organization and base URL at once (see the ``resolve_*`` functions for the order)."""
    env = _environ(environ)
    # The base URL first: a malformed URL is a cheaper mistake to report than a missing token.
    url = resolve_base_url(base_url, environ=env)
    token, source = _resolve_token_with_source(access_token, env)
    return Credentials(
        token=token,
        organization_id=resolve_organization_id(organization_id, environ=env),
        base_url=url,
        token_source=source,
    )
