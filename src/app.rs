//! The application shell: session, router, navigation and routes.

use crate::model::url::base_path;
use crate::pages::{
    agent::AgentPage, allocation::AllocationPage, allocations::AllocationsPage, exec::{ExecPage, ExecWindow, NavUnlessExecWindow}, jobs::JobsPage, node::NodePage, nodes::NodesPage,
    not_found::NotFound, settings::SettingsPage, files::FilesPage, logs::LogsPage,
};
use crate::session::Session;
use leptos::prelude::*;
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::path;

/// Where the dashboard is mounted (`/ui` when Nomad or the local agent serves it), from the
/// `<base>` trunk writes with its `public_url`. It never changes while the page lives.
pub(crate) fn router_base() -> &'static str {
    static BASE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    BASE.get_or_init(|| {
        let uri = web_sys::window().and_then(|w| w.document()).and_then(|d| d.base_uri().ok().flatten()).unwrap_or_default();
        base_path(&uri)
    })
}

#[component]
pub fn App() -> impl IntoView {
    Session::provide();
    view! {
        <Router base=router_base()>
            <NavUnlessExecWindow/>
            <main class="page">
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=path!("/") view=|| view! { <Redirect path="/allocations"/> }/>
                    <Route path=path!("/allocations") view=AllocationsPage/>
                    <Route path=path!("/allocations/:id") view=AllocationPage/>
                    <Route path=path!("/allocations/:id/exec") view=ExecPage/>
                    <Route path=path!("/allocations/:id/logs") view=LogsPage/>
                    <Route path=path!("/allocations/:id/files") view=FilesPage/>
                    <Route path=path!("/exec/:id") view=ExecWindow/>
                    <Route path=path!("/jobs") view=JobsPage/>
                    <Route path=path!("/nodes") view=NodesPage/>
                    <Route path=path!("/nodes/:id") view=NodePage/>
                    <Route path=path!("/agent") view=AgentPage/>
                    <Route path=path!("/settings") view=SettingsPage/>
                </Routes>
            </main>
        </Router>
    }
}
