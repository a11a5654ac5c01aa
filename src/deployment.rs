//! This page's deployment settings (`model::deployment`), read once at start: `config.json`
//! before the dashboard mounts, so no request goes to the wrong agent, and embed mode from the
//! URL the page was opened with (it lasts while the page lives).

use crate::api::fetch::fetch;
use crate::model::deployment::{embed_requested, RuntimeConfig};
use leptos::logging::error;
use std::sync::OnceLock;

static CONFIG: OnceLock<RuntimeConfig> = OnceLock::new();
static EMBEDDED: OnceLock<bool> = OnceLock::new();

/// Reads `config.json` beside index.html (resolved against `<base>`). Without one the defaults
/// apply; a broken one is reported in the console and the defaults apply too, so the dashboard
/// still opens.
pub async fn load() {
    let config = match fetch("GET", "config.json", None, None).await {
        Ok(answer) if answer.ok() => RuntimeConfig::parse(&answer.body).unwrap_or_else(|e| {
            error!("{e}; using the defaults");
            RuntimeConfig::default()
        }),
        Ok(answer) if answer.status == 404 => RuntimeConfig::default(),
        Ok(answer) => {
            error!("config.json: HTTP {}; using the defaults", answer.status);
            RuntimeConfig::default()
        }
        Err(e) => {
            error!("config.json: {e}; using the defaults");
            RuntimeConfig::default()
        }
    };
    let _ = CONFIG.set(config);
    if embedded() {
        // For styles that differ inside a portal's iframe (style/main.css).
        if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
            let _ = root.set_attribute("data-embed", "");
        }
    }
}

pub fn config() -> &'static RuntimeConfig {
    CONFIG.get_or_init(RuntimeConfig::default)
}

/// Opened with `?embed=1`: no navigation bar, links keep the flag.
pub fn embedded() -> bool {
    *EMBEDDED.get_or_init(|| {
        let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
        embed_requested(&search)
    })
}
