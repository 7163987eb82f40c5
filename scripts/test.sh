#!/usr/bin/env bash
# Runs every test: unit tests, the black-box suite in complement-tests/
# (real binary on loopback) and the matrix-js-sdk client scenario.
set -euo pipefail
cd "$(dirname "$0")/.."
PLEXUS_NEEDS_NODE=1 bash scripts/deps.sh
# The federation tests install Synapse from PyPI into their own virtualenv
# ($PLEXUS_SYNAPSE_VENV, default ~/.cache/plexus/synapse-venv): python3 needs venv.
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq python3 python3-venv >/dev/null
fi
# The target dir lives outside the clone so CI runs on this machine reuse it.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/plexus/target}"
mkdir -p "$CARGO_TARGET_DIR"
cargo build --workspace --bins
export PLEXUS_BIN="$CARGO_TARGET_DIR/debug/plexus"
cargo test --workspace --all-targets
if [ -f complement-tests/js/package.json ]; then
  (cd complement-tests/js && npm ci --no-audit --no-fund --loglevel=error && node --test)
fi
