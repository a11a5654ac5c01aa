//! Issue 16: nothing a task runs reads the agent's state, its ACL secrets or another
//! allocation's files. With an operator token, exec into a task used to print the management
//! token (`cat ../../../acl-tokens.json`): tasks ran as root next to the agent's state.
//!
//! When the agent is root, a task without `User` runs as its allocation's dynamic workload user
//! (Nomad's range, 80000-89999: `client/config/config.go` `MinDynamicUser`/`MaxDynamicUser`,
//! `helper/users/dynamic/pool.go`); one with `User` runs as that user, looked up as the
//! executor's `setCmdUser` does (`drivers/shared/executor/executor_unix.go`, v1.11.3), and an
//! unknown user fails the task with its error. Exec sessions run as their task's user. These
//! tests need the agent to be root (as CI runs them); otherwise they only say so.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod exec_client;

use caravan_agent::jobspec::{group, job, shell_task};
use common::{running, TestAgent};
use exec_client::{run, Outcome};
use nomad_api::{Allocation, NomadVersion};
use std::path::Path;

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Runs `sh -c script` in the task with the operator token.
async fn sh(t: &TestAgent, alloc: &str, task: &str, token: &str, script: &str) -> Outcome {
    run(t.agent.addr(), alloc, task, &["/bin/sh", "-c", script], Some(token)).await
}

/// Waits until the task wrote `needle` into `local/<file>`; its content, trimmed.
async fn task_file(t: &TestAgent, alloc: &str, task: &str, file: &str, needle: &str) -> String {
    let path = t.agent.state().client.alloc_dir(alloc).unwrap().join(task).join("local").join(file);
    t.wait_file_contains(&path, needle).await.trim().to_string()
}

/// The uid an exec session in the task runs as.
async fn exec_uid(t: &TestAgent, alloc: &str, task: &str) -> u32 {
    let out = run(t.agent.addr(), alloc, task, &["id", "-u"], None).await;
    assert_eq!(out.exit_code, Some(0), "{out:?}");
    out.output.trim().parse().unwrap()
}

#[tokio::test]
async fn an_operator_exec_reads_no_secret_no_state_and_no_other_allocation() {
    if !is_root() {
        eprintln!("skipped: the agent must be root to run tasks as other users");
        return;
    }
    let t = TestAgent::start_with(|c| c.acl = true).await;
    let secrets = t.agent.acl_secrets().unwrap();
    let operator = secrets.operator.clone();
    let mine = t.run_job("mine", "default", "service", 1, &[("main", "sleep 600")])[0].clone();
    let other = t.run_job(
        "other",
        "default",
        "service",
        1,
        &[("main", "echo other-allocation-secret > local/secret.txt; sleep 600")],
    )[0]
    .clone();
    t.wait_alloc(&mine, running).await;
    t.wait_alloc(&other, running).await;
    assert_eq!(task_file(&t, &other, "main", "secret.txt", "\n").await, "other-allocation-secret");
    let data = t.dir.path().display().to_string();
    let node_id = std::fs::read_to_string(t.dir.path().join("client/client-id")).unwrap();
    assert!(!node_id.trim().is_empty());

    let attempts = [
        "cat ../../../acl-tokens.json".to_string(),
        "cat ../../../acl-token".to_string(),
        format!("cat {data}/acl-tokens.json"),
        format!("cat {data}/acl-token"),
        format!("cat {data}/server/state.json"),
        format!("ls {data}/server"),
        format!("cat {data}/client/client-id"),
        format!("ls {data}/client"),
        format!("ls {data}/alloc"),
        format!("cat {data}/alloc/{other}/main/local/secret.txt"),
        format!("cat ../../{other}/main/local/secret.txt"),
        format!("ls ../../{other}"),
    ];
    let forbidden = [
        secrets.management.as_str(),
        secrets.operator.as_str(),
        secrets.readonly.as_str(),
        "other-allocation-secret",
        node_id.trim(),
    ];
    for script in &attempts {
        let out = sh(&t, &mine, "main", &operator, script).await;
        assert_ne!(out.exit_code, Some(0), "{script} succeeded: {out:?}");
        assert!(out.output.contains("Permission denied"), "{script}: {out:?}");
        for secret in forbidden {
            assert!(!out.output.contains(secret), "{script} printed {secret:?}: {out:?}");
        }
    }
    // The task itself cannot either, and its own directories are its to write.
    let own = [
        format!("cat {data}/acl-tokens.json > /dev/null 2>&1 && echo read-the-tokens"),
        format!("cat {data}/alloc/{other}/main/local/secret.txt > /dev/null 2>&1 && echo read-the-other"),
        "for d in local secrets tmp $NOMAD_ALLOC_DIR/data $NOMAD_ALLOC_DIR/tmp $NOMAD_ALLOC_DIR; do echo x > $d/w || echo cannot-write-$d; done".to_string(),
        "echo done".to_string(),
    ];
    let t2 = t.run_job(
        "prober",
        "default",
        "batch",
        1,
        &[("main", &format!("{{ {}; }} > local/probe.txt 2>&1; sleep 600", own.join("; ")))],
    )[0]
    .clone();
    t.wait_alloc(&t2, running).await;
    assert_eq!(task_file(&t, &t2, "main", "probe.txt", "done").await, "done");
    // And an exec session may write there too, and read what its task wrote.
    let out = sh(
        &t,
        &t2,
        "main",
        &operator,
        "echo y > local/from-exec && cat local/probe.txt secrets/w $NOMAD_ALLOC_DIR/data/w",
    )
    .await;
    assert_eq!((out.exit_code, out.output.as_str()), (Some(0), "done\nx\nx\n"), "{out:?}");
    t.agent.shutdown().await;
}

