#!/usr/bin/env bash
# Sets up everything and runs every test: native unit and integration tests, then the browser
# tests in headless Chromium against the built dashboard and a running local agent.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$CARAVAN_ROOT"
scripts/setup.sh
cargo test --workspace --exclude caravan
cargo test -p caravan --lib
scripts/build.sh
node --test --test-concurrency=1 e2e/
