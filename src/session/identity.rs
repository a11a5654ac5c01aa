//! Who the token is: `/v1/acl/token/self` and the policies it names, looked up whenever the
//! token or the agent changes. What an answer means is decided in `crate::api::token_self::TokenSelf`;
//! this only drives the requests.

use super::Session;
use crate::acl::Permissions;
use crate::api::client::Client;
use crate::api::endpoints;
use crate::api::token_self::TokenSelf;
use crate::api::ApiError;
use leptos::prelude::*;
use leptos::task::spawn_local_scoped_with_cancellation;
use nomad_api::{AclPolicy, AclToken};

#[derive(Debug, Clone, PartialEq)]
pub enum Identity {
    Checking,
    /// The agent runs without ACLs: everything is allowed.
    AclDisabled,
    /// ACLs are on and no token is set: the cluster's `anonymous` policy applies, which any
    /// caller may read (`None`: the cluster has none, so nothing is allowed).
    Anonymous {
        policy: Option<AclPolicy>,
    },
    /// The token and those of its policies the agent let us read.
    Token {
        token: AclToken,
        policies: Vec<AclPolicy>,
    },
    /// The agent refused the token (unknown, expired).
    Rejected(ApiError),
    /// The lookup failed otherwise (agent unreachable): nothing is assumed.
    Unknown(ApiError),
}

impl Identity {
    pub fn permissions(&self) -> Permissions {
        match self {
            Identity::Checking | Identity::AclDisabled | Identity::Unknown(_) => Permissions::Unrestricted,
            Identity::Anonymous { policy } => Permissions::anonymous(policy.as_ref()),
            Identity::Rejected(_) => Permissions::Refused,
            Identity::Token { token, policies } => Permissions::of_token(token, policies),
        }
    }
}

/// Keeps `session.identity` up to date.
pub(super) fn watch(session: Session) {
    Effect::new(move |_| {
        let has_token = session.client.token.with(Option::is_some);
        session.client.address.track();
        session.identity.set(Identity::Checking);
        spawn_local_scoped_with_cancellation(async move {
            let identity = look_up(session.client, has_token).await;
            session.identity.set(identity);
        });
    });
}

async fn look_up(client: Client, has_token: bool) -> Identity {
    let answer = client.read::<AclToken>(&endpoints::token_self()).await;
    match TokenSelf::of(answer, has_token) {
        TokenSelf::AclDisabled => Identity::AclDisabled,
        TokenSelf::Anonymous => match read_policy(client, nomad_api::acl::ANONYMOUS_POLICY).await {
            Ok(policy) => Identity::Anonymous { policy },
            Err(e) => Identity::Unknown(e),
        },
        TokenSelf::Token(token) => {
            let mut policies = Vec::new();
            for name in &token.policies {
                match read_policy(client, name).await {
                    Ok(p) => policies.extend(p),
                    Err(e) => return Identity::Unknown(e),
                }
            }
            Identity::Token { token, policies }
        }
        TokenSelf::Rejected(e) => Identity::Rejected(e),
        TokenSelf::Unknown(e) => Identity::Unknown(e),
    }
}

/// A policy the caller may read (its token's, or `anonymous`). A missing one grants nothing;
/// any other failure leaves the rights unknown, and the agent has the last word.
async fn read_policy(client: Client, name: &str) -> Result<Option<AclPolicy>, ApiError> {
    match client.read::<AclPolicy>(&endpoints::acl_policy(name)).await {
        Ok(p) => Ok(Some(p)),
        Err(ApiError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}
