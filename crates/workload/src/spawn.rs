//! Forks every workload process from one thread that lives as long as the agent. Each gets a
//! parent-death signal (see `Unit::prepare`) so that it dies with the agent; the kernel ties
//! that signal to the *thread* that forked, and Tokio's threads come and go.

use std::io;
use std::sync::mpsc::{channel, Sender};
use std::sync::{Mutex, OnceLock};
use tokio::runtime::Handle;
use tokio::sync::oneshot;

type Job = Box<dyn FnOnce() + Send>;

fn spawner() -> io::Result<&'static Mutex<Sender<Job>>> {
    static SPAWNER: OnceLock<Option<Mutex<Sender<Job>>>> = OnceLock::new();
    let sender = SPAWNER.get_or_init(|| {
        let (tx, rx) = channel::<Job>();
        let thread = std::thread::Builder::new().name("caravan-spawner".into()).spawn(move || {
            for job in rx {
                job();
            }
        });
        thread.ok().map(|_| Mutex::new(tx))
    });
    sender.as_ref().ok_or_else(|| io::Error::other("cannot start the spawner thread"))
}

/// Runs `spawn` (which forks the process: `Command::spawn`, or a PTY command's) on the
/// spawner thread, within the caller's Tokio runtime (a child registers with it).
pub async fn spawn<T: Send + 'static>(spawn: impl FnOnce() -> T + Send + 'static) -> io::Result<T> {
    let runtime = Handle::current();
    let (tx, rx) = oneshot::channel();
    let job: Job = Box::new(move || {
        let _runtime = runtime.enter();
        let _ = tx.send(spawn());
    });
    let gone = || io::Error::other("the spawner thread is gone");
    spawner()?.lock().unwrap_or_else(|p| p.into_inner()).send(job).map_err(|_| gone())?;
    rx.await.map_err(|_| gone())
}
