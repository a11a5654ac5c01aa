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
    /// `config`: the agent's running configuration.
    pub config: AgentConfig,
    /// `member`: this server in the gossip pool; zero values on a client-only agent.
    pub member: AgentMember,
    /// Sections (`nomad`, `raft`, `serf`, `runtime`, `client`) of string values.
    #[serde(deserialize_with = "nullable")]
    pub stats: BTreeMap<String, BTreeMap<String, String>>,
}

/// The agent's configuration in `/v1/agent/self` (`config`): a few typed fields, the rest in
/// `other`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AgentConfig {
    /// Region the agent is in (`global` unless set).
    pub region: String,
    /// Datacenter the agent is in (`dc1` unless set).
    pub datacenter: String,
    /// The agent's `name`: its hostname unless configured.
    pub node_name: String,
    /// A string before Nomad 0.9, an object (`Version`, `VersionPrerelease`, ...) since.
    pub version: AgentVersion,
    /// Before 0.9 only: the prerelease suffix (`dev`, `rc1`) beside a string `Version`.
    pub version_prerelease: Option<String>,
    /// Before 0.9 only: the git commit the binary was built from.
    pub revision: Option<String>,
    /// Whether the agent runs with `-dev` (server and client in one, state in memory).
    pub dev_mode: bool,
    /// The agent's `data_dir`: the directory where it keeps its state.
    pub data_dir: String,
    /// `ACL`: the agent's `acl` block; absent when the agent does not send one.
    #[serde(rename = "ACL", skip_serializing_if = "Option::is_none")]
    pub acl: Option<AgentAclConfig>,
    /// Every other key of the configuration, as it came.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The agent's `acl` block (only the part the dashboard reads).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AgentAclConfig {
    /// Whether ACLs are enforced: requests then need a token.
    pub enabled: bool,
}

/// `Config.Version` of `/v1/agent/self`: a string before Nomad 0.9, an object since.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AgentVersion {
    /// Before 0.9: the bare version (`0.8.7`); the suffix is in `VersionPrerelease`.
    Text(String),
    /// 0.9 and later: the version and its parts.
    Info(VersionInfo),
}

impl Default for AgentVersion {
    fn default() -> Self {
        AgentVersion::Text(String::new())
    }
}

/// `version.VersionInfo`: the agent's build.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VersionInfo {
    /// Git commit the binary was built from.
    pub revision: String,
    /// Release number, such as `1.7.3`.
    pub version: String,
    /// Prerelease label such as `dev` or `beta.1`; empty for a release.
    pub version_prerelease: String,
    /// Build metadata such as `ent`; empty for community builds.
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
    /// Name of the server that answered.
    pub server_name: String,
    /// Region of the server that answered.
    pub server_region: String,
    /// `ServerDC`: datacenter of the server that answered.
    #[serde(rename = "ServerDC")]
    pub server_dc: String,
    /// Every server in the gossip (WAN) pool, all regions included.
    #[serde(deserialize_with = "nullable")]
    pub members: Vec<AgentMember>,
}

/// A gossip pool member.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AgentMember {
    /// Member name: `<node name>.<region>`.
    pub name: String,
    /// IP address the member gossips on.
    pub addr: String,
    /// Serf (gossip) port, 4648 by default.
    pub port: u16,
    /// Serf tags the server advertises: `region`, `dc`, `role`, `build`, `port`, `rpc_addr`, ...
    #[serde(deserialize_with = "nullable")]
    pub tags: BTreeMap<String, String>,
    /// Serf status: `alive`, `leaving`, `left` or `failed`.
    pub status: String,
    /// Lowest memberlist protocol version the member speaks.
    pub protocol_min: u8,
    /// Highest memberlist protocol version the member speaks.
    pub protocol_max: u8,
    /// Memberlist protocol version the member currently speaks.
    pub protocol_cur: u8,
    /// Lowest Serf delegate protocol version the member speaks.
    pub delegate_min: u8,
    /// Highest Serf delegate protocol version the member speaks.
    pub delegate_max: u8,
    /// Serf delegate protocol version the member currently speaks.
    pub delegate_cur: u8,
}

/// `/v1/agent/health`: `client` is absent on a server-only agent and vice versa.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AgentHealthResponse {
    /// `client`: the client's health; absent on a server-only agent unless `?type=client` asks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<AgentHealth>,
    /// `server`: the server's health; absent on a client-only agent unless `?type=server` asks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<AgentHealth>,
}

/// The health of one side (client or server) of an agent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AgentHealth {
    /// `ok`: whether that side is healthy (the endpoint answers 500 when not).
    pub ok: bool,
    /// `message`: `ok`, or the trouble (`no known servers`, ...); omitted when empty.
    pub message: String,
}

/// `/v1/agent/join`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct JoinResponse {
    /// `error`: why joining failed; empty on success.
    pub error: String,
    /// `num_joined`: how many of the given addresses were joined.
    pub num_joined: u64,
}
