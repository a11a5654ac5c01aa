//! The blocks `Job.Validate` and `TaskGroup.Validate` check besides names and counts, with
//! Nomad's words (nomad/structs/structs.go v1.11.3: `Constraint.Validate`,
//! `RestartPolicy.Validate`, `ReschedulePolicy.Validate`, `PeriodicConfig.Validate`;
//! nomad/structs/constraint.go `validateConstraintAttribute` from 1.11.2), on the job as
//! `api.TaskGroup.Canonicalize` (api/tasks.go) leaves it: a partial policy is merged into the
//! job type's defaults first. `Job.Register` answers the `*multierror.Error` uncoded: 500.
//! A policy's errors are points of its group's list (go-multierror `Append` flattens them);
//! a constraint's and the periodic block's are lists nested in a point.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::TestAgent;
use nomad_api::NomadVersion;
use serde_json::{json, Value};

/// go-multierror `format.go` `ListFormatFunc`.
fn list(errors: &[String]) -> String {
    if errors.len() == 1 {
        return format!("1 error occurred:\n\t* {}\n\n", errors[0]);
    }
    let points: Vec<String> = errors.iter().map(|e| format!("* {e}")).collect();
    format!("{} errors occurred:\n\t{}\n\n", errors.len(), points.join("\n\t"))
}

fn strings(errors: &[&str]) -> Vec<String> {
    errors.iter().map(|e| e.to_string()).collect()
}

/// The job's list with one point: group `web`'s errors.
fn in_group(errors: &[&str]) -> String {
    list(&[format!("Task group web validation failed: {}", list(&strings(errors)))])
}

const SECOND: i64 = 1_000_000_000;

fn valid(kind: &str) -> Value {
    json!({"ID": "v", "Type": kind, "Datacenters": ["dc1"], "TaskGroups": [{"Name": "web", "Count": 1,
        "Tasks": [{"Name": "main", "Driver": "raw_exec", "Config": {"command": "/bin/sh", "args": ["-c", "true"]}}]}]})
}

fn with(kind: &str, change: impl FnOnce(&mut Value)) -> Value {
    let mut job = valid(kind);
    change(&mut job);
    job
}

async fn agent(version: &str) -> TestAgent {
    let version: NomadVersion = version.parse().unwrap();
    TestAgent::start_with(|c| c.nomad_version = version).await
}

async fn register(t: &TestAgent, job: &Value) -> (u16, String) {
    let r = t.post("/v1/jobs", &json!({"Job": job}).to_string()).await;
    (r.status, r.text())
}

/// Registers `job`; asserts the refusal and that nothing was stored.
async fn refused(t: &TestAgent, job: &Value, text: &str) {
    assert_eq!(register(t, job).await, (500, text.to_string()), "{job}");
    let jobs: Vec<Value> = t.get("/v1/jobs").await.json();
    assert_eq!(jobs, Vec::<Value>::new(), "a refused job was stored: {job}");
}

#[tokio::test]
async fn restart_policies_are_checked_after_the_defaults_are_merged() {
    let t = agent("1.11.3").await;
    let job = with("batch", |j| {
        j["TaskGroups"][0]["RestartPolicy"] = json!({"Mode": "nope", "Attempts": 0, "Interval": SECOND})
    });
    let errors = [
        r#"Unsupported restart mode: "nope""#,
        r#"Restart policy "nope" with 0 attempts is ambiguous"#,
        "Interval can not be less than 5s (got 1s)",
    ];
    refused(&t, &job, &in_group(&errors)).await;
    let job =
        with("service", |j| j["TaskGroups"][0]["RestartPolicy"] = json!({"Attempts": 3, "Interval": 30 * SECOND}));
    refused(
        &t,
        &job,
        &in_group(&["Nomad can't restart the TaskGroup 3 times in an interval of 30s with a delay of 15s"]),
    )
    .await;

    // Attempts alone: the batch defaults (24h interval, 15s delay, fail) fill the rest.
    let job = with("batch", |j| j["TaskGroups"][0]["RestartPolicy"] = json!({"Attempts": 7}));
    let (status, text) = register(&t, &job).await;
    assert_eq!(status, 200, "{text}");
    let stored: Value = t.get("/v1/job/v").await.json();
    let policy = &stored["TaskGroups"][0]["RestartPolicy"];
    assert_eq!(
        (&policy["Attempts"], &policy["Interval"], &policy["Delay"], &policy["Mode"]),
        (&json!(7), &json!(24 * 3600 * SECOND), &json!(15 * SECOND), &json!("fail"))
    );
}

