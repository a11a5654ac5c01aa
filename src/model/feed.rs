//! A list kept live by Nomad's event stream: a snapshot read from a list endpoint, then each
//! event applied to the one row it names, so one change costs one row, not a re-read of the
//! whole list (issue 18: 100,000 allocations).
//!
//! The order of work that makes this exact (`src/api/feed.rs` performs it):
//! 1. subscribe first, and wait for the stream's opening `{}` (`NewJsonStream` sends it once
//!    subscribed, `nomad/stream/ndjson.go`), holding the batches that arrive;
//! 2. read the snapshot; its `X-Nomad-Index` says which writes it holds;
//! 3. apply the held batches, then the live ones, skipping any batch at or below the index
//!    already applied, and any row older (by `ModifyIndex`) than the one shown.
//!
//! Every write after the snapshot was published after the subscription began, so none is
//! missed; a write both in the snapshot and the stream is applied once. Pages of a snapshot
//! read at different indexes merge the same way (the newest `ModifyIndex` wins).
//!
//! Allocation events carry the allocation without its job (`eventFromChange` in
//! `nomad/state/events.go` sets `alloc.Job = nil`), so the list's `JobType` and `JobVersion`
//! come from the row already shown or, for a new allocation, from the job's latest `Job`
//! event, else from another row of the same job.

use crate::api::decode::decode_element;
use crate::api::endpoints::Read;
use crate::model::alloc_list::AllocationRow;
use nomad_api::event::{topic, Events};
use nomad_api::Allocation;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

/// Which rows of a list a view keeps (a node's page keeps that node's allocations).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keep {
    /// Only rows on this node.
    pub node: Option<String>,
    /// Only rows of this namespace, for lists whose endpoint answers every namespace.
    pub namespace: Option<String>,
    /// A feed of one object: its own read, made again when an event leaves out what changed.
    pub one: Option<Read>,
    /// The region read, for follow-up reads (a job's summary).
    pub region: Option<String>,
}

/// A list the event engine (`src/api/feed.rs`) keeps live: how it is built from a snapshot,
/// which topics feed it, and how a batch of events changes it.
pub trait EventList: Sized + 'static {
    /// A row as the list endpoint answers it.
    type Row: DeserializeOwned + Send + Sync + 'static;
    /// The payload of the events subscribed to.
    type Payload: DeserializeOwned + Default + 'static;
    /// The topics subscribed to.
    const TOPICS: &'static [&'static str];
    /// Its snapshot may be whole objects in one answer (`FeedSpec::whole`); known at compile
    /// time, so that lists that never are carry no code for it.
    const WHOLE: bool = false;

    /// The list from a snapshot taken at `index`.
    fn new(rows: Vec<Arc<Self::Row>>, index: u64, keep: &Keep) -> Self;
    /// Merges a later page of the snapshot.
    fn merge(&mut self, rows: Vec<Arc<Self::Row>>);
    /// One line of the stream as a batch of events.
    fn decode_batch(line: &[u8]) -> Result<Events<Self::Payload>, String> {
        nomad_api::json::from_slice(line).map_err(|e| e.to_string())
    }

    /// Applies one line of the stream; whether the rows changed.
    fn apply(&mut self, batch: Events<Self::Payload>) -> bool;
    /// The index of the last write applied.
    fn index(&self) -> u64;
    /// The rows, in no particular order.
    fn rows(&self) -> Vec<Arc<Self::Row>>;

    /// A row of an endpoint answering whole objects rather than list stubs (`None`: not
    /// kept); by default the element decoded as a row.
    fn whole_row(body: &[u8], range: Range<usize>, _keep: &Keep) -> Result<Option<Self::Row>, String> {
        decode_element(body, range).map(Some)
    }

    /// The row of a feed of one object (`Keep::one`), from its read's answer. Only such a
    /// feed decodes one; for the others this is never called, and leaving it out keeps a
    /// second copy of their row's decoder out of the wasm.
    fn one_row(_body: &[u8]) -> Result<Self::Row, String> {
        Err("this list is not read one object at a time".into())
    }

    /// Reads events call for (a job's summary, which no event carries), by key; asked after
    /// each batch, answered through [`EventList::take_follow_up`].
    fn follow_ups(&mut self) -> Vec<(String, Read)> {
        Vec::new()
    }

    /// The answer to a follow-up read; whether the rows changed.
    fn take_follow_up(&mut self, _key: &str, _body: &[u8]) -> Result<bool, String> {
        Ok(false)
    }

    /// A follow-up read answered 404 (a purged job's summary); whether the rows changed.
    fn follow_up_missing(&mut self, _key: &str) -> bool {
        false
    }

    /// A follow-up read failed otherwise: it may be asked again.
    fn follow_up_failed(&mut self, _key: &str) {}
}

