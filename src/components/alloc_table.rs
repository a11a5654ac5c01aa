//! The allocations table: facet filters, search and sort held in the page URL, and virtual
//! scrolling so that only the rows in view exist in the DOM (10,000+ rows stay smooth).

use crate::api::endpoints::Scope;
use crate::api::live::Live;
use crate::components::resize::on_resize;
use crate::components::status::StatusBadge;
use crate::components::time::RelativeTime;
use crate::model::alloc_list::{query_keys, restarts, AllocFilter, AllocationRow, Column, Facet};
use crate::model::format::short_id;
use crate::model::route::Page;
use crate::model::url::with_query;
use crate::model::virtual_rows::visible_rows;
use crate::session::scope::{scoped_href, use_scope};
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use std::sync::Arc;

/// Must match `--row-height` in the style sheet. Whole pixels, written as integers: formatting
/// an `f64` would bring float printing (about 13 KB of wasm) into the first load for this alone.
const ROW_HEIGHT_PX: usize = 34;
const ROW_HEIGHT: f64 = ROW_HEIGHT_PX as f64;
const OVERSCAN: usize = 8;
/// Facet menus list this many values at most (the busiest ones).
const FACET_LIMIT: usize = 100;

#[component]
pub fn AllocTable(
    live: Live<Vec<Arc<AllocationRow>>>,
    /// A facet value the page fixes (a node's allocations): applied, and not offered as a filter.
    #[prop(optional, into)]
    only: Option<(Facet, Signal<String>)>,
) -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        let mut f = query.with(|q| AllocFilter::from_query(|k| q.get_all(k).unwrap_or_default()));
        if let Some((facet, value)) = only {
            f.facets[facet as usize] = vec![value.get()];
        }
        f
    });
    let hide = only.map(|(facet, _)| facet);
    let rows = move || live.data.get().unwrap_or_default();
    // Sorted starting from the order shown before: after a few events it is nearly right.
    let shown = Memo::new(move |previous: Option<&Arc<Vec<usize>>>| {
        let rows = live.data.get().unwrap_or_default();
        let previous = previous.map_or(&[][..], |p| p.as_slice());
        filter.with(|f| Arc::new(f.apply_after(&rows, previous)))
    });
    let set_filter = use_set_filter(hide);

    let scroll_top = RwSignal::new(0.0f64);
    let viewport = RwSignal::new(600.0f64);
    let viewport_ref = NodeRef::<leptos::html::Div>::new();
    let window = Memo::new(move |_| {
        visible_rows(scroll_top.get(), viewport.get(), ROW_HEIGHT, shown.with(|s| s.len()), OVERSCAN)
    });
    let on_scroll = move |_| {
        if let Some(el) = viewport_ref.get_untracked() {
            scroll_top.set(el.scroll_top() as f64);
        }
    };
    // The height comes from the observer alone: scrolling does not change it.
    on_resize(viewport_ref, move || {
        if let Some(el) = viewport_ref.get_untracked() {
            viewport.set(el.client_height() as f64);
        }
    });
    // A new filter shows a new list: start at its top. (A new table is there already: setting
    // its scroll position would only force a layout.)
    Effect::new(move |first: Option<()>| {
        filter.track();
        if first.is_none() {
            return;
        }
        if let Some(el) = viewport_ref.get_untracked() {
            el.set_scroll_top(0);
        }
        scroll_top.set(0.0);
    });

    let visible = move || {
        let rows = rows();
        let range = window.get();
        shown.with(|s| {
            s.get(range.clone())
                .unwrap_or_default()
                .iter()
                .map(|&i| (range.start, Arc::clone(&rows), i))
                .collect::<Vec<_>>()
        })
    };

    view! {
        <div class="alloc-table" data-testid="alloc-list">
            <div class="toolbar">
                <input
                    type="search"
                    placeholder="Search by ID prefix or name"
                    data-testid="alloc-search"
                    prop:value=move || filter.with(|f| f.search.clone())
                    on:input={
                        let set_filter = set_filter.clone();
                        move |ev| {
                            let mut f = filter.get_untracked();
                            f.search = event_target_value(&ev).trim().to_string();
                            set_filter(f);
                        }
                    }
                />
                {Facet::ALL
                    .into_iter()
                    .filter(|f| Some(*f) != hide)
                    .map(|facet| view! { <FacetMenu facet filter rows=live set_filter=set_filter.clone() /> })
                    .collect_view()}
                <span class="muted" data-testid="alloc-count">
                    {move || {
                        format!(
                            "{} of {} allocations",
                            shown.with(|s| s.len()),
                            live.data.with(|d| d.as_ref().map_or(0, |d| d.len())),
                        )
                    }}
                </span>
            </div>
            <div class="vtable">
                <div class="vrow vhead" role="row">
                    {Column::ALL
                        .into_iter()
                        .map(|column| {
                            let set_filter = set_filter.clone();
                            let sorted = move || filter.with(|f| (f.sort == column).then_some(f.descending));
                            view! {
                                <button
                                    type="button"
                                    class="vcell sort"
                                    data-testid=format!("sort-{}", column.key())
                                    aria-sort=move || match sorted() {
                                        Some(true) => "descending",
                                        Some(false) => "ascending",
                                        None => "none",
                                    }
                                    on:click=move |_| {
                                        let mut f = filter.get_untracked();
                                        f.sort_by(column);
                                        set_filter(f);
                                    }
                                >
                                    {column.title()}
                                    {move || match sorted() {
                                        Some(true) => " ▼",
                                        Some(false) => " ▲",
                                        None => "",
                                    }}
                                </button>
                            }
                        })
                        .collect_view()}
                </div>
                <div class="vviewport" node_ref=viewport_ref on:scroll=on_scroll data-testid="alloc-viewport">
                    <div class="vspacer" style=move || format!("height: {}px", shown.with(|s| s.len()) * ROW_HEIGHT_PX)>
                        <div
                            class="vwindow"
                            style=move || format!("transform: translateY({}px)", window.get().start * ROW_HEIGHT_PX)
                        >
                            <For
                                each=visible
                                key=|(_, rows, i)| (
                                    rows[*i].id.clone(),
                                    rows[*i].modify_index,
                                    rows[*i].client_status.clone(),
                                )
                                children=move |(_, rows, i)| view! { <AllocRow alloc=Arc::clone(&rows[i]) /> }
                            />
                        </div>
                    </div>
                </div>
                {move || {
                    (live.data.with(Option::is_some) && shown.with(|s| s.is_empty()))
                        .then(|| {
                            view! {
                                <p class="muted empty" data-testid="alloc-empty">
                                    "No allocations match."
                                </p>
                            }
                        })
                }}
            </div>
        </div>
    }
}

