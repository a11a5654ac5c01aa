//! The bridge between the server's state and the client, as a Nomad client's alloc watcher
//! and status updater: allocations placed on this node are handed to the client to run,
//! those the server stops are stopped, and what the client reports lands in the state.

use crate::state::is_terminal;
use crate::AppState;
use caravan_client::AllocUpdate;
use nomad_api::{client_status, desired_status, Allocation};
use std::collections::HashMap;
use tokio::sync::{mpsc, watch};

/// Applies the client's status updates, batching those that arrive together into one write
/// (Nomad's `Node.UpdateAlloc` batches them too).
pub async fn apply_client_updates(state: AppState, mut updates: mpsc::UnboundedReceiver<AllocUpdate>) {
    while let Some(first) = updates.recv().await {
        let mut batch = vec![first];
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
    }
}

/// What the client should do for one allocation of this node.
enum Action {
    Run(Box<Allocation>),
    Stop(String),
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
            store
                .allocs_of_node(&state.node_id)
                .filter_map(|a| {
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
                })
                .collect()
        };
        for action in actions {
            match action {
                Action::Run(alloc) => {
                    if let Err(e) = state.client.run(&alloc) {
                        tracing::warn!(alloc = %alloc.id, error = %e, "client refused allocation");
                        state.cluster.write(|txn| {
                            txn.update_alloc_client(&alloc.id, |a| {
                                a.client_status = client_status::FAILED.to_string();
                                a.client_description = e.to_string();
                            })
                        });
                    }
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
