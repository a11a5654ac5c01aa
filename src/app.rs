//! The application shell: session, router, navigation and routes.

use crate::components::nav::Nav;
use crate::model::url::base_path;
use crate::pages::{agent::AgentPage, not_found::NotFound};
use crate::session::Session;
use leptos::prelude::*;
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::path;

/// Where the dashboard is mounted (`/ui` when Nomad or the local agent serves it), from the
/// `<base>` trunk writes with its `public_url`.
fn router_base() -> String {
    let uri = web_sys::window().and_then(|w| w.document()).and_then(|d| d.base_uri().ok().flatten()).unwrap_or_default();
    base_path(&uri)
}

#[component]
pub fn App() -> impl IntoView {
    Session::provide();
    view! {
        <Router base=router_base()>
            <Nav/>
            <main class="page">
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=path!("/") view=|| view! { <Redirect path="/agent"/> }/>
                    <Route path=path!("/agent") view=AgentPage/>
                </Routes>
            </main>
        </Router>
    }
}
