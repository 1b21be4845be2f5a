"""Token, organization and base URL resolution, against real files in a temporary home directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qhub_providers.api import credentials
from qhub_providers.api.credentials import (
    BASE_URL_VARIABLE,
    DEFAULT_BASE_URL,
    ORGANIZATION_VARIABLES,
    TOKEN_VARIABLES,
    Credentials,
    QhubctlConfig,
    config_file_candidates,
    load_config,
    resolve_base_url,
    resolve_credentials,
    resolve_organization_id,
    resolve_token,
)
from qhub_providers.api.errors import CredentialsError

SECRET = "s3cr3t-token-value"

ALL_VARIABLES = (
    *TOKEN_VARIABLES,
    *ORGANIZATION_VARIABLES,
    BASE_URL_VARIABLE,
    "KQH_CONFIG_FILE_PATH",
    "PLANQK_CONFIG_FILE_PATH",
    "LOCALAPPDATA",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No variable of the developer's shell leaks in, and the home directory is an empty temporary one."""
    for variable in ALL_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    return home


@pytest.fixture
def home(clean_environment: Path) -> Path:
    return clean_environment


def qhubctl_file(home: Path) -> Path:
    return home / ".config" / "qhubctl" / "config.json"


def legacy_file(home: Path) -> Path:
    return home / ".config" / "planqk" / "config.json"


