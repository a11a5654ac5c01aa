//! Task events as Nomad's `structs.NewTaskEvent(...).Set...()` builds them, and the
//! `DisplayMessage` that `TaskEvent.PopulateEventDisplayMessage` derives from them.

use nomad_api::duration::{format_go_duration, GoDuration};
use nomad_api::task_event as kind;
use nomad_api::{NanoTime, TaskEvent};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `restarts.ReasonWithinPolicy`: not repeated in the Restarting display message.
pub(crate) const REASON_WITHIN_POLICY: &str = "Restart within policy";

pub(crate) fn now_nanos() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as i64).unwrap_or(0)
}

fn new(kind: &str) -> TaskEvent {
    TaskEvent { kind: kind.to_string(), time: NanoTime(now_nanos()), ..TaskEvent::default() }
}

/// The setters of Nomad's `TaskEvent` fill a field and its `Details` entry together.
trait Set {
    fn detail(self, key: &str, value: String) -> Self;
}

impl Set for TaskEvent {
    fn detail(mut self, key: &str, value: String) -> Self {
        self.details.insert(key.to_string(), value);
        self
    }
}

pub(crate) fn received() -> TaskEvent {
    new(kind::RECEIVED)
}

pub(crate) fn building_task_dir() -> TaskEvent {
    let mut e = new(kind::TASK_SETUP);
    e.message = kind::BUILDING_TASK_DIR.to_string();
    e.detail("message", kind::BUILDING_TASK_DIR.to_string())
}

pub(crate) fn setup_failure(error: &str) -> TaskEvent {
    let mut e = new(kind::SETUP_FAILURE);
    e.setup_error = error.to_string();
    e.detail("setup_error", error.to_string())
}

pub(crate) fn started() -> TaskEvent {
    new(kind::STARTED)
}

pub(crate) fn driver_failure(error: &str) -> TaskEvent {
    let mut e = new(kind::DRIVER_FAILURE);
    e.driver_error = error.to_string();
    e.detail("driver_error", error.to_string())
}

pub(crate) fn terminated(exit_code: i64, signal: i64, message: Option<&str>) -> TaskEvent {
    let mut e = new(kind::TERMINATED);
    e.exit_code = exit_code;
    e.signal = signal;
    let mut e = e
        .detail("exit_code", exit_code.to_string())
        .detail("signal", signal.to_string())
        .detail("oom_killed", "false".to_string());
    if let Some(m) = message {
        e.message = m.to_string();
        e = e.detail("exit_message", m.to_string());
    }
    e
}

pub(crate) fn restarting(delay: Duration, reason: &str) -> TaskEvent {
    let mut e = new(kind::RESTARTING);
    e.start_delay = GoDuration::from_std(delay);
    e.restart_reason = reason.to_string();
    let delay = e.start_delay.0.to_string();
    e.detail("start_delay", delay).detail("restart_reason", reason.to_string())
}

pub(crate) fn not_restarting(reason: &str) -> TaskEvent {
    let mut e = new(kind::NOT_RESTARTING);
    e.restart_reason = reason.to_string();
    e.fails_task = true;
    e.detail("restart_reason", reason.to_string()).detail("fails_task", "true".to_string())
}

pub(crate) fn killing(kill_timeout: Duration) -> TaskEvent {
    let mut e = new(kind::KILLING);
    e.kill_timeout = GoDuration::from_std(kill_timeout);
    let text = format_go_duration(e.kill_timeout.0);
    e.detail("kill_timeout", text)
}

pub(crate) fn killed() -> TaskEvent {
    new(kind::KILLED)
}

pub(crate) fn signaling(signal: &str) -> TaskEvent {
    new(kind::SIGNALING).detail("signal", signal.to_string())
}

pub(crate) fn restart_signaled(reason: &str) -> TaskEvent {
    let mut e = new(kind::RESTART_SIGNAL);
    e.restart_reason = reason.to_string();
    e.detail("restart_reason", reason.to_string())
}

pub(crate) fn sibling_failed(sibling: &str) -> TaskEvent {
    let mut e = new(kind::SIBLING_FAILED);
    e.failed_sibling = sibling.to_string();
    e.detail("failed_sibling", sibling.to_string())
}

pub(crate) fn leader_dead() -> TaskEvent {
    new(kind::LEADER_DEAD)
}

pub(crate) fn main_dead() -> TaskEvent {
    new(kind::MAIN_DEAD)
}

/// A task found running after the agent restarted, whose process cannot be reattached to.
pub(crate) fn restore_failed() -> TaskEvent {
    let mut e = new(kind::RESTORE_FAILED);
    e.display_message = "failed to restore task; will not run until server is contacted".into();
    e
}