/// The job `id` of one group whose tasks run `id -u` and `id -g` into `local/id`, then sleep;
/// `(task, user)` pairs.
fn id_job(id: &str, tasks: &[(&str, &str)]) -> nomad_api::Job {
    let tasks = tasks
        .iter()
        .map(|(name, user)| {
            let mut task = shell_task(name, "echo $(id -u) $(id -g) $USER $HOME > local/id; sleep 600", 100, 64);
            task.user = user.to_string();
            task
        })
        .collect();
    job(id, "default", "service", vec![group(id, 1, tasks)])
}

#[tokio::test]
async fn tasks_run_as_their_user_or_their_allocations_dynamic_user_and_so_does_exec() {
    if !is_root() {
        eprintln!("skipped: the agent must be root to run tasks as other users");
        return;
    }
    let t = TestAgent::start().await;
    let first =
        t.agent.register_job(id_job("first", &[("a", ""), ("b", ""), ("n", "nobody")])).unwrap().alloc_ids[0].clone();
    let second = t.agent.register_job(id_job("second", &[("a", "")])).unwrap().alloc_ids[0].clone();
    t.wait_alloc(&first, running).await;
    t.wait_alloc(&second, running).await;

    let ids = |text: String| -> (u32, u32, String, String) {
        let f: Vec<&str> = text.split_whitespace().collect();
        (f[0].parse().unwrap(), f[1].parse().unwrap(), f[2].to_string(), f[3].to_string())
    };
    let (uid, gid, user, home) = ids(task_file(&t, &first, "a", "id", "\n").await);
    assert!((80_000..=89_999).contains(&uid), "a task without User runs as a dynamic workload user, not {uid}");
    assert_eq!((gid, user, home), (uid, format!("nomad-{uid}"), "/nonexistent".to_string()));
    assert_eq!(ids(task_file(&t, &first, "b", "id", "\n").await).0, uid, "the tasks of one allocation share its user");
    let (other_uid, ..) = ids(task_file(&t, &second, "a", "id", "\n").await);
    assert!((80_000..=89_999).contains(&other_uid));
    assert_ne!(other_uid, uid, "another allocation has a user of its own");
    let nobody = nix_nobody();
    assert_eq!(ids(task_file(&t, &first, "n", "id", "\n").await), (nobody.0, nobody.1, "nobody".to_string(), nobody.2));

    // Exec sessions run as their task's user.
    assert_eq!(exec_uid(&t, &first, "a").await, uid);
    assert_eq!(exec_uid(&t, &first, "n").await, nobody.0);

    // No task runs as root: the agent's state and secrets would be its own (the local agent's
    // raw_exec acts as if `denied_host_uids = "0"`, worded as drivers/shared/validators).
    let root = t.agent.register_job(id_job("root", &[("main", "root")])).unwrap().alloc_ids[0].clone();
    let alloc: Allocation = t.wait_alloc(&root, |a| a.client_status == "failed").await;
    let events = &alloc.task_states["main"].events;
    let failure = events.iter().find(|e| e.kind == "Driver Failure").unwrap_or_else(|| panic!("{events:#?}"));
    assert_eq!(failure.driver_error, "failed driver config validation: running as uid 0 is disallowed");

    t.agent.shutdown().await;
}

