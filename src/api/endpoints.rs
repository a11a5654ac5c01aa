//! Every endpoint the dashboard calls: its URL (built with `ApiUrl`), method, body and the
//! ACL capability Nomad's docs list for it. Pages name endpoints here and never build URLs.

use crate::acl::{ns, Capability};
use nomad_api::query::{ApiUrl, QueryOptions};
use nomad_api::{scheduling_eligibility, AllocRestartRequest, AllocSignalRequest, NodeUpdateEligibilityRequest};
use std::time::Duration;

/// Where reads go: the region and namespace from the page URL, and the stale-reads setting.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub region: Option<String>,
    /// `None` is Nomad's default namespace; `*` is all namespaces.
    pub namespace: Option<String>,
    pub stale: bool,
}

impl Scope {
    /// The namespace ACL checks run against.
    pub fn namespace_name(&self) -> &str {
        self.namespace.as_deref().unwrap_or(nomad_api::query::DEFAULT_NAMESPACE)
    }

    fn options(&self, namespaced: bool) -> QueryOptions {
        QueryOptions {
            region: self.region.clone(),
            namespace: if namespaced { self.namespace.clone() } else { None },
            stale: self.stale,
            index: None,
            wait: None,
        }
    }
}

/// A GET.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    url: ApiUrl,
    options: QueryOptions,
    pub needs: Capability,
    /// Nomad documents the endpoint as supporting blocking queries.
    pub blocking: bool,
    /// The endpoint answers errors with its usual JSON body (`/v1/agent/health` sends 500
    /// with `ok: false`), so the body is decoded whatever the status.
    pub json_on_error: bool,
}

impl Read {
    fn new(url: ApiUrl, options: QueryOptions, needs: Capability) -> Self {
        Read { url, options, needs, blocking: false, json_on_error: false }
    }

    fn blocking(mut self) -> Self {
        self.blocking = true;
        self
    }

    /// The first page of a paginated list (`per_page`, Nomad 1.4+ list endpoints): enough to
    /// learn whether the agent accepts the read's filter without reading the whole list.
    pub fn first_page(mut self, per_page: u32) -> Self {
        self.url = self.url.param("per_page", per_page);
        self
    }

    /// `/v1/...?...`, blocking on `index` when given.
    pub fn path_and_query(&self, index: Option<u64>, wait: Duration) -> String {
        self.url(index, wait).path_and_query()
    }

    /// Whether the query has `key` (a `filter` expression: the event stream cannot narrow
    /// events by it).
    pub fn has_param(&self, key: &str) -> bool {
        self.url.params().iter().any(|(k, _)| k == key)
    }

    /// One page of this list: `per_page` rows (all the rest when `None`) from `next_token`,
    /// the value of the previous page's `X-Nomad-NextToken` (Nomad's paginator,
    /// `nomad/state/paginator`). `reverse` asks for newest first (allocations are listed in
    /// create-index order); only lists whose table is read in that order may ask, for the
    /// paginator compares tokens the reverse way whatever order the table is read in, and
    /// would start each later page over (`/v1/nodes` never reads backwards, `/v1/jobs` only
    /// from 1.8.0: `Node.List`, `Job.List` in `nomad/*_endpoint.go`).
    pub fn page(&self, per_page: Option<u32>, next_token: Option<&str>, reverse: bool) -> Read {
        let url = self.url.clone().param_opt("reverse", reverse.then_some(true));
        let url = url.param_opt("per_page", per_page).param_opt("next_token", next_token);
        Read { url, ..self.clone() }
    }

    fn url(&self, index: Option<u64>, wait: Duration) -> ApiUrl {
        let options = QueryOptions { index, wait: Some(wait), ..self.options.clone() };
        self.url.clone().query_options(&options)
    }
}

/// A request that changes something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    pub method: &'static str,
    pub path_and_query: String,
    pub body: Option<String>,
    pub needs: Capability,
}

