#!/usr/bin/env bash
# Sets everything up (as scripts/setup.sh) and runs the whole test suite. Safe to run again.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$REPO/scripts/setup.sh"
cd "$REPO"
exec "$REPO/.venv/bin/pytest" -p no:cacheprovider -W ignore::Warning "$@" rag_release_tests
