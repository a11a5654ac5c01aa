#!/usr/bin/env bash
# The browser component tests (tests/web.rs): the dashboard's views mounted in headless
# Chromium by wasm-bindgen-test. `.cargo/config.toml` makes wasm-bindgen-test-runner (installed
# with wasm-bindgen-cli by scripts/setup.sh, at Cargo.lock's wasm-bindgen version) the runner
# of wasm32 test binaries; it drives Debian's Chromium through chromedriver, with the
# capabilities of tests/webdriver.json (the runner adds headless and no-sandbox itself).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$CARAVAN_ROOT"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export WASM_BINDGEN_TEST_WEBDRIVER_JSON="${WASM_BINDGEN_TEST_WEBDRIVER_JSON:-$CARAVAN_ROOT/tests/webdriver.json}"
# A test that hangs (a view that never settles) fails instead of holding the run.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-120}"
# Without xterm (the `terminal` feature): the test page has no import map for its bare module
# names (src/pages/exec/terminal_absent.rs). Dependencies build exactly as for trunk.
cargo test -p caravan --target wasm32-unknown-unknown --no-default-features --test web "$@"
