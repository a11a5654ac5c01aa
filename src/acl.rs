//! ACL capabilities: what an endpoint needs, and whether the signed-in token has it.
//!
//! Nomad does not tell a client what its token may do; like Nomad's own UI, the dashboard
//! reads the token's policies (`/v1/acl/policy/:name`, field `RulesJSON`) and evaluates them,
//! so actions the token lacks are disabled up front instead of failing with a 403.

use nomad_api::{AclPolicy, AclToken, NamespaceRules};
use std::fmt;

/// A capability as Nomad's docs name it in their "ACL Required" column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// Any caller, even without a token.
    None,
    /// A namespace capability (`read-job`, `alloc-lifecycle`, ...).
    Namespace(&'static str),
    AgentRead,
    AgentWrite,
    NodeRead,
    NodeWrite,
    /// Management tokens only.
    Management,
}

/// Namespace capabilities, named as in Nomad's ACL policy reference.
pub mod ns {
    pub const LIST_JOBS: &str = "list-jobs";
    pub const READ_JOB: &str = "read-job";
    pub const SUBMIT_JOB: &str = "submit-job";
    pub const ALLOC_LIFECYCLE: &str = "alloc-lifecycle";
    pub const READ_FS: &str = "read-fs";
    pub const READ_LOGS: &str = "read-logs";
    pub const ALLOC_EXEC: &str = "alloc-exec";
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Capability::None => f.write_str("none"),
            Capability::Namespace(c) => write!(f, "namespace:{c}"),
            Capability::AgentRead => f.write_str("agent:read"),
            Capability::AgentWrite => f.write_str("agent:write"),
            Capability::NodeRead => f.write_str("node:read"),
            Capability::NodeWrite => f.write_str("node:write"),
            Capability::Management => f.write_str("management"),
        }
    }
}

/// What the dashboard knows about the caller's rights.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Permissions {
    /// ACLs are disabled, the token is a management token, or nothing is known yet:
    /// everything is allowed and the agent has the last word.
    #[default]
    Unrestricted,
    /// A client token with the rules of its policies (those the dashboard could read).
    Client { token_name: String, policies: Vec<AclPolicy> },
    /// No token while ACLs are enabled: only the anonymous policy applies, which the
    /// dashboard cannot read, so it assumes nothing beyond what needs no token.
    Anonymous,
}

impl Permissions {
    /// From a `/v1/acl/token/self` answer and the policies it names.
    pub fn of_token(token: &AclToken, policies: Vec<AclPolicy>) -> Self {
        if token.kind == nomad_api::token_type::MANAGEMENT {
            Permissions::Unrestricted
        } else {
            Permissions::Client { token_name: token.name.clone(), policies }
        }
    }

    /// `Ok` when allowed, or the reason it is not, in words for the UI.
    pub fn check(&self, needs: Capability, namespace: &str) -> Result<(), String> {
        let policies = match self {
            Permissions::Unrestricted => return Ok(()),
            _ if needs == Capability::None => return Ok(()),
            Permissions::Anonymous => {
                return Err(format!("Requires {needs}; no ACL token is set"));
            }
            Permissions::Client { policies, .. } => policies,
        };
        let allowed = match needs {
            Capability::None => true,
            Capability::Management => false,
            Capability::Namespace(cap) => namespace_allows(policies, namespace, cap),
            Capability::AgentRead => policies.iter().any(|p| level_allows(p.agent_policy(), false)),
            Capability::AgentWrite => policies.iter().any(|p| level_allows(p.agent_policy(), true)),
            Capability::NodeRead => policies.iter().any(|p| level_allows(p.node_policy(), false)),
            Capability::NodeWrite => policies.iter().any(|p| level_allows(p.node_policy(), true)),
        };
        if allowed {
            Ok(())
        } else {
            let name = match self {
                Permissions::Client { token_name, .. } if !token_name.is_empty() => format!("token \"{token_name}\""),
                _ => "this token".to_string(),
            };
            let scope = match needs {
                Capability::Namespace(_) => format!(" in namespace \"{namespace}\""),
                _ => String::new(),
            };
            Err(format!("Requires {needs}{scope}, which {name} does not have"))
        }
    }
}

/// Coarse `policy = "read" | "write" | "deny"` for agent and node rules.
fn level_allows(level: Option<&str>, write: bool) -> bool {
    match level {
        Some("write") => true,
        Some("read") => !write,
        _ => false,
    }
}

/// Namespace rules: in each policy the most specific matching rule (exact name, then the
/// closest glob, then `default`, as Nomad's UI does); `deny` anywhere wins, as in Nomad.
fn namespace_allows(policies: &[AclPolicy], namespace: &str, cap: &str) -> bool {
    let rules: Vec<&NamespaceRules> = policies
        .iter()
        .filter_map(|p| p.rules_json.as_ref())
        .flat_map(|rules| -> Vec<&NamespaceRules> {
            // `*` as the namespace being viewed means "all namespaces": any rule counts.
            if namespace == "*" {
                rules.namespaces.iter().collect()
            } else {
                matching_namespace(&rules.namespaces, namespace).into_iter().collect()
            }
        })
        .collect();
    let grants = |r: &&NamespaceRules| r.capabilities.iter().any(|c| c == cap) || expand_policy(&r.policy).contains(&cap);
    let denies = |r: &&NamespaceRules| r.policy == "deny" || r.capabilities.iter().any(|c| c == "deny");
    if namespace == "*" {
        rules.iter().any(|r| !denies(r) && grants(r))
    } else {
        !rules.iter().any(denies) && rules.iter().any(grants)
    }
}

