#!/usr/bin/env bash
# The README's first command: install everything (scripts/setup.sh), then run the main job
# (scripts/demo.py: devnet + asset chaincode + one REST gateway per org + a cross-org story).
# Options are passed on: bash scripts/demo.sh --help
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python scripts/demo.py "$@"
