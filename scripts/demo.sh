#!/usr/bin/env bash
# The demo: starts a local Hub in this process and runs circuits on it. No account, no network.
set -euo pipefail
QHUB_EXTRAS="emulator"
source "$(dirname "$0")/_venv.sh"
exec python -m qhub_providers.demo "$@"
