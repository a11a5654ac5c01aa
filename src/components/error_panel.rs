//! An API error where the data would be: what failed, why, and what to do about it.

use crate::api::ApiError;
use crate::components::token_form::TokenForm;
use leptos::prelude::*;

#[component]
pub fn ErrorPanel(error: ApiError) -> impl IntoView {
    let (kind, title, help) = match &error {
        ApiError::Forbidden { needs, message } => (
            "forbidden",
            "Permission denied",
            format!("This view needs the {needs} capability, which the current ACL token does not grant. The agent said: \"{message}\"."),
        ),
        ApiError::NotFound(message) => ("not-found", "Not found", format!("The agent says: \"{message}\". It may have been garbage-collected.")),
        ApiError::Network(message) => ("network", "Agent unreachable", format!("{message}. Retrying by itself.")),
        ApiError::Malformed(message) => ("malformed", "Unreadable response", format!("The agent's answer is not what this view expects: {message}")),
        ApiError::Status { status, message } => ("status", "Request failed", format!("HTTP {status}: {message}")),
    };
    let forbidden = matches!(error, ApiError::Forbidden { .. });
    view! {
        <section class="error-panel" data-testid="error-panel" data-kind=kind role="alert">
            <h3 data-testid=format!("error-{kind}")>{title}</h3>
            <p class="error-help">{help}</p>
            {forbidden.then(|| view! { <TokenForm /> })}
        </section>
    }
}
