//! What a job's read endpoints answer beyond the job itself: how its summary counts follow
//! its allocations (`/v1/job/:id/summary`), its scale status (`/v1/job/:id/scale`) and its
//! version history (`/v1/job/:id/versions`).
//!
//! The summary is not recomputed from the allocations that exist: Nomad's state store moves
//! one count per client status change (`updateSummaryWithAlloc` in
//! `nomad/state/state_store.go`), so a failed allocation stays counted as failed after it is
//! restarted elsewhere or collected. [`TaskGroupSummary::count_transition`] is that rule.

use crate::job::{Job, TaskGroupSummary};
use crate::serde_util::nullable;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

impl TaskGroupSummary {
    /// `updateSummaryWithAlloc` for one allocation of the group: `old` is its client status
    /// before the write (`None` for a new allocation), `new` after. A new allocation counts
    /// only when pending (the scheduler never inserts any other; Nomad logs an error and
    /// counts nothing). A change adds to the new status and takes from the old one, except
    /// that `failed` and `complete` are never taken from. Returns whether a count changed.
    pub fn count_transition(&mut self, old: Option<&str>, new: &str) -> bool {
        use crate::allocation::client_status as cs;
        let Some(old) = old else {
            if new != cs::PENDING {
                return false;
            }
            self.starting += 1;
            self.queued = self.queued.saturating_sub(1);
            return true;
        };
        if old == new {
            return false;
        }
        match new {
            cs::RUNNING => self.running += 1,
            cs::FAILED => self.failed += 1,
            cs::PENDING => self.starting += 1,
            cs::COMPLETE => self.complete += 1,
            cs::LOST => self.lost += 1,
            cs::UNKNOWN => self.unknown += 1,
            _ => {}
        }
        match old {
            cs::RUNNING => self.running = self.running.saturating_sub(1),
            cs::PENDING => self.starting = self.starting.saturating_sub(1),
            cs::LOST => self.lost = self.lost.saturating_sub(1),
            cs::UNKNOWN => self.unknown = self.unknown.saturating_sub(1),
            _ => {}
        }
        true
    }
}

/// `GET /v1/job/:id/scale` (`structs.JobScaleStatus`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobScaleStatus {
    /// ID of the job.
    #[serde(rename = "JobID")]
    pub job_id: String,
    /// Namespace of the job.
    pub namespace: String,
    /// The job's create index.
    pub job_create_index: u64,
    /// The job's modify index.
    pub job_modify_index: u64,
    /// Whether the job is stopped.
    pub job_stopped: bool,
    /// Per task group, its scale status.
    #[serde(deserialize_with = "nullable")]
    pub task_groups: BTreeMap<String, TaskGroupScaleStatus>,
}

/// `structs.TaskGroupScaleStatus`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TaskGroupScaleStatus {
    /// The group's `count`.
    pub desired: i64,
    /// The group's allocations that are not terminal, canaries left out.
    pub placed: i64,
    /// Of those, the running ones.
    pub running: i64,
    /// Of those, the ones their deployment found healthy.
    pub healthy: i64,
    /// Of those, the ones their deployment found unhealthy.
    pub unhealthy: i64,
    /// `ScalingEvent`s of the group; `null` when it has none.
    pub events: Option<Vec<Value>>,
}

/// `GET /v1/job/:id/versions` answers the whole `structs.JobVersionsResponse`, query
/// metadata included, newest version first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobVersionsResponse {
    /// The job's tracked versions, newest first.
    #[serde(deserialize_with = "nullable")]
    pub versions: Vec<Job>,
    /// With `diffs=true`, each version against the next older one (`null` otherwise, or with
    /// a single version).
    pub diffs: Option<Vec<crate::job_diff::JobDiff>>,
    /// Raft index of the response (the `X-Nomad-Index` value).
    pub index: u64,
    /// Nanoseconds.
    pub last_contact: i64,
    /// Whether the answering server knew the cluster leader.
    pub known_leader: bool,
    /// Pagination token; empty: versions are not paged.
    pub next_token: String,
}

/// Nomad keeps this many versions of a job (`structs.JobDefaultTrackedVersions`; the
/// server's `job_tracked_versions` from 1.9).
pub const JOB_TRACKED_VERSIONS: usize = 6;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::allocation::client_status as cs;

    /// nomad/state/state_store.go `updateSummaryWithAlloc` (v1.11.3).
    #[test]
    fn counts_move_as_the_state_store_moves_them() {
        let mut tg = TaskGroupSummary { queued: 1, ..TaskGroupSummary::default() };
        assert!(tg.count_transition(None, cs::PENDING));
        assert_eq!((tg.queued, tg.starting), (0, 1));
        assert!(!tg.count_transition(None, cs::RUNNING), "a new allocation counts only when pending");
        assert!(tg.count_transition(Some(cs::PENDING), cs::RUNNING));
        assert_eq!((tg.starting, tg.running), (0, 1));
        assert!(tg.count_transition(Some(cs::RUNNING), cs::FAILED));
        assert_eq!((tg.running, tg.failed), (0, 1));
        // Failed is never taken from: a failed allocation that runs again counts twice.
        assert!(tg.count_transition(Some(cs::FAILED), cs::RUNNING));
        assert_eq!((tg.running, tg.failed), (1, 1));
        assert!(!tg.count_transition(Some(cs::RUNNING), cs::RUNNING));
        assert!(tg.count_transition(Some(cs::RUNNING), cs::COMPLETE));
        assert_eq!((tg.running, tg.complete), (0, 1));
        // Counts never go below zero.
        assert!(tg.count_transition(Some(cs::LOST), cs::UNKNOWN));
        assert_eq!((tg.lost, tg.unknown), (0, 1));
    }
}
