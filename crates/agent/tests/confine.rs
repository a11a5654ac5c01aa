//! Issue 16: what a task does under its allocation directory cannot make /v1/client/fs/*
//! read outside it, nor wedge the endpoints. A task that swaps a directory with a symlink
//! to `/` in a loop (`renameat2(RENAME_EXCHANGE)`) once made `/fs/cat` answer the host's
//! `/etc/passwd` between the agent's check and its open; a FIFO made every read of it wait
//! forever on a thread, until the endpoints of every allocation stopped answering and SIGTERM
//! no longer stopped the agent.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{running, TestAgent};
use nomad_api::{AllocFileInfo, FrameDecoder};
use std::collections::BTreeMap;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long the race runs.
const RACE: Duration = Duration::from_secs(10);
/// What the racing directory holds: `race/etc/passwd`.
const IN_DIR: &str = "in-dir passwd\n";
/// What the directory outside the allocation holds at `etc/passwd`.
const OUTSIDE: &str = "OUTSIDE THE ALLOCATION, must never be served\n";
const ESCAPES: &str = "Path escapes the alloc directory";

/// Swaps `a` and `b` atomically, as the issue's task did.
fn exchange(a: &CString, b: &CString) -> bool {
    // SAFETY: two valid NUL-terminated paths; renameat2 reads them only.
    unsafe { libc::renameat2(libc::AT_FDCWD, a.as_ptr(), libc::AT_FDCWD, b.as_ptr(), libc::RENAME_EXCHANGE) == 0 }
}

fn c_path(path: &Path) -> CString {
    CString::new(path.as_os_str().as_bytes()).unwrap()
}

/// What one answer was, for the tally.
enum Seen {
    InDir,
    Refused,
}

/// Checks one answer of the race: the content inside the allocation, or a refusal (4xx; or
/// Nomad's 500 "Path escapes the alloc directory" on ls and stat, `client/allocdir/alloc_dir.go`
/// `List`/`Stat`, which `command/agent/fs_endpoint.go` sends as a 500). Never anything else.
fn judge(what: &str, status: u16, body: &[u8], host_line: &str, in_dir: impl Fn(&[u8]) -> bool) -> Seen {
    let text = String::from_utf8_lossy(body);
    assert!(!text.contains("OUTSIDE THE ALLOCATION"), "{what}: served a file outside the allocation: {text}");
    assert!(!text.contains(host_line), "{what}: served the host's /etc/passwd: {text}");
    assert!(!text.contains("marker-file"), "{what}: listed a directory outside the allocation: {text}");
    match status {
        200 => {
            assert!(in_dir(body), "{what}: 200 but not the allocation's content: {text}");
            Seen::InDir
        }
        400..=499 => Seen::Refused,
        500 if (what.starts_with("ls") || what.starts_with("stat")) && text == ESCAPES => Seen::Refused,
        _ => panic!("{what}: {status} {text}"),
    }
}

fn names(body: &[u8]) -> Vec<String> {
    serde_json::from_slice::<Vec<AllocFileInfo>>(body)
        .map(|l| l.into_iter().map(|f| f.name).collect())
        .unwrap_or_default()
}

