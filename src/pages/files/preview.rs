//! One file: what `stat` says, its download, and its contents as text (whole when small,
//! head and tail when large), an image, or (`tail=1`) a live tail of the growing file.

use crate::api::client::use_client;
use crate::api::endpoints::{self, Scope};
use crate::api::logs::read_raw;
use crate::api::ApiError;
use crate::components::blob;
use crate::components::error_panel::ErrorPanel;
use crate::components::log_viewer::{LogViewer, Stream};
use crate::components::query_nav::use_set_query;
use crate::components::time::{absolute, RelativeTime};
use crate::model::format::bytes;
use crate::session::scope::use_scope;
use leptos::prelude::*;
use leptos::task::{spawn_local_scoped, spawn_local_scoped_with_cancellation};
use leptos_router::hooks::use_query_map;
use log_view::files::{preview, Preview};
use nomad_api::AllocFileInfo;

/// What is shown of the file.
enum Shown {
    Loading,
    Text(String),
    HeadTail {
        head: String,
        skipped: u64,
        tail: String,
    },
    /// A `data:` URL.
    Image(String),
    Binary,
    Failed(ApiError),
}

#[component]
pub fn FileView(alloc: String, path: String, info: AllocFileInfo) -> impl IntoView {
    let query = use_query_map();
    let set_query = use_set_query();
    let scope = use_scope().get_untracked();
    let client = use_client();
    let tail = Memo::new(move |_| query.with(|q| q.get("tail").is_some_and(|v| !v.is_empty())));
    let shown = StoredValue::new_local(Shown::Loading);
    let loaded = RwSignal::new(0u32);
    let notice = RwSignal::new(None::<String>);
    let name = path.rsplit('/').next().unwrap_or(&path).to_string();
    let mime =
        if info.content_type.is_empty() { "application/octet-stream".to_string() } else { info.content_type.clone() };

    {
        let (scope, alloc, path, info, mime) = (scope.clone(), alloc.clone(), path.clone(), info.clone(), mime.clone());
        spawn_local_scoped_with_cancellation(async move {
            let result = load(&client, &scope, &alloc, &path, &info, &mime).await;
            shown.set_value(result.unwrap_or_else(Shown::Failed));
            loaded.update(|n| *n += 1);
        });
    }

    let download = {
        let (scope, alloc, path, name, mime) = (scope.clone(), alloc.clone(), path.clone(), name.clone(), mime.clone());
        move |_| {
            let (scope, alloc, path, name, mime) =
                (scope.clone(), alloc.clone(), path.clone(), name.clone(), mime.clone());
            notice.set(Some("Downloading…".into()));
            spawn_local_scoped(async move {
                let result = match read_raw(&client, &endpoints::fs_cat(&scope, &alloc, &path)).await {
                    Ok(body) => blob::save(&name, &body, &mime).map(|_| body.len()),
                    Err(e) => Err(e.to_string()),
                };
                notice.set(Some(match result {
                    Ok(n) => format!("Downloaded {}", bytes(n as u64)),
                    Err(e) => format!("Download failed: {e}"),
                }));
            });
        }
    };
    let toggle_tail = move |_| set_query(&[("tail", if tail.get_untracked() { "" } else { "1" })]);
    let contents = move || {
        loaded.track();
        shown.with_value(|s| match s {
            Shown::Loading => view! { <p class="loading">"Loading…"</p> }.into_any(),
            Shown::Text(text) => view! {
                <pre class="file-text" data-testid="file-text">
                    {text.clone()}
                </pre>
            }
            .into_any(),
            Shown::HeadTail { head, skipped, tail } => view! {
                <pre class="file-text" data-testid="file-head">
                    {head.clone()}
                </pre>
                <p class="file-skipped muted" data-testid="file-skipped">
                    {format!("… {} not shown …", bytes(*skipped))}
                </p>
                <pre class="file-text" data-testid="file-tail-text">
                    {tail.clone()}
                </pre>
            }
            .into_any(),
            Shown::Image(url) => {
                view! { <img class="file-image" data-testid="file-image" src=url.clone() alt=name.clone() /> }
                    .into_any()
            }
            Shown::Binary => view! {
                <p class="muted" data-testid="file-binary">
                    "Not shown (binary). Download it instead."
                </p>
            }
            .into_any(),
            Shown::Failed(e) => view! { <ErrorPanel error=e.clone() /> }.into_any(),
        })
    };
    let tail_stream = vec![Stream::File { path: path.clone() }];
    view! {
        <section class="panel" data-testid="file-view" data-path=path.clone()>
            <dl class="kv">
                <dt>"Size"</dt>
                <dd data-testid="file-size">{format!("{} ({} bytes)", bytes(info.size.max(0) as u64), info.size)}</dd>
                <dt>"Mode"</dt>
                <dd class="mono">{info.file_mode.clone()}</dd>
                <dt>"Modified"</dt>
                <dd>
                    <RelativeTime ms=info.mod_time.as_unix_millis() />
                    " "
                    <span class="muted">{absolute(info.mod_time.as_unix_millis())}</span>
                </dd>
                <dt>"Type"</dt>
                <dd data-testid="file-type">{info.content_type.clone()}</dd>
            </dl>
            <div class="toolbar file-actions">
                <button type="button" data-testid="file-download" on:click=download>
                    "Download"
                </button>
                <button
                    type="button"
                    data-testid="file-tail"
                    aria-pressed=move || tail.get().to_string()
                    on:click=toggle_tail
                >
                    {move || if tail.get() { "Stop tailing" } else { "Tail (follow as it grows)" }}
                </button>
                {move || {
                    notice
                        .get()
                        .map(|n| {
                            view! {
                                <span class="muted small" data-testid="file-notice">
                                    {n}
                                </span>
                            }
                        })
                }}
            </div>
            {move || {
                if tail.get() {
                    view! { <LogViewer alloc=alloc.clone() streams=tail_stream.clone() /> }.into_any()
                } else {
                    contents().into_any()
                }
            }}
        </section>
    }
}

async fn load(
    client: &crate::api::client::Client,
    scope: &Scope,
    alloc: &str,
    path: &str,
    info: &AllocFileInfo,
    mime: &str,
) -> Result<Shown, ApiError> {
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    Ok(match preview(info) {
        Preview::Text => Shown::Text(text(read_raw(client, &endpoints::fs_cat(scope, alloc, path)).await?)),
        Preview::HeadTail { head, tail } => {
            let read = |r: std::ops::Range<u64>| endpoints::fs_readat(scope, alloc, path, r.start, r.end - r.start);
            let skipped = tail.start.saturating_sub(head.end);
            let head = text(read_raw(client, &read(head)).await?);
            let tail = text(read_raw(client, &read(tail)).await?);
            Shown::HeadTail { head, skipped, tail }
        }
        Preview::Image => {
            let body = read_raw(client, &endpoints::fs_cat(scope, alloc, path)).await?;
            Shown::Image(blob::data_url(&body, mime).map_err(ApiError::Malformed)?)
        }
        Preview::Binary => Shown::Binary,
    })
}
