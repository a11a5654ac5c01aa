//! The event broker behind `GET /v1/event/stream` (`nomad/stream/event_broker.go`,
//! `event_buffer.go`, `nomad/state/events.go`): every committed write that changed a job, an
//! allocation, an evaluation or a node is announced here, under the state's write lock, as
//! one batch at the write's index, and the last `event_buffer_size` batches are kept for
//! subscribers to read from any index they still hold. Events are encoded once, when a
//! subscriber first reads them, so that writes cost no JSON while no one listens.
//!
//! This agent applies in one write what Nomad applies in several Raft messages (a job
//! registration, the plan placing its allocations, the evaluation's completion), while an
//! event's `Type` is that of the message (`MsgTypeEvents`). Each object's event therefore
//! takes the type of the message that would have written it last in Nomad: a job registered
//! or stopped at this index `JobRegistered` / `JobDeregistered` (purged: the job as it was,
//! from 1.7.5, with `Deleted: true` from 1.11.3; no event before 1.7.5),
//! a job whose status moved with its allocations the type of those allocations' write; an
//! allocation placed or stopped by the scheduler `PlanResult`, one its client reported
//! `AllocationUpdated`; an evaluation `EvaluationUpdated` (the worker's last update); a node
//! `NodeRegistration`, or `NodeDrain` when the write set its scheduling eligibility (every
//! release from 1.4.0 to 1.11.3 maps `NodeUpdateEligibilityRequestType` to `TypeNodeDrain` in
//! `nomad/state/events.go` `MsgTypeEvents`; `NodeEligibility` is declared but never sent).
//! Namespaces and job summaries have no events, as in Nomad.

use crate::state::{Changes, Publisher, Store};
use nomad_api::event::{event_type, topic, EventKeys, JobPayload, NamespaceScope, Topics, EVENT_DROPPED};
use nomad_api::{Allocation, Evaluation, Job, Node, NomadVersion, Wire};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};

/// What an event carries, shared with the state where it can be (allocations).
enum Payload {
    Allocation(Arc<Allocation>),
    Job { job: Box<Job>, deleted: bool },
    Evaluation(Box<Evaluation>),
    Node(Box<Node>),
}

/// The payload as Nomad writes it: `{"Allocation": ...}` (without its job), `{"Job": ...,
/// "Deleted": true}`, `{"Evaluation": ...}`, `{"Node": ...}`, each object in the shape the
/// release writes it elsewhere.
struct PayloadWire<'a> {
    payload: &'a Payload,
    version: NomadVersion,
}

impl Serialize for PayloadWire<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let version = self.version;
        match self.payload {
            Payload::Allocation(alloc) => {
                // `eventFromChange` drops the job to keep allocation events small.
                let stripped = Allocation { job: None, ..Allocation::clone(alloc) };
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("Allocation", &Wire::new(&stripped, version))?;
                map.end()
            }
            Payload::Job { job, deleted } => {
                JobPayload { job: Wire::new(job.as_ref(), version), deleted: *deleted }.serialize(serializer)
            }
            Payload::Evaluation(eval) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("Evaluation", &Wire::new(eval.as_ref(), version))?;
                map.end()
            }
            Payload::Node(node) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("Node", &Wire::new(node.as_ref(), version))?;
                map.end()
            }
        }
    }
}

/// One event, encoded on first read.
pub struct PendingEvent {
    topic: &'static str,
    kind: &'static str,
    key: String,
    namespace: String,
    filter_keys: Option<Vec<String>>,
    payload: Payload,
    json: OnceLock<String>,
}

impl PendingEvent {
    pub fn keys(&self) -> EventKeys<'_> {
        EventKeys {
            topic: self.topic,
            key: &self.key,
            namespace: &self.namespace,
            filter_keys: self.filter_keys.as_deref().unwrap_or(&[]),
        }
    }

    /// `structs.Event` as JSON.
    fn json(&self, index: u64, version: NomadVersion) -> &str {
        self.json.get_or_init(|| {
            let event = nomad_api::event::Event {
                topic: self.topic.to_string(),
                kind: self.kind.to_string(),
                key: self.key.clone(),
                namespace: self.namespace.clone(),
                filter_keys: self.filter_keys.clone(),
                index,
                payload: PayloadWire { payload: &self.payload, version },
            };
            // Serializing these types cannot fail: no map has non-string keys.
            serde_json::to_string(&event).unwrap_or_default()
        })
    }
}

