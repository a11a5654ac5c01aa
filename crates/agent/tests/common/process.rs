//! The `caravan-agent` binary as a child process, for what only a real process shows: its
//! descriptor limit, and what survives a SIGKILL.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};

pub struct AgentProcess {
    pub child: Child,
    /// `http://127.0.0.1:port`
    pub url: String,
    pub port: u16,
    log: tempfile::NamedTempFile,
}

impl AgentProcess {
    /// Starts the agent with `args` (on an ephemeral port), with its descriptor limit (soft and
    /// hard) lowered to `descriptor_limit` if given; returns once it says where it listens.
    pub fn start(args: &[&str], descriptor_limit: Option<u64>) -> AgentProcess {
        Self::spawn(args, descriptor_limit, &[])
    }

    /// As `start`, with these environment variables set.
    pub fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> AgentProcess {
        Self::spawn(args, None, env)
    }

    fn spawn(args: &[&str], descriptor_limit: Option<u64>, env: &[(&str, &str)]) -> AgentProcess {
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_caravan-agent"));
        command.args(["--port", "0"]).args(args).stdout(Stdio::piped()).stderr(log.reopen().unwrap());
        command.envs(env.iter().copied());
        if let Some(limit) = descriptor_limit {
            // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
            unsafe {
                command.pre_exec(move || {
                    let limit = libc::rlimit { rlim_cur: limit, rlim_max: limit };
                    if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        let mut child = command.spawn().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().and_then(|l| l.ok()).unwrap_or_default();
        let Some(url) = first.strip_prefix("Caravan agent listening on ") else {
            let _ = child.kill();
            panic!("the agent did not start: {first:?}\n{}", std::fs::read_to_string(log.path()).unwrap_or_default());
        };
        let url = url.to_string();
        let port = url.rsplit(':').next().and_then(|p| p.parse().ok()).unwrap();
        // The rest of what it prints (ACL tokens) is not needed; keep the pipe drained.
        std::thread::spawn(move || lines.for_each(drop));
        AgentProcess { child, url, port, log }
    }

    /// The agent on `data_dir`, with no demo jobs.
    pub fn on_data_dir(data_dir: &Path, args: &[&str]) -> AgentProcess {
        let dir = data_dir.to_str().unwrap();
        let all: Vec<&str> = ["--data-dir", dir, "--no-demo"].into_iter().chain(args.iter().copied()).collect();
        Self::start(&all, None)
    }

    /// SIGKILL: the agent gets no chance to save anything.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// What it logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }
}

impl Drop for AgentProcess {
    /// SIGTERM, so the agent stops its tasks; SIGKILL if it has not stopped within 10 s.
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.child.id()) {
            // SAFETY: signalling the child this process started.
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            if !matches!(self.child.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        self.kill();
    }
}
