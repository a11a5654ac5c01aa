//! The cluster state: Nomad's state store reduced to the tables this agent serves, with the
//! Raft index bookkeeping that blocking queries rely on. Every write runs at a new index;
//! each table remembers the last index that changed it, each object its Create/Modify index.

use super::status::is_terminal;
use nomad_api::{
    Allocation, Evaluation, Job, JobChildrenSummary, JobSubmission, JobSummary, Namespace, Node, NodeEvent,
    TaskGroupSummary, JOB_TRACKED_VERSIONS,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// The tables of Nomad's state store that have their own index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Table {
    Jobs,
    JobSummary,
    Allocs,
    Nodes,
    Evals,
    Namespaces,
    AclToken,
    /// `job_version`: the versions kept of each job.
    JobVersion,
}

impl Table {
    pub const ALL: [Table; 8] = [
        Table::Jobs,
        Table::JobSummary,
        Table::Allocs,
        Table::Nodes,
        Table::Evals,
        Table::Namespaces,
        Table::AclToken,
        Table::JobVersion,
    ];
}

/// Evaluations kept at most. The garbage collector (`gc.rs`, Nomad's core scheduler) reaps
/// terminal evaluations after `eval_gc_threshold`; a burst faster than that is bounded here:
/// past this many the oldest are dropped, except those that an allocation still running
/// points to.
pub const MAX_EVALS: usize = 4096;

/// Jobs are keyed by namespace and ID.
pub type JobKey = (String, String);

/// Cloning is cheap where the state is large: allocations are shared until changed, so the
/// state can be copied out of the lock to be written to disk.
#[derive(Debug, Default, Clone)]
pub struct Store {
    pub(super) index: u64,
    pub(super) tables: BTreeMap<Table, u64>,
    /// Shared with `versions`, whose newest version is most often the job as it is.
    pub(super) jobs: BTreeMap<JobKey, Arc<Job>>,
    pub(super) summaries: BTreeMap<JobKey, JobSummary>,
    /// Ordered by ID, as memdb's `id` index orders them.
    pub(super) allocs: BTreeMap<String, Arc<Allocation>>,
    pub(super) allocs_by_job: BTreeMap<JobKey, BTreeSet<String>>,
    pub(super) allocs_by_node: BTreeMap<String, BTreeSet<String>>,
    pub(super) nodes: BTreeMap<String, Node>,
    pub(super) evals: BTreeMap<String, Evaluation>,
    pub(super) namespaces: BTreeMap<String, Namespace>,
    /// `job_version`: the last [`JOB_TRACKED_VERSIONS`] versions of each job, as each was last
    /// written (status changes included), by version.
    pub(super) versions: BTreeMap<JobKey, BTreeMap<u64, Arc<Job>>>,
    /// `job_submission`: the sources sent with a job's registrations, by version; the
    /// [`JOB_TRACKED_VERSIONS`] latest by `JobModifyIndex` (`pruneJobSubmissions`), which
    /// need not be the versions kept.
    pub(super) submissions: BTreeMap<JobKey, BTreeMap<u64, JobSubmission>>,
    /// The number of evaluations at which the next collection runs: [`MAX_EVALS`], or more
    /// when the last one could not get below it (live allocations point to them all).
    pub(super) collect_evals_at: usize,
}

pub fn now_nanos() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as i64).unwrap_or(0)
}

impl Store {
    /// The latest index applied.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The last index that changed `table` (`state.Index("allocs")`).
    pub fn table_index(&self, table: Table) -> u64 {
        self.tables.get(&table).copied().unwrap_or(0)
    }

    /// The larger of several tables' indexes, as endpoints reading more than one table answer.
    pub fn max_index(&self, tables: &[Table]) -> u64 {
        tables.iter().map(|t| self.table_index(*t)).max().unwrap_or(0)
    }

    pub fn alloc(&self, id: &str) -> Option<&Allocation> {
        self.allocs.get(id).map(Arc::as_ref)
    }

    /// The allocation as the store shares it (the event stream keeps it without a copy).
    pub fn alloc_arc(&self, id: &str) -> Option<&Arc<Allocation>> {
        self.allocs.get(id)
    }

    pub fn alloc_count(&self) -> usize {
        self.allocs.len()
    }

    pub fn allocs(&self) -> impl Iterator<Item = &Allocation> {
        self.allocs.values().map(Arc::as_ref)
    }

