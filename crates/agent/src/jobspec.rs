//! Job specs: the defaults Nomad fills in when a job is registered, and builders for the jobs
//! this agent makes itself.
//!
//! A job sent to `PUT /v1/jobs` goes through `api.Job.Canonicalize` and `ApiJobToStructJob`
//! (`api/jobs.go`, `api/tasks.go`, `command/agent/job_endpoint.go`), then the server's
//! `Job.Canonicalize` and admission hooks (`nomad/structs/structs.go`,
//! `nomad/job_endpoint_hooks.go`, `job_endpoint_hook_node_pool_ce.go`). Every job Nomad
//! serves has what those fill in, and the dashboard (and Nomad's own web UI) reads it.

pub mod validate;

use crate::error::ApiError;
use nomad_api::duration::GoDuration;
use nomad_api::{
    job_type, restart_mode, EphemeralDisk, Job, LogConfig, MigrateStrategy, NomadVersion, ReschedulePolicy, Resources,
    RestartPolicy, Task, TaskGroup, UpdateStrategy, WorkloadIdentity,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

/// The only driver the local client has.
pub const RAW_EXEC: &str = "raw_exec";
/// `structs.NodePoolDefault`.
pub const NODE_POOL_DEFAULT: &str = "default";

fn secs(s: u64) -> GoDuration {
    GoDuration::from_std(Duration::from_secs(s))
}

/// Nomad's default restart policy of a job type (`structs.NewRestartPolicy`).
pub fn default_restart_policy(kind: &str) -> RestartPolicy {
    let (attempts, interval) = if kind == job_type::BATCH { (3, secs(24 * 3600)) } else { (2, secs(30 * 60)) };
    RestartPolicy { attempts, interval, delay: secs(15), mode: restart_mode::FAIL.to_string(), render_templates: false }
}

/// Nomad's default reschedule policy of a job type (`structs.NewReschedulePolicy`).
pub fn default_reschedule_policy(kind: &str) -> ReschedulePolicy {
    if kind == job_type::BATCH {
        ReschedulePolicy {
            attempts: 1,
            interval: secs(24 * 3600),
            delay: secs(5),
            delay_function: "constant".into(),
            ..Default::default()
        }
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

/// `api.DefaultUpdateStrategy`, which service jobs without an `update` block get.
pub fn default_update() -> UpdateStrategy {
    UpdateStrategy {
        stagger: secs(30),
        max_parallel: 1,
        health_check: "checks".into(),
        min_healthy_time: secs(10),
        healthy_deadline: secs(5 * 60),
        progress_deadline: secs(10 * 60),
        auto_revert: false,
        auto_promote: false,
        canary: 0,
    }
}

/// `structs.DefaultMigrateStrategy`, which every group of a service job gets.
pub fn default_migrate() -> MigrateStrategy {
    MigrateStrategy {
        max_parallel: 1,
        health_check: "checks".into(),
        min_healthy_time: secs(10),
        healthy_deadline: secs(5 * 60),
    }
}

/// `structs.DefaultEphemeralDisk`.
pub fn default_ephemeral_disk() -> EphemeralDisk {
    EphemeralDisk { sticky: false, size_mb: 300, migrate: false }
}

/// `structs.DefaultLogConfig`.
pub fn default_log_config() -> LogConfig {
    LogConfig { max_files: 10, max_file_size_mb: 10, disabled: false }
}

/// `structs.DefaultWorkloadIdentity`: every task's since 1.7.0.
pub fn default_identity() -> WorkloadIdentity {
    WorkloadIdentity { name: "default".into(), audience: vec!["nomadproject.io".into()], ..WorkloadIdentity::default() }
}

/// Fills in what Nomad gives every job it registers, as release `version` does. The agent's own
/// jobs (demo, scale mode) get the same, so that every job it serves looks registered.
pub fn fill_defaults(job: &mut Job, region: &str, datacenter: &str, version: NomadVersion) {
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
    if job.priority == 0 {
        job.priority = 50;
    }
    if job.datacenters.is_empty() {
        // 1.4 refuses such a job from the API (see `jobs::register`); the agent's own jobs
        // run in its datacenter.
        job.datacenters = vec![if version.job_default_datacenters() { "*" } else { datacenter }.to_string()];
    }
    // The node pool hook (1.6+) puts a job without one in the namespace's default pool; older
    // releases have no `NodePool` and the wire shape leaves it out.
    if job.node_pool.is_empty() {
        job.node_pool = NODE_POOL_DEFAULT.to_string();
    }
    // `api.Job.Canonicalize` gives service (and system) jobs the default `update` block and
    // merges it into each group; `ApiJobToStructJob` keeps only Stagger and MaxParallel at
    // the job level.
    let service = job.kind == job_type::SERVICE || job.kind == job_type::SYSTEM;
    let job_update = if job.update != UpdateStrategy::default() {
        Some(job.update.clone())
    } else if service {
        Some(default_update())
    } else {
        None
    };
    if let Some(update) = &job_update {
        job.update =
            UpdateStrategy { stagger: update.stagger, max_parallel: update.max_parallel, ..UpdateStrategy::default() };
    }
    let kind = job.kind.clone();
    for group in &mut job.task_groups {
        if group.update.is_none() {
            group.update.clone_from(&job_update);
        }
        if group.migrate.is_none() && kind == job_type::SERVICE {
            group.migrate = Some(default_migrate());
        }
        let restart = group.restart_policy.get_or_insert_with(|| default_restart_policy(&kind)).clone();
        // `api.TaskGroup.Canonicalize`: system and sysbatch groups reschedule nothing.
        if kind != job_type::SYSTEM && kind != job_type::SYSBATCH {
            group.reschedule_policy.get_or_insert_with(|| default_reschedule_policy(&kind));
        }
        group.ephemeral_disk.get_or_insert_with(default_ephemeral_disk);
        for task in &mut group.tasks {
            task.resources.get_or_insert(Resources { cpu: 100, memory_mb: 300, ..Resources::default() });
            task.log_config.get_or_insert_with(default_log_config);
            task.restart_policy.get_or_insert_with(|| restart.clone());
            if task.kill_timeout.0 == 0 {
                task.kill_timeout = secs(5);
            }
            if version.workload_identities() {
                task.identity.get_or_insert_with(default_identity);
            }
        }
    }
}

/// Fills in Nomad's defaults, refuses what Nomad's validation refuses (see [`validate`]; the
/// HTTP API has already asked it, on the job as the request gave it, and this catches every
/// other way a job comes in), then what this agent cannot run.
pub fn canonicalize(mut job: Job, region: &str, datacenter: &str, version: NomadVersion) -> Result<Job, ApiError> {
    let invalid = |m: String| Err(ApiError::bad_request(m));
    fill_defaults(&mut job, region, datacenter, version);
    validate::validate(&job, version)?;
    if ![job_type::SERVICE, job_type::BATCH].contains(&job.kind.as_str()) {
        return invalid(format!("job type {:?} is not supported by this agent (service, batch)", job.kind));
    }
    for group in &job.task_groups {
        for task in &group.tasks {
            if task.driver != RAW_EXEC {
                return invalid(format!(
                    "Task {:?} uses driver {:?}: this agent runs raw_exec tasks only",
                    task.name, task.driver
                ));
            }
            if !task.config.get("command").is_some_and(Value::is_string) {
                return invalid(format!("Task {:?}: config.command must be a string", task.name));
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
        log_config: Some(default_log_config()),
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

    fn v(text: &str) -> NomadVersion {
        text.parse().unwrap()
    }

    #[test]
    fn fills_defaults_and_refuses_other_drivers() {
        let latest = NomadVersion::LATEST;
        let j = canonicalize(
            job("web", "", "", vec![group("web", 1, vec![shell_task("t", "true", 0, 0)])]),
            "global",
            "dc1",
            latest,
        )
        .unwrap();
        assert_eq!((j.namespace.as_str(), j.kind.as_str(), j.region.as_str()), ("default", "service", "global"));
        let g = &j.task_groups[0];
        assert_eq!(g.restart_policy.as_ref().map(|p| p.attempts), Some(2));
        assert_eq!(g.ephemeral_disk, Some(default_ephemeral_disk()));

        let mut docker = shell_task("t", "true", 100, 64);
        docker.driver = "docker".into();
        let err =
            canonicalize(job("x", "", "", vec![group("g", 1, vec![docker])]), "global", "dc1", latest).unwrap_err();
        assert_eq!(err.status, axum::http::StatusCode::BAD_REQUEST);
        assert!(canonicalize(job("", "", "", vec![]), "global", "dc1", latest)
            .unwrap_err()
            .message
            .contains("Missing job ID"));
    }

    /// api/jobs.go `Canonicalize`, api/tasks.go `TaskGroup.Canonicalize`/`Task.Canonicalize`,
    /// command/agent/job_endpoint.go `ApiJobToStructJob`, nomad/structs/structs.go
    /// `Task.Canonicalize` (1.11.3).
    #[test]
    fn a_service_job_gets_what_nomad_gives_it() {
        let mut j = job("web", "default", "service", vec![group("web", 1, vec![shell_task("t", "true", 100, 64)])]);
        fill_defaults(&mut j, "global", "dc1", v("1.11.3"));
        assert_eq!(j.datacenters, vec!["*"]);
        assert_eq!(j.node_pool, "default");
        assert_eq!(j.update, UpdateStrategy { stagger: secs(30), max_parallel: 1, ..UpdateStrategy::default() });
        let g = &j.task_groups[0];
        assert_eq!(g.update, Some(default_update()));
        assert_eq!(g.migrate, Some(default_migrate()));
        assert_eq!(g.reschedule_policy.as_ref().map(|p| p.unlimited), Some(true));
        let t = &g.tasks[0];
        assert_eq!(t.restart_policy, g.restart_policy);
        assert_eq!(t.identity, Some(default_identity()));
        assert_eq!(t.log_config, Some(default_log_config()));
    }

    #[test]
    fn a_batch_job_has_no_update_or_migrate_and_old_releases_no_identity() {
        let mut j = job("b", "default", "batch", vec![group("b", 1, vec![shell_task("t", "true", 100, 64)])]);
        fill_defaults(&mut j, "global", "dc1", v("1.4.0"));
        assert_eq!(j.update, UpdateStrategy::default());
        assert_eq!(j.datacenters, vec!["dc1"]);
        let g = &j.task_groups[0];
        assert_eq!((g.update.is_none(), g.migrate.is_none()), (true, true));
        assert_eq!(g.restart_policy.as_ref().map(|p| p.attempts), Some(3));
        assert_eq!(g.tasks[0].identity, None);
    }
}