impl Write {
    fn new(method: &'static str, url: ApiUrl, scope: &Scope, namespaced: bool, needs: Capability) -> Self {
        let mut options = scope.options(namespaced);
        options.stale = false;
        Write { method, path_and_query: url.query_options(&options).path_and_query(), body: None, needs }
    }

    fn json(mut self, body: &impl serde::Serialize) -> Self {
        self.body = serde_json::to_string(body).ok();
        self
    }
}

const NONE: Capability = Capability::None;

pub fn agent_health() -> Read {
    let mut r = Read::new(ApiUrl::new(&["agent", "health"]), QueryOptions::default(), NONE);
    r.json_on_error = true;
    r
}

pub fn agent_self() -> Read {
    Read::new(ApiUrl::new(&["agent", "self"]), QueryOptions::default(), Capability::AgentRead)
}

pub fn agent_members() -> Read {
    Read::new(ApiUrl::new(&["agent", "members"]), QueryOptions::default(), Capability::NodeRead)
}

pub fn agent_servers() -> Read {
    Read::new(ApiUrl::new(&["agent", "servers"]), QueryOptions::default(), Capability::AgentRead)
}

/// Replaces the agent's server list (`address` repeated).
pub fn agent_servers_update(addresses: &[String]) -> Write {
    let url = addresses.iter().fold(ApiUrl::new(&["agent", "servers"]), |u, a| u.param("address", a));
    Write::new("POST", url, &Scope::default(), false, Capability::AgentWrite)
}

pub fn agent_join(address: &str) -> Write {
    Write::new(
        "POST",
        ApiUrl::new(&["agent", "join"]).param("address", address),
        &Scope::default(),
        false,
        Capability::AgentWrite,
    )
}

pub fn agent_force_leave(node: &str) -> Write {
    Write::new(
        "POST",
        ApiUrl::new(&["agent", "force-leave"]).param("node", node),
        &Scope::default(),
        false,
        Capability::AgentWrite,
    )
}

pub fn regions() -> Read {
    Read::new(ApiUrl::new(&["regions"]), QueryOptions::default(), NONE)
}

pub fn namespaces(scope: &Scope) -> Read {
    Read::new(ApiUrl::new(&["namespaces"]), scope.options(false), NONE).blocking()
}

pub fn token_self() -> Read {
    Read::new(ApiUrl::new(&["acl", "token", "self"]), QueryOptions::default(), NONE)
}

pub fn acl_policy(name: &str) -> Read {
    Read::new(ApiUrl::new(&["acl", "policy", name]), QueryOptions::default(), NONE)
}

/// The list without task states: they are most of its size and the list does not show them.
/// `filter` is a go-bexpr expression the agent applies to each allocation (none: all).
pub fn allocations(scope: &Scope, filter: Option<&str>) -> Read {
    let url = ApiUrl::new(&["allocations"]).param("task_states", false).param_opt("filter", filter);
    Read::new(url, scope.options(true), Capability::Namespace(ns::READ_JOB)).blocking()
}

/// The allocations on one node, whole (`/v1/node/:id/allocations` answers full allocations,
/// each with its job; `nomad/node_endpoint.go` `GetAllocs` needs `node:read` and leaves out
/// those of namespaces the token may not read).
pub fn node_allocations(scope: &Scope, node_id: &str) -> Read {
    Read::new(ApiUrl::new(&["node", node_id, "allocations"]), scope.options(false), Capability::NodeRead).blocking()
}

/// `/v1/event/stream` for `topics` in the scope's namespace (`*` for all), from the oldest
/// batch the agent holds (no `index`): see `model::feed` for why that is exact.
pub fn event_stream(scope: &Scope, topics: &[&str]) -> Read {
    let url = topics.iter().fold(ApiUrl::new(&["event", "stream"]), |u, t| u.param("topic", t));
    let mut options = scope.options(true);
    options.stale = false;
    Read::new(url, options, Capability::Namespace(ns::READ_JOB))
}

