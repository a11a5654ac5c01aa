//! Search (`PUT/POST /v1/search` by ID prefix, `/v1/search/fuzzy` by name): the request and
//! answer shapes (`nomad/structs/search.go`) and the matching rules of Nomad's search
//! endpoint (`nomad/search_endpoint.go`), which are odd enough to deserve one home:
//!
//! * a prefix search reads at most [`TRUNCATE_LIMIT`] objects per context, starting at the
//!   prefix rounded down to an even number of hex digits, and keeps those whose ID has the
//!   prefix; a context is truncated when a further object exists;
//! * a fuzzy search reads at most `limit_query` (20) objects per context, keeps names that
//!   contain the text (any case), at most `limit_results` (100) per context, best first: the
//!   earliest match, then the shortest name, then by name;
//! * jobs are searched by job, group, task and service names and driver commands/images.

use crate::job::Job;
use crate::serde_util::nullable;
use crate::version::NomadVersion;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `structs.Context` values.
pub mod context {
    /// Allocations: by ID prefix; fuzzy, by allocation name.
    pub const ALLOCS: &str = "allocs";
    /// Deployments, by ID prefix (in a fuzzy search too).
    pub const DEPLOYMENTS: &str = "deployment";
    /// Evaluations, by ID prefix (in a fuzzy search too).
    pub const EVALS: &str = "evals";
    /// Jobs: by job ID prefix; fuzzy, by job name.
    pub const JOBS: &str = "jobs";
    /// Client nodes: by ID prefix; fuzzy, by node name.
    pub const NODES: &str = "nodes";
    /// Node pools (1.6.0+), by name.
    pub const NODE_POOLS: &str = "node_pools";
    /// Namespaces, by name.
    pub const NAMESPACES: &str = "namespaces";
    /// Quota specifications (Enterprise only).
    pub const QUOTAS: &str = "quotas";
    /// Dynamic application sizing recommendations (Enterprise only).
    pub const RECOMMENDATIONS: &str = "recommendations";
    /// Scaling policies, by ID prefix.
    pub const SCALING_POLICIES: &str = "scaling_policy";
    /// CSI plugins, by plugin ID.
    pub const PLUGINS: &str = "plugins";
    /// Variables, by path.
    pub const VARIABLES: &str = "vars";
    /// CSI volumes, by ID prefix.
    pub const VOLUMES: &str = "volumes";
    /// Dynamic host volumes (1.10.0+), by ID prefix.
    pub const HOST_VOLUMES: &str = "host_volumes";
    // What a job's fuzzy matches are filed under.
    /// Fuzzy only: task group names, scoped `[namespace, job]`.
    pub const GROUPS: &str = "groups";
    /// Fuzzy only: service names, scoped `[namespace, job, group]`, plus the task for a task's
    /// service.
    pub const SERVICES: &str = "services";
    /// Fuzzy only: task names, scoped `[namespace, job, group]`.
    pub const TASKS: &str = "tasks";
    /// Fuzzy only: the `image` of `docker` tasks, scoped `[namespace, job, group, task]`.
    pub const IMAGES: &str = "images";
    /// Fuzzy only: the `command` of `exec` and `raw_exec` tasks, scoped `[namespace, job, group,
    /// task]`.
    pub const COMMANDS: &str = "commands";
    /// Fuzzy only: the `class` of `java` tasks, scoped `[namespace, job, group, task]`.
    pub const CLASSES: &str = "classes";
    /// Every context of [`super::search_contexts`].
    pub const ALL: &str = "all";
}

/// `truncateLimit`: a prefix search reads this many objects per context.
pub const TRUNCATE_LIMIT: usize = 20;

/// The server's `search` block defaults (`command/agent/config.go` `DefaultConfig`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchConfig {
    /// `fuzzy_enabled`: whether `/v1/search/fuzzy` is served (404 when not); true by default.
    pub fuzzy_enabled: bool,
    /// `limit_query`: how many objects a fuzzy search reads per context (20).
    pub limit_query: usize,
    /// `limit_results`: how many matches a fuzzy search keeps per context (100).
    pub limit_results: usize,
    /// `min_term_length`: the shortest `Text` a fuzzy search answers (2 characters).
    pub min_term_length: usize,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig { fuzzy_enabled: true, limit_query: 20, limit_results: 100, min_term_length: 2 }
    }
}

