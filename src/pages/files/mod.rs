//! `/allocations/:id/files?path=`: the allocation directory. A directory is listed (sortable
//! by name, size or modified: `sort=`, `order=desc`); a file is described and shown as text,
//! head and tail, or an image, with its download and (`tail=1`) a live tail.

mod listing;
mod preview;

use crate::api::client::use_client;
use crate::api::endpoints;
use crate::api::ApiError;
use crate::components::error_panel::ErrorPanel;
use crate::model::format::short_id;
use crate::model::route::Page;
use crate::session::scope::{scoped_href, use_scope};
use leptos::prelude::*;
use leptos::task::spawn_local_scoped_with_cancellation;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};
use log_view::files::{breadcrumbs, normalize};
use nomad_api::AllocFileInfo;

/// The link to `path` (relative to the allocation directory) in the file browser.
pub fn files_href(scope: &crate::api::endpoints::Scope, alloc: &str, path: &str) -> String {
    crate::model::url::with_query(&scoped_href(scope, &Page::AllocationFiles(alloc).path()), &[("path", path)])
}

/// What is at the path.
#[derive(Debug, Clone, PartialEq)]
enum Entry {
    Loading,
    Dir(Vec<AllocFileInfo>),
    File(AllocFileInfo),
    Failed(ApiError),
}

#[component]
pub fn FilesPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let scope = use_scope();
    let client = use_client();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let path = Memo::new(move |_| normalize(&query.with(|q| q.get("path").unwrap_or_default())));
    let entry = RwSignal::new(Entry::Loading);
    // Bumped by the refresh button.
    let refresh = RwSignal::new(0u32);

    Effect::new(move |_| {
        refresh.track();
        let (scope, alloc, path) = (scope.get(), id.get(), path.get());
        entry.set(Entry::Loading);
        spawn_local_scoped_with_cancellation(async move {
            // Nomad's root is "/" (an empty path is refused by stat).
            let at = if path.is_empty() { "/".to_string() } else { path };
            let found = match client.read::<AllocFileInfo>(&endpoints::fs_stat(&scope, &alloc, &at)).await {
                Ok(info) if info.is_dir => {
                    client.read::<Vec<AllocFileInfo>>(&endpoints::fs_ls(&scope, &alloc, &at)).await.map(Entry::Dir)
                }
                Ok(info) => Ok(Entry::File(info)),
                Err(e) => Err(e),
            };
            entry.set(found.unwrap_or_else(Entry::Failed));
        });
    });

    let crumbs = move || {
        let (s, alloc) = (scope.get(), id.get());
        let all = breadcrumbs(&path.get());
        let last = all.len().saturating_sub(1);
        all.into_iter()
            .enumerate()
            .map(|(i, (label, to))| {
                let sep = (i > 1).then_some(" / ");
                if i == last {
                    view! {
                        {sep}
                        <strong data-testid="file-crumb" data-path=to>
                            {label}
                        </strong>
                    }
                    .into_any()
                } else {
                    view! {
                        {sep}
                        <A href=files_href(&s, &alloc, &to) attr:data-testid="file-crumb" attr:data-path=to>
                            {label}
                        </A>
                    }
                    .into_any()
                }
            })
            .collect_view()
    };
    let back = move || scoped_href(&scope.get(), &Page::Allocation(&id.get()).path());
    let logs = move || scoped_href(&scope.get(), &Page::AllocationLogs(&id.get()).path());

    view! {
        <div class="page-header">
            <h1>"Files"</h1>
            <A href=back attr:data-testid="files-allocation">
                {move || format!("Allocation {}", short_id(&id.get()))}
            </A>
            <A href=logs attr:data-testid="files-logs">
                "Logs"
            </A>
        </div>
        <nav class="file-crumbs toolbar" data-testid="file-breadcrumbs" aria-label="Path">
            {crumbs}
            <button type="button" data-testid="file-refresh" on:click=move |_| refresh.update(|n| *n += 1)>
                "Refresh"
            </button>
        </nav>
        {move || match entry.get() {
            Entry::Loading => {
                view! {
                    <p class="loading" data-testid="loading">
                        "Loading…"
                    </p>
                }
                    .into_any()
            }
            Entry::Failed(e) => view! { <ErrorPanel error=e /> }.into_any(),
            Entry::Dir(entries) => {
                view! { <listing::Listing alloc=id.get_untracked() dir=path.get_untracked() entries /> }.into_any()
            }
            Entry::File(info) => {
                view! { <preview::FileView alloc=id.get_untracked() path=path.get_untracked() info /> }.into_any()
            }
        }}
    }
}