fn matching_namespace<'a>(rules: &'a [NamespaceRules], namespace: &str) -> Option<&'a NamespaceRules> {
    if let Some(exact) = rules.iter().find(|r| r.name == namespace) {
        return Some(exact);
    }
    rules
        .iter()
        .filter(|r| r.name.contains('*') && glob_match(&r.name, namespace))
        .min_by_key(|r| namespace.len().saturating_sub(r.name.len()))
        .or_else(|| rules.iter().find(|r| r.name == "default"))
}

/// `*` matches any run of characters.
fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// Nomad's expansion of a coarse namespace `policy` (acl/policy.go), for servers whose
/// `RulesJSON` leaves `Capabilities` unexpanded.
fn expand_policy(policy: &str) -> &'static [&'static str] {
    match policy {
        "read" => &["list-jobs", "read-job"],
        "write" => &["list-jobs", "read-job", "submit-job", "dispatch-job", "read-logs", "read-fs", "alloc-exec", "alloc-lifecycle"],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nomad_api::{CoarsePolicy, PolicyRules};

    fn policy(namespaces: &[(&str, &str, &[&str])], agent: Option<&str>) -> AclPolicy {
        AclPolicy {
            name: "p".into(),
            rules_json: Some(PolicyRules {
                namespaces: namespaces
                    .iter()
                    .map(|(name, policy, caps)| NamespaceRules {
                        name: name.to_string(),
                        policy: policy.to_string(),
                        capabilities: caps.iter().map(|c| c.to_string()).collect(),
                    })
                    .collect(),
                agent: agent.map(|p| CoarsePolicy { policy: p.to_string() }),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn client(policies: Vec<AclPolicy>) -> Permissions {
        Permissions::Client { token_name: "ops".into(), policies }
    }

    #[test]
    fn management_and_unknown_allow_everything() {
        let token = AclToken { kind: "management".into(), ..Default::default() };
        assert_eq!(Permissions::of_token(&token, vec![]), Permissions::Unrestricted);
        assert!(Permissions::Unrestricted.check(Capability::AgentWrite, "default").is_ok());
    }

    #[test]
    fn read_policy_cannot_change_allocations() {
        let p = client(vec![policy(&[("default", "read", &[])], Some("read"))]);
        assert!(p.check(Capability::Namespace(ns::READ_JOB), "default").is_ok());
        let err = p.check(Capability::Namespace(ns::ALLOC_LIFECYCLE), "default").unwrap_err();
        assert_eq!(err, "Requires namespace:alloc-lifecycle in namespace \"default\", which token \"ops\" does not have");
        assert!(p.check(Capability::AgentRead, "default").is_ok());
        assert!(p.check(Capability::AgentWrite, "default").is_err());
        assert!(p.check(Capability::NodeRead, "default").is_err());
    }

    #[test]
    fn explicit_capabilities_and_globs() {
        let p = client(vec![policy(&[("prod-*", "", &["alloc-lifecycle"]), ("default", "deny", &[])], None)]);
        assert!(p.check(Capability::Namespace(ns::ALLOC_LIFECYCLE), "prod-web").is_ok());
        assert!(p.check(Capability::Namespace(ns::ALLOC_LIFECYCLE), "dev").is_err());
        // A deny in a second policy overrides the grant of the first.
        let p = client(vec![policy(&[("prod-*", "write", &[])], None), policy(&[("prod-web", "deny", &[])], None)]);
        assert!(p.check(Capability::Namespace(ns::READ_JOB), "prod-api").is_ok());
        assert!(p.check(Capability::Namespace(ns::READ_JOB), "prod-web").is_err());
        // Viewing all namespaces: a grant in any of them enables the action.
        assert!(p.check(Capability::Namespace(ns::ALLOC_LIFECYCLE), "*").is_ok());
    }

    #[test]
    fn anonymous_needs_a_token_except_for_open_endpoints() {
        assert!(Permissions::Anonymous.check(Capability::None, "default").is_ok());
        assert!(Permissions::Anonymous.check(Capability::AgentRead, "default").unwrap_err().contains("no ACL token"));
    }

    #[test]
    fn globs() {
        assert!(glob_match("prod-*", "prod-a"));
        assert!(glob_match("*-web", "prod-web"));
        assert!(glob_match("a*b*c", "axxbyyc"));
        assert!(!glob_match("a*b*c", "axxc"));
        assert!(!glob_match("ab*ba", "aba"));
    }
}
