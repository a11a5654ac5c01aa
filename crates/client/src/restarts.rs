//! Nomad's restart tracker (`client/allocrunner/taskrunner/restarts`): decides, after a task
//! exits or fails to start, whether and when it runs again under its restart policy.

use nomad_api::duration::{format_go_duration, GoDuration};
use nomad_api::{job_type, restart_mode, RestartPolicy};
use std::time::{Duration, Instant};

/// Percent of jitter added to restart delays.
const JITTER: f64 = 0.25;

pub(crate) const REASON_NO_RESTARTS_ALLOWED: &str = "Policy allows no restarts";
pub(crate) const REASON_UNRECOVERABLE_ERROR: &str = "Error was unrecoverable";
pub(crate) const REASON_DELAY: &str = "Exceeded allowed attempts, applying a delay";

/// What the task runner does next.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Decision {
    /// Killed on purpose: emit Killed, do not restart.
    Killed,
    /// Run again after the delay; the reason goes into the Restarting event.
    Restart(Duration, String),
    /// Exceeded the policy (or cannot recover): fail the task.
    NotRestarting(String),
    /// Finished successfully and need not run again.
    Terminated,
}

pub(crate) fn is_batch(kind: &str) -> bool {
    kind == job_type::BATCH || kind == job_type::SYSBATCH
}

/// `structs.DefaultServiceJobRestartPolicy` / `DefaultBatchJobRestartPolicy`.
pub(crate) fn default_policy(kind: &str) -> RestartPolicy {
    let batch = is_batch(kind);
    RestartPolicy {
        attempts: if batch { 3 } else { 2 },
        interval: GoDuration::from_std(Duration::from_secs(if batch { 86_400 } else { 1_800 })),
        delay: GoDuration::from_std(Duration::from_secs(15)),
        mode: restart_mode::FAIL.to_string(),
        render_templates: false,
    }
}

pub(crate) struct RestartTracker {
    policy: RestartPolicy,
    on_success: bool,
    start_time: Instant,
    count: i64,
    // Per-exit inputs, cleared by every `state()`.
    exit_successful: Option<bool>,
    start_error_recoverable: Option<bool>,
    killed: bool,
    restart_triggered: bool,
    failure: bool,
}

impl RestartTracker {
    /// `on_success`: whether a successful exit is restarted too (services and sidecars).
    pub(crate) fn new(policy: RestartPolicy, on_success: bool) -> Self {
        RestartTracker {
            policy,
            on_success,
            start_time: Instant::now(),
            count: 0,
            exit_successful: None,
            start_error_recoverable: None,
            killed: false,
            restart_triggered: false,
            failure: false,
        }
    }

    pub(crate) fn set_start_error(&mut self, recoverable: bool) {
        self.start_error_recoverable = Some(recoverable);
        self.failure = true;
    }

    pub(crate) fn set_exit_result(&mut self, exit_code: i64, signal: i64) {
        self.exit_successful = Some(exit_code == 0 && signal == 0);
        self.failure = true;
    }

    /// A restart asked for by the user, which does not count against the policy.
    pub(crate) fn set_restart_triggered(&mut self) {
        self.restart_triggered = true;
    }

    pub(crate) fn set_killed(&mut self) {
        self.killed = true;
    }

    /// `RestartTracker.GetState`.
    pub(crate) fn state(&mut self) -> Decision {
        let decision = self.decide();
        self.exit_successful = None;
        self.start_error_recoverable = None;
        self.restart_triggered = false;
        self.failure = false;
        self.killed = false;
        decision
    }

