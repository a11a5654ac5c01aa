//! The state store as one document: what this agent keeps in its data directory in place of
//! Raft's log and snapshots, so that a restarted agent has the same jobs, allocations, nodes,
//! evaluations, namespaces and ACL tokens, at the same index.

use super::store::{Store, Table};
use nomad_api::{
    AclToken, AllocatedResources, Allocation, Evaluation, Job, JobSubmission, JobSummary, Namespace, Node, Resources,
};
use serde::de::{Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Changes whenever the document's shape does; an agent refuses a state of another version.
pub const VERSION: u32 = 1;

/// Written from a borrowed store, read back owned.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Snapshot<'a> {
    pub version: u32,
    pub index: u64,
    pub tables: Cow<'a, BTreeMap<Table, u64>>,
    pub namespaces: Vec<Cow<'a, Namespace>>,
    pub nodes: Vec<Cow<'a, Node>>,
    /// Jobs, versions and allocations are listed as the store shares them (`Arc`): a list of
    /// `Cow<Allocation>` would take a whole allocation's room for each of 100,000.
    pub jobs: Vec<Cow<'a, Arc<Job>>>,
    pub job_summaries: Vec<Cow<'a, JobSummary>>,
    pub evals: Vec<Cow<'a, Evaluation>>,
    #[serde(deserialize_with = "shared_allocs")]
    pub allocs: Vec<Cow<'a, Arc<Allocation>>>,
    /// The versions kept of each job; a state saved before they were kept has none, and
    /// starts its history at each job's current version.
    #[serde(default)]
    pub job_versions: Vec<Cow<'a, Arc<Job>>>,
    /// The sources kept of each job's versions (none in a state saved before they were).
    #[serde(default)]
    pub job_submissions: Vec<Cow<'a, JobSubmission>>,
    /// Held outside the store (they do not change once the agent runs), kept with it.
    #[serde(rename = "ACLTokens")]
    pub acl_tokens: Vec<Cow<'a, AclToken>>,
}

fn borrowed<'a, T: Clone>(items: impl Iterator<Item = &'a T>) -> Vec<Cow<'a, T>> {
    items.map(Cow::Borrowed).collect()
}

/// The values allocations shared when saved (each was written out whole): equal ones are
/// shared again on restore, or 100,000 restored allocations would hold 100,000 jobs.
#[derive(Default)]
struct Shared {
    jobs: HashMap<(String, String, u64), Arc<Job>>,
    task_resources: HashMap<(String, String, String), Arc<BTreeMap<String, Resources>>>,
    allocated: HashMap<(String, String, String), Arc<AllocatedResources>>,
}

impl Shared {
    fn share(&mut self, mut alloc: Allocation) -> Allocation {
        fn one<K: Eq + std::hash::Hash, T: PartialEq>(map: &mut HashMap<K, Arc<T>>, key: K, value: &mut Arc<T>) {
            match map.get(&key) {
                Some(kept) if **kept == **value => *value = Arc::clone(kept),
                Some(_) => {}
                None => {
                    map.insert(key, Arc::clone(value));
                }
            }
        }
        let group = || (alloc.namespace.clone(), alloc.job_id.clone(), alloc.task_group.clone());
        let (jobs, resources) = (&mut self.jobs, &mut self.task_resources);
        if let Some(job) = alloc.job.as_mut() {
            one(jobs, (alloc.namespace.clone(), alloc.job_id.clone(), job.modify_index), job);
        }
        one(resources, group(), &mut alloc.task_resources);
        if let Some(allocated) = alloc.allocated_resources.as_mut() {
            one(&mut self.allocated, group(), allocated);
        }
        alloc
    }
}

/// The saved allocations, sharing [`Shared`] values as each is read: read whole first, each
/// with its own job, 100,000 of them took twice the memory they need once shared, and left it
/// too fragmented to hand back.
fn shared_allocs<'de, 'a, D: Deserializer<'de>>(d: D) -> Result<Vec<Cow<'a, Arc<Allocation>>>, D::Error> {
    struct Allocs<'a>(std::marker::PhantomData<&'a ()>);
    impl<'de, 'a> Visitor<'de> for Allocs<'a> {
        type Value = Vec<Cow<'a, Arc<Allocation>>>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list of allocations")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut shared = Shared::default();
            let mut allocs = Vec::with_capacity(seq.size_hint().unwrap_or(0));
            while let Some(alloc) = seq.next_element::<Allocation>()? {
                allocs.push(Cow::Owned(Arc::new(shared.share(alloc))));
            }
            Ok(allocs)
        }
    }
    d.deserialize_seq(Allocs(std::marker::PhantomData))
}

impl Store {
    pub fn snapshot<'a>(&'a self, acl_tokens: &'a [AclToken]) -> Snapshot<'a> {
        Snapshot {
            version: VERSION,
            index: self.index,
            tables: Cow::Borrowed(&self.tables),
            namespaces: borrowed(self.namespaces.values()),
            nodes: borrowed(self.nodes.values()),
            jobs: borrowed(self.jobs.values()),
            job_summaries: borrowed(self.summaries.values()),
            evals: borrowed(self.evals.values()),
            allocs: borrowed(self.allocs.values()),
            job_versions: borrowed(self.versions.values().flat_map(|v| v.values())),
            job_submissions: borrowed(self.submissions.values().flat_map(|s| s.values())),
            acl_tokens: borrowed(acl_tokens.iter()),
        }
    }