#[tokio::test]
async fn reschedule_policies_are_checked() {
    let t = agent("1.11.3").await;
    let constant = json!({"Attempts": 5, "Interval": 60 * SECOND, "Delay": 30 * SECOND, "DelayFunction": "constant", "Unlimited": false});
    let job = with("service", |j| j["TaskGroups"][0]["ReschedulePolicy"] = constant);
    let errors = [
        r#"Nomad can only make 2 attempts in 1m0s with initial delay 30s and delay function "constant""#,
        "Set the interval to at least 2m30s to accommodate 5 attempts",
    ];
    refused(&t, &job, &in_group(&errors)).await;
    let job =
        with("batch", |j| j["TaskGroups"][0]["ReschedulePolicy"] = json!({"Delay": SECOND, "DelayFunction": "linear"}));
    let errors = [
        "Delay cannot be less than 5s (got 1s)",
        r#"Invalid delay function "linear", must be one of ["constant" "exponential" "fibonacci"]"#,
        "Max Delay cannot be less than 5s (got 1s)",
        "Max Delay cannot be less than Delay 1s (got 0s)",
    ];
    refused(&t, &job, &in_group(&errors)).await;
    // The service default is unlimited: giving attempts too is ambiguous.
    let job =
        with("service", |j| j["TaskGroups"][0]["ReschedulePolicy"] = json!({"Attempts": 2, "Interval": 3600 * SECOND}));
    let errors = [
        "Reschedule Policy with Attempts = 2, Interval = 1h0m0s, and Unlimited = true is ambiguous",
        "If Attempts >0, Unlimited cannot also be set to true",
    ];
    refused(&t, &job, &in_group(&errors)).await;
    // A system job may not have one.
    let job = with("system", |j| j["TaskGroups"][0]["ReschedulePolicy"] = json!({"Attempts": 1}));
    refused(&t, &job, &in_group(&["System or sysbatch jobs should not have a reschedule policy"])).await;
}

