//! The top bar: pages, region and namespace (kept in the URL), and who is signed in.

use crate::api::client::use_client;
use crate::api::endpoints;
use crate::api::live::{live_list, LiveOptions};
use crate::model::route::EXEC_WINDOW_PREFIX;
use crate::session::identity::Identity;
use crate::session::routes::{route_path, router_base};
use crate::session::scope::{scoped_href, use_scope, NAMESPACE, REGION};
use crate::session::use_session;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use nomad_api::Namespace;

/// The navigation bar, except in a console's own window (a terminal and nothing else).
#[component]
pub fn NavUnlessExecWindow() -> impl IntoView {
    let location = use_location();
    let base = router_base();
    move || location.pathname.with(|path| shows_nav(route_path(path, base))).then(|| view! { <Nav /> })
}

/// Whether a route shows the navigation bar.
fn shows_nav(route: &str) -> bool {
    !route.starts_with(EXEC_WINDOW_PREFIX)
}

/// Nothing in embed mode: a portal around the dashboard is the navigation.
#[component]
pub fn Nav() -> impl IntoView {
    if crate::deployment::embedded() {
        return None;
    }
    let scope = use_scope();
    let link = move |path: &'static str| move || scope.with(|s| scoped_href(s, path));
    Some(view! {
        <header class="topbar" data-testid="nav">
            <A href=link("/allocations") attr:class="brand">
                "Caravan"
            </A>
            <nav class="nav-links">
                <A href=link("/allocations") attr:data-testid="nav-allocations">
                    "Allocations"
                </A>
                <A href=link("/jobs") attr:data-testid="nav-jobs">
                    "Jobs"
                </A>
                <A href=link("/nodes") attr:data-testid="nav-nodes">
                    "Nodes"
                </A>
                <A href=link("/agent") attr:data-testid="nav-agent">
                    "Agent"
                </A>
            </nav>
            <div class="nav-tools">
                <RegionSelect />
                <NamespaceSelect />
                <A href=link("/settings") attr:data-testid="identity" attr:class="identity">
                    <IdentityChip />
                </A>
            </div>
        </header>
    })
}

/// Sets one query parameter of the current page (`None` removes it), keeping the others.
fn use_set_param(key: &'static str) -> impl Fn(Option<String>) + Clone + 'static {
    let navigate = use_navigate();
    let location = use_location();
    let query = use_query_map();
    move |value: Option<String>| {
        let mut q = query.get_untracked();
        q.remove(key);
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            q.insert(key, v);
        }
        let href = format!("{}{}", location.pathname.get_untracked(), q.to_query_string());
        navigate(&href, NavigateOptions { resolve: false, ..Default::default() });
    }
}

/// Shown only when the cluster has more than one region.
#[component]
fn RegionSelect() -> impl IntoView {
    let client = use_client();
    let scope = use_scope();
    let regions = LocalResource::new(move || {
        client.address.track();
        client.token.track();
        async move { client.read::<Vec<String>>(&endpoints::regions()).await.unwrap_or_default() }
    });
    let set = use_set_param(REGION);
    move || {
        let regions = regions.get().unwrap_or_default();
        let set = set.clone();
        (regions.len() > 1).then(|| {
            let current = scope.with(|s| s.region.clone().unwrap_or_default());
            view! {
                <select
                    data-testid="region-select"
                    title="Region"
                    on:change=move |ev| set(Some(event_target_value(&ev)))
                >
                    <option value="" selected=current.is_empty()>
                        "Agent's region"
                    </option>
                    {regions
                        .into_iter()
                        .map(|r| {
                            view! {
                                <option value=r.clone() selected=r == current>
                                    {r.clone()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            }
        })
    }
}

/// The namespaces the token may see, plus `*` for all of them.
#[component]
fn NamespaceSelect() -> impl IntoView {
    let scope = use_scope();
    let region_only = Memo::new(move |_| {
        scope.with(|s| endpoints::Scope { region: s.region.clone(), namespace: None, stale: s.stale })
    });
    let namespaces =
        live_list::<Namespace>(move || Some(endpoints::namespaces(&region_only.get())), LiveOptions::BACKGROUND);
    let set = use_set_param(NAMESPACE);
    let names = move || {
        let mut names: Vec<String> = namespaces
            .data
            .with(|d| d.as_ref().map(|d| d.iter().map(|n| n.name.clone()).collect()).unwrap_or_default());
        if !names.iter().any(|n| n == "default") {
            names.insert(0, "default".into());
        }
        names
    };
    view! {
        <select
            data-testid="namespace-select"
            title="Namespace"
            on:change=move |ev| {
                let v = event_target_value(&ev);
                set((v != "default").then_some(v));
            }
        >
            {move || {
                let current = scope.with(|s| s.namespace_name().to_string());
                let mut options: Vec<(String, String)> = names().into_iter().map(|n| (n.clone(), n)).collect();
                options.push(("*".into(), "All namespaces".into()));
                options
                    .into_iter()
                    .map(|(value, label)| {
                        view! {
                            <option value=value.clone() selected=value == current>
                                {label}
                            </option>
                        }
                    })
                    .collect_view()
            }}
        </select>
    }
}

#[component]
fn IdentityChip() -> impl IntoView {
    let session = use_session();
    move || match session.identity.get() {
        Identity::Token { token, .. } => {
            format!("Token: {}", if token.name.is_empty() { token.kind } else { token.name })
        }
        Identity::AclDisabled => "ACLs off".to_string(),
        Identity::Rejected(_) => "Token refused".to_string(),
        Identity::Anonymous { .. } => "Sign in".to_string(),
        Identity::Checking | Identity::Unknown(_) => "Settings".to_string(),
    }
}