/// The data bytes of a whole framed body.
fn frame_data(body: &[u8]) -> Vec<u8> {
    FrameDecoder::new().push(body).into_iter().flat_map(|f| f.map(|f| f.data).unwrap_or_default()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_symlinks_never_reach_outside_the_allocation() {
    let t = TestAgent::start().await;
    let id = t.run_job("racer", "default", "service", 1, &[("web", "echo ready; sleep 3600")])[0].clone();
    t.wait_alloc(&id, running).await;
    let data = t.agent.state().client.alloc_dir(&id).unwrap().join("alloc/data").canonicalize().unwrap();

    // Inside: race/etc/passwd. Outside: a directory with etc/passwd and a file named so a
    // listing of it is recognised.
    std::fs::create_dir_all(data.join("race/etc")).unwrap();
    std::fs::write(data.join("race/etc/passwd"), IN_DIR).unwrap();
    let outside = tempfile::tempdir().unwrap();
    let outside_dir = outside.path().canonicalize().unwrap();
    std::fs::create_dir_all(outside_dir.join("etc")).unwrap();
    std::fs::write(outside_dir.join("etc/passwd"), OUTSIDE).unwrap();
    std::fs::write(outside_dir.join("etc/marker-file"), "x").unwrap();
    // Two ways out: the issue's absolute symlink to `/`, and a relative one climbing out.
    symlink("/", data.join("abs")).unwrap();
    let up = "../".repeat(data.components().count() - 1);
    symlink(format!("{up}{}", outside_dir.strip_prefix("/").unwrap().display()), data.join("rel")).unwrap();
    assert_eq!(std::fs::read_to_string(data.join("rel/etc/passwd")).unwrap(), OUTSIDE, "the relative link leads out");
    let host_line = std::fs::read_to_string("/etc/passwd").unwrap().lines().next().unwrap_or("root:x:0:0").to_string();

    // The racers: `race` is by turns the directory, the link to `/` and the link out.
    let stop = Arc::new(AtomicBool::new(false));
    let swaps = Arc::new(AtomicU64::new(0));
    let racers: Vec<_> = ["abs", "rel"]
        .into_iter()
        .map(|other| {
            let (a, b) = (c_path(&data.join("race")), c_path(&data.join(other)));
            let (stop, swaps) = (Arc::clone(&stop), Arc::clone(&swaps));
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    assert!(exchange(&a, &b), "renameat2: {}", std::io::Error::last_os_error());
                    swaps.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();

    let base = t.agent.url();
    let paths: Vec<(&str, String)> = [
        ("cat", "cat/{id}?path=alloc/data/race/etc/passwd"),
        ("readat", "readat/{id}?path=alloc/data/race/etc/passwd&offset=0&limit=100"),
        ("stream", "stream/{id}?path=alloc/data/race/etc/passwd&follow=false"),
        ("stream-follow", "stream/{id}?path=alloc/data/race/etc/passwd&follow=true"),
        ("ls-race", "ls/{id}?path=alloc/data/race"),
        ("ls-etc", "ls/{id}?path=alloc/data/race/etc"),
        ("stat-passwd", "stat/{id}?path=alloc/data/race/etc/passwd"),
        ("stat-etc", "stat/{id}?path=alloc/data/race/etc"),
    ]
    .into_iter()
    .map(|(what, p)| (what, format!("{base}/v1/client/fs/{}", p.replace("{id}", &id))))
    .collect();
    let paths = Arc::new(paths);
    let started = Instant::now();
    let hammers: Vec<_> = (0..8)
        .map(|worker| {
            let (http, paths, host_line) = (t.http.clone(), Arc::clone(&paths), host_line.clone());
            tokio::spawn(async move {
                let (mut requests, mut in_dir, mut refused) = (0u64, 0u64, 0u64);
                let mut i = worker;
                while started.elapsed() < RACE {
                    let (what, url) = &paths[i % paths.len()];
                    i += 1;
                    let mut resp = http.get(url).send().await.unwrap();
                    let status = resp.status().as_u16();
                    let body = if *what == "stream-follow" && status == 200 {
                        // A followed body never ends: its first data frame is enough.
                        let mut decoder = FrameDecoder::new();
                        let mut data = Vec::new();
                        while data.is_empty() {
                            let chunk = tokio::time::timeout(Duration::from_secs(5), resp.chunk()).await;
                            let chunk = chunk.expect("a frame in time").unwrap().expect("followed bodies stay open");
                            data.extend(decoder.push(&chunk).into_iter().flat_map(|f| f.unwrap().data));
                        }
                        data
                    } else if *what == "stream" && status == 200 {
                        frame_data(&resp.bytes().await.unwrap())
                    } else {
                        resp.bytes().await.unwrap().to_vec()
                    };
                    let seen = match *what {
                        "cat" | "readat" | "stream" | "stream-follow" => {
                            judge(what, status, &body, &host_line, |b| b == IN_DIR.as_bytes())
                        }
                        "ls-race" => judge(what, status, &body, &host_line, |b| names(b) == ["etc"]),
                        "ls-etc" => judge(what, status, &body, &host_line, |b| names(b) == ["passwd"]),
                        "stat-passwd" => judge(what, status, &body, &host_line, |b| {
                            serde_json::from_slice::<AllocFileInfo>(b).is_ok_and(|f| {
                                (f.name.as_str(), f.size, f.is_dir) == ("passwd", IN_DIR.len() as i64, false)
                            })
                        }),
                        _ => judge(what, status, &body, &host_line, |b| {
                            serde_json::from_slice::<AllocFileInfo>(b).is_ok_and(|f| f.name == "etc" && f.is_dir)
                        }),
                    };
                    requests += 1;
                    match seen {
                        Seen::InDir => in_dir += 1,
                        Seen::Refused => refused += 1,
                    }
                }
                (requests, in_dir, refused)
            })
        })
        .collect();
    let mut totals = (0, 0, 0);
    for hammer in hammers {
        let result = hammer.await;
        if result.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        let (requests, in_dir, refused) = result.unwrap();
        totals = (totals.0 + requests, totals.1 + in_dir, totals.2 + refused);
    }
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    for racer in racers {
        racer.join().unwrap();
    }
    let (requests, in_dir, refused) = totals;
    eprintln!(
        "race: {requests} requests in {elapsed:?} ({in_dir} answered from inside, {refused} refused), {} swaps",
        swaps.load(Ordering::Relaxed)
    );
    assert!(elapsed >= RACE);
    // Both sides of the race were seen: the test raced.
    assert!(in_dir > 0 && refused > 0, "{in_dir} inside, {refused} refused");
}

/// The agent binary on its own data directory, stopped (with its tasks) when dropped.
struct Binary {
    child: Child,
    port: u16,
    data_dir: PathBuf,
}

impl Binary {
    fn start(data_dir: &Path) -> Binary {
        let (child, port, lines) = common::spawn_binary(&["--no-demo"], data_dir);
        // Keep reading what it prints so it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Binary { child, port, data_dir: data_dir.to_path_buf() }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The agent's thread count.
    fn threads(&self) -> usize {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status.lines().find_map(|l| l.strip_prefix("Threads:")).and_then(|n| n.trim().parse().ok()).unwrap()
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        // A killed agent leaves its tasks: end the processes that were given this data directory.
        let marker = self.data_dir.to_string_lossy().into_owned();
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else { continue };
            if std::fs::read(entry.path().join("environ"))
                .is_ok_and(|env| String::from_utf8_lossy(&env).contains(&marker))
            {
                // SAFETY: signalling a task process this test's agent started.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        }
    }
}

/// One request, answered within `limit`: the status and the body.
async fn get(http: &reqwest::Client, url: &str, limit: Duration) -> (u16, String) {
    let request = async {
        let resp = http.get(url).send().await.unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    };
    tokio::time::timeout(limit, request).await.unwrap_or_else(|_| panic!("no answer within {limit:?}: {url}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifos_are_refused_promptly_and_wedge_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let agent = Binary::start(&tmp.path().join("data"));
    let http = reqwest::Client::new();
    let register = |id: &str, script: &str| {
        serde_json::json!({"Job": {"ID": id, "Name": id, "Type": "service", "TaskGroups": [{
            "Name": id, "Count": 1,
            "Tasks": [{"Name": "web", "Driver": "raw_exec", "Config": {"command": "/bin/sh", "args": ["-c", script]}}]}]}})
        .to_string()
    };
    let pipes = "mkfifo \"$NOMAD_ALLOC_DIR/data/pipe\"; echo ready; sleep 3600";
    for (id, script) in [("pipes", pipes), ("other", "echo hello from other; sleep 3600")] {
        let r = http.put(agent.url("/v1/jobs")).body(register(id, script)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }
    let mut allocs = BTreeMap::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    for job in ["pipes", "other"] {
        let id = loop {
            let (_, body) = get(&http, &agent.url(&format!("/v1/job/{job}/allocations")), Duration::from_secs(5)).await;
            let list: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
            if let Some(id) = list.first().and_then(|a| a["ID"].as_str()) {
                break id.to_string();
            }
            assert!(Instant::now() < deadline, "no allocation for {job}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let log = agent.data_dir.join(format!("alloc/{id}/alloc/logs/web.stdout.0"));
        while !std::fs::read_to_string(&log).is_ok_and(|l| l.contains("ready") || l.contains("hello from other")) {
            assert!(Instant::now() < deadline, "{job} never started");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        allocs.insert(job, id);
    }
    let (pipes, other) = (&allocs["pipes"], &allocs["other"]);
    // Tasks cannot write in `alloc/logs` (the agent writes there, as root: issue 16), so the
    // FIFO among the logs is made here.
    let planted =
        std::ffi::CString::new(format!("{}/alloc/{pipes}/alloc/logs/web.stderr.9", agent.data_dir.display())).unwrap();
    // SAFETY: a valid C string.
    assert_eq!(unsafe { libc::mkfifo(planted.as_ptr(), 0o644) }, 0);
    let fs = |endpoint: &str, alloc: &str, query: &str| agent.url(&format!("/v1/client/fs/{endpoint}/{alloc}?{query}"));
    let prompt = Duration::from_secs(5);
    let pipe_error = r#"file "alloc/data/pipe" is a named pipe"#;

    // Each endpoint answers at once. Nomad has no rule for special files (its `ReadAt` and
    // `Stat` in client/allocdir/alloc_dir.go open the FIFO and wait): a 400 naming what the
    // file is, worded as Nomad's `file %q is a directory` (client/fs_endpoint.go).
    let readers = [
        ("cat", "path=alloc/data/pipe"),
        ("readat", "path=alloc/data/pipe&offset=0&limit=10"),
        ("stream", "path=alloc/data/pipe"),
        ("stream", "path=alloc/data/pipe&follow=false&origin=end"),
        ("ls", "path=alloc/data/pipe"),
    ];
    for (endpoint, query) in readers {
        assert_eq!(
            get(&http, &fs(endpoint, pipes, query), prompt).await,
            (400, pipe_error.to_string()),
            "{endpoint}?{query}"
        );
    }
    let r = get(&http, &fs("logs", pipes, "task=web&type=stderr&origin=end"), prompt).await;
    assert_eq!(r, (400, r#"file "alloc/logs/web.stderr.9" is a named pipe"#.to_string()));
    // stat describes it without opening it, as lstat/fstat do not block: Go's mode string shows the pipe.
    let (status, body) = get(&http, &fs("stat", pipes, "path=alloc/data/pipe"), prompt).await;
    assert_eq!(status, 200, "{body}");
    let info: AllocFileInfo = serde_json::from_str(&body).unwrap();
    assert_eq!((info.name.as_str(), info.is_dir, info.size), ("pipe", false, 0));
    assert!(info.file_mode.starts_with("prw"), "{}", info.file_mode);
    assert_eq!(info.content_type, "application/octet-stream");
    let (status, body) = get(&http, &fs("ls", pipes, "path=alloc/data"), prompt).await;
    assert_eq!(status, 200, "{body}");
    let listed: Vec<AllocFileInfo> = serde_json::from_str(&body).unwrap();
    assert!(listed.iter().any(|f| f.name == "pipe" && f.file_mode.starts_with('p')), "{body}");

    // 600 at once: all answered, and the agent's threads stay few.
    let baseline = agent.threads();
    let sampling = Arc::new(AtomicBool::new(true));
    let peak = Arc::new(AtomicU64::new(baseline as u64));
    let sampler = {
        let (sampling, peak, status) =
            (Arc::clone(&sampling), Arc::clone(&peak), format!("/proc/{}/status", agent.child.id()));
        std::thread::spawn(move || {
            while sampling.load(Ordering::Relaxed) {
                let text = std::fs::read_to_string(&status).unwrap_or_default();
                let threads = text.lines().find_map(|l| l.strip_prefix("Threads:")).and_then(|n| n.trim().parse().ok());
                peak.fetch_max(threads.unwrap_or(0), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let urls: Vec<(String, u16)> = (0..600)
        .map(|i| match i % 6 {
            0 => (fs("stat", pipes, "path=alloc/data/pipe"), 200),
            5 => (fs("logs", pipes, "task=web&type=stderr&origin=end&follow=true"), 400),
            n => {
                let (endpoint, query) = readers[n - 1];
                (fs(endpoint, pipes, query), 400)
            }
        })
        .collect();
    let started = Instant::now();
    let answers = futures::future::join_all(urls.iter().map(|(url, _)| get(&http, url, Duration::from_secs(30)))).await;
    let took = started.elapsed();
    sampling.store(false, Ordering::Relaxed);
    sampler.join().unwrap();
    for ((url, want), (status, body)) in urls.iter().zip(&answers) {
        assert_eq!(status, want, "{url}: {body}");
    }
    let peak = peak.load(Ordering::Relaxed);
    eprintln!("fifo: 600 requests answered in {took:?}; agent threads {baseline} before, {peak} at most");
    assert!(peak <= baseline as u64 + 16, "threads grew from {baseline} to {peak}");

    // Another allocation's files and logs still answer promptly.
    let (status, body) = get(&http, &fs("ls", other, "path=/"), Duration::from_secs(2)).await;
    assert_eq!(status, 200, "{body}");
    let root: Vec<AllocFileInfo> = serde_json::from_str(&body).unwrap();
    assert_eq!(root.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["alloc", "web"]);
    let logs = get(&http, &fs("logs", other, "task=web&type=stdout&plain=true"), Duration::from_secs(2)).await;
    assert_eq!(logs, (200, "hello from other\n".to_string()));

    // And SIGTERM stops it.
    let mut agent = agent;
    let stopping = Instant::now();
    // SAFETY: signalling the child this test started.
    assert_eq!(unsafe { libc::kill(agent.child.id() as i32, libc::SIGTERM) }, 0);
    while agent.child.try_wait().unwrap().is_none() {
        assert!(stopping.elapsed() < Duration::from_secs(10), "SIGTERM did not stop the agent");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(agent.child.try_wait().unwrap().is_some_and(|s| s.success()));
}
