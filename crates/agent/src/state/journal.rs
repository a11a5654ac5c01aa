//! One committed write as the write-ahead log keeps it: the index it ran at, the table
//! indexes after it, and the objects it changed as they were after it (a purged job as absent,
//! allocations and evaluations the garbage collector reaped by ID), with the job versions it
//! kept (`/v1/job/:id/versions`).
//! Replaying the records above a snapshot's index, in order, gives the state as the agent
//! last served it, as Nomad's Raft log does on top of its snapshots (persist.rs keeps the files).

use super::store::{Changes, JobKey, Store, Table};
use nomad_api::{Allocation, Evaluation, Job, JobSubmission, JobSummary, Namespace, Node};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A job (with its summary) after a write; both absent when the write purged it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct JobAfter<'a> {
    pub namespace: Cow<'a, str>,
    #[serde(rename = "ID")]
    pub id: Cow<'a, str>,
    pub job: Option<Cow<'a, Job>>,
    pub summary: Option<Cow<'a, JobSummary>>,
    /// The source sent with the job's current version, if one was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submission: Option<Cow<'a, JobSubmission>>,
}

/// Written from the store under the write lock, read back owned.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Record<'a> {
    pub index: u64,
    pub tables: Cow<'a, BTreeMap<Table, u64>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jobs: Vec<JobAfter<'a>>,
    /// The job versions the write kept; older ones beyond the number kept fall out on replay
    /// as they did when the write ran.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub job_versions: Vec<Cow<'a, Job>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allocs: Vec<Cow<'a, Allocation>>,
    /// Allocations the write removed (`Eval.Reap`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reaped_allocs: Vec<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evals: Vec<Cow<'a, Evaluation>>,
    /// Evaluations the write removed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reaped_evals: Vec<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<Cow<'a, Node>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<Cow<'a, Namespace>>,
}

