//! Connection and identity: the agent's address, the ACL token and how it is kept, the
//! stale-reads setting, and what the token may do.

pub mod identity;
pub mod routes;
pub mod scope;
pub mod storage;

use crate::acl::Permissions;
use crate::api::client::Client;
use identity::Identity;
use leptos::prelude::*;

#[derive(Debug, Clone, Copy)]
pub struct Session {
    pub client: Client,
    /// The token is kept in `sessionStorage` (gone when the browser closes).
    pub session_only: RwSignal<bool>,
    /// Reads may be served by any server, not just the leader (`?stale`).
    pub stale: RwSignal<bool>,
    pub identity: RwSignal<Identity>,
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

impl Session {
    /// Restores the settings and provides the session and its client as context.
    pub fn provide() -> Session {
        let session_token = storage::get(storage::TOKEN, true);
        let session_only = session_token.is_some();
        let token = session_token.or_else(|| storage::get(storage::TOKEN, false));
        let client = Client {
            address: RwSignal::new(storage::get(storage::ADDRESS, false).unwrap_or_else(default_address)),
            token: RwSignal::new(token),
        };
        let session = Session {
            client,
            session_only: RwSignal::new(session_only),
            stale: RwSignal::new(storage::get(storage::STALE, false).is_some_and(|v| v == "true")),
            identity: RwSignal::new(Identity::Checking),
        };
        provide_context(client);
        provide_context(session);
        identity::watch(session);
        session
    }

    pub fn sign_in(&self, token: String, session_only: bool) {
        // Never both: a token kept in one place is removed from the other.
        storage::set(storage::TOKEN, Some(&token), session_only);
        storage::set(storage::TOKEN, None, !session_only);
        self.session_only.set(session_only);
        self.client.token.set(Some(token));
    }

    pub fn sign_out(&self) {
        storage::set(storage::TOKEN, None, true);
        storage::set(storage::TOKEN, None, false);
        self.client.token.set(None);
    }

    /// Empty: the deployment's address (config.json), else the dashboard's own origin.
    pub fn set_address(&self, address: String) {
        let address = address.trim().trim_end_matches('/').to_string();
        storage::set(storage::ADDRESS, Some(&address).filter(|a| !a.is_empty()).map(|a| a.as_str()), false);
        self.client.address.set(if address.is_empty() { default_address() } else { address });
    }

    pub fn set_stale(&self, on: bool) {
        storage::set(storage::STALE, on.then_some("true"), false);
        self.stale.set(on);
    }

    /// Tracked: views re-render when the identity changes.
    pub fn permissions(&self) -> Permissions {
        self.identity.with(Identity::permissions)
    }
}

/// The address when the user has chosen none: config.json's (empty: the page's own origin).
fn default_address() -> String {
    crate::deployment::config().address.clone()
}
