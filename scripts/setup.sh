#!/usr/bin/env bash
# Installs every tool Caravan needs, skipping what is already installed at the right version.
# Safe to run again and again; run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
LEPTOSFMT_VERSION=0.1.33
log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
command -v chromedriver >/dev/null || need_apt+=(chromium-driver)
# Debian's nginx, not nginx-light: deploy/nginx.conf (run by the browser tests) uses sub_filter.
/usr/sbin/nginx -V 2>&1 | grep -q http_sub_module || need_apt+=(nginx)
command -v node >/dev/null || need_apt+=(nodejs npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
if ! cargo clippy --version >/dev/null 2>&1; then
  log "rustup component add clippy"
  rustup component add clippy
fi

# The format gate (scripts/test.sh): rustfmt, and leptosfmt for the markup inside `view!`.
if ! cargo fmt --version >/dev/null 2>&1; then
  log "rustup component add rustfmt"
  rustup component add rustfmt
fi
if [ "$(leptosfmt --version 2>/dev/null)" != "leptosfmt $LEPTOSFMT_VERSION" ]; then
  log "cargo install leptosfmt $LEPTOSFMT_VERSION (about 3 minutes on 2 cores)"
  cargo install --locked leptosfmt --version "$LEPTOSFMT_VERSION"
fi
# The oldest Rust the workspace declares (scripts/msrv.sh checks it builds).
msrv=$(awk -F'"' '/^rust-version *=/ { print $2; exit }' Cargo.toml)
if ! rustup toolchain list | grep -q "^$msrv-"; then
  log "rustup toolchain install $msrv (minimal, with the wasm target)"
  rustup toolchain install "$msrv" --profile minimal --target wasm32-unknown-unknown
fi

if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
  log "cargo install trunk $TRUNK_VERSION (about 9 minutes on 2 cores)"
  cargo install --locked trunk --version "$TRUNK_VERSION"
fi

# wasm-bindgen-cli must equal the wasm-bindgen the dashboard links (Cargo.lock). Not --locked:
# its own lockfile pins a crate the registry no longer has.
wbg_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wbg_version" ]; then
  log "cargo install wasm-bindgen-cli $wbg_version"
  cargo install wasm-bindgen-cli --version "$wbg_version"
fi
# wasm-split-cli (scripts/wasm-split.mjs) must equal the wasm_split_helpers whose split points
# the dashboard links (Cargo.lock). It has no --version: cargo's install list says.
split_version=$(awk '/^name = "wasm_split_helpers"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if ! cargo install --list | grep -qx "wasm_split_cli_support v$split_version:"; then
  log "cargo install wasm_split_cli_support $split_version"
  cargo install --locked wasm_split_cli_support --version "$split_version" --features build-binary
fi
grep -q "wasm_bindgen = \"$wbg_version\"" Trunk.toml || {
  echo "Trunk.toml pins a wasm-bindgen other than Cargo.lock's $wbg_version: update [tools]" >&2
  exit 1
}

# npm: wasm-opt (binaryen 132, run by scripts/wasm-split.mjs; Debian's 108 corrupts current
# wasm-bindgen output), terser (minifies the JS wasm-bindgen writes), xterm, Playwright.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
log "tools ready"