    /// Allocations whose ID starts with `prefix`, in ID order.
    pub fn allocs_with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a Allocation> {
        self.allocs
            .range(prefix.to_string()..)
            .take_while(move |(id, _)| id.starts_with(prefix))
            .map(|(_, a)| a.as_ref())
    }

    pub fn allocs_of_job(&self, namespace: &str, job_id: &str) -> impl Iterator<Item = &Allocation> {
        let ids = self.allocs_by_job.get(&(namespace.to_string(), job_id.to_string()));
        ids.into_iter().flatten().filter_map(|id| self.alloc(id))
    }

    pub fn allocs_of_node(&self, node_id: &str) -> impl Iterator<Item = &Allocation> {
        self.allocs_by_node.get(node_id).into_iter().flatten().filter_map(|id| self.alloc(id))
    }

    pub fn job(&self, namespace: &str, id: &str) -> Option<&Job> {
        self.jobs.get(&(namespace.to_string(), id.to_string())).map(Arc::as_ref)
    }

    pub fn jobs(&self) -> impl Iterator<Item = &Job> {
        self.jobs.values().map(Arc::as_ref)
    }

    pub fn summary(&self, namespace: &str, job_id: &str) -> Option<&JobSummary> {
        self.summaries.get(&(namespace.to_string(), job_id.to_string()))
    }

    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.get(id)
    }

    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.nodes.values()
    }

    pub fn eval(&self, id: &str) -> Option<&Evaluation> {
        self.evals.get(id)
    }

    /// Every evaluation, by ID.
    pub fn evals(&self) -> impl Iterator<Item = &Evaluation> {
        self.evals.values()
    }

    /// `JobVersionsByID`: the versions kept of a job, newest first.
    pub fn job_versions(&self, namespace: &str, job_id: &str) -> impl Iterator<Item = &Job> {
        self.versions
            .get(&(namespace.to_string(), job_id.to_string()))
            .into_iter()
            .flat_map(|v| v.values().rev().map(Arc::as_ref))
    }

    /// `JobSubmission`: the source of one version of a job, if it was sent and kept.
    pub fn job_submission(&self, namespace: &str, job_id: &str, version: u64) -> Option<&JobSubmission> {
        self.submissions.get(&(namespace.to_string(), job_id.to_string()))?.get(&version)
    }

    /// `updateJobSubmission` after the fields it sets: keeps the first submission of a
    /// version, then drops all but the [`JOB_TRACKED_VERSIONS`] with the highest
    /// `JobModifyIndex`.
    pub(super) fn keep_submission(&mut self, submission: JobSubmission) {
        let kept = self.submissions.entry((submission.namespace.clone(), submission.job_id.clone())).or_default();
        kept.entry(submission.version).or_insert(submission);
        while kept.len() > JOB_TRACKED_VERSIONS {
            let oldest = kept.values().min_by_key(|s| s.job_modify_index).map(|s| s.version);
            let Some(oldest) = oldest else { break };
            kept.remove(&oldest);
        }
    }

    pub fn evals_of_job<'a>(&'a self, namespace: &'a str, job_id: &'a str) -> impl Iterator<Item = &'a Evaluation> {
        self.evals.values().filter(move |e| e.namespace == namespace && e.job_id == job_id)
    }

    pub fn namespace(&self, name: &str) -> Option<&Namespace> {
        self.namespaces.get(name)
    }

    pub fn namespaces(&self) -> impl Iterator<Item = &Namespace> {
        self.namespaces.values()
    }

    /// Adds an allocation with its secondary indexes; returns its job's key.
    pub(super) fn add_alloc(&mut self, alloc: Allocation) -> JobKey {
        let key = (alloc.namespace.clone(), alloc.job_id.clone());
        self.allocs_by_job.entry(key.clone()).or_default().insert(alloc.id.clone());
        self.allocs_by_node.entry(alloc.node_id.clone()).or_default().insert(alloc.id.clone());
        self.allocs.insert(alloc.id.clone(), Arc::new(alloc));
        key
    }

    /// Removes an allocation and its secondary index entries (a reap by the garbage
    /// collector); returns it.
    pub(super) fn remove_alloc(&mut self, id: &str) -> Option<Arc<Allocation>> {
        let alloc = self.allocs.remove(id)?;
        let key = (alloc.namespace.clone(), alloc.job_id.clone());
        if let Some(ids) = self.allocs_by_job.get_mut(&key) {
            ids.remove(id);
            if ids.is_empty() {
                self.allocs_by_job.remove(&key);
            }
        }
        if let Some(ids) = self.allocs_by_node.get_mut(&alloc.node_id) {
            ids.remove(id);
            if ids.is_empty() {
                self.allocs_by_node.remove(&alloc.node_id);
            }
        }
        Some(alloc)
    }

    /// `upsertJobVersion` as a replayed write does it: keeps `job` among its versions and
    /// drops the oldest beyond [`JOB_TRACKED_VERSIONS`].
    pub(super) fn keep_job_version(&mut self, job: Arc<Job>) {
        let versions = self.versions.entry((job.namespace.clone(), job.id.clone())).or_default();
        versions.insert(job.version, job);
        while versions.len() > JOB_TRACKED_VERSIONS {
            versions.pop_first();
        }
    }

    /// Starts a write at the next index, which becomes the latest only if the write
    /// changes something.
    pub fn begin(&mut self) -> Txn<'_> {
        Txn {
            index: self.index + 1,
            now: now_nanos(),
            store: self,
            touched_jobs: BTreeSet::new(),
            changed: false,
            changes: Changes::default(),
            purged: Vec::new(),
        }
    }
}

