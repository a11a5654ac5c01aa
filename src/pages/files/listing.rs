//! A directory of the allocation: directories first, sortable by name, size or modified
//! (the order is in the URL).

use super::files_href;
use crate::components::query_nav::use_set_query;
use crate::components::time::RelativeTime;
use crate::model::format::bytes;
use crate::session::scope::use_scope;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use log_view::files::{join, parent, sort_entries, SortKey};
use nomad_api::AllocFileInfo;

#[component]
pub fn Listing(alloc: String, dir: String, entries: Vec<AllocFileInfo>) -> impl IntoView {
    let query = use_query_map();
    let scope = use_scope();
    let set_query = use_set_query();
    let sort = Memo::new(move |_| query.with(|q| SortKey::parse(&q.get("sort").unwrap_or_default())));
    let ascending = Memo::new(move |_| query.with(|q| q.get("order").as_deref() != Some("desc")));
    let shown = Memo::new(move |_| {
        let mut e = entries.clone();
        sort_entries(&mut e, sort.get(), ascending.get());
        e
    });
    let header = move |key: SortKey, title: &'static str| {
        let set_query = set_query.clone();
        let state = move || match (sort.get() == key, ascending.get()) {
            (false, _) => "none",
            (true, true) => "ascending",
            (true, false) => "descending",
        };
        view! {
            <th aria-sort=state>
                <button
                    type="button"
                    class="sort"
                    data-testid=format!("file-sort-{}", key.as_str())
                    on:click=move |_| {
                        let desc = sort.get_untracked() == key && ascending.get_untracked();
                        set_query(&[("sort", key.as_str()), ("order", if desc { "desc" } else { "" })]);
                    }
                >
                    {title}
                    {move || match state() {
                        "ascending" => " ▲",
                        "descending" => " ▼",
                        _ => "",
                    }}
                </button>
            </th>
        }
    };
    let up = (!dir.is_empty()).then(|| {
        let href = files_href(&scope.get_untracked(), &alloc, &parent(&dir));
        view! {
            <tr>
                <td colspan="4">
                    <A href=href attr:data-testid="file-up">
                        ".."
                    </A>
                </td>
            </tr>
        }
    });
    let row = move |f: AllocFileInfo| {
        let href = files_href(&scope.get_untracked(), &alloc, &join(&dir, &f.name));
        let name = if f.is_dir { format!("{}/", f.name) } else { f.name.clone() };
        view! {
            <tr data-testid="file-entry" data-name=f.name.clone() data-dir=f.is_dir.to_string()>
                <td>
                    <A href=href>{name}</A>
                </td>
                <td class="num">{(!f.is_dir).then(|| bytes(f.size.max(0) as u64))}</td>
                <td class="mono small">{f.file_mode.clone()}</td>
                <td>
                    <RelativeTime ms=f.mod_time.as_unix_millis() />
                </td>
            </tr>
        }
    };
    view! {
        <section class="panel" data-testid="file-listing">
            <table class="table">
                <thead>
                    <tr>
                        {header(SortKey::Name, "Name")}{header(SortKey::Size, "Size")}<th>"Mode"</th>
                        {header(SortKey::Modified, "Modified")}
                    </tr>
                </thead>
                <tbody>{up} {move || shown.get().into_iter().map(row.clone()).collect_view()}</tbody>
            </table>
            {move || shown.with(Vec::is_empty).then(|| view! { <p class="muted">"Empty directory."</p> })}
        </section>
    }
}
