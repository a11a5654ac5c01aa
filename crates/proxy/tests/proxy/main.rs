//! The proxy between a fake Nomad agent and a browser-like client: one test binary.

mod common;
mod config;
mod connections;
mod dashboard;
mod deploy;
mod forward;
mod host;
mod tls;
mod websocket;
