//! /v1/client/fs/*: files and logs of real allocations over HTTP, as Nomad serves them.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use caravan_agent::jobspec::{group, job, shell_task};
use common::{running, Resp, TestAgent};
use nomad_api::*;
use reqwest::Method;
use serde_json::json;
use std::collections::VecDeque;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

/// Lines the logs test prints, rotated every `LOG_MAX_BYTES`.
const LOG_LINES: usize = 60;
const LOG_MAX_BYTES: i64 = 500;

fn log_line(i: usize) -> String {
    format!("line {i} of the log, padded to about forty\n")
}

fn expected_log() -> Vec<u8> {
    (0..LOG_LINES).map(log_line).collect::<String>().into_bytes()
}

/// Registers a one-task job (task `web`, rotating its logs every `log_max_bytes`) and waits
/// for it to run.
async fn run_web(t: &TestAgent, script: &str, log_max_bytes: i64) -> String {
    let mut task = shell_task("web", script, 100, 64);
    task.config.insert("log_max_bytes".to_string(), json!(log_max_bytes));
    let id = t
        .agent
        .register_job(job("files", "default", "service", vec![group("files", 1, vec![task])]))
        .unwrap()
        .alloc_ids[0]
        .clone();
    t.wait_alloc(&id, running).await;
    id
}

fn alloc_dir(t: &TestAgent, id: &str) -> std::path::PathBuf {
    t.agent.state().client.alloc_dir(id).unwrap()
}

/// The rotated files of `alloc/logs/<base>.<N>`, oldest first, concatenated.
fn rotated(dir: &Path, base: &str) -> (Vec<String>, Vec<u8>) {
    let logs = dir.join("alloc/logs");
    let mut files: Vec<(u64, String)> = std::fs::read_dir(&logs)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            let index = name.strip_prefix(&format!("{base}."))?.parse().ok()?;
            Some((index, name))
        })
        .collect();
    files.sort();
    let data = files.iter().flat_map(|(_, name)| std::fs::read(logs.join(name)).unwrap()).collect();
    (files.into_iter().map(|(_, name)| name).collect(), data)
}

