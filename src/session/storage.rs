//! Settings kept in the browser: `localStorage`, or `sessionStorage` for a session-only token.

use web_sys::Storage;

pub const ADDRESS: &str = "caravan.address";
pub const TOKEN: &str = "caravan.token";
pub const STALE: &str = "caravan.stale";

fn storage(session_only: bool) -> Option<Storage> {
    let w = web_sys::window()?;
    if session_only {
        w.session_storage().ok().flatten()
    } else {
        w.local_storage().ok().flatten()
    }
}

pub fn get(key: &str, session_only: bool) -> Option<String> {
    storage(session_only)?.get_item(key).ok().flatten().filter(|v| !v.is_empty())
}

/// `None` removes the key. Storage can be unavailable (private modes): settings then last
/// for the page's lifetime only.
pub fn set(key: &str, value: Option<&str>, session_only: bool) {
    if let Some(s) = storage(session_only) {
        let _ = match value {
            Some(v) => s.set_item(key, v),
            None => s.remove_item(key),
        };
    }
}