/// Replaces the list's part of the URL query, keeping everything else (region, namespace).
fn use_set_filter(fixed: Option<Facet>) -> impl Fn(AllocFilter) + Clone + Send + Sync + 'static {
    let navigate = use_navigate();
    let location = use_location();
    let query = use_query_map();
    move |mut f: AllocFilter| {
        if let Some(facet) = fixed {
            f.facets[facet as usize].clear();
        }
        let own: Vec<&str> = query_keys().collect();
        let kept: Vec<(String, String)> = query.with_untracked(|q| {
            q.latest_values()
                .filter(|(k, _)| !own.contains(&k.as_ref()))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        });
        let mut params: Vec<(String, String)> = kept;
        params.extend(f.to_query().into_iter().map(|(k, v)| (k.to_string(), v)));
        let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let href = with_query(&location.pathname.get_untracked(), &pairs);
        navigate(&href, NavigateOptions { resolve: false, replace: true, scroll: false, ..Default::default() });
    }
}

#[component]
fn FacetMenu<S>(
    facet: Facet,
    filter: Memo<AllocFilter>,
    rows: Live<Vec<Arc<AllocationRow>>>,
    set_filter: S,
) -> impl IntoView
where
    S: Fn(AllocFilter) + Clone + Send + Sync + 'static,
{
    let open = RwSignal::new(false);
    // Counted only while the menu is open: it scans every row.
    let values = move || {
        if !open.get() {
            return Vec::new();
        }
        let rows = rows.data.get().unwrap_or_default();
        let mut values = filter.with(|f| f.facet_values(&rows, facet));
        values.truncate(FACET_LIMIT);
        values
    };
    let selected = move || filter.with(|f| f.selected(facet).len());
    view! {
        <details
            class="facet"
            data-testid=format!("facet-{}", facet.key())
            on:toggle=move |ev| {
                let el: web_sys::HtmlDetailsElement = event_target(&ev);
                open.set(el.open());
            }
        >
            <summary>
                {facet.title()}
                {move || match selected() {
                    0 => String::new(),
                    n => format!(" ({n})"),
                }}
            </summary>
            <div class="facet-menu">
                {move || {
                    values()
                        .into_iter()
                        .map(|v| {
                            let set_filter = set_filter.clone();
                            let value = v.value.clone();
                            view! {
                                <label
                                    class="inline facet-option"
                                    data-testid="facet-option"
                                    data-value=v.value.clone()
                                >
                                    <input
                                        type="checkbox"
                                        prop:checked=v.selected
                                        on:change=move |_| {
                                            let mut f = filter.get_untracked();
                                            f.toggle(facet, &value);
                                            set_filter(f);
                                        }
                                    />
                                    <span>{v.label}</span>
                                    <span class="muted">{v.count}</span>
                                </label>
                            }
                        })
                        .collect_view()
                }}
            </div>
        </details>
    }
}

