//! Jobs Nomad refuses are refused, with Nomad's status and text, before anything is stored:
//! a task named `../../../x` (whose directory would sit outside its allocation's), an empty
//! task or group name, a task named `alloc`, a negative count, and the rest of
//! `Job.Validate` / `TaskGroup.Validate` / `Task.Validate` (nomad/structs/structs.go) and the
//! `jobValidate` admission hook (nomad/job_endpoint_hooks.go) for what the agent models.
//!
//! `Job.Register` (nomad/job_endpoint.go) returns the hook's `*multierror.Error` uncoded, so
//! `wrap` (command/agent/http.go) answers 500 with go-multierror's `ListFormatFunc` text; a
//! group's and a task's errors are a multierror nested in their parent's point.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::TestAgent;
use nomad_api::NomadVersion;
use serde_json::{json, Value};

/// go-multierror `format.go` `ListFormatFunc`, written out here to pin the text.
fn list(errors: &[String]) -> String {
    if errors.len() == 1 {
        return format!("1 error occurred:\n\t* {}\n\n", errors[0]);
    }
    let points: Vec<String> = errors.iter().map(|e| format!("* {e}")).collect();
    format!("{} errors occurred:\n\t{}\n\n", errors.len(), points.join("\n\t"))
}

/// `Job.Validate`'s point for a group's errors.
fn group(name: &str, errors: &[String]) -> String {
    format!("Task group {name} validation failed: {}", list(errors))
}

/// `TaskGroup.Validate`'s point for a task's errors.
fn task(name: &str, errors: &[&str]) -> String {
    let errors: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    format!("Task {name} validation failed: {}", list(&errors))
}

fn s(text: &str) -> String {
    text.to_string()
}

fn a_task(name: &str) -> Value {
    json!({"Name": name, "Driver": "raw_exec", "Config": {"command": "/bin/sh", "args": ["-c", "true"]}})
}

/// A valid batch job of one group `web` with one task `main`, to break one field at a time.
fn valid() -> Value {
    json!({"ID": "v", "Type": "batch", "Datacenters": ["dc1"], "TaskGroups": [{"Name": "web", "Count": 1, "Tasks": [a_task("main")]}]})
}

fn with(change: impl FnOnce(&mut Value)) -> Value {
    let mut job = valid();
    change(&mut job);
    job
}

async fn agent(version: &str) -> TestAgent {
    let version: NomadVersion = version.parse().unwrap();
    TestAgent::start_with(|c| c.nomad_version = version).await
}

/// Registers `job`; asserts the refusal and that nothing was stored.
async fn refused(t: &TestAgent, job: &Value, status: u16, text: &str) {
    let r = t.post("/v1/jobs", &json!({"Job": job}).to_string()).await;
    assert_eq!((r.status, r.text().as_str()), (status, text), "{job}");
    let jobs: Vec<Value> = t.get("/v1/jobs").await.json();
    assert_eq!(jobs, Vec::<Value>::new(), "a refused job was stored: {job}");
}

