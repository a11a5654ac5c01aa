#!/usr/bin/env bash
# Checks that the workspace builds with the oldest Rust it declares (`rust-version` in
# Cargo.toml), natively and for the dashboard's wasm, so the declaration stays true as
# dependencies move. A check, not a build: type and borrow errors are what differ between
# compilers. Its own target dir keeps the main build's artifacts untouched.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$CARAVAN_ROOT"
msrv=$(awk -F'"' '/^rust-version *=/ { print $2; exit }' Cargo.toml)
export CARGO_TARGET_DIR="$CARAVAN_ROOT/target/msrv"
cargo "+$msrv" check --workspace --all-targets
cargo "+$msrv" check -p caravan --target wasm32-unknown-unknown