/// `allContexts` of the open-source server, in its order: node pools from 1.6.0, host
/// volumes from 1.10.0 (`ossContexts` in `nomad/search_endpoint.go` at each tag).
pub fn search_contexts(version: NomadVersion) -> Vec<&'static str> {
    use context::*;
    let mut all = vec![ALLOCS, JOBS, NODES];
    if version.node_pools() {
        all.push(NODE_POOLS);
    }
    all.extend([EVALS, DEPLOYMENTS, PLUGINS, VOLUMES, SCALING_POLICIES, VARIABLES, NAMESPACES]);
    if version.host_volumes() {
        all.push(HOST_VOLUMES);
    }
    all
}

/// `expandContext`: `all` is every context, anything else itself.
pub fn expand_context(version: NomadVersion, context: &str) -> Vec<String> {
    if context == context::ALL {
        search_contexts(version).into_iter().map(str::to_string).collect()
    } else {
        vec![context.to_string()]
    }
}

/// The error of a context the server does not know (`getEnterpriseResourceIter`), which
/// lists the contexts as Go prints a slice.
pub fn unknown_context_error(version: NomadVersion, context: &str) -> String {
    format!(
        "context must be one of [{}] or 'all' for all contexts; got {context:?}",
        search_contexts(version).join(" ")
    )
}

/// `roundUUIDDownIfOdd`: drops the last character when the prefix, hyphens aside, has an odd
/// length, unless the search is of the `jobs` context alone.
pub fn round_uuid_down_if_odd<'a>(prefix: &'a str, context: &str) -> &'a str {
    if context == context::JOBS {
        return prefix;
    }
    let digits = prefix.chars().filter(|c| *c != '-').count();
    if digits.is_multiple_of(2) {
        prefix
    } else {
        let last = prefix.char_indices().next_back().map_or(0, |(i, _)| i);
        &prefix[..last]
    }
}

/// What go-memdb's UUID index makes of a prefix: the bytes it stands for, or `None` where the
/// index refuses it (longer than 36, more than four hyphens, an odd number of digits, not
/// hex). The search endpoint silences those refusals: the context is then left out.
pub fn uuid_prefix_bytes(prefix: &str) -> Option<Vec<u8>> {
    if prefix.len() > 36 || prefix.matches('-').count() > 4 {
        return None;
    }
    let digits: Vec<u8> = prefix.bytes().filter(|b| *b != b'-').collect();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits.chunks(2).map(|pair| std::str::from_utf8(pair).ok().and_then(|h| u8::from_str_radix(h, 16).ok())).collect()
}

/// Whether a UUID's bytes start with `prefix` (the index's own comparison: case and
/// hyphens do not matter).
pub fn uuid_has_prefix_bytes(uuid: &str, prefix: &[u8]) -> bool {
    uuid_prefix_bytes(uuid).is_some_and(|bytes| bytes.starts_with(prefix))
}

/// `getPrefixMatches` over IDs in index order that the index selected: the first
/// [`TRUNCATE_LIMIT`] are read, those starting with `prefix` kept; truncated when more exist.
pub fn prefix_matches<'a>(mut ids: impl Iterator<Item = &'a str>, prefix: &str) -> (Vec<String>, bool) {
    let mut matches = Vec::new();
    for _ in 0..TRUNCATE_LIMIT {
        let Some(id) = ids.next() else { break };
        if id.starts_with(prefix) {
            matches.push(id.to_string());
        }
    }
    (matches, ids.next().is_some())
}

/// `structs.FuzzyMatch`: `Scope` is the IDs of the parent objects, namespace first, left
/// out when empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct FuzzyMatch {
    /// `ID`: the matched name (or UUID) itself.
    #[serde(rename = "ID")]
    pub id: String,
    /// IDs of the parent objects, namespace first (`[namespace, job, group, task]` for a task's
    /// service).
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub scope: Vec<String>,
}

/// A fuzzy match and its score: where in the name the text starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoredMatch {
    /// The matched name, the `ID` of the resulting [`FuzzyMatch`].
    pub id: String,
    /// IDs of the parent objects, namespace first.
    pub scope: Vec<String>,
    /// Byte offset in the lower-cased name where the text starts; lower ranks first.
    pub score: usize,
}

