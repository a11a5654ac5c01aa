//! The one ACL evaluator: what a set of parsed policies allows, decided as Nomad's `acl.ACL`
//! decides it (`acl/acl.go`, `NewACL` and the `Allow*` methods; the same from v1.4.0 to
//! v1.11.3 for everything here).
//!
//! The agent builds it from the policies of a request's token, the dashboard from the
//! `RulesJSON` of the token's policies; both then ask the same questions, so an action the
//! dashboard offers is one the agent (and a real Nomad) allows.

use super::policy::{cap, word, PolicyRules};
use std::collections::{BTreeMap, BTreeSet};

/// `structs.AllNamespacesSentinel`: a request for every namespace.
pub const ALL_NAMESPACES: &str = "*";

type CapabilitySet = BTreeSet<String>;

/// The coarse level of the agent, node and operator rules, as `maxPrivilege` orders them:
/// deny overrides everything, then write, read, list; anything else (`scale`) is nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Privilege {
    #[default]
    None,
    List,
    Read,
    Write,
    Deny,
}

impl Privilege {
    fn of(word: &str) -> Privilege {
        match word {
            word::DENY => Privilege::Deny,
            word::WRITE => Privilege::Write,
            word::READ => Privilege::Read,
            word::LIST => Privilege::List,
            _ => Privilege::None,
        }
    }

    /// `maxPrivilege`.
    fn max(self, other: Privilege) -> Privilege {
        use Privilege::*;
        match (self, other) {
            (Deny, _) | (_, Deny) => Deny,
            (Write, _) | (_, Write) => Write,
            (Read, _) | (_, Read) => Read,
            (List, _) | (_, List) => List,
            _ => None,
        }
    }
}

/// What a caller may do (`acl.ACL`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Acl {
    /// A management token: everything.
    management: bool,
    /// ACLs are off (`ACLsDisabledACL`): everything.
    acls_disabled: bool,
    /// Namespace rules by exact name, and by glob; ordered by name as Nomad's radix trees.
    namespaces: BTreeMap<String, CapabilitySet>,
    wildcard_namespaces: BTreeMap<String, CapabilitySet>,
    agent: Privilege,
    node: Privilege,
    operator: Privilege,
    operator_capabilities: CapabilitySet,
}

impl Acl {
    /// `ManagementACL`.
    pub fn management() -> Acl {
        Acl { management: true, ..Acl::default() }
    }

    /// `ACLsDisabledACL`: what every request may do when ACLs are off.
    pub fn acls_disabled() -> Acl {
        Acl { acls_disabled: true, ..Acl::default() }
    }

