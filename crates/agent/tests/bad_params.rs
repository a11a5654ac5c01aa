//! Requests with bad parameters get Nomad's status and words: a 4xx where Nomad's code
//! answers one, the 500 where Nomad's does (an uncoded error: a `parseBool` failure, a
//! go-memdb index error for an ID that is no UUID, a decoder error), never a hang or a crash.
//!
//! Each row names the Nomad v1.11.3 code it follows. Some handlers call `parse` without
//! checking its result (`command/agent/fs_endpoint.go`, `alloc_endpoint.go`,
//! `agent_endpoint.go` `AgentMonitor`, `stats_endpoint.go`): `parse` has already written its
//! 400 and message, so the answer is that, followed by whatever the handler writes next.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{running, TestAgent};
use futures::StreamExt;
use reqwest::Method;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// An ID shaped as a UUID that no allocation, node or evaluation has.
const UNKNOWN: &str = "6c1fd1a2-3b4c-4d5e-8f60-718293a4b5c6";

/// What the body must be.
#[derive(Debug)]
enum Want {
    Is(String),
    StartsWith(String),
}

struct Case {
    method: Method,
    path: String,
    body: Option<String>,
    status: u16,
    want: Want,
    /// Nomad v1.11.3: where the answer comes from.
    source: &'static str,
}

fn case(method: Method, path: impl Into<String>, status: u16, body: &str, source: &'static str) -> Case {
    Case { method, path: path.into(), body: None, status, want: Want::Is(body.to_string()), source }
}

fn get(path: impl Into<String>, status: u16, body: &str, source: &'static str) -> Case {
    case(Method::GET, path, status, body, source)
}

impl Case {
    fn with_body(mut self, body: &str) -> Case {
        self.body = Some(body.to_string());
        self
    }
    fn starting(mut self) -> Case {
        if let Want::Is(text) = self.want {
            self.want = Want::StartsWith(text);
        }
        self
    }
}

const PARSE: &str = "command/agent/http.go parse (parseConsistency, parsePagination, parseWait)";
const PARSE_BOOL: &str = "command/agent/http.go parseBool";
const MEMDB: &str = "nomad/state/state_store.go *ByID, go-memdb UUIDFieldIndex";
const FS: &str = "command/agent/fs_endpoint.go";
const CLIENT_ALLOC: &str = "command/agent/alloc_endpoint.go ClientAllocRequest";

fn bool_error(key: &str, value: &str) -> String {
    format!(
        "Failed to parse value of {key:?} ({value}) as a bool: strconv.ParseBool: parsing {value:?}: invalid syntax"
    )
}

