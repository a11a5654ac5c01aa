//! A task's environment, as Nomad's `taskenv` builds it for `raw_exec`: the agent's own
//! environment (less its denylist), Nomad's `NOMAD_*` variables and the task's `env`, with
//! `${...}` references interpolated.

use crate::allocdir::{AllocDir, TASK_LOCAL, TASK_SECRETS};
use crate::config::ClientConfig;
use nomad_api::{Allocation, Job, Task, TaskGroup};
use std::collections::BTreeMap;

/// The client's default `env.denylist`: secrets of the agent never reach tasks.
const HOST_ENV_DENYLIST: &[&str] = &[
    "CONSUL_TOKEN",
    "CONSUL_HTTP_TOKEN",
    "CONSUL_HTTP_TOKEN_FILE",
    "VAULT_TOKEN",
    "NOMAD_TOKEN",
    "NOMAD_LICENSE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "GOOGLE_APPLICATION_CREDENTIALS",
];

pub(crate) struct TaskEnv {
    /// Every variable the task's process gets.
    pub(crate) vars: BTreeMap<String, String>,
    /// Names that `${...}` resolves besides the variables (`node.unique.id`, ...).
    node: BTreeMap<String, String>,
}

impl TaskEnv {
    pub(crate) fn build(
        config: &ClientConfig,
        alloc: &Allocation,
        job: &Job,
        group: &TaskGroup,
        task: &Task,
        alloc_dir: &AllocDir,
    ) -> TaskEnv {
        let mut vars: BTreeMap<String, String> =
            std::env::vars().filter(|(k, _)| !HOST_ENV_DENYLIST.contains(&k.as_str())).collect();
        let task_dir = alloc_dir.task_dir(&task.name);
        let path = |p: std::path::PathBuf| p.to_string_lossy().into_owned();
        let (cpu, memory, memory_max) = limits(alloc, task);
        let mut nomad = vec![
            ("NOMAD_ALLOC_DIR", path(alloc_dir.shared_dir())),
            ("NOMAD_TASK_DIR", path(task_dir.join(TASK_LOCAL))),
            ("NOMAD_SECRETS_DIR", path(task_dir.join(TASK_SECRETS))),
            ("NOMAD_ALLOC_ID", alloc.id.clone()),
            ("NOMAD_SHORT_ALLOC_ID", alloc.id.chars().take(8).collect()),
            ("NOMAD_ALLOC_NAME", alloc.name.clone()),
            ("NOMAD_ALLOC_INDEX", alloc_index(&alloc.name).to_string()),
            ("NOMAD_TASK_NAME", task.name.clone()),
            ("NOMAD_GROUP_NAME", group.name.clone()),
            ("NOMAD_JOB_ID", job.id.clone()),
            ("NOMAD_JOB_NAME", job.name.clone()),
            ("NOMAD_NAMESPACE", non_empty(&alloc.namespace, &job.namespace, "default")),
            ("NOMAD_REGION", non_empty(&job.region, &config.region, "global")),
            ("NOMAD_DC", config.datacenter.clone()),
            ("NOMAD_CPU_LIMIT", cpu.to_string()),
            ("NOMAD_MEMORY_LIMIT", memory.to_string()),
        ];
        if !job.parent_id.is_empty() {
            nomad.push(("NOMAD_JOB_PARENT_ID", job.parent_id.clone()));
        }
        if memory_max > memory {
            nomad.push(("NOMAD_MEMORY_MAX_LIMIT", memory_max.to_string()));
        }
        vars.extend(nomad.into_iter().map(|(k, v)| (k.to_string(), v)));
        // Task meta overrides group meta, which overrides job meta.
        for (k, v) in job.meta.iter().chain(&group.meta).chain(&task.meta) {
            vars.insert(format!("NOMAD_META_{k}"), v.clone());
            vars.insert(format!("NOMAD_META_{}", k.to_ascii_uppercase()), v.clone());
        }
        let node = BTreeMap::from([
            ("node.unique.id".to_string(), config.node_id.clone()),
            ("node.unique.name".to_string(), config.node_name.clone()),
            ("node.datacenter".to_string(), config.datacenter.clone()),
            ("node.region".to_string(), config.region.clone()),
        ]);
        let mut env = TaskEnv { vars, node };
        for (k, v) in &task.env {
            let value = env.interpolate(v);
            env.vars.insert(k.clone(), value);
        }
        env
    }

    /// Replaces `${name}` with a variable or node attribute; unknown names stay as written.
    pub(crate) fn interpolate(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                return out;
            };
            let name = &after[..end];
            match self.vars.get(name).or_else(|| self.node.get(name)) {
                Some(value) => out.push_str(value),
                None => out.push_str(&rest[start..start + 2 + end + 1]),
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out
    }
}

/// CPU (MHz), memory and memory max (MB) of the task, preferring the allocated resources.
fn limits(alloc: &Allocation, task: &Task) -> (i64, i64, i64) {
    if let Some(r) = alloc.allocated_resources.as_ref().and_then(|r| r.tasks.get(&task.name)) {
        return (r.cpu.cpu_shares, r.memory.memory_mb, r.memory.memory_max_mb);
    }
    let r = task.resources.clone().unwrap_or_default();
    (r.cpu, r.memory_mb, r.memory_max_mb.unwrap_or(0))
}

/// The index in an allocation name `job.group[3]` (`Allocation.Index`).
fn alloc_index(name: &str) -> u64 {
    name.rsplit_once('[').and_then(|(_, rest)| rest.strip_suffix(']')).and_then(|n| n.parse().ok()).unwrap_or(0)
}

fn non_empty(first: &str, second: &str, fallback: &str) -> String {
    [first, second].into_iter().find(|s| !s.is_empty()).unwrap_or(fallback).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alloc_index_comes_from_the_name() {
        assert_eq!(alloc_index("example.cache[3]"), 3);
        assert_eq!(alloc_index("weird[name].g[12]"), 12);
        assert_eq!(alloc_index("no-index"), 0);
    }

    #[test]
    fn interpolates_known_names_only() {
        let env = TaskEnv {
            vars: BTreeMap::from([("NOMAD_TASK_DIR".into(), "/t/local".into())]),
            node: BTreeMap::from([("node.unique.id".into(), "n1".into())]),
        };
        assert_eq!(env.interpolate("${NOMAD_TASK_DIR}/x ${node.unique.id}"), "/t/local/x n1");
        assert_eq!(env.interpolate("${UNKNOWN} ${open"), "${UNKNOWN} ${open");
    }
}
