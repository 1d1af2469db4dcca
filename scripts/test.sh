#!/usr/bin/env bash
# Installs everything, then runs the linters and the whole default test suite.
# Tests marked `fabric` skip (with the reason) unless official Fabric binaries are on PATH or FABRIC_BIN.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "[test] ruff"
.venv/bin/ruff check .
echo "[test] pytest"
set +e
.venv/bin/python -m pytest "$@"
rc=$?
set -e
if [ "$rc" = 5 ]; then
  echo "[test] pytest collected no tests: failing" >&2
  exit 1
fi
exit "$rc"
