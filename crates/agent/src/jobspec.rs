//! Job specs: the defaults Nomad fills in when a job is registered (`api.Job.Canonicalize`
//! and the server's job validation), and builders for the jobs this agent makes itself.

use crate::error::ApiError;
use nomad_api::duration::GoDuration;
use nomad_api::{
    job_type, restart_mode, EphemeralDisk, Job, LogConfig, ReschedulePolicy, Resources, RestartPolicy, Task, TaskGroup,
};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// The only driver the local client has.
pub const RAW_EXEC: &str = "raw_exec";

fn secs(s: u64) -> GoDuration {
    GoDuration::from_std(Duration::from_secs(s))
}

/// Nomad's default restart policy of a job type (`structs.NewRestartPolicy`).
pub fn default_restart_policy(kind: &str) -> RestartPolicy {
    let (attempts, interval) = if kind == job_type::BATCH { (3, secs(24 * 3600)) } else { (2, secs(30 * 60)) };
    RestartPolicy { attempts, interval, delay: secs(15), mode: restart_mode::FAIL.to_string(), render_templates: false }
}

/// Nomad's default reschedule policy of a job type.
pub fn default_reschedule_policy(kind: &str) -> ReschedulePolicy {
    if kind == job_type::BATCH {
        ReschedulePolicy { attempts: 1, interval: secs(24 * 3600), delay: secs(5), delay_function: "constant".into(), ..Default::default() }
    } else {
        ReschedulePolicy {
            delay: secs(30),
            delay_function: "exponential".into(),
            max_delay: secs(3600),
            unlimited: true,
            ..Default::default()
        }
    }
}

/// The `update` block Nomad gives service jobs by default.
fn default_update() -> Value {
    json!({
        "Stagger": 30_000_000_000u64, "MaxParallel": 1, "HealthCheck": "checks",
        "MinHealthyTime": 10_000_000_000u64, "HealthyDeadline": 300_000_000_000u64,
        "ProgressDeadline": 600_000_000_000u64, "AutoRevert": false, "AutoPromote": false, "Canary": 0
    })
}

/// Fills in Nomad's defaults and refuses what this agent cannot run.
pub fn canonicalize(mut job: Job, region: &str) -> Result<Job, ApiError> {
    let invalid = |m: String| Err(ApiError::bad_request(m));
    if job.id.is_empty() {
        return invalid("Missing job ID".into());
    }
    if job.id.contains(' ') || job.id.contains('\0') {
        return invalid("Job ID contains a space or null character".into());
    }
    if job.task_groups.is_empty() {
        return invalid("Missing job task groups".into());
    }
    if job.name.is_empty() {
        job.name = job.id.clone();
    }
    if job.namespace.is_empty() {
        job.namespace = crate::http::request::DEFAULT_NAMESPACE.to_string();
    }
    if job.region.is_empty() {
        job.region = region.to_string();
    }
    if job.kind.is_empty() {
        job.kind = job_type::SERVICE.to_string();
    }
    if ![job_type::SERVICE, job_type::BATCH].contains(&job.kind.as_str()) {
        return invalid(format!("job type {:?} is not supported by this agent (service, batch)", job.kind));
    }
    if job.priority == 0 {
        job.priority = 50;
    }
    if job.datacenters.is_empty() {
        job.datacenters = vec!["*".to_string()];
    }
    if job.kind == job_type::SERVICE && job.update.is_none() {
        job.update = Some(default_update());
    }
    let mut group_names = BTreeSet::new();
    for group in &mut job.task_groups {
        if !group_names.insert(group.name.clone()) {
            return invalid(format!("Job task group {} redefines '{}'", group_names.len(), group.name));
        }
        if group.tasks.is_empty() {
            return invalid(format!("Task group {:?} has no tasks", group.name));
        }
        group.restart_policy.get_or_insert_with(|| default_restart_policy(&job.kind));
        group.reschedule_policy.get_or_insert_with(|| default_reschedule_policy(&job.kind));
        group.ephemeral_disk.get_or_insert(EphemeralDisk { sticky: false, size_mb: 300, migrate: false });
        let mut task_names = BTreeSet::new();
        for task in &mut group.tasks {
            if !task_names.insert(task.name.clone()) {
                return invalid(format!("Task {:?} is defined twice in group {:?}", task.name, group.name));
            }
            if task.driver != RAW_EXEC {
                return invalid(format!(
                    "Task {:?} uses driver {:?}: this agent runs raw_exec tasks only",
                    task.name, task.driver
                ));
            }
            if !task.config.get("command").is_some_and(Value::is_string) {
                return invalid(format!("Task {:?}: config.command must be a string", task.name));
            }
            task.resources.get_or_insert(Resources { cpu: 100, memory_mb: 300, ..Resources::default() });
            task.log_config.get_or_insert(LogConfig { max_files: 10, max_file_size_mb: 10 });
            if task.kill_timeout.0 == 0 {
                task.kill_timeout = secs(5);
            }
        }
    }
    Ok(job)
}

/// A `raw_exec` task running `script` with `sh -c`.
pub fn shell_task(name: &str, script: &str, cpu: i64, memory_mb: i64) -> Task {
    Task {
        name: name.to_string(),
        driver: RAW_EXEC.to_string(),
        config: BTreeMap::from([
            ("command".to_string(), json!("/bin/sh")),
            ("args".to_string(), json!(["-c", script])),
        ]),
        resources: Some(Resources { cpu, memory_mb, ..Resources::default() }),
        kill_timeout: secs(5),
        log_config: Some(LogConfig { max_files: 10, max_file_size_mb: 10 }),
        ..Task::default()
    }
}

pub fn group(name: &str, count: i64, tasks: Vec<Task>) -> TaskGroup {
    TaskGroup { name: name.to_string(), count, tasks, ..TaskGroup::default() }
}

pub fn job(id: &str, namespace: &str, kind: &str, groups: Vec<TaskGroup>) -> Job {
    Job {
        id: id.to_string(),
        name: id.to_string(),
        namespace: namespace.to_string(),
        kind: kind.to_string(),
        priority: 50,
        task_groups: groups,
        ..Job::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_defaults_and_refuses_other_drivers() {
        let j = canonicalize(job("web", "", "", vec![group("web", 1, vec![shell_task("t", "true", 0, 0)])]), "global").unwrap();
        assert_eq!((j.namespace.as_str(), j.kind.as_str(), j.region.as_str()), ("default", "service", "global"));
        let g = &j.task_groups[0];
        assert_eq!(g.restart_policy.as_ref().map(|p| p.attempts), Some(2));
        assert_eq!(g.ephemeral_disk.as_ref().map(|d| d.size_mb), Some(300));

        let mut docker = shell_task("t", "true", 100, 64);
        docker.driver = "docker".into();
        let err = canonicalize(job("x", "", "", vec![group("g", 1, vec![docker])]), "global").unwrap_err();
        assert_eq!(err.status, axum::http::StatusCode::BAD_REQUEST);
        assert!(canonicalize(job("", "", "", vec![]), "global").unwrap_err().message.contains("Missing job ID"));
    }
}
