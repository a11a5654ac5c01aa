//! Stop, restart, signal and garbage-collect, each confirmed and checked against the token.

use super::Current;
use crate::acl::{ns, Capability};
use crate::api::client::decode;
use crate::api::endpoints::{self, Scope};
use crate::components::action::Action;
use crate::model::format::short_id;
use leptos::prelude::*;
use nomad_api::AllocStopResponse;

/// The signals offered, most useful first.
const SIGNALS: [&str; 12] = [
    "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGINT", "SIGTERM", "SIGQUIT", "SIGKILL", "SIGCONT", "SIGSTOP", "SIGTSTP",
    "SIGWINCH", "SIGALRM",
];

/// The empty string stands for "all tasks" in the task choosers.
const ALL: &str = "";

fn stopped(body: &str) -> String {
    match decode::<AllocStopResponse>(body.as_bytes()) {
        Ok(r) if !r.eval_id.is_empty() => format!("Stopping; evaluation {}", short_id(&r.eval_id)),
        _ => "Stopping".to_string(),
    }
}

#[component]
pub fn Actions(alloc: Current, #[prop(into)] scope: Signal<Scope>) -> impl IntoView {
    let id = move || alloc.with(|a| a.as_ref().map(|a| a.id.clone()).unwrap_or_default());
    let name = move || alloc.with(|a| a.as_ref().map(|a| a.name.clone()).unwrap_or_default());
    let namespace = Signal::derive(move || scope.with(|s| s.namespace_name().to_string()));
    let tasks = Memo::new(move |_| {
        alloc.with(|a| a.as_ref().map(|a| a.task_states.keys().cloned().collect::<Vec<_>>()).unwrap_or_default())
    });
    let restart_task = RwSignal::new(ALL.to_string());
    let signal_task = RwSignal::new(ALL.to_string());
    let signal = RwSignal::new(SIGNALS[0].to_string());
    let task_arg = |t: String| (!t.is_empty()).then_some(t);
    let lifecycle = Capability::Namespace(ns::ALLOC_LIFECYCLE);
    view! {
        <section class="panel actions" data-testid="alloc-actions">
            <h2>"Actions"</h2>
            <div class="toolbar">
                <Action
                    label="Stop"
                    testid="action-stop"
                    needs=lifecycle
                    namespace
                    danger=true
                    question=Signal::derive(move || {
                        format!("Stop allocation {}? Its tasks are killed; a service job gets a replacement.", name())
                    })
                    request=move || endpoints::allocation_stop(&scope.get_untracked(), &id())
                    describe=stopped
                />
                <Action
                    label="Restart"
                    testid="action-restart"
                    needs=lifecycle
                    namespace
                    question=Signal::derive(move || {
                        let t = restart_task.get();
                        if t.is_empty() {
                            format!("Restart every task of {} in place?", name())
                        } else {
                            format!("Restart task {t} of {} in place?", name())
                        }
                    })
                    request=move || endpoints::allocation_restart(
                        &scope.get_untracked(),
                        &id(),
                        task_arg(restart_task.get_untracked()).as_deref(),
                    )
                >
                    <TaskChooser tasks chosen=restart_task testid="restart-task" />
                </Action>
                <Action
                    label="Signal"
                    testid="action-signal"
                    needs=lifecycle
                    namespace
                    question=Signal::derive(move || {
                        let t = signal_task.get();
                        let target = if t.is_empty() { "every task".to_string() } else { format!("task {t}") };
                        format!("Send {} to {target} of {}?", signal.get(), name())
                    })
                    request=move || endpoints::allocation_signal(
                        &scope.get_untracked(),
                        &id(),
                        task_arg(signal_task.get_untracked()).as_deref(),
                        &signal.get_untracked(),
                    )
                >
                    <TaskChooser tasks chosen=signal_task testid="signal-task" />
                    <label>
                        "Signal"
                        <select data-testid="signal-name" on:change=move |ev| signal.set(event_target_value(&ev))>
                            {SIGNALS
                                .map(|s| {
                                    view! {
                                        <option value=s selected=move || signal.get() == s>
                                            {s}
                                        </option>
                                    }
                                })}
                        </select>
                    </label>
                </Action>
                <Action
                    label="Garbage-collect"
                    testid="action-gc"
                    needs=Capability::Namespace(ns::SUBMIT_JOB)
                    namespace
                    danger=true
                    question=Signal::derive(move || {
                        format!(
                            "Garbage-collect {}? Its directory and logs are deleted on the client; only stopped allocations can be collected.",
                            name(),
                        )
                    })
                    request=move || endpoints::allocation_gc(&scope.get_untracked(), &id())
                />
            </div>
        </section>
    }
}

#[component]
fn TaskChooser(tasks: Memo<Vec<String>>, chosen: RwSignal<String>, testid: &'static str) -> impl IntoView {
    view! {
        <label>
            "Task" <select data-testid=testid on:change=move |ev| chosen.set(event_target_value(&ev))>
                <option value=ALL selected=move || chosen.get().is_empty()>
                    "All tasks"
                </option>
                <For each=move || tasks.get() key=|t| t.clone() let:task>
                    <option
                        value=task.clone()
                        selected={
                            let t = task.clone();
                            move || chosen.get() == t
                        }
                    >
                        {task.clone()}
                    </option>
                </For>
            </select>
        </label>
    }
}