/// `fuzzyIndex`: where `text` (already lower case) starts in `name`, ignoring case.
pub fn fuzzy_index(name: &str, text: &str) -> Option<usize> {
    name.to_lowercase().find(text)
}

/// A match of `name` against `text`, if it contains it.
pub fn fuzzy_match(name: &str, text: &str, scope: Vec<String>) -> Option<ScoredMatch> {
    fuzzy_index(name, text).map(|score| ScoredMatch { id: name.to_string(), scope, score })
}

/// `sortSet`: earliest match first, then the shorter name, then by name.
pub fn sort_matches(matches: &mut [ScoredMatch]) {
    matches.sort_by(|a, b| a.score.cmp(&b.score).then(a.id.len().cmp(&b.id.len())).then(a.id.cmp(&b.id)));
}

fn service_names(services: &[serde_json::Value]) -> impl Iterator<Item = &str> {
    services.iter().filter_map(|s| s.get("Name").and_then(|n| n.as_str()))
}

/// `fuzzyMatchesJob`: a job's matches by context, scoped `[namespace, job, group, task]`.
/// The group's own services are not in this agent's job model; task services are.
pub fn fuzzy_job_matches(job: &Job, text: &str) -> BTreeMap<&'static str, Vec<ScoredMatch>> {
    let mut out: BTreeMap<&'static str, Vec<ScoredMatch>> = BTreeMap::new();
    let scope = |parts: &[&str]| -> Vec<String> {
        std::iter::once(job.namespace.as_str()).chain(parts.iter().copied()).map(str::to_string).collect()
    };
    let mut add = |ctx: &'static str, m: Option<ScoredMatch>| {
        if let Some(m) = m {
            out.entry(ctx).or_default().push(m);
        }
    };
    add(context::JOBS, fuzzy_match(&job.name, text, scope(&[&job.id])));
    for group in &job.task_groups {
        add(context::GROUPS, fuzzy_match(&group.name, text, scope(&[&job.id])));
        for task in &group.tasks {
            add(context::TASKS, fuzzy_match(&task.name, text, scope(&[&job.id, &group.name])));
            for service in service_names(&task.services) {
                add(context::SERVICES, fuzzy_match(service, text, scope(&[&job.id, &group.name, &task.name])));
            }
            let param = |key: &str| task.config.get(key).and_then(|v| v.as_str()).unwrap_or("").to_string();
            let (ctx, value) = match task.driver.as_str() {
                "docker" => (context::IMAGES, param("image")),
                "exec" | "raw_exec" => (context::COMMANDS, param("command")),
                "java" => (context::CLASSES, param("class")),
                _ => continue,
            };
            add(ctx, fuzzy_match(&value, text, scope(&[&job.id, &group.name, &task.name])));
        }
    }
    out
}

/// The contexts a job's matches are filed under, in the order this agent visits them (Go
/// visits a map, in no set order).
const JOB_MATCH_CONTEXTS: [&str; 7] = [
    context::JOBS,
    context::GROUPS,
    context::SERVICES,
    context::TASKS,
    context::IMAGES,
    context::COMMANDS,
    context::CLASSES,
];

