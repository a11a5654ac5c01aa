//! `GET /v1/job/:id/versions?diffs=true` on a real listener: the `Diffs` Nomad computes
//! between a job's versions (`nomad/job_endpoint.go` `GetJobVersions`: newest first, each
//! against the next older one, `old.Diff(new, true)`; `nomad/structs/diff.go` `Job.Diff`,
//! `TaskGroup.Diff`, `Task.Diff`), pinned whole for known changes, at v1.11.3 and v1.4.0.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use caravan_agent::jobspec::{group, job, shell_task};
use common::TestAgent;
use nomad_api::{Job, JobRegisterRequest, NomadVersion};
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeMap;

async fn register(t: &TestAgent, job: &Job) {
    let body = serde_json::to_string(&JobRegisterRequest { job: Some(job.clone()), ..Default::default() }).unwrap();
    let r = t.send(Method::PUT, "/v1/jobs", None, Some(&body)).await;
    assert_eq!(r.status, 200, "{}", r.text());
}

/// Version 0: one group of one raw_exec task, job meta `owner=ops`, in `dc1`.
fn v0() -> Job {
    let mut j =
        job("web", "default", "service", vec![group("web", 1, vec![shell_task("server", "sleep 60", 100, 64)])]);
    j.meta = BTreeMap::from([("owner".to_string(), "ops".to_string())]);
    // 1.4 has no default datacenters (`Missing job datacenters`).
    j.datacenters = vec!["dc1".to_string()];
    j
}

/// Version 1: meta edited and added, count 1 to 2, an env var added, the script's argument
/// and the CPU edited.
fn v1() -> Job {
    let mut j = v0();
    j.meta.insert("owner".into(), "dev".into());
    j.meta.insert("team".into(), "core".into());
    j.task_groups[0].count = 2;
    let server = &mut j.task_groups[0].tasks[0];
    server.env.insert("PORT".into(), "8080".into());
    server.config.insert("args".into(), json!(["-c", "sleep 61"]));
    server.resources.as_mut().unwrap().cpu = 200;
    j
}

/// Version 2: a task added.
fn v2() -> Job {
    let mut j = v1();
    j.task_groups[0].tasks.push(shell_task("sidecar", "sleep 60", 50, 32));
    j
}

async fn agent_with_versions(version: NomadVersion) -> TestAgent {
    let t = TestAgent::start_with(|c| c.nomad_version = version).await;
    for j in [v0(), v1(), v2()] {
        register(&t, &j).await;
    }
    t
}

fn field(kind: &str, name: &str, old: &str, new: &str) -> Value {
    json!({"Type": kind, "Name": name, "Old": old, "New": new, "Annotations": null})
}

fn object(kind: &str, name: &str, fields: Vec<Value>, objects: Value) -> Value {
    json!({"Type": kind, "Name": name, "Fields": fields, "Objects": objects})
}

/// v0 to v1. The job's and the group's own fields list only what changed (`fieldDiffs(...,
/// false)`); `Config` and `Resources` list their unchanged fields too, as `None`
/// (contextual). `Meta` entries are `Meta[key]`; numbers are Go's `%v`.
fn diff_v0_v1(resources_fields: &[&str]) -> Value {
    let mut resources: Vec<Value> = resources_fields
        .iter()
        .map(|name| match *name {
            "CPU" => field("Edited", "CPU", "100", "200"),
            "MemoryMB" => field("None", "MemoryMB", "64", "64"),
            other => field("None", other, "0", "0"),
        })
        .collect();
    resources.sort_by_key(|f| f["Name"].as_str().unwrap().to_string());
    json!({
        "Type": "Edited",
        "ID": "web",
        "Fields": [field("Edited", "Meta[owner]", "ops", "dev"), field("Added", "Meta[team]", "", "core")],
        "Objects": null,
        "TaskGroups": [{
            "Type": "Edited",
            "Name": "web",
            "Fields": [field("Edited", "Count", "1", "2")],
            "Objects": null,
            "Tasks": [{
                "Type": "Edited",
                "Name": "server",
                "Fields": [field("Added", "Env[PORT]", "", "8080")],
                "Objects": [
                    object("Edited", "Config", vec![
                        field("None", "args[0]", "-c", "-c"),
                        field("Edited", "args[1]", "sleep 60", "sleep 61"),
                        field("None", "command", "/bin/sh", "/bin/sh"),
                    ], Value::Null),
                    object("Edited", "Resources", resources, Value::Null),
                ],
                "Annotations": null,
            }],
            "Updates": null,
        }],
    })
}

/// The unchanged task of an edited group: listed, type `None`, nothing below.
fn unchanged_server() -> Value {
    json!({"Type": "None", "Name": "server", "Fields": null, "Objects": null, "Annotations": null})
}

