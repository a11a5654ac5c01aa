//! Nomad's job validation: what `Job.Validate`, `TaskGroup.Validate` and `Task.Validate`
//! (`nomad/structs/structs.go`) and the `jobValidate` admission hook
//! (`nomad/job_endpoint_hooks.go`) refuse, with their messages, in their order.
//!
//! The agent used to accept a task named `../../../x` (whose directory would sit outside its
//! allocation's), an empty task or group name, a task named `alloc` and a negative count.
//! `Job.Register` (`nomad/job_endpoint.go`) runs the admission controllers before it checks
//! the token's capabilities, and returns their `*multierror.Error` uncoded, so the HTTP layer
//! (`command/agent/http.go` `wrap`) answers it `500` with go-multierror's text; each group's
//! and task's errors are a multierror nested in their parent's point.
//!
//! Validation sees the job as `api.Job.Canonicalize` (`api/jobs.go`, `api/tasks.go`) left it:
//! a field the request leaves out gets its default, one it sends (even empty) is kept, which
//! [`apply_api_defaults`] reproduces from the request's JSON. Constraints, affinities and
//! spreads (of the job, its groups and tasks), the groups' restart and reschedule policies and
//! the periodic block are checked in `blocks.rs`. Rules on blocks this agent does not model
//! (networks, services, volumes, templates, artifacts, resources) are not checked. Go tells
//! an empty list from none (`System jobs may not have an affinity block` for `[]`); here an
//! empty list is none.

mod blocks;

use crate::error::ApiError;
use crate::http::request::body_field;
use nomad_api::{job_type, multierror, Job, NomadVersion, Task, TaskGroup};
use serde_json::Value;
use std::collections::BTreeMap;

/// `structs.JobTypeCore`: valid for `Job.Validate`, refused by `jobValidate`.
const JOB_TYPE_CORE: &str = "_core";
/// `structs.JobMinPriority`.
pub const JOB_MIN_PRIORITY: i64 = 1;
/// `structs.JobMaxPriority` before 1.5.0, then `JobDefaultMaxPriority`, the default of the
/// server's `job_max_priority` (`nomad/config.go`).
pub const JOB_MAX_PRIORITY: i64 = 100;
/// `api.JobDefaultPriority`.
pub const JOB_DEFAULT_PRIORITY: i64 = 50;

/// A field of a JSON object as Go's decoder fills a pointer field: by name in any case, and
/// `null` is as absent.
fn given<'a>(object: Option<&'a Value>, name: &str) -> Option<&'a Value> {
    object.and_then(Value::as_object).and_then(|fields| body_field(fields, name)).filter(|v| !v.is_null())
}

/// Whether the request's job (`raw`, the `Job` object of the body) names its ID: `jobUpdate`
/// (`command/agent/job_endpoint.go`) answers `400 Job ID hasn't been provided` otherwise.
pub fn names_id(raw: Option<&Value>) -> bool {
    given(raw, "ID").is_some()
}

/// What `api.Job.Canonicalize` and `api.TaskGroup.Canonicalize` give the fields this agent
/// decodes without telling absent from zero: `Name` (the ID), `Type` (`service`), `Priority`
/// (50) and each group's `Count` (its scaling minimum, else 1). `raw` is the `Job` object of
/// the request's body.
pub fn apply_api_defaults(job: &mut Job, raw: Option<&Value>) {
    if given(raw, "Name").is_none() {
        job.name = job.id.clone();
    }
    if given(raw, "Type").is_none() {
        job.kind = job_type::SERVICE.to_string();
    }
    if given(raw, "Priority").is_none() {
        job.priority = JOB_DEFAULT_PRIORITY;
    }
    let raw_groups = given(raw, "TaskGroups").and_then(Value::as_array);
    let kind = job.kind.clone();
    for (i, group) in job.task_groups.iter_mut().enumerate() {
        let raw_group = raw_groups.and_then(|groups| groups.get(i));
        if given(raw_group, "Count").is_none() {
            let scaling_min = given(given(raw_group, "Scaling"), "Min").and_then(Value::as_i64);
            group.count = scaling_min.unwrap_or(1);
        }
        blocks::merge_policies(group, &kind, raw_group);
    }
}

