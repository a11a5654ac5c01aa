//! The log viewer's controls: search (count, next and previous, case and regex), filter to
//! matches with context, wrap, follow, copy and download.

use super::lines::Position;
use super::session::Session;
use crate::components::blob;
use crate::model::format::count;
use leptos::prelude::*;
use leptos::task::spawn_local_scoped;
use log_view::search::Query;
use wasm_bindgen_futures::JsFuture;

/// Most lines of context around a match when filtering.
const MAX_CONTEXT: usize = 50;

#[component]
pub fn Toolbar(
    session: Session,
    position: Position,
    wrap: RwSignal<bool>,
    viewport_height: RwSignal<f64>,
) -> impl IntoView {
    let query = RwSignal::new(Query::default());
    let search_error = RwSignal::new(None::<String>);
    let filter_on = RwSignal::new(false);
    let context = RwSignal::new(0usize);
    let notice = RwSignal::new(None::<String>);

    Effect::new(move |_| {
        let q = query.get();
        search_error.set(session.update(|v| v.set_search(&q)).err());
    });
    Effect::new(move |_| {
        let filter = filter_on.get().then(|| context.get());
        session.update(|v| v.set_filter(filter));
    });

    let counts = move || {
        session.version.track();
        session.with(|v| (v.current_match(), v.match_count()))
    };
    let step = move |forward: bool| {
        let from = position.anchor.get_untracked().map_or(i64::MIN, |a| a.number);
        if let Some(line) = session.update(|v| v.step(forward, from)) {
            position.show(line, viewport_height.get_untracked());
        }
    };
    let set_text = move |text: String| query.update(|q| q.text = text);
    let copy = move |_| {
        let text = session.with(|v| v.text());
        let lines = text.lines().count();
        spawn_local_scoped(async move {
            let done = JsFuture::from(window().navigator().clipboard().write_text(&text)).await;
            notice.set(Some(match done {
                Ok(_) => format!("Copied {lines} lines"),
                Err(_) => "The browser refused to copy".into(),
            }));
        });
    };
    let download = move |_| {
        notice.set(Some("Downloading…".into()));
        spawn_local_scoped(async move {
            let result = match session.whole().await {
                Ok(files) => files
                    .iter()
                    .try_for_each(|(name, bytes)| blob::save(name, bytes, "text/plain;charset=utf-8"))
                    .map(|_| files.len()),
                Err(e) => Err(e.to_string()),
            };
            notice.set(Some(match result {
                Ok(n) => format!("Downloaded {}", count(n, "file", "files")),
                Err(e) => format!("Download failed: {e}"),
            }));
        });
    };

    view! {
        <div class="log-toolbar toolbar" data-testid="log-toolbar">
            <input
                type="search"
                placeholder="Search"
                spellcheck="false"
                data-testid="log-search"
                aria-label="Search the output"
                prop:value=move || query.with(|q| q.text.clone())
                on:input=move |ev| set_text(event_target_value(&ev))
                on:keydown=move |ev| {
                    if ev.key() == "Enter" {
                        step(!ev.shift_key())
                    }
                }
            />
            <label class="inline toggle" title="Match case">
                <input
                    type="checkbox"
                    data-testid="log-search-case"
                    prop:checked=move || query.with(|q| q.case_sensitive)
                    on:change=move |ev| query.update(|q| q.case_sensitive = event_target_checked(&ev))
                />
                "Aa"
            </label>
            <label class="inline toggle" title="Regular expression">
                <input
                    type="checkbox"
                    data-testid="log-search-regex"
                    prop:checked=move || query.with(|q| q.regex)
                    on:change=move |ev| query.update(|q| q.regex = event_target_checked(&ev))
                />
                ".*"
            </label>
            <span class="log-count muted" data-testid="log-search-count">
                {move || match (search_error.get(), counts()) {
                    (Some(e), _) => e,
                    (None, _) if query.with(|q| q.text.is_empty()) => String::new(),
                    (None, (Some(c), n)) => format!("{} of {n}", c + 1),
                    (None, (None, n)) => count(n, "match", "matches"),
                }}
            </span>
            <button
                type="button"
                data-testid="log-search-prev"
                title="Previous match (Shift+Enter)"
                on:click=move |_| step(false)
            >
                "↑"
            </button>
            <button type="button" data-testid="log-search-next" title="Next match (Enter)" on:click=move |_| step(true)>
                "↓"
            </button>
            <label class="inline">
                <input
                    type="checkbox"
                    data-testid="log-filter"
                    prop:checked=filter_on
                    on:change=move |ev| filter_on.set(event_target_checked(&ev))
                />
                "Only matching lines"
            </label>
            <label class="inline" title="Lines of context around each match">
                "±"
                <input
                    type="number"
                    min="0"
                    max=MAX_CONTEXT.to_string()
                    class="log-context"
                    data-testid="log-filter-context"
                    prop:value=move || context.get().to_string()
                    on:input=move |ev| {
                        context.set(event_target_value(&ev).parse::<usize>().unwrap_or(0).min(MAX_CONTEXT))
                    }
                />
            </label>
            <span class="log-tools">
                <label class="inline">
                    <input
                        type="checkbox"
                        data-testid="log-wrap"
                        prop:checked=wrap
                        on:change=move |ev| wrap.set(event_target_checked(&ev))
                    />
                    "Wrap"
                </label>
                <button
                    type="button"
                    data-testid="log-follow"
                    aria-pressed=move || position.following.get().to_string()
                    on:click=move |_| {
                        if position.following.get_untracked() { position.pause() } else { position.follow() }
                    }
                >
                    {move || if position.following.get() { "Pause" } else { "Follow" }}
                </button>
                <button type="button" data-testid="log-copy" title="Copy the retained output" on:click=copy>
                    "Copy"
                </button>
                <button
                    type="button"
                    data-testid="log-download"
                    title="Download the whole log, every rotated file"
                    on:click=download
                >
                    "Download"
                </button>
            </span>
            {move || {
                notice
                    .get()
                    .map(|n| {
                        view! {
                            <span class="muted small" data-testid="log-notice">
                                {n}
                            </span>
                        }
                    })
            }}
        </div>
    }
}
