//! One write to the agent as a button: disabled, with the reason, when the token lacks the
//! capability; confirmed first; its outcome shown next to it. The new state itself arrives
//! through the page's blocking query.

use crate::acl::Capability;
use crate::api::client::use_client;
use crate::api::endpoints::Write;
use crate::components::confirm::ConfirmDialog;
use crate::session::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local_scoped;

#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Running,
    Done(String),
    Failed(String),
}

#[component]
pub fn Action<F>(
    label: &'static str,
    testid: &'static str,
    needs: Capability,
    /// The namespace the capability is checked in.
    #[prop(into)]
    namespace: Signal<String>,
    #[prop(into)] question: Signal<String>,
    /// Builds the request when confirmed (after the dialog's controls were set).
    request: F,
    /// Words for a successful answer's body.
    #[prop(optional)]
    describe: Option<fn(&str) -> String>,
    #[prop(optional)] danger: bool,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView
where
    F: Fn() -> Write + Send + Sync + 'static,
{
    let session = use_session();
    let client = use_client();
    let open = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Outcome>);
    let denied = Memo::new(move |_| namespace.with(|ns| session.permissions().check(needs, ns).err()));
    let run = Callback::new(move |()| {
        let write = request();
        outcome.set(Some(Outcome::Running));
        spawn_local_scoped(async move {
            let result = client.send(&write).await;
            outcome.set(Some(match result {
                Ok(body) => Outcome::Done(describe.map_or_else(|| "Done".to_string(), |d| d(&body))),
                Err(e) => Outcome::Failed(e.to_string()),
            }));
        });
    });
    view! {
        <span class="action">
            <button
                type="button"
                class=if danger { "danger" } else { "" }
                data-testid=testid
                disabled=move || denied.with(Option::is_some) || outcome.with(|o| o == &Some(Outcome::Running))
                title=move || denied.get().unwrap_or_default()
                on:click=move |_| open.set(true)
            >
                {label}
            </button>
            {move || {
                denied
                    .get()
                    .map(|reason| {
                        view! {
                            <span class="denied" data-testid=format!("{testid}-denied")>
                                {reason}
                            </span>
                        }
                    })
            }}
            {move || {
                outcome
                    .get()
                    .map(|o| {
                        let (state, text) = match o {
                            Outcome::Running => ("running", "Sending…".to_string()),
                            Outcome::Done(t) => ("ok", t),
                            Outcome::Failed(t) => ("failed", t),
                        };
                        view! {
                            <span
                                class=format!("outcome outcome-{state}")
                                data-testid=format!("{testid}-outcome")
                                data-state=state
                            >
                                {text}
                            </span>
                        }
                    })
            }}
            <ConfirmDialog open testid title=label question confirm_label=label on_confirm=run danger>
                {children.map(|c| c())}
            </ConfirmDialog>
        </span>
    }
}
