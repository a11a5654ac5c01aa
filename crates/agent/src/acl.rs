//! ACLs: the bootstrap (management) token, two built-in client tokens, and the capability
//! checks of Nomad's `acl` package for the policies they carry.

use crate::error::{ApiError, TOKEN_NOT_FOUND};
use axum::http::StatusCode;
use nomad_api::{token_type, AclPolicy, AclToken, CoarsePolicy, DateTime, NamespaceRules, PolicyRules};
use serde::Serialize;

/// Namespace capabilities (`acl.NamespaceCapability*`).
pub mod cap {
    pub const LIST_JOBS: &str = "list-jobs";
    pub const PARSE_JOB: &str = "parse-job";
    pub const READ_JOB: &str = "read-job";
    pub const SUBMIT_JOB: &str = "submit-job";
    pub const DISPATCH_JOB: &str = "dispatch-job";
    pub const READ_LOGS: &str = "read-logs";
    pub const READ_FS: &str = "read-fs";
    pub const ALLOC_EXEC: &str = "alloc-exec";
    pub const ALLOC_NODE_EXEC: &str = "alloc-node-exec";
    pub const ALLOC_LIFECYCLE: &str = "alloc-lifecycle";
    pub const READ_JOB_SCALING: &str = "read-job-scaling";
    pub const SCALE_JOB: &str = "scale-job";
    pub const LIST_SCALING_POLICIES: &str = "list-scaling-policies";
    pub const READ_SCALING_POLICY: &str = "read-scaling-policy";
    pub const CSI_LIST_VOLUME: &str = "csi-list-volume";
    pub const CSI_READ_VOLUME: &str = "csi-read-volume";
    pub const CSI_MOUNT_VOLUME: &str = "csi-mount-volume";
    pub const CSI_WRITE_VOLUME: &str = "csi-write-volume";
    pub const SUBMIT_RECOMMENDATION: &str = "submit-recommendation";
}

/// `expandNamespacePolicy("read")`.
const NAMESPACE_READ: &[&str] = &[
    cap::LIST_JOBS,
    cap::PARSE_JOB,
    cap::READ_JOB,
    cap::CSI_LIST_VOLUME,
    cap::CSI_READ_VOLUME,
    cap::READ_JOB_SCALING,
    cap::LIST_SCALING_POLICIES,
    cap::READ_SCALING_POLICY,
];

/// What `expandNamespacePolicy("write")` adds to read.
const NAMESPACE_WRITE_EXTRA: &[&str] = &[
    cap::SCALE_JOB,
    cap::SUBMIT_JOB,
    cap::DISPATCH_JOB,
    cap::READ_LOGS,
    cap::READ_FS,
    cap::ALLOC_EXEC,
    cap::ALLOC_LIFECYCLE,
    cap::CSI_MOUNT_VOLUME,
    cap::CSI_WRITE_VOLUME,
    cap::SUBMIT_RECOMMENDATION,
];

fn built_in_policies() -> [Policy; 2] {
    [readonly_policy(), operator_policy()]
}

/// `node`, `agent` policy levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    None,
    Read,
    Write,
}

/// A compiled policy: namespace rules (name or glob) with their capabilities.
#[derive(Debug, Clone)]
pub struct Policy {
    pub name: &'static str,
    /// The policy's HCL source, as `Rules` shows it.
    rules: &'static str,
    /// Namespace pattern, its coarse `policy`, and the capabilities that expands to.
    namespaces: Vec<(&'static str, &'static str, Vec<&'static str>)>,
    node: Level,
    agent: Level,
}

impl Level {
    fn word(self) -> &'static str {
        match self {
            Level::None => "deny",
            Level::Read => "read",
            Level::Write => "write",
        }
    }
}

