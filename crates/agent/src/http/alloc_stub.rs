//! `Allocation.Stub`: the list form of an allocation, written straight from the stored
//! allocation so that listing thousands of them copies nothing, and kept once written. The
//! stub goes through `nomad_api::Wire`, which gives it (and its task states) the field set of
//! the release the agent answers as.

use super::request::{json_body, ApiRequest, PIECE};
use crate::error::ApiError;
use crate::state::Store;
use crate::AppState;
use axum::body::{Body, Bytes};
use nomad_api::{Allocation, NomadVersion, Wire};
use serde::ser::{Serialize, SerializeStruct, Serializer};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// `structs.AllocStubFields`: what `resources` and `task_states` ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StubFields {
    pub resources: bool,
    pub task_states: bool,
}

impl Default for StubFields {
    fn default() -> Self {
        StubFields { resources: false, task_states: true }
    }
}

/// Serializes as Nomad's `AllocListStub` (the fields of `nomad_api::AllocationListStub`).
pub struct AllocStub<'a> {
    pub alloc: &'a Allocation,
    pub fields: StubFields,
}

impl Serialize for AllocStub<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let a = self.alloc;
        let mut s = serializer.serialize_struct("AllocListStub", 27)?;
        s.serialize_field("ID", &a.id)?;
        s.serialize_field("EvalID", &a.eval_id)?;
        s.serialize_field("Name", &a.name)?;
        s.serialize_field("Namespace", &a.namespace)?;
        s.serialize_field("NodeID", &a.node_id)?;
        s.serialize_field("NodeName", &a.node_name)?;
        s.serialize_field("JobID", &a.job_id)?;
        s.serialize_field("JobType", a.job.as_ref().map_or("", |j| j.kind.as_str()))?;
        s.serialize_field("JobVersion", &a.job.as_ref().map_or(0, |j| j.version))?;
        s.serialize_field("TaskGroup", &a.task_group)?;
        // `json:",omitempty"` in Nomad: `Wire` leaves it out when `None`.
        s.serialize_field("AllocatedResources", &a.allocated_resources.as_ref().filter(|_| self.fields.resources))?;
        s.serialize_field("DesiredStatus", &a.desired_status)?;
        s.serialize_field("DesiredDescription", &a.desired_description)?;
        s.serialize_field("ClientStatus", &a.client_status)?;
        s.serialize_field("ClientDescription", &a.client_description)?;
        s.serialize_field("DesiredTransition", &a.desired_transition)?;
        s.serialize_field("TaskStates", &self.fields.task_states.then_some(&a.task_states))?;
        s.serialize_field("DeploymentStatus", &a.deployment_status)?;
        s.serialize_field("FollowupEvalID", &a.followup_eval_id)?;
        s.serialize_field("NextAllocation", &a.next_allocation)?;
        s.serialize_field("RescheduleTracker", &a.reschedule_tracker)?;
        s.serialize_field("PreemptedAllocations", &a.preempted_allocations)?;
        s.serialize_field("PreemptedByAllocation", &a.preempted_by_allocation)?;
        s.serialize_field("CreateIndex", &a.create_index)?;
        s.serialize_field("ModifyIndex", &a.modify_index)?;
        s.serialize_field("CreateTime", &a.create_time)?;
        s.serialize_field("ModifyTime", &a.modify_time)?;
        s.end()
    }
}

/// The compact JSON of allocation stubs, by allocation ID and fields, kept while the
/// allocation's `ModifyIndex` stays (every write to an allocation moves it). A blocking query
/// over 10,000 allocations answers all of them for every change, and writing them again
/// (mostly escaping the same strings) was most of its time. The cache holds at most
/// [`STUB_CACHE_BYTES`] of JSON: at 100,000 allocations a whole list is over 300 MB, which
/// kept beside the state would double what the agent holds (issue 18: at most 1 GB).
#[derive(Default)]
pub struct StubCache(Mutex<Cached>);

/// The JSON kept at most: the stubs of about 5,000 allocations (the agent at 100,000 holds
/// about 950 MB without it).
pub const STUB_CACHE_BYTES: usize = 16 << 20;

#[derive(Default)]
struct Cached {
    stubs: HashMap<String, Vec<CachedStub>>,
    /// The bytes of JSON held in `stubs`.
    bytes: usize,
}

struct CachedStub {
    fields: StubFields,
    modify_index: u64,
    json: Box<[u8]>,
}

