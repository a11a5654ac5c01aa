#!/usr/bin/env bash
# Sets up everything and runs every test: native unit and integration tests, then the browser
# tests in headless Chromium against the built dashboard and a running local agent, directly
# and through each front.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$CARAVAN_ROOT"
scripts/setup.sh
# Gates first, as they are the cheapest: one format for the tree (rustfmt.toml, leptosfmt.toml),
# and the oldest Rust the workspace declares.
cargo fmt --all --check
leptosfmt --check --quiet src tests
scripts/msrv.sh
cargo test --workspace --exclude caravan
cargo test -p caravan --lib
# Lints, natively and for the dashboard's wasm-only code: warnings fail the run.
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p caravan --target wasm32-unknown-unknown -- -D warnings
# The dashboard's components mounted in headless Chromium (tests/web.rs).
scripts/test-components.sh
scripts/build.sh
node --test --test-concurrency=1 e2e/
# Again through each front a real agent would have before it (e2e/support/front.mjs): the
# `serve` subcommand, and Debian's nginx running deploy/nginx.conf. Each pass's agents answer as
# another Nomad release (the first as the newest): the oldest supported, and the last before
# /v1/acl/token/self moved to ACL.WhoAmI, so the dashboard is checked against each shape at no
# extra cost.
CARAVAN_E2E_FRONT=serve CARAVAN_E2E_NOMAD_VERSION=1.4 node --test --test-concurrency=1 e2e/
CARAVAN_E2E_FRONT=nginx CARAVAN_E2E_NOMAD_VERSION=1.10.0 node --test --test-concurrency=1 e2e/