/// A row a feed keeps: its identity and the index of its last change.
pub trait Keyed {
    /// The object's ID (with its namespace where IDs are per namespace).
    fn key(&self) -> String;
    /// `ModifyIndex`: the Raft index of its last change.
    fn modify_index(&self) -> u64;
}

/// `Keyed` for objects whose UUID `ID` names them across namespaces (allocations, nodes).
macro_rules! keyed_by_id {
    ($($t:ty),*) => {$(
        impl Keyed for $t {
            fn key(&self) -> String {
                self.id.clone()
            }

            fn modify_index(&self) -> u64 {
                self.modify_index
            }
        }
    )*};
}
keyed_by_id!(AllocationRow, Allocation, nomad_api::NodeListStub, nomad_api::Node);

/// What one event does to a list.
#[derive(Debug, Clone, PartialEq)]
pub enum Change<E> {
    /// The object as of the event: a new row, or a newer state of one shown.
    Upsert(E),
    /// The object is gone (by key).
    Delete(String),
}

/// The rows of a live list by key, and the index of the last write applied.
#[derive(Debug, Clone)]
pub struct Feed<E> {
    rows: Vec<Arc<E>>,
    at: HashMap<String, usize>,
    index: u64,
}

impl<E> Default for Feed<E> {
    fn default() -> Self {
        Feed { rows: Vec::new(), at: HashMap::new(), index: 0 }
    }
}

impl<E: Keyed> Feed<E> {
    /// A feed holding a snapshot taken at `index`.
    pub fn from_snapshot(rows: Vec<Arc<E>>, index: u64) -> Self {
        let mut feed = Feed { rows: Vec::with_capacity(rows.len()), at: HashMap::with_capacity(rows.len()), index };
        feed.merge(rows);
        feed
    }

    /// Merges another page of the snapshot (read at a later index): new rows are added, and
    /// a row shown is replaced only by a newer one.
    pub fn merge(&mut self, rows: Vec<Arc<E>>) {
        for row in rows {
            self.upsert(row);
        }
    }

    /// The index of the last write the rows reflect.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The rows, in no particular order (views sort).
    pub fn rows(&self) -> &[Arc<E>] {
        &self.rows
    }

    /// The row with this key.
    pub fn get(&self, key: &str) -> Option<&Arc<E>> {
        self.at.get(key).and_then(|&i| self.rows.get(i))
    }

    /// Applies one batch (one Raft write) of changes; whether any row changed. A batch at or
    /// below the index already applied is skipped: the snapshot or an earlier batch holds it.
    pub fn apply(&mut self, index: u64, changes: Vec<Change<E>>) -> bool {
        if index <= self.index {
            return false;
        }
        self.index = index;
        let mut changed = false;
        for change in changes {
            changed |= match change {
                Change::Upsert(row) => self.upsert(Arc::new(row)),
                Change::Delete(key) => self.delete(&key),
            };
        }
        changed
    }

    /// Puts `row` in place of the row with its key, whatever their indexes (a fresh read of
    /// one object).
    pub fn replace(&mut self, row: E) {
        let key = row.key();
        match self.at.get(&key) {
            Some(&i) => self.rows[i] = Arc::new(row),
            None => {
                self.at.insert(key, self.rows.len());
                self.rows.push(Arc::new(row));
            }
        }
    }

    /// Replaces the row with this key by `change(row)` where it gives one (what no event
    /// carries, such as a job's summary, read apart); whether it did.
    pub fn update(&mut self, key: &str, change: impl FnOnce(&E) -> Option<E>) -> bool {
        let Some(&i) = self.at.get(key) else { return false };
        match change(&self.rows[i]) {
            Some(row) => {
                self.rows[i] = Arc::new(row);
                true
            }
            None => false,
        }
    }

    /// Removes the row with this key, learnt gone other than by an event (a 404); whether
    /// it was shown.
    pub fn remove(&mut self, key: &str) -> bool {
        self.delete(key)
    }

    fn upsert(&mut self, row: Arc<E>) -> bool {
        let key = row.key();
        match self.at.get(&key) {
            Some(&i) if self.rows[i].modify_index() >= row.modify_index() => false,
            Some(&i) => {
                self.rows[i] = row;
                true
            }
            None => {
                self.at.insert(key, self.rows.len());
                self.rows.push(row);
                true
            }
        }
    }

