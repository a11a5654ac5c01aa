//! The client's settings, in a module of their own: the allocation runner and the task
//! environment read them, and the client (which owns the runners) builds them into its state,
//! so here none of those modules depends on another in a cycle.

use nomad_api::NomadVersion;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Allocation directories live at `<data_dir>/alloc/<alloc_id>`.
    pub data_dir: PathBuf,
    pub node_id: String,
    pub node_name: String,
    pub region: String,
    pub datacenter: String,
    /// The Nomad release the agent answers as: some task errors are worded by it.
    pub nomad_version: NomadVersion,
}
