//! Tasks and their event timelines, live: each task re-renders only when its own state does.

use super::Current;
use crate::api::endpoints::Scope;
use crate::components::status::StatusBadge;
use crate::components::time::{absolute, clock, RelativeTime};
use crate::model::timeline::{facts, last_event, message, newest_first, positions, severity, start_note};
use crate::pages::exec::exec_href;
use leptos::prelude::*;
use leptos_router::components::A;
use nomad_api::{task_state, TaskEvent, TaskState};

#[component]
pub fn Tasks(alloc: Current, #[prop(into)] scope: Signal<Scope>) -> impl IntoView {
    let names = Memo::new(move |_| {
        alloc.with(|a| a.as_ref().map(|a| a.task_states.keys().cloned().collect::<Vec<_>>()).unwrap_or_default())
    });
    view! {
        <section class="panel" data-testid="alloc-tasks">
            <h2>"Tasks"</h2>
            {move || names.with(Vec::is_empty).then(|| view! { <p class="muted">"No task has reported yet."</p> })}
            <For each=move || names.get() key=|n| n.clone() let:name>
                <TaskCard
                    state=Memo::new({
                        let name = name.clone();
                        move |_| alloc.with(|a| a.as_ref().and_then(|a| a.task_states.get(&name).cloned()))
                    })
                    exec=Signal::derive({
                        let name = name.clone();
                        move || exec_href(
                            &scope.get(),
                            &alloc.with(|a| a.as_ref().map(|a| a.id.clone())).unwrap_or_default(),
                            Some(&name),
                        )
                    })
                    name
                />
            </For>
        </section>
    }
}

#[component]
fn TaskCard(name: String, state: Memo<Option<TaskState>>, exec: Signal<String>) -> impl IntoView {
    let header = move || {
        state.get().map(|s| {
            let status = if s.failed && s.state == "dead" { "failed".to_string() } else { s.state.clone() };
            let last = last_event(&s).map(|e| format!("{}: {}", e.kind, message(e))).unwrap_or_default();
            view! {
                <div class="task-head">
                    <StatusBadge status testid="task-state" />
                    <span>"restarts "<strong data-testid="task-restarts">{s.restarts}</strong></span>
                    {s
                        .started_at
                        .map(|t| view! { <span class="muted">"started "<RelativeTime ms=t.as_unix_millis() /></span> })}
                    {start_note(&s)
                        .map(|note| {
                            view! {
                                <span class="muted" data-testid="task-start-note">
                                    {note}
                                </span>
                            }
                        })}
                    {s
                        .finished_at
                        .map(|t| {
                            view! { <span class="muted">"finished "<RelativeTime ms=t.as_unix_millis() /></span> }
                        })}
                    <span class="muted" data-testid="task-last-event">
                        {last}
                    </span>
                    {(s.state == task_state::RUNNING)
                        .then(|| {
                            view! {
                                <A href=move || exec.get() attr:data-testid="task-exec">
                                    "Exec"
                                </A>
                            }
                        })}
                </div>
            }
        })
    };
    let title = name.clone();
    view! {
        <article class="task" data-testid="task" data-task=name>
            <h3>{title}" "<super::links::LogLinks task=name.clone() /></h3>
            {header}
            <Timeline state />
        </article>
    }
}

/// A time axis with one mark per event (failures in red), and the events newest first.
#[component]
fn Timeline(state: Memo<Option<TaskState>>) -> impl IntoView {
    let now = clock();
    let events = Memo::new(move |_| {
        state.with(|s| s.as_ref().map(|s| newest_first(s).into_iter().cloned().collect::<Vec<_>>()).unwrap_or_default())
    });
    let axis = move || {
        let events = events.get();
        let refs: Vec<&TaskEvent> = events.iter().collect();
        let xs = positions(&refs, now.get());
        refs.iter()
            .zip(xs)
            .map(|(e, x)| {
                let title = format!("{} · {} · {}", absolute(e.time.as_unix_millis()), e.kind, message(e));
                view! {
                    <circle
                        class=format!("mark {}", severity(e).name())
                        cx=format!("{:.1}%", 1.0 + x * 98.0)
                        cy="12"
                        r="5"
                    >
                        <title>{title}</title>
                    </circle>
                }
            })
            .collect_view()
    };
    view! {
        <svg class="timeline-axis" width="100%" height="24" role="img" aria-label="Event times">
            <line class="axis" x1="1%" x2="99%" y1="12" y2="12" />
            {axis}
        </svg>
        <ol class="events" data-testid="task-events">
            <For each=move || events.get() key=|e| (e.time, e.kind.clone()) let:e>
                <EventRow event=e />
            </For>
        </ol>
    }
}

#[component]
fn EventRow(event: TaskEvent) -> impl IntoView {
    let sev = severity(&event).name();
    let facts = facts(&event);
    view! {
        <li class=format!("event {sev}") data-testid="task-event" data-type=event.kind.clone() data-severity=sev>
            <span class="event-time">
                <RelativeTime ms=event.time.as_unix_millis() />
                " "
                <span class="muted">{absolute(event.time.as_unix_millis())}</span>
            </span>
            <strong class="event-type">{event.kind.clone()}</strong>
            <span class="event-message">{message(&event)}</span>
            {(!facts.is_empty())
                .then(|| {
                    view! {
                        <span class="event-facts">
                            {facts
                                .into_iter()
                                .map(|(k, v)| {
                                    view! {
                                        <span class="fact">
                                            <span class="muted">{k}": "</span>
                                            {v}
                                        </span>
                                    }
                                })
                                .collect_view()}
                        </span>
                    }
                })}
        </li>
    }
}