    fn delete(&mut self, key: &str) -> bool {
        let Some(i) = self.at.remove(key) else { return false };
        self.rows.swap_remove(i);
        if let Some(moved) = self.rows.get(i) {
            self.at.insert(moved.key(), i);
        }
        true
    }
}

/// The part of a Job event the allocations list needs (the payload is the whole job).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobHeader {
    #[serde(rename = "ID")]
    pub id: String,
    pub namespace: String,
    #[serde(rename = "Type")]
    pub kind: String,
    pub version: u64,
}

/// The payload of the events an allocations feed subscribes to: `{"Allocation": {...}}` or
/// `{"Job": {...}}` (`structs.AllocationEvent`, `structs.JobEvent`). The allocation decodes
/// straight into the list's stub: the field names are the same, and the stub's extra
/// fields (`JobType`, `JobVersion`) are filled in by [`AllocationFeed`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocationPayload {
    pub allocation: Option<AllocationRow>,
    pub job: Option<JobHeader>,
}

/// An allocations list fed by events: the rows, and each job's latest type and version.
#[derive(Debug, Clone, Default)]
pub struct AllocationFeed {
    pub feed: Feed<AllocationRow>,
    jobs: HashMap<(String, String), (String, u64)>,
    /// Keep only allocations on this node (a node's page).
    node: Option<String>,
}

impl EventList for AllocationFeed {
    type Row = AllocationRow;
    type Payload = AllocationPayload;
    /// Its rows, and jobs for the rows' job versions.
    const TOPICS: &'static [&'static str] = &[topic::ALLOCATION, topic::JOB];

    fn new(rows: Vec<Arc<AllocationRow>>, index: u64, keep: &Keep) -> Self {
        let node = keep.node.clone();
        let rows = rows.into_iter().filter(|a| node.as_ref().is_none_or(|n| &a.node_id == n)).collect();
        AllocationFeed { feed: Feed::from_snapshot(rows, index), jobs: HashMap::new(), node }
    }

    fn merge(&mut self, rows: Vec<Arc<AllocationRow>>) {
        let node = self.node.clone();
        self.feed.merge(rows.into_iter().filter(|a| node.as_ref().is_none_or(|n| &a.node_id == n)).collect());
    }

    fn index(&self) -> u64 {
        self.feed.index()
    }

    fn rows(&self) -> Vec<Arc<AllocationRow>> {
        self.feed.rows().to_vec()
    }

    fn apply(&mut self, batch: Events<AllocationPayload>) -> bool {
        if batch.index <= self.feed.index() {
            return false;
        }
        let mut changes = Vec::new();
        for event in batch.events {
            if let Some(job) = event.payload.job {
                self.jobs.insert((job.namespace, job.id), (job.kind, job.version));
            }
            let Some(mut alloc) = event.payload.allocation else { continue };
            if self.node.as_ref().is_some_and(|n| n != &alloc.node_id) {
                continue;
            }
            self.fill_job(&mut alloc);
            // The list is read without task states (`task_states=false`); rows from events
            // match the snapshot's, and 100,000 rows stay small.
            alloc.task_states = None;
            changes.push(Change::Upsert(alloc));
        }
        self.feed.apply(batch.index, changes)
    }
}

/// A node's allocations (its page): an [`AllocationFeed`] whose snapshot is whole allocations.
/// A type of its own so that reading whole allocations is compiled into the node page's
/// chunk, not the first load.
#[derive(Debug, Clone, Default)]
pub struct NodeAllocations(pub AllocationFeed);

impl EventList for NodeAllocations {
    type Row = AllocationRow;
    type Payload = AllocationPayload;
    const TOPICS: &'static [&'static str] = AllocationFeed::TOPICS;
    const WHOLE: bool = true;

    fn new(rows: Vec<Arc<AllocationRow>>, index: u64, keep: &Keep) -> Self {
        NodeAllocations(AllocationFeed::new(rows, index, keep))
    }

    fn merge(&mut self, rows: Vec<Arc<AllocationRow>>) {
        self.0.merge(rows);
    }

    fn apply(&mut self, batch: Events<AllocationPayload>) -> bool {
        self.0.apply(batch)
    }

    fn index(&self) -> u64 {
        self.0.index()
    }

    fn rows(&self) -> Vec<Arc<AllocationRow>> {
        self.0.rows()
    }

    /// A whole allocation (a node's `/v1/node/:id/allocations`) as a list row: the stub's
    /// fields are the allocation's, but its job's type and version are inside `Job`.
    fn whole_row(body: &[u8], range: Range<usize>, keep: &Keep) -> Result<Option<AllocationRow>, String> {
        #[derive(Deserialize, Default)]
        #[serde(rename_all = "PascalCase", default)]
        struct WithJob {
            job: Option<JobHeader>,
        }
        let mut alloc: AllocationRow = decode_element(body, range.clone())?;
        if keep.namespace.as_ref().is_some_and(|ns| ns != &alloc.namespace) {
            return Ok(None);
        }
        if let Some(job) = decode_element::<WithJob>(body, range)?.job {
            alloc.job_type = job.kind;
            alloc.job_version = job.version;
        }
        alloc.task_states = None;
        Ok(Some(alloc))
    }
}

