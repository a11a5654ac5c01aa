//! Changing some of the page's query parameters in place (the others stay), so that what a
//! view shows is in its URL and can be shared.

use crate::model::url::with_query;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use leptos_router::NavigateOptions;

/// A setter: each `(key, value)` replaces that parameter; an empty value removes it.
pub fn use_set_query() -> impl Fn(&[(&str, &str)]) + Clone + Send + Sync + 'static {
    let navigate = use_navigate();
    let location = use_location();
    let query = use_query_map();
    move |changes: &[(&str, &str)]| {
        let mut params: Vec<(String, String)> = query.with_untracked(|q| {
            q.latest_values()
                .filter(|(k, _)| !changes.iter().any(|(c, _)| c == k))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        });
        params.extend(changes.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let href = with_query(&location.pathname.get_untracked(), &pairs);
        navigate(&href, NavigateOptions { resolve: false, replace: true, scroll: false, ..Default::default() });
    }
}