/// `TaskEvent.PopulateEventDisplayMessage`.
pub(crate) fn populate_display_message(e: &mut TaskEvent) {
    if !e.display_message.is_empty() {
        return;
    }
    e.display_message = match e.kind.as_str() {
        kind::TASK_SETUP => e.message.clone(),
        kind::STARTED => "Task started by client".into(),
        kind::RECEIVED => "Task received by client".into(),
        kind::FAILED_VALIDATION => or(&e.validation_error, "Validation of task failed"),
        kind::SETUP_FAILURE => or(&e.setup_error, "Task setup failed"),
        kind::DRIVER_FAILURE => or(&e.driver_error, "Failed to start task"),
        kind::DOWNLOADING_ARTIFACTS => "Client is downloading artifacts".into(),
        kind::ARTIFACT_DOWNLOAD_FAILED => or(&e.download_error, "Failed to download artifacts"),
        kind::KILLING if !e.kill_reason.is_empty() => e.kill_reason.clone(),
        kind::KILLING if e.kill_timeout.0 != 0 => {
            format!("Sent interrupt. Waiting {} before force killing", format_go_duration(e.kill_timeout.0))
        }
        kind::KILLING => "Sent interrupt".into(),
        kind::KILLED => or(&e.kill_error, "Task successfully killed"),
        kind::TERMINATED => {
            let mut parts = vec![format!("Exit Code: {}", e.exit_code)];
            if e.signal != 0 {
                parts.push(format!("Signal: {}", e.signal));
            }
            if !e.message.is_empty() {
                parts.push(format!("Exit Message: {:?}", e.message));
            }
            parts.join(", ")
        }
        kind::RESTARTING => {
            let delay = format!("Task restarting in {}", format_go_duration(e.start_delay.0));
            if !e.restart_reason.is_empty() && e.restart_reason != REASON_WITHIN_POLICY {
                format!("{} - {delay}", e.restart_reason)
            } else {
                delay
            }
        }
        kind::NOT_RESTARTING => or(&e.restart_reason, "Task exceeded restart policy"),
        kind::SIBLING_FAILED if !e.failed_sibling.is_empty() => {
            format!("Task's sibling {:?} failed", e.failed_sibling)
        }
        kind::SIBLING_FAILED => "Task's sibling failed".into(),
        kind::SIGNALING => match (e.task_signal.as_str(), e.task_signal_reason.as_str()) {
            ("", "") => "Task being sent a signal".into(),
            ("", reason) => reason.into(),
            (sig, "") => format!("Task being sent signal {sig}"),
            (sig, reason) => format!("Task being sent signal {sig}: {reason}"),
        },
        kind::RESTART_SIGNAL => or(&e.restart_reason, "Task signaled to restart"),
        kind::DRIVER_MESSAGE => e.driver_message.clone(),
        kind::LEADER_DEAD => "Leader Task in Group dead".into(),
        kind::MAIN_DEAD => "Main tasks in the group died".into(),
        _ => e.message.clone(),
    };
}

fn or(value: &str, fallback: &str) -> String {
    if value.is_empty() { fallback } else { value }.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(mut e: TaskEvent) -> String {
        populate_display_message(&mut e);
        e.display_message
    }

    #[test]
    fn display_messages_match_nomad() {
        assert_eq!(shown(received()), "Task received by client");
        assert_eq!(shown(building_task_dir()), "Building Task Directory");
        assert_eq!(shown(terminated(137, 9, None)), "Exit Code: 137, Signal: 9");
        assert_eq!(shown(restarting(Duration::from_millis(1500), REASON_WITHIN_POLICY)), "Task restarting in 1.5s");
        assert_eq!(
            shown(restarting(Duration::from_secs(60), "Exceeded allowed attempts, applying a delay")),
            "Exceeded allowed attempts, applying a delay - Task restarting in 1m0s"
        );
        assert_eq!(shown(killing(Duration::from_secs(5))), "Sent interrupt. Waiting 5s before force killing");
        assert_eq!(shown(killed()), "Task successfully killed");
        assert_eq!(shown(sibling_failed("web")), "Task's sibling \"web\" failed");
        assert_eq!(shown(restart_signaled("User requested task to restart")), "User requested task to restart");
        assert_eq!(shown(driver_failure("boom")), "boom");
        assert_eq!(shown(not_restarting("Error was unrecoverable")), "Error was unrecoverable");
        assert_eq!(shown(restore_failed()), "failed to restore task; will not run until server is contacted");
    }
}
