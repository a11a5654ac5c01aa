//! The proxy between a fake Nomad agent and a browser-like client: one test binary.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod config;
mod connections;
mod dashboard;
mod deploy;
mod forward;
mod host;
mod tls;
mod websocket;
