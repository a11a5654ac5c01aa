//! FIFOs and sockets in the allocation directory: never opened to read, refused with a 400
//! that names them, and described by stat and ls (issue 16: reading a FIFO waited forever).
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use alloc_fs::{cat, list, read_at, stat, stream_file, stream_logs, FsError, LogType, Origin};
use common::{alloc_dir, write};
use std::future::Future;
use std::time::Duration;

/// Every call must answer at once: a FIFO opened to read would wait for a writer forever.
async fn promptly<T>(call: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(5), call).await.expect("answered promptly")
}

fn mkfifo(path: &std::path::Path) {
    rustix::fs::mknodat(rustix::fs::CWD, path, rustix::fs::FileType::Fifo, rustix::fs::Mode::from(0o644), 0)
        .expect("mkfifo");
}

fn assert_refused(err: FsError, path: &str, kind: &str) {
    assert_eq!((err.code(), err.to_string()), (400, format!("file {path:?} is a {kind}")));
}

#[tokio::test]
async fn a_fifo_is_described_but_never_read() {
    let dir = alloc_dir();
    mkfifo(&dir.path().join("alloc/data/pipe"));
    let path = "alloc/data/pipe";
    assert_refused(promptly(cat(dir.path(), path)).await.err().expect("cat"), path, "named pipe");
    assert_refused(promptly(read_at(dir.path(), path, 0, 10)).await.err().expect("readat"), path, "named pipe");
    for (follow, origin) in [(true, Origin::Start), (false, Origin::End)] {
        let err = promptly(stream_file(dir.path(), path, 0, origin, follow)).await.err().expect("stream");
        assert_refused(err, path, "named pipe");
    }
    assert_refused(promptly(list(dir.path(), path)).await.expect_err("ls"), path, "named pipe");

    // stat and ls describe it (fstat and lstat do not open it); Go's mode string shows a pipe.
    let info = promptly(stat(dir.path(), path)).await.expect("stat");
    assert_eq!((info.name.as_str(), info.is_dir, info.size), ("pipe", false, 0));
    assert_eq!((info.file_mode.as_str(), info.content_type.as_str()), ("prw-r--r--", "application/octet-stream"));
    let listed = promptly(list(dir.path(), "alloc/data")).await.expect("ls");
    assert_eq!(
        listed.iter().map(|f| (f.name.as_str(), f.file_mode.as_str())).collect::<Vec<_>>(),
        [("pipe", "prw-r--r--")]
    );

    // Through a symlink that stays inside, the same.
    std::os::unix::fs::symlink("pipe", dir.path().join("alloc/data/link")).expect("symlink");
    assert_refused(
        promptly(cat(dir.path(), "alloc/data/link")).await.err().expect("cat"),
        "alloc/data/link",
        "named pipe",
    );
}

#[tokio::test]
async fn a_fifo_among_the_logs_is_refused_when_reached() {
    let dir = alloc_dir();
    write(dir.path(), "alloc/logs/web.stdout.0", b"first\n");
    mkfifo(&dir.path().join("alloc/logs/web.stdout.1"));
    let err =
        promptly(stream_logs(dir.path(), "web", LogType::Stdout, 0, Origin::End, true)).await.err().expect("logs");
    assert_refused(err, "alloc/logs/web.stdout.1", "named pipe");
}

#[tokio::test]
async fn a_socket_is_refused_too() {
    let dir = alloc_dir();
    let _listener = std::os::unix::net::UnixListener::bind(dir.path().join("alloc/data/sock")).expect("bind");
    let path = "alloc/data/sock";
    assert_refused(promptly(cat(dir.path(), path)).await.err().expect("cat"), path, "socket");
    assert_refused(promptly(list(dir.path(), path)).await.expect_err("ls"), path, "socket");
    let info = promptly(stat(dir.path(), path)).await.expect("stat");
    assert!(info.file_mode.starts_with('S'), "{}", info.file_mode);
}

/// Many requests on a FIFO at once take no thread each: they all answer, and so does a
/// request on another allocation right after.
#[tokio::test]
async fn many_requests_on_a_fifo_answer_and_another_allocation_still_does() {
    let busy = alloc_dir();
    mkfifo(&busy.path().join("alloc/data/pipe"));
    let other = alloc_dir();
    write(other.path(), "alloc/data/hello", b"hello");
    let calls = (0..600).map(|_| async {
        let err = cat(busy.path(), "alloc/data/pipe").await.err().expect("refused");
        assert_eq!(err.code(), 400);
    });
    promptly(futures_util::future::join_all(calls)).await;
    let names: Vec<_> =
        promptly(list(other.path(), "alloc/data")).await.expect("ls").into_iter().map(|f| f.name).collect();
    assert_eq!(names, ["hello"]);
}
