//! How a live list is fed, shown beside it: by the event stream, or by blocking queries
//! because the stream cannot be had. Which answers mean "no stream here" (fall back for the
//! life of the view) and which are passing trouble (try the stream again) is decided here,
//! natively tested.

use super::error::ApiError;
use nomad_api::event::BROKER_NOT_CONFIGURED;

/// The engine feeding a live list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedMode {
    /// A snapshot, then the event stream's changes.
    Events,
    /// The blocking-query engine re-reading the list; why the stream is not used.
    Blocking(String),
}

impl FeedMode {
    /// `data-mode` on the status line.
    pub fn key(&self) -> &'static str {
        match self {
            FeedMode::Events => "events",
            FeedMode::Blocking(_) => "blocking",
        }
    }

    /// The status line's words.
    pub fn describe(&self) -> String {
        match self {
            FeedMode::Events => "event stream".into(),
            FeedMode::Blocking(why) => format!("blocking queries: {why}"),
        }
    }
}

/// Seconds the stream's opening `{}` may take (Nomad writes it at once, `NewJsonStream`);
/// later, a proxy that buffers the stream is the likely cause.
pub const OPENING_TIMEOUT_S: u64 = 5;

/// Why an answer to opening the stream means this view cannot have one; `None` when trying
/// again may help.
pub fn refusal(error: &ApiError) -> Option<String> {
    match error {
        ApiError::Forbidden { .. } => Some("the token may not read the event stream".into()),
        ApiError::NotFound(_) => Some("the agent has no event stream".into()),
        ApiError::Status { message, .. } if message.contains(BROKER_NOT_CONFIGURED) => {
            Some("the agent's event broker is disabled".into())
        }
        // 400 (a parameter refused), 405, 501: this agent will not change its mind.
        ApiError::Status { status, message } if (400..500).contains(status) || *status == 501 => {
            Some(format!("the event stream was refused ({status}: {message})"))
        }
        _ => None,
    }
}

/// The reason given when the stream twice closed before its opening line (Nomad 1.11 with
/// its event broker disabled answers 200 and closes: `command/agent/event_endpoint.go`
/// writes the headers before the subscription is tried).
pub fn unopened_reason() -> String {
    "the event stream closed before it opened (the agent's event broker may be disabled)".into()
}

/// The reason given when the stream stayed silent after opening.
pub fn silent_reason() -> String {
    format!("the event stream sent nothing within {OPENING_TIMEOUT_S} s (a proxy may be buffering it)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acl::Capability;

    #[test]
    fn refusals_fall_back_and_trouble_retries() {
        let needs = Capability::Namespace("read-job");
        assert!(refusal(&ApiError::from_status(403, "Permission denied", needs)).is_some());
        assert!(refusal(&ApiError::from_status(404, "Invalid URL path", needs)).is_some());
        // `--no-event-broker`, as Nomad with `event_publisher` off answers (500).
        let off = ApiError::from_status(500, "EventBroker not configured", needs);
        assert_eq!(refusal(&off).as_deref(), Some("the agent's event broker is disabled"));
        assert!(refusal(&ApiError::from_status(400, "Invalid topic query", needs)).unwrap().contains("400"));
        assert_eq!(refusal(&ApiError::from_status(500, "rpc error: leader lost", needs)), None);
        assert_eq!(refusal(&ApiError::from_status(502, "Bad Gateway", needs)), None);
        assert_eq!(refusal(&ApiError::Network("Failed to fetch".into())), None);
        assert_eq!(FeedMode::Blocking(silent_reason()).key(), "blocking");
    }
}
