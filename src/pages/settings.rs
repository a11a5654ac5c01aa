//! `/settings`: which agent to talk to, who you are to it (ACL token), and read consistency.

use crate::components::time::RelativeTime;
use crate::components::token_form::TokenForm;
use crate::session::identity::Identity;
use crate::session::use_session;
use leptos::prelude::*;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let session = use_session();
    let address = RwSignal::new(session.client.address.get_untracked());
    view! {
        <div class="page-header">
            <h1>"Settings"</h1>
        </div>
        <section class="panel" data-testid="settings-identity">
            <h2>"ACL token"</h2>
            <IdentityView />
            <TokenForm />
            <Show when=move || session.client.token.with(Option::is_some)>
                <button type="button" data-testid="sign-out" on:click=move |_| session.sign_out()>
                    "Sign out"
                </button>
            </Show>
        </section>
        <section class="panel" data-testid="settings-connection">
            <h2>"Agent"</h2>
            <form
                class="toolbar"
                on:submit=move |ev| {
                    ev.prevent_default();
                    session.set_address(address.get_untracked());
                }
            >
                <label>
                    "Address (empty: this page's own origin)"
                    <input
                        type="text"
                        placeholder="http://127.0.0.1:4646"
                        data-testid="agent-address"
                        prop:value=address
                        on:input=move |ev| address.set(event_target_value(&ev))
                    />
                </label>
                <button type="submit" data-testid="agent-address-save">
                    "Use this agent"
                </button>
            </form>
            <p class="muted">
                "A Nomad agent on another origin answers only its /v1/client endpoints to browsers (CORS); put both behind one origin to use everything."
            </p>
        </section>
        <section class="panel" data-testid="settings-reads">
            <h2>"Reads"</h2>
            <label class="inline">
                <input
                    type="checkbox"
                    data-testid="stale-reads"
                    prop:checked=session.stale
                    on:change=move |ev| session.set_stale(event_target_checked(&ev))
                />
                "Allow stale reads: any server answers, not only the leader (faster on large clusters, may lag slightly)"
            </label>
        </section>
    }
}

#[component]
fn IdentityView() -> impl IntoView {
    let session = use_session();
    move || {
        match session.identity.get() {
        Identity::Checking => view! {
            <p class="muted" data-testid="identity-state" data-state="checking">
                "Checking…"
            </p>
        }.into_any(),
        Identity::AclDisabled => view! {
            <p data-testid="identity-state" data-state="acl-disabled">
                "ACLs are disabled on this agent: no token is needed."
            </p>
        }.into_any(),
        Identity::Anonymous { policy } => view! {
            <p data-testid="identity-state" data-state="anonymous">
                {match policy {
                    Some(p) => format!("No token: only what the cluster's \"{}\" policy allows.", p.name),
                    None => {
                        "No token, and the cluster has no anonymous policy: sign in to do anything that needs ACLs."
                            .to_string()
                    }
                }}
            </p>
        }.into_any(),
        Identity::Rejected(e) => view! {
            <p class="error-help" data-testid="identity-state" data-state="rejected">
                "The agent refused this token: "
                {e.to_string()}
            </p>
        }.into_any(),
        Identity::Unknown(e) => view! {
            <p class="error-help" data-testid="identity-state" data-state="unknown">
                "Could not look the token up: "
                {e.to_string()}
            </p>
        }.into_any(),
        Identity::Token { token, policies } => view! {
            <dl class="kv" data-testid="identity-state" data-state="token">
                <dt>"Name"</dt>
                <dd data-testid="token-name">{token.name.clone()}</dd>
                <dt>"Type"</dt>
                <dd data-testid="token-type">{token.kind.clone()}</dd>
                <dt>"Policies"</dt>
                <dd data-testid="token-policies">{token.policies.join(", ")}</dd>
                <dt>"Accessor ID"</dt>
                <dd class="mono">{token.accessor_id.clone()}</dd>
                <dt>"Expires"</dt>
                <dd data-testid="token-expiry">
                    {match token.expiration_time {
                        Some(t) => view! { <RelativeTime ms=t.as_unix_millis() /> }.into_any(),
                        None => "never".into_any(),
                    }}
                </dd>
                {(policies.len() < token.policies.len())
                    .then(|| {
                        view! {
                            <dt>"Note"</dt>
                            <dd class="muted">
                                "Some policies could not be read; actions are only disabled for what is known to be missing."
                            </dd>
                        }
                    })}
            </dl>
        }.into_any(),
    }
    }
}
