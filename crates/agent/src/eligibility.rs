//! A node's scheduling eligibility, as `Node.UpdateEligibility` (`nomad/node_endpoint.go`)
//! writes it: the node write itself (`UpdateNodeEligibility`, `nomad/state/state_store.go`),
//! then, for a node made eligible again, one evaluation per job the node may now run
//! (`createNodeEvals`), committed at the next index as Nomad's second Raft message is. This is
//! the one node write besides registration, and the reason a node shown in the dashboard
//! changes while it is shown. The request's checks and words are `nomad_api`'s
//! ([`nomad_api::eligibility_change`]); what differs by release, [`NomadVersion`]'s.

use crate::state::scheduler::{complete_eval, new_id};
use crate::state::status::is_client_terminal;
use crate::state::{Cluster, Txn};
use nomad_api::{
    desired_status, eval_status, eval_trigger, glob_match, job_type, scheduling_eligibility, DateTime, Evaluation, Job,
    Node, NodeEligibilityUpdateResponse, NodeEvent, NomadVersion, NODE_EVENT_SUBSYSTEM_CLUSTER,
};
use std::collections::BTreeSet;
use std::time::{SystemTime, UNIX_EPOCH};

/// `structs.NodePoolAll`: the pool every node is in.
const NODE_POOL_ALL: &str = "all";

/// Sets node `id`'s eligibility to `requested`, once the handler has checked the token and
/// the request as `Node.UpdateEligibility` does first. Errors are Nomad's uncoded texts (the
/// value, the node, its drain); `Ok` holds the answer.
pub fn update(
    cluster: &Cluster,
    version: NomadVersion,
    id: &str,
    requested: &str,
) -> Result<NodeEligibilityUpdateResponse, String> {
    // Looked up, checked and written under one lock, so no other write comes between.
    let written = cluster.write(|txn| -> Result<Option<(u64, bool)>, String> {
        let Some(node) = txn.store().node(id) else { return Err("node not found".to_string()) };
        let was_ineligible = node.scheduling_eligibility == scheduling_eligibility::INELIGIBLE;
        let Some(message) = nomad_api::eligibility_change(&node.scheduling_eligibility, requested, node.drain)? else {
            return Ok(None);
        };
        let event = NodeEvent {
            message: message.to_string(),
            subsystem: NODE_EVENT_SUBSYSTEM_CLUSTER.to_string(),
            timestamp: Some(DateTime(txn.now)),
            ..NodeEvent::default()
        };
        txn.update_node_eligibility(id, requested, unix_seconds(), event);
        Ok(Some((txn.index, was_ineligible && requested == scheduling_eligibility::ELIGIBLE)))
    })?;
    let Some((index, became_eligible)) = written else {
        // "Nothing to do": the reply is left as it was made, every field zero.
        return Ok(NodeEligibilityUpdateResponse::default());
    };
    let mut response = NodeEligibilityUpdateResponse { index, ..Default::default() };
    if became_eligible {
        let evals = cluster.write(|txn| {
            let node = txn.store().node(id).cloned();
            node.map(|node| (create_node_evals(txn, &node, index, version), txn.index))
        });
        if let Some((ids, eval_index)) = evals.filter(|(ids, _)| !ids.is_empty()) {
            response.eval_ids = Some(ids);
            response.eval_create_index = eval_index;
        }
    }
    Ok(response)
}

/// `args.UpdatedAt = time.Now().Unix()`.
fn unix_seconds() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// `createNodeEvals`: a `node-update` evaluation for the job of each allocation on the node
/// and for each system job that may run there, one per job, written here as the worker
/// leaves them (this agent schedules in the write that creates an evaluation: nothing new is
/// placed on a node whose allocations already run, so each completes with nothing queued).
/// Returns their IDs, allocations' jobs first.
fn create_node_evals(txn: &mut Txn, node: &Node, node_index: u64, version: NomadVersion) -> Vec<String> {
    let store = txn.store();
    let system_jobs: Vec<&Job> =
        store.jobs().filter(|job| job.kind == job_type::SYSTEM && runs_on(job, node, version)).collect();
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let mut evals = Vec::new();
    let make = |namespace: &str, job: &Job| Evaluation {
        id: new_id(),
        namespace: namespace.to_string(),
        priority: job.priority,
        kind: job.kind.clone(),
        triggered_by: eval_trigger::NODE_UPDATE.to_string(),
        job_id: job.id.clone(),
        node_id: node.id.clone(),
        node_modify_index: node_index,
        status: eval_status::PENDING.to_string(),
        ..Evaluation::default()
    };
    for alloc in store.allocs_of_node(&node.id) {
        let key = (alloc.namespace.clone(), alloc.job_id.clone());
        if seen.contains(&key) {
            continue;
        }
        if !version.node_evals_dedup_after_skip() {
            seen.insert(key.clone());
        }
        let Some(job) = alloc.job.as_deref() else { continue };
        let skip = if version.node_evals_skip_terminal() {
            match job.kind.as_str() {
                job_type::SERVICE => {
                    matches!(alloc.desired_status.as_str(), desired_status::STOP | desired_status::EVICT)
                        && is_client_terminal(alloc)
                }
                job_type::BATCH => is_client_terminal(alloc),
                _ => true,
            }
        } else {
            version.node_evals_skip_sysbatch() && job.kind == job_type::SYSBATCH
        };
        if skip {
            continue;
        }
        evals.push(make(&alloc.namespace, job));
        seen.insert(key);
    }
    for job in system_jobs {
        if seen.insert((job.namespace.clone(), job.id.clone())) {
            evals.push(make(&job.namespace, job));
        }
    }
    evals.into_iter().map(|eval| complete_eval(txn, eval, &[]).id).collect()
}