/// The objects one write changed, by key: what the write-ahead log records of it
/// (`journal.rs`). A job's key stands for the job and its summary. An allocation or an
/// evaluation named here that the store no longer has was reaped by the write.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Changes {
    pub jobs: BTreeSet<JobKey>,
    /// The versions of jobs the write kept (`job_version`), by job and version.
    pub job_versions: BTreeSet<(JobKey, u64)>,
    pub allocs: BTreeSet<String>,
    pub evals: BTreeSet<String>,
    pub nodes: BTreeSet<String>,
    /// Of `nodes`, those whose scheduling eligibility the write set
    /// (`NodeUpdateEligibilityRequestType`): the event stream types their events `NodeDrain`.
    pub node_eligibility: BTreeSet<String>,
    pub namespaces: BTreeSet<String>,
}

/// One write, applied at one index. Job summaries and statuses of the jobs whose allocations
/// it touched are brought up to date when it commits.
pub struct Txn<'a> {
    pub index: u64,
    /// Unix nanoseconds of the write, for Create/ModifyTime.
    pub now: i64,
    store: &'a mut Store,
    touched_jobs: BTreeSet<JobKey>,
    changed: bool,
    changes: Changes,
    /// The jobs this write purged, as they were: the event stream sends them (`events.rs`).
    purged: Vec<Job>,
}

