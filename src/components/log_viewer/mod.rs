//! A live log view: one or more followed streams (a merged view prefixes each line with its
//! task), the connection's state, earlier output on request, what was dropped to stay under
//! the memory cap, the controls and the lines.

mod lines;
mod session;
mod toolbar;

pub use session::Stream;

use crate::api::client::use_client;
use crate::api::logs::StreamState;
use crate::components::error_panel::ErrorPanel;
use crate::components::time::clock;
use crate::session::scope::use_scope;
use leptos::prelude::*;
use lines::{Lines, Position};
use session::{EarlierState, Session};
use toolbar::Toolbar;

#[component]
pub fn LogViewer(alloc: String, streams: Vec<Stream>, #[prop(optional)] plain: bool) -> impl IntoView {
    let session = Session::start(use_client(), use_scope().get_untracked(), alloc, streams, plain);
    let position = Position::new();
    let wrap = RwSignal::new(false);
    let viewport_height = RwSignal::new(600.0);
    let dropped = move || {
        session.version.track();
        session.with(|v| v.store().dropped())
    };
    view! {
        <div class="log-viewer" data-testid="log-viewer" data-plain=plain.to_string()>
            <Toolbar session position wrap viewport_height />
            <Status session />
            <Earlier session />
            {move || {
                (dropped() > 0)
                    .then(|| {
                        view! {
                            <div class="log-dropped" data-testid="log-dropped">
                                {format!(
                                    "{} earlier lines were dropped to stay under the memory cap (download has the whole log)",
                                    dropped(),
                                )}
                            </div>
                        }
                    })
            }}
            <div class="log-pane">
                <Lines session position wrap viewport_height />
                <Show when=move || !position.following.get()>
                    <button
                        type="button"
                        class="log-live primary"
                        data-testid="log-jump-live"
                        on:click=move |_| position.follow()
                    >
                        "↓ Jump to live"
                    </button>
                </Show>
            </div>
        </div>
    }
}

/// The streams' state: live, reconnecting (and when), or why it stopped.
#[component]
fn Status(session: Session) -> impl IntoView {
    let labels: Vec<String> = session.streams().iter().map(|s| s.label().to_string()).collect();
    let merged = labels.len() > 1;
    let now = clock();
    let state = move || {
        let now = now.get();
        session.states.with(|states| {
            let named = |i: usize| {
                if merged {
                    format!("{}: ", labels.get(i).map_or("", String::as_str))
                } else {
                    String::new()
                }
            };
            let (mut failures, mut problems) = (Vec::new(), Vec::new());
            for (i, s) in states.iter().enumerate() {
                match s {
                    StreamState::Failed(e) => failures.push((named(i), e.clone())),
                    StreamState::Broken { reason, retry_at_ms } => {
                        let wait = ((retry_at_ms - now) / 1000.0).ceil().max(0.0);
                        problems.push((
                            "broken",
                            format!("{}connection lost ({reason}); reconnecting in {wait} s", named(i)),
                        ));
                    }
                    StreamState::Resuming => {
                        problems.push(("resuming", format!("{}reconnecting from the last byte shown…", named(i))))
                    }
                    StreamState::Connecting => problems.push(("connecting", format!("{}connecting…", named(i)))),
                    StreamState::Live => {}
                }
            }
            (failures, problems)
        })
    };
    move || {
        let (failures, problems) = state();
        let live = failures.is_empty() && problems.is_empty();
        let kind = problems.first().map_or(if live { "live" } else { "failed" }, |p| p.0);
        // "Streaming", not "Live": the page's own live status sits just above.
        let text = if live {
            "Streaming".to_string()
        } else {
            problems.into_iter().map(|p| p.1).collect::<Vec<_>>().join(" · ")
        };
        view! {
            <div class="live-status log-status" data-testid="log-status" data-state=kind>
                <span class="live-dot"></span>
                <span>{text}</span>
            </div>
            {failures
                .into_iter()
                .map(|(name, e)| {
                    view! {
                        <div data-testid="log-error">
                            {(!name.is_empty()).then(|| view! { <strong>{name}</strong> })} <ErrorPanel error=e />
                        </div>
                    }
                })
                .collect_view()}
        }
    }
}

/// The bar above the lines: load earlier output, or where the output starts.
#[component]
fn Earlier(session: Session) -> impl IntoView {
    move || {
        let (text, button) = match session.earlier.get() {
            EarlierState::More => ("Showing recent output.".to_string(), true),
            EarlierState::Loading => ("Loading earlier output…".to_string(), false),
            EarlierState::AtStart => ("Start of the log.".to_string(), false),
            EarlierState::Unavailable => return None,
            EarlierState::Failed(e) => (format!("Earlier output could not be loaded: {e}"), true),
        };
        let state = match session.earlier.get() {
            EarlierState::More => "more",
            EarlierState::Loading => "loading",
            EarlierState::AtStart => "start",
            _ => "failed",
        };
        Some(view! {
            <div class="log-earlier muted small" data-testid="log-earlier" data-state=state>
                <span>{text}</span>
                {button
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                data-testid="log-load-earlier"
                                on:click=move |_| session.load_earlier()
                            >
                                "Load earlier output"
                            </button>
                        }
                    })}
            </div>
        })
    }
}