/// Whether a system job may run on `node`, as `createNodeEvals` narrows them: by datacenter,
/// from 1.6.0 by node pool, from 1.11.2 not stopped.
fn runs_on(job: &Job, node: &Node, version: NomadVersion) -> bool {
    let in_dc = job.datacenters.iter().any(|dc| match version.node_evals_datacenter_globs() {
        true => glob_match(dc, &node.datacenter),
        false => *dc == node.datacenter,
    });
    let in_pool = !version.node_evals_node_pool() || job.node_pool == NODE_POOL_ALL || job.node_pool == node.node_pool;
    let running = !version.node_evals_skip_terminal() || !job.stop;
    in_dc && in_pool && running
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobspec::{group, job, shell_task};
    use crate::state::scheduler;

    fn cluster_with_node() -> (Cluster, Node) {
        let cluster = Cluster::default();
        let node = crate::node::synthetic_node(1, "dc1", NomadVersion::LATEST, 1);
        cluster.write(|txn| txn.upsert_node(node.clone()));
        (cluster, node)
    }

    /// `Node.UpdateEligibility` and `UpdateNodeEligibility` (v1.11.3): the node event, the
    /// eligibility and the index; an unchanged eligibility writes nothing.
    #[test]
    fn marking_ineligible_writes_the_node_once() {
        let (cluster, node) = cluster_with_node();
        let before = cluster.read().index();
        let r = update(&cluster, NomadVersion::LATEST, &node.id, "ineligible").unwrap();
        assert_eq!(r, NodeEligibilityUpdateResponse { index: before + 1, ..Default::default() });
        let store = cluster.read();
        let n = store.node(&node.id).unwrap();
        assert_eq!((n.scheduling_eligibility.as_str(), n.modify_index), ("ineligible", before + 1));
        let last = n.events.last().unwrap();
        assert_eq!(
            (last.message.as_str(), last.subsystem.as_str(), last.create_index),
            ("Node marked as ineligible for scheduling", "Cluster", before + 1)
        );
        drop(store);
        assert_eq!(update(&cluster, NomadVersion::LATEST, &node.id, "ineligible").unwrap(), Default::default());
        assert_eq!(cluster.read().index(), before + 1);
        assert_eq!(update(&cluster, NomadVersion::LATEST, "nope", "eligible").unwrap_err(), "node not found");
    }

    /// `createNodeEvals` (v1.11.3): a node made eligible again evaluates the service job
    /// running on it, at the next index.
    #[test]
    fn marking_eligible_again_evaluates_the_node_jobs() {
        let (cluster, node) = cluster_with_node();
        let web = job("web", "default", "service", vec![group("web", 1, vec![shell_task("t", "sleep 1", 10, 8)])]);
        cluster.write(|txn| scheduler::register(txn, web, std::slice::from_ref(&node)));
        update(&cluster, NomadVersion::LATEST, &node.id, "ineligible").unwrap();
        let r = update(&cluster, NomadVersion::LATEST, &node.id, "eligible").unwrap();
        assert_eq!(r.eval_create_index, r.index + 1);
        let ids = r.eval_ids.unwrap();
        assert_eq!(ids.len(), 1);
        let store = cluster.read();
        let eval = store.eval(&ids[0]).unwrap();
        assert_eq!(
            (eval.triggered_by.as_str(), eval.job_id.as_str(), eval.node_id.as_str(), eval.node_modify_index),
            ("node-update", "web", node.id.as_str(), r.index)
        );
    }

    /// Before 1.11.2 every allocation's job is evaluated, a stopped one included; from 1.11.2
    /// a service allocation stopped and finished is not.
    #[test]
    fn terminal_allocations_count_by_release() {
        for (version, expected) in [(NomadVersion::new(1, 11, 1), 1), (NomadVersion::LATEST, 0)] {
            let (cluster, node) = cluster_with_node();
            let web = job("web", "default", "service", vec![group("web", 1, vec![shell_task("t", "sleep 1", 10, 8)])]);
            let placed = cluster.write(|txn| scheduler::register(txn, web, std::slice::from_ref(&node)));
            cluster.write(|txn| {
                let mut alloc = txn.store().alloc(&placed.alloc_ids[0]).unwrap().clone();
                alloc.desired_status = "stop".into();
                alloc.client_status = "complete".into();
                txn.insert_alloc(alloc);
            });
            update(&cluster, version, &node.id, "ineligible").unwrap();
            let r = update(&cluster, version, &node.id, "eligible").unwrap();
            assert_eq!(r.eval_ids.map_or(0, |ids| ids.len()), expected, "{version}");
        }
    }
}