    /// `NewACL(false, policies)`: a client token's policies merged. Within a namespace the
    /// capabilities of every policy add up, except that `deny` in any of them replaces the
    /// rest; agent, node and operator levels take the highest, `deny` above all.
    pub fn new<'a>(policies: impl IntoIterator<Item = &'a PolicyRules>) -> Acl {
        let mut acl = Acl::default();
        for policy in policies {
            for ns in &policy.namespaces {
                let table = if ns.name.contains('*') { &mut acl.wildcard_namespaces } else { &mut acl.namespaces };
                let capabilities = table.entry(ns.name.clone()).or_default();
                if capabilities.contains(cap::DENY) {
                    continue;
                }
                for c in &ns.capabilities {
                    if c == cap::DENY {
                        capabilities.clear();
                        capabilities.insert(cap::DENY.to_string());
                        break;
                    }
                    capabilities.insert(c.clone());
                }
            }
            if let Some(agent) = &policy.agent {
                acl.agent = acl.agent.max(Privilege::of(&agent.policy));
            }
            if let Some(node) = &policy.node {
                acl.node = acl.node.max(Privilege::of(&node.policy));
            }
            if let Some(operator) = &policy.operator {
                acl.operator = acl.operator.max(Privilege::of(&operator.policy));
                if !acl.operator_capabilities.contains(cap::DENY) {
                    for c in &operator.capabilities {
                        if c == cap::DENY {
                            acl.operator_capabilities.clear();
                            acl.operator_capabilities.insert(cap::DENY.to_string());
                            break;
                        }
                        acl.operator_capabilities.insert(c.clone());
                    }
                }
            }
        }
        acl
    }

    /// `IsManagement`: a management token, or ACLs off.
    pub fn is_management(&self) -> bool {
        self.management || self.acls_disabled
    }

    /// `AllowNamespaceOperation`. For `*` (all namespaces) it is enough that any namespace
    /// rule grants the operation.
    pub fn allow_ns_op(&self, namespace: &str, op: &str) -> bool {
        if self.is_management() {
            return true;
        }
        if namespace == ALL_NAMESPACES && self.any_namespace_allows(|c| c.contains(op)) {
            return true;
        }
        self.matching_namespace(namespace).is_some_and(|c| c.contains(op))
    }

    /// `AllowNsOpAnyOf`: any of the operations (endpoints that take `submit-job` or its
    /// fine-grained replacement, 1.11.2+).
    pub fn allow_ns_op_any_of(&self, namespace: &str, ops: &[&str]) -> bool {
        ops.iter().any(|op| self.allow_ns_op(namespace, op))
    }

    /// `AllowNamespace`: any capability other than deny in the namespace.
    pub fn allow_namespace(&self, namespace: &str) -> bool {
        if self.is_management() {
            return true;
        }
        let grants_any = |c: &CapabilitySet| !c.is_empty() && !c.contains(cap::DENY);
        if namespace == ALL_NAMESPACES && self.any_namespace_allows(grants_any) {
            return true;
        }
        self.matching_namespace(namespace).is_some_and(grants_any)
    }

    /// `AllowAgentRead`: a management token, or an `agent` rule of `read` or `write`.
    pub fn allow_agent_read(&self) -> bool {
        self.is_management() || matches!(self.agent, Privilege::Read | Privilege::Write)
    }

    /// `AllowAgentWrite`: a management token, or an `agent` rule of `write`.
    pub fn allow_agent_write(&self) -> bool {
        self.is_management() || self.agent == Privilege::Write
    }

    /// `AllowNodeRead`: a management token, or a `node` rule of `read` or `write`.
    pub fn allow_node_read(&self) -> bool {
        self.is_management() || matches!(self.node, Privilege::Read | Privilege::Write)
    }

    /// `AllowNodeWrite`: a management token, or a `node` rule of `write`.
    pub fn allow_node_write(&self) -> bool {
        self.is_management() || self.node == Privilege::Write
    }

    /// `AllowOperatorRead`: a management token, or an `operator` rule of `read` or `write`.
    pub fn allow_operator_read(&self) -> bool {
        self.is_management() || matches!(self.operator, Privilege::Read | Privilege::Write)
    }

    /// `AllowOperatorWrite`: a management token, or an `operator` rule of `write`.
    pub fn allow_operator_write(&self) -> bool {
        self.is_management() || self.operator == Privilege::Write
    }

    /// `AllowOperatorOperation` (fine-grained operator capabilities, 1.11.3+).
    pub fn allow_operator_op(&self, op: &str) -> bool {
        self.is_management() || self.operator == Privilege::Write || self.operator_capabilities.contains(op)
    }

    /// `anyNamespaceAllows`: exact rules first, then globs.
    fn any_namespace_allows(&self, allows: impl Fn(&CapabilitySet) -> bool) -> bool {
        self.namespaces.values().chain(self.wildcard_namespaces.values()).any(allows)
    }

    /// `matchingNamespaceCapabilitySet`: the exact rule, else the closest glob.
    fn matching_namespace(&self, namespace: &str) -> Option<&CapabilitySet> {
        self.namespaces.get(namespace).or_else(|| closest_glob(&self.wildcard_namespaces, namespace))
    }
}

/// `findClosestMatchingGlob`: of the globs that match, the one with the smallest
/// `len(name) - len(glob) + count("*" in glob)`, roughly the fewest characters left to the
/// wildcards. Nomad sorts the matches (in name order) with `sort.SliceStable` and the
/// comparison `<=`, which puts later matches before earlier ones of the same score: the
/// last of the best wins (exact up to the 20 matches Go's insertion sort covers).
fn closest_glob<'a>(globs: &'a BTreeMap<String, CapabilitySet>, name: &str) -> Option<&'a CapabilitySet> {
    let mut best: Option<(i64, &CapabilitySet)> = None;
    for (glob, capabilities) in globs {
        if !glob_match(glob, name) {
            continue;
        }
        let difference = name.len() as i64 - glob.len() as i64 + glob.matches('*').count() as i64;
        if best.is_none_or(|(score, _)| difference <= score) {
            best = Some((difference, capabilities));
        }
    }
    best.map(|(_, capabilities)| capabilities)
}

