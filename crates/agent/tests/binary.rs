//! The `caravan-agent` binary: the line it prints, the ACL files, and that SIGTERM takes
//! the tasks down with it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Processes whose environment names `dir` (the client gives tasks their alloc dir).
fn tasks_under(dir: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().chars().all(|c| c.is_ascii_digit()))
        .filter(|e| std::fs::read(e.path().join("environ")).is_ok_and(|env| String::from_utf8_lossy(&env).contains(dir)))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn prints_its_address_and_stops_its_tasks_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let mut child = Command::new(env!("CARGO_BIN_EXE_caravan-agent"))
        .args(["--port", "0", "--acl", "--data-dir"])
        .arg(&data_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first.strip_prefix("Caravan agent listening on http://127.0.0.1:").expect(&first);
    assert!(url.parse::<u16>().is_ok_and(|port| port > 0), "{first}");
    let printed: Vec<String> = lines.by_ref().take(4).map(|l| l.unwrap()).collect();
    let tokens: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data_dir.join("acl-tokens.json")).unwrap()).unwrap();
    let management = tokens["management"].as_str().unwrap();
    assert!(printed.iter().any(|l| l.contains(management)), "{printed:?}");

    // The demo jobs start real processes.
    let marker = data_dir.to_string_lossy().into_owned();
    let deadline = Instant::now() + Duration::from_secs(20);
    while tasks_under(&marker).len() < 5 {
        assert!(Instant::now() < deadline, "demo tasks did not start");
        std::thread::sleep(Duration::from_millis(100));
    }

    // A blocking query held open must not hold up the shutdown.
    let port = url.parse::<u16>().unwrap();
    let mut blocked = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let request = format!("GET /v1/allocations?index=999999&wait=5m HTTP/1.1\r\nHost: a\r\nX-Nomad-Token: {management}\r\n\r\n");
    std::io::Write::write_all(&mut blocked, request.as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(200));

    let stopping = Instant::now();
    // SAFETY: signalling the child this test started.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(stopping.elapsed() < Duration::from_secs(8), "shutdown waited for the blocked query");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !tasks_under(&marker).is_empty() {
        assert!(Instant::now() < deadline, "tasks outlived the agent: {:?}", tasks_under(&marker));
        std::thread::sleep(Duration::from_millis(100));
    }
}
