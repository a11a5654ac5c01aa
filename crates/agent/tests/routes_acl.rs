//! Every route of the agent's router, with every method and every built-in token (anonymous,
//! read-only, operator, management), answers as the capability Nomad's handler or RPC requires:
//! denied (Nomad's way for that endpoint) without it, served with it, 405 for a method the
//! handler does not serve.
//!
//! The table below is checked against the `.route("...")` lines of src/http/mod.rs and the
//! paths of `operator::ENTERPRISE_ROUTES`, which mod.rs registers from that array: a route
//! added to either without a row here fails `every_route_is_in_the_table`. To add one, append a
//! `Row` to `table()`: the route's pattern as mod.rs writes it, a sample path, the methods it
//! serves with what each needs (`Need`), how a denial reads (`Denied`), and the Go file (and
//! function) of Nomad v1.11.3 the requirement follows.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use caravan_agent::acl::cap;
use caravan_agent::http::operator::ENTERPRISE_ROUTES;
use common::{running, TestAgent, TRAP_SCRIPT};
use futures::StreamExt;
use reqwest::Method;
use std::collections::BTreeSet;
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

/// What a request needs, as Nomad's handler or RPC checks it.
#[derive(Debug, Clone, Copy)]
enum Need {
    /// No ACL check.
    Nothing,
    AgentRead,
    AgentWrite,
    NodeRead,
    NodeWrite,
    /// Any of these namespace capabilities (`AllowNsOp`, `AllowNsOpAnyOf`), in `default`.
    AnyOf(&'static [&'static str]),
    /// Every one of these namespace capabilities.
    AllOf(&'static [&'static str]),
    /// The token carries this policy, or is a management token (`ACL.GetPolicy`).
    Policy(&'static str),
    /// A management token (`aclObj.IsManagement()`; also what a `node_pool` or `plugin`
    /// rule would grant, which the built-in policies do not have).
    Management,
}

/// How the endpoint says no.
#[derive(Debug, Clone)]
enum Denied {
    /// 403 `Permission denied` (`structs.ErrPermissionDenied`).
    Forbidden,
    /// Another status and body.
    As(u16, String),
    /// The exec WebSocket: upgraded, then closed with 1011 `Permission denied`.
    ExecClose,
}

/// The methods a route serves.
#[derive(Debug, Clone)]
enum Methods {
    /// These, each with its need; any other is 405.
    Only(Vec<(Method, Need)>),
    /// Every method, with the same need (handlers that do not check the method).
    Any(Need),
}

struct Row {
    /// As src/http/mod.rs writes it.
    pattern: &'static str,
    path: String,
    methods: Methods,
    denied: Denied,
    body: Option<String>,
    /// The status of a method the route does not serve.
    unserved: u16,
    /// The answer is a stream that does not end: only its status (and a refusal's body) is read.
    stream: bool,
    /// Nomad v1.11.3: where the requirement is.
    source: &'static str,
}

fn row(pattern: &'static str, path: impl Into<String>, methods: Methods, source: &'static str) -> Row {
    Row {
        pattern,
        path: path.into(),
        methods,
        denied: Denied::Forbidden,
        body: None,
        unserved: 405,
        stream: false,
        source,
    }
}

impl Row {
    fn denied(mut self, denied: Denied) -> Self {
        self.denied = denied;
        self
    }
    fn unserved(mut self, status: u16) -> Self {
        self.unserved = status;
        self
    }
    fn body(mut self, body: String) -> Self {
        self.body = Some(body);
        self
    }
    fn stream(mut self) -> Self {
        self.stream = true;
        self
    }
}

fn only(methods: &[(Method, Need)]) -> Methods {
    Methods::Only(methods.to_vec())
}

const GET: Method = Method::GET;
const PUT: Method = Method::PUT;
const POST: Method = Method::POST;
const DELETE: Method = Method::DELETE;
/// Every method a request is tried with.
const ALL_METHODS: [Method; 5] = [Method::GET, Method::PUT, Method::POST, Method::DELETE, Method::PATCH];

/// `Job.Register`: submit-job, or register-job (Nomad 1.11).
const REGISTER: &[&str] = &[cap::SUBMIT_JOB, "register-job"];
/// `Job.Deregister`: submit-job, purge-job, or deregister-job.
const DEREGISTER: &[&str] = &[cap::SUBMIT_JOB, "purge-job", "deregister-job"];
/// `Allocations.GarbageCollect`: submit-job or gc-allocation.
const ALLOC_GC: &[&str] = &[cap::SUBMIT_JOB, "gc-allocation"];

/// `CSIVolume.List`: any of csi-list-volume, csi-read-volume, csi-mount-volume or list-jobs.
const CSI_LIST: &[&str] = &[cap::CSI_LIST_VOLUME, cap::CSI_READ_VOLUME, cap::CSI_MOUNT_VOLUME, cap::LIST_JOBS];
/// A deployment ID no deployment has (this agent creates none).
const NO_DEPLOYMENT: &str = "9e6c2a51-3b3f-4c8e-8d0e-5a2f1c7b9d40";
/// Where the Enterprise-only routes answer 501.
const ENT_ONLY: &str = "command/agent/http_ce.go registerEnterpriseHandlers, entOnly";

/// The built-in tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Anonymous,
    ReadOnly,
    Operator,
    Management,
}

