#!/usr/bin/env bash
# The whole test suite: lint, format check, type check, tests. Installs what it needs into .venv.
# Extra arguments go to pytest (for example: scripts/test.sh tests/api -x).
set -euo pipefail
QHUB_EXTRAS="all"
source "$(dirname "$0")/_venv.sh"
echo "== ruff check" && ruff check .
echo "== ruff format --check" && ruff format --check .
echo "== mypy" && mypy
echo "== pytest" && python -m pytest -n 2 "$@"