/// The driver error of a task whose `User` does not exist.
async fn unknown_user_error(version: NomadVersion) -> String {
    let t = TestAgent::start_with(|c| c.nomad_version = version).await;
    let bad = t.agent.register_job(id_job("bad", &[("main", "no-such-user-xyz")])).unwrap().alloc_ids[0].clone();
    let alloc: Allocation = t.wait_alloc(&bad, |a| a.client_status == "failed").await;
    let events = &alloc.task_states["main"].events;
    let failure = events.iter().find(|e| e.kind == "Driver Failure").unwrap_or_else(|| panic!("{events:#?}"));
    t.agent.shutdown().await;
    failure.driver_error.clone()
}

#[tokio::test]
async fn an_unknown_user_fails_the_task_as_the_release_words_it() {
    // Since 1.9.2 raw_exec's `Validate` (drivers/rawexec/driver_unix.go) looks the user up
    // before launching (`HasValidIDs`, drivers/shared/validators/validators.go, `%q`).
    assert_eq!(
        unknown_user_error(NomadVersion::LATEST).await,
        r#"failed driver config validation: failed to identify user "no-such-user-xyz": user: unknown user no-such-user-xyz"#
    );
    // Before, the executor's `setCmdUser` (drivers/shared/executor/executor_unix.go), through gRPC.
    assert_eq!(
        unknown_user_error(NomadVersion::new(1, 9, 1)).await,
        "failed to launch command with executor: rpc error: code = Unknown desc = failed to identify user no-such-user-xyz: user: unknown user no-such-user-xyz"
    );
}

/// `nobody`'s uid, gid and home from `/etc/passwd`.
fn nix_nobody() -> (u32, u32, String) {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap();
    let line = passwd.lines().find(|l| l.starts_with("nobody:")).expect("a nobody user");
    let f: Vec<&str> = line.split(':').collect();
    (f[2].parse().unwrap(), f[3].parse().unwrap(), f[5].to_string())
}

#[tokio::test]
async fn the_agents_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let t = TestAgent::start_with(|c| c.acl = true).await;
    let ids = t.run_job("web", "default", "service", 1, &[("main", "sleep 600")]);
    t.wait_alloc(&ids[0], running).await;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    let data = t.dir.path();
    // Nomad's client: state dir 0700, alloc dir 0711 (`client/client.go` `init`). The data
    // directory is the operator's: it only gets the search bits tasks need.
    assert_eq!(mode(data) & 0o011, 0o011, "tasks can cross the data directory");
    assert_eq!(mode(&data.join("alloc")), 0o711);
    assert_eq!(mode(&data.join("client")), 0o700);
    assert_eq!(mode(&data.join("server")), 0o700);
    assert_eq!(mode(&data.join("acl-token")), 0o600);
    assert_eq!(mode(&data.join("acl-tokens.json")), 0o600);
    t.agent.shutdown().await;
}
