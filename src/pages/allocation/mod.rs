//! `/allocations/:id`: one allocation, live: status, tasks and their event timelines,
//! actions, resources and their live usage, scheduling, raw JSON.

mod actions;
mod links;
mod resources;
mod stats;
mod tasks;

use crate::api::endpoints::{self, Scope};
use crate::api::feed::{live_allocation, FeedSpec};
use crate::api::live::LiveOptions;
use crate::components::live_view::LiveHeader;
use crate::components::raw_json::RawJson;
use crate::components::status::StatusBadge;
use crate::components::time::RelativeTime;
use crate::model::format::short_id;
use crate::model::route::Page;
use crate::pages::exec::exec_href;
use crate::session::scope::{scoped_href, use_scope};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use nomad_api::Allocation;
use std::sync::Arc;

/// The allocation on screen; `None` until the first answer.
pub type Current = Memo<Option<Arc<Allocation>>>;

#[component]
pub fn AllocationPage() -> impl IntoView {
    let params = use_params_map();
    let scope = use_scope();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    // Its own events keep it live (blocking queries where the stream cannot be had).
    let live = live_allocation(move || Some(FeedSpec::allocation(&scope.get(), &id.get())), LiveOptions::FOREGROUND);
    let alloc: Current = Memo::new(move |_| live.data.with(|d| d.as_ref().and_then(|d| d.first().cloned())));
    // Writes and ACL checks use the allocation's own namespace.
    let alloc_scope = Signal::derive(move || {
        let mut s = scope.get();
        if let Some(ns) = alloc.with(|a| a.as_ref().map(|a| a.namespace.clone())).filter(|ns| !ns.is_empty()) {
            s.namespace = Some(ns);
        }
        s
    });
    let shown =
        move || alloc.with(Option::is_some) && !live.state.with(|s| s.error.as_ref().is_some_and(|e| e.is_permanent()));
    view! {
        <div class="page-header">
            <h1 data-testid="alloc-title">
                {move || {
                    alloc
                        .with(|a| a.as_ref().map(|a| a.name.clone()))
                        .unwrap_or_else(|| format!("Allocation {}", short_id(&id.get())))
                }}
            </h1>
            <span class="mono muted" data-testid="alloc-id">
                {id}
            </span>
            <links::LogLinks />
            <A href=move || exec_href(&alloc_scope.get(), &id.get(), None) attr:data-testid="alloc-exec">
                "Exec"
            </A>
        </div>
        <LiveHeader live />
        <Show when=shown>
            <Summary alloc scope=alloc_scope />
            <actions::Actions alloc scope=alloc_scope />
            <tasks::Tasks alloc scope=alloc_scope />
            <stats::Stats alloc scope=alloc_scope />
            <resources::Resources alloc />
            <resources::Reschedule alloc scope=alloc_scope />
            <resources::Metrics alloc />
            <RawJson read=Signal::derive(move || Some(endpoints::allocation(&alloc_scope.get(), &id.get()))) />
        </Show>
    }
}

#[component]
fn Summary(alloc: Current, #[prop(into)] scope: Signal<Scope>) -> impl IntoView {
    move || {
        let a = alloc.get()?;
        let s = scope.get();
        let job = crate::model::url::with_query(&scoped_href(&s, &Page::Allocations.path()), &[("job", &a.job_id)]);
        let node = scoped_href(&s, &Page::Node(&a.node_id).path());
        let version = a.job.as_ref().map(|j| j.version).unwrap_or_default();
        let job_id = a.job_id.clone();
        let node_name = if a.node_name.is_empty() { short_id(&a.node_id).to_string() } else { a.node_name.clone() };
        Some(view! {
            <section class="panel" data-testid="alloc-summary">
                <div class="toolbar">
                    <StatusBadge status=a.client_status.clone() testid="alloc-client-status" />
                    <span class="muted">"desired"</span>
                    <StatusBadge status=a.desired_status.clone() testid="alloc-desired-status" />
                    <span class="muted">{a.client_description.clone()}</span>
                </div>
                <dl class="kv">
                    <dt>"Job"</dt>
                    <dd>
                        <A href=job attr:data-testid="alloc-job">
                            {job_id}
                        </A>
                        " (version "
                        {version}
                        ")"
                    </dd>
                    <dt>"Task group"</dt>
                    <dd>{a.task_group.clone()}</dd>
                    <dt>"Namespace"</dt>
                    <dd>{a.namespace.clone()}</dd>
                    <dt>"Node"</dt>
                    <dd>
                        <A href=node attr:data-testid="alloc-node">
                            {node_name}
                        </A>
                    </dd>
                    <dt>"Evaluation"</dt>
                    <dd class="mono">{a.eval_id.clone()}</dd>
                    {(!a.desired_description.is_empty())
                        .then(|| {
                            view! {
                                <dt>"Desired because"</dt>
                                <dd>{a.desired_description.clone()}</dd>
                            }
                        })}
                    <dt>"Created"</dt>
                    <dd>
                        <RelativeTime ms=a.create_time.as_unix_millis() />
                    </dd>
                    <dt>"Modified"</dt>
                    <dd>
                        <RelativeTime ms=a.modify_time.as_unix_millis() />
                    </dd>
                </dl>
            </section>
        })
    }
}
