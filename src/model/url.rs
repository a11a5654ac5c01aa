//! The dashboard's own URLs (not the API's): where it is mounted and links with query state.

use nomad_api::query::encode;

/// The path the dashboard is served under, from the document's base URI
/// (`http://host:4646/ui/` gives `/ui`; a root mount gives the empty string).
pub fn base_path(base_uri: &str) -> String {
    let after_scheme = base_uri.split_once("://").map_or(base_uri, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("", |i| &after_scheme[i..]);
    let path = path.split(['?', '#']).next().unwrap_or("");
    path.trim_end_matches('/').to_string()
}

/// `path?k=v&...`, leaving out empty values; keys may repeat.
pub fn with_query(path: &str, params: &[(&str, &str)]) -> String {
    let mut out = path.to_string();
    for (k, v) in params.iter().filter(|(_, v)| !v.is_empty()) {
        out.push(if out.contains('?') { '&' } else { '?' });
        out.push_str(&encode(k));
        out.push('=');
        out.push_str(&encode(v));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_paths() {
        assert_eq!(base_path("http://127.0.0.1:4646/ui/"), "/ui");
        assert_eq!(base_path("https://nomad.example/nomad/ui/?x=1#y"), "/nomad/ui");
        assert_eq!(base_path("http://localhost:8080/"), "");
        assert_eq!(base_path("http://localhost:8080"), "");
    }

    #[test]
    fn queries() {
        assert_eq!(
            with_query("/allocations", &[("namespace", "*"), ("region", ""), ("job", "a b")]),
            "/allocations?namespace=%2A&job=a%20b"
        );
        assert_eq!(with_query("/x?a=1", &[("b", "2")]), "/x?a=1&b=2");
    }
}
