//! `/allocations/:id/logs?task=&type=stdout|stderr&plain=1`: a task's log, live; with
//! `merged=1` every task of the allocation in one view, each line prefixed with its task.

use crate::api::endpoints;
use crate::api::live::{live, LiveOptions};
use crate::components::live_view::LiveHeader;
use crate::components::log_viewer::{LogViewer, Stream};
use crate::components::query_nav::use_set_query;
use crate::model::format::short_id;
use crate::model::route::Page;
use crate::session::scope::{scoped_href, use_scope};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};
use nomad_api::Allocation;

pub const STDOUT: &str = "stdout";
pub const STDERR: &str = "stderr";

/// What the view follows; a change starts a new view.
#[derive(Debug, Clone, PartialEq)]
struct Spec {
    alloc: String,
    streams: Vec<Stream>,
    plain: bool,
}

#[component]
pub fn LogsPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let scope = use_scope();
    let set_query = use_set_query();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    // Only the task names and the title: no need to hold a foreground long poll.
    let live =
        live::<Allocation>(move || Some(endpoints::allocation(&scope.get(), &id.get())), LiveOptions::BACKGROUND);
    let tasks = Memo::new(move |_| {
        live.data.with(|a| a.as_ref().map(|a| a.task_states.keys().cloned().collect::<Vec<_>>()).unwrap_or_default())
    });
    let title = Memo::new(move |_| {
        live.data
            .with(|a| a.as_ref().map(|a| a.name.clone()))
            .unwrap_or_else(|| format!("Allocation {}", short_id(&id.get())))
    });
    let get = move |k: &str| query.with(|q| q.get(k).filter(|v| !v.is_empty()));
    let merged = Memo::new(move |_| get("merged").is_some());
    let log_type = Memo::new(move |_| if get("type").as_deref() == Some(STDERR) { STDERR } else { STDOUT });
    let plain = Memo::new(move |_| get("plain").is_some());
    // The task asked for, else the first one.
    let task = Memo::new(move |_| get("task").or_else(|| tasks.with(|t| t.first().cloned())));
    let spec = Memo::new(move |_| {
        let log_type = log_type.get().to_string();
        let stream = |task: String| Stream::Log { task, log_type: log_type.clone() };
        let streams = if merged.get() {
            tasks.get().into_iter().map(stream).collect()
        } else {
            task.get().map(stream).into_iter().collect::<Vec<_>>()
        };
        (!streams.is_empty()).then(|| Spec { alloc: id.get(), streams, plain: plain.get() })
    });

    let back = move || scoped_href(&scope.get(), &Page::Allocation(&id.get()).path());
    let files = move || scoped_href(&scope.get(), &Page::AllocationFiles(&id.get()).path());
    let pick_task = {
        let set_query = set_query.clone();
        move |ev| {
            let value = event_target_value(&ev);
            if value.is_empty() {
                set_query(&[("merged", "1"), ("task", "")]);
            } else {
                set_query(&[("merged", ""), ("task", &value)]);
            }
        }
    };
    let type_button = |t: &'static str| {
        let set_query = set_query.clone();
        view! {
            <button
                type="button"
                data-testid=format!("log-type-{t}")
                aria-pressed=move || (log_type.get() == t).to_string()
                class:primary=move || log_type.get() == t
                on:click=move |_| set_query(&[("type", t)])
            >
                {t}
            </button>
        }
    };
    let set_plain = {
        let set_query = set_query.clone();
        move |ev| set_query(&[("plain", if event_target_checked(&ev) { "1" } else { "" })])
    };
    let type_buttons = (type_button(STDOUT), type_button(STDERR));

    view! {
        <div class="page-header">
            <h1>"Logs"</h1>
            <A href=back attr:data-testid="logs-allocation">
                {title}
            </A>
            <A href=files attr:data-testid="logs-files">
                "Files"
            </A>
        </div>
        <div class="toolbar log-select">
            <label class="inline">
                "Task" <select data-testid="log-task" on:change=pick_task>
                    {move || {
                        let current = if merged.get() { None } else { task.get() };
                        let mut names = tasks.get();
                        if let Some(t) = current.clone().filter(|t| !names.contains(t)) {
                            names.push(t);
                        }
                        names
                            .into_iter()
                            .map(|name| {
                                let selected = current.as_deref() == Some(name.as_str());
                                view! {
                                    <option value=name.clone() selected=selected>
                                        {name.clone()}
                                    </option>
                                }
                            })
                            .collect_view()
                    }}
                    <option value="" selected=move || merged.get()>
                        "All tasks (merged)"
                    </option>
                </select>
            </label>
            <span class="log-types" role="group" aria-label="Stream">
                {type_buttons}
            </span>
            <label class="inline" title="Raw bytes (plain=true) instead of framed JSON">
                <input type="checkbox" data-testid="log-plain" prop:checked=plain on:change=set_plain />
                "Plain"
            </label>
        </div>
        <LiveHeader live />
        {move || spec.get().map(|s| view! { <LogViewer alloc=s.alloc streams=s.streams plain=s.plain /> })}
    }
}
