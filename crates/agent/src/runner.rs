//! The bridge between the server's state and the client, as a Nomad client's alloc watcher
//! and status updater: allocations placed on this node are handed to the client to run,
//! those the server stops are stopped, and what the client reports lands in the state.

use crate::state::is_terminal;
use crate::AppState;
use caravan_client::{AllocUpdate, ClientError};
use nomad_api::{client_status, desired_status, Allocation};
use std::collections::HashMap;
use tokio::sync::{mpsc, watch};

/// Applies the client's status updates, batching those that arrive together into one write
/// (Nomad's `Node.UpdateAlloc` batches them too), until the agent stops: what the client
/// reports while the agent goes away (its tasks being killed) is not the state a restarted
/// agent should find, as a Nomad agent going away leaves its allocations as they were.
pub async fn apply_client_updates(
    state: AppState,
    mut updates: mpsc::UnboundedReceiver<AllocUpdate>,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        let mut batch = Vec::new();
        let stopping = tokio::select! {
            first = updates.recv() => match first {
                Some(first) => { batch.push(first); false }
                None => return,
            },
            _ = stopped.wait_for(|s| *s) => true,
        };
        while let Ok(next) = updates.try_recv() {
            batch.push(next);
        }
        state.cluster.write(|txn| {
            for u in batch {
                txn.update_alloc_client(&u.alloc_id, |a| {
                    a.client_status = u.client_status;
                    a.client_description = u.client_description;
                    a.task_states = u.task_states;
                });
            }
        });
        if stopping {
            return;
        }
    }
}

/// Restores the allocations of this node that an earlier agent on the same data directory
/// ran, before anything is served or watched (as Nomad's client restores its state first).
pub async fn restore_local_allocs(state: &AppState) {
    let allocs: Vec<Allocation> = state.cluster.read().allocs_of_node(&state.node_id).cloned().collect();
    for alloc in allocs {
        let should_run = alloc.desired_status == desired_status::RUN && !is_terminal(&alloc);
        match state.client.restore(&alloc, should_run).await {
            Err(e) if should_run => refused(state, &alloc.id, e),
            Err(e) => tracing::warn!(alloc = %alloc.id, error = %e, "restoring a stopped allocation failed"),
            Ok(()) => {}
        }
    }
}

/// The client could not run an allocation: it failed.
fn refused(state: &AppState, alloc_id: &str, e: ClientError) {
    tracing::warn!(alloc = %alloc_id, error = %e, "client refused allocation");
    state.cluster.write(|txn| {
        txn.update_alloc_client(alloc_id, |a| {
            a.client_status = client_status::FAILED.to_string();
            a.client_description = e.to_string();
        })
    });
}

/// What the client should do for one allocation of this node.
enum Action {
    Run(Box<Allocation>),
    Stop(String),
    /// The server collected it (`Client.removeAlloc`).
    Remove(String),
}

/// Watches the allocations of this node: runs the new ones, stops those the server stops.
pub async fn run_local_allocs(state: AppState, mut stopped: watch::Receiver<bool>) {
    let mut changes = state.cluster.subscribe();
    // The AllocModifyIndex each allocation was last acted on at.
    let mut seen: HashMap<String, u64> = HashMap::new();
    loop {
        changes.borrow_and_update();
        let actions: Vec<Action> = {
            let store = state.cluster.read();
            let mut actions: Vec<Action> = Vec::new();
            // Those the server collected are destroyed on the client (`Client.removeAlloc`).
            seen.retain(|id, _| {
                let kept = store.alloc(id).is_some();
                if !kept {
                    actions.push(Action::Remove(id.clone()));
                }
                kept
            });
            actions.extend(store.allocs_of_node(&state.node_id).filter_map(|a| {
                let previous = seen.insert(a.id.clone(), a.alloc_modify_index);
                if previous == Some(a.alloc_modify_index) {
                    return None;
                }
                let first_time = previous.is_none();
                if a.desired_status == desired_status::RUN && !is_terminal(a) {
                    first_time.then(|| Action::Run(Box::new(a.clone())))
                } else {
                    (!first_time && a.desired_status != desired_status::RUN).then(|| Action::Stop(a.id.clone()))
                }
            }));
            actions
        };
        for action in actions {
            match action {
                Action::Run(alloc) => {
                    if let Err(e) = state.client.run(&alloc) {
                        refused(&state, &alloc.id, e);
                    }
                }
                Action::Remove(id) => {
                    let client = state.client.clone();
                    tokio::spawn(async move {
                        if let Err(e) = client.remove(&id).await {
                            tracing::debug!(alloc = %id, error = %e, "removing a collected allocation");
                        }
                    });
                }
                Action::Stop(id) => {
                    let client = state.client.clone();
                    tokio::spawn(async move {
                        if let Err(e) = client.stop(&id).await {
                            tracing::debug!(alloc = %id, error = %e, "stop");
                        }
                    });
                }
            }
        }
        tokio::select! {
            changed = changes.changed() => if changed.is_err() { return },
            _ = stopped.wait_for(|s| *s) => return,
        }
    }
}
