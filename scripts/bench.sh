#!/usr/bin/env bash
# Benchmarks: prints figures (no pass/fail). Builds an optimised agent first, and the dashboard
# when a benchmark named drives a browser (bench/agent.mjs needs the agent alone).
# Usage: scripts/bench.sh [allocations|logs|exec|agent ...]   (default: all that exist)
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$CARAVAN_ROOT"
names=("$@")
[ ${#names[@]} -gt 0 ] || names=($(ls bench/*.mjs | xargs -n1 basename | sed 's/\.mjs$//'))
scripts/setup.sh
files=()
for name in "${names[@]}"; do files+=("bench/$name.mjs"); done
if grep -qE 'support/(browser|bare-chromium)\.mjs' "${files[@]}"; then
  scripts/build.sh --release
else
  cargo build --release -p caravan-agent
fi
export CARAVAN_AGENT="$CARAVAN_ROOT/target/release/caravan-agent"
# A global WebSocket (bench/support/bare-chromium.mjs): built into Node 22+, behind a flag in 20.
node_flags=()
node -e 'process.exit(typeof WebSocket === "function" ? 0 : 1)' || node_flags=(--experimental-websocket --no-warnings=ExperimentalWarning)
for name in "${names[@]}"; do
  echo "== $name"
  node "${node_flags[@]}" "bench/$name.mjs"
done
