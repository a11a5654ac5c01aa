//! Any path the dashboard does not know.

use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="not-found" data-testid="not-found">
            <h1>"Page not found"</h1>
            <p>"Nothing lives at this address in Caravan."</p>
            <A href="/">"Back to the start"</A>
        </section>
    }
}