#[component]
fn AllocRow(alloc: Arc<AllocationRow>) -> impl IntoView {
    let a = alloc;
    // Plain links (the router follows them too) written once: rows come and go several times a
    // second, and a new region or namespace is a new list, so new rows. Links carry the
    // allocation's own namespace: with `*` selected, reads must name it.
    let (detail, job, node) = use_scope().with_untracked(|s| {
        (
            scoped_href(&Scope { namespace: Some(a.namespace.clone()), ..s.clone() }, &Page::Allocation(&a.id).path()),
            with_query(&scoped_href(s, &Page::Allocations.path()), &[("job", &a.job_id)]),
            scoped_href(s, &Page::Node(&a.node_id).path()),
        )
    });
    // Lists read without task states (every allocation, so they stay small) have no restart
    // counts; the allocation's own page has them.
    let (restarts, restarts_title) = match restarts(&a) {
        Some(r) => (r.to_string(), None),
        None => ("–".to_string(), Some("Not in this list (read without task states): open the allocation")),
    };
    let short = short_id(&a.id).to_string();
    let job_id = a.job_id.clone();
    let node_name = if a.node_name.is_empty() { short_id(&a.node_id).to_string() } else { a.node_name.clone() };
    view! {
        <div class="vrow" role="row" data-testid="alloc-row" data-id=a.id.clone() data-status=a.client_status.clone()>
            <span class="vcell mono">
                <a href=detail>{short}</a>
            </span>
            <span class="vcell" title=a.name.clone()>
                {a.name.clone()}
            </span>
            <span class="vcell">
                <a href=job>{job_id}</a>
            </span>
            <span class="vcell">{a.task_group.clone()}</span>
            <span class="vcell">
                <a href=node>{node_name}</a>
            </span>
            <span class="vcell">
                <StatusBadge status=a.client_status.clone() testid="alloc-status" />
            </span>
            <span class="vcell">{a.desired_status.clone()}</span>
            <span class="vcell num">{a.job_version}</span>
            <span class="vcell num" title=restarts_title>
                {restarts}
            </span>
            <span class="vcell">
                <RelativeTime ms=a.create_time.as_unix_millis() />
            </span>
            <span class="vcell">
                <RelativeTime ms=a.modify_time.as_unix_millis() />
            </span>
        </div>
    }
}
