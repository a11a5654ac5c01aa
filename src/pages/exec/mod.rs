//! The exec console: a shell (or any command) inside a running task, in xterm.
//! `/allocations/:id/exec?task=&command=` in the dashboard, and `/exec/:id?task=&command=`
//! without the navigation bar for a window of its own.

pub mod console;
// xterm, unless built without it (the browser component tests: see terminal_absent.rs).
#[cfg(feature = "terminal")]
mod terminal;
#[cfg(not(feature = "terminal"))]
#[path = "terminal_absent.rs"]
mod terminal;

use crate::acl::{ns, Capability};
use crate::api::client::use_client;
use crate::api::endpoints::{self, Scope};
use crate::api::exec::socket_url;
use crate::api::live::{live, LiveOptions};
use crate::components::live_view::LiveHeader;
use crate::components::token_form::TokenForm;
use crate::model::exec_command::{self, Ending, BASH, SH};
use crate::model::route::Page;
use crate::model::url::with_query;
use crate::session::identity::Identity;
use crate::session::scope::{scoped_href, use_scope};
use crate::session::{storage, use_session};
use console::{Console, Ended, Signals, Status};
use leptos::html::Div;
use leptos::prelude::*;
use leptos::task::spawn_local_scoped_with_cancellation;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};
use nomad_api::{task_state, Allocation};

/// The console of an allocation, on `task` when given (else its first running task).
pub fn exec_href(scope: &Scope, alloc_id: &str, task: Option<&str>) -> String {
    let path = scoped_href(scope, &Page::AllocationExec(alloc_id).path());
    match task {
        Some(task) => with_query(&path, &[("task", task)]),
        None => path,
    }
}

#[component]
pub fn ExecPage() -> impl IntoView {
    view! { <ExecConsole standalone=false /> }
}

/// The console alone, for `window.open`.
#[component]
pub fn ExecWindow() -> impl IntoView {
    view! { <ExecConsole standalone=true /> }
}

