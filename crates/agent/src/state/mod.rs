//! Cluster state shared by the HTTP handlers, the client and the scale simulator.

pub mod scheduler;
pub mod snapshot;
pub mod status;
pub mod store;

pub use snapshot::Snapshot;
pub use store::{is_terminal, JobKey, Store, Table, Txn};

use std::sync::{RwLock, RwLockReadGuard};
use tokio::sync::watch;

/// Called with each new index before any reader can see the write.
pub type CommitHook = Box<dyn Fn(u64) + Send + Sync>;

/// The state store behind a lock, with a watch that carries the latest index so blocking
/// queries wake on every write instead of polling.
pub struct Cluster {
    store: RwLock<Store>,
    changes: watch::Sender<u64>,
    on_commit: Option<CommitHook>,
}

impl Default for Cluster {
    fn default() -> Self {
        Cluster::new(Store::default(), None)
    }
}

impl Cluster {
    /// A cluster whose state starts as `store` (restored after a restart: its index goes on).
    pub fn new(store: Store, on_commit: Option<CommitHook>) -> Self {
        let index = store.index();
        Cluster { store: RwLock::new(store), changes: watch::Sender::new(index), on_commit }
    }

    /// A consistent view. Never held across an `.await`.
    pub fn read(&self) -> RwLockReadGuard<'_, Store> {
        // A panic while writing leaves the store as the last complete write left it.
        self.store.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Applies one write at a new index and wakes the blocked queries if it changed anything.
    pub fn write<R>(&self, change: impl FnOnce(&mut Txn) -> R) -> R {
        let mut store = self.store.write().unwrap_or_else(|e| e.into_inner());
        let mut txn = store.begin();
        let result = change(&mut txn);
        if txn.commit() {
            let index = store.index();
            if let Some(on_commit) = &self.on_commit {
                on_commit(index);
            }
            drop(store);
            self.changes.send_replace(index);
        }
        result
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }
}