    fn decide(&mut self) -> Decision {
        if self.killed {
            return Decision::Killed;
        }
        if self.restart_triggered {
            return Decision::Restart(Duration::ZERO, String::new());
        }
        let successful = self.exit_successful == Some(true);
        if self.policy.attempts == 0 {
            if !self.on_success && successful {
                return Decision::Terminated;
            }
            return Decision::NotRestarting(REASON_NO_RESTARTS_ALLOWED.into());
        }

        // A new interval resets the count.
        let now = Instant::now();
        if now > self.start_time + self.policy.interval.as_std() {
            self.count = 0;
            self.start_time = now;
        }
        self.count += 1;

        if !self.failure {
            return Decision::Restart(Duration::ZERO, String::new());
        }
        if self.start_error_recoverable == Some(false) {
            return Decision::NotRestarting(REASON_UNRECOVERABLE_ERROR.into());
        }
        if self.start_error_recoverable.is_none() && successful && !self.on_success {
            return Decision::Terminated;
        }

        if self.count > self.policy.attempts {
            if self.policy.mode == restart_mode::FAIL {
                return Decision::NotRestarting(format!(
                    "Exceeded allowed attempts {} in interval {} and mode is \"fail\"",
                    self.policy.attempts,
                    format_go_duration(self.policy.interval.0)
                ));
            }
            let until_next_interval = (self.start_time + self.policy.interval.as_std()).saturating_duration_since(now);
            return Decision::Restart(until_next_interval, REASON_DELAY.into());
        }
        Decision::Restart(self.jitter(), crate::events::REASON_WITHIN_POLICY.into())
    }

    /// The policy's delay plus up to 25% jitter.
    fn jitter(&self) -> Duration {
        let d = self.policy.delay.0.max(1);
        let j = fastrand::i64(0..d) as f64 * JITTER;
        Duration::from_nanos((d + j as i64) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(attempts: i64, mode: &str) -> RestartPolicy {
        RestartPolicy {
            attempts,
            interval: GoDuration::from_std(Duration::from_secs(600)),
            delay: GoDuration::from_std(Duration::from_millis(100)),
            mode: mode.into(),
            render_templates: false,
        }
    }

    #[test]
    fn fail_mode_gives_up_after_attempts() {
        let mut t = RestartTracker::new(policy(2, "fail"), true);
        for _ in 0..2 {
            t.set_exit_result(1, 0);
            match t.state() {
                Decision::Restart(d, reason) => {
                    assert!(d >= Duration::from_millis(100) && d <= Duration::from_millis(125));
                    assert_eq!(reason, "Restart within policy");
                }
                other => panic!("{other:?}"),
            }
        }
        t.set_exit_result(1, 0);
        assert_eq!(
            t.state(),
            Decision::NotRestarting("Exceeded allowed attempts 2 in interval 10m0s and mode is \"fail\"".into())
        );
    }

    #[test]
    fn delay_mode_waits_for_the_next_interval() {
        let mut t = RestartTracker::new(policy(0, "delay"), true);
        t.set_exit_result(0, 0);
        assert_eq!(t.state(), Decision::NotRestarting(REASON_NO_RESTARTS_ALLOWED.into()));
        let mut t = RestartTracker::new(policy(1, "delay"), true);
        t.set_exit_result(1, 0);
        assert!(matches!(t.state(), Decision::Restart(..)));
        t.set_exit_result(1, 0);
        match t.state() {
            Decision::Restart(d, reason) => {
                assert_eq!(reason, REASON_DELAY);
                assert!(d > Duration::from_secs(590));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn batch_success_terminates_and_service_success_restarts() {
        let mut t = RestartTracker::new(policy(2, "fail"), false);
        t.set_exit_result(0, 0);
        assert_eq!(t.state(), Decision::Terminated);
        let mut t = RestartTracker::new(policy(2, "fail"), true);
        t.set_exit_result(0, 0);
        assert!(matches!(t.state(), Decision::Restart(..)));
    }

    #[test]
    fn kill_and_user_restart_bypass_the_policy() {
        let mut t = RestartTracker::new(policy(0, "fail"), true);
        t.set_restart_triggered();
        assert_eq!(t.state(), Decision::Restart(Duration::ZERO, String::new()));
        t.set_killed();
        t.set_exit_result(1, 0);
        assert_eq!(t.state(), Decision::Killed);
        let mut t2 = RestartTracker::new(policy(2, "fail"), true);
        t2.set_start_error(false);
        assert_eq!(t2.state(), Decision::NotRestarting(REASON_UNRECOVERABLE_ERROR.into()));
    }
}
