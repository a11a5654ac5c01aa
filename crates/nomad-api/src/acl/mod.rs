//! ACLs: tokens and policies as Nomad's ACL endpoints write them (`nomad/structs/acl.go`,
//! `structs.go` before 1.11), the tokens Nomad makes up for callers without one, the
//! policy rules (`policy`) and the one evaluator of what they allow (`evaluate`). Also the
//! namespaces list, which the navigation reads alongside.

pub mod evaluate;
mod hash;
pub mod policy;

pub use evaluate::{glob_match, Acl, ALL_NAMESPACES};
pub use policy::{
    cap, expand_namespace_policy, word, CoarsePolicy, NamespaceRules, OperatorRules, PolicyRules, RulesShape,
    VariablesPathRules, VariablesRules,
};

use crate::serde_util::{base64_bytes, nullable};
use crate::time::{self, DateTime};
use crate::version::NomadVersion;
use policy::null_if_empty;
use serde::{Deserialize, Serialize, Serializer};

/// `Type` values.
pub mod token_type {
    /// `client`: a token whose rights are its policies and roles.
    pub const CLIENT: &str = "client";
    /// `management`: a token allowed everything, whatever its policies.
    pub const MANAGEMENT: &str = "management";
}

/// The `aclDisabled` error of every ACL endpoint when ACLs are off (400).
pub const ACL_DISABLED: &str = "ACL support disabled";
/// `structs.ErrTokenNotFound`.
pub const TOKEN_NOT_FOUND: &str = "ACL token not found";
/// `structs.ErrTokenExpired`.
pub const TOKEN_EXPIRED: &str = "ACL token expired";
/// `structs.ErrPermissionDenied`.
pub const PERMISSION_DENIED: &str = "Permission denied";
/// The 404 of `/v1/acl/policy/:name`.
pub const POLICY_NOT_FOUND: &str = "ACL policy not found";
/// The start of `Encrypter.VerifyClaim`'s error for a secret that is neither a UUID nor a
/// signed identity: from 1.10.1 `/v1/acl/token/self` answers it (500) for such a secret.
pub const NOT_A_SIGNED_TOKEN: &str = "failed to parse signed token";
/// `Encrypter.VerifyClaim`'s error (`nomad/encrypter.go`) for a secret that is neither a
/// UUID nor a signed identity, with no dot-separated parts to parse: worded by the release's
/// claim parser ([`NomadVersion::claims_parsed_by_go_jose`]).
pub fn not_a_signed_token(version: NomadVersion) -> String {
    if version.claims_parsed_by_go_jose() {
        format!("{NOT_A_SIGNED_TOKEN}: go-jose/go-jose: compact JWS format must have three parts")
    } else if version.claims_parsed_by_jwt_v5() {
        "failed to verify token: token is malformed: token contains an invalid number of segments".to_string()
    } else {
        "failed to verify token: token contains an invalid number of segments".to_string()
    }
}
/// The start of `StateStore.ACLTokenBySecretID`'s errors (`nomad/state/state_store.go`),
/// which callers before `Authenticate` (1.5.0; 1.10.1 for `/v1/acl/token/self`) answer 500.
pub const TOKEN_LOOKUP_FAILED: &str = "acl token lookup failed";
/// `ACLTokenBySecretID` without a secret: `/v1/acl/token/self` before 1.10.1 for a caller
/// without a token.
pub const MISSING_SECRET_ID: &str = "acl token lookup failed: missing secret id";
/// The policy every caller without a token gets, if the cluster has one by this name.
pub const ANONYMOUS_POLICY: &str = "anonymous";

/// An ACL token (`structs.ACLToken`), as `/v1/acl/token/self` and `/v1/acl/token/:id`
/// write it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AclToken {
    /// The token's public ID, a UUID; what the token endpoints and lists name it by.
    #[serde(rename = "AccessorID")]
    pub accessor_id: String,
    /// The secret, a UUID, sent as `X-Nomad-Token`; empty in list stubs and made-up tokens.
    #[serde(rename = "SecretID")]
    pub secret_id: String,
    /// A human-readable name; may be empty.
    pub name: String,
    /// `Type`: `client` or `management` (see [`token_type`]).
    #[serde(rename = "Type")]
    pub kind: String,
    /// The names of the ACL policies a `client` token carries; empty for `management`.
    #[serde(deserialize_with = "nullable", serialize_with = "null_if_empty")]
    pub policies: Vec<String>,
    /// The ACL roles linked to the token, each by ID or name (1.4.0+).
    #[serde(deserialize_with = "nullable", serialize_with = "null_if_empty")]
    pub roles: Vec<AclTokenRoleLink>,
    /// Whether the token is replicated to every region from the authoritative one, not local.
    pub global: bool,
    /// `SetHash`'s blake2b-256 digest of the token, base64 in JSON; `null` when unset.
    #[serde(deserialize_with = "base64_bytes::deserialize", serialize_with = "bytes_or_null")]
    pub hash: Vec<u8>,
    /// Go's zero time (the tokens Nomad makes up) is written `null`.
    #[serde(with = "time::optional")]
    pub create_time: Option<DateTime>,
    /// When the token expires; `null` for a token that never does.
    #[serde(with = "time::optional")]
    pub expiration_time: Option<DateTime>,
    /// Nanoseconds (a Go `time.Duration`); only set when creating a token.
    #[serde(rename = "ExpirationTTL")]
    pub expiration_ttl: i64,
    /// The Raft index at which the token was created.
    pub create_index: u64,
    /// The Raft index at which the token was last modified.
    pub modify_index: u64,
}