#[tokio::test]
async fn job_constraints_are_checked_as_the_release_does() {
    let t = agent("1.11.3").await;
    let constraints = json!([
        {"LTarget": "${attr.kernel.name}", "RTarget": "linux", "Operand": "="},
        {"LTarget": "${nope}", "RTarget": "x", "Operand": "="},
        {"LTarget": "", "RTarget": "", "Operand": "set_contains"},
    ]);
    let job = with("batch", |j| j["Constraints"] = constraints.clone());
    let second = format!("Constraint 2 validation failed: {}", list(&strings(&[r#"unsupported attribute "${nope}""#])));
    let third = format!(
        "Constraint 3 validation failed: {}",
        list(&strings(&[
            "Set contains constraint requires an RTarget",
            "no attribute provided but is required by operator"
        ]))
    );
    refused(&t, &job, &list(&[second, third])).await;

    // Before 1.11.2 the attribute passed, and a missing one was worded otherwise.
    let t = agent("1.11.1").await;
    let third = format!(
        "Constraint 3 validation failed: {}",
        list(&strings(&[
            "Set contains constraint requires an RTarget",
            "No LTarget provided but is required by constraint"
        ]))
    );
    refused(&t, &job, &list(&[third])).await;
}

#[tokio::test]
async fn periodic_blocks_are_checked() {
    let t = agent("1.11.3").await;
    let job = with("batch", |j| j["Periodic"] = json!({}));
    refused(&t, &job, &list(&[list(&strings(&["Must specify a spec"]))])).await;
    let job =
        with("batch", |j| j["Periodic"] = json!({"Spec": "* * * * *", "Specs": ["0 * * * *"], "SpecType": "weekly"}));
    let errors = ["Only cron or crons may be used", r#"Unknown periodic specification type "weekly""#];
    refused(&t, &job, &list(&[list(&strings(&errors))])).await;
    // Disabled: not checked.
    let job = with("batch", |j| j["Periodic"] = json!({"Enabled": false}));
    assert_eq!(register(&t, &job).await.0, 200);
}

/// Affinities and spreads (`Affinity.Validate`, `Spread.Validate`), of the job, its groups
/// and tasks, and constraints of groups and tasks (a task may not use `distinct_hosts` or
/// `distinct_property`); a system job may have neither affinities nor spreads.
#[tokio::test]
async fn affinities_spreads_and_group_and_task_constraints_are_checked() {
    let t = agent("1.11.3").await;
    let job = with("service", |j| {
        j["Affinities"] = json!([{"LTarget": "${node.class}", "RTarget": "x", "Operand": "=", "Weight": 0}]);
        j["Spreads"] = json!([{"Attribute": "${node.datacenter}", "SpreadTarget": [{"Value": "a", "Percent": 60}, {"Value": "b", "Percent": 60}]}]);
        j["TaskGroups"][0]["Constraints"] = json!([{"LTarget": "${attr.x}", "Operand": "<"}]);
        j["TaskGroups"][0]["Spreads"] = json!([{"Attribute": ""}]);
        j["TaskGroups"][0]["Tasks"][0]["Constraints"] = json!([{"Operand": "distinct_hosts"}]);
        j["TaskGroups"][0]["Tasks"][0]["Affinities"] = json!([{"LTarget": "a", "RTarget": "b", "Operand": "~"}]);
    });
    let point =
        |kind: &str, n: usize, errors: &[&str]| format!("{kind} {n} validation failed: {}", list(&strings(errors)));
    let task = format!(
        "Task main validation failed: {}",
        list(&[
            s("Constraint 1 has disallowed Operand at task level: distinct_hosts"),
            point("Affinity", 1, &[r#"Unknown affinity operator "~""#])
        ])
    );
    let group = format!(
        "Task group web validation failed: {}",
        list(&[
            point("Constraint", 1, &[r#"Operator "<" requires an RTarget"#]),
            point("Spread", 1, &["Missing spread attribute"]),
            task
        ])
    );
    let expected = list(&[
        point("Affinity", 1, &["Affinity weight cannot be zero"]),
        point("Spread", 1, &["Sum of spread target percentages must not be greater than 100%; got 120%"]),
        group,
    ]);
    refused(&t, &job, &expected).await;

    let job = with("system", |j| {
        j["Affinities"] = json!([{"LTarget": "a", "RTarget": "b", "Operand": "="}]);
        j["Spreads"] = json!([{"Attribute": "a"}]);
    });
    refused(
        &t,
        &job,
        &list(&strings(&["System jobs may not have an affinity block", "System jobs may not have a spread block"])),
    )
    .await;
}

fn s(text: &str) -> String {
    text.to_string()
}

/// Before 1.8.0 a policy's errors were one nested point of the group's list (structs.go
/// appended the `*multierror.Error` itself); before 1.11.0 only system jobs were refused a
/// reschedule policy, in other words; before 1.5.0 messages said `stanza`.
#[tokio::test]
async fn older_releases_word_and_nest_them_as_they_did() {
    let t = agent("1.7.7").await;
    let job = with("batch", |j| j["TaskGroups"][0]["RestartPolicy"] = json!({"Mode": "nope"}));
    let nested = list(&strings(&[r#"Unsupported restart mode: "nope""#]));
    refused(&t, &job, &list(&[format!("Task group web validation failed: {}", list(&[nested]))])).await;
    let job = with("system", |j| j["TaskGroups"][0]["ReschedulePolicy"] = json!({"Attempts": 1}));
    refused(&t, &job, &in_group(&["System jobs should not have a reschedule policy"])).await;

    let t = agent("1.4.14").await;
    let job = with("system", |j| j["Spreads"] = json!([{"Attribute": "a"}]));
    refused(&t, &job, &list(&strings(&["System jobs may not have a spread stanza"]))).await;
}