/// `getFuzzyMatches` over one context's objects in index order: at most `limit_query`
/// objects are read and `limit_results` matches kept per context. A context is truncated
/// when a match is refused for the results limit, or found in the last object read while
/// more objects remain.
pub fn collect_fuzzy<T>(
    objects: impl Iterator<Item = T>,
    config: &SearchConfig,
    matches_of: impl Fn(&T) -> BTreeMap<&'static str, Vec<ScoredMatch>>,
) -> (BTreeMap<&'static str, Vec<FuzzyMatch>>, BTreeMap<&'static str, bool>) {
    let mut unsorted: BTreeMap<&'static str, Vec<ScoredMatch>> = BTreeMap::new();
    let mut truncations: BTreeMap<&'static str, bool> = BTreeMap::new();
    let mut objects = objects.peekable();
    for i in 0..config.limit_query {
        let Some(object) = objects.next() else { break };
        let limited = i + 1 == config.limit_query && objects.peek().is_some();
        let mut set = matches_of(&object);
        let order: Vec<&'static str> = JOB_MATCH_CONTEXTS
            .into_iter()
            .filter(|c| set.contains_key(c))
            .chain(set.keys().copied().filter(|k| !JOB_MATCH_CONTEXTS.contains(k)))
            .collect();
        // `accumulateSet` stops at the first truncation, whichever context it is in.
        'set: for ctx in order {
            let Some(found) = set.remove(ctx) else { continue };
            for m in found {
                let kept = unsorted.entry(ctx).or_default();
                if kept.len() >= config.limit_results {
                    truncations.insert(ctx, true);
                    break 'set;
                }
                kept.push(m);
                if limited {
                    truncations.insert(ctx, true);
                    break 'set;
                }
            }
        }
    }
    let matches = unsorted
        .into_iter()
        .map(|(ctx, mut found)| {
            sort_matches(&mut found);
            (ctx, found.into_iter().map(|m| FuzzyMatch { id: m.id, scope: m.scope }).collect())
        })
        .collect();
    (matches, truncations)
}

/// Body of `/v1/search` (`structs.SearchRequest`, query options embedded).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct SearchRequest {
    /// Start of the IDs to find (names for node pools and namespaces, paths for variables); empty
    /// matches every object.
    pub prefix: String,
    /// One [`context`] value, or `all`.
    pub context: String,
    /// Namespace to search; `*` for all; empty for `default`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Region to search; empty for the agent's own.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub region: String,
}

/// Body of `/v1/search/fuzzy` (`structs.FuzzySearchRequest`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct FuzzySearchRequest {
    /// Text to find within names, case-insensitively; at least `min_term_length` long.
    pub text: String,
    /// One [`context`] value, or `all`.
    pub context: String,
    /// Namespace to search; `*` for all; empty for `default`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Region to search; empty for the agent's own.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub region: String,
}

/// `structs.SearchResponse`, query metadata included. A context with no match is `null`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct SearchResponse {
    /// Matching IDs by context, at most [`TRUNCATE_LIMIT`] each.
    #[serde(deserialize_with = "nullable")]
    pub matches: BTreeMap<String, Option<Vec<String>>>,
    /// By context: whether more objects lay beyond those read.
    #[serde(deserialize_with = "nullable")]
    pub truncations: BTreeMap<String, bool>,
    /// Raft index of the answer, for blocking queries.
    pub index: u64,
    /// Nanoseconds.
    pub last_contact: i64,
    /// Whether the answering server knew of a cluster leader.
    pub known_leader: bool,
    /// Pagination token; search does not paginate, so empty.
    pub next_token: String,
}