/// `structs.ACLTokenRoleLink`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AclTokenRoleLink {
    /// The role's ID, a UUID.
    #[serde(rename = "ID")]
    pub id: String,
    /// The role's name.
    pub name: String,
}

/// The accessor ID of the token Nomad reports when ACLs are off (1.10.1+).
pub const ACLS_DISABLED_ACCESSOR_ID: &str = "acls-disabled";
/// The accessor ID of the token Nomad gives callers without a secret.
pub const ANONYMOUS_ACCESSOR_ID: &str = "anonymous";

impl AclToken {
    /// `structs.ACLsDisabledToken`: what `/v1/acl/token/self` answers with ACLs off, from
    /// 1.10.1 (`nomad/auth/auth.go` `resolveSecretToken`, `nomad/acl_endpoint.go` `WhoAmI`).
    pub fn acls_disabled() -> AclToken {
        AclToken {
            accessor_id: ACLS_DISABLED_ACCESSOR_ID.into(),
            name: "ACLs disabled token".into(),
            kind: token_type::CLIENT.into(),
            ..AclToken::default()
        }
    }

    /// `structs.AnonymousACLToken`: the caller without a secret, with the `anonymous` policy.
    pub fn anonymous() -> AclToken {
        AclToken {
            accessor_id: ANONYMOUS_ACCESSOR_ID.into(),
            name: "Anonymous Token".into(),
            kind: token_type::CLIENT.into(),
            policies: vec![ANONYMOUS_POLICY.into()],
            ..AclToken::default()
        }
    }

    /// Whether this is Nomad's made-up `acls-disabled` token.
    pub fn is_acls_disabled(&self) -> bool {
        self.accessor_id == ACLS_DISABLED_ACCESSOR_ID
    }

    /// Whether this is Nomad's made-up `anonymous` token.
    pub fn is_anonymous(&self) -> bool {
        self.accessor_id == ANONYMOUS_ACCESSOR_ID
    }

    /// Whether the token is of type `management`, allowed everything.
    pub fn is_management(&self) -> bool {
        self.kind == token_type::MANAGEMENT
    }

    /// `ACLToken.Stub`, an entry of `/v1/acl/tokens`.
    pub fn stub(&self) -> AclTokenListStub {
        AclTokenListStub {
            accessor_id: self.accessor_id.clone(),
            name: self.name.clone(),
            kind: self.kind.clone(),
            policies: self.policies.clone(),
            roles: self.roles.clone(),
            global: self.global,
            hash: self.hash.clone(),
            create_time: self.create_time,
            expiration_time: self.expiration_time,
            create_index: self.create_index,
            modify_index: self.modify_index,
        }
    }
}

/// `structs.ACLTokenListStub`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AclTokenListStub {
    /// The token's public ID, a UUID.
    #[serde(rename = "AccessorID")]
    pub accessor_id: String,
    /// A human-readable name; may be empty.
    pub name: String,
    /// `Type`: `client` or `management` (see [`token_type`]).
    #[serde(rename = "Type")]
    pub kind: String,
    /// The names of the ACL policies the token carries.
    #[serde(deserialize_with = "nullable", serialize_with = "null_if_empty")]
    pub policies: Vec<String>,
    /// The ACL roles linked to the token.
    #[serde(deserialize_with = "nullable", serialize_with = "null_if_empty")]
    pub roles: Vec<AclTokenRoleLink>,
    /// Whether the token is replicated to every region.
    pub global: bool,
    /// The token's digest, base64 in JSON; `null` when unset.
    #[serde(deserialize_with = "base64_bytes::deserialize", serialize_with = "bytes_or_null")]
    pub hash: Vec<u8>,
    /// When the token was created; `null` for Go's zero time.
    #[serde(with = "time::optional")]
    pub create_time: Option<DateTime>,
    /// When the token expires; `null` for a token that never does.
    #[serde(with = "time::optional")]
    pub expiration_time: Option<DateTime>,
    /// The Raft index at which the token was created.
    pub create_index: u64,
    /// The Raft index at which the token was last modified.
    pub modify_index: u64,
}