/// `/v1/event/stream?topic=Node`: node events have no namespace and pass every
/// subscription's (`nomad/stream/subscription.go`); subscribing needs `node:read`
/// (`nomad/event_endpoint.go`).
pub fn node_event_stream(scope: &Scope) -> Read {
    let url = ApiUrl::new(&["event", "stream"]).param("topic", nomad_api::event::topic::NODE);
    let mut options = scope.options(false);
    options.stale = false;
    Read::new(url, options, Capability::NodeRead)
}

/// `/v1/event/stream?topic=Node:<id>`: one node's events (the stream's key filter,
/// `nomad/stream/subscription.go`), for its page; `node:read` as for every Node event.
pub fn one_node_event_stream(scope: &Scope, id: &str) -> Read {
    let key = format!("{}:{id}", nomad_api::event::topic::NODE);
    let url = ApiUrl::new(&["event", "stream"]).param("topic", key);
    let mut options = scope.options(false);
    options.stale = false;
    Read::new(url, options, Capability::NodeRead)
}

/// Marks a node eligible or ineligible for scheduling (`node:write`), as Nomad's UI sends it:
/// a POST naming the node in the body too (`ui/app/adapters/node.js` `setEligibility`).
pub fn node_eligibility(scope: &Scope, id: &str, eligible: bool) -> Write {
    let eligibility = if eligible { scheduling_eligibility::ELIGIBLE } else { scheduling_eligibility::INELIGIBLE };
    let body = NodeUpdateEligibilityRequest { node_id: id.to_string(), eligibility: eligibility.to_string() };
    Write::new("POST", ApiUrl::new(&["node", id, "eligibility"]), scope, false, Capability::NodeWrite).json(&body)
}

/// A job's allocation counts by group (`/v1/job/:id/summary`, `namespace:read-job`), in the
/// scope's namespace, from the leader: read when an event says they may have changed, where
/// a stale answer could be older than the event. 404 once the job is purged
/// (`jobSummaryRequest` in `command/agent/job_endpoint.go`).
pub fn job_summary(scope: &Scope, id: &str) -> Read {
    let mut options = scope.options(true);
    options.stale = false;
    Read::new(ApiUrl::new(&["job", id, "summary"]), options, Capability::Namespace(ns::READ_JOB)).blocking()
}

pub fn allocation(scope: &Scope, id: &str) -> Read {
    Read::new(ApiUrl::new(&["allocation", id]), scope.options(true), Capability::Namespace(ns::READ_JOB)).blocking()
}

pub fn allocation_stats(scope: &Scope, id: &str) -> Read {
    let url = ApiUrl::new(&["client", "allocation", id, "stats"]);
    Read::new(url, scope.options(true), Capability::Namespace(ns::READ_JOB))
}

pub fn allocation_stop(scope: &Scope, id: &str) -> Write {
    Write::new(
        "POST",
        ApiUrl::new(&["allocation", id, "stop"]),
        scope,
        true,
        Capability::Namespace(ns::ALLOC_LIFECYCLE),
    )
}

/// `task: None` signals every task.
pub fn allocation_signal(scope: &Scope, id: &str, task: Option<&str>, signal: &str) -> Write {
    let body = AllocSignalRequest { signal: signal.to_string(), task: task.unwrap_or_default().to_string() };
    Write::new(
        "POST",
        ApiUrl::new(&["client", "allocation", id, "signal"]),
        scope,
        true,
        Capability::Namespace(ns::ALLOC_LIFECYCLE),
    )
    .json(&body)
}

/// `task: None` restarts every task.
pub fn allocation_restart(scope: &Scope, id: &str, task: Option<&str>) -> Write {
    let body = AllocRestartRequest { task_name: task.unwrap_or_default().to_string(), all_tasks: task.is_none() };
    Write::new(
        "POST",
        ApiUrl::new(&["client", "allocation", id, "restart"]),
        scope,
        true,
        Capability::Namespace(ns::ALLOC_LIFECYCLE),
    )
    .json(&body)
}

