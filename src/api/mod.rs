//! Everything that talks to Nomad: endpoints, the HTTP client, and the blocking-query engine.
//! The pure parts (endpoints, errors, backoff, budget, the read loop's decisions, decoding) also build natively and are
//! unit-tested there; the rest needs a browser.

pub mod backoff;
pub mod budget;
pub mod decode;
pub mod endpoints;
pub mod error;
pub mod exec;
pub mod feed_mode;
pub mod query_loop;
pub mod token_self;

#[cfg(target_arch = "wasm32")]
pub mod browser;
#[cfg(target_arch = "wasm32")]
pub mod client;
#[cfg(target_arch = "wasm32")]
pub mod exec_socket;
#[cfg(target_arch = "wasm32")]
pub mod feed;
#[cfg(target_arch = "wasm32")]
pub mod fetch;
#[cfg(target_arch = "wasm32")]
pub mod live;
#[cfg(target_arch = "wasm32")]
pub mod logs;
#[cfg(target_arch = "wasm32")]
mod slot;

pub use error::ApiError;