/// The job's validation errors, as `admissionValidators` flattens them: `Job.Validate`'s,
/// then `jobValidate`'s own. Empty when the job is valid.
pub fn job_errors(job: &Job, version: NomadVersion) -> Vec<String> {
    let mut errors = Vec::new();
    if job.id.is_empty() {
        errors.push("Missing job ID".to_string());
    } else if job.id.contains(' ') {
        errors.push("Job ID contains a space".to_string());
    } else if job.id.contains('\0') {
        errors.push("Job ID contains a null character".to_string());
    }
    if job.name.is_empty() {
        errors.push("Missing job name".to_string());
    } else if job.name.contains('\0') {
        errors.push("Job Name contains a null character".to_string());
    }
    match job.kind.as_str() {
        JOB_TYPE_CORE | job_type::SERVICE | job_type::BATCH | job_type::SYSTEM | job_type::SYSBATCH => {}
        "" => errors.push("Missing job type".to_string()),
        other => errors.push(format!("Invalid job type: {other:?}")),
    }
    let priority_range = format!("priority must be between [{JOB_MIN_PRIORITY}, {JOB_MAX_PRIORITY}]");
    let bad_priority = !(JOB_MIN_PRIORITY..=JOB_MAX_PRIORITY).contains(&job.priority);
    if bad_priority && !version.job_priority_checked_by_hook() {
        errors.push(format!("Job {priority_range}"));
    }
    // From 1.5.0 `Job.Canonicalize` gives a job without datacenters `["*"]`.
    if job.datacenters.is_empty() && !version.job_default_datacenters() {
        errors.push("Missing job datacenters".to_string());
    } else {
        for _ in job.datacenters.iter().filter(|dc| dc.is_empty()) {
            errors.push("Job datacenter must be non-empty string".to_string());
        }
    }
    if job.task_groups.is_empty() {
        errors.push("Missing job task groups".to_string());
    }
    errors.extend(blocks::numbered("Constraint", &job.constraints, |c| blocks::constraint_errors(c, version)));
    errors.extend(placement_errors(&job.kind, &job.affinities, &job.spreads, version));
    let mut group_names: BTreeMap<&str, usize> = BTreeMap::new();
    for (idx, group) in job.task_groups.iter().enumerate() {
        if group.name.is_empty() {
            errors.push(format!("Job task group {} missing name", idx + 1));
        } else if let Some(existing) = group_names.get(group.name.as_str()) {
            errors.push(format!("Job task group {} redefines '{}' from group {}", idx + 1, group.name, existing + 1));
        } else {
            group_names.insert(group.name.as_str(), idx);
        }
        if job.kind == job_type::SYSTEM && group.count > 1 {
            errors.push(format!(
                "Job task group {} has count {}. Count cannot exceed 1 with system scheduler",
                group.name, group.count
            ));
        }
    }
    for group in &job.task_groups {
        let group_errors = group_errors(group, &job.kind, version);
        if !group_errors.is_empty() {
            errors.push(format!("Task group {} validation failed: {}", group.name, multierror::format(&group_errors)));
        }
    }
    let batch_like = job.kind == job_type::BATCH || job.kind == job_type::SYSBATCH;
    // `api.PeriodicConfig.Canonicalize` enables a periodic block that does not say.
    let periodic_enabled =
        job.periodic.as_ref().is_some_and(|p| given(Some(p), "Enabled").and_then(Value::as_bool) != Some(false));
    if let Some(periodic) = job.periodic.as_ref().filter(|_| periodic_enabled) {
        if !batch_like {
            errors.push(r#"Periodic can only be used with "batch" or "sysbatch" scheduler"#.to_string());
        }
        // `PeriodicConfig.Validate`'s multierror, one point of the job's.
        let periodic_errors = blocks::periodic_errors(periodic, version);
        if !periodic_errors.is_empty() {
            errors.push(multierror::format(&periodic_errors));
        }
    }
    if job.parameterized_job.is_some() && !batch_like {
        errors.push(r#"Parameterized job can only be used with "batch" or "sysbatch" scheduler"#.to_string());
    }
    // `jobValidate`, after `Job.Validate`.
    if job.kind == JOB_TYPE_CORE {
        errors.push("job type cannot be core".to_string());
    }
    if bad_priority && version.job_priority_checked_by_hook() {
        errors.push(format!("job {priority_range}"));
    }
    errors
}

/// The affinity and spread checks of `Job.Validate` and `TaskGroup.Validate` (whose spreads
/// come after the restart policy: the group passes none here and checks them itself).
fn placement_errors(kind: &str, affinities: &[Value], spreads: &[Value], version: NomadVersion) -> Vec<String> {
    let mut errors = Vec::new();
    let block = if version.validation_says_block() { "block" } else { "stanza" };
    if kind == job_type::SYSTEM {
        if !affinities.is_empty() {
            errors.push(format!("System jobs may not have an affinity {block}"));
        }
        if !spreads.is_empty() {
            errors.push(format!("System jobs may not have a spread {block}"));
        }
    } else {
        errors.extend(blocks::numbered("Affinity", affinities, blocks::affinity_errors));
        errors.extend(blocks::numbered("Spread", spreads, |s| blocks::spread_errors(s, version)));
    }
    errors
}

/// `TaskGroup.Validate`'s errors for the blocks this agent models, in a job of type `kind`.
fn group_errors(group: &TaskGroup, kind: &str, version: NomadVersion) -> Vec<String> {
    let mut errors = Vec::new();
    if group.name.is_empty() {
        errors.push("Missing task group name".to_string());
    } else if group.name.contains('\0') {
        errors.push("Task group name contains null character".to_string());
    }
    if group.count < 0 {
        errors.push("Task group count can't be negative".to_string());
    }
    if group.tasks.is_empty() {
        errors.push("Missing tasks for task group".to_string());
    }
    errors.extend(blocks::numbered("Constraint", &group.constraints, |c| blocks::constraint_errors(c, version)));
    errors.extend(placement_errors(kind, &group.affinities, &[], version));
    // A policy's multierror is appended point by point from 1.8.0 (go-multierror `Append`
    // flattens it), as one nested point before.
    let policy_errors =
        |policy_errors: Vec<String>| match policy_errors.is_empty() || version.group_policy_errors_flattened() {
            true => policy_errors,
            false => vec![multierror::format(&policy_errors)],
        };
    match &group.restart_policy {
        Some(policy) => errors.extend(policy_errors(blocks::restart_policy_errors(policy))),
        None => errors.push(format!("Task Group {} should have a restart policy", group.name)),
    }
    errors.extend(placement_errors(kind, &[], &group.spreads, version));
    let no_reschedule = if version.sysbatch_reschedule_refused() {
        (kind == job_type::SYSTEM || kind == job_type::SYSBATCH)
            .then_some("System or sysbatch jobs should not have a reschedule policy")
    } else {
        (kind == job_type::SYSTEM).then_some("System jobs should not have a reschedule policy")
    };
    match (&group.reschedule_policy, no_reschedule) {
        (Some(_), Some(refusal)) => errors.push(refusal.to_string()),
        (Some(policy), None) => errors.extend(policy_errors(blocks::reschedule_policy_errors(policy))),
        // System and sysbatch groups get none from `api.TaskGroup.Canonicalize`.
        (None, _) if kind == job_type::SYSTEM || kind == job_type::SYSBATCH => {}
        (None, _) => errors.push(format!("Task Group {} should have a reschedule policy", group.name)),
    }
    let mut task_names: BTreeMap<&str, usize> = BTreeMap::new();
    for (idx, task) in group.tasks.iter().enumerate() {
        if task.name.is_empty() {
            errors.push(format!("Task {} missing name", idx + 1));
        } else if let Some(existing) = task_names.get(task.name.as_str()) {
            errors.push(format!("Task {} redefines '{}' from task {}", idx + 1, task.name, existing + 1));
        } else {
            task_names.insert(task.name.as_str(), idx);
        }
    }
    if group.tasks.iter().filter(|t| t.leader).count() > 1 {
        errors.push("Only one task may be marked as leader".to_string());
    }
    for task in &group.tasks {
        let task_errors = task_errors(task, kind, version);
        if !task_errors.is_empty() {
            errors.push(format!("Task {} validation failed: {}", task.name, multierror::format(&task_errors)));
        }
    }
    errors
}

/// `Task.Validate`'s errors for the fields this agent models. The name becomes a directory
/// of the allocation (`client/allocdir`): no slashes, no NUL, and from 1.11.0 not `alloc`.
fn task_errors(task: &Task, kind: &str, version: NomadVersion) -> Vec<String> {
    let mut errors = Vec::new();
    if task.name.is_empty() {
        errors.push("Missing task name".to_string());
    }
    if task.name == "alloc" && version.task_named_alloc_refused() {
        errors.push(r#"Task cannot be named "alloc""#.to_string());
    }
    if task.name.contains(['/', '\\']) {
        errors.push("Task name cannot include slashes".to_string());
    } else if task.name.contains('\0') {
        errors.push("Task name cannot include null characters".to_string());
    }
    if task.driver.is_empty() {
        errors.push("Missing task driver".to_string());
    }
    if task.kill_timeout.0 < 0 {
        errors.push("KillTimeout must be a positive value".to_string());
    }
    for (idx, constraint) in task.constraints.iter().enumerate() {
        let constraint_errors = blocks::constraint_errors(constraint, version);
        if !constraint_errors.is_empty() {
            errors.push(format!(
                "Constraint {} validation failed: {}",
                idx + 1,
                multierror::format(&constraint_errors)
            ));
        }
        let operand = given(Some(constraint), "Operand").and_then(Value::as_str).unwrap_or_default();
        if matches!(operand, "distinct_hosts" | "distinct_property") {
            errors.push(format!("Constraint {} has disallowed Operand at task level: {operand}", idx + 1));
        }
    }
    errors.extend(placement_errors(kind, &task.affinities, &[], version));
    errors
}

/// [`job_errors`] as `Job.Register` answers them: `500` with go-multierror's text.
pub fn validate(job: &Job, version: NomadVersion) -> Result<(), ApiError> {
    let errors = job_errors(job, version);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::internal(multierror::format(&errors)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobspec::{group, job, shell_task};
    use serde_json::json;

    const LATEST: NomadVersion = NomadVersion::LATEST;

    fn v(text: &str) -> NomadVersion {
        text.parse().unwrap()
    }

    fn valid() -> Job {
        let mut j =
            job("web", "default", "service", vec![group("web", 1, vec![shell_task("server", "true", 100, 64)])]);
        j.datacenters = vec!["dc1".into()];
        crate::jobspec::fill_defaults(&mut j, "global", "dc1", LATEST);
        j
    }

    #[test]
    fn a_valid_job_has_no_errors() {
        assert_eq!(job_errors(&valid(), LATEST), Vec::<String>::new());
        assert_eq!(job_errors(&valid(), v("1.4.0")), Vec::<String>::new());
    }

    /// `Task.Validate` (nomad/structs/structs.go): slashes, then NUL; `alloc` from 1.11.0.
    #[test]
    fn task_names_that_would_leave_the_allocation_are_refused() {
        let named = |name: &str, version| {
            let mut j = valid();
            j.task_groups[0].tasks[0].name = name.to_string();
            job_errors(&j, version)
        };
        let nested = |task: &str, inner: &str| {
            format!("Task group web validation failed: 1 error occurred:\n\t* Task {task} validation failed: 1 error occurred:\n\t* {inner}\n\n\n\n")
        };
        assert_eq!(named("../../../x", LATEST), vec![nested("../../../x", "Task name cannot include slashes")]);
        assert_eq!(named(r"a\b", LATEST), vec![nested(r"a\b", "Task name cannot include slashes")]);
        assert_eq!(named("a\0b", LATEST), vec![nested("a\0b", "Task name cannot include null characters")]);
        assert_eq!(named("alloc", LATEST), vec![nested("alloc", r#"Task cannot be named "alloc""#)]);
        assert_eq!(named("alloc", v("1.10.5")), Vec::<String>::new());
    }

    #[test]
    fn priority_moved_to_the_admission_hook_in_1_5() {
        let mut j = valid();
        j.priority = 101;
        j.kind = "nope".into();
        assert_eq!(
            job_errors(&j, v("1.4.14")),
            vec!["Invalid job type: \"nope\"", "Job priority must be between [1, 100]"]
        );
        assert_eq!(
            job_errors(&j, v("1.5.0")),
            vec!["Invalid job type: \"nope\"", "job priority must be between [1, 100]"]
        );
    }

    #[test]
    fn api_defaults_fill_only_what_the_request_leaves_out() {
        let mut j = valid();
        j.name = String::new();
        j.priority = 0;
        j.task_groups[0].count = 0;
        apply_api_defaults(&mut j, Some(&json!({"ID": "web", "TaskGroups": [{"Name": "web"}]})));
        assert_eq!((j.name.as_str(), j.priority, j.task_groups[0].count), ("web", 50, 1));

        let mut j = valid();
        j.name = String::new();
        j.priority = 0;
        j.task_groups[0].count = 0;
        let raw = json!({"ID": "web", "Name": "", "priority": 0, "TaskGroups": [{"Name": "web", "Count": 0}]});
        apply_api_defaults(&mut j, Some(&raw));
        assert_eq!((j.name.as_str(), j.priority, j.task_groups[0].count), ("", 0, 0));
        assert_eq!(job_errors(&j, LATEST), vec!["Missing job name", "job priority must be between [1, 100]"]);

        let mut j = valid();
        apply_api_defaults(&mut j, Some(&json!({"TaskGroups": [{"Scaling": {"Min": 3}}]})));
        assert_eq!(j.task_groups[0].count, 3);
        assert!(!names_id(Some(&json!({"ID": null}))) && names_id(Some(&json!({"id": ""}))));
    }
}
