#!/usr/bin/env bash
# The whole test suite: lint, format check, type check, docs build, package build, tests. Installs what
# it needs into .venv.
# Extra arguments go to pytest (for example: scripts/test.sh tests/api -x).
set -euo pipefail
QHUB_EXTRAS="all"
source "$(dirname "$0")/_venv.sh"

# The docs site, built strictly (a broken link or reference fails) into a temporary directory; the log is
# shown only on failure. --quiet is not used: it hides the warnings that strict mode turns into failures.
build_docs() {
  local tmp
  tmp="$(mktemp -d)"
  if ! NO_MKDOCS_2_WARNING=1 mkdocs build --strict --site-dir "$tmp/site" >"$tmp/build.log" 2>&1; then
    cat "$tmp/build.log"
    rm -rf "$tmp"
    return 1
  fi
  rm -rf "$tmp"
}

# The wheel and sdist that would be published, built without build isolation (so offline: hatchling comes
# with the dev extra) and checked with twine; a few lines prove the wheel carries what installs rely on.
check_dist() {
  local tmp status=0
  tmp="$(mktemp -d)"
  if python -m build --no-isolation --outdir "$tmp/dist" . >"$tmp/build.log" 2>&1; then
    twine check --strict "$tmp"/dist/* && python scripts/check_wheel.py "$tmp"/dist/*.whl || status=1
  else
    cat "$tmp/build.log"
    status=1
  fi
  rm -rf "$tmp"
  return $status
}

echo "== ruff check" && ruff check .
echo "== ruff format --check" && ruff format --check .
echo "== mypy" && mypy
echo "== mkdocs build --strict" && build_docs
echo "== wheel and sdist" && check_dist
# IQM's own client, in a venv of its own, referees the IQM tests (tests/referee).
echo "== iqm-client referee venv" && source "$root/scripts/_iqm_referee_venv.sh"
echo "== pytest" && python -m pytest -n 2 "$@"
