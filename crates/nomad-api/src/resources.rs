//! A task's resources as the job asks for them and as pre-0.9 allocations record them
//! (`structs.Resources`, `NetworkResource`, `Port`). Both jobs and allocations hold them, so
//! they live apart from either: that keeps `job` and `allocation` from depending on each
//! other both ways (issue 17).

use crate::serde_util::nullable;
use serde::{Deserialize, Serialize};

/// Pre-0.9 resources block (`Resources`, `TaskResources`), also a task's ask in the job.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Resources {
    /// CPU, MHz.
    #[serde(rename = "CPU")]
    pub cpu: i64,
    /// Whole cores reserved instead of MHz; `None` when not asked for.
    #[serde(rename = "Cores", skip_serializing_if = "Option::is_none")]
    pub cores: Option<i64>,
    /// Memory, MB.
    #[serde(rename = "MemoryMB")]
    pub memory_mb: i64,
    /// Memory the task may use beyond `MemoryMB` (oversubscription), MB; `None` when unset.
    #[serde(rename = "MemoryMaxMB", skip_serializing_if = "Option::is_none")]
    pub memory_max_mb: Option<i64>,
    /// Disk, MB (ephemeral disk, pre-0.9).
    #[serde(rename = "DiskMB")]
    pub disk_mb: i64,
    /// Networks asked for or assigned.
    #[serde(deserialize_with = "nullable")]
    pub networks: Vec<NetworkResource>,
}

/// A network asked for or assigned (`NetworkResource`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NetworkResource {
    /// Networking mode: `host`, `bridge`, `none` or `cni/<name>`; empty means host.
    pub mode: String,
    /// Host network interface, e.g. `eth0`.
    pub device: String,
    /// CIDR of the network.
    #[serde(rename = "CIDR")]
    pub cidr: String,
    /// The address assigned on the host.
    #[serde(rename = "IP")]
    pub ip: String,
    /// Bandwidth, Mbit/s.
    #[serde(rename = "MBits")]
    pub mbits: i64,
    /// Static ports, asked for by number.
    #[serde(deserialize_with = "nullable")]
    pub reserved_ports: Vec<Port>,
    /// Dynamic ports, the value Nomad picked for each label.
    #[serde(deserialize_with = "nullable")]
    pub dynamic_ports: Vec<Port>,
}

/// A port of a network (`Port`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Port {
    /// The port's label in the job (`port "http"`).
    pub label: String,
    /// The port number on the host; for a dynamic port, 0 in the job until the scheduler picks it.
    pub value: i64,
    /// The port inside the network namespace it is forwarded to; 0 or -1 means the same as `Value`.
    pub to: i64,
    /// The `host_network` the port is bound on; empty for the default.
    #[serde(rename = "HostNetwork")]
    pub host_network: String,
}
