//! Forks every task process from one thread that lives as long as the agent. Each task
//! gets a parent-death signal, so it dies with the agent (which cannot reattach to it after a
//! restart); the kernel ties that signal to the thread that forked, and Tokio's threads come
//! and go.

use std::io;
use std::sync::mpsc::{channel, Sender};
use std::sync::{Mutex, OnceLock};
use tokio::process::{Child, Command};
use tokio::runtime::Handle;
use tokio::sync::oneshot;

type Job = Box<dyn FnOnce() + Send>;

fn spawner() -> io::Result<&'static Mutex<Sender<Job>>> {
    static SPAWNER: OnceLock<Option<Mutex<Sender<Job>>>> = OnceLock::new();
    let sender = SPAWNER.get_or_init(|| {
        let (tx, rx) = channel::<Job>();
        let thread = std::thread::Builder::new().name("caravan-task-spawner".into()).spawn(move || {
            for job in rx {
                job();
            }
        });
        thread.ok().map(|_| Mutex::new(tx))
    });
    sender.as_ref().ok_or_else(|| io::Error::other("cannot start the task spawner thread"))
}

/// Spawns `cmd` (which should set its parent-death signal) on the spawner thread, within
/// the caller's runtime.
pub(crate) async fn spawn(mut cmd: Command) -> io::Result<Child> {
    let runtime = Handle::current();
    let (tx, rx) = oneshot::channel();
    let job: Job = Box::new(move || {
        let _runtime = runtime.enter();
        let _ = tx.send(cmd.spawn());
    });
    let gone = || io::Error::other("the task spawner thread is gone");
    crate::task_runner::lock(spawner()?).send(job).map_err(|_| gone())?;
    rx.await.map_err(|_| gone())?
}
