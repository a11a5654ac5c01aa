//! Task event timelines: which events are failures, what each one says, and where it sits on
//! the time axis.

use crate::model::format::known_time;
use nomad_api::{task_event, task_state, TaskEvent, TaskState};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The task failed or will not run again.
    Failure,
    /// Something went wrong but the task carries on (a restart, a kill, a signal).
    Warning,
    Normal,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Failure => "failure",
            Severity::Warning => "warning",
            Severity::Normal => "normal",
        }
    }
}

pub fn severity(e: &TaskEvent) -> Severity {
    use task_event::*;
    let kind = e.kind.as_str();
    let failed_exit = kind == TERMINATED && (e.exit_code != 0 || e.signal != 0);
    if e.fails_task
        || matches!(
            kind,
            SETUP_FAILURE
                | DRIVER_FAILURE
                | FAILED_VALIDATION
                | ARTIFACT_DOWNLOAD_FAILED
                | NOT_RESTARTING
                | SIBLING_FAILED
        )
        || !e.driver_error.is_empty()
        || !e.setup_error.is_empty()
        || !e.validation_error.is_empty()
        || !e.download_error.is_empty()
        || !e.kill_error.is_empty()
    {
        Severity::Failure
    } else if failed_exit || matches!(kind, RESTARTING | KILLING | KILLED | SIGNALING | RESTART_SIGNAL | LEADER_DEAD) {
        Severity::Warning
    } else {
        Severity::Normal
    }
}

/// The event's own words: `DisplayMessage`, or for old servers the most telling field.
pub fn message(e: &TaskEvent) -> String {
    [
        &e.display_message,
        &e.message,
        &e.driver_error,
        &e.setup_error,
        &e.restart_reason,
        &e.kill_reason,
        &e.driver_message,
    ]
    .into_iter()
    .find(|s| !s.is_empty())
    .cloned()
    .unwrap_or_default()
}

/// The facts worth showing besides the message: exit code, signal, reasons, errors, and the
/// free-form `Details`, without repeating the message.
pub fn facts(e: &TaskEvent) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut add = |k: &str, v: String| {
        if !v.is_empty() && !out.iter().any(|(key, _)| key == k) {
            out.push((k.to_string(), v));
        }
    };
    if e.kind == task_event::TERMINATED || e.exit_code != 0 {
        add("exit code", e.exit_code.to_string());
    }
    if e.signal != 0 {
        add("signal", e.signal.to_string());
    }
    add("task signal", e.task_signal.clone());
    add("signal reason", e.task_signal_reason.clone());
    add("restart reason", e.restart_reason.clone());
    add("kill reason", e.kill_reason.clone());
    add("kill error", e.kill_error.clone());
    add("driver error", e.driver_error.clone());
    add("setup error", e.setup_error.clone());
    add("validation error", e.validation_error.clone());
    add("download error", e.download_error.clone());
    add("failed sibling", e.failed_sibling.clone());
    if e.start_delay.0 > 0 {
        add("restart delay", crate::model::format::duration(e.start_delay.0));
    }
    if e.kill_timeout.0 > 0 {
        add("kill timeout", crate::model::format::duration(e.kill_timeout.0));
    }
    let shown = message(e);
    for (k, v) in &e.details {
        let key = k.replace('_', " ");
        if *v != shown && !out.iter().any(|(existing, _)| *existing == key) {
            out.push((key, v.clone()));
        }
    }
    out
}

/// The most recent event (Nomad appends, but be robust to any order).
pub fn last_event(state: &TaskState) -> Option<&TaskEvent> {
    state.events.iter().max_by_key(|e| e.time)
}

/// Events newest first.
pub fn newest_first(state: &TaskState) -> Vec<&TaskEvent> {
    let mut events: Vec<&TaskEvent> = state.events.iter().collect();
    events.sort_by_key(|e| std::cmp::Reverse(e.time));
    events
}

/// Horizontal positions (0..=1) of events on an axis from the first event to `now_ms`. An event
/// without a time (0) sits at the start and does not stretch the axis back to 1970.
pub fn positions(events: &[&TaskEvent], now_ms: f64) -> Vec<f64> {
    let times: Vec<Option<f64>> = events.iter().map(|e| known_time(e.time.as_unix_millis())).collect();
    let start = times.iter().flatten().copied().fold(f64::INFINITY, f64::min);
    let end = times.iter().flatten().copied().fold(now_ms, f64::max);
    let span = end - start;
    times
        .iter()
        .map(|t| match t {
            Some(t) if span > 0.0 => ((t - start) / span).clamp(0.0, 1.0),
            Some(_) => 1.0,
            None => 0.0,
        })
        .collect()
}

