//! The threads that do the fs endpoints' file work (open, stat, read, getdents).
//!
//! On tokio's blocking pool every slow file call held a thread of up to 512, and the
//! runtime waits for all of them before the process can exit: requests that never finished
//! (a FIFO opened for reading, issue 16) wedged the endpoints of every allocation and kept
//! SIGTERM from stopping the agent. Nothing here opens a file that can block any more
//! (`resolve` opens with `O_PATH`), but a disk can still be slow, so the work runs on a
//! few threads of its own, detached (a stuck one never holds up the exit), and each
//! allocation directory may have only [`PER_ALLOCATION`] jobs queued or running at once:
//! one allocation's requests wait for each other, never for another allocation's.

use crate::error::FsError;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex, OnceLock, PoisonError, Weak};
use tokio::sync::{oneshot, OwnedSemaphorePermit, Semaphore};

/// Threads doing file work.
pub const WORKERS: usize = 8;
/// Jobs of one allocation directory queued or running at once: half the threads, so the
/// other half always serves other allocations.
pub const PER_ALLOCATION: usize = WORKERS / 2;

type Job = Box<dyn FnOnce() + Send>;

struct Pool {
    /// `None` when no thread could be started.
    jobs: Option<mpsc::Sender<Job>>,
    limits: Mutex<HashMap<PathBuf, Weak<Semaphore>>>,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let (send, receive) = mpsc::channel::<Job>();
        let receive = Arc::new(Mutex::new(receive));
        let mut started = 0;
        for i in 0..WORKERS {
            let receive = Arc::clone(&receive);
            let spawned = std::thread::Builder::new().name(format!("alloc-fs-{i}")).spawn(move || loop {
                // The lock is held only while waiting for the next job, never while running it.
                let next = receive.lock().unwrap_or_else(PoisonError::into_inner).recv();
                let Ok(job) = next else { return };
                // A job's panic must not take a thread away: its caller sees its answer dropped.
                let _ = catch_unwind(AssertUnwindSafe(job));
            });
            if spawned.is_ok() {
                started += 1;
            }
        }
        Pool { jobs: (started > 0).then_some(send), limits: Mutex::new(HashMap::new()) }
    })
}

/// The share of the pool of one allocation directory; every request on that directory
/// runs its file work through one.
#[derive(Clone)]
pub(crate) struct Limit(Arc<Semaphore>);

impl Limit {
    pub fn of(alloc_dir: &Path) -> Limit {
        let mut limits = pool().limits.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(existing) = limits.get(alloc_dir).and_then(Weak::upgrade) {
            return Limit(existing);
        }
        // Forget the directories nobody reads any more before adding one.
        limits.retain(|_, limit| limit.strong_count() > 0);
        let limit = Arc::new(Semaphore::new(PER_ALLOCATION));
        limits.insert(alloc_dir.to_path_buf(), Arc::downgrade(&limit));
        Limit(limit)
    }

    /// Runs `work` on the pool once this allocation has a free share, and returns its answer.
    /// The share is held until `work` returns, even if the caller stops waiting.
    pub async fn run<T, F>(&self, work: F) -> Result<T, FsError>
    where
        T: Send + 'static,
        F: FnOnce() -> Result<T, FsError> + Send + 'static,
    {
        let permit: OwnedSemaphorePermit =
            Arc::clone(&self.0).acquire_owned().await.map_err(|_| FsError::Unavailable)?;
        let jobs = pool().jobs.as_ref().ok_or(FsError::Unavailable)?;
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = answer.send(work());
            drop(permit);
        });
        jobs.send(job).map_err(|_| FsError::Unavailable)?;
        answered.await.map_err(|_| FsError::Unavailable)?
    }
}