impl Policy {
    /// As `/v1/acl/policy/:name` returns it: `RulesJSON` is the parsed policy, with each
    /// namespace's coarse policy already expanded into capabilities, as Nomad's parser does.
    pub fn to_api(&self, index: u64) -> AclPolicy {
        let coarse = |level: Level| Some(CoarsePolicy { policy: level.word().to_string() });
        AclPolicy {
            name: self.name.to_string(),
            description: String::new(),
            rules: self.rules.to_string(),
            rules_json: Some(PolicyRules {
                namespaces: self
                    .namespaces
                    .iter()
                    .map(|(name, policy, caps)| NamespaceRules {
                        name: name.to_string(),
                        policy: policy.to_string(),
                        capabilities: caps.iter().map(|c| c.to_string()).collect(),
                    })
                    .collect(),
                agent: coarse(self.agent),
                node: coarse(self.node),
                operator: None,
            }),
            create_index: index,
            modify_index: index,
        }
    }
}

/// `namespace "*" { policy = "read" }`, `node { policy = "read" }`, `agent { policy = "read" }`.
fn readonly_policy() -> Policy {
    Policy {
        name: "readonly",
        rules: "namespace \"*\" {\n  policy = \"read\"\n}\nnode {\n  policy = \"read\"\n}\nagent {\n  policy = \"read\"\n}\n",
        namespaces: vec![("*", "read", NAMESPACE_READ.to_vec())],
        node: Level::Read,
        agent: Level::Read,
    }
}

/// `namespace "*" { policy = "write"  capabilities = ["alloc-node-exec"] }`, node and agent read:
/// operates workloads (stop, restart, signal, exec, logs) but not the cluster.
fn operator_policy() -> Policy {
    let mut caps = NAMESPACE_READ.to_vec();
    caps.extend_from_slice(NAMESPACE_WRITE_EXTRA);
    caps.push(cap::ALLOC_NODE_EXEC);
    Policy {
        name: "operator",
        rules: "namespace \"*\" {\n  policy = \"write\"\n  capabilities = [\"alloc-node-exec\"]\n}\nnode {\n  policy = \"read\"\n}\nagent {\n  policy = \"read\"\n}\n",
        namespaces: vec![("*", "write", caps)],
        node: Level::Read,
        agent: Level::Read,
    }
}

/// Which part of the agent resolves the token: the server says `Permission denied` for an
/// unknown secret, the client (`/v1/client/*`) says `ACL token not found`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Realm {
    Server,
    Client,
}

/// What a request may do (`acl.ACL`).
#[derive(Debug, Clone)]
pub enum Authority {
    /// ACLs are off: everything is allowed.
    Disabled,
    Management,
    Policies(Vec<Policy>),
}

impl Authority {
    fn namespace_caps<'a>(policy: &'a Policy, namespace: &str) -> Option<&'a [&'static str]> {
        let exact = policy.namespaces.iter().find(|(pattern, _, _)| *pattern == namespace);
        // Nomad picks the closest glob; with one `*` wildcard that is the longest literal part.
        let glob = || {
            policy
                .namespaces
                .iter()
                .filter(|(pattern, _, _)| glob_match(pattern, namespace))
                .max_by_key(|(pattern, _, _)| pattern.len())
        };
        exact.or_else(glob).map(|(_, _, caps)| caps.as_slice())
    }

    /// `AllowNsOp`; `*` asks whether any namespace allows the operation.
    pub fn allow_ns_op(&self, namespace: &str, op: &str) -> bool {
        match self {
            Authority::Disabled | Authority::Management => true,
            Authority::Policies(policies) if namespace == crate::http::request::ALL_NAMESPACES => {
                policies.iter().flat_map(|p| p.namespaces.iter()).any(|(_, _, caps)| caps.contains(&op))
            }
            Authority::Policies(policies) => {
                policies.iter().any(|p| Self::namespace_caps(p, namespace).is_some_and(|caps| caps.contains(&op)))
            }
        }
    }

    /// `AllowNamespace`: any capability at all in the namespace.
    pub fn allow_namespace(&self, namespace: &str) -> bool {
        match self {
            Authority::Disabled | Authority::Management => true,
            Authority::Policies(policies) => {
                policies.iter().any(|p| Self::namespace_caps(p, namespace).is_some_and(|caps| !caps.is_empty()))
            }
        }
    }

    fn level(&self, of: impl Fn(&Policy) -> Level) -> Level {
        match self {
            Authority::Disabled | Authority::Management => Level::Write,
            Authority::Policies(policies) => policies.iter().map(of).max().unwrap_or(Level::None),
        }
    }

    pub fn allow_node_read(&self) -> bool {
        self.level(|p| p.node) >= Level::Read
    }
    pub fn allow_node_write(&self) -> bool {
        self.level(|p| p.node) >= Level::Write
    }
    pub fn allow_agent_read(&self) -> bool {
        self.level(|p| p.agent) >= Level::Read
    }
    pub fn allow_agent_write(&self) -> bool {
        self.level(|p| p.agent) >= Level::Write
    }
}

