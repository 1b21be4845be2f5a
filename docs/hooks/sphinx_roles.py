"""MkDocs hook: show the Sphinx cross-reference roles of the docstrings as plain code.

The package's docstrings use reST roles (``:class:`HubError```, ``:meth:`~Session.close```) so that they read
well in ``help()``; the reference pages render them with Markdown, which would show the role names. This
turns ``:role:`target``` into ``target`` in code style, and ``~a.b.c`` into ``c``, as Sphinx does.
"""

from __future__ import annotations

import re
from typing import Any

_ROLE = re.compile(r":(?:py:)?(?:class|meth|mod|func|attr|data|exc|obj|const):<code>(~?)([^<]+)</code>")


def _plain(match: re.Match[str]) -> str:
    shortened, target = match.group(1), match.group(2)
    return f"<code>{target.rsplit('.', 1)[-1] if shortened else target}</code>"


def on_page_content(html: str, **kwargs: Any) -> str:
    """Rewrite the roles left in a page's HTML."""
    return _ROLE.sub(_plain, html)