/// The events of one write (`structs.Events`).
pub struct Batch {
    pub index: u64,
    pub events: Vec<PendingEvent>,
}

/// The buffer of the last batches, or nothing when the broker is off.
pub struct EventBroker {
    capacity: usize,
    version: NomadVersion,
    batches: Mutex<VecDeque<Arc<Batch>>>,
}

impl EventBroker {
    /// A broker keeping `capacity` batches (`event_buffer_size`; 0 is the default 100, as
    /// `NewEventBroker` has it).
    pub fn new(capacity: usize, version: NomadVersion) -> Self {
        let capacity = if capacity == 0 { nomad_api::event::DEFAULT_BUFFER_SIZE } else { capacity };
        EventBroker { capacity, version, batches: Mutex::new(VecDeque::with_capacity(capacity)) }
    }

    pub fn version(&self) -> NomadVersion {
        self.version
    }

    fn batches(&self) -> std::sync::MutexGuard<'_, VecDeque<Arc<Batch>>> {
        self.batches.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `eventBuffer.Append`: the oldest batch goes once the buffer is full.
    fn append(&self, batch: Batch) {
        if batch.events.is_empty() {
            return;
        }
        let mut batches = self.batches();
        batches.push_back(Arc::new(batch));
        while batches.len() > self.capacity {
            batches.pop_front();
        }
    }

    /// The index of the batch a subscription from `index` starts at (`Subscribe`,
    /// `StartAtClosest`): 0 for the oldest held (or the first to come), else the first at or
    /// after `index`, else the newest (sent again).
    pub fn start_at(&self, index: u64) -> Cursor {
        if index == 0 {
            return Cursor::Start(0);
        }
        let batches = self.batches();
        match batches.iter().find(|b| b.index >= index).or(batches.back()) {
            Some(batch) => Cursor::Start(batch.index),
            None => Cursor::Start(0),
        }
    }

    /// The next batch after `cursor`, if one has been published; `Err` when the reader fell
    /// behind the buffer (`bufferItem.Next`: `event dropped from buffer`).
    pub fn next(&self, cursor: &mut Cursor) -> Result<Option<Arc<Batch>>, &'static str> {
        let batches = self.batches();
        let Some(oldest) = batches.front().map(|b| b.index) else { return Ok(None) };
        let found = match *cursor {
            Cursor::Start(0) => batches.front(),
            Cursor::Start(index) if oldest > index => return Err(EVENT_DROPPED),
            Cursor::Start(index) => batches.iter().find(|b| b.index >= index),
            Cursor::After(index) if oldest > index => return Err(EVENT_DROPPED),
            Cursor::After(index) => batches.iter().find(|b| b.index > index),
        };
        let found = found.cloned();
        if let Some(batch) = &found {
            *cursor = Cursor::After(batch.index);
        }
        Ok(found)
    }

    /// The line a subscription sends for `batch`: `{"Index":N,"Events":[...]}` with the
    /// events it wants, or `None` when it wants none (`Subscription.Next` skips those).
    pub fn line(&self, batch: &Batch, topics: &Topics, scope: &NamespaceScope) -> Option<String> {
        let mut out = String::new();
        for event in &batch.events {
            for _ in 0..nomad_api::event::times_sent(topics, scope, event.keys()) {
                out.push(if out.is_empty() { '[' } else { ',' });
                out.push_str(event.json(batch.index, self.version));
            }
        }
        if out.is_empty() {
            return None;
        }
        Some(format!("{{\"Index\":{},\"Events\":{out}]}}", batch.index))
    }
}

/// Where a subscription stands in the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    /// Not yet read: starts at the batch of this index (0: the oldest held).
    Start(u64),
    /// Read up to the batch of this index.
    After(u64),
}

