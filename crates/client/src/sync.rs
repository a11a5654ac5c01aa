//! Synchronization shared by the client's modules: the one place the crate locks a mutex,
//! and the channel through which a task runner tells its allocation that its state changed.
//! Both live here, below the runners, so that `task_runner` needs nothing from
//! `alloc_runner` (which owns the task runners): the modules form no cycle.

use std::sync::{Mutex, MutexGuard};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

/// Locks, carrying on with the data if another thread panicked while holding it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A task runner's side: "my task state changed" (Nomad's taskrunner calls its
/// `StateUpdater`, the allocrunner, for the same reason).
#[derive(Clone)]
pub(crate) struct StateChanged(UnboundedSender<()>);

impl StateChanged {
    pub(crate) fn notify(&self) {
        // Closed only once the allocation is gone: nobody is left to tell.
        let _ = self.0.send(());
    }
}

/// The allocation's side: resolves when a task's state changed, `false` once every task
/// runner is gone. Changes that arrive together are taken as one: the allocation reads all
/// task states afresh anyway.
pub(crate) struct StateChanges(UnboundedReceiver<()>);

impl StateChanges {
    pub(crate) async fn changed(&mut self) -> bool {
        if self.0.recv().await.is_none() {
            return false;
        }
        while self.0.try_recv().is_ok() {}
        true
    }
}

pub(crate) fn state_changes() -> (StateChanged, StateChanges) {
    let (tx, rx) = unbounded_channel();
    (StateChanged(tx), StateChanges(rx))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn changes_coalesce_and_end_with_the_senders() {
        let (tx, mut rx) = state_changes();
        tx.notify();
        tx.clone().notify();
        assert!(rx.changed().await);
        tx.notify();
        drop(tx);
        // The change sent before the last sender went is still delivered.
        assert!(rx.changed().await);
        assert!(!rx.changed().await);
    }
}