/// Nomad documents GC as a GET. From 1.11.2 `gc-allocation` also allows it
/// (`client/alloc_endpoint.go` `GarbageCollect`).
pub fn allocation_gc(scope: &Scope, id: &str) -> Write {
    Write::new(
        "GET",
        ApiUrl::new(&["client", "allocation", id, "gc"]),
        scope,
        true,
        Capability::NamespaceAnyOf(&[ns::SUBMIT_JOB, ns::GC_ALLOCATION]),
    )
}

/// The exec WebSocket's path (`exec::socket_url` makes it a `ws(s)://` URL): the command as a
/// JSON array under a terminal, the token in the first frame (`ws_handshake`), never in the URL.
/// Like Nomad's UI, only the region goes along: the agent checks the allocation's own namespace.
/// Nomad also wants alloc-node-exec for drivers without filesystem isolation (raw_exec).
pub fn allocation_exec(scope: &Scope, id: &str, task: &str, command: &[String]) -> Write {
    // A list of strings always serializes.
    let command = serde_json::to_string(command).unwrap_or_default();
    let url = ApiUrl::new(&["client", "allocation", id, "exec"])
        .param("task", task)
        .param("tty", true)
        .param("ws_handshake", true)
        .param("command", command)
        .param_opt("region", scope.region.as_deref());
    Write {
        method: "GET",
        path_and_query: url.path_and_query(),
        body: None,
        needs: Capability::Namespace(ns::ALLOC_EXEC),
    }
}

/// `filter` is a go-bexpr expression the agent applies to each job (none: all).
pub fn jobs(scope: &Scope, filter: Option<&str>) -> Read {
    let url = ApiUrl::new(&["jobs"]).param_opt("filter", filter);
    Read::new(url, scope.options(true), Capability::Namespace(ns::LIST_JOBS)).blocking()
}

pub fn nodes(scope: &Scope) -> Read {
    Read::new(ApiUrl::new(&["nodes"]), scope.options(false), Capability::NodeRead).blocking()
}

pub fn node(scope: &Scope, id: &str) -> Read {
    Read::new(ApiUrl::new(&["node", id]), scope.options(false), Capability::NodeRead).blocking()
}

pub fn client_stats(scope: &Scope, node_id: &str) -> Read {
    let url = ApiUrl::new(&["client", "stats"]).param("node_id", node_id);
    Read::new(url, scope.options(false), Capability::NodeRead)
}

/// `/v1/client/fs/*` of an allocation: like Nomad's UI, only the region goes along (the
/// agent checks the allocation's own namespace). Paths are relative to the allocation
/// directory.
fn fs(scope: &Scope, endpoint: &str, alloc: &str, needs: &'static str) -> (ApiUrl, QueryOptions, Capability) {
    let options = QueryOptions { region: scope.region.clone(), ..QueryOptions::default() };
    (ApiUrl::new(&["client", "fs", endpoint, alloc]), options, Capability::Namespace(needs))
}

pub fn fs_ls(scope: &Scope, alloc: &str, path: &str) -> Read {
    let (url, options, needs) = fs(scope, "ls", alloc, ns::READ_FS);
    Read::new(url.param("path", path), options, needs)
}

pub fn fs_stat(scope: &Scope, alloc: &str, path: &str) -> Read {
    let (url, options, needs) = fs(scope, "stat", alloc, ns::READ_FS);
    Read::new(url.param("path", path), options, needs)
}

/// The whole file, raw.
pub fn fs_cat(scope: &Scope, alloc: &str, path: &str) -> Read {
    let (url, options, needs) = fs(scope, "cat", alloc, ns::READ_FS);
    Read::new(url.param("path", path), options, needs)
}

