//! ACLs: the bootstrap (management) token, two built-in client tokens and their policies,
//! and the answers of Nomad's ACL endpoints (`nomad/acl_endpoint.go`) about them. What a
//! token may do is decided by nomad-api's evaluator, built from the policies as the release
//! the agent answers as parses them.

use crate::error::ApiError;
use crate::http::meta::QueryMeta;
use axum::http::StatusCode;
use nomad_api::acl::{
    AclPolicyListStub, AclTokenListStub, CoarsePolicy, NamespaceRules, PolicyRules, RulesShape, ACL_DISABLED,
    ANONYMOUS_POLICY, MISSING_SECRET_ID, POLICY_NOT_FOUND, TOKEN_LOOKUP_FAILED, TOKEN_NOT_FOUND,
};
use nomad_api::{token_type, AclPolicy, AclToken, DateTime, NomadVersion};
use serde::Serialize;

/// Namespace capabilities (`acl.NamespaceCapability*`).
pub use nomad_api::acl::cap;

/// What a request may do: nomad-api's `acl.ACL`.
pub type Authority = nomad_api::acl::Acl;

/// A built-in policy: its HCL and what it says, parsed per release by [`Policy::rules`].
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub name: &'static str,
    /// The policy's HCL source, as `Rules` shows it.
    rules: &'static str,
    /// `namespace "*"`'s coarse policy and its explicit capabilities.
    namespace_policy: &'static str,
    namespace_capabilities: &'static [&'static str],
    node: &'static str,
    agent: &'static str,
}

/// `namespace "*" { policy = "read" }`, `node { policy = "read" }`, `agent { policy = "read" }`.
const READONLY: Policy = Policy {
    name: "readonly",
    rules:
        "namespace \"*\" {\n  policy = \"read\"\n}\nnode {\n  policy = \"read\"\n}\nagent {\n  policy = \"read\"\n}\n",
    namespace_policy: "read",
    namespace_capabilities: &[],
    node: "read",
    agent: "read",
};

/// `namespace "*" { policy = "write"  capabilities = ["alloc-node-exec"] }`, node and agent read:
/// operates workloads (stop, restart, signal, exec, logs) but not the cluster.
const OPERATOR: Policy = Policy {
    name: "operator",
    rules: "namespace \"*\" {\n  policy = \"write\"\n  capabilities = [\"alloc-node-exec\"]\n}\nnode {\n  policy = \"read\"\n}\nagent {\n  policy = \"read\"\n}\n",
    namespace_policy: "write",
    namespace_capabilities: &[cap::ALLOC_NODE_EXEC],
    node: "read",
    agent: "read",
};

/// In name order, as memdb's `acl_policy` table lists them. There is no `anonymous` policy:
/// as in a Nomad cluster that has none, a caller without a token may do nothing.
const BUILT_IN_POLICIES: [Policy; 2] = [OPERATOR, READONLY];

impl Policy {
    /// The rules as `version` parses them (`acl.Parse`): coarse policies expanded.
    pub fn rules(&self, version: NomadVersion) -> PolicyRules {
        let coarse = |policy: &str| Some(CoarsePolicy { policy: policy.to_string() });
        PolicyRules {
            namespaces: vec![NamespaceRules::parsed("*", self.namespace_policy, self.namespace_capabilities, version)],
            agent: coarse(self.agent),
            node: coarse(self.node),
            operator: None,
            raw: self.rules.to_string(),
            shape: RulesShape::of(version),
        }
    }

    /// As `/v1/acl/policy/:name` returns it, with `RulesJSON`.
    pub fn to_api(&self, index: u64, version: NomadVersion) -> AclPolicy {
        let mut policy = AclPolicy {
            name: self.name.to_string(),
            description: String::new(),
            rules: self.rules.to_string(),
            rules_json: Some(self.rules(version)),
            job_acl: None,
            hash: Vec::new(),
            create_index: index,
            modify_index: index,
        };
        // `ACL.UpsertPolicies` hashes every policy it stores.
        policy.set_hash();
        policy
    }
}

/// Which part of the agent resolves the token: the server (its ACL check names an unknown
/// secret by release, see [`NomadVersion::server_authenticates`]), or the client
/// (`/v1/client/*`), which says `ACL token not found`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Realm {
    Server,
    Client,
    /// The HTTP agent's own `ResolveToken` (`command/agent/http.go`), which `/v1/agent/self`
    /// calls: it words an unknown secret by release
    /// ([`NomadVersion::http_resolve_token_authenticates`]).
    Agent,
}