impl StubCache {
    /// The body of a list answer: the stubs of `allocs`, read from `store`, as a JSON array,
    /// as release `version` writes them (one agent answers as one release, so the cache need
    /// not be keyed by it).
    pub fn encode<'a>(
        &self,
        req: &ApiRequest,
        store: &Store,
        allocs: impl Iterator<Item = &'a Allocation>,
        fields: StubFields,
        version: NomadVersion,
    ) -> Result<Vec<u8>, ApiError> {
        if req.pretty() {
            let stubs: Vec<AllocStub> = allocs.map(|alloc| AllocStub { alloc, fields }).collect();
            return req.encode(&Wire::new(&stubs, version));
        }
        let mut out = vec![b'['];
        self.append(&mut out, true, allocs, fields, version)?;
        out.push(b']');
        self.forget_collected(store);
        Ok(out)
    }

    /// Writes the stubs of `allocs` after `out`, each after a comma but the `first`.
    fn append<'a>(
        &self,
        out: &mut Vec<u8>,
        mut first: bool,
        allocs: impl Iterator<Item = &'a Allocation>,
        fields: StubFields,
        version: NomadVersion,
    ) -> Result<(), ApiError> {
        let mut guard = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let cache = &mut *guard;
        for alloc in allocs {
            if !std::mem::take(&mut first) {
                out.push(b',');
            }
            let fresh = |entry: &CachedStub| entry.fields == fields && entry.modify_index == alloc.modify_index;
            if let Some(entry) = cache.stubs.get(&alloc.id).and_then(|e| e.iter().find(|e| fresh(e))) {
                out.extend_from_slice(&entry.json);
                continue;
            }
            let at = out.len();
            let stub = AllocStub { alloc, fields };
            serde_json::to_writer(&mut *out, &Wire::new(&stub, version))
                .map_err(|e| ApiError::internal(e.to_string()))?;
            let json = &out[at..];
            if let Some(entries) = cache.stubs.get_mut(&alloc.id) {
                if let Some(stale) = entries.iter().position(|e| e.fields == fields) {
                    cache.bytes -= entries.swap_remove(stale).json.len();
                }
            }
            // Past the budget, stubs are written each time rather than kept.
            if cache.bytes + json.len() <= STUB_CACHE_BYTES {
                cache.bytes += json.len();
                let entry = CachedStub { fields, modify_index: alloc.modify_index, json: json.into() };
                cache.stubs.entry(alloc.id.clone()).or_default().push(entry);
            }
        }
        Ok(())
    }

    /// Collected allocations' entries go once there are enough of them to matter.
    fn forget_collected(&self, store: &Store) {
        let mut cache = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if cache.stubs.len() > store.alloc_count() + 1024 {
            cache.stubs.retain(|id, _| store.alloc(id).is_some());
            cache.bytes = cache.stubs.values().flatten().map(|e| e.json.len()).sum();
        }
    }
}

/// As [`StubCache::encode`], for a list that may be long (`/v1/allocations` at 100,000
/// allocations is over 300 MB): the answer is written piece by piece as it is sent, from the
/// allocations as they were when read, rather than whole before it is sent. An answer of one
/// piece is written at once, as before.
pub fn list_body(
    state: &AppState,
    req: &ApiRequest,
    store: &Store,
    allocs: Vec<Arc<Allocation>>,
    fields: StubFields,
) -> Result<Body, ApiError> {
    let version = state.version;
    if req.pretty() {
        let body = state.alloc_stubs.encode(req, store, allocs.iter().map(|a| a.as_ref()), fields, version)?;
        return Ok(json_body(body));
    }
    state.alloc_stubs.forget_collected(store);
    let mut out = vec![b'['];
    let mut next = 0;
    while next < allocs.len() && out.len() < PIECE {
        let first = next == 0;
        state.alloc_stubs.append(
            &mut out,
            first,
            allocs[next..next + 1].iter().map(|a| a.as_ref()),
            fields,
            version,
        )?;
        next += 1;
    }
    if next == allocs.len() {
        out.push(b']');
        return Ok(json_body(out));
    }
    let state = state.clone();
    let rest = futures::stream::unfold((allocs, next, Some(out)), move |(allocs, mut next, piece)| {
        let state = state.clone();
        async move {
            if let Some(piece) = piece {
                return Some((Ok(Bytes::from(piece)), (allocs, next, None)));
            }
            if next > allocs.len() {
                return None;
            }
            let mut out = Vec::with_capacity(PIECE + PIECE / 4);
            while next < allocs.len() && out.len() < PIECE {
                let stubs = allocs[next..next + 1].iter().map(|a| a.as_ref());
                if let Err(e) = state.alloc_stubs.append(&mut out, false, stubs, fields, version) {
                    return Some((Err(std::io::Error::other(e.message)), (allocs, usize::MAX, None)));
                }
                next += 1;
            }
            if next == allocs.len() {
                out.push(b']');
                // Past the end: the next poll ends the stream.
                next += 1;
            }
            Some((Ok(Bytes::from(out)), (allocs, next, None)))
        }
    });
    // Fused: the compression layer polls a body once more after its end, which an `Unfold`
    // answers with a panic (and the connection with a truncated answer).
    Ok(Body::from_stream(futures::StreamExt::fuse(rest)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nomad_api::{AllocatedResources, AllocationListStub, Job, TaskState};
    use std::collections::BTreeMap;

    #[test]
    fn decodes_as_the_list_stub_type() {
        let alloc = Allocation {
            id: "a8198d79-cfdb-6593-a999-1e9adabcba2e".into(),
            name: "web.web[0]".into(),
            job_id: "web".into(),
            job: Some(std::sync::Arc::new(Job { kind: "service".into(), version: 3, ..Job::default() })),
            allocated_resources: Some(AllocatedResources::default().into()),
            task_states: BTreeMap::from([(
                "server".into(),
                TaskState { state: "running".into(), ..Default::default() },
            )]),
            modify_index: 9,
            ..Allocation::default()
        };
        let decode = |fields| {
            let json = serde_json::to_string(&AllocStub { alloc: &alloc, fields }).unwrap();
            serde_json::from_str::<AllocationListStub>(&json).unwrap()
        };
        let full = decode(StubFields { resources: true, task_states: true });
        assert_eq!((full.job_type.as_str(), full.job_version, full.modify_index), ("service", 3, 9));
        assert_eq!(full.task_states.as_ref().map(|t| t.len()), Some(1));
        assert!(full.allocated_resources.is_some());
        let lean = decode(StubFields { resources: false, task_states: false });
        assert!(lean.task_states.is_none() && lean.allocated_resources.is_none());
        assert_eq!(lean.name, "web.web[0]");
    }
}
