//! What a `/v1/acl/token/self` answer says about the caller, whichever release answered. It
//! reads `ApiError`s, so it sits with them in `api` (not in `acl`, which `api` imports for
//! the capabilities its endpoints need: no module cycle).

use super::ApiError;
use nomad_api::acl::{
    AclToken, ACLS_DISABLED_ACCESSOR_ID, ACL_DISABLED, ANONYMOUS_ACCESSOR_ID, NOT_A_SIGNED_TOKEN, TOKEN_EXPIRED,
    TOKEN_LOOKUP_FAILED, TOKEN_NOT_FOUND,
};

/// What a `/v1/acl/token/self` answer says about the caller, whichever release answered.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenSelf {
    /// ACLs are off: 400 `ACL support disabled` before 1.10.1, the `acls-disabled` token from
    /// 1.10.1 (`ACL.WhoAmI`).
    AclDisabled,
    /// ACLs are on and no token was sent: 500 `acl token lookup failed: missing secret id`
    /// before 1.10.1, the `anonymous` token from 1.10.1.
    Anonymous,
    /// The token sent.
    Token(AclToken),
    /// The token sent is not one the cluster knows (unknown, expired, malformed): 404
    /// (unknown) or 500 (not a UUID) before 1.10.1; 403 (unknown) or 500 (expired, not a
    /// UUID) from 1.10.1.
    Rejected(ApiError),
    /// Anything else (the agent is unreachable): nothing is known.
    Unknown(ApiError),
}

impl TokenSelf {
    /// A 2xx answer holding one of the tokens Nomad makes up from 1.10.1 (`acls-disabled`,
    /// `anonymous`: `nomad/acl_endpoint.go` `WhoAmI`), told from its `AccessorID` alone; `None`
    /// for any other body. A cluster without ACLs then never needs the decoder of a whole
    /// token, which is in the ACL chunk (`session::identity`).
    pub fn made_up(body: &[u8]) -> Option<TokenSelf> {
        #[derive(serde::Deserialize)]
        struct Accessor {
            #[serde(rename = "AccessorID", default)]
            accessor_id: String,
        }
        let accessor: Accessor = nomad_api::json::from_slice(body).ok()?;
        match accessor.accessor_id.as_str() {
            ACLS_DISABLED_ACCESSOR_ID => Some(TokenSelf::AclDisabled),
            ANONYMOUS_ACCESSOR_ID => Some(TokenSelf::Anonymous),
            _ => None,
        }
    }

    pub fn of(answer: Result<AclToken, ApiError>, sent_token: bool) -> TokenSelf {
        let error = match answer {
            Ok(token) if token.is_acls_disabled() => return TokenSelf::AclDisabled,
            Ok(token) if token.is_anonymous() => return TokenSelf::Anonymous,
            Ok(token) => return TokenSelf::Token(token),
            Err(e) => e,
        };
        let refuses_token = match &error {
            ApiError::Status { status: 400, message } if message.contains(ACL_DISABLED) => {
                return TokenSelf::AclDisabled
            }
            ApiError::NotFound(message) => message.contains(TOKEN_NOT_FOUND),
            ApiError::Forbidden { .. } => true,
            // Before 1.10.1 the state store's lookup fails without a secret or with one that
            // is not a UUID; from 1.10.1 the claim parser and the expiry check do.
            ApiError::Status { status: 500, message } => {
                message.starts_with(TOKEN_LOOKUP_FAILED)
                    || message.starts_with(NOT_A_SIGNED_TOKEN)
                    || message.ends_with(TOKEN_EXPIRED)
            }
            _ => false,
        };
        match (refuses_token, sent_token) {
            (true, true) => TokenSelf::Rejected(error),
            (true, false) => TokenSelf::Anonymous,
            (false, _) => TokenSelf::Unknown(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acl::Capability;

    /// From 1.10.1 `ACL.WhoAmI` answers 200 with a made-up token when ACLs are off or no
    /// token was sent (`nomad/acl_endpoint.go`, v1.10.1); its AccessorID says which.
    #[test]
    fn made_up_tokens_are_told_by_their_accessor() {
        let body =
            |t: &AclToken| serde_json::to_vec(&nomad_api::Wire::new(t, nomad_api::NomadVersion::LATEST)).unwrap();
        assert_eq!(TokenSelf::made_up(&body(&AclToken::acls_disabled())), Some(TokenSelf::AclDisabled));
        assert_eq!(TokenSelf::made_up(&body(&AclToken::anonymous())), Some(TokenSelf::Anonymous));
        let real = AclToken { accessor_id: "4b5f5c4e-0c59-4f39-9b40-8a7ac3a1e2d1".into(), ..AclToken::anonymous() };
        assert_eq!(TokenSelf::made_up(&body(&real)), None);
        assert_eq!(TokenSelf::made_up(b"{\"Name\":\"x\"}"), None);
        assert_eq!(TokenSelf::made_up(b"not json"), None);
        assert_eq!(TokenSelf::made_up(b"[]"), None);
    }

    /// `/v1/acl/token/self` by release: `ACL.ResolveToken` before 1.10.1, `ACL.WhoAmI` from
    /// 1.10.1 (`command/agent/acl_endpoint.go`, `nomad/acl_endpoint.go`).
    #[test]
    fn token_self_answers_by_release() {
        let needs = Capability::None;
        let status = |code: u16, body: &str| ApiError::from_status(code, body, needs);
        // ACLs off.
        assert_eq!(TokenSelf::of(Err(status(400, "ACL support disabled")), false), TokenSelf::AclDisabled);
        assert_eq!(TokenSelf::of(Ok(AclToken::acls_disabled()), true), TokenSelf::AclDisabled);
        // No token.
        assert_eq!(
            TokenSelf::of(Err(status(500, "acl token lookup failed: missing secret id")), false),
            TokenSelf::Anonymous
        );
        assert_eq!(TokenSelf::of(Ok(AclToken::anonymous()), false), TokenSelf::Anonymous);
        // A token the cluster does not take.
        for refused in [
            status(404, "ACL token not found"),
            status(403, "Permission denied"),
            status(500, "failed to parse signed token: go-jose/go-jose: compact JWS format must have three parts"),
            status(500, "ACL token expired"),
            status(500, "acl token lookup failed: index error: UUID must be 36 characters"),
        ] {
            assert_eq!(TokenSelf::of(Err(refused.clone()), true), TokenSelf::Rejected(refused));
        }
        let token = AclToken { accessor_id: "a1".into(), name: "ops".into(), ..Default::default() };
        assert_eq!(TokenSelf::of(Ok(token.clone()), true), TokenSelf::Token(token));
        for other in [status(500, "rpc error: No cluster leader"), ApiError::Network("down".into()), status(404, "")] {
            assert_eq!(TokenSelf::of(Err(other.clone()), true), TokenSelf::Unknown(other));
        }
    }
}