/// `limit` bytes from `offset`, raw.
pub fn fs_readat(scope: &Scope, alloc: &str, path: &str, offset: u64, limit: u64) -> Read {
    let (url, options, needs) = fs(scope, "readat", alloc, ns::READ_FS);
    Read::new(url.param("path", path).param("offset", offset).param("limit", limit), options, needs)
}

/// A task's stdout or stderr, followed, framed or `plain`, from `offset` bytes after the
/// start (`origin` `start`) or before the end (`end`) of its rotated files.
pub fn fs_logs(scope: &Scope, alloc: &str, task: &str, log_type: &str, plain: bool, origin: &str, offset: u64) -> Read {
    let (url, options, needs) = fs(scope, "logs", alloc, ns::READ_LOGS);
    let url = url
        .param("task", task)
        .param("type", log_type)
        .param("follow", true)
        .param("origin", origin)
        .param("offset", offset);
    Read::new(if plain { url.param("plain", true) } else { url }, options, needs)
}

/// One file, followed, framed.
pub fn fs_stream(scope: &Scope, alloc: &str, path: &str, origin: &str, offset: u64) -> Read {
    let (url, options, needs) = fs(scope, "stream", alloc, ns::READ_FS);
    Read::new(
        url.param("path", path).param("follow", true).param("origin", origin).param("offset", offset),
        options,
        needs,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        Scope { region: Some("eu".into()), namespace: Some("*".into()), stale: true }
    }

    #[test]
    fn reads_carry_scope_and_block_only_with_an_index() {
        let r = allocations(&scope(), None);
        assert!(r.blocking);
        assert_eq!(
            r.path_and_query(None, Duration::from_secs(60)),
            "/v1/allocations?task_states=false&region=eu&namespace=%2A&stale"
        );
        assert_eq!(
            r.path_and_query(Some(7), Duration::from_secs(60)),
            "/v1/allocations?task_states=false&region=eu&namespace=%2A&stale&index=7&wait=60s"
        );
        // A filter expression travels as Nomad's `filter` parameter, percent-encoded whole.
        let expression = r#"JobID matches "^billing-" and ClientStatus == "failed""#;
        assert_eq!(
            allocations(&Scope::default(), Some(expression)).path_and_query(None, Duration::ZERO),
            "/v1/allocations?task_states=false\
             &filter=JobID%20matches%20%22%5Ebilling-%22%20and%20ClientStatus%20%3D%3D%20%22failed%22"
        );
        assert_eq!(
            jobs(&Scope::default(), Some("Status == \"dead\"")).first_page(1).path_and_query(None, Duration::ZERO),
            "/v1/jobs?filter=Status%20%3D%3D%20%22dead%22&per_page=1"
        );
        assert_eq!(jobs(&Scope::default(), None).path_and_query(None, Duration::ZERO), "/v1/jobs");
        // Nodes are not namespaced.
        assert_eq!(nodes(&scope()).path_and_query(None, Duration::ZERO), "/v1/nodes?region=eu&stale");
        assert_eq!(
            client_stats(&Scope::default(), "n 1").path_and_query(None, Duration::ZERO),
            "/v1/client/stats?node_id=n%201"
        );
    }

    #[test]
    fn writes_have_bodies_and_capabilities() {
        let s = Scope { namespace: Some("web".into()), ..Scope::default() };
        let w = allocation_signal(&s, "abc", Some("redis"), "SIGUSR1");
        assert_eq!(w.path_and_query, "/v1/client/allocation/abc/signal?namespace=web");
        assert_eq!(w.body.as_deref(), Some(r#"{"Signal":"SIGUSR1","Task":"redis"}"#));
        assert_eq!(w.needs.to_string(), "namespace:alloc-lifecycle");
        let w = allocation_restart(&s, "abc", None);
        assert_eq!(w.body.as_deref(), Some(r#"{"AllTasks":true}"#));
        let w = node_eligibility(&s, "n1", false);
        assert_eq!((w.method, w.path_and_query.as_str()), ("POST", "/v1/node/n1/eligibility"));
        assert_eq!(w.body.as_deref(), Some(r#"{"NodeID":"n1","Eligibility":"ineligible"}"#));
        assert_eq!(w.needs, Capability::NodeWrite);
        let w = agent_servers_update(&["1.2.3.4:4647".into(), "5.6.7.8:4647".into()]);
        assert_eq!(w.path_and_query, "/v1/agent/servers?address=1.2.3.4%3A4647&address=5.6.7.8%3A4647");
        assert_eq!(w.needs, Capability::AgentWrite);
    }

    #[test]
    fn exec_carries_the_command_as_json_and_no_token() {
        let s = Scope { region: Some("eu".into()), namespace: Some("web".into()), stale: true };
        let w = allocation_exec(&s, "a1", "redis", &["/bin/sh".into(), "-c".into(), "echo \"hi\"".into()]);
        assert_eq!(
            w.path_and_query,
            "/v1/client/allocation/a1/exec?task=redis&tty=true&ws_handshake=true\
             &command=%5B%22%2Fbin%2Fsh%22%2C%22-c%22%2C%22echo%20%5C%22hi%5C%22%22%5D&region=eu"
        );
        assert_eq!(w.needs.to_string(), "namespace:alloc-exec");
    }

    #[test]
    fn fs_endpoints_name_their_capability_and_only_the_region() {
        let s = Scope { region: Some("eu".into()), namespace: Some("web".into()), stale: true };
        let r = fs_logs(&s, "a1", "web", "stderr", true, "end", 65536);
        assert_eq!(
            r.path_and_query(None, Duration::ZERO),
            "/v1/client/fs/logs/a1?task=web&type=stderr&follow=true&origin=end&offset=65536&plain=true&region=eu"
        );
        assert_eq!(r.needs.to_string(), "namespace:read-logs");
        let r = fs_readat(&Scope::default(), "a1", "alloc/logs/x y", 10, 20);
        assert_eq!(
            r.path_and_query(None, Duration::ZERO),
            "/v1/client/fs/readat/a1?path=alloc%2Flogs%2Fx%20y&offset=10&limit=20"
        );
        assert_eq!(r.needs.to_string(), "namespace:read-fs");
        assert_eq!(
            fs_stream(&Scope::default(), "a1", "f", "start", 3).path_and_query(None, Duration::ZERO),
            "/v1/client/fs/stream/a1?path=f&follow=true&origin=start&offset=3"
        );
    }

    /// Every URL the dashboard builds, read back as the agent reads it (`nomad_api::query`'s
    /// `parse_go_query` and `ServerQueryOptions::parse`, Nomad's `parse` in
    /// `command/agent/http.go`): the same pairs, and the region, namespace, consistency, index
    /// and wait the dashboard meant. Names with spaces, slashes and `%` must survive.
    #[test]
    fn every_url_parses_into_the_agents_query_options() {
        use nomad_api::query::{parse_go_query, ServerQueryOptions, DEFAULT_NAMESPACE, MAX_WAIT};
        const AGENT_REGION: &str = "global";
        let scopes = [
            Scope::default(),
            Scope { region: Some("eu west/1".into()), namespace: Some("team a/100%".into()), stale: true },
            Scope { region: None, namespace: Some("*".into()), stale: false },
        ];
        let (id, path) = ("a/b c%", "alloc/logs/web.stdout.0 +&=");
        for s in &scopes {
            let reads = [
                agent_health(),
                agent_self(),
                agent_members(),
                agent_servers(),
                regions(),
                namespaces(s),
                token_self(),
                acl_policy(id),
                allocations(s, None),
                allocations(s, Some("JobID matches \"^a&b=c%\" and Name != \"x y\"")),
                allocation(s, id),
                allocation_stats(s, id),
                jobs(s, None),
                jobs(s, Some("ID == \"a+b\"")).first_page(1),
                nodes(s),
                node(s, id),
                one_node_event_stream(s, id),
                client_stats(s, id),
                fs_ls(s, id, path),
                fs_stat(s, id, path),
                fs_cat(s, id, path),
                fs_readat(s, id, path, 1, 2),
                fs_logs(s, id, "web", "stderr", true, "end", 3),
                fs_stream(s, id, path, "start", 4),
            ];
            for read in &reads {
                for (index, wait) in
                    [(None, Duration::ZERO), (Some(42), Duration::from_secs(90)), (Some(1), Duration::from_secs(3600))]
                {
                    let url = read.url(index, wait);
                    let text = url.path_and_query();
                    let query = text.split_once('?').map_or("", |(_, q)| q);
                    let pairs = parse_go_query(query);
                    assert_eq!(pairs, url.params(), "{text}");
                    let parsed =
                        ServerQueryOptions::parse(&pairs, AGENT_REGION).unwrap_or_else(|e| panic!("{text}: {e}"));
                    let o = &read.options;
                    assert_eq!(parsed.region, o.region.as_deref().unwrap_or(AGENT_REGION), "{text}");
                    assert_eq!(parsed.namespace, o.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE), "{text}");
                    assert_eq!(parsed.stale, o.stale, "{text}");
                    assert_eq!(parsed.min_index, index.unwrap_or(0), "{text}");
                    let expected_wait = if index.is_some() { wait.min(MAX_WAIT) } else { Duration::ZERO };
                    assert_eq!(parsed.max_wait, expected_wait, "{text}");
                }
            }
            let exec = allocation_exec(s, id, "web", &["/bin/sh".into(), "-c".into(), "echo a&b=c%".into()]);
            // The agent's own writes carry no scope; the others the page's region.
            let writes = [
                (agent_servers_update(&["1.2.3.4:4647".into()]), false),
                (agent_join("x y"), false),
                (agent_force_leave("n&1"), false),
                (allocation_stop(s, id), true),
                (allocation_signal(s, id, Some("web"), "SIGHUP"), true),
                (allocation_restart(s, id, None), true),
                (allocation_gc(s, id), true),
                (exec, true),
                (node_eligibility(s, id, true), true),
            ];
            for (write, scoped) in &writes {
                let text = &write.path_and_query;
                let query = text.split_once('?').map_or("", |(_, q)| q);
                let pairs = parse_go_query(query);
                let parsed = ServerQueryOptions::parse(&pairs, AGENT_REGION).unwrap_or_else(|e| panic!("{text}: {e}"));
                assert!(!parsed.stale, "{text}");
                assert_eq!(parsed.min_index, 0, "{text}");
                let region = if *scoped { s.region.as_deref() } else { None };
                assert_eq!(parsed.region, region.unwrap_or(AGENT_REGION), "{text}");
                let namespaced = pairs.iter().any(|(k, _)| k == "namespace");
                assert_eq!(parsed.namespace, if namespaced { s.namespace_name() } else { DEFAULT_NAMESPACE }, "{text}");
            }
            // The exec socket's own parameters: the command as JSON, and Go booleans.
            let exec = &writes[7].0.path_and_query;
            let pairs = parse_go_query(exec.split_once('?').map_or("", |(_, q)| q));
            let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str()).unwrap_or_default();
            let command: Vec<String> = serde_json::from_str(get("command")).unwrap();
            assert_eq!(command, ["/bin/sh", "-c", "echo a&b=c%"]);
            assert_eq!(
                (nomad_api::query::parse_go_bool(get("tty")), nomad_api::query::parse_go_bool(get("ws_handshake"))),
                (Some(true), Some(true))
            );
            assert_eq!(get("task"), "web");
        }
        // Path segments arrive whole: one segment each, decoded back to the name.
        let text = allocation(&Scope::default(), id).path_and_query(None, Duration::ZERO);
        let last = text.trim_start_matches("/v1/allocation/");
        assert_eq!(parse_go_query(&format!("x={last}")), [("x".to_string(), id.to_string())]);
    }
}
