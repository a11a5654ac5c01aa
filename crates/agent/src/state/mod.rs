//! Cluster state shared by the HTTP handlers, the client and the scale simulator.

pub mod gc;
pub mod journal;
pub mod scheduler;
pub mod snapshot;
pub mod status;
pub mod store;

pub use snapshot::Snapshot;
pub use status::is_terminal;
pub use store::{Changes, JobKey, Store, Table, Txn};

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock, RwLock, RwLockReadGuard};
use tokio::sync::watch;

/// Where committed writes are kept (persist.rs): the write-ahead log of an agent with a data
/// directory.
pub trait Journal: Send + Sync {
    /// Called with each write as it commits, under the write lock, before any reader can see it:
    /// when it returns the write is in the log (in the page cache at least).
    fn committed(&self, store: &Store, changes: &Changes);
    /// Resolves once every write up to `index` is on disk, or with why it cannot be.
    fn synced(&self, index: u64) -> Pin<Box<dyn Future<Output = std::io::Result<()>> + Send>>;
}

/// Where committed writes are announced (`crate::events`: the event stream's buffer).
pub trait Publisher: Send + Sync {
    /// Called with each write as it commits, under the write lock, before any reader can see
    /// it; `purged` holds the jobs it deleted, as they were.
    fn committed(&self, store: &Store, changes: &Changes, purged: Vec<nomad_api::Job>);
}

/// The state store behind a lock, with a watch that carries the latest index so blocking
/// queries wake on every write instead of polling.
pub struct Cluster {
    store: RwLock<Store>,
    changes: watch::Sender<u64>,
    journal: OnceLock<Arc<dyn Journal>>,
    publisher: OnceLock<Arc<dyn Publisher>>,
}

impl Default for Cluster {
    fn default() -> Self {
        Cluster::new(Store::default(), None)
    }
}

impl Cluster {
    /// A cluster whose state starts as `store` (restored after a restart: its index goes on),
    /// its writes kept in `journal`.
    pub fn new(store: Store, journal: Option<Arc<dyn Journal>>) -> Self {
        let index = store.index();
        let cluster = Cluster {
            store: RwLock::new(store),
            changes: watch::Sender::new(index),
            journal: OnceLock::new(),
            publisher: OnceLock::new(),
        };
        if let Some(journal) = journal {
            cluster.keep_in(journal);
        }
        cluster
    }

    /// Keeps every write from now on in `journal` (once; a second journal is ignored). Called
    /// with a read guard held, nothing commits meanwhile.
    pub fn keep_in(&self, journal: Arc<dyn Journal>) {
        let _ = self.journal.set(journal);
    }

    /// Announces every write from now on to `publisher` (once; a second is ignored).
    pub fn publish_to(&self, publisher: Arc<dyn Publisher>) {
        let _ = self.publisher.set(publisher);
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
        let purged = txn.take_purged();
        if let Some(changes) = txn.commit_changes() {
            let index = store.index();
            if let Some(journal) = self.journal.get() {
                journal.committed(&store, &changes);
            }
            if let Some(publisher) = self.publisher.get() {
                publisher.committed(&store, &changes, purged);
            }
            drop(store);
            self.changes.send_replace(index);
        }
        result
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// Resolves once every write committed so far is on disk (at once without a journal), as
    /// Nomad answers a write once Raft has committed it.
    pub fn synced(&self) -> impl Future<Output = std::io::Result<()>> + Send + 'static {
        let index = *self.changes.borrow();
        let wait = self.journal.get().map(|journal| journal.synced(index));
        async move {
            match wait {
                Some(wait) => wait.await,
                None => Ok(()),
            }
        }
    }
}
