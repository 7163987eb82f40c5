#!/usr/bin/env bash
# Builds Plexus in release mode and starts it with config/example.toml
# (data under ./data). Ctrl-C stops it cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cargo build --release --bin plexus
exec "${CARGO_TARGET_DIR:-target}/release/plexus" serve --config config/example.toml