impl Txn<'_> {
    pub fn store(&self) -> &Store {
        self.store
    }

    /// Records a change to a table kept outside the store (ACL tokens).
    pub fn record(&mut self, table: Table) {
        self.touch(table);
    }

    fn touch(&mut self, table: Table) {
        self.store.tables.insert(table, self.index);
        self.changed = true;
    }

    /// A new allocation placed by the scheduler. A replacement links its predecessor, whose
    /// `NextAllocation` the state store sets in the same write.
    pub fn insert_alloc(&mut self, mut alloc: Allocation) {
        alloc.create_index = self.index;
        alloc.modify_index = self.index;
        alloc.alloc_modify_index = self.index;
        alloc.create_time = nomad_api::NanoTime(self.now);
        alloc.modify_time = nomad_api::NanoTime(self.now);
        if !alloc.previous_allocation.is_empty() {
            let (id, index, now) = (alloc.id.clone(), self.index, self.now);
            if let Some(prev) = self.store.allocs.get_mut(&alloc.previous_allocation).map(Arc::make_mut) {
                prev.next_allocation = id;
                prev.modify_index = index;
                prev.modify_time = nomad_api::NanoTime(now);
                self.changes.allocs.insert(prev.id.clone());
            }
        }
        self.count_in_summary(&alloc, None);
        self.changes.allocs.insert(alloc.id.clone());
        let key = self.store.add_alloc(alloc);
        self.touched_jobs.insert(key);
        self.touch(Table::Allocs);
    }

    /// A change decided by the server (desired status, transitions): bumps `AllocModifyIndex`
    /// too. Returns false if there is no such allocation.
    pub fn update_alloc_desired(&mut self, id: &str, change: impl FnOnce(&mut Allocation)) -> bool {
        self.update_alloc(id, true, change)
    }

    /// A change reported by the client (status, task states).
    pub fn update_alloc_client(&mut self, id: &str, change: impl FnOnce(&mut Allocation)) -> bool {
        self.update_alloc(id, false, change)
    }

    fn update_alloc(&mut self, id: &str, by_server: bool, change: impl FnOnce(&mut Allocation)) -> bool {
        let (index, now) = (self.index, self.now);
        let Some(alloc) = self.store.allocs.get_mut(id).map(Arc::make_mut) else { return false };
        let old_status = alloc.client_status.clone();
        change(alloc);
        alloc.modify_index = index;
        alloc.modify_time = nomad_api::NanoTime(now);
        if by_server {
            alloc.alloc_modify_index = index;
        }
        self.changes.allocs.insert(alloc.id.clone());
        self.touched_jobs.insert((alloc.namespace.clone(), alloc.job_id.clone()));
        if let Some(alloc) = self.store.allocs.get(id).cloned() {
            self.count_in_summary(&alloc, Some(&old_status));
        }
        self.touch(Table::Allocs);
        true
    }

    /// `updateSummaryWithAlloc`: moves the counts of the allocation's group in its job's
    /// summary, if the allocation belongs to the job as registered now (not to an earlier
    /// job of the same ID that was purged).
    fn count_in_summary(&mut self, alloc: &Allocation, old_status: Option<&str>) {
        let Some(job) = &alloc.job else { return };
        let key = (alloc.namespace.clone(), alloc.job_id.clone());
        let Some(summary) = self.store.summaries.get_mut(&key) else { return };
        if summary.create_index != job.create_index {
            return;
        }
        let Some(group) = summary.summary.get_mut(&alloc.task_group) else { return };
        if group.count_transition(old_status, &alloc.client_status) {
            summary.modify_index = self.index;
            self.touch(Table::JobSummary);
            // The journal writes a job with its summary.
            self.changes.jobs.insert(key);
        }
    }

    /// Registers or updates a job. The caller has set its versions and indexes' meaning
    /// (`JobModifyIndex` changes only when the spec does).
    pub fn upsert_job(&mut self, mut job: Job) {
        let key = (job.namespace.clone(), job.id.clone());
        job.create_index = self.store.jobs.get(&key).map_or(self.index, |j| j.create_index);
        job.modify_index = self.index;
        // `updateSummaryWithJob`: a new summary, and a zero count for each new group.
        let index = self.index;
        let mut summary_changed = false;
        let summary = self.store.summaries.entry(key.clone()).or_insert_with(|| {
            summary_changed = true;
            JobSummary {
                job_id: job.id.clone(),
                namespace: job.namespace.clone(),
                children: Some(JobChildrenSummary::default()),
                create_index: index,
                ..JobSummary::default()
            }
        });
        for group in &job.task_groups {
            if !summary.summary.contains_key(&group.name) {
                summary.summary.insert(group.name.clone(), TaskGroupSummary::default());
                summary_changed = true;
            }
        }
        if summary_changed {
            summary.modify_index = index;
            self.touch(Table::JobSummary);
        }
        let job = Arc::new(job);
        self.put_job_version(&job);
        self.store.jobs.insert(key.clone(), job);
        self.changes.jobs.insert(key.clone());
        self.touched_jobs.insert(key);
        self.touch(Table::Jobs);
    }

    /// `updateJobSubmission`: the source sent with the registration that wrote the job as it
    /// is now, kept for its version at this index.
    pub fn put_job_submission(&mut self, namespace: &str, job_id: &str, submission: &JobSubmission) {
        let Some(job) = self.store.job(namespace, job_id) else { return };
        let submission = JobSubmission {
            namespace: job.namespace.clone(),
            job_id: job.id.clone(),
            version: job.version,
            job_modify_index: self.index,
            ..submission.clone()
        };
        self.store.keep_submission(submission);
        self.changes.jobs.insert((namespace.to_string(), job_id.to_string()));
        self.changed = true;
    }

    /// `upsertJobVersion`: keeps this version as the job now is, and drops the oldest beyond
    /// [`JOB_TRACKED_VERSIONS`].
    fn put_job_version(&mut self, job: &Arc<Job>) {
        self.store.keep_job_version(Arc::clone(job));
        self.changes.job_versions.insert(((job.namespace.clone(), job.id.clone()), job.version));
        self.touch(Table::JobVersion);
    }

    /// Removes a job and its summary (a purge); its allocations stay until collected.
    pub fn delete_job(&mut self, namespace: &str, id: &str) {
        let key = (namespace.to_string(), id.to_string());
        if let Some(job) = self.store.jobs.remove(&key) {
            self.purged.push(Arc::unwrap_or_clone(job));
            self.store.summaries.remove(&key);
            self.store.versions.remove(&key);
            self.store.submissions.remove(&key);
            self.touched_jobs.remove(&key);
            self.changes.jobs.insert(key);
            self.touch(Table::Jobs);
            self.touch(Table::JobSummary);
            self.touch(Table::JobVersion);
        }
    }

    /// `DeleteEval`'s allocation half (`Eval.Reap`): removes an allocation the garbage
    /// collector found eligible.
    pub fn delete_alloc(&mut self, id: &str) -> bool {
        let Some(alloc) = self.store.remove_alloc(id) else { return false };
        // As `DeleteEval`, only the evaluations' jobs have their status set again.
        self.changes.allocs.insert(alloc.id.clone());
        self.touch(Table::Allocs);
        true
    }

    /// `DeleteEval`: removes an evaluation the garbage collector found eligible.
    pub fn delete_eval(&mut self, id: &str) -> bool {
        let Some(eval) = self.store.evals.remove(id) else { return false };
        self.changes.evals.insert(eval.id.clone());
        self.touched_jobs.insert((eval.namespace, eval.job_id));
        self.touch(Table::Evals);
        true
    }

    pub fn upsert_eval(&mut self, mut eval: Evaluation) {
        eval.create_index = self.store.evals.get(&eval.id).map_or(self.index, |e| e.create_index);
        eval.modify_index = self.index;
        eval.create_time = self.store.evals.get(&eval.id).map_or(self.now, |e| e.create_time);
        eval.modify_time = self.now;
        self.changes.evals.insert(eval.id.clone());
        self.store.evals.insert(eval.id.clone(), eval);
        self.touch(Table::Evals);
        if self.store.evals.len() > self.store.collect_evals_at.max(MAX_EVALS) {
            self.collect_evals();
        }
    }

    /// Drops the oldest evaluations down to three quarters of [`MAX_EVALS`] (so that the
    /// scan below runs once per many writes), keeping any that a non-terminal allocation
    /// was placed by.
    fn collect_evals(&mut self) {
        let live: BTreeSet<&str> =
            self.store.allocs.values().filter(|a| !is_terminal(a)).map(|a| a.eval_id.as_str()).collect();
        let mut oldest: Vec<(u64, &str)> = self
            .store
            .evals
            .values()
            .filter(|e| e.is_terminal() && !live.contains(e.id.as_str()))
            .map(|e| (e.create_index, e.id.as_str()))
            .collect();
        oldest.sort_unstable();
        let excess = self.store.evals.len().saturating_sub(MAX_EVALS * 3 / 4);
        let doomed: Vec<String> = oldest.into_iter().take(excess).map(|(_, id)| id.to_string()).collect();
        for id in doomed {
            // Named in the write's changes, so the log records the removal.
            self.store.evals.remove(&id);
            self.changes.evals.insert(id);
        }
        self.store.collect_evals_at = (self.store.evals.len() + MAX_EVALS / 4).max(MAX_EVALS);
    }

    /// Registers a node, or updates one as its client re-registers (`upsertNodeTxn`): an
    /// existing node keeps its events, its scheduling eligibility and its drain.
    pub fn upsert_node(&mut self, mut node: Node) {
        node.create_index = self.index;
        if let Some(existing) = self.store.nodes.get(&node.id) {
            node.create_index = existing.create_index;
            node.events.clone_from(&existing.events);
            node.scheduling_eligibility.clone_from(&existing.scheduling_eligibility);
            node.drain = existing.drain;
        }
        node.modify_index = self.index;
        self.changes.nodes.insert(node.id.clone());
        self.store.nodes.insert(node.id.clone(), node);
        self.touch(Table::Nodes);
    }

    /// `UpdateNodeEligibility` (`nomad/state/state_store.go`, 1.4.0 to 1.11.3): the node's
    /// `StatusUpdatedAt` becomes `updated_at` (Unix seconds), `event` is appended to its events
    /// at this index (the latest `MaxRetainedNodeEvents` kept), its eligibility set and its
    /// `ModifyIndex` bumped. `false` if there is no such node.
    pub fn update_node_eligibility(
        &mut self,
        id: &str,
        eligibility: &str,
        updated_at: i64,
        mut event: NodeEvent,
    ) -> bool {
        let Some(node) = self.store.nodes.get_mut(id) else { return false };
        node.status_updated_at = updated_at;
        event.create_index = self.index;
        node.events.push(event);
        let excess = node.events.len().saturating_sub(nomad_api::MAX_RETAINED_NODE_EVENTS);
        node.events.drain(..excess);
        node.scheduling_eligibility = eligibility.to_string();
        node.modify_index = self.index;
        self.changes.nodes.insert(id.to_string());
        self.changes.node_eligibility.insert(id.to_string());
        self.touch(Table::Nodes);
        true
    }

    pub fn upsert_namespace(&mut self, mut namespace: Namespace) {
        // `upsertNamespaceImpl`: a namespace without a hash gets one.
        if namespace.hash.is_empty() {
            namespace.set_hash();
        }
        namespace.create_index = self.store.namespaces.get(&namespace.name).map_or(self.index, |n| n.create_index);
        namespace.modify_index = self.index;
        self.changes.namespaces.insert(namespace.name.clone());
        self.store.namespaces.insert(namespace.name.clone(), namespace);
        self.touch(Table::Namespaces);
    }

    /// Brings the summaries and statuses of the touched jobs up to date (Nomad's state store
    /// does this in the same transaction as the allocation updates).
    /// Returns whether the write changed anything.
    pub fn commit(self) -> bool {
        self.commit_changes().is_some()
    }

    /// The jobs purged so far, as they were before (taken: a second call has none).
    pub fn take_purged(&mut self) -> Vec<Job> {
        std::mem::take(&mut self.purged)
    }

    /// As [`Txn::commit`], returning what the write changed (`None` if nothing).
    pub fn commit_changes(mut self) -> Option<Changes> {
        for key in std::mem::take(&mut self.touched_jobs) {
            self.refresh_job(&key);
        }
        if !self.changed {
            return None;
        }
        self.store.index = self.index;
        Some(self.changes)
    }

    /// `setJobStatus`: a changed status is a new write of the job, and of its version.
    fn refresh_job(&mut self, key: &JobKey) {
        let Some(job) = self.store.jobs.get(key) else { return };
        let status = super::status::job_status(
            job,
            self.store.allocs_of_job(&key.0, &key.1),
            self.store.evals_of_job(&key.0, &key.1),
        );
        let index = self.index;
        let mut changed = None;
        if let Some(shared) = self.store.jobs.get_mut(key).filter(|j| j.status != status) {
            // A new value: the version kept as the job was stays as it was.
            let job = Arc::make_mut(shared);
            job.status = status;
            job.modify_index = index;
            changed = Some(Arc::clone(shared));
            self.changes.jobs.insert(key.clone());
        }
        if let Some(job) = changed {
            self.put_job_version(&job);
            self.touch(Table::Jobs);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobspec::{group, job, shell_task};
    use crate::state::scheduler;

    fn store_with_node() -> (Store, Node) {
        let mut store = Store::default();
        let node = crate::node::synthetic_node(1, "dc1", nomad_api::NomadVersion::LATEST, 1);
        let mut txn = store.begin();
        txn.upsert_namespace(Namespace { name: "default".into(), ..Namespace::default() });
        txn.upsert_node(node.clone());
        txn.commit();
        (store, node)
    }

    /// Evaluations stay bounded, and the one a running allocation was placed by stays.
    #[test]
    fn old_evaluations_are_collected() {
        let (mut store, node) = store_with_node();
        let mut last = None;
        for n in 0..MAX_EVALS + 10 {
            let mut txn = store.begin();
            let web = job(
                "web",
                "default",
                "service",
                vec![group("web", 1, vec![shell_task("s", &format!("sleep {n}"), 10, 8)])],
            );
            last = Some(scheduler::register(&mut txn, web, std::slice::from_ref(&node)));
            txn.commit();
        }
        let last = last.unwrap();
        assert!(store.evals().count() <= MAX_EVALS, "{}", store.evals().count());
        assert!(store.eval(&last.eval_id).is_some());
        let live = store.alloc(&last.alloc_ids[0]).unwrap();
        assert!(store.eval(&live.eval_id).is_some());
        // nomad/state/state_store.go upsertJobVersion: the last six versions.
        let versions: Vec<u64> = store.job_versions("default", "web").map(|j| j.version).collect();
        let newest = (MAX_EVALS + 9) as u64;
        assert_eq!(versions, (newest - 5..=newest).rev().collect::<Vec<_>>());
    }
}