/// A namespace (`structs.Namespace`), an entry of `/v1/namespaces`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Namespace {
    /// The namespace's name, such as `default`.
    pub name: String,
    /// A human-readable description; may be empty.
    pub description: String,
    /// `SetHash`'s digest (`hash.rs`), base64 in JSON; `null` when unset.
    #[serde(deserialize_with = "base64_bytes::deserialize", serialize_with = "bytes_or_null")]
    pub hash: Vec<u8>,
    /// The Raft index at which the namespace was created.
    pub create_index: u64,
    /// The Raft index at which the namespace was last modified.
    pub modify_index: u64,
}

/// `/v1/acl/policy/:name` (`structs.ACLPolicy`). `RulesJSON` is the server's parse of
/// `Rules`, each namespace's coarse `Policy` already expanded into `Capabilities`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AclPolicy {
    /// The policy's name, unique in the cluster.
    pub name: String,
    /// A human-readable description; may be empty.
    pub description: String,
    /// The policy as written, in HCL (or JSON).
    pub rules: String,
    /// The server's parse of `Rules`; `None` when the release or answer has no `RulesJSON`.
    #[serde(rename = "RulesJSON")]
    pub rules_json: Option<PolicyRules>,
    /// The job a workload-attached policy belongs to.
    #[serde(rename = "JobACL")]
    pub job_acl: Option<JobAcl>,
    /// `SetHash`'s digest of the policy, base64 in JSON; `null` when unset.
    #[serde(deserialize_with = "base64_bytes::deserialize", serialize_with = "bytes_or_null")]
    pub hash: Vec<u8>,
    /// The Raft index at which the policy was created.
    pub create_index: u64,
    /// The Raft index at which the policy was last modified.
    pub modify_index: u64,
}

/// `structs.JobACL`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobAcl {
    /// The job's namespace.
    pub namespace: String,
    /// The job's ID.
    #[serde(rename = "JobID")]
    pub job_id: String,
    /// The task group within the job; empty for the whole job.
    pub group: String,
    /// The task within the group; empty for the whole group.
    pub task: String,
}

/// `structs.ACLPolicyListStub`, an entry of `/v1/acl/policies`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AclPolicyListStub {
    /// The policy's name.
    pub name: String,
    /// A human-readable description; may be empty.
    pub description: String,
    /// `None`: the release has no such field (before 1.10.2); `Some(None)` is `null`.
    #[serde(rename = "JobACL", skip_serializing_if = "Option::is_none")]
    pub job_acl: Option<Option<JobAcl>>,
    /// The policy's digest, base64 in JSON; `null` when unset.
    #[serde(deserialize_with = "base64_bytes::deserialize", serialize_with = "bytes_or_null")]
    pub hash: Vec<u8>,
    /// The Raft index at which the policy was created.
    pub create_index: u64,
    /// The Raft index at which the policy was last modified.
    pub modify_index: u64,
}

impl AclPolicy {
    /// `ACLPolicy.Stub`; `with_job_acl` as the release has the field.
    pub fn stub(&self, with_job_acl: bool) -> AclPolicyListStub {
        AclPolicyListStub {
            name: self.name.clone(),
            description: self.description.clone(),
            job_acl: with_job_acl.then(|| self.job_acl.clone()),
            hash: self.hash.clone(),
            create_index: self.create_index,
            modify_index: self.modify_index,
        }
    }
}

/// `structs.ACLRoleListStub`, an entry of `/v1/acl/roles` (1.4.0+).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AclRoleListStub {
    /// The role's ID, a UUID.
    #[serde(rename = "ID")]
    pub id: String,
    /// The role's name, unique in the cluster.
    pub name: String,
    /// A human-readable description; may be empty.
    pub description: String,
    /// The ACL policies the role grants, by name.
    #[serde(deserialize_with = "nullable", serialize_with = "null_if_empty")]
    pub policies: Vec<AclRolePolicyLink>,
    /// The role's digest, base64 in JSON; `null` when unset.
    #[serde(deserialize_with = "base64_bytes::deserialize", serialize_with = "bytes_or_null")]
    pub hash: Vec<u8>,
    /// The Raft index at which the role was created.
    pub create_index: u64,
    /// The Raft index at which the role was last modified.
    pub modify_index: u64,
}

/// `structs.ACLRolePolicyLink`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AclRolePolicyLink {
    /// The name of the ACL policy.
    pub name: String,
}

