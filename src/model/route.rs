//! The dashboard's own pages as values: every link to a page is built from a `Page`, so that
//! no page assembles a path with `format!` and an id always lands in one path segment,
//! percent-encoded. The router's patterns (`app.rs`, written with leptos's `path!` macro,
//! which wants literals) are listed in [`PATTERNS`], and a test holds each page to its one.
//! The mount path and the region/namespace query are `scoped_href`'s.

use nomad_api::query::encode;

/// A page of the dashboard and the ids it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page<'a> {
    Allocations,
    Allocation(&'a str),
    AllocationExec(&'a str),
    AllocationLogs(&'a str),
    AllocationFiles(&'a str),
    /// The exec console in a window of its own, without navigation.
    ExecWindow(&'a str),
    Jobs,
    Nodes,
    Node(&'a str),
    Agent,
    Settings,
}

/// The router's patterns, as `app.rs` declares them.
pub const PATTERNS: [&str; 11] = [
    "/allocations",
    "/allocations/:id",
    "/allocations/:id/exec",
    "/allocations/:id/logs",
    "/allocations/:id/files",
    "/exec/:id",
    "/jobs",
    "/nodes",
    "/nodes/:id",
    "/agent",
    "/settings",
];

/// `filter=`: the filter expression of a list page (`/allocations`, `/jobs`), named in the page
/// URL as Nomad's list endpoints name it, and sent to them as it is written.
pub const FILTER: &str = "filter";

/// A list page's filter expression from its `filter=` value: surrounding white space is not
/// part of it, and an empty one is none (the list is read without `filter`).
pub fn filter_expression(value: Option<&str>) -> Option<String> {
    value.map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
}

/// The page query with its filter expression replaced: every other pair kept in order
/// (facets repeat their key), `filter=` last, and left out when the expression is empty.
pub fn with_filter_expression<'a>(
    query: impl IntoIterator<Item = (&'a str, &'a str)>,
    expression: &str,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> =
        query.into_iter().filter(|(k, _)| *k != FILTER).map(|(k, v)| (k.to_string(), v.to_string())).collect();
    if let Some(e) = filter_expression(Some(expression)) {
        out.push((FILTER.to_string(), e));
    }
    out
}

/// Where the exec window's pages start: the console leaves the navigation out there.
pub const EXEC_WINDOW_PREFIX: &str = "/exec/";

impl Page<'_> {
    /// The pattern of the route that shows this page, and its id.
    fn pattern_and_id(&self) -> (&'static str, Option<&str>) {
        match *self {
            Page::Allocations => (PATTERNS[0], None),
            Page::Allocation(id) => (PATTERNS[1], Some(id)),
            Page::AllocationExec(id) => (PATTERNS[2], Some(id)),
            Page::AllocationLogs(id) => (PATTERNS[3], Some(id)),
            Page::AllocationFiles(id) => (PATTERNS[4], Some(id)),
            Page::ExecWindow(id) => (PATTERNS[5], Some(id)),
            Page::Jobs => (PATTERNS[6], None),
            Page::Nodes => (PATTERNS[7], None),
            Page::Node(id) => (PATTERNS[8], Some(id)),
            Page::Agent => (PATTERNS[9], None),
            Page::Settings => (PATTERNS[10], None),
        }
    }

    /// The path under the mount path, `/allocations/<id>/logs`.
    pub fn path(&self) -> String {
        let (pattern, id) = self.pattern_and_id();
        match id {
            Some(id) => pattern.replace(":id", &encode(id)),
            None => pattern.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_the_router_patterns() {
        assert_eq!(Page::Allocations.path(), "/allocations");
        assert_eq!(Page::AllocationLogs("a1").path(), "/allocations/a1/logs");
        assert_eq!(Page::Node("n/1 x").path(), "/nodes/n%2F1%20x");
        assert!(Page::ExecWindow("a1").path().starts_with(EXEC_WINDOW_PREFIX));
        let every = [
            Page::Allocations,
            Page::Allocation("x"),
            Page::AllocationExec("x"),
            Page::AllocationLogs("x"),
            Page::AllocationFiles("x"),
            Page::ExecWindow("x"),
            Page::Jobs,
            Page::Nodes,
            Page::Node("x"),
            Page::Agent,
            Page::Settings,
        ];
        // Each pattern is some page's, once: a route added to one list and not the other fails.
        let mut patterns: Vec<_> = every.iter().map(|p| p.pattern_and_id().0).collect();
        patterns.dedup();
        assert_eq!(patterns, PATTERNS);
        for page in every {
            let (pattern, _) = page.pattern_and_id();
            assert_eq!(page.path(), pattern.replace(":id", "x"));
        }
    }

    #[test]
    fn the_filter_expression_round_trips_through_the_page_url() {
        let expression = r#"JobID matches "^billing-" and ClientStatus == "failed""#;
        let query = [("namespace", "*"), ("filter", "old"), ("status", "failed"), ("status", "lost")];
        let q = with_filter_expression(query, &format!("  {expression} "));
        let pairs: Vec<(&str, &str)> = q.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(pairs, [("namespace", "*"), ("status", "failed"), ("status", "lost"), ("filter", expression)]);
        // Written as a link, then read back as the router reads the link's query.
        let href = crate::model::url::with_query("/allocations", &pairs);
        assert!(
            href.ends_with("&filter=JobID%20matches%20%22%5Ebilling-%22%20and%20ClientStatus%20%3D%3D%20%22failed%22")
        );
        let read = nomad_api::query::parse_go_query(href.split_once('?').map_or("", |(_, q)| q));
        let value = read.iter().find(|(k, _)| k == FILTER).map(|(_, v)| v.as_str());
        assert_eq!(filter_expression(value).as_deref(), Some(expression));
        // An empty expression removes the parameter.
        let cleared = with_filter_expression(pairs.iter().copied(), "  ");
        assert_eq!(cleared.len(), 3);
        assert!(cleared.iter().all(|(k, _)| k != FILTER));
        assert_eq!(filter_expression(Some(" ")), None);
        assert_eq!(filter_expression(None), None);
    }

    /// `app.rs` is wasm-only, so its source is read: its `path!` literals, but for the root's
    /// redirect, are exactly [`PATTERNS`].
    #[test]
    fn the_router_declares_these_patterns() {
        let app = include_str!("../app.rs");
        let declared: Vec<&str> = app
            .split("path!(\"")
            .skip(1)
            .filter_map(|rest| rest.split_once('"').map(|(p, _)| p))
            .filter(|p| *p != "/")
            .collect();
        assert_eq!(declared, PATTERNS);
    }
}
