//! The Nomad *client* half of Caravan's local agent: runs allocations as real local
//! processes the way Nomad's allocrunner, taskrunner, `raw_exec` driver and logmon do.
//!
//! A task's `config` takes `command` (string) and `args` (strings), as `raw_exec`. One
//! local-agent extension: `log_max_bytes` (integer) in a task's `config` overrides
//! `LogConfig.MaxFileSizeMB` with a size in bytes, so log rotation can be exercised cheaply.

mod alloc_runner;
mod allocdir;
mod client;
mod config;
mod coordinator;
mod driver;
mod env;
mod error;
mod events;
mod logmon;
mod restarts;
mod signals;
mod stats;
mod sync;
mod task_runner;

pub use alloc_runner::AllocUpdate;
pub use allocdir::{prepare_data_dir, private_dir};
pub use client::Client;
pub use config::ClientConfig;
pub use error::ClientError;