/// What a task header says when the task has no `StartedAt` (Nomad writes it `null` until the
/// task starts): it has not started yet, or, once dead, it never did.
pub fn start_note(state: &TaskState) -> Option<&'static str> {
    match (state.started_at, state.state.as_str()) {
        (Some(_), _) => None,
        (None, task_state::DEAD) => Some("never started"),
        (None, _) => Some("not started yet"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nomad_api::NanoTime;

    fn event(kind: &str) -> TaskEvent {
        TaskEvent { kind: kind.into(), ..Default::default() }
    }

    #[test]
    fn classifies_failures() {
        assert_eq!(severity(&event("Started")), Severity::Normal);
        assert_eq!(severity(&event("Terminated")), Severity::Normal);
        assert_eq!(severity(&TaskEvent { exit_code: 2, ..event("Terminated") }), Severity::Warning);
        assert_eq!(severity(&event("Restarting")), Severity::Warning);
        assert_eq!(severity(&event("Not Restarting")), Severity::Failure);
        assert_eq!(severity(&TaskEvent { fails_task: true, ..event("Killed") }), Severity::Failure);
        assert_eq!(severity(&TaskEvent { driver_error: "boom".into(), ..event("Driver") }), Severity::Failure);
    }

    #[test]
    fn facts_name_exit_codes_signals_and_details() {
        let mut e = TaskEvent {
            exit_code: 137,
            signal: 9,
            display_message: "Exit Code: 137, Signal: 9".into(),
            ..event("Terminated")
        };
        e.details.insert("exit_code".into(), "137".into());
        e.details.insert("oom_killed".into(), "false".into());
        e.details.insert("message".into(), "Exit Code: 137, Signal: 9".into());
        let f = facts(&e);
        assert_eq!(
            f,
            [("exit code", "137"), ("signal", "9"), ("oom killed", "false")]
                .map(|(k, v)| (k.to_string(), v.to_string()))
        );
        assert_eq!(message(&e), "Exit Code: 137, Signal: 9");
        let old = TaskEvent { restart_reason: "Restart within policy".into(), ..event("Restarting") };
        assert_eq!(message(&old), "Restart within policy");
        assert!(facts(&event("Started")).is_empty());
    }

    #[test]
    fn orders_and_places_events() {
        let state = TaskState {
            events: vec![
                TaskEvent { time: NanoTime(1_000_000_000), ..event("Received") },
                TaskEvent { time: NanoTime(3_000_000_000), ..event("Started") },
                TaskEvent { time: NanoTime(2_000_000_000), ..event("Task Setup") },
            ],
            ..Default::default()
        };
        assert_eq!(last_event(&state).map(|e| e.kind.as_str()), Some("Started"));
        let events = newest_first(&state);
        assert_eq!(events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), ["Started", "Task Setup", "Received"]);
        assert_eq!(positions(&events, 5_000.0), [0.5, 0.25, 0.0]);
        assert_eq!(positions(&events[..1], 0.0), [1.0]);
    }

    #[test]
    fn an_event_without_a_time_does_not_stretch_the_axis_to_1970() {
        let timeless = event("Received");
        let started = TaskEvent { time: NanoTime(2_000_000_000), ..event("Started") };
        assert_eq!(positions(&[&started, &timeless], 4_000.0), [0.0, 0.0]);
        assert_eq!(positions(&[&timeless], 4_000.0), [0.0]);
    }

    /// Nomad writes `StartedAt: null` until the task starts (zero `time.Time`).
    #[test]
    fn a_task_without_a_start_says_so() {
        let pending = TaskState { state: task_state::PENDING.into(), ..Default::default() };
        assert_eq!(start_note(&pending), Some("not started yet"));
        let failed = TaskState { state: task_state::DEAD.into(), failed: true, ..Default::default() };
        assert_eq!(start_note(&failed), Some("never started"));
        let running = TaskState {
            state: task_state::RUNNING.into(),
            started_at: Some(nomad_api::DateTime(1)),
            ..Default::default()
        };
        assert_eq!(start_note(&running), None);
        let decoded: TaskState =
            serde_json::from_str(r#"{"State":"pending","StartedAt":"0001-01-01T00:00:00Z","Events":null}"#).unwrap();
        assert_eq!(start_note(&decoded), Some("not started yet"));
    }
}
