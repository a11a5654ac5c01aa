//! The agent the dashboard talks to, and typed one-shot calls.

use super::endpoints::{Read, Write};
use super::error::ApiError;
use super::fetch::{self, fetch, Answer, Body, Stream};
use leptos::prelude::*;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// Agent address (empty: the dashboard's own origin, as when Nomad serves it) and ACL token.
#[derive(Debug, Clone, Copy)]
pub struct Client {
    pub address: RwSignal<String>,
    pub token: RwSignal<Option<String>>,
}

pub fn use_client() -> Client {
    expect_context::<Client>()
}

/// Decodes a 2xx body (structs from objects only: less wasm, `nomad_api::json`).
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    nomad_api::json::from_slice(body).map_err(|e| ApiError::Malformed(e.to_string()))
}

impl Client {
    pub(crate) fn url(&self, path_and_query: &str) -> String {
        let address = self.address.get_untracked();
        format!("{}{path_and_query}", address.trim().trim_end_matches('/'))
    }

    /// A read, blocking on `index` when given; non-2xx statuses are errors unless the endpoint
    /// answers errors with its usual JSON body.
    pub async fn get(&self, read: &Read, index: Option<u64>, wait: Duration) -> Result<Answer, ApiError> {
        let url = self.url(&read.path_and_query(index, wait));
        let token = self.token.get_untracked();
        let answer = fetch("GET", &url, token.as_deref(), None).await?;
        if answer.ok() || (read.json_on_error && serde_json::from_slice::<serde::de::IgnoredAny>(&answer.body).is_ok())
        {
            Ok(answer)
        } else {
            Err(ApiError::from_status(answer.status, &answer.text(), read.needs))
        }
    }

    /// A read whose body is taken as it arrives (logs, files); a non-2xx answer is an error
    /// with Nomad's text.
    pub async fn stream(&self, read: &Read) -> Result<Body, ApiError> {
        let url = self.url(&read.path_and_query(None, Duration::ZERO));
        let token = self.token.get_untracked();
        match fetch::stream(&url, token.as_deref()).await? {
            Stream::Open(body) => Ok(body),
            Stream::Refused { status, text } => Err(ApiError::from_status(status, &text, read.needs)),
        }
    }

    /// A one-shot read, decoded.
    pub async fn read<T: DeserializeOwned>(&self, read: &Read) -> Result<T, ApiError> {
        let answer = self.get(read, None, Duration::ZERO).await?;
        decode(&answer.body)
    }

    /// A write; the answer's body is returned as text (many are empty).
    pub async fn send(&self, write: &Write) -> Result<String, ApiError> {
        let url = self.url(&write.path_and_query);
        let token = self.token.get_untracked();
        let answer = fetch(write.method, &url, token.as_deref(), write.body.as_deref()).await?;
        if answer.ok() {
            Ok(answer.text())
        } else {
            Err(ApiError::from_status(answer.status, &answer.text(), write.needs))
        }
    }
}
