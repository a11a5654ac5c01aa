//! Nodes: `/v1/nodes`, `/v1/node/:id`.

use crate::allocation::Resources;
use crate::serde_util::{nullable, nullable_values};
use crate::time::{self, DateTime};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An entry of `/v1/nodes`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NodeListStub {
    #[serde(rename = "ID")]
    pub id: String,
    pub address: String,
    pub datacenter: String,
    pub name: String,
    pub node_class: String,
    pub node_pool: String,
    pub version: String,
    pub drain: bool,
    pub scheduling_eligibility: String,
    pub status: String,
    pub status_description: String,
    #[serde(deserialize_with = "nullable_values")]
    pub drivers: BTreeMap<String, DriverInfo>,
    /// Only `os.name`, and only when listed with `os=true`.
    pub attributes: Option<BTreeMap<String, String>>,
    /// Only when listed with `resources=true`.
    pub node_resources: Option<NodeResources>,
    pub reserved_resources: Option<NodeReservedResources>,
    pub create_index: u64,
    pub modify_index: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Node {
    #[serde(rename = "ID")]
    pub id: String,
    pub datacenter: String,
    pub name: String,
    #[serde(rename = "HTTPAddr")]
    pub http_addr: String,
    #[serde(deserialize_with = "nullable")]
    pub attributes: BTreeMap<String, String>,
    pub node_resources: Option<NodeResources>,
    pub reserved_resources: Option<NodeReservedResources>,
    /// The pre-0.9 view of the node's resources, until 1.11.0.
    pub resources: Option<Resources>,
    pub reserved: Option<Resources>,
    #[serde(deserialize_with = "nullable")]
    pub meta: BTreeMap<String, String>,
    pub node_class: String,
    /// Since 1.6.0.
    pub node_pool: String,
    pub computed_class: String,
    pub scheduling_eligibility: String,
    pub status: String,
    pub status_description: String,
    /// Unix seconds.
    pub status_updated_at: i64,
    #[serde(deserialize_with = "nullable")]
    pub events: Vec<NodeEvent>,
    #[serde(deserialize_with = "nullable_values")]
    pub drivers: BTreeMap<String, DriverInfo>,
    pub create_index: u64,
    pub modify_index: u64,
    /// Whether the node drains (it has a `DrainStrategy`), added by Nomad's encoder.
    pub drain: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NodeResources {
    #[serde(deserialize_with = "nullable")]
    pub cpu: NodeCpuResources,
    #[serde(deserialize_with = "nullable")]
    pub memory: NodeMemoryResources,
    #[serde(deserialize_with = "nullable")]
    pub disk: NodeDiskResources,
    /// The range of dynamic ports (`client.min_dynamic_port`, 20000 to 32000 by default).
    pub min_dynamic_port: i64,
    pub max_dynamic_port: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NodeCpuResources {
    pub cpu_shares: i64,
    pub total_cpu_cores: i64,
    #[serde(deserialize_with = "nullable")]
    pub reservable_cpu_cores: Vec<u16>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NodeMemoryResources {
    #[serde(rename = "MemoryMB")]
    pub memory_mb: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NodeDiskResources {
    #[serde(rename = "DiskMB")]
    pub disk_mb: i64,
}

/// What the node keeps back from scheduling (`NodeReservedResources`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NodeReservedResources {
    #[serde(deserialize_with = "nullable")]
    pub cpu: NodeReservedCpuResources,
    #[serde(deserialize_with = "nullable")]
    pub memory: NodeReservedMemoryResources,
    #[serde(deserialize_with = "nullable")]
    pub disk: NodeReservedDiskResources,
    #[serde(deserialize_with = "nullable")]
    pub networks: NodeReservedNetworkResources,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NodeReservedCpuResources {
    pub cpu_shares: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NodeReservedMemoryResources {
    #[serde(rename = "MemoryMB")]
    pub memory_mb: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NodeReservedDiskResources {
    #[serde(rename = "DiskMB")]
    pub disk_mb: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NodeReservedNetworkResources {
    /// A port list such as `22,80,8000-8080`.
    pub reserved_host_ports: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DriverInfo {
    #[serde(deserialize_with = "nullable")]
    pub attributes: BTreeMap<String, String>,
    pub detected: bool,
    pub healthy: bool,
    pub health_description: String,
    /// When the client last fingerprinted the driver.
    #[serde(with = "time::optional")]
    pub update_time: Option<DateTime>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NodeEvent {
    pub message: String,
    pub subsystem: String,
    #[serde(deserialize_with = "nullable")]
    pub details: BTreeMap<String, String>,
    #[serde(with = "time::optional")]
    pub timestamp: Option<DateTime>,
    pub create_index: u64,
}