/// `Task.Validate` (1.11.3): a name with a slash (either kind) or NUL; `TaskGroup.Validate`:
/// `Task %d missing name` besides `Task.Validate`'s `Missing task name`.
#[tokio::test]
async fn task_names_are_checked_before_anything_is_stored() {
    let t = agent("1.11.3").await;
    for (name, why) in [
        ("../../../x", "Task name cannot include slashes"),
        ("a/b", "Task name cannot include slashes"),
        (r"..\x", "Task name cannot include slashes"),
        ("a\0b", "Task name cannot include null characters"),
        ("alloc", r#"Task cannot be named "alloc""#),
    ] {
        let job = with(|j| j["TaskGroups"][0]["Tasks"][0]["Name"] = json!(name));
        refused(&t, &job, 500, &list(&[group("web", &[task(name, &[why])])])).await;
    }
    let job = with(|j| j["TaskGroups"][0]["Tasks"][0]["Name"] = json!(""));
    let expected = list(&[group("web", &[s("Task 1 missing name"), task("", &["Missing task name"])])]);
    refused(&t, &job, 500, &expected).await;
    // Nothing was placed, so no directory was made for any of them.
    let allocs: Vec<Value> = t.get("/v1/allocations").await.json();
    assert_eq!(allocs, Vec::<Value>::new());
}

/// The `alloc` rule is new in 1.11.0 (hashicorp/nomad#27001): 1.10 registers such a job. The
/// agent's client still refuses to make that task's directory (it is the shared `alloc/`),
/// so the allocation fails rather than the task writing into the shared directory.
#[tokio::test]
async fn a_task_named_alloc_is_accepted_before_1_11() {
    let t = agent("1.10.5").await;
    let job = with(|j| j["TaskGroups"][0]["Tasks"][0]["Name"] = json!("alloc"));
    let r = t.post("/v1/jobs", &json!({"Job": job}).to_string()).await;
    assert_eq!(r.status, 200, "{}", r.text());
}

/// `TaskGroup.Validate`: negative count, missing name, no tasks, duplicate tasks, leaders;
/// `Job.Validate`: group names (`Job task group %d missing name`, `redefines`), the system
/// scheduler's count.
#[tokio::test]
async fn groups_are_validated() {
    let t = agent("1.11.3").await;
    let job = with(|j| j["TaskGroups"][0]["Count"] = json!(-5));
    refused(&t, &job, 500, &list(&[group("web", &[s("Task group count can't be negative")])])).await;

    let job = with(|j| j["TaskGroups"][0]["Name"] = json!(""));
    refused(&t, &job, 500, &list(&[s("Job task group 1 missing name"), group("", &[s("Missing task group name")])]))
        .await;

    let job = with(|j| j["TaskGroups"][0]["Tasks"] = json!([]));
    refused(&t, &job, 500, &list(&[group("web", &[s("Missing tasks for task group")])])).await;

    let job = with(|j| {
        let g = j["TaskGroups"][0].clone();
        j["TaskGroups"].as_array_mut().unwrap().push(g);
    });
    refused(&t, &job, 500, &list(&[s("Job task group 2 redefines 'web' from group 1")])).await;

    let job = with(|j| j["TaskGroups"][0]["Tasks"] = json!([a_task("a"), a_task("a")]));
    refused(&t, &job, 500, &list(&[group("web", &[s("Task 2 redefines 'a' from task 1")])])).await;

    let mut leader = a_task("b");
    leader["Leader"] = json!(true);
    let job = with(|j| {
        j["TaskGroups"][0]["Tasks"] =
            json!([leader.clone(), {"Name": "c", "Driver": "raw_exec", "Leader": true, "Config": {"command": "true"}}])
    });
    refused(&t, &job, 500, &list(&[group("web", &[s("Only one task may be marked as leader")])])).await;

    let job = with(|j| {
        j["Type"] = json!("system");
        j["TaskGroups"][0]["Count"] = json!(2);
    });
    refused(&t, &job, 500, &list(&[s("Job task group web has count 2. Count cannot exceed 1 with system scheduler")]))
        .await;

    // Several errors in one answer, each where Nomad puts it.
    let job = with(|j| {
        j["TaskGroups"][0]["Count"] = json!(-1);
        j["TaskGroups"][0]["Tasks"][0]["Name"] = json!("a/b");
        j["TaskGroups"][0]["Tasks"][0]["Driver"] = json!("");
    });
    let expected = list(&[group(
        "web",
        &[
            s("Task group count can't be negative"),
            task("a/b", &["Task name cannot include slashes", "Missing task driver"]),
        ],
    )]);
    refused(&t, &job, 500, &expected).await;
}

/// `Job.Validate`: the ID (`Missing job ID`, a space, NUL), the name, the type, datacenters;
/// `jobValidate`: `job type cannot be core`, the priority (1.5.0+); `jobUpdate`
/// (command/agent/job_endpoint.go): `Job ID hasn't been provided` (400) when the body has none.
#[tokio::test]
async fn the_job_itself_is_validated() {
    let t = agent("1.11.3").await;
    refused(&t, &with(|j| j["ID"] = json!("a b")), 500, &list(&[s("Job ID contains a space")])).await;
    // `Name` left out is the ID (`api.Job.Canonicalize`), so it has the ID's NUL, or is empty.
    let nul = list(&[s("Job ID contains a null character"), s("Job Name contains a null character")]);
    refused(&t, &with(|j| j["ID"] = json!("a\0b")), 500, &nul).await;
    refused(&t, &with(|j| j["ID"] = json!("")), 500, &list(&[s("Missing job ID"), s("Missing job name")])).await;
    let without_id = with(|j| {
        j.as_object_mut().unwrap().remove("ID");
    });
    refused(&t, &without_id, 400, "Job ID hasn't been provided").await;
    refused(&t, &with(|j| j["Name"] = json!("")), 500, &list(&[s("Missing job name")])).await;
    refused(&t, &with(|j| j["Name"] = json!("a\0")), 500, &list(&[s("Job Name contains a null character")])).await;
    refused(&t, &with(|j| j["Type"] = json!("nope")), 500, &list(&[s(r#"Invalid job type: "nope""#)])).await;
    refused(&t, &with(|j| j["Type"] = json!("")), 500, &list(&[s("Missing job type")])).await;
    refused(&t, &with(|j| j["Type"] = json!("_core")), 500, &list(&[s("job type cannot be core")])).await;
    refused(
        &t,
        &with(|j| j["Datacenters"] = json!(["dc1", ""])),
        500,
        &list(&[s("Job datacenter must be non-empty string")]),
    )
    .await;
    refused(&t, &with(|j| j["TaskGroups"] = json!([])), 500, &list(&[s("Missing job task groups")])).await;
    for priority in [0, -1, 101] {
        refused(
            &t,
            &with(|j| j["Priority"] = json!(priority)),
            500,
            &list(&[s("job priority must be between [1, 100]")]),
        )
        .await;
    }
    // A batch job that says it is periodic or parameterized (`Job.Validate`'s scheduler rule).
    let service = |j: &mut Value| j["Type"] = json!("service");
    let job = with(|j| {
        service(j);
        j["Periodic"] = json!({"Spec": "* * * * *"});
    });
    refused(&t, &job, 500, &list(&[s(r#"Periodic can only be used with "batch" or "sysbatch" scheduler"#)])).await;
    let job = with(|j| {
        service(j);
        j["ParameterizedJob"] = json!({});
    });
    refused(&t, &job, 500, &list(&[s(r#"Parameterized job can only be used with "batch" or "sysbatch" scheduler"#)]))
        .await;
}

/// Before 1.5.0 `Job.Validate` checked the priority itself, after the type, capitalised
/// (nomad/structs/structs.go at 1.4.0).
#[tokio::test]
async fn priority_was_checked_by_job_validate_before_1_5() {
    let t = agent("1.4.14").await;
    let job = with(|j| {
        j["Priority"] = json!(101);
        j["Type"] = json!("nope");
    });
    refused(&t, &job, 500, &list(&[s(r#"Invalid job type: "nope""#), s("Job priority must be between [1, 100]")]))
        .await;
}

/// What the request leaves out gets `api.Job.Canonicalize`'s and `api.TaskGroup.Canonicalize`'s
/// defaults before validation: priority 50, a count of 1.
#[tokio::test]
async fn left_out_fields_get_the_api_defaults() {
    let t = agent("1.11.3").await;
    let job = with(|j| {
        j["TaskGroups"][0].as_object_mut().unwrap().remove("Count");
    });
    let r = t.post("/v1/jobs", &json!({"Job": job}).to_string()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let stored: Value = t.get("/v1/job/v").await.json();
    assert_eq!((stored["Priority"].clone(), stored["TaskGroups"][0]["Count"].clone()), (json!(50), json!(1)));
}

/// `Job.Register` runs the admission controllers (validation) before it checks the token's
/// capabilities (nomad/job_endpoint.go `doRegister`), and from 1.5.0 after `Authenticate`: a
/// read-only token gets the validation error, an unknown one `Permission denied`.
#[tokio::test]
async fn validation_comes_before_the_capability_check() {
    let t = TestAgent::start_with(|c| c.acl = true).await;
    let secrets = t.agent.acl_secrets().unwrap();
    let job = json!({"Job": with(|j| j["TaskGroups"][0]["Count"] = json!(-5))}).to_string();
    let expected = list(&[group("web", &[s("Task group count can't be negative")])]);
    let r = t.send(reqwest::Method::POST, "/v1/jobs", Some(&secrets.readonly), Some(&job)).await;
    assert_eq!((r.status, r.text()), (500, expected));
    let unknown = "00000000-0000-4000-8000-000000000000";
    let r = t.send(reqwest::Method::POST, "/v1/jobs", Some(unknown), Some(&job)).await;
    assert_eq!((r.status, r.text().as_str()), (403, "Permission denied"));
    // A valid job from the read-only token is refused for its capabilities.
    let job = json!({"Job": valid()}).to_string();
    let r = t.send(reqwest::Method::POST, "/v1/jobs", Some(&secrets.readonly), Some(&job)).await;
    assert_eq!((r.status, r.text().as_str()), (403, "Permission denied"));
}

/// `PUT /v1/job/:id` validates as `PUT /v1/jobs` does (both are `jobUpdate`).
#[tokio::test]
async fn every_registration_path_validates() {
    let t = agent("1.11.3").await;
    let job = with(|j| j["TaskGroups"][0]["Tasks"][0]["Name"] = json!("../x"));
    let body = json!({"Job": job}).to_string();
    for path in ["/v1/job/v", "/v1/job/"] {
        let r = t.send(reqwest::Method::PUT, path, None, Some(&body)).await;
        assert_eq!(
            (r.status, r.text()),
            (500, list(&[group("web", &[task("../x", &["Task name cannot include slashes"])])]))
        );
    }
    // The agent's own entry point refuses it too (`AppState::register_job`).
    let mut job: nomad_api::Job = serde_json::from_value(job).unwrap();
    job.task_groups[0].tasks[0].name = "../x".into();
    let e = t.agent.register_job(job).unwrap_err();
    assert_eq!(e.status.as_u16(), 500);
    assert!(e.message.contains("Task name cannot include slashes"), "{}", e.message);
    let jobs: Vec<Value> = t.get("/v1/jobs").await.json();
    assert!(jobs.is_empty());
}