impl Store {
    /// What the write just committed changed, as this store now has it.
    pub fn record<'a>(&'a self, changes: &'a Changes) -> Record<'a> {
        let job_after = |(namespace, id): &'a JobKey| JobAfter {
            namespace: Cow::Borrowed(namespace.as_str()),
            id: Cow::Borrowed(id.as_str()),
            job: self.job(namespace, id).map(Cow::Borrowed),
            summary: self.summary(namespace, id).map(Cow::Borrowed),
            submission: self
                .job(namespace, id)
                .and_then(|job| self.job_submission(namespace, id, job.version))
                .map(Cow::Borrowed),
        };
        let version = |((namespace, id), version): &(JobKey, u64)| {
            self.versions.get(&(namespace.clone(), id.clone()))?.get(version).map(|j| Cow::Borrowed(j.as_ref()))
        };
        let absent = |present: bool, id: &'a String| (!present).then_some(Cow::Borrowed(id.as_str()));
        Record {
            index: self.index,
            tables: Cow::Borrowed(&self.tables),
            jobs: changes.jobs.iter().map(job_after).collect(),
            // A version dropped again in the same write (older than those kept) is left out.
            job_versions: changes.job_versions.iter().filter_map(version).collect(),
            allocs: changes.allocs.iter().filter_map(|id| self.alloc(id)).map(Cow::Borrowed).collect(),
            reaped_allocs: changes.allocs.iter().filter_map(|id| absent(self.alloc(id).is_some(), id)).collect(),
            evals: changes.evals.iter().filter_map(|id| self.eval(id)).map(Cow::Borrowed).collect(),
            reaped_evals: changes.evals.iter().filter_map(|id| absent(self.eval(id).is_some(), id)).collect(),
            nodes: changes.nodes.iter().filter_map(|id| self.node(id)).map(Cow::Borrowed).collect(),
            namespaces: changes.namespaces.iter().filter_map(|n| self.namespace(n)).map(Cow::Borrowed).collect(),
        }
    }

    /// Replays a record on top of the state it followed.
    pub fn apply(&mut self, record: Record<'_>) {
        for after in record.jobs {
            let key = (after.namespace.into_owned(), after.id.into_owned());
            match after.job {
                Some(job) => self.jobs.insert(key.clone(), Arc::new(job.into_owned())),
                None => {
                    self.submissions.remove(&key);
                    self.jobs.remove(&key)
                }
            };
            if let Some(submission) = after.submission {
                self.keep_submission(submission.into_owned());
            }
            match after.summary {
                Some(summary) => self.summaries.insert(key.clone(), summary.into_owned()),
                None => self.summaries.remove(&key),
            };
            // A purge takes the job's versions with it (`deleteJobVersions`).
            if !self.jobs.contains_key(&key) {
                self.versions.remove(&key);
            }
        }
        for job in record.job_versions {
            self.keep_job_version(Arc::new(job.into_owned()));
        }
        for alloc in record.allocs {
            self.add_alloc(alloc.into_owned());
        }
        for id in record.reaped_allocs {
            self.remove_alloc(&id);
        }
        for eval in record.evals {
            self.evals.insert(eval.id.clone(), eval.into_owned());
        }
        for id in record.reaped_evals {
            self.evals.remove(id.as_ref());
        }
        for node in record.nodes {
            self.nodes.insert(node.id.clone(), node.into_owned());
        }
        for namespace in record.namespaces {
            self.namespaces.insert(namespace.name.clone(), namespace.into_owned());
        }
        self.tables = record.tables.into_owned();
        self.index = record.index;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobspec::{group, job, shell_task};
    use crate::state::scheduler;

    /// Commits `change` on `store`, and replays its record (through JSON) on `replica`.
    fn write_and_replay(store: &mut Store, replica: &mut Store, change: impl FnOnce(&mut super::super::Txn)) {
        let mut txn = store.begin();
        change(&mut txn);
        let changes = txn.commit_changes().unwrap();
        let text = serde_json::to_string(&store.record(&changes)).unwrap();
        replica.apply(serde_json::from_str(&text).unwrap());
    }

    #[test]
    fn replayed_records_give_the_same_state() {
        let (mut store, mut replica) = (Store::default(), Store::default());
        let node = crate::node::synthetic_node(1, "dc1", nomad_api::NomadVersion::LATEST, 1);
        write_and_replay(&mut store, &mut replica, |txn| {
            txn.upsert_namespace(Namespace { name: "default".into(), ..Namespace::default() });
            txn.upsert_node(node.clone());
        });
        let web =
            job("web", "default", "service", vec![group("web", 2, vec![shell_task("server", "sleep 1", 100, 64)])]);
        let mut placed = None;
        write_and_replay(&mut store, &mut replica, |txn| {
            placed = Some(scheduler::register(txn, web, std::slice::from_ref(&node)))
        });
        let first = placed.unwrap().alloc_ids[0].clone();
        write_and_replay(&mut store, &mut replica, |txn| {
            txn.update_alloc_client(&first, |a| a.client_status = "running".into());
        });
        write_and_replay(&mut store, &mut replica, |txn| {
            scheduler::stop_alloc(txn, &first);
        });
        let batch = job("once", "default", "batch", vec![group("once", 1, vec![shell_task("main", "true", 100, 64)])]);
        write_and_replay(&mut store, &mut replica, |txn| {
            scheduler::register(txn, batch, std::slice::from_ref(&node));
        });
        write_and_replay(&mut store, &mut replica, |txn| {
            scheduler::deregister(txn, "default", "once", true);
        });
        // More versions than are kept, then a collection that reaps the replaced allocations
        // and their evaluations: the log carries versions and removals.
        for n in 0..8 {
            let web = job(
                "web",
                "default",
                "service",
                vec![group("web", 1, vec![shell_task("server", &format!("sleep {n}"), 100, 64)])],
            );
            write_and_replay(&mut store, &mut replica, |txn| {
                scheduler::register(txn, web, std::slice::from_ref(&node));
            });
        }
        let replaced: Vec<String> =
            store.allocs().filter(|a| crate::state::is_terminal(a)).map(|a| a.id.clone()).collect();
        write_and_replay(&mut store, &mut replica, |txn| {
            for id in &replaced {
                txn.update_alloc_client(id, |a| a.client_status = nomad_api::client_status::COMPLETE.into());
            }
        });
        std::thread::sleep(std::time::Duration::from_millis(5));
        let mut reaped = None;
        write_and_replay(&mut store, &mut replica, |txn| {
            reaped = Some(crate::state::gc::collect(txn, &crate::state::gc::Thresholds::FORCE))
        });
        let reaped = reaped.unwrap();
        assert!(reaped.allocs >= 8 && reaped.evals >= 8, "{reaped:?}");
        assert_eq!(store.job_versions("default", "web").count(), nomad_api::JOB_TRACKED_VERSIONS);

        assert_eq!(replica.index(), store.index());
        assert_eq!(replica.tables, store.tables);
        assert_eq!(replica.jobs, store.jobs);
        assert_eq!(replica.summaries, store.summaries);
        assert!(replica.job("default", "once").is_none() && replica.summary("default", "once").is_none());
        assert_eq!(replica.allocs().collect::<Vec<_>>(), store.allocs().collect::<Vec<_>>());
        assert_eq!(replica.allocs_by_job, store.allocs_by_job);
        assert_eq!(replica.allocs_by_node, store.allocs_by_node);
        assert_eq!(replica.evals, store.evals);
        assert_eq!(replica.nodes, store.nodes);
        assert_eq!(replica.namespaces, store.namespaces);
        assert_eq!(replica.versions, store.versions);
        assert!(!replica.versions.contains_key(&("default".to_string(), "once".to_string())));
        assert!(replica.alloc(&first).is_none(), "reaped with its evaluation");
    }
}