/// The secrets of the tokens made at start, as written to `acl-tokens.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Secrets {
    pub management: String,
    pub operator: String,
    pub readonly: String,
}

/// Who calls an ACL endpoint: a token, or nobody (`structs.AnonymousACLToken`).
enum Caller<'a> {
    Anonymous,
    Token(&'a AclToken),
}

impl Caller<'_> {
    fn is_management(&self) -> bool {
        matches!(self, Caller::Token(t) if t.is_management())
    }

    /// The policies named by the token (the anonymous one has `anonymous`).
    fn has_policy(&self, name: &str) -> bool {
        match self {
            Caller::Anonymous => name == ANONYMOUS_POLICY,
            Caller::Token(t) => t.policies.iter().any(|p| p == name),
        }
    }
}

/// What `GET /v1/acl/token/self` answers: a token, and the `X-Nomad-Index` to send with it.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenSelf {
    pub token: AclToken,
    pub index: u64,
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
    pub fn restored(enabled: bool, mut tokens: Vec<AclToken>) -> Self {
        // Tokens saved before the agent hashed them get the hash Nomad would have given them.
        for token in tokens.iter_mut().filter(|t| t.hash.is_empty()) {
            token.set_hash();
        }
        Acl { enabled, tokens }
    }

    /// ACLs on, bootstrapped: a management token and the built-in operator and read-only
    /// tokens, created at `index`.
    pub fn bootstrap(index: u64, now: i64) -> Self {
        let token = |name: &str, kind: &str, policies: &[&str]| {
            let mut token = AclToken {
                accessor_id: crate::state::scheduler::new_id(),
                secret_id: crate::state::scheduler::new_id(),
                name: name.to_string(),
                kind: kind.to_string(),
                policies: policies.iter().map(|p| p.to_string()).collect(),
                global: kind == token_type::MANAGEMENT,
                create_time: Some(DateTime(now)),
                create_index: index,
                modify_index: index,
                ..AclToken::default()
            };
            // `ACL.Bootstrap` and `UpsertTokens` hash every token they store.
            token.set_hash();
            token
        };
        Acl {
            enabled: true,
            tokens: vec![
                token("Bootstrap Token", token_type::MANAGEMENT, &[]),
                token("Operator Token", token_type::CLIENT, &[OPERATOR.name]),
                token("Read-only Token", token_type::CLIENT, &[READONLY.name]),
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

    /// The index the built-in policies were written at (with the bootstrap tokens): the
    /// `acl_policy` table's index.
    pub fn policy_index(&self) -> u64 {
        self.tokens.first().map(|t| t.create_index).unwrap_or(0)
    }

    /// The caller of a server endpoint. An unknown secret fails: from 1.5.0 in
    /// `Authenticate` (`Permission denied`, whatever the secret), before in `ResolveToken`
    /// (`ACL token not found`, or memdb's error for a secret that is no UUID).
    fn caller(&self, secret: &str, version: NomadVersion) -> Result<Caller<'_>, ApiError> {
        if secret.is_empty() {
            return Ok(Caller::Anonymous);
        }
        match self.token(secret) {
            Some(token) => Ok(Caller::Token(token)),
            None if version.server_authenticates() => Err(ApiError::permission_denied()),
            None => {
                memdb_uuid(secret)?;
                Err(ApiError::new(StatusCode::FORBIDDEN, TOKEN_NOT_FOUND))
            }
        }
    }

    /// The caller as `HTTPServer.ResolveToken` finds it. From 1.11.1 through `Authenticate`,
    /// its error wrapped in `ACL token not found or invalid workload identity: `: an unknown
    /// UUID is `Permission denied` (403, `errCodeFromHandler` reads the suffix), any other
    /// secret the claim parser's error (500). Before, through the server's `ResolveToken`,
    /// wrapped in `failed to resolve ACL token: `: an unknown UUID is `ACL token not found`
    /// (403, by its suffix), a secret memdb cannot read the state store's error (500).
    fn agent_caller(&self, secret: &str, version: NomadVersion) -> Result<Caller<'_>, ApiError> {
        if secret.is_empty() {
            return Ok(Caller::Anonymous);
        }
        if let Some(token) = self.token(secret) {
            return Ok(Caller::Token(token));
        }
        if version.http_resolve_token_authenticates() {
            if !is_uuid(secret) {
                return Err(ApiError::internal(format!(
                    "ACL token not found or invalid workload identity: {}",
                    not_a_signed_token(version)
                )));
            }
            return Err(ApiError::permission_denied());
        }
        memdb_uuid(secret).map_err(|e| ApiError::internal(format!("failed to resolve ACL token: {}", e.message)))?;
        Err(ApiError::new(StatusCode::FORBIDDEN, TOKEN_NOT_FOUND))
    }

    /// The caller as the client's `resolveTokenAndACL` finds it (`client/acl.go`), the
    /// server's error passed on unwrapped. From 1.5.0 through `ACL.WhoAmI`: an unknown UUID
    /// is `Permission denied` (403), any other secret the claim parser's error (500). Before,
    /// through `ACL.ResolveToken`: an unknown UUID is `ACL token not found` (403), a secret
    /// memdb cannot read the state store's error (500).
    fn client_caller(&self, secret: &str, version: NomadVersion) -> Result<Caller<'_>, ApiError> {
        if secret.is_empty() {
            return Ok(Caller::Anonymous);
        }
        if let Some(token) = self.token(secret) {
            return Ok(Caller::Token(token));
        }
        if version.client_resolves_token_with_who_am_i() {
            if !is_uuid(secret) {
                return Err(ApiError::internal(not_a_signed_token(version)));
            }
            return Err(ApiError::permission_denied());
        }
        memdb_uuid(secret)?;
        Err(ApiError::new(StatusCode::FORBIDDEN, TOKEN_NOT_FOUND))
    }

    /// The ACL object of a request's secret (`ResolveToken` / `ResolveACL`): no secret is the
    /// anonymous token, whose `anonymous` policy does not exist here.
    pub fn resolve(&self, secret: &str, realm: Realm, version: NomadVersion) -> Result<Authority, ApiError> {
        if !self.enabled {
            return Ok(Authority::acls_disabled());
        }
        let caller = match realm {
            Realm::Server => self.caller(secret, version)?,
            Realm::Client => self.client_caller(secret, version)?,
            Realm::Agent => self.agent_caller(secret, version)?,
        };
        Ok(match caller {
            Caller::Token(token) if token.is_management() => Authority::management(),
            caller => {
                let rules: Vec<PolicyRules> =
                    BUILT_IN_POLICIES.iter().filter(|p| caller.has_policy(p.name)).map(|p| p.rules(version)).collect();
                Authority::new(&rules)
            }
        })
    }

    /// `GET /v1/acl/token/self` (`aclTokenSelf` in `command/agent/acl_endpoint.go`). From
    /// 1.10.1 through `ACL.WhoAmI`: the `acls-disabled` token when ACLs are off, the
    /// anonymous token without a secret, `Permission denied` for an unknown one and the
    /// claim parser's error (500) for a secret that is not a UUID. Before, through
    /// `ACL.ResolveToken`: `ACL support disabled` (400); the state store's error (500) for no
    /// secret or one memdb cannot read as a UUID; `ACL token not found` (404, with the token
    /// table's index) for an unknown one.
    pub fn token_self(
        &self,
        secret: &str,
        version: NomadVersion,
        token_table_index: u64,
    ) -> Result<TokenSelf, ApiError> {
        if version.token_self_is_who_am_i() {
            if !self.enabled {
                return Ok(TokenSelf { token: AclToken::acls_disabled(), index: 0 });
            }
            if secret.is_empty() {
                return Ok(TokenSelf { token: AclToken::anonymous(), index: 0 });
            }
            if !is_uuid(secret) {
                return Err(ApiError::internal(not_a_signed_token(version)));
            }
            let token = self.token(secret).ok_or_else(ApiError::permission_denied)?;
            return Ok(TokenSelf { token: token.clone(), index: token.modify_index });
        }
        if !self.enabled {
            return Err(ApiError::bad_request(ACL_DISABLED));
        }
        if secret.is_empty() {
            return Err(ApiError::internal(MISSING_SECRET_ID));
        }
        memdb_uuid(secret)?;
        match self.token(secret) {
            Some(token) => Ok(TokenSelf { token: token.clone(), index: token.modify_index }),
            None => Err(ApiError::not_found(TOKEN_NOT_FOUND).with_meta(QueryMeta::Query { index: token_table_index })),
        }
    }

    /// `GET /v1/acl/policy/:name` (`ACL.GetPolicy`): a management token reads any policy,
    /// any other caller those its token names, and anyone the `anonymous` policy.
    pub fn policy(&self, secret: &str, name: &str, version: NomadVersion) -> Result<AclPolicy, ApiError> {
        if !self.enabled {
            return Err(ApiError::bad_request(ACL_DISABLED));
        }
        let caller = self.caller(secret, version)?;
        if name != ANONYMOUS_POLICY && !caller.is_management() && !caller.has_policy(name) {
            return Err(ApiError::permission_denied());
        }
        BUILT_IN_POLICIES.iter().find(|p| p.name == name).map(|p| p.to_api(self.policy_index(), version)).ok_or_else(
            || ApiError::not_found(POLICY_NOT_FOUND).with_meta(QueryMeta::Query { index: self.policy_index() }),
        )
    }

    /// `GET /v1/acl/policies` (`ACL.ListPolicies`): all of them for a management token, else
    /// those the caller's token names; by name, filtered by `prefix`.
    pub fn policies(
        &self,
        secret: &str,
        prefix: &str,
        version: NomadVersion,
    ) -> Result<Vec<AclPolicyListStub>, ApiError> {
        if !self.enabled {
            return Err(ApiError::bad_request(ACL_DISABLED));
        }
        let caller = self.caller(secret, version)?;
        Ok(BUILT_IN_POLICIES
            .iter()
            .filter(|p| p.name.starts_with(prefix) && (caller.is_management() || caller.has_policy(p.name)))
            .map(|p| p.to_api(self.policy_index(), version).stub(version.policy_stub_job_acl()))
            .collect())
    }

    /// `GET /v1/acl/policy/self` (1.10.2+, `aclSelfPolicy`): for a UUID secret the policies
    /// `ACL.ListPolicies` gives it; any other secret (none included) is taken for a workload
    /// identity (`ACL.GetClaimPolicies`), which this agent never issues: `Permission denied`.
    pub fn self_policies(&self, secret: &str, version: NomadVersion) -> Result<Vec<AclPolicyListStub>, ApiError> {
        if !is_uuid(secret) {
            return Err(ApiError::permission_denied());
        }
        self.policies(secret, "", version)
    }

    /// `GET /v1/acl/tokens` (`ACL.ListTokens`): management tokens only. By accessor ID
    /// within each create index (memdb's `create` index; the agent's share one), filtered
    /// by accessor ID `prefix`.
    pub fn token_stubs(
        &self,
        secret: &str,
        prefix: &str,
        version: NomadVersion,
    ) -> Result<Vec<AclTokenListStub>, ApiError> {
        if !self.enabled {
            return Err(ApiError::bad_request(ACL_DISABLED));
        }
        if !self.caller(secret, version)?.is_management() {
            return Err(ApiError::permission_denied());
        }
        let mut tokens: Vec<&AclToken> = self.tokens.iter().filter(|t| t.accessor_id.starts_with(prefix)).collect();
        tokens.sort_by(|a, b| (a.create_index, &a.accessor_id).cmp(&(b.create_index, &b.accessor_id)));
        Ok(tokens.into_iter().map(AclToken::stub).collect())
    }

    /// `GET /v1/acl/roles` (`ACL.ListRoles`): any caller with a valid (or no) secret may
    /// list the roles its token links; the agent has none.
    pub fn check_list_roles(&self, secret: &str, version: NomadVersion) -> Result<(), ApiError> {
        if !self.enabled {
            return Err(ApiError::bad_request(ACL_DISABLED));
        }
        self.caller(secret, version).map(|_| ())
    }

    /// `GET /v1/acl/auth-methods` (`ACL.ListAuthMethods`): open to anyone, but only with
    /// ACLs on.
    pub fn check_list_auth_methods(&self) -> Result<(), ApiError> {
        if self.enabled {
            Ok(())
        } else {
            Err(ApiError::bad_request(ACL_DISABLED))
        }
    }
}