def write_config(path: Path, content: object) -> Path:
    """Write ``content`` as JSON (or verbatim when it is a string) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def full_config(
    token: str = "config-token", org: str = "config-org", is_org: bool = True
) -> dict[str, object]:
    return {
        "auth": {"type": "API_KEY", "value": token},
        "context": {"id": org, "displayName": "Some Org", "isOrganization": is_org},
    }


# --- token -------------------------------------------------------------------------------------------------


def test_documented_variable_names_and_order() -> None:
    # The parametrized priority tests below walk these tuples, so pin the tuples themselves here.
    assert TOKEN_VARIABLES == (
        "KQH_SERVICE_EXECUTION_TOKEN",
        "KQH_PERSONAL_ACCESS_TOKEN",
        "PLANQK_SERVICE_EXECUTION_TOKEN",
        "SERVICE_EXECUTION_TOKEN",
        "PLANQK_PERSONAL_ACCESS_TOKEN",
    )
    assert ORGANIZATION_VARIABLES == ("KQH_ORGANIZATION_ID", "PLANQK_ORGANIZATION_ID", "QHUB_ORGANIZATION_ID")
    assert BASE_URL_VARIABLE == "QHUB_QUANTUM_BASE_URL"


def test_service_execution_token_beats_personal_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KQH_PERSONAL_ACCESS_TOKEN", "personal")
    monkeypatch.setenv("KQH_SERVICE_EXECUTION_TOKEN", "service")
    assert resolve_token() == "service"


@pytest.mark.parametrize("winner", range(len(TOKEN_VARIABLES)))
def test_token_variables_are_read_in_priority_order(
    monkeypatch: pytest.MonkeyPatch, home: Path, winner: int
) -> None:
    write_config(qhubctl_file(home), full_config())
    for variable in TOKEN_VARIABLES[winner:]:
        monkeypatch.setenv(variable, f"token-of-{variable}")
    expected = TOKEN_VARIABLES[winner]
    assert resolve_token() == f"token-of-{expected}"
    assert resolve_credentials().token_source == f"environment variable {expected}"


def test_explicit_token_beats_environment_and_config(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    write_config(qhubctl_file(home), full_config())
    for variable in TOKEN_VARIABLES:
        monkeypatch.setenv(variable, "from-env")
    assert resolve_token("from-argument") == "from-argument"
    creds = resolve_credentials(access_token="from-argument")
    assert (creds.token, creds.token_source) == ("from-argument", "argument")


def test_config_file_token_is_the_last_resort(home: Path) -> None:
    path = write_config(qhubctl_file(home), full_config(token="config-token"))
    assert resolve_token() == "config-token"
    assert resolve_credentials().token_source == f"qhubctl config file {path}"


def test_empty_and_blank_values_count_as_unset(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    write_config(qhubctl_file(home), full_config(token="config-token"))
    monkeypatch.setenv("KQH_SERVICE_EXECUTION_TOKEN", "")
    monkeypatch.setenv("KQH_PERSONAL_ACCESS_TOKEN", "   ")
    monkeypatch.setenv("PLANQK_SERVICE_EXECUTION_TOKEN", "planqk-token")
    assert resolve_token("") == "planqk-token"
    assert resolve_token(" \t") == "planqk-token"

    monkeypatch.setenv("PLANQK_SERVICE_EXECUTION_TOKEN", "")
    assert resolve_token() == "config-token"


def test_blank_token_in_config_file_is_no_token(home: Path) -> None:
    write_config(qhubctl_file(home), {"auth": {"type": "API_KEY", "value": "  "}})
    with pytest.raises(CredentialsError, match="No Kipu Quantum Hub access token"):
        resolve_token()


def test_token_is_returned_without_surrounding_blanks(monkeypatch: pytest.MonkeyPatch) -> None:
    # A token exported with `$(cat token.txt)` or pasted with a newline must still work as a header.
    monkeypatch.setenv("KQH_PERSONAL_ACCESS_TOKEN", "  abc123\n")
    assert resolve_token() == "abc123"


def test_an_explicit_environ_mapping_replaces_the_process_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KQH_PERSONAL_ACCESS_TOKEN", "process-token")
    monkeypatch.setenv("KQH_ORGANIZATION_ID", "process-org")
    environ = {
        "PLANQK_PERSONAL_ACCESS_TOKEN": "mapping-token",
        BASE_URL_VARIABLE: "http://127.0.0.1:9/quantum",
    }
    creds = resolve_credentials(environ=environ)
    assert creds.token == "mapping-token"
    assert creds.organization_id is None
    assert creds.base_url == "http://127.0.0.1:9/quantum"


def test_missing_token_message_says_what_to_set(home: Path) -> None:
    with pytest.raises(CredentialsError) as info:
        resolve_token()
    message = str(info.value)
    assert "KQH_PERSONAL_ACCESS_TOKEN" in message
    for variable in TOKEN_VARIABLES:
        assert variable in message
    assert str(qhubctl_file(home)) in message
    assert "qhub-providers emulator" in message


def test_missing_token_message_names_the_explicit_config_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = write_config(tmp_path / "mine.json", {"context": {"id": "org-1", "isOrganization": True}})
    monkeypatch.setenv("KQH_CONFIG_FILE_PATH", str(path))
    with pytest.raises(CredentialsError, match="KQH_PERSONAL_ACCESS_TOKEN") as info:
        resolve_credentials()
    assert str(path) in str(info.value)


# --- configuration file location -------------------------------------------------------------------------


def test_default_candidates_are_qhubctl_then_legacy(home: Path) -> None:
    assert config_file_candidates() == [qhubctl_file(home), legacy_file(home)]


def test_legacy_file_is_used_when_qhubctl_file_is_missing(home: Path) -> None:
    path = write_config(legacy_file(home), full_config(token="legacy-token", org="legacy-org"))
    creds = resolve_credentials()
    assert creds.token == "legacy-token"
    # The official SDK reads the legacy file for the token only; we take its organization context too.
    assert creds.organization_id == "legacy-org"
    assert creds.token_source == f"qhubctl config file {path}"


def test_qhubctl_file_wins_over_legacy_file(home: Path) -> None:
    write_config(legacy_file(home), full_config(token="legacy-token", org="legacy-org"))
    write_config(qhubctl_file(home), full_config(token="qhubctl-token", org="qhubctl-org"))
    creds = resolve_credentials()
    assert (creds.token, creds.organization_id) == ("qhubctl-token", "qhubctl-org")


def test_kqh_config_path_wins_over_planqk_config_path_and_defaults(
    monkeypatch: pytest.MonkeyPatch, home: Path, tmp_path: Path
) -> None:
    write_config(qhubctl_file(home), full_config(token="default-token"))
    kqh = write_config(tmp_path / "kqh.json", full_config(token="kqh-token"))
    planqk = write_config(tmp_path / "planqk.json", full_config(token="planqk-token"))
    monkeypatch.setenv("KQH_CONFIG_FILE_PATH", str(kqh))
    monkeypatch.setenv("PLANQK_CONFIG_FILE_PATH", str(planqk))
    assert config_file_candidates() == [kqh]
    assert resolve_token() == "kqh-token"

    monkeypatch.delenv("KQH_CONFIG_FILE_PATH")
    assert config_file_candidates() == [planqk]
    assert resolve_token() == "planqk-token"

    monkeypatch.setenv("PLANQK_CONFIG_FILE_PATH", "")
    assert resolve_token() == "default-token"


def test_explicit_config_path_expands_the_home_directory(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    write_config(home / "elsewhere.json", full_config(token="tilde-token"))
    monkeypatch.setenv("KQH_CONFIG_FILE_PATH", "~/elsewhere.json")
    assert config_file_candidates() == [home / "elsewhere.json"]
    assert resolve_token() == "tilde-token"


@pytest.mark.parametrize("variable", ["KQH_CONFIG_FILE_PATH", "PLANQK_CONFIG_FILE_PATH"])
def test_named_config_file_that_does_not_exist_is_an_error(
    monkeypatch: pytest.MonkeyPatch, home: Path, tmp_path: Path, variable: str
) -> None:
    # Even a valid default file is not used instead: the user asked for another one.
    write_config(qhubctl_file(home), full_config())
    missing = tmp_path / "nope" / "config.json"
    monkeypatch.setenv(variable, str(missing))
    with pytest.raises(CredentialsError, match=variable) as info:
        resolve_token()
    assert str(missing) in str(info.value)


def test_missing_default_files_are_skipped(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KQH_PERSONAL_ACCESS_TOKEN", "env-token")
    creds = resolve_credentials()
    assert creds.organization_id is None
    assert creds.base_url == DEFAULT_BASE_URL


def test_windows_default_is_under_local_app_data(home: Path, tmp_path: Path) -> None:
    local = tmp_path / "AppData" / "Local"
    expected = local / "qhubctl" / "config.json"
    assert credentials._default_config_file({"LOCALAPPDATA": str(local)}, windows=True) == expected
    fallback = home / "AppData" / "Local" / "qhubctl" / "config.json"
    assert credentials._default_config_file({}, windows=True) == fallback


# --- configuration file content --------------------------------------------------------------------------


def test_load_config_reads_token_and_organization(tmp_path: Path) -> None:
    path = write_config(tmp_path / "c.json", full_config(token="t-1", org="org-1"))
    config = load_config(path)
    assert config == QhubctlConfig(token="t-1", organization_id="org-1", path=path)


def test_load_config_accepts_a_string_path(tmp_path: Path) -> None:
    path = write_config(tmp_path / "c.json", full_config(token="t-1", org="org-1"))
    assert load_config(str(path)).token == "t-1"


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ({"id": "org-1", "displayName": "Org", "isOrganization": True}, "org-1"),
        ({"id": "org-1", "isOrganization": True}, "org-1"),  # no displayName: the official SDK crashes here
        ({"id": "user-1", "displayName": "Me", "isOrganization": False}, None),
        ({"id": "user-1", "displayName": "Me"}, None),
        ({"id": "org-1", "isOrganization": True, "someFutureField": [1, 2]}, "org-1"),
        (None, None),
    ],
)
def test_organization_comes_from_an_organization_context_only(
    home: Path, context: dict[str, object] | None, expected: str | None
) -> None:
    data: dict[str, object] = {"auth": {"type": "API_KEY", "value": "t"}, "context": context}
    write_config(qhubctl_file(home), data)
    assert resolve_organization_id() == expected
    assert resolve_credentials().organization_id == expected


@pytest.mark.parametrize("content", [{}, {"auth": {"type": "API_KEY"}}, {"context": {}}, "", "  \n"])
def test_config_with_parts_missing_gives_nothing(tmp_path: Path, content: object) -> None:
    path = write_config(tmp_path / "c.json", content)
    config = load_config(path)
    assert (config.token, config.organization_id) == (None, None)


def test_config_without_context_still_gives_the_token(home: Path) -> None:
    write_config(qhubctl_file(home), {"auth": {"type": "API_KEY", "value": "only-token"}})
    creds = resolve_credentials()
    assert (creds.token, creds.organization_id) == ("only-token", None)


def test_malformed_json_names_the_file_and_not_the_content(tmp_path: Path) -> None:
    path = write_config(tmp_path / "broken.json", '{"auth": {"type": "API_KEY", "value": "' + SECRET)
    with pytest.raises(CredentialsError, match="not valid JSON") as info:
        load_config(path)
    assert str(path) in str(info.value)
    assert "line 1" in str(info.value)
    assert SECRET not in str(info.value)
    assert info.value.__cause__ is None


def test_malformed_default_file_fails_resolution_clearly(home: Path) -> None:
    write_config(qhubctl_file(home), "{not json")
    with pytest.raises(CredentialsError, match="not valid JSON") as info:
        resolve_credentials()
    assert str(qhubctl_file(home)) in str(info.value)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ([SECRET], "must hold a JSON object"),
        ({"auth": SECRET}, "'auth' must be an object"),
        ({"auth": [SECRET]}, "'auth' must be an object"),
        ({"auth": {"type": "API_KEY", "value": 12345}}, "'auth.value' must be a string"),
        ({"auth": {"value": SECRET}, "context": "org-1"}, "'context' must be an object"),
        (
            {"auth": {"value": SECRET}, "context": {"id": 7, "isOrganization": True}},
            "'context.id' must be a string",
        ),
        (
            {"auth": {"value": SECRET}, "context": {"id": "o", "isOrganization": "yes"}},
            "'context.isOrganization'",
        ),
        ({"auth": {"value": SECRET}, "context": {"id": "o", "displayName": 3}}, "'context.displayName'"),
    ],
)
def test_wrong_shapes_name_the_file_and_the_problem(tmp_path: Path, content: object, fragment: str) -> None:
    path = write_config(tmp_path / "shape.json", content)
    with pytest.raises(CredentialsError) as info:
        load_config(path)
    message = str(info.value)
    assert fragment in message
    assert str(path) in message
    assert SECRET not in message


def test_unreadable_config_file_is_a_credentials_error(tmp_path: Path) -> None:
    directory = tmp_path / "a-directory.json"
    directory.mkdir()
    with pytest.raises(CredentialsError, match="cannot read") as info:
        load_config(directory)
    assert str(directory) in str(info.value)


def test_config_file_that_is_not_utf8_is_a_credentials_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"auth": {"value": "caf\xe9"}}')
    with pytest.raises(CredentialsError, match="UTF-8"):
        load_config(path)


# --- organization ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("winner", range(len(ORGANIZATION_VARIABLES)))
def test_organization_variables_are_read_in_priority_order(
    monkeypatch: pytest.MonkeyPatch, home: Path, winner: int
) -> None:
    # An organization context in the config must not win over the environment (it does in the official SDK).
    write_config(qhubctl_file(home), full_config(org="config-org"))
    for variable in ORGANIZATION_VARIABLES[winner:]:
        monkeypatch.setenv(variable, f"org-of-{variable}")
    assert resolve_organization_id() == f"org-of-{ORGANIZATION_VARIABLES[winner]}"


def test_organization_from_environment_needs_no_config_file(
    monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    monkeypatch.setenv("KQH_ORGANIZATION_ID", "org-env")
    monkeypatch.setenv("KQH_PERSONAL_ACCESS_TOKEN", "t")
    assert not qhubctl_file(home).exists()
    assert not legacy_file(home).exists()
    assert resolve_credentials().organization_id == "org-env"


def test_explicit_organization_beats_environment_and_config(
    monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    write_config(qhubctl_file(home), full_config(org="config-org"))
    monkeypatch.setenv("KQH_ORGANIZATION_ID", "org-env")
    assert resolve_organization_id("org-arg") == "org-arg"
    assert resolve_credentials(organization_id="org-arg").organization_id == "org-arg"


def test_empty_organization_values_are_skipped(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    write_config(qhubctl_file(home), full_config(org="config-org"))
    monkeypatch.setenv("KQH_ORGANIZATION_ID", "")
    monkeypatch.setenv("PLANQK_ORGANIZATION_ID", "  ")
    assert resolve_organization_id("") == "config-org"
    monkeypatch.setenv("QHUB_ORGANIZATION_ID", "org-qhub")
    assert resolve_organization_id() == "org-qhub"


def test_no_organization_anywhere_is_the_personal_account() -> None:
    assert resolve_organization_id() is None


# --- base URL --------------------------------------------------------------------------------------------


def test_base_url_default() -> None:
    assert resolve_base_url() == DEFAULT_BASE_URL == "https://api.hub.kipu-quantum.com/quantum"


def test_base_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BASE_URL_VARIABLE, "http://127.0.0.1:8080/quantum")
    assert resolve_base_url() == "http://127.0.0.1:8080/quantum"


def test_explicit_base_url_beats_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BASE_URL_VARIABLE, "http://127.0.0.1:8080/quantum")
    assert resolve_base_url("https://other.example/q") == "https://other.example/q"


@pytest.mark.parametrize("value", ["", "   "])
def test_empty_base_url_variable_gives_the_default(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    # The official SDK builds a client with an empty base URL here.
    monkeypatch.setenv(BASE_URL_VARIABLE, value)
    assert resolve_base_url() == DEFAULT_BASE_URL
    assert resolve_base_url("") == DEFAULT_BASE_URL


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://127.0.0.1:8080/quantum/", "http://127.0.0.1:8080/quantum"),
        ("http://127.0.0.1:8080/quantum///", "http://127.0.0.1:8080/quantum"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
        ("HTTPS://API.example/quantum", "HTTPS://API.example/quantum"),
    ],
)
def test_base_url_trailing_slashes_are_removed(value: str, expected: str) -> None:
    assert resolve_base_url(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "api.hub.kipu-quantum.com/quantum",
        "localhost:8080/quantum",
        "/quantum",
        "ftp://example.com/quantum",
        "http://",
        "http://:8080/quantum",
        "http://127.0.0.1:99999/quantum",
        "http://127.0.0.1:8080/quantum?x=1",
        "http://127.0.0.1:8080/quantum#frag",
    ],
)
def test_invalid_base_url_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    with pytest.raises(CredentialsError, match="invalid Quantum API base URL"):
        resolve_base_url(value)
    monkeypatch.setenv(BASE_URL_VARIABLE, value)
    with pytest.raises(CredentialsError, match=BASE_URL_VARIABLE):
        resolve_base_url()
    monkeypatch.setenv("KQH_PERSONAL_ACCESS_TOKEN", SECRET)
    with pytest.raises(CredentialsError) as info:
        resolve_credentials()
    assert SECRET not in str(info.value)


# --- the token never shows ------------------------------------------------------------------------------


def test_token_never_in_repr_or_str_of_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KQH_PERSONAL_ACCESS_TOKEN", SECRET)
    monkeypatch.setenv("KQH_ORGANIZATION_ID", "org-1")
    creds = resolve_credentials()
    assert creds.token == SECRET
    for text in (repr(creds), str(creds), f"{creds}", f"{creds!r}", repr([creds]), repr({"c": creds})):
        assert SECRET not in text
        assert "token='***'" in text
        assert "org-1" in text
        assert "KQH_PERSONAL_ACCESS_TOKEN" in text


def test_token_never_in_repr_of_config(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path / "c.json", full_config(token=SECRET)))
    assert config.token == SECRET
    assert SECRET not in repr(config)
    assert SECRET not in str(config)
    assert "token='***'" in repr(config)


def test_credentials_are_immutable() -> None:
    creds = Credentials(
        token=SECRET, organization_id=None, base_url=DEFAULT_BASE_URL, token_source="argument"
    )
    with pytest.raises(AttributeError):
        creds.token = "other"  # type: ignore[misc]


def test_config_error_after_env_token_does_not_leak_it(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    # The token comes from the environment; the organization lookup then hits a broken config file.
    monkeypatch.setenv("KQH_PERSONAL_ACCESS_TOKEN", SECRET)
    write_config(qhubctl_file(home), {"auth": {"value": SECRET}, "context": SECRET})
    with pytest.raises(CredentialsError) as info:
        resolve_credentials()
    assert SECRET not in str(info.value)
    assert SECRET not in repr(info.value)
