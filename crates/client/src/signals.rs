//! Signal names as Nomad accepts them (consul-template's `signals.SignalLookup` on Linux).

use nix::sys::signal::Signal;

/// Sorted by name, as consul-template lists them in its error message.
const SIGNALS: &[(&str, Signal)] = &[
    ("SIGABRT", Signal::SIGABRT),
    ("SIGALRM", Signal::SIGALRM),
    ("SIGBUS", Signal::SIGBUS),
    ("SIGCHLD", Signal::SIGCHLD),
    ("SIGCLD", Signal::SIGCHLD),
    ("SIGCONT", Signal::SIGCONT),
    ("SIGFPE", Signal::SIGFPE),
    ("SIGHUP", Signal::SIGHUP),
    ("SIGILL", Signal::SIGILL),
    ("SIGINT", Signal::SIGINT),
    ("SIGIO", Signal::SIGIO),
    ("SIGIOT", Signal::SIGABRT),
    ("SIGKILL", Signal::SIGKILL),
    ("SIGPIPE", Signal::SIGPIPE),
    ("SIGPOLL", Signal::SIGIO),
    ("SIGPROF", Signal::SIGPROF),
    ("SIGPWR", Signal::SIGPWR),
    ("SIGQUIT", Signal::SIGQUIT),
    ("SIGSEGV", Signal::SIGSEGV),
    ("SIGSTKFLT", Signal::SIGSTKFLT),
    ("SIGSTOP", Signal::SIGSTOP),
    ("SIGSYS", Signal::SIGSYS),
    ("SIGTERM", Signal::SIGTERM),
    ("SIGTRAP", Signal::SIGTRAP),
    ("SIGTSTP", Signal::SIGTSTP),
    ("SIGTTIN", Signal::SIGTTIN),
    ("SIGTTOU", Signal::SIGTTOU),
    ("SIGURG", Signal::SIGURG),
    ("SIGUSR1", Signal::SIGUSR1),
    ("SIGUSR2", Signal::SIGUSR2),
    ("SIGVTALRM", Signal::SIGVTALRM),
    ("SIGWINCH", Signal::SIGWINCH),
    ("SIGXCPU", Signal::SIGXCPU),
    ("SIGXFSZ", Signal::SIGXFSZ),
];

/// Parses a signal name, case-insensitively as `signals.Parse` does.
pub(crate) fn parse(name: &str) -> Option<Signal> {
    let upper = name.trim().to_ascii_uppercase();
    SIGNALS.iter().find(|(n, _)| *n == upper).map(|(_, s)| *s)
}

/// The list in Go's `%q` form of a `[]string`: `["SIGABRT" "SIGALRM" ...]`.
pub(crate) fn valid_signals_text() -> String {
    let names: Vec<String> = SIGNALS.iter().map(|(n, _)| format!("{n:?}")).collect();
    format!("[{}]", names.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_case_insensitively() {
        assert_eq!(parse("SIGUSR1"), Some(Signal::SIGUSR1));
        assert_eq!(parse("sighup"), Some(Signal::SIGHUP));
        assert_eq!(parse("USR1"), None);
        assert_eq!(parse(""), None);
        assert!(SIGNALS.windows(2).all(|w| w[0].0 < w[1].0), "kept sorted");
        assert!(valid_signals_text().starts_with(r#"["SIGABRT" "SIGALRM""#));
    }
}
