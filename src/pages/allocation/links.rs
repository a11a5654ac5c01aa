//! Links from the allocation to its logs and files, for the whole allocation or one task.

use crate::model::route::Page;
use crate::pages::files::files_href;
use crate::session::scope::{scoped_href, use_scope};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

/// `task: None` links the merged view of every task and the allocation directory's root.
#[component]
pub fn LogLinks(#[prop(optional)] task: Option<String>) -> impl IntoView {
    let params = use_params_map();
    let scope = use_scope();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let testid = |what: &str| if task.is_some() { format!("task-{what}") } else { format!("alloc-{what}") };
    let (logs_id, stderr_id, files_id) = (testid("logs"), testid("stderr"), testid("files"));
    let logs = {
        let task = task.clone();
        move |log_type: &str| {
            let path = scoped_href(&scope.get(), &Page::AllocationLogs(&id()).path());
            let query: Vec<(&str, &str)> = match &task {
                Some(t) => vec![("task", t.as_str()), ("type", log_type)],
                None => vec![("merged", "1"), ("type", log_type)],
            };
            crate::model::url::with_query(&path, &query)
        }
    };
    let stderr = {
        let logs = logs.clone();
        move || logs("stderr")
    };
    let files = {
        let dir = task.clone().unwrap_or_default();
        move || files_href(&scope.get(), &id(), &dir)
    };
    view! {
        <span class="log-links">
            <A href=move || logs("stdout") attr:data-testid=logs_id>
                {if task.is_some() { "Logs" } else { "Logs (all tasks)" }}
            </A>
            <A href=stderr attr:data-testid=stderr_id>
                "stderr"
            </A>
            <A href=files attr:data-testid=files_id>
                "Files"
            </A>
        </span>
    }
}