impl Publisher for EventBroker {
    fn committed(&self, store: &Store, changes: &Changes, purged: Vec<Job>) {
        let index = store.index();
        let mut events = Vec::new();
        let allocs: Vec<&Arc<Allocation>> = changes.allocs.iter().filter_map(|id| store.alloc_arc(id)).collect();
        // The type of the allocations' write, for the jobs whose status moved with them.
        let alloc_write = if allocs.iter().any(|a| a.alloc_modify_index != index) {
            event_type::ALLOCATION_UPDATED
        } else {
            event_type::PLAN_RESULT
        };
        for (namespace, id) in &changes.jobs {
            let Some(job) = store.job(namespace, id) else { continue };
            let kind = match (job.job_modify_index == index, job.stop) {
                (true, true) => event_type::JOB_DEREGISTERED,
                (true, false) => event_type::JOB_REGISTERED,
                (false, _) => alloc_write,
            };
            events.push(job_event(job.clone(), kind, false));
        }
        if self.version.job_purge_event() {
            for job in purged {
                events.push(job_event(job, event_type::JOB_DEREGISTERED, self.version.job_event_deleted()));
            }
        }
        for eval in changes.evals.iter().filter_map(|id| store.eval(id)) {
            events.push(PendingEvent {
                topic: topic::EVALUATION,
                kind: event_type::EVALUATION_UPDATED,
                key: eval.id.clone(),
                namespace: eval.namespace.clone(),
                filter_keys: Some(vec![eval.job_id.clone(), eval.deployment_id.clone()]),
                payload: Payload::Evaluation(Box::new(eval.clone())),
                json: OnceLock::new(),
            });
        }
        for alloc in allocs {
            let kind = if alloc.alloc_modify_index == index {
                event_type::PLAN_RESULT
            } else {
                event_type::ALLOCATION_UPDATED
            };
            events.push(PendingEvent {
                topic: topic::ALLOCATION,
                kind,
                key: alloc.id.clone(),
                namespace: alloc.namespace.clone(),
                filter_keys: Some(vec![alloc.job_id.clone(), alloc.deployment_id.clone()]),
                payload: Payload::Allocation(Arc::clone(alloc)),
                json: OnceLock::new(),
            });
        }
        for node in changes.nodes.iter().filter_map(|id| store.node(id)) {
            let kind = match changes.node_eligibility.contains(&node.id) {
                true => event_type::NODE_DRAIN,
                false => event_type::NODE_REGISTRATION,
            };
            events.push(PendingEvent {
                topic: topic::NODE,
                kind,
                key: node.id.clone(),
                namespace: String::new(),
                filter_keys: None,
                payload: Payload::Node(Box::new(node.clone())),
                json: OnceLock::new(),
            });
        }
        self.append(Batch { index, events });
    }
}

