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
