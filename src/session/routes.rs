//! Where the dashboard's routes live: the router's base (the mount path) and a location's
//! route path. The pages themselves are `model::route::Page`. It sits under `session`, beside the
//! links (`scope::scoped_href`), so that neither links nor pages import the application shell
//! (`app`), which imports them all.

use crate::model::url::base_path;

/// Where the dashboard is mounted (`/ui` when Nomad or the local agent serves it), from the
/// `<base>` trunk writes with its `public_url`. It never changes while the page lives.
pub fn router_base() -> &'static str {
    static BASE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    BASE.get_or_init(|| {
        let uri =
            web_sys::window().and_then(|w| w.document()).and_then(|d| d.base_uri().ok().flatten()).unwrap_or_default();
        base_path(&uri)
    })
}

/// The route path of a page's location (`pathname` without the router's base).
pub fn route_path<'a>(pathname: &'a str, base: &str) -> &'a str {
    pathname.strip_prefix(base).unwrap_or(pathname)
}
