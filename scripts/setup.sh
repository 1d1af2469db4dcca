#!/usr/bin/env bash
# Installs everything the project needs on a fresh machine, from the package registries only:
# Debian packages (SoftHSM2 for the PKCS#11 wallet, PostgreSQL for the multi-replica gateway store),
# a virtualenv with the pinned Python dependencies of pyproject.toml, and the npm packages of the
# official Fabric clients and shims that the interoperability tests drive. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '[setup] %s\n' "$*"; }

need_apt=()
command -v softhsm2-util >/dev/null 2>&1 || need_apt+=(softhsm2)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
if ((${#need_apt[@]})); then
  if [ "$(id -u)" = 0 ]; then
    say "installing Debian packages: ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    say "missing Debian packages (${need_apt[*]}); run as root or install them; dependent tests will skip"
  fi
fi

# The interpreter: $PYTHON if set, else the distribution's python3 when it is 3.11 or newer. Debian builds CPython
# with profile-guided and link-time optimisation, which runs this project's pure-Python nodes ~20 % faster than a
# plain source build (pyenv's default) of the same version; every devnet process and the gateway use it.
pick_python() {
  if [ -n "${PYTHON:-}" ]; then echo "$PYTHON"; return; fi
  if /usr/bin/python3 -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo /usr/bin/python3; return
  fi
  echo python3
}
PY=$(pick_python)
if [ "$PY" = /usr/bin/python3 ] && ! /usr/bin/python3 -c 'import ensurepip' 2>/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    say "installing Debian package python3-venv"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; }
  else
    PY=python3
  fi
fi
want_home=$(dirname "$("$PY" -c 'import os, sys; print(os.path.realpath(sys.executable))')")
have_home=$(sed -n 's/^home = //p' .venv/pyvenv.cfg 2>/dev/null || true)
if [ -x .venv/bin/python ] && [ "$(realpath -m "$have_home")" != "$(realpath -m "$want_home")" ]; then
  say "recreating .venv on $PY (it was made with $have_home)"
  rm -rf .venv
fi
if [ ! -x .venv/bin/python ]; then
  say "creating virtualenv .venv with $PY ($("$PY" -V 2>&1))"
  "$PY" -m venv .venv
fi
say "installing Python dependencies (pinned in pyproject.toml)"
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e '.[dev]'

for dir in $(git ls-files '*package.json' | grep -v node_modules | xargs -r -n1 dirname); do
  say "installing npm packages in $dir"
  if [ -f "$dir/package-lock.json" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  else
    (cd "$dir" && npm install --no-audit --no-fund --loglevel=error)
  fi
done
say "done"