/// `structs.ACLAuthMethodStub`, an entry of `/v1/acl/auth-methods` (1.5.0+).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AclAuthMethodStub {
    /// The auth method's name.
    pub name: String,
    /// `Type`: `OIDC` or `JWT`.
    #[serde(rename = "Type")]
    pub kind: String,
    /// Whether this is the method `nomad login` uses when none is named.
    pub default: bool,
    /// The method's digest, base64 in JSON; `null` when unset.
    #[serde(deserialize_with = "base64_bytes::deserialize", serialize_with = "bytes_or_null")]
    pub hash: Vec<u8>,
    /// The Raft index at which the method was created.
    pub create_index: u64,
    /// The Raft index at which the method was last modified.
    pub modify_index: u64,
}

/// A nil `[]byte` is `null`, any other base64.
fn bytes_or_null<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    if bytes.is_empty() {
        s.serialize_none()
    } else {
        base64_bytes::serialize(bytes, s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `nomad/encrypter.go` `VerifyClaim` by release: golang-jwt v4 (1.5), v5 (1.6), go-jose
    /// (1.7+), per `go.mod` at each tag.
    #[test]
    fn claim_parse_errors_follow_the_parser() {
        let says = |v: &str| not_a_signed_token(v.parse().unwrap());
        assert_eq!(says("1.5.0"), "failed to verify token: token contains an invalid number of segments");
        assert_eq!(
            says("1.6.0"),
            "failed to verify token: token is malformed: token contains an invalid number of segments"
        );
        assert_eq!(
            says("1.7.0"),
            "failed to parse signed token: go-jose/go-jose: compact JWS format must have three parts"
        );
        assert_eq!(says("1.11.3"), says("1.7.0"));
    }

    #[test]
    fn decodes_a_policy_with_its_parsed_rules() {
        let json = r#"{"Name":"readonly","Description":"","Rules":"namespace \"default\" { policy = \"read\" }",
            "RulesJSON":{"Namespaces":[{"Name":"default","Policy":"read","Capabilities":["list-jobs","read-job"]}],
            "Agent":{"Policy":"read"},"Node":null,"HostVolumes":null},"JobACL":null,"Hash":"AAE=","CreateIndex":5,"ModifyIndex":5}"#;
        let p: AclPolicy = serde_json::from_str(json).unwrap();
        let rules = p.rules_json.as_ref().unwrap();
        assert_eq!(rules.namespaces[0].capabilities, ["list-jobs", "read-job"]);
        assert_eq!(rules.agent.as_ref().map(|a| a.policy.as_str()), Some("read"));
        assert_eq!(p.hash, [0, 1]);
        let old: AclPolicy = serde_json::from_str(r#"{"Name":"x","Rules":""}"#).unwrap();
        assert_eq!(old.rules_json, None);
    }

    /// `ACLsDisabledToken` and `AnonymousACLToken` in `nomad/structs/acl.go` (v1.11.3;
    /// `structs.go` at v1.10.1), written as Nomad's encoder writes them: nil slices, zero
    /// times and the nil `Hash` as `null`.
    #[test]
    fn made_up_tokens_are_written_as_nomad_writes_them() {
        let disabled = serde_json::to_value(AclToken::acls_disabled()).unwrap();
        assert_eq!(
            disabled,
            serde_json::json!({
                "AccessorID": "acls-disabled", "SecretID": "", "Name": "ACLs disabled token", "Type": "client",
                "Policies": null, "Roles": null, "Global": false, "Hash": null, "CreateTime": null,
                "ExpirationTime": null, "ExpirationTTL": 0, "CreateIndex": 0, "ModifyIndex": 0
            })
        );
        let anonymous = serde_json::to_value(AclToken::anonymous()).unwrap();
        assert_eq!(anonymous["AccessorID"], "anonymous");
        assert_eq!(anonymous["Name"], "Anonymous Token");
        assert_eq!(anonymous["Policies"], serde_json::json!(["anonymous"]));
        let back: AclToken = serde_json::from_value(disabled).unwrap();
        assert!(back.is_acls_disabled() && !back.is_anonymous() && back == AclToken::acls_disabled());
    }

    #[test]
    fn stubs_follow_their_struct() {
        let token = AclToken {
            accessor_id: "a".into(),
            secret_id: "s".into(),
            create_time: Some(DateTime(0)),
            ..AclToken::anonymous()
        };
        let stub = serde_json::to_value(token.stub()).unwrap();
        assert_eq!(stub.get("SecretID"), None);
        assert_eq!(stub["CreateTime"], "1970-01-01T00:00:00Z");
        let policy = AclPolicy { name: "p".into(), ..AclPolicy::default() };
        assert_eq!(serde_json::to_value(policy.stub(false)).unwrap().get("JobACL"), None);
        assert_eq!(serde_json::to_value(policy.stub(true)).unwrap()["JobACL"], serde_json::Value::Null);
    }
}
