//! What a workload process of Caravan's local agent (a task, or a command of an exec session)
//! runs as and what contains it: shared by the client, which runs tasks, and `alloc-exec`,
//! which runs exec sessions, so both drop privileges and end their processes the same way.
//!
//! - [`users`]: the task's `User`, or a dynamic workload user of the allocation when the
//!   agent is root (tasks must not read the agent's state, its ACL secrets, or another
//!   allocation's files).
//! - [`unit`]: a cgroup v2 per task and per exec session, or a session of its own, killed as a
//!   whole when the session, the task or the agent ends.
//! - [`spawn`]: forks on one long-lived thread, so that the parent-death signal holds.

mod spawn;
pub mod unit;
pub mod users;

pub use spawn::spawn;
pub use unit::{Containment, Unit};
pub use users::Credentials;

use std::sync::Arc;

/// Where an exec session's command runs, and as whom: inside its task's unit, as its task's
/// user.
#[derive(Debug, Clone)]
pub struct Workload {
    pub unit: Arc<Unit>,
    /// `None`: as the agent's user.
    pub user: Option<Credentials>,
}

impl PartialEq for Workload {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.unit, &other.unit) && self.user == other.user
    }
}

impl Eq for Workload {}