/// `glob.Glob` of `github.com/ryanuber/go-glob`, which Nomad matches names with: `*` stands
/// for any run of characters, everything else is literal. Each part between wildcards is
/// found at its first place after the previous one; the last must end the text.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    if pattern.is_empty() {
        return text.is_empty();
    }
    if pattern == "*" {
        return true;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let Some((last, leading)) = parts.split_last() else { return false };
    if leading.is_empty() {
        return text == pattern;
    }
    let mut rest = text;
    for (i, part) in leading.iter().enumerate() {
        match rest.find(part) {
            // Without a leading wildcard the first part must start the text.
            Some(at) if i == 0 && at != 0 => return false,
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    pattern.ends_with('*') || rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acl::policy::{CoarsePolicy, NamespaceRules, OperatorRules};
    use crate::NomadVersion;

    fn ns(name: &str, policy: &str, caps: &[&str]) -> NamespaceRules {
        NamespaceRules::parsed(name, policy, caps, NomadVersion::LATEST)
    }

    fn rules(namespaces: Vec<NamespaceRules>) -> PolicyRules {
        PolicyRules { namespaces, ..PolicyRules::default() }
    }

    fn coarse(policy: &str) -> Option<CoarsePolicy> {
        Some(CoarsePolicy { policy: policy.into() })
    }

    /// `TestACLManagement`, `TestACLMerge` in `acl/acl_test.go`: management and ACLs-off
    /// allow everything; merged policies add capabilities and levels.
    #[test]
    fn management_and_merging() {
        for acl in [Acl::management(), Acl::acls_disabled()] {
            assert!(acl.is_management() && acl.allow_ns_op("any", cap::ALLOC_EXEC) && acl.allow_node_write());
            assert!(acl.allow_agent_write() && acl.allow_operator_write() && acl.allow_namespace("x"));
        }
        let read =
            PolicyRules { node: coarse("read"), agent: coarse("write"), ..rules(vec![ns("default", "read", &[])]) };
        let lifecycle = PolicyRules { node: coarse("write"), ..rules(vec![ns("default", "", &["alloc-lifecycle"])]) };
        let acl = Acl::new([&read, &lifecycle]);
        assert!(!acl.is_management());
        assert!(acl.allow_ns_op("default", cap::READ_JOB) && acl.allow_ns_op("default", cap::ALLOC_LIFECYCLE));
        assert!(!acl.allow_ns_op("default", cap::SUBMIT_JOB) && !acl.allow_ns_op("other", cap::READ_JOB));
        assert!(acl.allow_node_write() && acl.allow_agent_write() && !acl.allow_operator_read());
        assert!(!Acl::new([]).allow_agent_read() && !Acl::new([]).allow_namespace("default"));
    }

    /// Deny wins, whichever policy comes first (`NewACL`: a deny clears the set and later
    /// grants are skipped); `maxPrivilege` puts deny above write.
    #[test]
    fn deny_wins() {
        let write = PolicyRules { agent: coarse("write"), ..rules(vec![ns("prod", "write", &[])]) };
        let deny = PolicyRules { agent: coarse("deny"), ..rules(vec![ns("prod", "deny", &[])]) };
        for acl in [Acl::new([&write, &deny]), Acl::new([&deny, &write])] {
            assert!(!acl.allow_ns_op("prod", cap::READ_JOB) && !acl.allow_namespace("prod"));
            assert!(!acl.allow_agent_read());
        }
        let explicit = rules(vec![ns("dev", "", &["read-job", "deny", "submit-job"])]);
        assert!(!Acl::new([&explicit]).allow_ns_op("dev", "read-job"));
    }

    /// `TestWildcardNamespaceMatching` in `acl/acl_test.go`: the exact rule first, then the
    /// closest glob by `findClosestMatchingGlob`'s score; no rule, no capability (there is no
    /// fallback to `default`).
    #[test]
    fn exact_then_closest_glob() {
        let acl = Acl::new([&rules(vec![
            ns("*", "read", &[]),
            ns("prod-*", "write", &[]),
            ns("prod-api-*", "deny", &[]),
            ns("prod-web", "", &["list-jobs"]),
        ])]);
        assert!(acl.allow_ns_op("prod-db", cap::SUBMIT_JOB));
        assert!(!acl.allow_ns_op("prod-api-1", cap::READ_JOB));
        assert!(!acl.allow_ns_op("prod-web", cap::READ_JOB) && acl.allow_ns_op("prod-web", cap::LIST_JOBS));
        assert!(acl.allow_ns_op("dev", cap::READ_JOB) && !acl.allow_ns_op("dev", cap::SUBMIT_JOB));
        let only_default = Acl::new([&rules(vec![ns("default", "write", &[])])]);
        assert!(!only_default.allow_ns_op("ops", cap::READ_JOB));
        // `*-web` and `prod-*` both match `prod-web` (score 4 and 3): the closer wins.
        let two = Acl::new([&rules(vec![ns("*-web", "deny", &[]), ns("prod-*", "read", &[])])]);
        assert!(two.allow_ns_op("prod-web", cap::READ_JOB));
        // Equal scores: the later in name order (`*b` < `a*`) wins (`sort.SliceStable`, `<=`).
        let tie = Acl::new([&rules(vec![ns("a*", "read", &[]), ns("*b", "write", &[])])]);
        assert!(!tie.allow_ns_op("ab", cap::SUBMIT_JOB) && tie.allow_ns_op("ab", cap::READ_JOB));
        let tie = Acl::new([&rules(vec![ns("a*", "write", &[]), ns("*b", "read", &[])])]);
        assert!(tie.allow_ns_op("ab", cap::SUBMIT_JOB));
    }

    /// `AllowNamespaceOperation("*")` and `AllowNamespace("*")`: any namespace granting it.
    #[test]
    fn all_namespaces() {
        let acl = Acl::new([&rules(vec![
            ns("default", "read", &[]),
            ns("ops", "", &["alloc-lifecycle"]),
            ns("secret", "deny", &[]),
        ])]);
        assert!(
            acl.allow_ns_op(ALL_NAMESPACES, cap::ALLOC_LIFECYCLE) && acl.allow_ns_op(ALL_NAMESPACES, cap::READ_JOB)
        );
        assert!(!acl.allow_ns_op(ALL_NAMESPACES, cap::SUBMIT_JOB) && acl.allow_namespace(ALL_NAMESPACES));
        let denied = Acl::new([&rules(vec![ns("secret", "deny", &[])])]);
        assert!(!denied.allow_namespace(ALL_NAMESPACES) && !denied.allow_ns_op(ALL_NAMESPACES, cap::READ_JOB));
        assert!(Acl::new([&rules(vec![ns("*", "read", &[])])]).allow_ns_op("*", cap::READ_JOB));
    }

    #[test]
    fn any_of_and_operator_capabilities() {
        let acl = Acl::new([&PolicyRules {
            operator: Some(OperatorRules { policy: "read".into(), capabilities: vec!["snapshot-save".into()] }),
            ..rules(vec![ns("default", "", &["gc-allocation"])])
        }]);
        assert!(acl.allow_ns_op_any_of("default", &[cap::SUBMIT_JOB, cap::GC_ALLOCATION]));
        assert!(!acl.allow_ns_op_any_of("default", &[cap::SUBMIT_JOB]));
        assert!(acl.allow_operator_read() && !acl.allow_operator_write());
        assert!(acl.allow_operator_op("snapshot-save") && !acl.allow_operator_op("keyring-rotate"));
    }

    /// `github.com/ryanuber/go-glob`'s `Glob`.
    #[test]
    fn globs_match_as_go_glob() {
        assert!(glob_match("*", "") && glob_match("*", "ops") && glob_match("", "") && !glob_match("", "a"));
        assert!(glob_match("team-*", "team-a") && glob_match("team-*", "team-") && !glob_match("team-*", "ops"));
        assert!(glob_match("*-prod", "web-prod") && !glob_match("*-prod", "prod"));
        assert!(glob_match("a*b*c", "aXbYc") && glob_match("a*b*c", "abc") && !glob_match("a*b*c", "aXc"));
        assert!(!glob_match("ab*ba", "aba") && glob_match("ab*ba", "abba") && glob_match("*a*", "bab"));
        assert!(glob_match("exact", "exact") && !glob_match("exact", "exactly"));
        assert!(glob_match("é*", "éa") && glob_match("**", "x"));
    }
}