    /// A copy of what [`Store::snapshot`] reads (allocations shared), without the secondary
    /// indexes: at 100,000 allocations they are two copies of every allocation ID, which a
    /// copy taken to be saved has no use for.
    pub fn copy_to_save(&self) -> Store {
        Store {
            index: self.index,
            tables: self.tables.clone(),
            namespaces: self.namespaces.clone(),
            nodes: self.nodes.clone(),
            jobs: self.jobs.clone(),
            summaries: self.summaries.clone(),
            evals: self.evals.clone(),
            allocs: self.allocs.clone(),
            versions: self.versions.clone(),
            submissions: self.submissions.clone(),
            ..Store::default()
        }
    }

    /// The store a snapshot was taken of, its secondary indexes rebuilt.
    pub fn restore(snapshot: Snapshot<'_>) -> Store {
        let mut store = Store {
            index: snapshot.index,
            tables: snapshot.tables.into_owned(),
            namespaces: snapshot
                .namespaces
                .into_iter()
                .map(|n| {
                    let mut n = n.into_owned();
                    // Saved before the agent hashed namespaces: the hash Nomad gives them.
                    if n.hash.is_empty() {
                        n.set_hash();
                    }
                    (n.name.clone(), n)
                })
                .collect(),
            nodes: snapshot.nodes.into_iter().map(|n| (n.id.clone(), n.into_owned())).collect(),
            jobs: snapshot.jobs.into_iter().map(|j| ((j.namespace.clone(), j.id.clone()), j.into_owned())).collect(),
            summaries: snapshot
                .job_summaries
                .into_iter()
                .map(|s| ((s.namespace.clone(), s.job_id.clone()), s.into_owned()))
                .collect(),
            evals: snapshot.evals.into_iter().map(|e| (e.id.clone(), e.into_owned())).collect(),
            ..Store::default()
        };
        for alloc in snapshot.allocs {
            store.add_alloc(Arc::unwrap_or_clone(alloc.into_owned()));
        }
        crate::release_freed_memory();
        for job in snapshot.job_versions {
            store
                .versions
                .entry((job.namespace.clone(), job.id.clone()))
                .or_default()
                .insert(job.version, job.into_owned());
        }
        for submission in snapshot.job_submissions {
            store.keep_submission(submission.into_owned());
        }
        for (key, job) in &store.jobs {
            store.versions.entry(key.clone()).or_default().entry(job.version).or_insert_with(|| Arc::clone(job));
        }
        store
    }

    /// After an agent that was killed before it saved its last writes: they are lost, but
    /// indexes up to `highest` were served. The state goes on above it with every table
    /// changed, so a reader that saw a lost write reads afresh instead of waiting for it.
    pub fn recover_lost_writes(&mut self, highest: u64) {
        if highest > self.index {
            self.index = highest + 1;
            for table in Table::ALL {
                self.tables.insert(table, self.index);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobspec::{group, job, shell_task};
    use crate::state::scheduler;

    #[test]
    fn a_restored_store_answers_as_the_one_saved() {
        let mut store = Store::default();
        let node = crate::node::synthetic_node(1, "dc1", nomad_api::NomadVersion::LATEST, 1);
        let mut txn = store.begin();
        txn.upsert_namespace(Namespace { name: "default".into(), ..Namespace::default() });
        txn.upsert_node(node.clone());
        txn.commit();
        let mut txn = store.begin();
        let web =
            job("web", "default", "service", vec![group("web", 2, vec![shell_task("server", "sleep 1", 100, 64)])]);
        let placed = scheduler::register(&mut txn, web, std::slice::from_ref(&node));
        txn.commit();
        let mut txn = store.begin();
        scheduler::stop_alloc(&mut txn, &placed.alloc_ids[0]);
        txn.commit();
        let token = AclToken { accessor_id: "a".into(), secret_id: "s".into(), ..AclToken::default() };

        let text = serde_json::to_string(&store.snapshot(std::slice::from_ref(&token))).unwrap();
        let read: Snapshot = serde_json::from_str(&text).unwrap();
        assert_eq!(read.acl_tokens, [Cow::Owned::<AclToken>(token)]);
        let restored = Store::restore(read);

        assert_eq!(restored.index(), store.index());
        for table in [
            Table::Jobs,
            Table::JobSummary,
            Table::Allocs,
            Table::Nodes,
            Table::Evals,
            Table::Namespaces,
            Table::JobVersion,
        ] {
            assert_eq!(restored.table_index(table), store.table_index(table), "{table:?}");
        }
        assert_eq!(restored.job("default", "web"), store.job("default", "web"));
        assert_eq!(restored.summary("default", "web"), store.summary("default", "web"));
        assert_eq!(restored.node(&node.id), store.node(&node.id));
        let ids = |s: &Store| s.allocs_of_job("default", "web").map(|a| a.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&restored).len(), 3);
        assert_eq!(ids(&restored), ids(&store));
        assert_eq!(restored.allocs_of_node(&node.id).count(), 3);
        assert_eq!(restored.allocs().collect::<Vec<_>>(), store.allocs().collect::<Vec<_>>());
        assert_eq!(restored.evals_of_job("default", "web").count(), 2);
        let versions = |s: &Store| s.job_versions("default", "web").cloned().collect::<Vec<_>>();
        assert_eq!(versions(&restored), versions(&store));
        assert!(restored.namespace("default").is_some());

        // Writes after the save were lost: the index goes on above the highest one served.
        let mut recovered = Store::restore(serde_json::from_str(&text).unwrap());
        recovered.recover_lost_writes(store.index());
        assert_eq!(recovered.index(), store.index());
        recovered.recover_lost_writes(store.index() + 4);
        assert_eq!(recovered.index(), store.index() + 5);
        assert!(Table::ALL.iter().all(|t| recovered.table_index(*t) == store.index() + 5));
    }
}