/// Glob with `*` matching any run of characters, as Nomad's namespace globs.
fn glob_match(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => text.strip_prefix(head).is_some_and(|rest| {
            (0..=rest.len()).filter(|i| rest.is_char_boundary(*i)).any(|i| glob_match(tail, &rest[i..]))
        }),
    }
}

/// The secrets of the tokens made at start, as written to `acl-tokens.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Secrets {
    pub management: String,
    pub operator: String,
    pub readonly: String,
}

#[derive(Debug, Clone)]
pub struct Acl {
    enabled: bool,
    tokens: Vec<AclToken>,
}

impl Acl {
    pub fn disabled() -> Self {
        Acl { enabled: false, tokens: Vec::new() }
    }

    /// The tokens an earlier agent on the same data directory made; they are kept (and used
    /// again once ACLs are on) even when this agent runs without ACLs.
    pub fn restored(enabled: bool, tokens: Vec<AclToken>) -> Self {
        Acl { enabled, tokens }
    }

    /// ACLs on, bootstrapped: a management token and the built-in operator and read-only
    /// tokens, created at `index`.
    pub fn bootstrap(index: u64, now: i64) -> Self {
        let token = |name: &str, kind: &str, policies: &[&str]| AclToken {
            accessor_id: crate::state::scheduler::new_id(),
            secret_id: crate::state::scheduler::new_id(),
            name: name.to_string(),
            kind: kind.to_string(),
            policies: policies.iter().map(|p| p.to_string()).collect(),
            global: kind == token_type::MANAGEMENT,
            create_time: Some(DateTime(now)),
            expiration_time: None,
            create_index: index,
            modify_index: index,
        };
        Acl {
            enabled: true,
            tokens: vec![
                token("Bootstrap Token", token_type::MANAGEMENT, &[]),
                token("Operator Token", token_type::CLIENT, &["operator"]),
                token("Read-only Token", token_type::CLIENT, &["readonly"]),
            ],
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    pub fn tokens(&self) -> &[AclToken] {
        &self.tokens
    }

    /// The secrets of the tokens made at bootstrap, when ACLs are on.
    pub fn secrets(&self) -> Option<Secrets> {
        if !self.enabled {
            return None;
        }
        match self.tokens.as_slice() {
            [management, operator, readonly] => Some(Secrets {
                management: management.secret_id.clone(),
                operator: operator.secret_id.clone(),
                readonly: readonly.secret_id.clone(),
            }),
            _ => None,
        }
    }

    pub fn token(&self, secret: &str) -> Option<&AclToken> {
        self.tokens.iter().find(|t| !secret.is_empty() && t.secret_id == secret)
    }

    /// Resolves a request's secret. No secret is the anonymous token, which has no policy.
    pub fn resolve(&self, secret: &str, realm: Realm) -> Result<Authority, ApiError> {
        if !self.enabled {
            return Ok(Authority::Disabled);
        }
        if secret.is_empty() {
            return Ok(Authority::Policies(Vec::new()));
        }
        let Some(token) = self.token(secret) else {
            return Err(match realm {
                Realm::Server => ApiError::permission_denied(),
                Realm::Client => ApiError::new(StatusCode::FORBIDDEN, TOKEN_NOT_FOUND),
            });
        };
        if token.kind == token_type::MANAGEMENT {
            return Ok(Authority::Management);
        }
        Ok(Authority::Policies(
            built_in_policies().into_iter().filter(|p| token.policies.iter().any(|name| name == p.name)).collect(),
        ))
    }

    /// `GET /v1/acl/policy/:name`: a management token reads any policy, any other token
    /// only those it carries (Nomad's `ACL.GetPolicy`).
    pub fn policy(&self, secret: &str, name: &str) -> Result<AclPolicy, ApiError> {
        if !self.enabled {
            return Err(ApiError::bad_request("ACL support disabled"));
        }
        let token = self.token(secret).ok_or_else(ApiError::permission_denied)?;
        if token.kind != token_type::MANAGEMENT && !token.policies.iter().any(|p| p == name) {
            return Err(ApiError::permission_denied());
        }
        built_in_policies()
            .into_iter()
            .find(|p| p.name == name)
            .map(|p| p.to_api(token.create_index))
            .ok_or_else(|| ApiError::not_found("ACL policy not found"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_tokens_have_their_capabilities() {
        let acl = Acl::bootstrap(5, 0);
        let s = acl.secrets().unwrap();
        let resolve = |secret: &str| acl.resolve(secret, Realm::Server).unwrap();
        let (mgmt, op, ro, anon) = (resolve(&s.management), resolve(&s.operator), resolve(&s.readonly), resolve(""));
        assert!(mgmt.allow_node_write() && mgmt.allow_ns_op("ops", cap::ALLOC_LIFECYCLE));
        assert!(op.allow_ns_op("ops", cap::ALLOC_LIFECYCLE) && op.allow_ns_op("default", cap::READ_LOGS));
        assert!(!op.allow_node_write() && op.allow_node_read() && !op.allow_agent_write());
        assert!(ro.allow_ns_op("default", cap::READ_JOB) && ro.allow_ns_op("*", cap::LIST_JOBS));
        assert!(!ro.allow_ns_op("default", cap::ALLOC_LIFECYCLE) && !ro.allow_ns_op("default", cap::READ_LOGS));
        assert!(!anon.allow_ns_op("default", cap::READ_JOB) && !anon.allow_namespace("default") && !anon.allow_agent_read());
        assert_eq!(acl.resolve("nope", Realm::Server).unwrap_err().message, "Permission denied");
        assert_eq!(acl.resolve("nope", Realm::Client).unwrap_err().message, "ACL token not found");
        assert!(matches!(Acl::disabled().resolve("anything", Realm::Server), Ok(Authority::Disabled)));
        let operator = acl.policy(&s.operator, "operator").unwrap();
        let rules = operator.rules_json.unwrap();
        assert!(rules.namespaces[0].capabilities.iter().any(|c| c == cap::ALLOC_LIFECYCLE));
        assert_eq!(rules.agent.unwrap().policy, "read");
        assert_eq!(acl.policy(&s.operator, "readonly").unwrap_err().message, "Permission denied");
        assert_eq!(acl.policy(&s.management, "readonly").unwrap().name, "readonly");
        assert_eq!(acl.policy(&s.management, "nope").unwrap_err().message, "ACL policy not found");
    }

    #[test]
    fn globs_match_namespaces() {
        assert!(glob_match("*", "ops") && glob_match("team-*", "team-a") && glob_match("*-prod", "web-prod"));
        assert!(!glob_match("team-*", "ops") && !glob_match("*-prod", "prod") && glob_match("a*b*c", "aXbYc"));
    }
}
