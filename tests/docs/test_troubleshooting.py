"""Every typed error a user can catch is explained on the troubleshooting page, under a heading of its own:
adding an error class without saying what it means and what to do fails here."""

from __future__ import annotations

import inspect
import re
from types import ModuleType

import pytest

import qhub_providers.api.errors
import qhub_providers.least_busy
import qhub_providers.qiskit.errors
import qhub_providers.sessions
from qhub_providers.api.errors import HubError

from .examples import DOCS

MODULES = (
    qhub_providers.api.errors,
    qhub_providers.qiskit.errors,
    qhub_providers.sessions,
    qhub_providers.least_busy,
)


def _typed_errors(module: ModuleType) -> list[str]:
    return [
        name
        for name, value in vars(module).items()
        if inspect.isclass(value)
        and issubclass(value, HubError)
        and value.__module__ == module.__name__
        and not name.startswith("_")
    ]


# HubError itself is the page's subject, introduced before the first heading.
ERRORS = sorted({name for module in MODULES for name in _typed_errors(module)} - {"HubError"})
_PAGE = (DOCS / "troubleshooting.md").read_text(encoding="utf-8")
_HEADINGS = {
    word for heading in re.findall(r"^#{2,4} (.+)$", _PAGE, re.M) for word in re.findall(r"\w+", heading)
}


def test_the_error_classes_are_found() -> None:
    expected = {"ApiError", "NotFoundError", "PayloadTooLargeError", "JobFailedError", "SessionError"}
    assert expected <= set(ERRORS)


@pytest.mark.parametrize("name", ERRORS)
def test_each_error_has_a_heading_on_the_troubleshooting_page(name: str) -> None:
    assert name in _HEADINGS, f"docs/troubleshooting.md explains no {name}; add a '### {name}' section"