/// v1.11.3: `Resources.SecretsMB` (1.9.0), `LogConfig.Disabled` (1.5.5) and the task's
/// default `Identity` (idDiff 1.5.0, `Audience` set 1.7.0) are in the added task.
#[tokio::test]
async fn consecutive_versions_newest_first() {
    let t = agent_with_versions(NomadVersion::LATEST).await;
    let r = t.get("/v1/job/web/versions?diffs=true").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let body: Value = r.json();
    let diffs = body["Diffs"].as_array().unwrap();
    assert_eq!(diffs.len(), 2, "one diff fewer than versions");

    let resources = ["CPU", "Cores", "MemoryMB", "MemoryMaxMB", "DiskMB", "IOPS", "SecretsMB"];
    assert_eq!(diffs[1], diff_v0_v1(&resources));

    // v1 to v2: an added task lists every non-empty primitive field as `Added` (`Leader`
    // `false`, `ShutdownDelay` `0`, `KillTimeout` in nanoseconds); in its objects, empty
    // strings are `None` with empty values (fieldDiff with contextual).
    let sidecar = json!({
        "Type": "Added",
        "Name": "sidecar",
        "Fields": [
            field("Added", "Driver", "", "raw_exec"),
            field("Added", "KillTimeout", "", "5000000000"),
            field("Added", "Leader", "", "false"),
            field("Added", "ShutdownDelay", "", "0"),
        ],
        "Objects": [
            object("Added", "Config", vec![
                field("Added", "args[0]", "", "-c"),
                field("Added", "args[1]", "", "sleep 60"),
                field("Added", "command", "", "/bin/sh"),
            ], Value::Null),
            object("Added", "Resources", vec![
                field("Added", "CPU", "", "50"),
                field("Added", "Cores", "", "0"),
                field("Added", "DiskMB", "", "0"),
                field("Added", "IOPS", "", "0"),
                field("Added", "MemoryMB", "", "32"),
                field("Added", "MemoryMaxMB", "", "0"),
                field("Added", "SecretsMB", "", "0"),
            ], Value::Null),
            object("Added", "LogConfig", vec![
                field("Added", "Disabled", "", "false"),
                field("Added", "MaxFileSizeMB", "", "10"),
                field("Added", "MaxFiles", "", "10"),
            ], Value::Null),
            object("Added", "Identity", vec![
                field("None", "ChangeMode", "", ""),
                field("None", "ChangeSignal", "", ""),
                field("Added", "Env", "", "false"),
                field("Added", "File", "", "false"),
                field("None", "Filepath", "", ""),
                field("Added", "Name", "", "default"),
                field("None", "ServiceName", "", ""),
                field("Added", "TTL", "", "0"),
            ], json!([object("Added", "Audience", vec![field("Added", "Audience", "", "nomadproject.io")], Value::Null)])),
        ],
        "Annotations": null,
    });
    assert_eq!(
        diffs[0],
        json!({
            "Type": "Edited",
            "ID": "web",
            "Fields": null,
            "Objects": null,
            "TaskGroups": [{
                "Type": "Edited",
                "Name": "web",
                "Fields": null,
                "Objects": null,
                "Tasks": [unchanged_server(), sidecar],
                "Updates": null,
            }],
        })
    );
}

/// v1.4.0: no `SecretsMB`, no `LogConfig.Disabled`, no `Identity` (none of these fields
/// exist); the edited diff is otherwise the same.
#[tokio::test]
async fn oldest_release_diffs_its_own_fields() {
    let t = agent_with_versions(NomadVersion::OLDEST).await;
    let body: Value = t.get("/v1/job/web/versions?diffs=true").await.json();
    let diffs = body["Diffs"].as_array().unwrap();
    assert_eq!(diffs[1], diff_v0_v1(&["CPU", "Cores", "MemoryMB", "MemoryMaxMB", "DiskMB", "IOPS"]));
    let sidecar = &diffs[0]["TaskGroups"][0]["Tasks"][1];
    let names: Vec<&str> = sidecar["Objects"].as_array().unwrap().iter().map(|o| o["Name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Config", "Resources", "LogConfig"]);
    assert_eq!(
        sidecar["Objects"][2]["Fields"],
        json!([field("Added", "MaxFileSizeMB", "", "10"), field("Added", "MaxFiles", "", "10")])
    );
}

