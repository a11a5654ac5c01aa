//! Who the token is: `/v1/acl/token/self` and the policies it names, looked up whenever the
//! token or the agent changes.

use super::Session;
use crate::acl::Permissions;
use crate::api::client::Client;
use crate::api::endpoints;
use crate::api::ApiError;
use leptos::prelude::*;
use leptos::task::spawn_local_scoped_with_cancellation;
use nomad_api::{AclPolicy, AclToken};

#[derive(Debug, Clone, PartialEq)]
pub enum Identity {
    Checking,
    /// The agent runs without ACLs: everything is allowed.
    AclDisabled,
    /// ACLs are on and no token is set.
    Anonymous,
    /// The token and those of its policies the agent let us read.
    Token { token: AclToken, policies: Vec<AclPolicy> },
    /// The agent refused the token (unknown, expired).
    Rejected(ApiError),
    /// The lookup failed otherwise (agent unreachable): nothing is assumed.
    Unknown(ApiError),
}

impl Identity {
    pub fn permissions(&self) -> Permissions {
        match self {
            Identity::Checking | Identity::AclDisabled | Identity::Unknown(_) => Permissions::Unrestricted,
            Identity::Anonymous | Identity::Rejected(_) => Permissions::Anonymous,
            Identity::Token { token, policies } => Permissions::of_token(token, policies.clone()),
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
    match client.read::<AclToken>(&endpoints::token_self()).await {
        Ok(token) => {
            let mut policies = Vec::new();
            for name in &token.policies {
                // A client token may read its own policies. A deleted one grants nothing; any
                // other failure leaves the rights unknown, and the agent has the last word.
                match client.read::<AclPolicy>(&endpoints::acl_policy(name)).await {
                    Ok(p) => policies.push(p),
                    Err(ApiError::NotFound(_)) => {}
                    Err(e) => return Identity::Unknown(e),
                }
            }
            Identity::Token { token, policies }
        }
        Err(ApiError::Status { message, .. }) if message.contains("ACL support disabled") => Identity::AclDisabled,
        Err(e @ (ApiError::Forbidden { .. } | ApiError::NotFound(_))) => {
            if has_token {
                Identity::Rejected(e)
            } else {
                Identity::Anonymous
            }
        }
        Err(e) => Identity::Unknown(e),
    }
}
