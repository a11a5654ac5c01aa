//! Errors of the client, worded exactly as Nomad's client words them.

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// `structs.NewErrUnknownAllocation`.
    #[error("Unknown allocation {0:?}")]
    UnknownAllocation(String),
    /// Signal to a task the allocation does not have (`allocRunner.Signal`).
    #[error("Task not found")]
    TaskNotFound(String),
    /// Restart of a task the allocation does not have (`allocRunner.RestartTask`).
    #[error("Could not find task runner for task: {0}")]
    TaskRunnerNotFound(String),
    /// consul-template's `signals.Parse`, which Nomad uses to validate signal names.
    #[error("invalid signal {0:?} - valid signals are {list}", list = crate::signals::valid_signals_text())]
    InvalidSignal(String),
    /// `taskrunner.ErrTaskNotRunning`.
    #[error("Task not running")]
    TaskNotRunning,
    /// `/v1/client/allocation/:id/gc` of an allocation whose tasks still run.
    #[error("No such allocation on client, or allocation not eligible for GC")]
    NotEligibleForGc,
    /// `allocRunner.restartTasks` on an allocation that has stopped.
    #[error("restart of an alloc that should not run")]
    AllocShouldNotRun,
    /// The allocation handed to `run` cannot be run (no job, no such task group, ...).
    #[error("{0}")]
    InvalidAllocation(String),
    /// The driver could not do what was asked (signal delivery, ...).
    #[error("{0}")]
    Driver(String),
    /// Several tasks failed the same request (Nomad's go-multierror list).
    #[error("{}", nomad_api::multierror::format(.0))]
    Multiple(Vec<String>),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl ClientError {
    /// The request named something that does not fit the allocation: HTTP 400.
    pub fn is_bad_request(&self) -> bool {
        matches!(
            self,
            ClientError::TaskNotFound(_)
                | ClientError::TaskRunnerNotFound(_)
                | ClientError::InvalidSignal(_)
                | ClientError::InvalidAllocation(_)
        )
    }

    /// The allocation is not on this client: HTTP 404.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ClientError::UnknownAllocation(_))
    }
}
