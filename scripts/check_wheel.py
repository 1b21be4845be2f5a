"""Check a built wheel for what an install relies on: the license, the type marker, the command line and
the pytest plugin's entry points. Used by scripts/test.sh; prints one line per problem and exits 1."""

from __future__ import annotations

import sys
import zipfile


def problems(wheel: str) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        found: list[str] = []
        entry_points = next((n for n in names if n.endswith(".dist-info/entry_points.txt")), None)
        text = archive.read(entry_points).decode() if entry_points else ""
    if not any(n.endswith("LICENSE") for n in names):
        found.append("no LICENSE file")
    if "qhub_providers/py.typed" not in names:
        found.append("no qhub_providers/py.typed")
    if "qhub-providers = qhub_providers.cli:main" not in text:
        found.append("no qhub-providers console script")
    if "qhub_providers.testing = qhub_providers.testing" not in text:
        found.append("no pytest11 entry point for qhub_providers.testing")
    return found


def main(wheels: list[str]) -> int:
    failed = False
    for wheel in wheels:
        for problem in problems(wheel):
            print(f"{wheel}: {problem}")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
