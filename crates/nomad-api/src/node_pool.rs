//! Node pools (`/v1/node/pools`, `/v1/node/pool/:name`, Nomad 1.6+): every cluster has the two
//! built-in pools, created by the state store at index 1 (`nodePoolInit` in
//! `nomad/state/state_store_node_pools.go`). A node that names no pool is in `default`.

use crate::version::NomadVersion;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// `structs.NodePoolAll`: always holds every node.
pub const NODE_POOL_ALL: &str = "all";
/// `structs.NodePoolDefault`: the pool of nodes that name none.
pub const NODE_POOL_DEFAULT: &str = "default";
/// `structs.NodePoolAllDescription`.
pub const NODE_POOL_ALL_DESCRIPTION: &str = "Node pool with all nodes in the cluster.";
/// `structs.NodePoolDefaultDescription`.
pub const NODE_POOL_DEFAULT_DESCRIPTION: &str = "Default node pool.";
/// `structs.DefaultNodePoolNodeIdentityTTL` (24h, in nanoseconds).
pub const DEFAULT_NODE_IDENTITY_TTL: i64 = 24 * 3600 * 1_000_000_000;

/// `structs.NodePool`. Not omitempty: nil `Meta`, `SchedulerConfiguration` and `Hash` are
/// written as `null`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NodePool {
    /// The pool's name, unique in the cluster (and across federated regions).
    pub name: String,
    /// Human-readable description; empty if none.
    pub description: String,
    /// User metadata; `null` when none is set.
    pub meta: Option<BTreeMap<String, String>>,
    /// Pool-specific scheduler settings (scheduler algorithm, memory oversubscription), as JSON;
    /// `null` unless set.
    pub scheduler_configuration: Option<Value>,
    /// `time.Duration` in nanoseconds; the field exists from 1.11.0 on.
    #[serde(rename = "NodeIdentityTTL", skip_serializing_if = "Option::is_none")]
    pub node_identity_ttl: Option<i64>,
    /// `[]byte`, base64 in JSON; the built-in pools have none (`null`).
    pub hash: Option<String>,
    /// Raft index at which the pool was created (1 for the built-in pools).
    pub create_index: u64,
    /// Raft index of the pool's last change.
    pub modify_index: u64,
}

/// The index at which the state store creates the built-in pools.
pub const BUILT_IN_POOLS_INDEX: u64 = 1;

impl NodePool {
    /// `all` and `default` as `version` creates them, in name order (memdb's `id` index).
    pub fn built_in(version: NomadVersion) -> Vec<NodePool> {
        let pool = |name: &str, description: &str| NodePool {
            name: name.to_string(),
            description: description.to_string(),
            node_identity_ttl: version.node_pool_identity_ttl().then_some(DEFAULT_NODE_IDENTITY_TTL),
            create_index: BUILT_IN_POOLS_INDEX,
            modify_index: BUILT_IN_POOLS_INDEX,
            ..NodePool::default()
        };
        vec![pool(NODE_POOL_ALL, NODE_POOL_ALL_DESCRIPTION), pool(NODE_POOL_DEFAULT, NODE_POOL_DEFAULT_DESCRIPTION)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// nomad/state/state_store_node_pools.go `nodePoolInit`: v1.6.0 has no identity TTL,
    /// v1.11.0 gives both pools 24h.
    #[test]
    fn built_in_pools_follow_the_release() {
        let v16 = NodePool::built_in(NomadVersion::new(1, 6, 0));
        let json = serde_json::to_value(&v16[0]).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"Name": "all", "Description": "Node pool with all nodes in the cluster.", "Meta": null,
                "SchedulerConfiguration": null, "Hash": null, "CreateIndex": 1, "ModifyIndex": 1})
        );
        let v111 = NodePool::built_in(NomadVersion::LATEST);
        assert_eq!(v111[1].name, "default");
        assert_eq!(serde_json::to_value(&v111[1]).unwrap()["NodeIdentityTTL"], 86_400_000_000_000i64);
    }
}
