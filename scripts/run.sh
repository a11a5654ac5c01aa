#!/usr/bin/env bash
# Sets up everything, builds, and runs the local agent serving the dashboard.
# Extra arguments go to the agent (e.g. --acl, --synthetic-allocs 10000 --churn 50, --port 4647).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$CARAVAN_ROOT"
scripts/setup.sh
scripts/build.sh --release
echo "Open the URL printed below (the dashboard is at /ui/). Ctrl-C stops the agent and its tasks."
exec target/release/caravan-agent --ui-dir dist "$@"
