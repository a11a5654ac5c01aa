//! Nomad's v1 HTTP API as Rust types, and the codecs of its streaming protocols.
//!
//! Shared by the Caravan dashboard (wasm) and the local agent (native), so both sides
//! agree on every field name. Decoding is lenient the way real Nomad responses demand:
//! unknown fields are ignored, `null` and a missing field both mean "default".
//!
//! Every public item is documented (the lint below): this crate is where both sides learn
//! what a Nomad field means, so the meaning is written here once.

#![deny(missing_docs)]

pub mod acl;
pub mod agent;
pub mod allocation;
pub mod client;
pub mod deployment;
pub mod duration;
pub mod eval;
pub mod event;
pub mod exec;
pub mod filter;
pub mod fs;
pub mod gojson;
pub mod job;
pub mod job_diff;
pub mod job_statuses;
pub mod json;
pub mod logs;
pub mod monitor;
pub mod multierror;
pub mod node;
pub mod node_pool;
pub mod query;
pub mod resources;
pub mod search;
pub mod serde_util;
pub mod stream;
pub mod submission;
pub mod summary;
pub mod time;
pub mod utf8;
pub mod version;
pub mod wire;

pub use acl::*;
pub use agent::*;
pub use allocation::*;
pub use client::*;
pub use deployment::*;
pub use eval::*;
pub use exec::*;
pub use fs::*;
pub use job::*;
pub use node::*;
pub use node_pool::*;
pub use resources::*;
pub use stream::*;
pub use submission::JobSubmission;
pub use summary::*;
pub use time::{DateTime, NanoTime};
pub use version::NomadVersion;
pub use wire::Wire;
