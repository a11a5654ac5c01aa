//! ACL token entry: the secret goes to the session (and storage), never into a URL.

use crate::session::use_session;
use leptos::prelude::*;

#[component]
pub fn TokenForm() -> impl IntoView {
    let session = use_session();
    let secret = RwSignal::new(String::new());
    let session_only = RwSignal::new(session.session_only.get_untracked());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let token = secret.get_untracked().trim().to_string();
        if !token.is_empty() {
            session.sign_in(token, session_only.get_untracked());
            secret.set(String::new());
        }
    };
    view! {
        <form class="token-form" data-testid="token-form" on:submit=submit>
            <label>
                "ACL token (Secret ID)"
                <input
                    type="password"
                    autocomplete="off"
                    spellcheck="false"
                    placeholder="xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
                    data-testid="token-input"
                    prop:value=secret
                    on:input=move |ev| secret.set(event_target_value(&ev))
                />
            </label>
            <label class="inline">
                <input
                    type="checkbox"
                    data-testid="token-session-only"
                    prop:checked=session_only
                    on:change=move |ev| session_only.set(event_target_checked(&ev))
                />
                "Only for this browser session"
            </label>
            <button type="submit" data-testid="token-submit">
                "Sign in"
            </button>
        </form>
    }
}