/// Waits until the task's rotated `base` logs hold exactly `expected`.
async fn wait_rotated(dir: &Path, base: &str, expected: &[u8]) -> Vec<String> {
    for _ in 0..200 {
        let (files, data) = rotated(dir, base);
        if data == expected {
            return files;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{base} never held the expected output: {:?}", String::from_utf8_lossy(&rotated(dir, base).1));
}

fn assert_error(r: &Resp, status: u16, text: &str) {
    assert_eq!((r.status, r.text().as_str()), (status, text), "{r:?}");
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
}

/// A streamed response read frame by frame as it arrives.
struct Frames {
    resp: reqwest::Response,
    decoder: FrameDecoder,
    ready: VecDeque<StreamFrame>,
}

impl Frames {
    async fn open(t: &TestAgent, path: &str) -> Frames {
        let resp = t.http.get(format!("{}{path}", t.agent.url())).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        Frames { resp, decoder: FrameDecoder::new(), ready: VecDeque::new() }
    }

    /// The next frame; `None` when the body ends.
    async fn next(&mut self) -> Option<StreamFrame> {
        loop {
            if let Some(frame) = self.ready.pop_front() {
                return Some(frame);
            }
            let chunk =
                tokio::time::timeout(Duration::from_secs(20), self.resp.chunk()).await.expect("a frame in time");
            let chunk = chunk.unwrap()?;
            for frame in self.decoder.push(&chunk) {
                self.ready.push_back(frame.unwrap());
            }
        }
    }

    /// Frames until their data adds up to `len` bytes, checking each data frame's `Offset`
    /// against the position in its `File`. Returns the data and the files it came from.
    async fn data(&mut self, len: usize) -> (Vec<u8>, Vec<String>) {
        let (mut data, mut files) = (Vec::new(), Vec::<String>::new());
        let mut position = 0;
        while data.len() < len {
            let frame = self.next().await.expect("the body ends early");
            if frame.data.is_empty() {
                continue;
            }
            if files.last() != Some(&frame.file) {
                files.push(frame.file.clone());
                position = frame.offset - frame.data.len() as i64;
            }
            position += frame.data.len() as i64;
            assert_eq!(frame.offset, position, "{}", frame.file);
            data.extend_from_slice(&frame.data);
        }
        (data, files)
    }
}

const FILES_SCRIPT: &str = r#"
d="$NOMAD_ALLOC_DIR/data"
mkdir -p "$d"
printf 'hello, world\n' > "$d/hello.txt"
printf '<html><body><script>alert(1)</script></body></html>' > "$d/page.html"
: > "$d/empty.txt"
ln -s /etc "$d/etc"
echo ready
sleep 3600
"#;

#[tokio::test]
async fn lists_stats_and_reads_files() {
    let t = TestAgent::start().await;
    let id = run_web(&t, FILES_SCRIPT, 10_000).await;
    let dir = alloc_dir(&t, &id);
    t.wait_file_contains(&dir.join("alloc/logs/web.stdout.0"), "ready").await;

    // ls: the root by default, entries sorted by name, JSON.
    let r = t.get(&format!("/v1/client/fs/ls/{id}")).await;
    assert_eq!((r.status, r.header("content-type")), (200, Some("application/json")));
    let root: Vec<AllocFileInfo> = r.json();
    let names: Vec<&str> = root.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["alloc", "web"]);
    assert!(root.iter().all(|f| f.is_dir && f.file_mode.starts_with('d')));
    let data: Vec<AllocFileInfo> = t.get(&format!("/v1/client/fs/ls/{id}?path=/alloc/data")).await.json();
    let hello = data.iter().find(|f| f.name == "hello.txt").expect("hello.txt listed");
    assert_eq!((hello.size, hello.is_dir), (13, false));
    let r = t.get(&format!("/v1/client/fs/ls/{id}?path=alloc/nothing")).await;
    assert_eq!(r.status, 404);
    assert!(r.text().ends_with("no such file or directory"), "{}", r.text());

    // stat: one file with its sniffed content type.
    let r = t.get(&format!("/v1/client/fs/stat/{id}?path=alloc/data/page.html")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let page: AllocFileInfo = r.json();
    assert_eq!((page.name.as_str(), page.content_type.as_str()), ("page.html", "text/html; charset=utf-8"));
    assert_error(&t.get(&format!("/v1/client/fs/stat/{id}")).await, 400, "must provide a file name");

    // cat: raw bytes, typed as Nomad's untrusted content.
    let r = t.get(&format!("/v1/client/fs/cat/{id}?path=alloc/data/hello.txt")).await;
    assert_eq!((r.status, r.body.as_slice()), (200, &b"hello, world\n"[..]));
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    let r = t.get(&format!("/v1/client/fs/cat/{id}?path=alloc/data/page.html")).await;
    assert_eq!(r.header("content-type"), Some("text/plain"), "HTML must never be served as HTML");
    assert!(r.header("content-security-policy").is_some_and(|csp| csp.contains("sandbox")));
    assert!(r.text().starts_with("<html>"));
    let r = t.get(&format!("/v1/client/fs/cat/{id}?path=alloc/data/empty.txt")).await;
    assert_eq!((r.status, r.body.len(), r.header("content-type")), (200, 0, Some("text/plain; charset=utf-8")));
    assert_error(&t.get(&format!("/v1/client/fs/cat/{id}?path=alloc")).await, 400, r#"file "alloc" is a directory"#);
    assert_error(&t.get(&format!("/v1/client/fs/cat/{id}")).await, 400, "must provide a file name");

    // readat: a window, or to the end without a limit; the offset is required.
    let r = t.get(&format!("/v1/client/fs/readat/{id}?path=alloc/data/hello.txt&offset=7&limit=5")).await;
    assert_eq!((r.status, r.text().as_str()), (200, "world"));
    let r = t.get(&format!("/v1/client/fs/readat/{id}?path=alloc/data/hello.txt&offset=7")).await;
    assert_eq!(r.text(), "world\n");
    assert_error(
        &t.get(&format!("/v1/client/fs/readat/{id}?path=alloc/data/hello.txt")).await,
        500,
        r#"error parsing offset: strconv.ParseInt: parsing "": invalid syntax"#,
    );

    // The allocation and the endpoint must exist.
    let unknown = "0b8c3a2e-51f6-4d4b-9a2f-0f5a3c1d2e4b";
    for endpoint in ["ls", "stat", "cat", "readat", "stream", "logs"] {
        let query = "?path=alloc/data/hello.txt&offset=0&task=web&type=stdout";
        let r = t.get(&format!("/v1/client/fs/{endpoint}/{unknown}{query}")).await;
        assert_error(&r, 404, &format!("Unknown allocation {unknown:?}"));
        assert_error(&t.get(&format!("/v1/client/fs/{endpoint}/")).await, 400, "must provide a valid alloc id");
    }
    assert_error(&t.get(&format!("/v1/client/fs/nope/{id}")).await, 404, "Invalid method");

    // CORS, as on every /v1/client/* endpoint.
    let r = t
        .http
        .get(format!("{}/v1/client/fs/ls/{id}", t.agent.url()))
        .header("Origin", "https://ui.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers().get("access-control-allow-origin").map(|v| v.to_str().unwrap()), Some("*"));
}

#[tokio::test]
async fn paths_stay_in_the_allocation_directory() {
    let t = TestAgent::start().await;
    let id = run_web(&t, FILES_SCRIPT, 10_000).await;
    t.wait_file_contains(&alloc_dir(&t, &id).join("alloc/logs/web.stdout.0"), "ready").await;
    let escapes = "Path escapes the alloc directory";
    for path in ["../..", "alloc/../../x", "alloc/data/etc/hostname"] {
        let q = format!("path={path}&offset=0&follow=false");
        let url = |endpoint: &str| format!("/v1/client/fs/{endpoint}/{id}?{q}");
        // ls and stat fail as Nomad's alloc dir does (500); the readers as its stream RPC (400).
        assert_error(&t.get(&url("ls")).await, 500, escapes);
        assert_error(&t.get(&url("stat")).await, 500, escapes);
        assert_error(&t.get(&url("cat")).await, 400, escapes);
        assert_error(&t.get(&url("readat")).await, 400, escapes);
        assert_error(&t.get(&url("stream")).await, 400, escapes);
    }
    assert_error(&t.get(&format!("/v1/client/fs/ls/{id}?path=alloc/data/etc")).await, 500, escapes);
    // An absolute path names a path in the allocation directory, never the host's.
    let r = t.get(&format!("/v1/client/fs/cat/{id}?path=/etc/hostname")).await;
    assert_eq!(r.status, 400);
    assert!(r.text().ends_with("no such file or directory"), "{}", r.text());
    // Logs take a task name, not a path: only the allocation's tasks have logs.
    let r = t.get(&format!("/v1/client/fs/logs/{id}?task=../web&type=stdout")).await;
    assert_error(&r, 400, r#"unknown task name "../web""#);
}

#[tokio::test]
async fn logs_walk_rotated_files() {
    let t = TestAgent::start().await;
    let script = format!(
        "i=0\nwhile [ $i -lt {LOG_LINES} ]; do echo \"line $i of the log, padded to about forty\"; i=$((i+1)); done\necho oops >&2\nsleep 3600\n"
    );
    let id = run_web(&t, &script, LOG_MAX_BYTES).await;
    let dir = alloc_dir(&t, &id);
    let expected = expected_log();
    let files = wait_rotated(&dir, "web.stdout", &expected).await;
    assert!(files.len() >= 4, "rotation: {files:?}");
    wait_rotated(&dir, "web.stderr", b"oops\n").await;
    let logs = |query: &str| format!("/v1/client/fs/logs/{id}?task=web&{query}");

    // Plain: every rotated file, oldest first, as raw bytes.
    let r = t.get(&logs("type=stdout&plain=true")).await;
    assert_eq!((r.status, r.header("content-type")), (200, Some("text/plain")));
    assert_eq!(r.body, expected);
    assert_eq!(t.get(&logs("type=stderr&plain=1")).await.text(), "oops\n");

    // Framed: the same bytes, each frame naming its file with its exact offset.
    let mut frames = Frames::open(&t, &format!("/v1/client/fs/logs/{id}?task=web&type=stdout")).await;
    assert_eq!(frames.resp.headers()["content-type"], "application/json");
    let (data, framed_files) = frames.data(expected.len()).await;
    assert_eq!(data, expected);
    let names: Vec<String> = files.iter().map(|f| format!("alloc/logs/{f}")).collect();
    assert_eq!(framed_files, names);
    assert!(frames.next().await.is_none(), "without follow the body ends");

    // offset and origin count across files, from the oldest start or back from the newest end.
    assert_eq!(t.get(&logs("type=stdout&plain=true&offset=600")).await.body, &expected[600..]);
    let tail = t.get(&logs("type=stdout&plain=true&origin=end&offset=700")).await.body;
    assert_eq!(tail, &expected[expected.len() - 700..]);
    let (last, _) = rotated(&dir, "web.stdout");
    let newest = std::fs::read(dir.join("alloc/logs").join(last.last().unwrap())).unwrap();
    assert_eq!(
        t.get(&logs("type=stdout&plain=true&origin=end")).await.body,
        newest,
        "origin=end alone is the newest file"
    );

    // Nomad's parameter errors, all 400 on /fs/logs.
    assert_error(&t.get(&format!("/v1/client/fs/logs/{id}?type=stdout")).await, 400, "must provide task name");
    assert_error(&t.get(&logs("type=stdin")).await, 400, "must provide log type (stdout/stderr)");
    assert_error(&t.get(&logs("type=stdout&origin=middle")).await, 400, "origin must be start or end");
    assert_error(
        &t.get(&logs("type=stdout&follow=maybe")).await,
        400,
        r#"failed to parse follow field to boolean: strconv.ParseBool: parsing "maybe": invalid syntax"#,
    );
    assert_error(
        &t.get(&logs("type=stdout&offset=x")).await,
        400,
        r#"error parsing offset: strconv.ParseInt: parsing "x": invalid syntax"#,
    );
    assert_error(
        &t.get(&format!("/v1/client/fs/logs/{id}?task=db&type=stdout")).await,
        400,
        r#"unknown task name "db""#,
    );

    // /fs/stream: one file, framed, from an offset or back from its end.
    let path = format!("alloc/logs/{}", files[0]);
    let first = std::fs::read(dir.join(&path)).unwrap();
    let mut frames = Frames::open(&t, &format!("/v1/client/fs/stream/{id}?path={path}&follow=false&offset=5")).await;
    assert_eq!(frames.resp.headers()["content-type"], "text/plain; charset=utf-8");
    let (data, streamed) = frames.data(first.len() - 5).await;
    assert_eq!((data.as_slice(), streamed), (&first[5..], vec![path.clone()]));
    assert!(frames.next().await.is_none());
    let mut frames =
        Frames::open(&t, &format!("/v1/client/fs/stream/{id}?path={path}&follow=false&origin=end&offset=10")).await;
    assert_eq!(frames.data(10).await.0, &first[first.len() - 10..]);
    let r = t.get(&format!("/v1/client/fs/stream/{id}?path=alloc/logs/none")).await;
    assert_eq!(r.status, 400);
    assert!(r.text().ends_with("no such file or directory"), "{}", r.text());
    assert_error(
        &t.get(&format!("/v1/client/fs/stream/{id}?path={path}&origin=x")).await,
        400,
        "origin must be start or end",
    );
}

#[tokio::test]
async fn logs_of_a_task_that_never_started_are_not_found() {
    let t = TestAgent::start().await;
    let mut init = shell_task("init", "sleep 3600", 100, 64);
    init.lifecycle = Some(TaskLifecycle { hook: "prestart".into(), sidecar: false });
    let web = shell_task("web", "echo never", 100, 64);
    let id = t
        .agent
        .register_job(job("slow", "default", "service", vec![group("slow", 1, vec![init, web])]))
        .unwrap()
        .alloc_ids[0]
        .clone();
    t.wait_alloc(&id, |a| a.task_states.get("init").is_some_and(|s| s.started_at.is_some())).await;
    let r = t.get(&format!("/v1/client/fs/logs/{id}?task=web&type=stdout")).await;
    assert_error(&r, 404, r#"task "web" not started yet. No logs available"#);
}

const FOLLOW_LINES: usize = 80;

fn follow_line(i: usize) -> String {
    format!("follow line {i}\n")
}

#[tokio::test]
async fn follow_delivers_every_byte_across_rotation() {
    let t = TestAgent::start().await;
    let script = format!(
        "i=0\nwhile [ $i -lt {FOLLOW_LINES} ]; do echo \"follow line $i\"; i=$((i+1)); sleep 0.02; done\necho done >&2\nsleep 3600\n"
    );
    let id = run_web(&t, &script, 200).await;
    let dir = alloc_dir(&t, &id);
    let expected: Vec<u8> = (0..FOLLOW_LINES).map(follow_line).collect::<String>().into_bytes();

    // Followed from the start while the task writes and its logs rotate.
    let mut frames = Frames::open(&t, &format!("/v1/client/fs/logs/{id}?task=web&type=stdout&follow=true")).await;
    let (data, framed_files) = frames.data(expected.len()).await;
    let files = wait_rotated(&dir, "web.stdout", &expected).await;
    assert_eq!(data, expected, "frames: {:?}", String::from_utf8_lossy(&data));
    assert!(files.len() >= 4, "rotation: {files:?}");
    assert_eq!(framed_files, files.iter().map(|f| format!("alloc/logs/{f}")).collect::<Vec<_>>());

    // Idle, a followed body sends heartbeats and stays open.
    wait_rotated(&dir, "web.stderr", b"done\n").await;
    let mut stderr = Frames::open(&t, &format!("/v1/client/fs/stream/{id}?path=alloc/logs/web.stderr.0")).await;
    assert_eq!(stderr.data(5).await.0, b"done\n");
    let heartbeat = stderr.next().await.expect("followed bodies stay open");
    assert!(heartbeat.is_heartbeat(), "{heartbeat:?}");

    // Plain follow delivers the same bytes.
    let mut plain = t
        .http
        .get(format!("{}/v1/client/fs/logs/{id}?task=web&type=stdout&follow=true&plain=true", t.agent.url()))
        .send()
        .await
        .unwrap();
    let mut body = Vec::new();
    while body.len() < expected.len() {
        let chunk = tokio::time::timeout(Duration::from_secs(20), plain.chunk()).await.unwrap().unwrap();
        body.extend_from_slice(&chunk.expect("followed bodies stay open"));
    }
    assert_eq!(body, expected);
}

#[tokio::test]
async fn gzip_does_not_hold_back_a_stream() {
    let t = TestAgent::start().await;
    let id = run_web(&t, "echo first line; sleep 3600", 10_000).await;
    t.wait_file_contains(&alloc_dir(&t, &id).join("alloc/logs/web.stdout.0"), "first line").await;
    for path in [
        format!("/v1/client/fs/logs/{id}?task=web&type=stdout&follow=true"),
        format!("/v1/client/fs/stream/{id}?path=alloc/logs/web.stdout.0"),
    ] {
        let mut r =
            t.http.get(format!("{}{path}", t.agent.url())).header("Accept-Encoding", "gzip").send().await.unwrap();
        assert_eq!(r.headers().get("content-encoding").map(|v| v.to_str().unwrap()), Some("gzip"), "{path}");
        // The body never ends (follow): the first frame must come through the compressor anyway.
        let mut gunzip = flate2::write::GzDecoder::new(Vec::new());
        let mut decoder = FrameDecoder::new();
        let mut data = Vec::new();
        while data != b"first line\n" {
            let chunk =
                tokio::time::timeout(Duration::from_secs(20), r.chunk()).await.expect("a frame in time").unwrap();
            gunzip.write_all(&chunk.expect("followed bodies stay open")).unwrap();
            gunzip.flush().unwrap();
            for frame in decoder.push(&std::mem::take(gunzip.get_mut())) {
                data.extend_from_slice(&frame.unwrap().data);
            }
        }
    }
}

#[tokio::test]
async fn reading_files_and_logs_needs_read_fs_or_read_logs() {
    let t = TestAgent::start_with(|c| c.acl = true).await;
    let s = t.agent.acl_secrets().unwrap();
    let id = run_web(&t, FILES_SCRIPT, 10_000).await;
    t.wait_file_contains(&alloc_dir(&t, &id).join("alloc/logs/web.stdout.0"), "ready").await;
    let paths: Vec<String> = [
        "ls/{id}",
        "stat/{id}?path=alloc/data/hello.txt",
        "cat/{id}?path=alloc/data/hello.txt",
        "readat/{id}?path=alloc/data/hello.txt&offset=0",
        "stream/{id}?path=alloc/data/hello.txt&follow=false",
        "logs/{id}?task=web&type=stdout",
    ]
    .iter()
    .map(|p| format!("/v1/client/fs/{}", p.replace("{id}", &id)))
    .collect();
    for path in &paths {
        // Nomad's read policy (the read-only token) has neither read-fs nor read-logs.
        for token in [Some(s.readonly.as_str()), None] {
            assert_error(&t.send(Method::GET, path, token, None).await, 403, "Permission denied");
        }
        // `ACL.WhoAmI`'s claim parser error (`client/acl.go`, tests/client_tokens.rs), coded
        // by the endpoint (`client/fs_endpoint.go`): 403 by `stream`, none (500) by `logs`.
        let bad = t.send(Method::GET, path, Some("not-a-token"), None).await;
        let code = if path.contains("/stream/") { 403 } else { 500 };
        assert_error(
            &bad,
            code,
            "failed to parse signed token: go-jose/go-jose: compact JWS format must have three parts",
        );
        for token in [&s.operator, &s.management] {
            let r = t.send(Method::GET, path, Some(token), None).await;
            assert_eq!(r.status, 200, "{path}: {}", r.text());
            if path.contains("/cat/") {
                assert_eq!(r.text(), "hello, world\n");
            }
        }
    }
}