fn cases(alloc: &str) -> Vec<Case> {
    let stale = "Expect `true` or `false` for `stale` query string parameter";
    let per_page = "Expect a number for `per_page` query string parameter";
    let no_uuid = |what: &str| format!("{what} lookup failed: index error: UUID must be 36 characters");
    let fs = |endpoint: &str, query: &str| format!("/v1/client/fs/{endpoint}/{alloc}?{query}");
    vec![
        // The query options every list reads, in `parse`'s order.
        get("/v1/jobs?index=abc", 400, "Invalid index", PARSE),
        get("/v1/jobs?index=-1", 400, "Invalid index", PARSE),
        get("/v1/jobs?index=18446744073709551616", 400, "Invalid index", PARSE),
        get("/v1/jobs?wait=abc", 400, "Invalid wait time", PARSE),
        get("/v1/jobs?wait=10", 400, "Invalid wait time", PARSE),
        get("/v1/jobs?stale=maybe", 400, stale, PARSE),
        get("/v1/jobs?per_page=ten", 400, per_page, PARSE),
        get("/v1/jobs?per_page=4294967296", 400, per_page, PARSE),
        get("/v1/jobs?index=abc&stale=maybe", 400, stale, PARSE),
        get("/v1/jobs?wait=abc&per_page=ten", 400, per_page, PARSE),
        // `url.ParseQuery` drops a pair with a `;` or a bad escape: nothing is left to fail.
        get("/v1/jobs?index=1;2", 200, "[{", "net/url parseQuery").starting(),
        get("/v1/jobs?index=%zz", 200, "[{", "net/url parseQuery").starting(),
        get("/v1/jobs?meta=maybe", 500, &bool_error("meta", "maybe"), "command/agent/job_endpoint.go jobListRequest"),
        get("/v1/allocations?resources=maybe", 500, &bool_error("resources", "maybe"), PARSE_BOOL),
        get("/v1/allocations?task_states=2", 500, &bool_error("task_states", "2"), PARSE_BOOL),
        get("/v1/vars?index=abc", 400, "Invalid indexfailed to parse parameters", "command/agent/variable_endpoint.go VariablesListRequest"),
        // ID prefixes go-memdb's UUID index cannot read: its error, uncoded.
        get("/v1/allocations?prefix=zz", 500, "alloc lookup failed: index error: Invalid UUID: encoding/hex: invalid byte: U+007A 'z'", MEMDB),
        get("/v1/allocations?prefix=abc", 500, "alloc lookup failed: index error: Input (without hyphens) must be even length", MEMDB),
        get(format!("/v1/allocations?prefix={}", "a".repeat(37)), 500, "alloc lookup failed: index error: Invalid UUID length. UUID have 36 characters; got 37", MEMDB),
        get("/v1/allocations?prefix=a-b-c-d-e-ff", 500, "alloc lookup failed: index error: UUID should have maximum of 4 \"-\"; got 5", MEMDB),
        get("/v1/nodes?prefix=xyz", 500, "node lookup failed: index error: Input (without hyphens) must be even length", MEMDB),
        get("/v1/evaluations?prefix=zz", 500, "eval lookup failed: index error: Invalid UUID: encoding/hex: invalid byte: U+007A 'z'", MEMDB),
        get("/v1/nodes?resources=maybe", 400, &format!("Failed to parse node list fields: {}", bool_error("resources", "maybe")),
            "command/agent/node_endpoint.go NodesRequest, parseNodeListStubFields"),
        // Whole IDs the index cannot read fail before the object is looked for.
        get("/v1/allocation/abc", 500, &no_uuid("alloc"), "nomad/alloc_endpoint.go Alloc.GetAlloc"),
        get(format!("/v1/allocation/{}", "z".repeat(36)), 500, "alloc lookup failed: index error: Invalid UUID: encoding/hex: invalid byte: U+007A 'z'",
            "nomad/alloc_endpoint.go Alloc.GetAlloc"),
        get(format!("/v1/allocation/{UNKNOWN}"), 404, "alloc not found", "command/agent/alloc_endpoint.go allocGet"),
        get("/v1/allocation/a/b/c", 404, "resource not found", "command/agent/alloc_endpoint.go AllocSpecificRequest"),
        case(Method::POST, "/v1/allocation/abc/stop", 500, &no_uuid("alloc"), "nomad/alloc_endpoint.go Alloc.Stop getAlloc"),
        case(Method::POST, format!("/v1/allocation/{UNKNOWN}/stop"), 404, "allocation not found", "command/agent/alloc_endpoint.go allocStop"),
        case(Method::POST, format!("/v1/allocation/{alloc}/stop?no_shutdown_delay=maybe"), 500, &bool_error("no_shutdown_delay", "maybe"),
            "command/agent/alloc_endpoint.go allocStop"),
        case(Method::POST, format!("/v1/allocation/{alloc}/stop?reschedule=maybe"), 500, &bool_error("reschedule", "maybe"),
            "command/agent/alloc_endpoint.go allocStop"),
        get("/v1/node/abc", 500, &no_uuid("node"), "nomad/node_endpoint.go Node.GetNode"),
        get("/v1/node/", 500, "missing node ID", "nomad/node_endpoint.go Node.GetNode"),
        get(format!("/v1/node/{UNKNOWN}"), 404, "node not found", "command/agent/node_endpoint.go nodeQuery"),
        get("/v1/evaluation/abc", 500, &format!("failed to lookup eval: {}", no_uuid("eval")), "nomad/eval_endpoint.go Eval.GetEval"),
        get("/v1/evaluation/", 500, &format!("failed to lookup eval: {}", no_uuid("eval")), "nomad/eval_endpoint.go Eval.GetEval"),
        get("/v1/deployment/abc", 500, &no_uuid("deployment"), "nomad/deployment_endpoint.go Deployment.GetDeployment"),
        get("/v1/deployment/", 500, "missing deployment ID", "nomad/deployment_endpoint.go Deployment.GetDeployment"),
        case(Method::PUT, "/v1/deployment/fail/abc", 500, &no_uuid("deployment"), "nomad/deployment_endpoint.go Deployment.Fail"),
        case(Method::PUT, format!("/v1/deployment/fail/{UNKNOWN}"), 500, "deployment not found", "nomad/deployment_endpoint.go Deployment.Fail"),
        case(Method::PUT, format!("/v1/deployment/pause/{UNKNOWN}"), 400, "DeploymentID must be specified",
            "command/agent/deployment_endpoint.go deploymentPause").with_body("{}"),
        case(Method::PUT, format!("/v1/deployment/pause/{UNKNOWN}"), 400, "Deployment ID does not match",
            "command/agent/deployment_endpoint.go deploymentPause").with_body(r#"{"DeploymentID":"x"}"#),
        // Jobs.
        get("/v1/job/web/submission", 400, "Unable to parse job submission version parameter", "command/agent/job_endpoint.go jobSubmissionCRUD"),
        get("/v1/job/web/versions?diffs=maybe", 500, &bool_error("diffs", "maybe"), "command/agent/job_endpoint.go jobVersions"),
        // `all` is read with its error dropped.
        get("/v1/job/web/allocations?all=maybe", 200, "[{", "command/agent/job_endpoint.go jobAllocations").starting(),
        case(Method::DELETE, "/v1/job/web?purge=maybe", 500, &bool_error("purge", "maybe"), "command/agent/job_endpoint.go jobDelete"),
        case(Method::DELETE, "/v1/job/web?global=maybe", 500, &bool_error("global", "maybe"), "command/agent/job_endpoint.go jobDelete"),
        case(Method::DELETE, "/v1/job/web?eval_priority=high", 500,
            "Failed to parse value of \"eval_priority\" (high) as a int: strconv.Atoi: parsing \"high\": invalid syntax", "command/agent/http.go parseInt"),
        case(Method::DELETE, "/v1/job/web?eval_priority=101", 400, "Eval priority must be between 1 and 100 inclusively",
            "command/agent/job_endpoint.go validateEvalPriorityOpt"),
        // `%qq` in the format: the name is followed by a `q`.
        case(Method::DELETE, "/v1/job/web?no_shutdown_delay=maybe", 500,
            "Failed to parse value of \"no_shutdown_delay\"q (maybe) as a bool: strconv.ParseBool: parsing \"maybe\": invalid syntax",
            "command/agent/job_endpoint.go jobDelete"),
        case(Method::PUT, "/v1/jobs", 400, "Request body is empty", "command/agent/http.go decodeBody"),
        case(Method::PUT, "/v1/jobs", 400, "unexpected EOF", "command/agent/http.go decodeBody").with_body("{"),
        case(Method::PUT, "/v1/jobs", 400, "invalid character 'x' looking for beginning of value", "command/agent/http.go decodeBody").with_body("x"),
        case(Method::PUT, "/v1/jobs", 400, "json: cannot unmarshal array into Go value of type api.JobRegisterRequest",
            "command/agent/http.go decodeBody").with_body("[]"),
        case(Method::PUT, "/v1/jobs", 400, "Job must be specified", "command/agent/job_endpoint.go jobUpdate").with_body("{}"),
        // Client allocation endpoints.
        get("/v1/client/allocation/", 404, "resource not found", CLIENT_ALLOC),
        get(format!("/v1/client/allocation/{alloc}"), 404, "resource not found", CLIENT_ALLOC),
        get(format!("/v1/client/allocation/{alloc}/bogus"), 404, "resource not found", CLIENT_ALLOC),
        get("/v1/client/allocation/abc/stats", 500, &no_uuid("alloc"), "nomad/client_alloc_endpoint.go getAlloc"),
        get(format!("/v1/client/allocation/{UNKNOWN}/stats"), 404, &format!("Unknown allocation {UNKNOWN:?}"),
            "command/agent/alloc_endpoint.go allocStats"),
        get(format!("/v1/client/allocation/{alloc}/stats?index=abc"), 400, "Invalid index{", "command/agent/alloc_endpoint.go allocStats").starting(),
        case(Method::POST, format!("/v1/client/allocation/{alloc}/signal"), 400, "Failed to decode body: Request body is empty",
            "command/agent/alloc_endpoint.go allocSignal"),
        case(Method::POST, format!("/v1/client/allocation/{alloc}/signal"), 400, "Failed to decode body: unexpected EOF",
            "command/agent/alloc_endpoint.go allocSignal").with_body("{"),
        case(Method::POST, format!("/v1/client/allocation/{alloc}/signal"), 400,
            "Failed to decode body: json: cannot unmarshal array into Go value of type structs.AllocSignalRequest",
            "command/agent/alloc_endpoint.go allocSignal").with_body("[]"),
        case(Method::POST, format!("/v1/client/allocation/{alloc}/signal"), 400,
            "Failed to decode body: json: cannot unmarshal number into Go struct field AllocSignalRequest.Signal of type string",
            "command/agent/alloc_endpoint.go allocSignal").with_body(r#"{"Signal": 5}"#),
        get(format!("/v1/client/allocation/{alloc}/signal"), 405, "Invalid method", "command/agent/alloc_endpoint.go allocSignal"),
        case(Method::POST, format!("/v1/client/allocation/{alloc}/restart"), 500, "invalid character '{' looking for beginning of object key string",
            "command/agent/alloc_endpoint.go allocRestart").with_body("{{{"),
        case(Method::POST, format!("/v1/client/allocation/{alloc}/restart"), 500,
            "json: cannot unmarshal number into Go struct field .TaskName of type string",
            "command/agent/alloc_endpoint.go allocRestart").with_body(r#"{"TaskName": 1}"#),
        case(Method::POST, format!("/v1/client/allocation/{UNKNOWN}/gc?wait=soon"), 400,
            &format!("Invalid wait timeUnknown allocation {UNKNOWN:?}"), "command/agent/alloc_endpoint.go allocGC"),
        get("/v1/client/stats?stale=maybe", 400, &format!("{stale}{{"), "command/agent/stats_endpoint.go ClientStatsRequest").starting(),
        // The fs endpoints.
        get("/v1/client/fs/ls/", 400, "must provide a valid alloc id", FS),
        get(format!("/v1/client/fs/nope/{alloc}"), 404, "Invalid method", FS),
        get(format!("/v1/client/fs/stat/{alloc}"), 400, "must provide a file name", FS),
        get(format!("/v1/client/fs/cat/{alloc}"), 400, "must provide a file name", FS),
        get(fs("readat", "path=x"), 500, "error parsing offset: strconv.ParseInt: parsing \"\": invalid syntax", FS),
        get(fs("readat", "path=x&offset=1&limit=z"), 500, "error parsing limit: strconv.ParseInt: parsing \"z\": invalid syntax", FS),
        get(fs("stream", "path=x&follow=maybe"), 500, "failed to parse follow field to boolean: strconv.ParseBool: parsing \"maybe\": invalid syntax", FS),
        get(fs("stream", "path=x&origin=middle"), 400, "origin must be start or end", FS),
        get(fs("stream", "path=x&offset=z"), 500, "error parsing offset: strconv.ParseInt: parsing \"z\": invalid syntax", FS),
        get(fs("logs", ""), 400, "must provide task name", FS),
        get(fs("logs", "task=server"), 400, "must provide log type (stdout/stderr)", FS),
        get(fs("logs", "task=server&type=stdout&plain=maybe"), 400, "failed to parse plain field to boolean: strconv.ParseBool: parsing \"maybe\": invalid syntax", FS),
        get(fs("logs", "task=server&type=stdout&follow=maybe"), 400, "failed to parse follow field to boolean: strconv.ParseBool: parsing \"maybe\": invalid syntax", FS),
        get(fs("logs", "task=server&type=stdout&offset=z"), 400, "error parsing offset: strconv.ParseInt: parsing \"z\": invalid syntax", FS),
        get(fs("logs", "task=server&type=stdout&origin=mid"), 400, "origin must be start or end", FS),
        get("/v1/client/fs/ls/abc", 500, &no_uuid("alloc"), "nomad/client_fs_endpoint.go getAlloc"),
        get(format!("/v1/client/fs/ls/{UNKNOWN}"), 404, &format!("Unknown allocation {UNKNOWN:?}"), FS),
        get(fs("ls", "index=abc"), 400, "Invalid index[", FS).starting(),
        get(fs("stat", "path=/&per_page=x"), 400, &format!("{per_page}{{"), FS).starting(),
        // The monitor: its own options, then `parse` unchecked before the stream.
        get("/v1/agent/monitor?log_level=loud", 400, "Unknown log level: loud", "command/agent/agent_endpoint.go AgentMonitor"),
        get("/v1/agent/monitor?log_json=maybe", 400, "Unknown option for log json: strconv.ParseBool: parsing \"maybe\": invalid syntax",
            "command/agent/agent_endpoint.go AgentMonitor"),
        get("/v1/agent/monitor?plain=maybe", 400, "Unknown option for plain: strconv.ParseBool: parsing \"maybe\": invalid syntax",
            "command/agent/agent_endpoint.go AgentMonitor"),
        get("/v1/agent/monitor?node_id=a&server_id=b", 400, "Cannot target node and server simultaneously", "command/agent/agent_endpoint.go AgentMonitor"),
        get("/v1/agent/monitor?index=abc", 400, "Invalid index", "command/agent/agent_endpoint.go AgentMonitor").starting(),
        // Agent endpoints.
        case(Method::PUT, "/v1/agent/servers", 400, "missing server address", "command/agent/agent_endpoint.go updateServers"),
        case(Method::PUT, "/v1/agent/join", 400, "missing address to join", "command/agent/agent_endpoint.go AgentJoinRequest"),
        case(Method::PUT, "/v1/agent/force-leave", 400, "missing node to force leave", "command/agent/agent_endpoint.go AgentForceLeaveRequest"),
        case(Method::PUT, "/v1/agent/force-leave?node=x&prune=maybe", 400, "invalid prune value", "command/agent/agent_endpoint.go AgentForceLeaveRequest"),
        // Other bodies.
        case(Method::PUT, "/v1/search", 400, "Request body is empty", "command/agent/search_endpoint.go newSearchRequest"),
        case(Method::PUT, "/v1/search", 400, "unexpected EOF", "command/agent/http.go decodeBody").with_body("{"),
        case(Method::DELETE, "/v1/evaluations", 400, "Request body is empty", "command/agent/eval_endpoint.go evalsDeleteRequest"),
        case(Method::DELETE, "/v1/evaluations", 400, "evals must be deleted by either ID or filter", "command/agent/eval_endpoint.go evalsDeleteRequest")
            .with_body("{}"),
        case(Method::DELETE, "/v1/evaluations", 400, "json: cannot unmarshal number into Go struct field EvalDeleteRequest.Filter of type string",
            "command/agent/http.go decodeBody").with_body(r#"{"Filter": 1}"#),
        get("/v1/volumes?type=nope", 404, "resource not found", "command/agent/volumes_endpoint.go ListVolumesRequest"),
        get("/v1/acl/policy/", 400, "Missing Policy Name", "command/agent/acl_endpoint.go ACLPolicySpecificRequest"),
    ]
}

/// Sends the request; for an answer that starts a stream, reads only as much as the case
/// compares, so that a stream that never ends does not hold the test.
async fn answer(t: &TestAgent, c: &Case) -> (u16, String) {
    let mut request = t.http.request(c.method.clone(), format!("{}{}", t.agent.url(), c.path));
    if let Some(body) = &c.body {
        request = request.body(body.clone());
    }
    let response =
        tokio::time::timeout(Duration::from_secs(10), request.send()).await.expect("an answer in time").unwrap();
    let status = response.status().as_u16();
    let enough = match &c.want {
        Want::Is(_) => usize::MAX,
        Want::StartsWith(prefix) => prefix.len(),
    };
    let mut body = Vec::new();
    let mut response = response;
    while body.len() < enough {
        match tokio::time::timeout(Duration::from_secs(10), response.chunk()).await {
            Ok(Ok(Some(chunk))) => body.extend_from_slice(&chunk),
            Ok(Ok(None)) => break,
            Ok(Err(e)) => panic!("{} {}: {e}", c.method, c.path),
            Err(_) => panic!("{} {}: the body stalled at {:?}", c.method, c.path, String::from_utf8_lossy(&body)),
        }
    }
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn bad_parameters_get_nomads_answers() {
    let t = TestAgent::start().await;
    let alloc = t.run_job("web", "default", "service", 1, &[("server", "sleep 300")]).remove(0);
    t.wait_alloc(&alloc, running).await;
    let mut failures = Vec::new();
    let all = cases(&alloc);
    assert!(all.len() >= 90, "{} cases", all.len());
    for c in &all {
        let (status, body) = answer(&t, c).await;
        let fits = match &c.want {
            Want::Is(text) => body == *text,
            Want::StartsWith(prefix) => body.starts_with(prefix.as_str()),
        };
        if status != c.status || !fits {
            failures.push(format!(
                "{} {} ({}): {status} {body:?}, expected {} {:?}",
                c.method, c.path, c.source, c.status, c.want
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} answers differ from Nomad's:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
    // Nothing above stopped the agent from answering.
    assert_eq!(t.get("/v1/agent/health").await.status, 200);
}

/// How an exec request ended: refused before the upgrade (status, body), or closed after it.
#[derive(Debug, PartialEq)]
enum Exec {
    Refused(u16, String),
    Closed(u16, String),
}

async fn exec(t: &TestAgent, alloc: &str, query: &str) -> Exec {
    let url = format!("ws://{}/v1/client/allocation/{alloc}/exec?{query}", t.agent.addr());
    let (mut socket, _) = match tokio_tungstenite::connect_async(url).await {
        Ok(socket) => socket,
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            let body = response.body().as_deref().map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default();
            return Exec::Refused(response.status().as_u16(), body);
        }
        Err(e) => panic!("{query}: {e}"),
    };
    loop {
        match tokio::time::timeout(Duration::from_secs(20), socket.next()).await.expect("the session ends") {
            Some(Ok(Message::Close(frame))) => {
                return frame.map_or(Exec::Closed(1005, String::new()), |f| {
                    Exec::Closed(u16::from(f.code), f.reason.to_string())
                })
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => panic!("{query}: {e}"),
            None => return Exec::Closed(1006, String::new()),
        }
    }
}

/// `allocExec` (command/agent/alloc_endpoint.go): `command` and `tty` are read before the
/// upgrade, their errors uncoded (500) with `encoding/json`'s and `strconv`'s words; `parse`
/// is called unchecked, its 400 sent before the upgrade is tried; the rest is the exec
/// stream's, after the upgrade (`nomad/client_alloc_endpoint.go` `exec`: `getAlloc` first).
#[tokio::test]
async fn bad_exec_parameters_get_nomads_answers() {
    let t = TestAgent::start().await;
    let alloc = t.run_job("web", "default", "service", 1, &[("server", "sleep 300")]).remove(0);
    t.wait_alloc(&alloc, running).await;
    let marshal = |why: &str| Exec::Refused(500, format!("failed to marshal command into json: {why}"));
    assert_eq!(exec(&t, &alloc, "task=server").await, marshal("unexpected end of JSON input"));
    assert_eq!(
        exec(&t, &alloc, "task=server&command=echo").await,
        marshal("invalid character 'e' looking for beginning of value")
    );
    assert_eq!(
        exec(&t, &alloc, "task=server&command=%5B1%5D").await,
        marshal("json: cannot unmarshal number into Go value of type string")
    );
    assert_eq!(
        exec(&t, &alloc, "task=server&command=%22ls%22").await,
        marshal("json: cannot unmarshal string into Go value of type []string")
    );
    assert_eq!(
        exec(&t, &alloc, "task=server&command=%5B%22ls%22%5D&tty=maybe").await,
        Exec::Refused(500, "tty value is not a boolean: strconv.ParseBool: parsing \"maybe\": invalid syntax".into())
    );
    assert_eq!(
        exec(&t, &alloc, "task=server&command=%5B%22ls%22%5D&index=abc").await,
        Exec::Refused(400, "Invalid index".into())
    );
    assert_eq!(
        exec(&t, &alloc, "task=server&command=%5B%5D").await,
        Exec::Closed(1008, "command is not present".into())
    );
    assert_eq!(
        exec(&t, "abc", "task=server&command=%5B%22ls%22%5D").await,
        Exec::Closed(1011, "alloc lookup failed: index error: UUID must be 36 characters".into())
    );
    assert_eq!(
        exec(&t, UNKNOWN, "task=server&command=%5B%22ls%22%5D").await,
        Exec::Closed(1008, format!("Unknown allocation {UNKNOWN:?}"))
    );
    assert_eq!(t.get("/v1/agent/health").await.status, 200);
}
