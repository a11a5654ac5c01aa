//! ACL tokens and the other navigation lists (`/v1/acl/token/self`, `/v1/namespaces`).

use crate::serde_util::nullable;
use crate::time::{self, DateTime};
use serde::{Deserialize, Serialize};

/// `Type` values.
pub mod token_type {
    pub const CLIENT: &str = "client";
    pub const MANAGEMENT: &str = "management";
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AclToken {
    #[serde(rename = "AccessorID")]
    pub accessor_id: String,
    #[serde(rename = "SecretID")]
    pub secret_id: String,
    pub name: String,
    #[serde(rename = "Type")]
    pub kind: String,
    #[serde(deserialize_with = "nullable")]
    pub policies: Vec<String>,
    pub global: bool,
    #[serde(with = "time::optional")]
    pub create_time: Option<DateTime>,
    #[serde(with = "time::optional", skip_serializing_if = "Option::is_none")]
    pub expiration_time: Option<DateTime>,
    pub create_index: u64,
    pub modify_index: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Namespace {
    pub name: String,
    pub description: String,
    pub create_index: u64,
    pub modify_index: u64,
}

/// `/v1/acl/policy/:name`. `RulesJSON` is the server's parse of `Rules`, with each namespace's
/// coarse `Policy` already expanded into `Capabilities`; older servers may omit it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AclPolicy {
    pub name: String,
    pub description: String,
    pub rules: String,
    #[serde(rename = "RulesJSON")]
    pub rules_json: Option<PolicyRules>,
    pub create_index: u64,
    pub modify_index: u64,
}

/// A parsed ACL policy (Nomad's `acl.Policy`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PolicyRules {
    #[serde(deserialize_with = "nullable")]
    pub namespaces: Vec<NamespaceRules>,
    pub agent: Option<CoarsePolicy>,
    pub node: Option<CoarsePolicy>,
    pub operator: Option<CoarsePolicy>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NamespaceRules {
    pub name: String,
    pub policy: String,
    #[serde(deserialize_with = "nullable")]
    pub capabilities: Vec<String>,
}

/// The coarse `policy = "read" | "write" | "deny"` of the agent, node and operator rules.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CoarsePolicy {
    pub policy: String,
}

impl AclPolicy {
    pub fn agent_policy(&self) -> Option<&str> {
        self.rules_json.as_ref()?.agent.as_ref().map(|r| r.policy.as_str())
    }
    pub fn node_policy(&self) -> Option<&str> {
        self.rules_json.as_ref()?.node.as_ref().map(|r| r.policy.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_a_policy_with_its_parsed_rules() {
        let json = r#"{"Name":"readonly","Description":"","Rules":"namespace \"default\" { policy = \"read\" }",
            "RulesJSON":{"Namespaces":[{"Name":"default","Policy":"read","Capabilities":["list-jobs","read-job"]}],
            "Agent":{"Policy":"read"},"Node":null,"HostVolumes":null},"CreateIndex":5,"ModifyIndex":5}"#;
        let p: AclPolicy = serde_json::from_str(json).unwrap();
        let rules = p.rules_json.as_ref().unwrap();
        assert_eq!(rules.namespaces[0].capabilities, ["list-jobs", "read-job"]);
        assert_eq!((p.agent_policy(), p.node_policy()), (Some("read"), None));
        let old: AclPolicy = serde_json::from_str(r#"{"Name":"x","Rules":""}"#).unwrap();
        assert_eq!(old.rules_json, None);
    }
}
