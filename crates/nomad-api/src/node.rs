//! Nodes: `/v1/nodes`, `/v1/node/:id`.

use crate::serde_util::nullable;
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
    #[serde(deserialize_with = "nullable")]
    pub drivers: BTreeMap<String, DriverInfo>,
    /// Only `os.name`, and only when listed with `os=true`.
    pub attributes: Option<BTreeMap<String, String>>,
    /// Only when listed with `resources=true`.
    pub node_resources: Option<NodeResources>,
    pub reserved_resources: Option<NodeResources>,
    pub create_index: u64,
    pub modify_index: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Node {
    #[serde(rename = "ID")]
    pub id: String,
    pub name: String,
    pub datacenter: String,
    pub node_class: String,
    pub node_pool: String,
    #[serde(rename = "HTTPAddr")]
    pub http_addr: String,
    #[serde(deserialize_with = "nullable")]
    pub attributes: BTreeMap<String, String>,
    #[serde(deserialize_with = "nullable")]
    pub meta: BTreeMap<String, String>,
    pub node_resources: Option<NodeResources>,
    pub reserved_resources: Option<NodeResources>,
    #[serde(deserialize_with = "nullable")]
    pub drivers: BTreeMap<String, DriverInfo>,
    pub drain: bool,
    pub scheduling_eligibility: String,
    pub status: String,
    pub status_description: String,
    pub status_updated_at: i64,
    #[serde(deserialize_with = "nullable")]
    pub events: Vec<NodeEvent>,
    pub create_index: u64,
    pub modify_index: u64,
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
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NodeCpuResources {
    pub cpu_shares: i64,
    pub total_cpu_cores: i64,
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

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DriverInfo {
    pub detected: bool,
    pub healthy: bool,
    pub health_description: String,
    #[serde(deserialize_with = "nullable")]
    pub attributes: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NodeEvent {
    pub message: String,
    pub subsystem: String,
    #[serde(deserialize_with = "nullable")]
    pub details: BTreeMap<String, String>,
    pub timestamp: crate::time::DateTime,
    pub create_index: u64,
}
