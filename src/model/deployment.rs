//! How this copy of the dashboard is deployed, read at start: `config.json` beside index.html
//! (set by whoever serves it, no rebuild needed) and embed mode (`?embed=1`: no app chrome,
//! for iframes in portals).

use serde::Deserialize;

/// `config.json`. Unknown keys are refused, so a misspelt one is reported rather than ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeConfig {
    /// The Nomad agent's address (`https://nomad.example:4646`); empty: the dashboard's own
    /// origin, as when Nomad, `caravan-agent serve` or a proxy serves both. A user's own
    /// choice in Settings wins over it.
    #[serde(default)]
    pub address: String,
}

impl RuntimeConfig {
    pub fn parse(body: &[u8]) -> Result<RuntimeConfig, String> {
        let mut config: RuntimeConfig = nomad_api::json::from_slice(body).map_err(|e| format!("config.json: {e}"))?;
        config.address = config.address.trim().trim_end_matches('/').to_string();
        let address = &config.address;
        let scheme_and_host = address.strip_prefix("http://").or_else(|| address.strip_prefix("https://"));
        if !address.is_empty() && scheme_and_host.is_none_or(str::is_empty) {
            return Err(format!("config.json: address {address:?} must be empty or an http:// or https:// URL"));
        }
        Ok(config)
    }
}

/// The query parameter that turns embed mode on.
pub const EMBED: &str = "embed";

/// Whether a page URL's query (`?a=1&embed=1`, with or without its `?`) asks for embed mode:
/// `embed`, `embed=1` or `embed=true`.
pub fn embed_requested(query: &str) -> bool {
    query.trim_start_matches('?').split('&').any(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        key == EMBED && matches!(value, "" | "1" | "true")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_json() {
        assert_eq!(RuntimeConfig::parse(b"{}").unwrap(), RuntimeConfig::default());
        let config = RuntimeConfig::parse(br#"{ "address": " https://nomad.example:4646/ " }"#).unwrap();
        assert_eq!(config.address, "https://nomad.example:4646");
        assert_eq!(RuntimeConfig::parse(br#"{ "address": "" }"#).unwrap().address, "");
    }

    #[test]
    fn bad_config_json_says_what_is_wrong() {
        let err = RuntimeConfig::parse(br#"{ "adress": "http://x" }"#).unwrap_err();
        assert!(err.contains("unknown field `adress`"), "{err}");
        let err = RuntimeConfig::parse(br#"{ "address": "nomad.example:4646" }"#).unwrap_err();
        assert!(err.contains("http:// or https://"), "{err}");
        assert!(RuntimeConfig::parse(br#"{ "address": "http://" }"#).is_err());
        assert!(RuntimeConfig::parse(b"<!doctype html>").unwrap_err().starts_with("config.json: "));
    }

    #[test]
    fn embed_is_asked_for_in_the_query() {
        for query in ["?embed=1", "embed", "?task=web&embed=true", "?embed="] {
            assert!(embed_requested(query), "{query}");
        }
        for query in ["", "?embed=0", "?embedded=1", "?x=embed", "?embed=false"] {
            assert!(!embed_requested(query), "{query}");
        }
    }
}
