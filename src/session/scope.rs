//! Region and namespace live in the page URL (`?region=&namespace=`), so links are shareable.

use super::use_session;
use crate::api::endpoints::Scope;
use crate::model::deployment::EMBED;
use crate::model::url::with_query;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

pub const REGION: &str = "region";
pub const NAMESPACE: &str = "namespace";

/// The scope of the current page: URL region and namespace plus the stale-reads setting.
pub fn use_scope() -> Memo<Scope> {
    let query = use_query_map();
    let stale = use_session().stale;
    Memo::new(move |_| {
        let (region, namespace) = query.with(|q| {
            let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
            (get(REGION), get(NAMESPACE))
        });
        Scope { region, namespace, stale: stale.get() }
    })
}

/// Links to a route of the dashboard that keep the current region and namespace, and embed
/// mode. The router leaves absolute links as they are, so the mount path is added here.
pub fn scoped_href(scope: &Scope, path: &str) -> String {
    let embed = if crate::deployment::embedded() { "1" } else { "" };
    let params = [
        (REGION, scope.region.as_deref().unwrap_or("")),
        (NAMESPACE, scope.namespace.as_deref().unwrap_or("")),
        (EMBED, embed),
    ];
    with_query(&format!("{}{path}", super::routes::router_base()), &params)
}
