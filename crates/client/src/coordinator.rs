//! Task lifecycle ordering, as Nomad's task coordinator: prestart tasks first, main tasks
//! once the ephemeral prestart tasks succeeded and the prestart sidecars run, poststart
//! tasks once the main tasks have started, poststop tasks once the main ones are dead
//! (whether they ran or were killed).

use nomad_api::{task_state, Task, TaskState};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    Prestart,
    Main,
    Poststart,
    Poststop,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Lifecycle {
    pub(crate) stage: Stage,
    pub(crate) sidecar: bool,
}

impl Lifecycle {
    pub(crate) fn of(task: &Task) -> Lifecycle {
        let Some(l) = &task.lifecycle else { return Lifecycle { stage: Stage::Main, sidecar: false } };
        let stage = match l.hook.as_str() {
            "prestart" => Stage::Prestart,
            "poststart" => Stage::Poststart,
            "poststop" => Stage::Poststop,
            _ => Stage::Main,
        };
        Lifecycle { stage, sidecar: l.sidecar && stage != Stage::Main }
    }

    /// Whether a successful exit still restarts the task (`NewRestartTracker`): services
    /// and sidecars run on, batch jobs and ephemeral hooks finish.
    pub(crate) fn restarts_on_success(self, batch: bool) -> bool {
        match self.stage {
            Stage::Main => !batch,
            Stage::Prestart | Stage::Poststart => self.sidecar,
            Stage::Poststop => false,
        }
    }
}

/// Which tasks may start now, given every task's lifecycle and state.
pub(crate) fn may_start(tasks: &[(&str, Lifecycle)], states: &BTreeMap<String, TaskState>) -> Vec<bool> {
    let state = |name: &str| states.get(name);
    let dead = |name: &str| state(name).is_some_and(|s| s.state == task_state::DEAD);
    let all = |pred: &dyn Fn(&str, Lifecycle) -> bool, stage: &dyn Fn(Lifecycle) -> bool| {
        tasks.iter().filter(|(_, l)| stage(*l)).all(|(n, l)| pred(n, *l))
    };
    let prestart_done = all(
        &|n, l| {
            if l.sidecar {
                state(n).is_some_and(|s| s.state == task_state::RUNNING)
            } else {
                dead(n) && state(n).is_some_and(|s| !s.failed)
            }
        },
        &|l| l.stage == Stage::Prestart,
    );
    let main_started = all(&|n, _| state(n).is_some_and(|s| s.started_at.is_some()), &|l| l.stage == Stage::Main);
    let main_done = all(&|n, _| dead(n), &|l| l.stage == Stage::Main || (l.stage == Stage::Poststart && !l.sidecar));
    tasks
        .iter()
        .map(|(_, l)| match l.stage {
            Stage::Prestart => true,
            Stage::Main => prestart_done,
            Stage::Poststart => prestart_done && main_started,
            Stage::Poststop => main_done,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use nomad_api::{DateTime, TaskLifecycle};

    fn lifecycle(hook: &str, sidecar: bool) -> Lifecycle {
        let task = Task { lifecycle: Some(TaskLifecycle { hook: hook.into(), sidecar }), ..Task::default() };
        Lifecycle::of(&task)
    }

    fn st(state: &str, failed: bool, started: bool) -> TaskState {
        TaskState {
            state: state.into(),
            failed,
            started_at: started.then(|| DateTime::from_unix_nanos(1)),
            ..TaskState::default()
        }
    }

    #[test]
    fn stages_open_in_order() {
        let tasks = [
            ("init", lifecycle("prestart", false)),
            ("proxy", lifecycle("prestart", true)),
            ("web", lifecycle("", false)),
            ("after", lifecycle("poststart", false)),
            ("cleanup", lifecycle("poststop", false)),
        ];
        let states = |list: [(&str, TaskState); 5]| list.into_iter().map(|(n, s)| (n.to_string(), s)).collect();
        let pending = || st("pending", false, false);
        let at_start = states([
            ("init", pending()),
            ("proxy", pending()),
            ("web", pending()),
            ("after", pending()),
            ("cleanup", pending()),
        ]);
        assert_eq!(may_start(&tasks, &at_start), [true, true, false, false, false]);
        let init_done = states([
            ("init", st("dead", false, true)),
            ("proxy", st("running", false, true)),
            ("web", pending()),
            ("after", pending()),
            ("cleanup", pending()),
        ]);
        assert_eq!(may_start(&tasks, &init_done), [true, true, true, false, false]);
        let main_running = states([
            ("init", st("dead", false, true)),
            ("proxy", st("running", false, true)),
            ("web", st("running", false, true)),
            ("after", pending()),
            ("cleanup", pending()),
        ]);
        assert_eq!(may_start(&tasks, &main_running), [true, true, true, true, false]);
        let main_done = states([
            ("init", st("dead", false, true)),
            ("proxy", st("running", false, true)),
            ("web", st("dead", false, true)),
            ("after", st("dead", false, true)),
            ("cleanup", pending()),
        ]);
        assert_eq!(may_start(&tasks, &main_done), [true, true, true, true, true]);
        let init_failed = states([
            ("init", st("dead", true, true)),
            ("proxy", st("running", false, true)),
            ("web", pending()),
            ("after", pending()),
            ("cleanup", pending()),
        ]);
        assert_eq!(may_start(&tasks, &init_failed), [true, true, false, false, false]);
    }

    #[test]
    fn restarts_on_success_as_nomad() {
        assert!(lifecycle("", false).restarts_on_success(false));
        assert!(!lifecycle("", false).restarts_on_success(true));
        assert!(lifecycle("prestart", true).restarts_on_success(true));
        assert!(!lifecycle("prestart", false).restarts_on_success(false));
        assert!(!lifecycle("poststop", true).restarts_on_success(false));
    }
}
