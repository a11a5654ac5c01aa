//! How fresh a live view is: live, loading, or stale since the last good read (and why),
//! plus the cluster's leader status from the blocking query's headers.

use crate::api::feed_mode::FeedMode;
use crate::api::live::{LiveState, HIGH_LAST_CONTACT_MS};
use crate::components::time::{absolute, clock};
use crate::model::format::relative;
use leptos::prelude::*;

fn state_name(s: &LiveState) -> &'static str {
    match s {
        s if s.loading => "loading",
        s if s.stale() => "stale",
        s if s.error.is_some() => "error",
        _ => "live",
    }
}

#[component]
pub fn LiveStatus(state: ReadSignal<LiveState>) -> impl IntoView {
    let now = clock();
    let text = move || {
        let now = now.get();
        state.with(|s| match state_name(s) {
            "loading" => "Loading…".to_string(),
            "live" => {
                let mode = s.mode.as_ref().map(|m| format!(" · {}", m.describe())).unwrap_or_default();
                let filling = if s.filling { " · loading the rest of the list…" } else { "" };
                format!("Live{mode}{filling}")
            }
            name => {
                let since = s
                    .last_ok_ms
                    .map(|t| format!(" Last good read {} ({}).", relative(t, now), absolute(t)))
                    .unwrap_or_default();
                let retry = s
                    .retry_at_ms
                    .map(|t| {
                        if t > now {
                            format!(" Retrying in {}s.", ((t - now) / 1000.0).ceil() as u64)
                        } else {
                            " Retrying…".into()
                        }
                    })
                    .unwrap_or_default();
                let error = s.error.as_ref().map(ToString::to_string).unwrap_or_default();
                let label = if name == "stale" { "Stale" } else { "Error" };
                format!("{label}: {error}.{since}{retry}")
            }
        })
    };
    let leader = move || {
        state.with(|s| {
            let meta = s.meta?;
            if !meta.known_leader {
                Some("No cluster leader is known: data may be out of date.".to_string())
            } else if meta.last_contact_ms > HIGH_LAST_CONTACT_MS {
                Some(format!("The answering server last heard from the leader {}s ago.", meta.last_contact_ms / 1000))
            } else {
                None
            }
        })
    };
    view! {
        <div
            class="live-status"
            data-testid="live-status"
            data-state=move || state.with(state_name)
            data-mode=move || state.with(|s| s.mode.as_ref().map(FeedMode::key))
            data-filling=move || state.with(|s| s.filling)
        >
            <span class="live-dot"></span>
            <span class="live-text">{text}</span>
            {move || {
                leader()
                    .map(|l| {
                        view! {
                            <span class="leader-warning" data-testid="leader-warning">
                                {l}
                            </span>
                        }
                    })
            }}
        </div>
    }
}