/// `helper.IsUUID`: 36 characters, hex in 8-4-4-4-12 groups, either case.
fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    text.len() == 36
        && groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups.iter().all(|g| g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The secret as memdb's `UUIDFieldIndex` reads it for the `acl_token` table's `secret`
/// index (go-memdb `index.go` `parseString`, laxer than `helper.IsUUID`: any 36 characters
/// that are hex once the (at most 4) hyphens are gone), or the state store's error,
/// which is answered 500 (`ACLTokenBySecretID` wraps memdb's `index error: ...`).
fn memdb_uuid(secret: &str) -> Result<(), ApiError> {
    let fail = |why: String| Err(ApiError::internal(format!("{TOKEN_LOOKUP_FAILED}: index error: {why}")));
    if secret.len() != 36 {
        return fail("UUID must be 36 characters".into());
    }
    let hyphens = secret.matches('-').count();
    if hyphens > 4 {
        return fail(format!("UUID should have maximum of 4 \"-\"; got {hyphens}"));
    }
    let hex: Vec<u8> = secret.bytes().filter(|b| *b != b'-').collect();
    if hex.len() % 2 == 1 {
        return fail("Input (without hyphens) must be even length".into());
    }
    // Go's `hex.InvalidByteError`, `%#U` of the byte: `U+0078 'x'`.
    match hex.iter().find(|b| !b.is_ascii_hexdigit()) {
        Some(&b) => fail(format!("Invalid UUID: encoding/hex: invalid byte: U+{:04X} '{}'", b, b as char)),
        None => Ok(()),
    }
}

/// `Encrypter.VerifyClaim` (`nomad/encrypter.go`) on a secret that is not a UUID: the claim
/// parser needs exactly three dot-separated parts. Secrets that have them fail later, on
/// base64 or the signature, with messages this agent does not model; they get the same
/// answer.
fn not_a_signed_token(version: NomadVersion) -> String {
    nomad_api::acl::not_a_signed_token(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LATEST: NomadVersion = NomadVersion::LATEST;
    const V1_4: NomadVersion = NomadVersion::new(1, 4, 0);
    const UNKNOWN: &str = "0b0e0000-0000-0000-0000-000000000000";

    #[test]
    fn built_in_tokens_have_their_capabilities() {
        let acl = Acl::bootstrap(5, 0);
        let s = acl.secrets().unwrap();
        let resolve = |secret: &str| acl.resolve(secret, Realm::Server, LATEST).unwrap();
        let (mgmt, op, ro, anon) = (resolve(&s.management), resolve(&s.operator), resolve(&s.readonly), resolve(""));
        assert!(mgmt.allow_node_write() && mgmt.allow_ns_op("ops", cap::ALLOC_LIFECYCLE));
        assert!(op.allow_ns_op("ops", cap::ALLOC_LIFECYCLE) && op.allow_ns_op("default", cap::READ_LOGS));
        assert!(op.allow_ns_op("default", cap::ALLOC_NODE_EXEC) && !op.is_management());
        assert!(!op.allow_node_write() && op.allow_node_read() && !op.allow_agent_write());
        assert!(ro.allow_ns_op("default", cap::READ_JOB) && ro.allow_ns_op("*", cap::LIST_JOBS));
        assert!(!ro.allow_ns_op("default", cap::ALLOC_LIFECYCLE) && !ro.allow_ns_op("default", cap::READ_LOGS));
        assert!(
            !anon.allow_ns_op("default", cap::READ_JOB) && !anon.allow_namespace("default") && !anon.allow_agent_read()
        );
        assert!(Acl::disabled().resolve("anything", Realm::Server, LATEST).unwrap().is_management());
    }

    /// `Server.Authenticate` (1.5.0+) versus `ResolveToken` (1.4) in `nomad/acl.go`; the
    /// client (`client/acl.go`) asks `ACL.WhoAmI` from 1.5.0, `ACL.ResolveToken` before.
    #[test]
    fn unknown_secrets_are_named_by_release() {
        let acl = Acl::bootstrap(5, 0);
        let message = |realm, version| acl.resolve("nope", realm, version).unwrap_err().message;
        assert_eq!(message(Realm::Server, LATEST), "Permission denied");
        assert_eq!(acl.resolve(UNKNOWN, Realm::Server, V1_4).unwrap_err().message, "ACL token not found");
        let client = |secret, version| {
            let e = acl.resolve(secret, Realm::Client, version).unwrap_err();
            (e.status.as_u16(), e.message)
        };
        assert_eq!(client(UNKNOWN, V1_4), (403, "ACL token not found".into()));
        assert_eq!(
            client("nope", V1_4),
            (500, "acl token lookup failed: index error: UUID must be 36 characters".into())
        );
        assert_eq!(client(UNKNOWN, LATEST), (403, "Permission denied".into()));
        assert_eq!(
            client("nope", LATEST),
            (500, "failed to parse signed token: go-jose/go-jose: compact JWS format must have three parts".into())
        );
        assert_eq!(
            client("nope", NomadVersion::new(1, 5, 0)),
            (500, "failed to verify token: token contains an invalid number of segments".into())
        );
        assert_eq!(acl.resolve(UNKNOWN, Realm::Server, V1_4).unwrap_err().status, StatusCode::FORBIDDEN);
    }

    /// `ACL.GetPolicy` in `nomad/acl_endpoint.go`: management reads all, others what their
    /// token names, anyone `anonymous` (absent here: 404).
    #[test]
    fn who_reads_which_policy() {
        let acl = Acl::bootstrap(5, 0);
        let s = acl.secrets().unwrap();
        let operator = acl.policy(&s.operator, "operator", LATEST).unwrap();
        let rules = operator.rules_json.unwrap();
        assert_eq!(rules.namespaces[0].capabilities[0], cap::ALLOC_NODE_EXEC);
        assert!(rules.namespaces[0].capabilities.iter().any(|c| c == cap::ALLOC_LIFECYCLE));
        assert_eq!(rules.agent.unwrap().policy, "read");
        assert_eq!(acl.policy(&s.operator, "readonly", LATEST).unwrap_err().message, "Permission denied");
        assert_eq!(acl.policy(&s.management, "readonly", LATEST).unwrap().name, "readonly");
        let missing = acl.policy(&s.management, "nope", LATEST).unwrap_err();
        assert_eq!((missing.status, missing.message.as_str()), (StatusCode::NOT_FOUND, "ACL policy not found"));
        assert_eq!(missing.meta, Some(QueryMeta::Query { index: 5 }));
        for secret in ["", s.readonly.as_str()] {
            assert_eq!(acl.policy(secret, "anonymous", LATEST).unwrap_err().status, StatusCode::NOT_FOUND);
        }
        assert_eq!(acl.policy("", "readonly", LATEST).unwrap_err().message, "Permission denied");
        assert_eq!(acl.policy(UNKNOWN, "anonymous", V1_4).unwrap_err().message, "ACL token not found");
        assert_eq!(Acl::disabled().policy("", "anonymous", LATEST).unwrap_err().message, "ACL support disabled");
    }

    /// `RulesJSON` follows the release: `host-volume-*` from 1.10.0.
    #[test]
    fn policy_rules_follow_the_release() {
        let caps = |version: NomadVersion| READONLY.rules(version).namespaces[0].capabilities.clone();
        assert!(caps(LATEST).iter().any(|c| c == cap::HOST_VOLUME_READ));
        assert!(!caps(V1_4).iter().any(|c| c == cap::HOST_VOLUME_READ));
    }

    #[test]
    fn token_self_by_release() {
        let acl = Acl::bootstrap(5, 0);
        let s = acl.secrets().unwrap();
        let v1_10_0 = NomadVersion::new(1, 10, 0);
        assert_eq!(acl.token_self("", LATEST, 7).unwrap().token, AclToken::anonymous());
        assert_eq!(
            Acl::disabled().token_self("x", LATEST, 7).unwrap(),
            TokenSelf { token: AclToken::acls_disabled(), index: 0 }
        );
        assert_eq!(acl.token_self(UNKNOWN, LATEST, 7).unwrap_err().message, "Permission denied");
        let garbage = acl.token_self("wrong", LATEST, 7).unwrap_err();
        assert_eq!(garbage.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(garbage.message.starts_with("failed to parse signed token: "));
        let none = acl.token_self("", v1_10_0, 7).unwrap_err();
        assert_eq!(
            (none.status, none.message.as_str()),
            (StatusCode::INTERNAL_SERVER_ERROR, "acl token lookup failed: missing secret id")
        );
        let unknown = acl.token_self(UNKNOWN, v1_10_0, 7).unwrap_err();
        assert_eq!((unknown.status, unknown.meta), (StatusCode::NOT_FOUND, Some(QueryMeta::Query { index: 7 })));
        assert_eq!(unknown.message, "ACL token not found");
        let garbage = acl.token_self("wrong", v1_10_0, 7).unwrap_err();
        assert_eq!(
            (garbage.status, garbage.message.as_str()),
            (StatusCode::INTERNAL_SERVER_ERROR, "acl token lookup failed: index error: UUID must be 36 characters")
        );
        assert_eq!(Acl::disabled().token_self("", v1_10_0, 7).unwrap_err().message, "ACL support disabled");
        let me = acl.token_self(&s.readonly, v1_10_0, 7).unwrap();
        assert_eq!((me.token.name.as_str(), me.index), ("Read-only Token", 5));
    }

    #[test]
    fn self_policies() {
        let acl = Acl::bootstrap(5, 0);
        let s = acl.secrets().unwrap();
        assert_eq!(acl.self_policies(&s.operator, LATEST).unwrap()[0].name, "operator");
        for secret in ["", "not-a-token"] {
            assert_eq!(acl.self_policies(secret, LATEST).unwrap_err().message, "Permission denied");
            assert_eq!(Acl::disabled().self_policies(secret, LATEST).unwrap_err().message, "Permission denied");
        }
        assert_eq!(Acl::disabled().self_policies(UNKNOWN, LATEST).unwrap_err().message, "ACL support disabled");
        assert_eq!(acl.self_policies(UNKNOWN, LATEST).unwrap_err().message, "Permission denied");
    }

    #[test]
    fn lists() {
        let acl = Acl::bootstrap(5, 0);
        let s = acl.secrets().unwrap();
        let names =
            |secret: &str| acl.policies(secret, "", LATEST).unwrap().into_iter().map(|p| p.name).collect::<Vec<_>>();
        assert_eq!(names(&s.management), ["operator", "readonly"]);
        assert_eq!(names(&s.readonly), ["readonly"]);
        assert!(names("").is_empty());
        assert_eq!(acl.policies(&s.management, "re", LATEST).unwrap().len(), 1);
        assert_eq!(acl.token_stubs(&s.management, "", LATEST).unwrap().len(), 3);
        assert_eq!(acl.token_stubs(&s.operator, "", LATEST).unwrap_err().message, "Permission denied");
        assert_eq!(acl.token_stubs("", "", LATEST).unwrap_err().message, "Permission denied");
        assert!(acl.check_list_roles("", LATEST).is_ok());
        assert_eq!(acl.check_list_roles(UNKNOWN, V1_4).unwrap_err().message, "ACL token not found");
    }

    /// go-memdb's `UUIDFieldIndex.parseString` with the length enforced.
    #[test]
    fn memdb_reads_uuids_its_way() {
        let why = |secret: &str| memdb_uuid(secret).unwrap_err().message;
        assert_eq!(why("not-a-token"), "acl token lookup failed: index error: UUID must be 36 characters");
        assert_eq!(
            why("0-b-0-e-0000-0000-0000-00000000000ab"),
            "acl token lookup failed: index error: UUID should have maximum of 4 \"-\"; got 7"
        );
        assert_eq!(
            why("0b0e00000000000000000000000000000-00"),
            "acl token lookup failed: index error: Input (without hyphens) must be even length"
        );
        assert_eq!(
            why("0b0e0000-0000-0000-0000-00000000000x"),
            "acl token lookup failed: index error: Invalid UUID: encoding/hex: invalid byte: U+0078 'x'"
        );
        assert!(
            memdb_uuid("0b0e00000000000000000000000000000000").is_ok()
                && memdb_uuid("0b0e0000-0000-0000-0000-00000000000A").is_ok()
        );
        let acl = Acl::bootstrap(5, 0);
        let old = acl.resolve("not-a-token", Realm::Server, V1_4).unwrap_err();
        assert_eq!(old.status, StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn uuids() {
        assert!(is_uuid("0b0e0000-0000-0000-0000-00000000000A"));
        assert!(!is_uuid("0b0e0000-0000-0000-0000-00000000000") && !is_uuid("0b0e0000x0000-0000-0000-000000000000"));
        assert!(!is_uuid("0b0e00000-000-0000-0000-000000000000") && !is_uuid("wrong"));
    }
}