fn job_event(job: Job, kind: &'static str, deleted: bool) -> PendingEvent {
    PendingEvent {
        topic: topic::JOB,
        kind,
        key: job.id.clone(),
        namespace: job.namespace.clone(),
        filter_keys: None,
        payload: Payload::Job { job: Box::new(job), deleted },
        json: OnceLock::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobspec::{group, job, shell_task};
    use crate::state::{scheduler, Cluster};
    use nomad_api::Namespace;

    fn cluster_with_broker(capacity: usize) -> (Cluster, Arc<EventBroker>, Node) {
        let cluster = Cluster::default();
        let broker = Arc::new(EventBroker::new(capacity, NomadVersion::LATEST));
        cluster.publish_to(broker.clone());
        let node = crate::node::synthetic_node(1, "dc1", NomadVersion::LATEST, 1);
        cluster.write(|txn| {
            txn.upsert_namespace(Namespace { name: "default".into(), ..Namespace::default() });
            txn.upsert_node(node.clone());
        });
        (cluster, broker, node)
    }

    fn all() -> (Topics, NamespaceScope) {
        (nomad_api::event::parse_topics(&[]).unwrap(), NamespaceScope::All)
    }

    /// nomad/state/events.go `eventFromChange`: a registration's job, evaluation and
    /// allocations in one batch at the write's index; a purge's job `Deleted`.
    #[test]
    fn writes_become_batches() {
        let (cluster, broker, node) = cluster_with_broker(100);
        let web = job("web", "default", "service", vec![group("web", 2, vec![shell_task("s", "sleep 1", 10, 8)])]);
        let placed = cluster.write(|txn| scheduler::register(txn, web, std::slice::from_ref(&node)));
        let mut cursor = broker.start_at(placed.index);
        let batch = broker.next(&mut cursor).unwrap().unwrap();
        assert_eq!(batch.index, placed.index);
        let (topics, scope) = all();
        let line: serde_json::Value = serde_json::from_str(&broker.line(&batch, &topics, &scope).unwrap()).unwrap();
        let kinds: Vec<(&str, &str)> = line["Events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["Topic"].as_str().unwrap(), e["Type"].as_str().unwrap()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("Job", "JobRegistered"),
                ("Evaluation", "EvaluationUpdated"),
                ("Allocation", "PlanResult"),
                ("Allocation", "PlanResult")
            ]
        );
        let alloc = &line["Events"][2];
        assert_eq!(alloc["FilterKeys"], serde_json::json!(["web", ""]));
        assert!(alloc["Payload"]["Allocation"].get("Job").is_none());
        assert_eq!(alloc["Index"], placed.index);

        let first = placed.alloc_ids[0].clone();
        cluster.write(|txn| txn.update_alloc_client(&first, |a| a.client_status = "running".into()));
        let batch = broker.next(&mut cursor).unwrap().unwrap();
        let line: serde_json::Value = serde_json::from_str(&broker.line(&batch, &topics, &scope).unwrap()).unwrap();
        assert_eq!(line["Events"][0]["Type"], "AllocationUpdated");

        cluster.write(|txn| scheduler::deregister(txn, "default", "web", true));
        let batch = broker.next(&mut cursor).unwrap().unwrap();
        let line: serde_json::Value = serde_json::from_str(&broker.line(&batch, &topics, &scope).unwrap()).unwrap();
        let job = line["Events"].as_array().unwrap().iter().find(|e| e["Topic"] == "Job").unwrap();
        assert_eq!((job["Type"].as_str(), job["Payload"]["Deleted"].as_bool()), (Some("JobDeregistered"), Some(true)));
        assert!(broker.next(&mut cursor).unwrap().is_none());
    }

    /// nomad/stream/event_buffer.go `StartAtClosest`, `bufferItem.Next` (v1.11.3).
    /// nomad/state/events.go `eventFromChange` at v1.7.4, v1.7.5, v1.11.2 and v1.11.3: a purge
    /// sends no Job event before 1.7.5, the job without `Deleted` before 1.11.3.
    #[test]
    fn a_purge_is_evented_as_each_release_does() {
        for (version, deleted) in
            [("1.7.4", None), ("1.7.5", Some(None)), ("1.11.2", Some(None)), ("1.11.3", Some(Some(true)))]
        {
            let version = NomadVersion::parse_any(version).unwrap();
            let cluster = Cluster::default();
            let broker = Arc::new(EventBroker::new(100, version));
            cluster.publish_to(broker.clone());
            cluster.write(|txn| txn.upsert_namespace(Namespace { name: "default".into(), ..Namespace::default() }));
            let web = job("web", "default", "batch", vec![group("web", 1, vec![shell_task("s", "true", 10, 8)])]);
            cluster.write(|txn| scheduler::register(txn, web, &[]));
            let purged = cluster.write(|txn| {
                scheduler::deregister(txn, "default", "web", true);
                txn.index
            });
            let mut cursor = broker.start_at(purged);
            let batch = broker.next(&mut cursor).unwrap().unwrap();
            let (topics, scope) = all();
            let line: serde_json::Value = serde_json::from_str(&broker.line(&batch, &topics, &scope).unwrap()).unwrap();
            let job = line["Events"].as_array().unwrap().iter().find(|e| e["Topic"] == "Job");
            assert_eq!(job.map(|j| j["Payload"]["Deleted"].as_bool()), deleted, "{version}");
        }
    }

    #[test]
    fn the_buffer_keeps_the_last_batches() {
        let (cluster, broker, _) = cluster_with_broker(3);
        let first = cluster.read().index();
        for n in 0..5 {
            cluster.write(|txn| {
                let node = crate::node::synthetic_node(n + 2, "dc1", NomadVersion::LATEST, 1);
                txn.upsert_node(node);
            });
        }
        let last = cluster.read().index();
        // An index older than the buffer starts at the oldest batch held.
        let mut cursor = broker.start_at(first);
        assert_eq!(broker.next(&mut cursor).unwrap().unwrap().index, last - 2);
        // One past the newest gets the newest again.
        let mut cursor = broker.start_at(last + 10);
        assert_eq!(broker.next(&mut cursor).unwrap().unwrap().index, last);
        // A reader whose last batch left the buffer is dropped.
        let mut cursor = Cursor::After(last - 3);
        assert!(matches!(broker.next(&mut cursor), Err(EVENT_DROPPED)));
    }
}
