# Sourced by scripts/test.sh: make sure .venv-iqm-referee holds IQM's own client (iqm-client with its
# Qiskit converter) and export its python as QHUB_IQM_REFEREE_PYTHON for the tests in tests/referee.
# iqm-client pins an older pydantic, packaging and Qiskit than this project uses, so it lives in a venv
# of its own and the tests talk to it through a subprocess. The venv is rebuilt only when the
# requirement line below changes (a stamp file holds the line it was built from).
set -euo pipefail
iqm_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
iqm_venv="${QHUB_IQM_REFEREE_VENV:-$iqm_root/.venv-iqm-referee}"
iqm_requirement="iqm-client[qiskit]>=36,<37"
iqm_stamp="$iqm_venv/.qhub-referee-stamp"
if [ "$(cat "$iqm_stamp" 2>/dev/null || true)" != "$iqm_requirement" ]; then
  echo "Installing $iqm_requirement into $(basename "$iqm_venv") (first run only) ..." >&2
  rm -rf "$iqm_venv" # a fresh venv, so nothing of an older requirement stays behind
  "${PYTHON:-python3}" -m venv "$iqm_venv"
  "$iqm_venv/bin/python" -m pip install --quiet --disable-pip-version-check "$iqm_requirement" 2>&1 \
    | grep -v "is ignored: it is neither a file nor a directory" >&2 || true
  "$iqm_venv/bin/python" -c "import iqm.iqm_client, iqm.qiskit_iqm" # fail loudly if the install did not take
  echo "$iqm_requirement" > "$iqm_stamp"
fi
export QHUB_IQM_REFEREE_PYTHON="$iqm_venv/bin/python"