/// `diffs` off, or a single version: `Diffs` is `null` (the loop skips the oldest version
/// and appends nothing). `diff_version` (1.9+) diffs every version against that one, itself
/// included (type `None`, every group and task listed as `None`).
#[tokio::test]
async fn null_without_diffs_and_against_a_chosen_version() {
    let t = TestAgent::start().await;
    register(&t, &v0()).await;
    let one: Value = t.get("/v1/job/web/versions?diffs=true").await.json();
    assert_eq!(one["Diffs"], Value::Null);
    register(&t, &v1()).await;
    let off: Value = t.get("/v1/job/web/versions").await.json();
    assert_eq!(off["Diffs"], Value::Null);

    let against: Value = t.get("/v1/job/web/versions?diffs=true&diff_version=0").await.json();
    let diffs = against["Diffs"].as_array().unwrap();
    assert_eq!(diffs.len(), 2);
    assert_eq!(diffs[0], diff_v0_v1(&["CPU", "Cores", "MemoryMB", "MemoryMaxMB", "DiskMB", "IOPS", "SecretsMB"]));
    assert_eq!(
        diffs[1],
        json!({
            "Type": "None",
            "ID": "web",
            "Fields": null,
            "Objects": null,
            "TaskGroups": [{
                "Type": "None",
                "Name": "web",
                "Fields": null,
                "Objects": null,
                "Tasks": [unchanged_server()],
                "Updates": null,
            }],
        })
    );
    let missing = t.get("/v1/job/web/versions?diffs=true&diff_version=7").await;
    assert_eq!((missing.status, missing.text().as_str()), (500, "version 7 not found"));
}

/// Every field added, as `Added` with its new value.
fn added(name: &str, fields: &[(&str, &str)]) -> Value {
    object("Added", name, fields.iter().map(|(n, v)| field("Added", n, "", v)).collect(), Value::Null)
}

/// A group added (`taskGroupDiffs`, `old.Diff(newGroup)` with no old group): its non-empty
/// fields `Added` (`PreventRescheduleOnLost`, 1.7.2, `false`), then its blocks in diff.go's
/// order, `RestartPolicy`, `Migrate` (1.10.0), `ReschedulePolicy`, `EphemeralDisk`, `Update`
/// less `Stagger`, with the defaults the agent gave them (durations in nanoseconds); the
/// group that stayed is listed as `None`.
#[tokio::test]
async fn a_group_added() {
    let t = TestAgent::start().await;
    register(&t, &v0()).await;
    let mut j = v0();
    j.task_groups.push(group("api", 3, vec![shell_task("api", "sleep 60", 100, 64)]));
    register(&t, &j).await;
    let body: Value = t.get("/v1/job/web/versions?diffs=true").await.json();
    let groups = &body["Diffs"][0]["TaskGroups"];
    assert_eq!(groups.as_array().unwrap().len(), 2);
    let api = &groups[0];
    assert_eq!((&api["Type"], &api["Name"]), (&json!("Added"), &json!("api")));
    assert_eq!(
        api["Fields"],
        json!([field("Added", "Count", "", "3"), field("Added", "PreventRescheduleOnLost", "", "false")])
    );
    assert_eq!(
        api["Objects"],
        json!([
            added(
                "RestartPolicy",
                &[
                    ("Attempts", "2"),
                    ("Delay", "15000000000"),
                    ("Interval", "1800000000000"),
                    ("Mode", "fail"),
                    ("RenderTemplates", "false")
                ]
            ),
            added(
                "Migrate",
                &[
                    ("HealthCheck", "checks"),
                    ("HealthyDeadline", "300000000000"),
                    ("MaxParallel", "1"),
                    ("MinHealthyTime", "10000000000")
                ]
            ),
            added(
                "ReschedulePolicy",
                &[
                    ("Attempts", "0"),
                    ("Delay", "30000000000"),
                    ("DelayFunction", "exponential"),
                    ("Interval", "0"),
                    ("MaxDelay", "3600000000000"),
                    ("Unlimited", "true")
                ]
            ),
            added("EphemeralDisk", &[("Migrate", "false"), ("SizeMB", "300"), ("Sticky", "false")]),
            added(
                "Update",
                &[
                    ("AutoPromote", "false"),
                    ("AutoRevert", "false"),
                    ("Canary", "0"),
                    ("HealthCheck", "checks"),
                    ("HealthyDeadline", "300000000000"),
                    ("MaxParallel", "1"),
                    ("MinHealthyTime", "10000000000"),
                    ("ProgressDeadline", "600000000000")
                ]
            ),
        ])
    );
    let task_objects: Vec<&str> =
        api["Tasks"][0]["Objects"].as_array().unwrap().iter().map(|o| o["Name"].as_str().unwrap()).collect();
    assert_eq!(task_objects, ["Config", "Resources", "LogConfig", "Identity"]);
    assert_eq!(
        groups[1],
        json!({"Type": "None", "Name": "web", "Fields": null, "Objects": null, "Tasks": [unchanged_server()], "Updates": null})
    );
}