impl AllocationFeed {
    fn fill_job(&self, alloc: &mut AllocationRow) {
        if let Some(shown) = self.feed.get(&alloc.id) {
            alloc.job_type.clone_from(&shown.job_type);
            alloc.job_version = shown.job_version;
            return;
        }
        if let Some((kind, version)) = self.jobs.get(&(alloc.namespace.clone(), alloc.job_id.clone())) {
            alloc.job_type.clone_from(kind);
            alloc.job_version = *version;
            return;
        }
        let sibling = self
            .feed
            .rows()
            .iter()
            .filter(|a| a.job_id == alloc.job_id && a.namespace == alloc.namespace)
            .max_by_key(|a| a.job_version);
        if let Some(sibling) = sibling {
            alloc.job_type.clone_from(&sibling.job_type);
            alloc.job_version = sibling.job_version;
        }
    }
}

/// The payload of an allocation's own events (`topic=Allocation:<id>`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct OneAllocationPayload {
    pub allocation: Option<Allocation>,
}

/// One allocation kept live by its events (its page). An event's allocation has no job
/// (`eventFromChange`), so the job shown stays; only the scheduler changes an allocation's
/// job (an in-place update), and it moves `AllocModifyIndex` when it does
/// (`nomad/structs/structs.go`: "AllocModifyIndex ... updated when the alloc is modified by
/// the scheduler, not the client"), so such an event is followed by a read of the whole
/// allocation.
#[derive(Debug, Clone, Default)]
pub struct OneAllocation {
    pub feed: Feed<Allocation>,
    read: Option<Read>,
    reread: bool,
}

impl EventList for OneAllocation {
    type Row = Allocation;
    type Payload = OneAllocationPayload;
    /// Unused: the stream names the allocation's key (`Allocation:<id>`), see `FeedSpec`.
    const TOPICS: &'static [&'static str] = &[topic::ALLOCATION];

    fn new(rows: Vec<Arc<Allocation>>, index: u64, keep: &Keep) -> Self {
        OneAllocation { feed: Feed::from_snapshot(rows, index), read: keep.one.clone(), reread: false }
    }

    fn merge(&mut self, rows: Vec<Arc<Allocation>>) {
        self.feed.merge(rows);
    }

    fn apply(&mut self, batch: Events<OneAllocationPayload>) -> bool {
        if batch.index <= self.feed.index() {
            return false;
        }
        let mut changes = Vec::new();
        for event in batch.events {
            let Some(mut alloc) = event.payload.allocation else { continue };
            let Some(shown) = self.feed.get(&alloc.id) else { continue };
            if alloc.alloc_modify_index != shown.alloc_modify_index {
                self.reread = true;
            }
            if alloc.job.is_none() {
                alloc.job.clone_from(&shown.job);
            }
            changes.push(Change::Upsert(alloc));
        }
        self.feed.apply(batch.index, changes)
    }

    fn index(&self) -> u64 {
        self.feed.index()
    }

    fn rows(&self) -> Vec<Arc<Allocation>> {
        self.feed.rows().to_vec()
    }

    fn one_row(body: &[u8]) -> Result<Allocation, String> {
        nomad_api::json::from_slice(body).map_err(|e| e.to_string())
    }

    fn follow_ups(&mut self) -> Vec<(String, Read)> {
        match self.read.clone() {
            Some(read) if std::mem::take(&mut self.reread) => vec![(String::new(), read)],
            _ => Vec::new(),
        }
    }

    fn take_follow_up(&mut self, _key: &str, body: &[u8]) -> Result<bool, String> {
        let alloc: Allocation = nomad_api::json::from_slice(body).map_err(|e| e.to_string())?;
        // Newer than what is shown, or as new and now with its job.
        let newer = self.feed.get(&alloc.id).is_none_or(|shown| alloc.modify_index >= shown.modify_index);
        if newer {
            self.feed.replace(alloc);
        }
        Ok(newer)
    }
}

#[cfg(test)]
#[path = "feed_tests.rs"]
mod tests;