/// `expandNamespacePolicy` (acl/policy.go): what `policy = "read"` and `"write"` grant. The
/// read-only token has namespace read, node read, agent read; the operator token namespace write
/// plus alloc-node-exec, node read, agent read (src/acl.rs).
const NAMESPACE_READ: &[&str] = &[
    cap::LIST_JOBS,
    cap::PARSE_JOB,
    cap::READ_JOB,
    cap::CSI_LIST_VOLUME,
    cap::CSI_READ_VOLUME,
    cap::READ_JOB_SCALING,
    cap::LIST_SCALING_POLICIES,
    cap::READ_SCALING_POLICY,
    "host-volume-read",
];
const NAMESPACE_WRITE_EXTRA: &[&str] = &[
    cap::SCALE_JOB,
    cap::SUBMIT_JOB,
    cap::DISPATCH_JOB,
    cap::READ_LOGS,
    cap::READ_FS,
    cap::ALLOC_EXEC,
    cap::ALLOC_LIFECYCLE,
    cap::CSI_MOUNT_VOLUME,
    cap::CSI_WRITE_VOLUME,
    cap::SUBMIT_RECOMMENDATION,
    "host-volume-create",
    cap::ALLOC_NODE_EXEC,
];

impl Token {
    const ALL: [Token; 4] = [Token::Anonymous, Token::ReadOnly, Token::Operator, Token::Management];

    fn has_ns(self, capability: &str) -> bool {
        match self {
            Token::Anonymous => false,
            Token::ReadOnly => NAMESPACE_READ.contains(&capability),
            Token::Operator => NAMESPACE_READ.contains(&capability) || NAMESPACE_WRITE_EXTRA.contains(&capability),
            Token::Management => true,
        }
    }

    fn may(self, need: Need) -> bool {
        let reads = matches!(self, Token::ReadOnly | Token::Operator | Token::Management);
        match need {
            Need::Nothing => true,
            Need::AgentRead | Need::NodeRead => reads,
            Need::AgentWrite | Need::NodeWrite => self == Token::Management,
            Need::AnyOf(caps) => caps.iter().any(|c| self.has_ns(c)),
            Need::AllOf(caps) => caps.iter().all(|c| self.has_ns(c)),
            Need::Policy(name) => match self {
                Token::Management => true,
                Token::ReadOnly => name == "readonly",
                Token::Operator => name == "operator",
                Token::Anonymous => false,
            },
            Need::Management => self == Token::Management,
        }
    }
}

/// What the rows act on.
struct Ids {
    /// A running allocation of job `web` (its task `server` runs `TRAP_SCRIPT`).
    web: String,
    /// An allocation to stop.
    stop_me: String,
    /// An allocation to restart and collect.
    target: String,
    node: String,
    /// The evaluation that placed `web`.
    eval: String,
}

struct Fixture {
    t: TestAgent,
    ids: Ids,
}

fn job_body(id: &str) -> String {
    serde_json::json!({"Job": {"ID": id, "Name": id, "Type": "batch", "TaskGroups": [{
        "Name": "main", "Count": 1,
        "Tasks": [{"Name": "main", "Driver": "raw_exec", "Config": {"command": "/bin/true"}}]}]}})
    .to_string()
}

