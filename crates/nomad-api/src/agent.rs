//! `/v1/agent/*`: self, members, servers, join, force-leave, health.

use crate::serde_util::nullable;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// `/v1/agent/self`. The config block is large and version-dependent: the fields the
/// dashboard shows are typed, the rest is kept as it came.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AgentSelf {
    pub config: AgentConfig,
    pub member: AgentMember,
    /// Sections (`nomad`, `raft`, `serf`, `runtime`, `client`) of string values.
    #[serde(deserialize_with = "nullable")]
    pub stats: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AgentConfig {
    pub region: String,
    pub datacenter: String,
    pub node_name: String,
    /// A string before Nomad 0.9, an object (`Version`, `VersionPrerelease`, ...) since.
    pub version: AgentVersion,
    pub version_prerelease: Option<String>,
    pub revision: Option<String>,
    pub dev_mode: bool,
    pub data_dir: String,
    #[serde(rename = "ACL", skip_serializing_if = "Option::is_none")]
    pub acl: Option<AgentAclConfig>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AgentAclConfig {
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AgentVersion {
    Text(String),
    Info(VersionInfo),
}

impl Default for AgentVersion {
    fn default() -> Self {
        AgentVersion::Text(String::new())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VersionInfo {
    pub revision: String,
    pub version: String,
    pub version_prerelease: String,
    pub version_metadata: String,
}

impl AgentSelf {
    /// The agent's version as Nomad prints it (`1.7.3`, `0.5.5dev`).
    pub fn version(&self) -> String {
        match &self.config.version {
            AgentVersion::Info(v) if !v.version_prerelease.is_empty() => {
                format!("{}-{}", v.version, v.version_prerelease)
            }
            AgentVersion::Info(v) => v.version.clone(),
            AgentVersion::Text(v) => {
                format!("{v}{}", self.config.version_prerelease.as_deref().unwrap_or(""))
            }
        }
    }
}

/// `/v1/agent/members`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ServerMembers {
    pub server_name: String,
    pub server_region: String,
    #[serde(rename = "ServerDC")]
    pub server_dc: String,
    #[serde(deserialize_with = "nullable")]
    pub members: Vec<AgentMember>,
}

/// A gossip pool member.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AgentMember {
    pub name: String,
    pub addr: String,
    pub port: u16,
    #[serde(deserialize_with = "nullable")]
    pub tags: BTreeMap<String, String>,
    pub status: String,
    pub protocol_min: u8,
    pub protocol_max: u8,
    pub protocol_cur: u8,
    pub delegate_min: u8,
    pub delegate_max: u8,
    pub delegate_cur: u8,
}

/// `/v1/agent/health`: `client` is absent on a server-only agent and vice versa.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AgentHealthResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<AgentHealth>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<AgentHealth>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AgentHealth {
    pub ok: bool,
    pub message: String,
}

/// `/v1/agent/join`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct JoinResponse {
    pub error: String,
    pub num_joined: u64,
}
