//! The exec console's command: typed as a shell line, sent as a list of words, remembered per
//! job, and `/bin/sh` when the default `/bin/bash` turns out to be missing from the task.

/// The default command, as in Nomad's UI.
pub const BASH: &str = "/bin/bash";
/// What runs instead where the task has no bash.
pub const SH: &str = "/bin/sh";

/// Splits a line into words as a POSIX shell would: quotes and backslashes group them.
pub fn split(line: &str) -> Result<Vec<String>, String> {
    let words = shell_words::split(line).map_err(|_| "The command has an unclosed quote".to_string())?;
    if words.is_empty() {
        return Err("Enter a command to run".into());
    }
    Ok(words)
}

/// The line that splits back into `words`.
pub fn join(words: &[String]) -> String {
    shell_words::join(words)
}

/// The `localStorage` key of the last command run in a job's tasks (namespace names cannot
/// contain `/`, so the key is unambiguous).
pub fn storage_key(namespace: &str, job: &str) -> String {
    format!("caravan.exec.command.{namespace}/{job}")
}

/// How a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    Exited(i32),
    /// The connection closed first, with the close frame's reason; `opened`: after the upgrade.
    Closed {
        code: u16,
        reason: String,
        opened: bool,
    },
}

/// `/bin/sh` when a session of `/bin/bash` ended, before anything was typed, because there is no
/// bash: the agent could not start it (`failed to start command: ... no such file or directory`)
/// or, where a container runtime runs exec, it exited 126/127 (cannot execute, not found).
pub fn shell_fallback(command: &[String], typed: bool, ending: &Ending) -> Option<Vec<String>> {
    if typed || command != [BASH] {
        return None;
    }
    let missing = match ending {
        Ending::Exited(code) => matches!(code, 126 | 127),
        Ending::Closed { reason, .. } => {
            let reason = reason.to_ascii_lowercase();
            ["failed to start command", "no such file or directory", "executable file not found"]
                .iter()
                .any(|m| reason.contains(m))
        }
    };
    missing.then(|| vec![SH.to_string()])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn splits_like_a_shell() {
        assert_eq!(split("/bin/sh -c 'echo $HOME; ls'").unwrap(), words(&["/bin/sh", "-c", "echo $HOME; ls"]));
        assert_eq!(split(r#"grep "a b" c\ d"#).unwrap(), words(&["grep", "a b", "c d"]));
        assert_eq!(split("  /bin/bash  ").unwrap(), words(&["/bin/bash"]));
        assert_eq!(split("echo 'unclosed").unwrap_err(), "The command has an unclosed quote");
        assert_eq!(split("   ").unwrap_err(), "Enter a command to run");
    }

    #[test]
    fn joins_back_to_the_same_words() {
        let w = words(&["/bin/sh", "-c", "echo 'hi' \"there\""]);
        assert_eq!(split(&join(&w)).unwrap(), w);
        assert_eq!(join(&words(&["/bin/bash"])), "/bin/bash");
    }

    #[test]
    fn keys_per_job() {
        assert_eq!(storage_key("default", "web"), "caravan.exec.command.default/web");
        // Job IDs may contain anything, namespaces no `/`: the first `/` ends the namespace.
        assert_ne!(storage_key("a-b", "c"), storage_key("a", "b-c"));
        assert_eq!(storage_key("ops", "a/b"), "caravan.exec.command.ops/a/b");
    }

    #[test]
    fn falls_back_to_sh_only_when_bash_is_missing() {
        let bash = words(&[BASH]);
        let start_failed = Ending::Closed {
            code: 1011,
            reason: "rpc error: code = Unknown desc = failed to start command: fork/exec /bin/bash: no such file or directory".into(),
            opened: true,
        };
        assert_eq!(shell_fallback(&bash, false, &start_failed), Some(words(&[SH])));
        assert_eq!(shell_fallback(&bash, false, &Ending::Exited(127)), Some(words(&[SH])));
        // Typed, another command, or another failure: the user sees what happened instead.
        assert_eq!(shell_fallback(&bash, true, &Ending::Exited(127)), None);
        assert_eq!(shell_fallback(&words(&[BASH, "-l"]), false, &Ending::Exited(127)), None);
        assert_eq!(shell_fallback(&bash, false, &Ending::Exited(1)), None);
        let denied = Ending::Closed { code: 1011, reason: "Permission denied".into(), opened: true };
        assert_eq!(shell_fallback(&bash, false, &denied), None);
    }
}
