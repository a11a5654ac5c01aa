//! Who the token is: `/v1/acl/token/self` and the policies it names, looked up whenever the
//! token or the agent changes. What an answer means is decided in `crate::api::token_self::TokenSelf`;
//! this only drives the requests.

use super::Session;
use crate::acl::Permissions;
use crate::api::client::{self, Client};
use crate::api::endpoints;
use crate::api::token_self::TokenSelf;
use crate::api::ApiError;
use leptos::prelude::*;
use leptos::task::spawn_local_scoped_with_cancellation;
use leptos::wasm_split::{wasm_split, SplitLoaderError};
use nomad_api::{AclPolicy, AclToken};
use std::time::Duration;

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
    let token_self = match client.get(&endpoints::token_self(), None, Duration::ZERO).await {
        Ok(answer) => match TokenSelf::made_up(&answer.body) {
            Some(made_up) => made_up,
            None => TokenSelf::of(decode_token(answer.body).await, has_token),
        },
        Err(e) => TokenSelf::of(Err(e), has_token),
    };
    match token_self {
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
    match client.get(&endpoints::acl_policy(name), None, Duration::ZERO).await {
        Ok(answer) => decode_policy(answer.body).await.map(Some),
        Err(ApiError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The decoders of a token and of a policy are large (base64 hashes, times, a policy's
/// rules: namespaces, variables, host volumes, each with its capabilities), and only a
/// cluster with ACLs on needs them, so they are a wasm chunk of their own, fetched with the
/// first real token or policy read rather than with every first load.
#[wasm_split(acl_chunk, fallible, wasm_split_path = ::leptos::wasm_split)]
fn decode_policy(body: Vec<u8>) -> Result<AclPolicy, ApiError> {
    client::decode(&body)
}

/// See [`decode_policy`].
#[wasm_split(acl_chunk, fallible, wasm_split_path = ::leptos::wasm_split)]
fn decode_token(body: Vec<u8>) -> Result<AclToken, ApiError> {
    client::decode(&body)
}

/// The policy chunk did not arrive: as unreachable as an agent that does not answer, so the
/// rights stay unknown and the agent has the last word.
impl From<SplitLoaderError> for ApiError {
    fn from(e: SplitLoaderError) -> Self {
        ApiError::Network(format!("part of the dashboard could not be fetched ({e})"))
    }
}
