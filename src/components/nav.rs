//! The top navigation bar.

use crate::session::scope::{scoped_href, use_scope};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Nav() -> impl IntoView {
    let scope = use_scope();
    let link = move |path: &'static str| move || scope.with(|s| scoped_href(s, path));
    view! {
        <header class="topbar" data-testid="nav">
            <a class="brand" href=link("/agent")>"Caravan"</a>
            <nav class="nav-links">
                <A href=link("/agent") attr:data-testid="nav-agent">"Agent"</A>
            </nav>
        </header>
    }
}
