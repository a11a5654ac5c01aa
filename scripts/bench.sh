#!/usr/bin/env bash
# Benchmarks: prints figures (no pass/fail). Builds an optimised agent and the dashboard first.
# Usage: scripts/bench.sh [allocations|logs|exec ...]   (default: all that exist)
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$CARAVAN_ROOT"
scripts/setup.sh
scripts/build.sh --release
export CARAVAN_AGENT="$CARAVAN_ROOT/target/release/caravan-agent"
names=("$@")
[ ${#names[@]} -gt 0 ] || names=($(ls bench/*.mjs | xargs -n1 basename | sed 's/\.mjs$//'))
# A global WebSocket (bench/support/bare-chromium.mjs): built into Node 22+, behind a flag in 20.
node_flags=()
node -e 'process.exit(typeof WebSocket === "function" ? 0 : 1)' || node_flags=(--experimental-websocket --no-warnings=ExperimentalWarning)
for name in "${names[@]}"; do
  echo "== $name"
  node "${node_flags[@]}" "bench/$name.mjs"
done