/// The table: every route of src/http/mod.rs, with Nomad's requirements.
fn table(ids: &Ids) -> Vec<Row> {
    let (web, stop_me, target, node, eval) = (&ids.web, &ids.stop_me, &ids.target, &ids.node, &ids.eval);
    let not_found_alloc = format!("Unknown allocation {web:?}");
    vec![
        row(
            "/v1/agent/self",
            "/v1/agent/self",
            only(&[(GET, Need::AgentRead)]),
            "command/agent/agent_endpoint.go AgentSelfRequest",
        ),
        row(
            "/v1/agent/members",
            "/v1/agent/members",
            only(&[(GET, Need::NodeRead)]),
            "nomad/status_endpoint.go Status.Members",
        ),
        row(
            "/v1/agent/servers",
            "/v1/agent/servers?address=127.0.0.1:4647",
            only(&[(GET, Need::AgentRead), (PUT, Need::AgentWrite), (POST, Need::AgentWrite)]),
            "command/agent/agent_endpoint.go listServers, updateServers",
        ),
        // Nomad 1.4 to 2.0.3 check no token here; 2.0.4 warns without agent:write and 2.1 is to
        // refuse it (agent_endpoint.go AgentJoinRequest, COMPAT(2.1.0)): this agent refuses now.
        row(
            "/v1/agent/join",
            "/v1/agent/join?address=127.0.0.1",
            only(&[(PUT, Need::AgentWrite), (POST, Need::AgentWrite)]),
            "command/agent/agent_endpoint.go AgentJoinRequest (v2.0.4: aclPermissionCheckHelper AllowAgentWrite)",
        ),
        row(
            "/v1/agent/force-leave",
            "/v1/agent/force-leave?node=other",
            only(&[(PUT, Need::AgentWrite), (POST, Need::AgentWrite)]),
            "command/agent/agent_endpoint.go AgentForceLeaveRequest",
        ),
        row(
            "/v1/agent/health",
            "/v1/agent/health",
            only(&[(GET, Need::Nothing)]),
            "command/agent/agent_endpoint.go HealthRequest",
        ),
        row(
            "/v1/allocations",
            "/v1/allocations",
            only(&[(GET, Need::AnyOf(&[cap::READ_JOB]))]),
            "nomad/alloc_endpoint.go Alloc.List",
        ),
        // No ID: no allocation, so nothing to check it against (404 for all).
        row(
            "/v1/allocation/",
            "/v1/allocation/",
            only(&[(GET, Need::Nothing)]),
            "nomad/alloc_endpoint.go Alloc.GetAlloc",
        ),
        row(
            "/v1/allocation/{*rest}",
            format!("/v1/allocation/{web}"),
            only(&[(GET, Need::AnyOf(&[cap::READ_JOB]))]),
            "nomad/alloc_endpoint.go Alloc.GetAlloc",
        )
        .denied(Denied::As(500, not_found_alloc)),
        row(
            "/v1/allocation/{*rest}",
            format!("/v1/allocation/{stop_me}/stop"),
            only(&[(PUT, Need::AnyOf(&[cap::ALLOC_LIFECYCLE])), (POST, Need::AnyOf(&[cap::ALLOC_LIFECYCLE]))]),
            "nomad/alloc_endpoint.go Alloc.Stop",
        ),
        row(
            "/v1/client/gc",
            "/v1/client/gc",
            Methods::Any(Need::NodeWrite),
            "client/alloc_endpoint.go Allocations.GarbageCollectAll",
        ),
        row(
            "/v1/system/gc",
            "/v1/system/gc",
            only(&[(PUT, Need::Management)]),
            "nomad/system_endpoint.go System.GarbageCollect",
        ),
        row(
            "/v1/jobs",
            "/v1/jobs",
            only(&[(GET, Need::AnyOf(&[cap::LIST_JOBS])), (PUT, Need::AnyOf(REGISTER)), (POST, Need::AnyOf(REGISTER))]),
            "nomad/job_endpoint.go Job.List, Job.Register",
        )
        .body(job_body("matrix")),
        // jobUpdate checks the body's ID against the path's only when the path names one.
        row(
            "/v1/job/",
            "/v1/job/",
            only(&[
                (GET, Need::AnyOf(&[cap::READ_JOB])),
                (PUT, Need::AnyOf(REGISTER)),
                (POST, Need::AnyOf(REGISTER)),
                (DELETE, Need::AnyOf(DEREGISTER)),
            ]),
            "nomad/job_endpoint.go Job.GetJob, Job.Register, Job.Deregister",
        )
        .body(job_body("matrix")),
        row(
            "/v1/job/{*rest}",
            "/v1/job/matrix",
            only(&[
                (GET, Need::AnyOf(&[cap::READ_JOB])),
                (PUT, Need::AnyOf(REGISTER)),
                (POST, Need::AnyOf(REGISTER)),
                (DELETE, Need::AnyOf(DEREGISTER)),
            ]),
            "nomad/job_endpoint.go Job.GetJob, Job.Register, Job.Deregister",
        )
        .body(job_body("matrix")),
        row(
            "/v1/job/{*rest}",
            "/v1/job/web/allocations",
            only(&[(GET, Need::AnyOf(&[cap::READ_JOB]))]),
            "nomad/job_endpoint.go Job.Allocations",
        ),
        // `jobSummaryRequest` and `jobVersions` check no method.
        row(
            "/v1/job/{*rest}",
            "/v1/job/web/summary",
            Methods::Any(Need::AnyOf(&[cap::READ_JOB])),
            "nomad/job_endpoint.go Job.Summary",
        ),
        row(
            "/v1/job/{*rest}",
            "/v1/job/web/versions",
            Methods::Any(Need::AnyOf(&[cap::READ_JOB])),
            "nomad/job_endpoint.go Job.GetJobVersions",
        ),
        row(
            "/v1/job/{*rest}",
            "/v1/job/web/evaluations",
            only(&[(GET, Need::AnyOf(&[cap::READ_JOB]))]),
            "nomad/job_endpoint.go Job.Evaluations",
        ),
        row(
            "/v1/job/{*rest}",
            "/v1/job/web/deployments",
            only(&[(GET, Need::AnyOf(&[cap::READ_JOB]))]),
            "nomad/job_endpoint.go Job.Deployments",
        ),
        row(
            "/v1/job/{*rest}",
            "/v1/job/web/deployment",
            only(&[(GET, Need::AnyOf(&[cap::READ_JOB]))]),
            "nomad/job_endpoint.go Job.LatestDeployment",
        ),
        row(
            "/v1/job/{*rest}",
            "/v1/job/web/scale",
            only(&[
                (GET, Need::AnyOf(&[cap::READ_JOB, cap::READ_JOB_SCALING])),
                (PUT, Need::AnyOf(&[cap::SCALE_JOB, cap::SUBMIT_JOB])),
                (POST, Need::AnyOf(&[cap::SCALE_JOB, cap::SUBMIT_JOB])),
            ]),
            "nomad/job_endpoint.go Job.ScaleStatus, Job.Scale",
        )
        .body(r#"{"Count":1,"Target":{"Group":"web"}}"#.into()),
        row(
            "/v1/job/{*rest}",
            "/v1/job/web/services",
            only(&[(GET, Need::AnyOf(&[cap::READ_JOB]))]),
            "nomad/job_endpoint.go Job.GetServiceRegistrations",
        ),
        row(
            "/v1/job/{*rest}",
            "/v1/job/web/submission?version=0",
            only(&[(GET, Need::AnyOf(&[cap::READ_JOB]))]),
            "nomad/job_endpoint.go Job.GetJobSubmission",
        ),
        row("/v1/nodes", "/v1/nodes", only(&[(GET, Need::NodeRead)]), "nomad/node_endpoint.go Node.List"),
        row("/v1/node/", "/v1/node/", only(&[(GET, Need::NodeRead)]), "nomad/node_endpoint.go Node.GetNode"),
        row(
            "/v1/node/{*rest}",
            format!("/v1/node/{node}"),
            only(&[(GET, Need::NodeRead)]),
            "nomad/node_endpoint.go Node.GetNode",
        ),
        row(
            "/v1/node/{*rest}",
            format!("/v1/node/{node}/allocations"),
            only(&[(GET, Need::NodeRead)]),
            "nomad/node_endpoint.go Node.GetAllocs",
        ),
        row("/v1/regions", "/v1/regions", only(&[(GET, Need::Nothing)]), "command/agent/region_endpoint.go"),
        // Filtered to the namespaces the token may use: never refused.
        row(
            "/v1/namespaces",
            "/v1/namespaces",
            only(&[(GET, Need::Nothing)]),
            "nomad/namespace_endpoint.go Namespace.ListNamespaces",
        ),
        row(
            "/v1/status/leader",
            "/v1/status/leader",
            only(&[(GET, Need::Nothing)]),
            "nomad/status_endpoint.go Status.Leader",
        ),
        // 1.10.1+: `ACL.WhoAmI` answers the anonymous token to a request without one.
        row(
            "/v1/acl/token/self",
            "/v1/acl/token/self",
            only(&[(GET, Need::Nothing)]),
            "command/agent/acl_endpoint.go aclTokenSelf; nomad/acl_endpoint.go ACL.WhoAmI",
        ),
        row(
            "/v1/acl/tokens",
            "/v1/acl/tokens",
            only(&[(GET, Need::Management)]),
            "nomad/acl_endpoint.go ACL.ListTokens",
        ),
        // Listed: the policies the token names (none for anonymous), never refused.
        row(
            "/v1/acl/policies",
            "/v1/acl/policies",
            only(&[(GET, Need::Nothing)]),
            "nomad/acl_endpoint.go ACL.ListPolicies",
        ),
        // `Missing Policy Name` (400) whatever the method.
        row(
            "/v1/acl/policy/",
            "/v1/acl/policy/",
            Methods::Any(Need::Nothing),
            "command/agent/acl_endpoint.go ACLPolicySpecificRequest",
        ),
        row(
            "/v1/acl/policy/{name}",
            "/v1/acl/policy/readonly",
            only(&[
                (GET, Need::Policy("readonly")),
                (PUT, Need::Management),
                (POST, Need::Management),
                (DELETE, Need::Management),
            ]),
            "nomad/acl_endpoint.go ACL.GetPolicy, ACL.UpsertPolicies, ACL.DeletePolicies",
        )
        .body(r#"{"Name":"readonly","Rules":"node { policy = \"read\" }"}"#.into()),
        // The roles the token links (none), for any token.
        row("/v1/acl/roles", "/v1/acl/roles", only(&[(GET, Need::Nothing)]), "nomad/acl_endpoint.go ACL.ListRoles"),
        row(
            "/v1/acl/auth-methods",
            "/v1/acl/auth-methods",
            only(&[(GET, Need::Nothing)]),
            "nomad/acl_endpoint.go ACL.ListAuthMethods",
        ),
        // Authenticates only to count the request.
        row(
            "/v1/status/peers",
            "/v1/status/peers",
            only(&[(GET, Need::Nothing)]),
            "nomad/status_endpoint.go Status.Peers",
        ),
        // `Eval.Delete` checks the body first (evalsDeleteRequest), then for a management
        // token, then refuses while the eval broker runs (500).
        row(
            "/v1/evaluations",
            "/v1/evaluations",
            only(&[(GET, Need::AnyOf(&[cap::READ_JOB])), (DELETE, Need::Management)]),
            "nomad/eval_endpoint.go Eval.List, Eval.Delete",
        )
        .body(format!(r#"{{"EvalIDs":["{eval}"]}}"#)),
        row(
            "/v1/evaluation/",
            "/v1/evaluation/",
            only(&[(GET, Need::AnyOf(&[cap::READ_JOB]))]),
            "nomad/eval_endpoint.go Eval.GetEval",
        ),
        row(
            "/v1/evaluation/{*rest}",
            format!("/v1/evaluation/{eval}"),
            only(&[(GET, Need::AnyOf(&[cap::READ_JOB]))]),
            "nomad/eval_endpoint.go Eval.GetEval",
        ),
        row(
            "/v1/evaluation/{*rest}",
            format!("/v1/evaluation/{eval}/allocations"),
            only(&[(GET, Need::AnyOf(&[cap::READ_JOB]))]),
            "nomad/eval_endpoint.go Eval.Allocations",
        ),
        row(
            "/v1/deployments",
            "/v1/deployments",
            only(&[(GET, Need::AnyOf(&[cap::READ_JOB]))]),
            "nomad/deployment_endpoint.go Deployment.List",
        ),
        row(
            "/v1/deployment/",
            "/v1/deployment/",
            only(&[(GET, Need::AnyOf(&[cap::READ_JOB]))]),
            "nomad/deployment_endpoint.go Deployment.GetDeployment",
        ),
        row(
            "/v1/deployment/{*rest}",
            format!("/v1/deployment/{NO_DEPLOYMENT}"),
            only(&[(GET, Need::AnyOf(&[cap::READ_JOB]))]),
            "nomad/deployment_endpoint.go Deployment.GetDeployment",
        ),
        row(
            "/v1/deployment/{*rest}",
            format!("/v1/deployment/allocations/{NO_DEPLOYMENT}"),
            only(&[(GET, Need::AnyOf(&[cap::READ_JOB]))]),
            "nomad/deployment_endpoint.go Deployment.Allocations",
        ),
        // The deployment writes look the deployment up before the token's capabilities: for
        // one that does not exist every token gets `deployment not found` (500).
        row(
            "/v1/deployment/{*rest}",
            format!("/v1/deployment/fail/{NO_DEPLOYMENT}"),
            only(&[(PUT, Need::Nothing), (POST, Need::Nothing)]),
            "nomad/deployment_endpoint.go Deployment.Fail",
        ),
        row(
            "/v1/deployment/{*rest}",
            format!("/v1/deployment/pause/{NO_DEPLOYMENT}"),
            only(&[(PUT, Need::Nothing), (POST, Need::Nothing)]),
            "nomad/deployment_endpoint.go Deployment.Pause",
        )
        .body(format!(r#"{{"DeploymentID":"{NO_DEPLOYMENT}","Pause":true}}"#)),
        row(
            "/v1/deployment/{*rest}",
            format!("/v1/deployment/promote/{NO_DEPLOYMENT}"),
            only(&[(PUT, Need::Nothing), (POST, Need::Nothing)]),
            "nomad/deployment_endpoint.go Deployment.Promote",
        )
        .body(format!(r#"{{"DeploymentID":"{NO_DEPLOYMENT}","All":true}}"#)),
        row(
            "/v1/deployment/{*rest}",
            format!("/v1/deployment/allocation-health/{NO_DEPLOYMENT}"),
            only(&[(PUT, Need::Nothing), (POST, Need::Nothing)]),
            "nomad/deployment_endpoint.go Deployment.SetAllocHealth",
        )
        .body(format!(r#"{{"DeploymentID":"{NO_DEPLOYMENT}","HealthyAllocationIDs":["{web}"]}}"#)),
        row(
            "/v1/deployment/{*rest}",
            format!("/v1/deployment/unblock/{NO_DEPLOYMENT}"),
            only(&[(PUT, Need::Nothing), (POST, Need::Nothing)]),
            "nomad/deployment_endpoint.go Deployment.Unblock",
        )
        .body(format!(r#"{{"DeploymentID":"{NO_DEPLOYMENT}"}}"#)),
        // An explicit context the token cannot read is refused (`sufficientSearchPerms`).
        row(
            "/v1/search",
            "/v1/search",
            only(&[(PUT, Need::AnyOf(&[cap::READ_JOB])), (POST, Need::AnyOf(&[cap::READ_JOB]))]),
            "nomad/search_endpoint.go Search.PrefixSearch, sufficientSearchPerms",
        )
        .body(r#"{"Prefix":"w","Context":"jobs"}"#.into()),
        row(
            "/v1/search/fuzzy",
            "/v1/search/fuzzy",
            only(&[(PUT, Need::AnyOf(&[cap::READ_JOB])), (POST, Need::AnyOf(&[cap::READ_JOB]))]),
            "nomad/search_endpoint.go Search.FuzzySearch, sufficientFuzzySearchPerms",
        )
        .body(r#"{"Text":"web","Context":"jobs"}"#.into()),
        // Without a `type`, `[]` before any check; `PUT`/`POST` register a CSI volume, which
        // needs plugin:read before anything else (none of the built-in policies has it).
        row(
            "/v1/volumes",
            "/v1/volumes",
            only(&[(GET, Need::Nothing), (PUT, Need::Management), (POST, Need::Management)]),
            "command/agent/volumes_endpoint.go ListVolumesRequest; nomad/csi_endpoint.go CSIVolume.Register",
        )
        .body(r#"{"Volumes":[]}"#.into()),
        row(
            "/v1/volumes",
            "/v1/volumes?type=csi",
            only(&[(GET, Need::AnyOf(CSI_LIST)), (PUT, Need::Management), (POST, Need::Management)]),
            "nomad/csi_endpoint.go CSIVolume.List, CSIVolume.Register",
        )
        .body(r#"{"Volumes":[]}"#.into()),
        // Each host volume is filtered by host-volume-read; the list is never refused.
        row(
            "/v1/volumes",
            "/v1/volumes?type=host",
            only(&[(GET, Need::Nothing), (PUT, Need::Management), (POST, Need::Management)]),
            "nomad/host_volume_endpoint.go HostVolume.List; nomad/csi_endpoint.go CSIVolume.Register",
        )
        .body(r#"{"Volumes":[]}"#.into()),
        row(
            "/v1/agent/monitor",
            "/v1/agent/monitor?log_level=debug",
            Methods::Any(Need::AgentRead),
            "command/agent/agent_endpoint.go AgentMonitor; nomad/client_agent_endpoint.go monitor",
        )
        .stream(),
        row(
            "/v1/jobs/statuses",
            "/v1/jobs/statuses",
            only(&[(GET, Need::AnyOf(&[cap::READ_JOB])), (POST, Need::AnyOf(&[cap::READ_JOB]))]),
            "nomad/job_endpoint_statuses.go Job.Statuses",
        )
        .body(r#"{"Jobs":[{"ID":"web","Namespace":"default"}]}"#.into()),
        // Nomad 1.11.2+ writes the stream's 200 head before the RPC refuses: an empty 200.
        row(
            "/v1/event/stream",
            "/v1/event/stream?topic=Allocation&topic=Job:web",
            only(&[(GET, Need::AnyOf(&[cap::READ_JOB]))]),
            "nomad/event_endpoint.go validateNsOp; command/agent/event_endpoint.go EventStream",
        )
        .denied(Denied::As(200, String::new()))
        .stream(),
        row(
            "/v1/event/stream",
            "/v1/event/stream?topic=Node",
            only(&[(GET, Need::NodeRead)]),
            "nomad/event_endpoint.go validateNsOp (TopicNode: AllowNodeRead)",
        )
        .denied(Denied::As(200, String::new()))
        .stream(),
        // No topic is every topic, `*`: a management token's.
        row(
            "/v1/event/stream",
            "/v1/event/stream",
            only(&[(GET, Need::Management)]),
            "nomad/event_endpoint.go validateNsOp (TopicAll: IsManagement)",
        )
        .denied(Denied::As(200, String::new()))
        .stream(),
        // `GET` is 204 and `PUT` 501 for anyone.
        row(
            "/v1/operator/license",
            "/v1/operator/license",
            only(&[(GET, Need::Nothing), (PUT, Need::Nothing)]),
            "command/agent/operator_endpoint_ce.go LicenseRequest",
        ),
        // Enterprise only: 501 whatever the method and token.
        row("/v1/sentinel/policies", "/v1/sentinel/policies", Methods::Any(Need::Nothing), ENT_ONLY),
        row("/v1/sentinel/policy/", "/v1/sentinel/policy/", Methods::Any(Need::Nothing), ENT_ONLY),
        row("/v1/sentinel/policy/{*rest}", "/v1/sentinel/policy/x", Methods::Any(Need::Nothing), ENT_ONLY),
        row("/v1/quotas", "/v1/quotas", Methods::Any(Need::Nothing), ENT_ONLY),
        row("/v1/quota-usages", "/v1/quota-usages", Methods::Any(Need::Nothing), ENT_ONLY),
        row("/v1/quota/", "/v1/quota/", Methods::Any(Need::Nothing), ENT_ONLY),
        row("/v1/quota/{*rest}", "/v1/quota/x", Methods::Any(Need::Nothing), ENT_ONLY),
        row("/v1/quota", "/v1/quota", Methods::Any(Need::Nothing), ENT_ONLY),
        row("/v1/recommendation", "/v1/recommendation", Methods::Any(Need::Nothing), ENT_ONLY),
        row("/v1/recommendations", "/v1/recommendations", Methods::Any(Need::Nothing), ENT_ONLY),
        row("/v1/recommendations/apply", "/v1/recommendations/apply", Methods::Any(Need::Nothing), ENT_ONLY),
        row("/v1/recommendation/", "/v1/recommendation/", Methods::Any(Need::Nothing), ENT_ONLY),
        row("/v1/recommendation/{*rest}", "/v1/recommendation/x", Methods::Any(Need::Nothing), ENT_ONLY),
        // Filtered by each variable's path rules; never refused.
        row("/v1/vars", "/v1/vars", only(&[(GET, Need::Nothing)]), "nomad/variables_endpoint.go Variables.List"),
        // The pools the token may read, never refused; writes need node pool write, which
        // only a management token has here.
        row(
            "/v1/node/pools",
            "/v1/node/pools",
            only(&[(GET, Need::Nothing), (PUT, Need::Management), (POST, Need::Management)]),
            "nomad/node_pool_endpoint.go NodePool.List, NodePool.UpsertNodePools",
        )
        .body(r#"{"Name":"matrix"}"#.into()),
        row(
            "/v1/node/pool/",
            "/v1/node/pool/",
            only(&[
                (GET, Need::Management),
                (PUT, Need::Management),
                (POST, Need::Management),
                (DELETE, Need::Management),
            ]),
            "nomad/node_pool_endpoint.go NodePool.GetNodePool, NodePool.UpsertNodePools, NodePool.DeleteNodePools",
        )
        .body(r#"{"Name":"matrix"}"#.into()),
        row(
            "/v1/node/pool/{*rest}",
            "/v1/node/pool/default",
            only(&[
                (GET, Need::Management),
                (PUT, Need::Management),
                (POST, Need::Management),
                (DELETE, Need::Management),
            ]),
            "nomad/node_pool_endpoint.go NodePool.GetNodePool, NodePool.UpsertNodePools, NodePool.DeleteNodePools",
        )
        .body(r#"{"Name":"default"}"#.into()),
        row(
            "/v1/node/pool/{*rest}",
            "/v1/node/pool/default/nodes",
            only(&[(GET, Need::Management)]),
            "nomad/node_pool_endpoint.go NodePool.ListNodes",
        ),
        row(
            "/v1/node/pool/{*rest}",
            "/v1/node/pool/default/jobs",
            only(&[(GET, Need::Management)]),
            "nomad/node_pool_endpoint.go NodePool.ListJobs",
        ),
        row(
            "/v1/client/stats",
            "/v1/client/stats",
            Methods::Any(Need::NodeRead),
            "client/client_stats_endpoint.go ClientStats.Stats",
        ),
        // Not an fs endpoint: 404 `Invalid method` for all.
        row("/v1/client/fs/", "/v1/client/fs/", Methods::Any(Need::Nothing), "command/agent/fs_endpoint.go FsRequest"),
        row(
            "/v1/client/fs/{*rest}",
            format!("/v1/client/fs/ls/{web}?path=/"),
            Methods::Any(Need::AnyOf(&[cap::READ_FS])),
            "client/fs_endpoint.go FileSystem.List",
        ),
        row(
            "/v1/client/fs/{*rest}",
            format!("/v1/client/fs/stat/{web}?path=/alloc"),
            Methods::Any(Need::AnyOf(&[cap::READ_FS])),
            "client/fs_endpoint.go FileSystem.Stat",
        ),
        row(
            "/v1/client/fs/{*rest}",
            format!("/v1/client/fs/cat/{web}?path=alloc/logs/server.stdout.0"),
            Methods::Any(Need::AnyOf(&[cap::READ_FS])),
            "client/fs_endpoint.go FileSystem.stream",
        ),
        row(
            "/v1/client/fs/{*rest}",
            format!("/v1/client/fs/readat/{web}?path=alloc/logs/server.stdout.0&offset=0&limit=5"),
            Methods::Any(Need::AnyOf(&[cap::READ_FS])),
            "client/fs_endpoint.go FileSystem.stream",
        ),
        row(
            "/v1/client/fs/{*rest}",
            format!("/v1/client/fs/stream/{web}?path=alloc/logs/server.stdout.0&offset=0&follow=false"),
            Methods::Any(Need::AnyOf(&[cap::READ_FS])),
            "client/fs_endpoint.go FileSystem.stream",
        ),
        row(
            "/v1/client/fs/{*rest}",
            format!("/v1/client/fs/logs/{web}?task=server&type=stdout"),
            Methods::Any(Need::AnyOf(&[cap::READ_FS, cap::READ_LOGS])),
            "client/fs_endpoint.go FileSystem.logs",
        ),
        // No ID: `404 resource not found` for all.
        row(
            "/v1/client/allocation/",
            "/v1/client/allocation/",
            Methods::Any(Need::Nothing),
            "command/agent/alloc_endpoint.go ClientAllocRequest",
        ),
        row(
            "/v1/client/allocation/{*rest}",
            format!("/v1/client/allocation/{web}/stats"),
            Methods::Any(Need::AnyOf(&[cap::READ_JOB])),
            "client/alloc_endpoint.go Allocations.Stats",
        ),
        row(
            "/v1/client/allocation/{*rest}",
            format!("/v1/client/allocation/{web}/signal"),
            only(&[(PUT, Need::AnyOf(&[cap::ALLOC_LIFECYCLE])), (POST, Need::AnyOf(&[cap::ALLOC_LIFECYCLE]))]),
            "client/alloc_endpoint.go Allocations.Signal",
        )
        .body(r#"{"Task":"server","Signal":"SIGUSR1"}"#.into()),
        // raw_exec has no filesystem isolation: alloc-node-exec as well.
        row(
            "/v1/client/allocation/{*rest}",
            format!("/v1/client/allocation/{web}/exec?task=server&command=%5B%22true%22%5D"),
            only(&[(GET, Need::AllOf(&[cap::ALLOC_EXEC, cap::ALLOC_NODE_EXEC]))]),
            "client/alloc_endpoint.go Allocations.execImpl",
        )
        .denied(Denied::ExecClose)
        // gorilla's Upgrade checks the Connection header before the method: a plain request
        // of any other method is a 400 (command/agent/alloc_endpoint.go allocExec).
        .unserved(400),
        row(
            "/v1/client/allocation/{*rest}",
            format!("/v1/client/allocation/{target}/restart"),
            Methods::Any(Need::AnyOf(&[cap::ALLOC_LIFECYCLE])),
            "client/alloc_endpoint.go Allocations.Restart",
        ),
        row(
            "/v1/client/allocation/{*rest}",
            format!("/v1/client/allocation/{target}/gc"),
            Methods::Any(Need::AnyOf(ALLOC_GC)),
            "client/alloc_endpoint.go Allocations.GarbageCollect",
        ),
    ]
}

/// The `.route("...")` patterns of src/http/mod.rs, and those it registers from
/// `operator::ENTERPRISE_ROUTES`. A route registered from anything else (another array, a
/// variable) fails here, so that it cannot slip past the table.
fn routes_in_mod_rs() -> BTreeSet<String> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/http/mod.rs")).unwrap();
    let mut routes: BTreeSet<String> = text
        .split(".route(\"")
        .skip(1)
        .filter_map(|rest| rest.split_once('"').map(|(pattern, _)| pattern.to_string()))
        .collect();
    let computed = text.matches(".route(").count() - text.matches(".route(\"").count();
    // rustfmt may break the chain over lines: read it without white space.
    let compact: String = text.split_whitespace().collect();
    let from_enterprise = compact.matches("operator::ENTERPRISE_ROUTES.iter()").count();
    assert_eq!(
        (computed, from_enterprise),
        (1, 1),
        "src/http/mod.rs registers routes this test does not know how to read: teach routes_in_mod_rs() about them"
    );
    routes.extend(ENTERPRISE_ROUTES.iter().map(|p| p.to_string()));
    routes
}

async fn fixture() -> Fixture {
    let t = TestAgent::start_with(|c| c.acl = true).await;
    let web = t.run_job("web", "default", "service", 1, &[("server", TRAP_SCRIPT)]).remove(0);
    let stop_me = t.run_job("stop-me", "default", "service", 1, &[("main", "sleep 300")]).remove(0);
    let target = t.run_job("target", "default", "service", 1, &[("main", "sleep 300")]).remove(0);
    t.wait_trap_ready(&web, "server").await;
    t.wait_alloc(&target, running).await;
    let node = t.agent.state().node_id.clone();
    let eval = t.get(&format!("/v1/allocation/{web}")).await.json::<nomad_api::Allocation>().eval_id;
    Fixture { t, ids: Ids { web, stop_me, target, node, eval } }
}

fn secret(f: &Fixture, token: Token) -> Option<String> {
    let s = f.t.agent.acl_secrets().unwrap();
    match token {
        Token::Anonymous => None,
        Token::ReadOnly => Some(s.readonly),
        Token::Operator => Some(s.operator),
        Token::Management => Some(s.management),
    }
}

/// The exec WebSocket as `token`: how it closed (code, reason), or the refused upgrade's status.
async fn exec(f: &Fixture, path: &str, token: Option<&str>) -> Result<Option<(u16, String)>, u16> {
    let mut request = format!("ws://{}{path}", f.t.agent.addr()).into_client_request().unwrap();
    if let Some(token) = token {
        request.headers_mut().insert("X-Nomad-Token", token.parse().unwrap());
    }
    let mut socket = match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => socket,
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => return Err(response.status().as_u16()),
        Err(e) => panic!("{path}: {e}"),
    };
    loop {
        match tokio::time::timeout(Duration::from_secs(30), socket.next()).await.expect("the session ends") {
            Some(Ok(Message::Close(frame))) => return Ok(frame.map(|f| (u16::from(f.code), f.reason.to_string()))),
            Some(Ok(_)) => {}
            Some(Err(_)) | None => return Ok(None),
        }
    }
}

/// A request whose answer, when it is a 200, streams without end: its status, and the body of
/// anything else.
async fn stream_status(f: &Fixture, method: &Method, path: &str, token: Option<&str>) -> common::Resp {
    let mut req = f.t.http.request(method.clone(), format!("{}{path}", f.t.agent.url()));
    if let Some(token) = token {
        req = req.header("X-Nomad-Token", token);
    }
    let res = tokio::time::timeout(Duration::from_secs(10), req.send()).await.expect("the headers come").unwrap();
    let (status, headers) = (res.status().as_u16(), res.headers().clone());
    // A stream's first piece: a refusal written as an empty 200 (the event stream from Nomad
    // 1.11.2) ends at once, a served stream starts with a heartbeat.
    let body = if status == 200 {
        let mut res = res;
        let first = tokio::time::timeout(Duration::from_secs(10), res.chunk()).await.expect("a first piece or the end");
        first.unwrap().map(|b| b.to_vec()).unwrap_or_default()
    } else {
        res.bytes().await.unwrap().to_vec()
    };
    common::Resp { status, headers, body }
}

/// One request as `token`; a failure message if the answer is not what `row` says.
async fn check(f: &Fixture, row: &Row, method: &Method, token: Token) -> Option<String> {
    let need = match &row.methods {
        Methods::Any(need) => Some(*need),
        Methods::Only(served) => served.iter().find(|(m, _)| m == method).map(|(_, need)| *need),
    };
    let what = format!("{method} {} as {token:?} ({})", row.path, row.source);
    if matches!(row.denied, Denied::ExecClose) && need.is_some() {
        let outcome = exec(f, &row.path, secret(f, token).as_deref()).await;
        let refused = outcome == Ok(Some((1011, "Permission denied".to_string())));
        return match (token.may(need?), refused) {
            (true, true) => Some(format!("{what}: refused")),
            (false, false) => Some(format!("{what}: not refused: {outcome:?}")),
            _ => None,
        };
    }
    let r = if row.stream {
        stream_status(f, method, &row.path, secret(f, token).as_deref()).await
    } else {
        f.t.send(method.clone(), &row.path, secret(f, token).as_deref(), row.body.as_deref()).await
    };
    let text = r.text();
    let Some(need) = need else {
        return (r.status != row.unserved).then(|| format!("{what}: {} {text:?}, expected {}", r.status, row.unserved));
    };
    let denied = match &row.denied {
        Denied::Forbidden => r.status == 403 && text == "Permission denied",
        Denied::As(status, body) => r.status == *status && text == *body,
        Denied::ExecClose => false,
    };
    match (token.may(need), denied) {
        (true, true) => Some(format!("{what}: denied ({} {text:?})", r.status)),
        (true, false) if r.status == 403 || r.status == 405 => Some(format!("{what}: {} {text:?}", r.status)),
        (false, false) => Some(format!("{what}: {} {text:?}, expected the denial {:?}", r.status, row.denied)),
        _ => None,
    }
}

#[test]
fn every_route_is_in_the_table() {
    let ids = Ids { web: "w".into(), stop_me: "s".into(), target: "t".into(), node: "n".into(), eval: "e".into() };
    let listed: BTreeSet<String> = table(&ids).iter().map(|r| r.pattern.to_string()).collect();
    let routed = routes_in_mod_rs();
    assert!(routed.len() >= 20, "src/http/mod.rs no longer reads as expected: {routed:?}");
    let missing: Vec<_> = routed.difference(&listed).collect();
    assert!(missing.is_empty(), "routes of src/http/mod.rs without a row in tests/routes_acl.rs table(): {missing:?}");
    let stale: Vec<_> = listed.difference(&routed).collect();
    assert!(stale.is_empty(), "rows of tests/routes_acl.rs for routes src/http/mod.rs no longer has: {stale:?}");
}

#[tokio::test]
async fn every_route_answers_every_token_as_nomad_does() {
    let f = fixture().await;
    let mut failures = Vec::new();
    for row in table(&f.ids) {
        // Management last: its writes (a purge, a collection) come after the others' refusals.
        for token in Token::ALL {
            for method in &ALL_METHODS {
                if let Some(failure) = check(&f, &row, method, token).await {
                    failures.push(failure);
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} answers differ from Nomad's:\n{}", failures.len(), failures.join("\n"));
}