/// `structs.FuzzySearchResponse`, query metadata included.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct FuzzySearchResponse {
    /// Matches by context, best first.
    #[serde(deserialize_with = "nullable")]
    pub matches: BTreeMap<String, Vec<FuzzyMatch>>,
    /// By context: whether matches were left out for a limit.
    #[serde(deserialize_with = "nullable")]
    pub truncations: BTreeMap<String, bool>,
    /// Raft index of the answer, for blocking queries.
    pub index: u64,
    /// Time since the answering server last heard from the leader, in nanoseconds.
    pub last_contact: i64,
    /// Whether the answering server knew of a cluster leader.
    pub known_leader: bool,
    /// Pagination token; search does not paginate, so empty.
    pub next_token: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::{Task, TaskGroup};

    #[test]
    fn contexts_follow_the_release() {
        // nomad/search_endpoint.go ossContexts at v1.5.0, v1.6.0, v1.10.0.
        assert!(!search_contexts(NomadVersion::new(1, 5, 17)).contains(&context::NODE_POOLS));
        assert_eq!(search_contexts(NomadVersion::new(1, 6, 0))[3], context::NODE_POOLS);
        assert_eq!(search_contexts(NomadVersion::LATEST).last(), Some(&context::HOST_VOLUMES));
        assert_eq!(
            unknown_context_error(NomadVersion::new(1, 9, 0), "x"),
            "context must be one of [allocs jobs nodes node_pools evals deployment plugins volumes scaling_policy vars namespaces] or 'all' for all contexts; got \"x\""
        );
    }

    #[test]
    fn uuid_prefixes_as_memdb_reads_them() {
        assert_eq!(round_uuid_down_if_odd("abc", context::ALL), "ab");
        assert_eq!(round_uuid_down_if_odd("abc", context::JOBS), "abc");
        assert_eq!(round_uuid_down_if_odd("e3671fa4-21", context::EVALS), "e3671fa4-21");
        assert_eq!(uuid_prefix_bytes("AB-cd"), Some(vec![0xab, 0xcd]));
        assert_eq!(uuid_prefix_bytes("web"), None);
        assert_eq!(uuid_prefix_bytes("we"), None);
        assert_eq!(uuid_prefix_bytes(""), Some(vec![]));
        assert!(uuid_has_prefix_bytes("abcd1234-0000-0000-0000-000000000000", &[0xab, 0xcd]));
        let ids = ["a1", "a2", "b1"];
        assert_eq!(prefix_matches(ids.iter().copied(), "a"), (vec!["a1".to_string(), "a2".to_string()], false));
        let many: Vec<String> = (0..25).map(|i| format!("{i:02}")).collect();
        let (found, truncated) = prefix_matches(many.iter().map(String::as_str), "1");
        assert_eq!((found.len(), truncated), (10, true));
    }

    fn job(name: &str) -> Job {
        Job {
            id: name.into(),
            name: name.into(),
            namespace: "default".into(),
            task_groups: vec![TaskGroup {
                name: "web".into(),
                tasks: vec![Task {
                    name: "server".into(),
                    driver: "raw_exec".into(),
                    config: BTreeMap::from([("command".to_string(), serde_json::json!("/bin/web-server"))]),
                    services: vec![serde_json::json!({"Name": "web-http"})],
                    ..Task::default()
                }],
                ..TaskGroup::default()
            }],
            ..Job::default()
        }
    }

    /// nomad/search_endpoint.go fuzzyMatchesJob and sortSet (v1.11.3).
    #[test]
    fn jobs_match_by_their_parts() {
        let m = fuzzy_job_matches(&job("web"), "web");
        assert_eq!(m[context::JOBS][0].scope, ["default", "web"]);
        assert_eq!(m[context::GROUPS][0].id, "web");
        assert_eq!(m[context::SERVICES][0].scope, ["default", "web", "web", "server"]);
        assert_eq!((m[context::COMMANDS][0].id.as_str(), m[context::COMMANDS][0].score), ("/bin/web-server", 5));
        assert!(!m.contains_key(context::TASKS));
        let mut s = vec![
            ScoredMatch { id: "xweb".into(), scope: vec![], score: 1 },
            ScoredMatch { id: "webserver".into(), scope: vec![], score: 0 },
            ScoredMatch { id: "web".into(), scope: vec![], score: 0 },
            ScoredMatch { id: "wea".into(), scope: vec![], score: 0 },
        ];
        sort_matches(&mut s);
        let ids: Vec<&str> = s.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["wea", "web", "webserver", "xweb"]);
    }

    #[test]
    fn fuzzy_results_are_limited_and_truncated() {
        let config = SearchConfig { limit_query: 3, limit_results: 2, ..SearchConfig::default() };
        let names = ["web-a", "web-b", "web-c", "web-d"];
        let one = |n: &&str| BTreeMap::from([(context::NODES, vec![fuzzy_match(n, "web", vec![]).unwrap()])]);
        let (m, t) = collect_fuzzy(names.iter().copied(), &config, one);
        assert_eq!(m[context::NODES].len(), 2);
        assert_eq!(t.get(context::NODES), Some(&true));
        let config = SearchConfig { limit_query: 4, limit_results: 100, ..SearchConfig::default() };
        let (m, t) = collect_fuzzy(names.iter().copied(), &config, one);
        assert_eq!((m[context::NODES].len(), t.get(context::NODES)), (4, None));
        let config = SearchConfig { limit_query: 3, limit_results: 100, ..SearchConfig::default() };
        let (m, t) = collect_fuzzy(names.iter().copied(), &config, one);
        assert_eq!((m[context::NODES].len(), t.get(context::NODES)), (3, Some(&true)));
        assert!(serde_json::to_string(&m[context::NODES][0]).unwrap() == r#"{"ID":"web-a"}"#);
    }
}
