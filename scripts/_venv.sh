# Sourced by the demo and test scripts: make sure .venv exists and holds this checkout with the
# extras given in $QHUB_EXTRAS. Reinstalls only when pyproject.toml or the extras change.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${QHUB_VENV:-$root/.venv}"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip 2>/dev/null
fi
stamp="$venv/.qhub-install-stamp"
hash="$(sha256sum < "$root/pyproject.toml" | cut -c1-16)"
want="$hash-${QHUB_EXTRAS}"
have="$(cat "$stamp" 2>/dev/null || true)"
# An install of every extra serves any command; otherwise install when the project or the extras changed.
if [ "$have" != "$want" ] && [ "$have" != "$hash-all" ]; then
  echo "Installing qhub-providers[${QHUB_EXTRAS}] into .venv (first run only) ..." >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$root[${QHUB_EXTRAS}]" 2>&1 \
    | grep -v "is ignored: it is neither a file nor a directory" >&2 || true
  "$venv/bin/python" -c "import qhub_providers" # fail loudly if the install did not take
  echo "$want" > "$stamp"
fi
export PATH="$venv/bin:$PATH"
cd "$root"
