//! Status badges, coloured by what the status means.

use leptos::prelude::*;

/// A status word as a badge; the CSS class carries its colour.
#[component]
pub fn StatusBadge(#[prop(into)] status: String, #[prop(optional)] testid: &'static str) -> impl IntoView {
    let class = format!("badge badge-{}", status.replace(' ', "-").to_ascii_lowercase());
    let testid = (!testid.is_empty()).then_some(testid);
    let label = status.clone();
    view! {
        <span class=class data-testid=testid data-status=status>
            {label}
        </span>
    }
}
