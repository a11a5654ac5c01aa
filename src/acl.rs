//! ACL capabilities: what an endpoint needs and whether the signed-in token has it. (What a
//! `/v1/acl/token/self` answer says about the caller is `api::token_self`.)
//!
//! Nomad does not tell a client what its token may do; like Nomad's own UI, the dashboard
//! reads the token's policies (`/v1/acl/policy/:name`, field `RulesJSON`) and evaluates them
//! with nomad-api's evaluator (the agent's own), so actions the token lacks are disabled up
//! front instead of failing with a 403. This module only words the answers for the UI.

use nomad_api::acl::{Acl, AclPolicy, AclToken};
use std::fmt;

/// Namespace capabilities, named as in Nomad's ACL policy reference.
pub use nomad_api::acl::cap as ns;

/// A capability as Nomad's docs name it in their "ACL Required" column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// Any caller, even without a token.
    None,
    /// A namespace capability (`read-job`, `alloc-lifecycle`, ...).
    Namespace(&'static str),
    /// Any of these namespace capabilities: `submit-job` or its fine-grained replacement
    /// (1.11.2+, `AllowNsOpAnyOf`). Older releases refuse policies naming the new ones, so
    /// asking for either is right against every release.
    NamespaceAnyOf(&'static [&'static str]),
    AgentRead,
    AgentWrite,
    NodeRead,
    NodeWrite,
    /// Management tokens only.
    Management,
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Capability::None => f.write_str("none"),
            Capability::Namespace(c) => write!(f, "namespace:{c}"),
            Capability::NamespaceAnyOf(caps) => write!(f, "namespace:{}", caps.join(" or ")),
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
    /// A client token, with what the policies the dashboard could read allow.
    Client { token_name: String, acl: Acl },
    /// No token while ACLs are on: what the cluster's `anonymous` policy allows, if any.
    Anonymous { acl: Acl },
    /// The agent refused the token: nothing is allowed.
    Refused,
}

impl Permissions {
    /// From a `/v1/acl/token/self` answer and the policies it names.
    pub fn of_token(token: &AclToken, policies: &[AclPolicy]) -> Self {
        if token.is_management() {
            Permissions::Unrestricted
        } else {
            Permissions::Client { token_name: token.name.clone(), acl: evaluate(policies) }
        }
    }

    /// For a caller without a token: the `anonymous` policy (when the cluster has one).
    pub fn anonymous(policy: Option<&AclPolicy>) -> Self {
        Permissions::Anonymous { acl: Acl::new(policy.and_then(|p| p.rules_json.as_ref())) }
    }

    /// `Ok` when allowed, or the reason it is not, in words for the UI.
    pub fn check(&self, needs: Capability, namespace: &str) -> Result<(), String> {
        let acl = match self {
            Permissions::Unrestricted => return Ok(()),
            _ if needs == Capability::None => return Ok(()),
            Permissions::Refused => return Err(format!("Requires {needs}; the agent refused this token")),
            Permissions::Client { acl, .. } | Permissions::Anonymous { acl } => acl,
        };
        let allowed = match needs {
            Capability::None => true,
            Capability::Management => acl.is_management(),
            Capability::Namespace(cap) => acl.allow_ns_op(namespace, cap),
            Capability::NamespaceAnyOf(caps) => acl.allow_ns_op_any_of(namespace, caps),
            Capability::AgentRead => acl.allow_agent_read(),
            Capability::AgentWrite => acl.allow_agent_write(),
            Capability::NodeRead => acl.allow_node_read(),
            Capability::NodeWrite => acl.allow_node_write(),
        };
        if allowed {
            return Ok(());
        }
        let scope = match needs {
            Capability::Namespace(_) | Capability::NamespaceAnyOf(_) => format!(" in namespace \"{namespace}\""),
            _ => String::new(),
        };
        Err(match self {
            Permissions::Client { token_name, .. } if !token_name.is_empty() => {
                format!("Requires {needs}{scope}, which token \"{token_name}\" does not have")
            }
            Permissions::Anonymous { .. } => format!("Requires {needs}{scope}; no ACL token is set"),
            _ => format!("Requires {needs}{scope}, which this token does not have"),
        })
    }
}

