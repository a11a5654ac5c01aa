#!/usr/bin/env bash
# Builds the dashboard (dist/) and the local agent. `--release` builds an optimised agent.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$CARAVAN_ROOT"
profile=()
[ "${1:-}" = "--release" ] && profile=(--release)
trunk build --release --offline
cargo build -p caravan-agent "${profile[@]}"