#[component]
fn ExecConsole(standalone: bool) -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let scope = use_scope();
    let session = use_session();
    let client = use_client();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let live =
        live::<Allocation>(move || Some(endpoints::allocation(&scope.get(), &id.get())), LiveOptions::FOREGROUND);
    let alloc = live.data;
    // Memos, so that live updates of the allocation (task events) do not restart the session.
    let owner = Memo::new(move |_| alloc.with(|a| a.as_ref().map(|a| (a.namespace.clone(), a.job_id.clone()))));
    let tasks = Memo::new(move |_| {
        alloc.with(|a| {
            a.as_ref()
                .map(|a| a.task_states.iter().map(|(name, s)| (name.clone(), s.state.clone())).collect::<Vec<_>>())
        })
    });
    let title = Memo::new(move |_| alloc.with(|a| a.as_ref().map(|a| a.name.clone())).unwrap_or_else(|| id.get()));
    let picked = RwSignal::new(query.with_untracked(|q| q.get("task")).filter(|t| !t.is_empty()));
    // The task asked for, else the first running one.
    let task = Memo::new(move |_| {
        picked.get().or_else(|| {
            tasks.with(|t| {
                let t = t.as_deref().unwrap_or_default();
                t.iter().find(|(_, state)| state == task_state::RUNNING).or(t.first()).map(|(name, _)| name.clone())
            })
        })
    });
    // Typed by the user (or the `/bin/sh` fallback); else the URL's, the job's last, or bash.
    let edited = RwSignal::new(query.with_untracked(|q| q.get("command")).filter(|c| !c.trim().is_empty()));
    let command_line = Memo::new(move |_| {
        edited.get().unwrap_or_else(|| {
            owner
                .get()
                .and_then(|(namespace, job)| storage::get(&exec_command::storage_key(&namespace, &job), false))
                .unwrap_or_else(|| BASH.to_string())
        })
    });
    // Whether the token's rights are known (the check before connecting needs them).
    let identity_known = Memo::new(move |_| !session.identity.with(|i| matches!(i, Identity::Checking)));

    let signals =
        Signals { status: RwSignal::new(Status::Loading), reconnect: RwSignal::new(0), ended: RwSignal::new(None) };
    let status = signals.status;
    let console = StoredValue::new_local(Console::new(signals));

    // Starts a session with what is on screen, unless something is missing or not allowed.
    let start = move || {
        let console = console.get_value();
        if !console.borrow().has_terminal() {
            return;
        }
        let (Some(task), Some((namespace, job))) = (task.get_untracked(), owner.get_untracked()) else { return };
        let permissions = session.identity.with_untracked(Identity::permissions);
        if let Err(reason) = permissions.check(Capability::Namespace(ns::ALLOC_EXEC), &namespace) {
            return console.borrow_mut().refuse(Status::Denied(reason));
        }
        let line = command_line.get_untracked();
        let command = match exec_command::split(&line) {
            Ok(command) => command,
            Err(reason) => return console.borrow_mut().refuse(Status::Refused(reason)),
        };
        storage::set(&exec_command::storage_key(&namespace, &job), Some(line.trim()), false);
        let socket = endpoints::allocation_exec(&scope.get_untracked(), &id.get_untracked(), &task, &command);
        let origin = window().location().origin().unwrap_or_default();
        match socket_url(&client.address.get_untracked(), &origin, &socket.path_and_query) {
            Ok(url) => Console::connect(&console, &url, client.token.get_untracked(), command),
            Err(e) => console.borrow_mut().refuse(Status::Refused(e.to_string())),
        }
    };
    let terminal_ready = Memo::new(move |_| status.with(|s| *s != Status::Loading));
    // A session starts once everything is known, again for another task or token, and on request
    // (Enter after the end, the Run button).
    Effect::new(move |_| {
        signals.reconnect.track();
        let ready = terminal_ready.get() && owner.with(Option::is_some) && identity_known.get();
        task.track();
        if ready {
            untrack(start);
        }
    });
    // Once a session has ended and its output is shown: `/bin/sh` where bash is missing, else
    // how it ended.
    Effect::new(move |_| {
        let Some(Ended { command, typed, ending }) = signals.ended.get() else { return };
        let console = console.get_value();
        if exec_command::shell_fallback(&command, typed, &ending).is_some() {
            Console::notice(&console, &format!("{BASH} is not available in this task: starting {SH}"));
            edited.set(Some(SH.to_string()));
            signals.reconnect.update(|n| *n += 1);
            return;
        }
        let notice = match ending {
            Ending::Exited(code) => format!("[exited with code {code}; press Enter to run it again]"),
            Ending::Closed { .. } => format!("[{}; press Enter to reconnect]", status.with_untracked(status_text)),
        };
        Console::notice(&console, &notice);
    });

    let pane = NodeRef::<Div>::new();
    Effect::new(move |_| {
        let Some(div) = pane.get() else { return };
        spawn_local_scoped_with_cancellation(async move {
            match terminal::load().await {
                Ok(()) => Console::attach(&console.get_value(), &div),
                Err(reason) => status.set(Status::Refused(reason)),
            }
        });
    });
    if standalone {
        Effect::new(move |_| {
            document().set_title(&format!("Exec: {} · {}", task.get().unwrap_or_default(), title.get()))
        });
    }

    let open_window = move |_| {
        let path = scoped_href(&scope.get_untracked(), &Page::ExecWindow(&id.get_untracked()).path());
        let task = task.get_untracked().unwrap_or_default();
        let href = with_query(&path, &[("task", &task), ("command", &command_line.get_untracked())]);
        let name = format!("caravan-exec-{}-{task}", id.get_untracked());
        let _ = window().open_with_url_and_target_and_features(&href, &name, "popup,width=1000,height=650");
    };
    let back = move || scoped_href(&scope.get(), &Page::Allocation(&id.get()).path());
    let run = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        signals.reconnect.update(|n| *n += 1);
    };

    view! {
        <div class="exec-page" class:standalone=standalone data-testid="exec-page">
            <div class="exec-bar">
                {(!standalone)
                    .then(|| {
                        view! {
                            <h1>"Exec"</h1>
                            <A href=back attr:data-testid="exec-allocation">
                                {title}
                            </A>
                        }
                    })}
                <label class="inline">
                    "Task"
                    <select data-testid="exec-task" on:change=move |ev| picked.set(Some(event_target_value(&ev)))>
                        {move || {
                            let current = task.get().unwrap_or_default();
                            tasks
                                .get()
                                .unwrap_or_default()
                                .into_iter()
                                .map(|(name, state)| {
                                    view! {
                                        <option value=name.clone() selected=name == current>
                                            {format!("{name} ({state})")}
                                        </option>
                                    }
                                })
                                .collect_view()
                        }}
                    </select>
                </label> <form class="exec-command" on:submit=run>
                    <input
                        type="text"
                        spellcheck="false"
                        autocomplete="off"
                        aria-label="Command"
                        data-testid="exec-command"
                        prop:value=command_line
                        on:input=move |ev| edited.set(Some(event_target_value(&ev)))
                    />
                    <button type="submit" class="primary" data-testid="exec-run">
                        "Run"
                    </button>
                </form>
                {(!standalone)
                    .then(|| {
                        view! {
                            <button type="button" data-testid="exec-open-window" on:click=open_window>
                                "Open in its own window"
                            </button>
                        }
                    })}
            </div>
            <LiveHeader live />
            <StatusLine status />
            <div class="exec-terminal" data-testid="exec-terminal" node_ref=pane></div>
        </div>
    }
}

/// How the session is doing, in words.
fn status_text(status: &Status) -> String {
    match status {
        Status::Loading => "Loading the terminal…".into(),
        Status::Idle => "Waiting for the allocation…".into(),
        Status::Connecting => "Connecting…".into(),
        Status::Connected => "Connected".into(),
        Status::Exited(code) => format!("Exited with code {code}"),
        Status::Closed { code, message } => format!("{message} (close code {code})"),
        Status::Refused(reason) | Status::Denied(reason) => reason.clone(),
    }
}

/// The console's state in words (public for the browser component tests).
#[component]
pub fn StatusLine(status: RwSignal<Status>) -> impl IntoView {
    view! {
        <div class="exec-status" data-testid="exec-status" data-state=move || status.with(|s| s.state())>
            {move || match status.get() {
                Status::Exited(code) => {
                    view! {
                        "Exited with code "
                        <strong data-testid="exec-exit-code">{code}</strong>
                        ". Press Enter in the terminal to run it again."
                    }
                        .into_any()
                }
                Status::Closed { code, message } => {
                    view! {
                        <span data-testid="exec-close-reason">{message}</span>
                        " (close code "
                        <span data-testid="exec-close-code">{code}</span>
                        "). Press Enter in the terminal to reconnect."
                    }
                        .into_any()
                }
                Status::Denied(reason) => {
                    view! {
                        <span data-testid="exec-denied">{reason}</span>
                        <TokenForm />
                    }
                        .into_any()
                }
                other => view! { <span>{status_text(&other)}</span> }.into_any(),
            }}
        </div>
    }
}