/// The evaluator over the parsed rules of the policies read (a policy without `RulesJSON`
/// grants nothing).
fn evaluate(policies: &[AclPolicy]) -> Acl {
    Acl::new(policies.iter().filter_map(|p| p.rules_json.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nomad_api::acl::{CoarsePolicy, NamespaceRules, PolicyRules};
    use nomad_api::NomadVersion;

    fn policy(name: &str, namespaces: &[(&str, &str, &[&str])], agent: Option<&str>) -> AclPolicy {
        AclPolicy {
            name: name.into(),
            rules_json: Some(PolicyRules {
                namespaces: namespaces
                    .iter()
                    .map(|(name, policy, caps)| NamespaceRules::parsed(name, policy, caps, NomadVersion::LATEST))
                    .collect(),
                agent: agent.map(|p| CoarsePolicy { policy: p.to_string() }),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn client(policies: &[AclPolicy]) -> Permissions {
        Permissions::of_token(&AclToken { name: "ops".into(), kind: "client".into(), ..Default::default() }, policies)
    }

    #[test]
    fn management_and_unknown_allow_everything() {
        let token = AclToken { kind: "management".into(), ..Default::default() };
        assert_eq!(Permissions::of_token(&token, &[]), Permissions::Unrestricted);
        assert!(Permissions::Unrestricted.check(Capability::AgentWrite, "default").is_ok());
    }

    #[test]
    fn read_policy_cannot_change_allocations() {
        let p = client(&[policy("p", &[("default", "read", &[])], Some("read"))]);
        assert!(p.check(Capability::Namespace(ns::READ_JOB), "default").is_ok());
        let err = p.check(Capability::Namespace(ns::ALLOC_LIFECYCLE), "default").unwrap_err();
        assert_eq!(
            err,
            "Requires namespace:alloc-lifecycle in namespace \"default\", which token \"ops\" does not have"
        );
        assert!(p.check(Capability::AgentRead, "default").is_ok());
        assert!(p.check(Capability::AgentWrite, "default").is_err());
        assert!(p.check(Capability::NodeRead, "default").is_err());
        assert!(p.check(Capability::Management, "default").is_err());
        // No rule for a namespace means nothing there: Nomad has no fallback to `default`.
        assert!(p.check(Capability::Namespace(ns::READ_JOB), "ops").is_err());
    }

    /// `policy = "read"` is what the server's `RulesJSON` lists (`expandNamespacePolicy`):
    /// it includes `read-job-scaling` and excludes `read-logs`, which the dashboard's old
    /// expansion got wrong.
    #[test]
    fn capabilities_come_from_rules_json() {
        let p = client(&[policy("p", &[("*", "read", &[])], None)]);
        assert!(p.check(Capability::Namespace(ns::READ_JOB_SCALING), "prod").is_ok());
        assert!(p.check(Capability::Namespace(ns::READ_LOGS), "prod").is_err());
        let without_rules = client(&[AclPolicy { name: "p".into(), ..Default::default() }]);
        assert!(without_rules.check(Capability::Namespace(ns::READ_JOB), "default").is_err());
    }

    #[test]
    fn explicit_capabilities_and_globs() {
        let p = client(&[policy("p", &[("prod-*", "", &["alloc-lifecycle"]), ("default", "deny", &[])], None)]);
        assert!(p.check(Capability::Namespace(ns::ALLOC_LIFECYCLE), "prod-web").is_ok());
        assert!(p.check(Capability::Namespace(ns::ALLOC_LIFECYCLE), "dev").is_err());
        // A deny in a second policy overrides the grant of the first.
        let p =
            client(&[policy("a", &[("prod-*", "write", &[])], None), policy("b", &[("prod-web", "deny", &[])], None)]);
        assert!(p.check(Capability::Namespace(ns::READ_JOB), "prod-api").is_ok());
        assert!(p.check(Capability::Namespace(ns::READ_JOB), "prod-web").is_err());
        // Viewing all namespaces: a grant in any of them enables the action.
        assert!(p.check(Capability::Namespace(ns::ALLOC_LIFECYCLE), "*").is_ok());
    }

    #[test]
    fn any_of_fine_grained_capabilities() {
        let gc = Capability::NamespaceAnyOf(&[ns::SUBMIT_JOB, ns::GC_ALLOCATION]);
        assert_eq!(gc.to_string(), "namespace:submit-job or gc-allocation");
        assert!(client(&[policy("p", &[("default", "", &["gc-allocation"])], None)]).check(gc, "default").is_ok());
        assert!(client(&[policy("p", &[("default", "read", &[])], None)]).check(gc, "default").is_err());
    }

    #[test]
    fn anonymous_gets_the_anonymous_policy() {
        let none = Permissions::anonymous(None);
        assert!(none.check(Capability::None, "default").is_ok());
        assert_eq!(
            none.check(Capability::Namespace(ns::READ_JOB), "default").unwrap_err(),
            "Requires namespace:read-job in namespace \"default\"; no ACL token is set"
        );
        let anonymous = policy("anonymous", &[("default", "read", &[])], Some("read"));
        let open = Permissions::anonymous(Some(&anonymous));
        assert!(open.check(Capability::Namespace(ns::READ_JOB), "default").is_ok());
        assert!(open.check(Capability::AgentRead, "default").is_ok());
        assert!(open.check(Capability::Namespace(ns::ALLOC_LIFECYCLE), "default").is_err());
        assert!(Permissions::Refused.check(Capability::AgentRead, "default").unwrap_err().contains("refused"));
    }
}
