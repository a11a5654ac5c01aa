//! The application shell: session, router, navigation and routes.

use crate::components::nav::NavUnlessExecWindow;
use crate::pages::{
    agent::AgentPage,
    allocation::AllocationPage,
    allocations::AllocationsPage,
    exec::{ExecPage, ExecWindow},
    files::FilesPage,
    jobs::JobsPage,
    logs::LogsPage,
    node::NodePage,
    nodes::NodesPage,
    not_found::NotFound,
    settings::SettingsPage,
};
use crate::session::routes::router_base;
use crate::session::Session;
use leptos::prelude::*;
use leptos::wasm_split::{wasm_split, SplitLoaderError};
use leptos_router::components::{FlatRoutes, Redirect, Route, Router};
use leptos_router::path;
use leptos_router::{Lazy, LazyRoute};

#[component]
pub fn App() -> impl IntoView {
    Session::provide();
    view! {
        <Router base=router_base()>
            <NavUnlessExecWindow />
            <main class="page">
                <FlatRoutes fallback=|| view! { <NotFound /> }>
                    <Route path=path!("/") view=|| view! { <Redirect path="/allocations" /> } />
                    <Route path=path!("/allocations") view=AllocationsPage />
                    <Route path=path!("/allocations/:id") view={Lazy::<AllocationRoute>::new()} />
                    <Route path=path!("/allocations/:id/exec") view={Lazy::<ExecRoute>::new()} />
                    <Route path=path!("/allocations/:id/logs") view={Lazy::<LogsRoute>::new()} />
                    <Route path=path!("/allocations/:id/files") view={Lazy::<FilesRoute>::new()} />
                    <Route path=path!("/exec/:id") view={Lazy::<ExecWindowRoute>::new()} />
                    <Route path=path!("/jobs") view={Lazy::<JobsRoute>::new()} />
                    <Route path=path!("/nodes") view={Lazy::<NodesRoute>::new()} />
                    <Route path=path!("/nodes/:id") view={Lazy::<NodeRoute>::new()} />
                    <Route path=path!("/agent") view={Lazy::<AgentRoute>::new()} />
                    <Route path=path!("/settings") view={Lazy::<SettingsRoute>::new()} />
                </FlatRoutes>
            </main>
        </Router>
    }
}

/// A route whose page lives in a wasm chunk of its own (the build splits it off,
/// scripts/postbuild.mjs), fetched the first time the route opens: the first load carries only
/// the shell and the allocations list. Pages named with one chunk share it.
macro_rules! chunked_route {
    ($route:ident, $chunk:ident, $render:ident, $page:ident) => {
        struct $route;

        #[wasm_split($chunk, fallible, wasm_split_path = ::leptos::wasm_split)]
        fn $render() -> Result<AnyView, SplitLoaderError> {
            Ok(view! { <$page/> }.into_any())
        }

        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            async fn view(_: Self) -> AnyView {
                $render().await.unwrap_or_else(|error| view! { <ChunkFailed error/> }.into_any())
            }
        }
    };
}

chunked_route!(AllocationRoute, allocation_chunk, allocation_view, AllocationPage);
chunked_route!(ExecRoute, streams_chunk, exec_view, ExecPage);
chunked_route!(ExecWindowRoute, streams_chunk, exec_window_view, ExecWindow);
chunked_route!(LogsRoute, streams_chunk, logs_view, LogsPage);
chunked_route!(FilesRoute, allocation_chunk, files_view, FilesPage);
chunked_route!(JobsRoute, cluster_chunk, jobs_view, JobsPage);
chunked_route!(NodesRoute, cluster_chunk, nodes_view, NodesPage);
chunked_route!(NodeRoute, cluster_chunk, node_view, NodePage);
chunked_route!(AgentRoute, cluster_chunk, agent_view, AgentPage);
chunked_route!(SettingsRoute, settings_chunk, settings_view, SettingsPage);

/// A page whose code could not be fetched (the server went away, a deploy replaced the build):
/// the rest of the dashboard keeps working, and the next attempt fetches it afresh.
#[component]
fn ChunkFailed(error: SplitLoaderError) -> impl IntoView {
    let reload = |_| {
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    };
    view! {
        <section class="error-panel" data-testid="chunk-failed" role="alert">
            <h3>"This page could not be loaded"</h3>
            <p class="error-help">
                {format!("Its code did not arrive from the server ({error}); the browser console has the details.")}
            </p>
            <button type="button" on:click=reload>
                "Try again"
            </button>
        </section>
    }
}
