//! The jobs list kept live by the event stream (issue 18): each Job event becomes its row by
//! Nomad's own rule (`JobListStub::from_job`, `Job.Stub`), so a change to one job costs one
//! event, not a re-read of `/v1/jobs`.
//!
//! A row's `JobSummary` (its allocation counts) is no part of the job: Nomad keeps it in its
//! own table, changed by allocation and evaluation writes, and no event carries it
//! (`eventFromChange` in `nomad/state/events.go` has no case for `job_summary`). So an
//! Allocation or Evaluation event of a shown job, or a Job event, asks for the job's
//! `/v1/job/:id/summary` once: one read per job in flight at a time, later events for that
//! job while it is answered asking for one more read after it, whatever their number.
//!
//! A purged job's row goes when its Job event says `Deleted` (1.11.3). Earlier releases send
//! the job as it was before the purge without that flag (1.8.0 to 1.11.2) or nothing at all
//! (1.4.0 to 1.7.x, `eventFromChange` has no deleted-`jobs` case); there the summary read that
//! the Job event or the purged job's stopping allocations call for answers 404 (the summary is
//! deleted with the job), and the row goes then.

use super::feed::{Change, EventList, Feed, Keep, Keyed};
use crate::api::endpoints::{self, Read, Scope};
use nomad_api::event::{topic, Events};
use nomad_api::{Job, JobListStub, JobStubFields, JobSummary};
use serde::Deserialize;
use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

impl Keyed for JobListStub {
    /// Job IDs are unique within a namespace; a namespace name has no `/` (namespace names
    /// are `^[a-zA-Z0-9-]{1,128}$`, `nomad/structs/structs.go`), so the first `/` splits.
    fn key(&self) -> String {
        job_key(&self.namespace, &self.id)
    }

    fn modify_index(&self) -> u64 {
        self.modify_index
    }
}

fn job_key(namespace: &str, id: &str) -> String {
    format!("{namespace}/{id}")
}

/// The job an Allocation or Evaluation event is about.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobOf {
    #[serde(rename = "JobID")]
    pub job_id: String,
    pub namespace: String,
}

/// The payload of the events a jobs list subscribes to: `{"Job": {...}, "Deleted": true}`
/// (`structs.JobEvent`, `Deleted` from 1.11.3), `{"Allocation": {...}}` or
/// `{"Evaluation": {...}}`, of which only the job named is read.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobListPayload {
    pub job: Option<Job>,
    pub deleted: bool,
    pub allocation: Option<JobOf>,
    pub evaluation: Option<JobOf>,
}

/// A jobs list fed by events, and the summaries it has to read.
#[derive(Debug, Clone, Default)]
pub struct JobFeed {
    pub feed: Feed<JobListStub>,
    keep: Keep,
    /// Jobs whose summary may have changed since it was last asked for.
    wanted: BTreeSet<String>,
    /// Jobs whose summary is being read.
    asking: HashSet<String>,
}

impl JobFeed {
    fn keeps(&self, namespace: &str) -> bool {
        self.keep.namespace.as_ref().is_none_or(|ns| ns == namespace)
    }
}

impl EventList for JobFeed {
    type Row = JobListStub;
    type Payload = JobListPayload;
    /// Jobs for their rows; allocations and evaluations for their jobs' summaries (an
    /// evaluation changes `Queued`, an allocation the other counts).
    const TOPICS: &'static [&'static str] = &[topic::JOB, topic::ALLOCATION, topic::EVALUATION];

    fn new(rows: Vec<Arc<JobListStub>>, index: u64, keep: &Keep) -> Self {
        let mut feed = JobFeed { keep: keep.clone(), ..JobFeed::default() };
        let rows = rows.into_iter().filter(|j| feed.keeps(&j.namespace)).collect();
        feed.feed = Feed::from_snapshot(rows, index);
        feed
    }

    fn merge(&mut self, rows: Vec<Arc<JobListStub>>) {
        let rows = rows.into_iter().filter(|j| self.keeps(&j.namespace)).collect();
        self.feed.merge(rows);
    }

    fn index(&self) -> u64 {
        self.feed.index()
    }

    /// In Nomad's list order: by namespace, then ID (`Job.List` reads the `jobs` table).
    fn rows(&self) -> Vec<Arc<JobListStub>> {
        let mut rows = self.feed.rows().to_vec();
        rows.sort_unstable_by(|a, b| (&a.namespace, &a.id).cmp(&(&b.namespace, &b.id)));
        rows
    }

    fn apply(&mut self, batch: Events<JobListPayload>) -> bool {
        if batch.index <= self.feed.index() {
            return false;
        }
        let mut changes = Vec::new();
        for event in batch.events {
            let payload = event.payload;
            if let Some(job) = payload.job {
                if !self.keeps(&job.namespace) {
                    continue;
                }
                let key = job_key(&job.namespace, &job.id);
                if payload.deleted {
                    self.wanted.remove(&key);
                    changes.push(Change::Delete(key));
                    continue;
                }
                // The event has no summary: the row keeps the one shown until it is read.
                let summary = self.feed.get(&key).and_then(|shown| shown.job_summary.clone());
                changes.push(Change::Upsert(JobListStub::from_job(&job, summary, JobStubFields::default())));
                self.wanted.insert(key);
            }
            for of in [payload.allocation, payload.evaluation].into_iter().flatten() {
                if self.keeps(&of.namespace) {
                    self.wanted.insert(job_key(&of.namespace, &of.job_id));
                }
            }
        }
        self.feed.apply(batch.index, changes)
    }

    /// The summaries of shown jobs wanted and not already being read.
    fn follow_ups(&mut self) -> Vec<(String, Read)> {
        let ready: Vec<String> = self.wanted.iter().filter(|k| !self.asking.contains(*k)).cloned().collect();
        let mut reads = Vec::new();
        for key in ready {
            self.wanted.remove(&key);
            let Some(row) = self.feed.get(&key) else { continue };
            let scope =
                Scope { region: self.keep.region.clone(), namespace: Some(row.namespace.clone()), stale: false };
            reads.push((key.clone(), endpoints::job_summary(&scope, &row.id)));
            self.asking.insert(key);
        }
        reads
    }

    /// A summary replaces the row's when it is newer (the row may have been read later).
    fn take_follow_up(&mut self, key: &str, body: &[u8]) -> Result<bool, String> {
        self.asking.remove(key);
        let summary: JobSummary =
            serde_json::from_slice(body).map_err(|e| format!("a job summary could not be read: {e}"))?;
        Ok(self.feed.update(key, |row| {
            let newer = row.job_summary.as_ref().is_none_or(|shown| summary.modify_index > shown.modify_index);
            newer.then(|| JobListStub { job_summary: Some(summary), ..row.clone() })
        }))
    }

    /// No summary: the job was purged.
    fn follow_up_missing(&mut self, key: &str) -> bool {
        self.asking.remove(key);
        self.wanted.remove(key);
        self.feed.remove(key)
    }

    fn follow_up_failed(&mut self, key: &str) {
        self.asking.remove(key);
    }
}

#[cfg(test)]
#[path = "job_feed_tests.rs"]
mod tests;
