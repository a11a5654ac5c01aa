//! /fs/logs: rotated files in order, origin and offset across files, following rotation,
//! plain mode, and the resume scheme of the crate docs.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use alloc_fs::{list, plain, stream_logs, LogType, Origin};
use common::{alloc_dir, append, collect, write, Reader};
use std::path::Path;
use std::time::Duration;

fn log(n: u32) -> String {
    format!("alloc/logs/web.stdout.{n}")
}

#[tokio::test]
async fn a_missing_log_is_404_before_streaming() {
    let dir = alloc_dir();
    write(dir.path(), "alloc/logs/web.stderr.0", b"err");
    write(dir.path(), "alloc/logs/api.stdout.0", b"other task");
    let err = stream_logs(dir.path(), "web", LogType::Stdout, 0, Origin::Start, true).await.err().expect("404");
    assert_eq!(
        (err.code(), err.to_string().as_str()),
        (404, r#"log entry for task "web" and log type "stdout" not found"#)
    );
    let err = stream_logs(dir.path(), "", LogType::Stdout, 0, Origin::Start, false).await.err().expect("no task");
    assert_eq!((err.code(), err.to_string().as_str()), (400, "must provide task name"));
}

#[tokio::test]
async fn a_stray_file_is_nomads_index_error() {
    let dir = alloc_dir();
    write(dir.path(), &log(0), b"a");
    write(dir.path(), "alloc/logs/web.stdout.old", b"b");
    let err = stream_logs(dir.path(), "web", LogType::Stdout, 0, Origin::Start, false).await.err().expect("bad index");
    assert_eq!(err.code(), 500);
    assert_eq!(
        err.to_string(),
        r#"failed to convert "old" to a log index: strconv.Atoi: parsing "old": invalid syntax"#
    );
}

#[tokio::test]
async fn without_follow_walks_every_file_in_index_order() {
    let dir = alloc_dir();
    // Index order, not name order: 10 comes after 9.
    let files = [(8, "eight\n"), (9, "nine\n"), (10, "ten\n")];
    for (n, text) in files {
        write(dir.path(), &log(n), text.as_bytes());
    }
    write(dir.path(), "alloc/logs/web.stderr.0", b"not stdout");
    let mut r =
        Reader::new(stream_logs(dir.path(), "web", LogType::Stdout, 0, Origin::Start, false).await.expect("stream"));
    r.read_to_end().await;
    assert_eq!(r.data, b"eight\nnine\nten\n");
    let files: Vec<_> = r.frames.iter().map(|f| f.file.as_str()).collect();
    assert_eq!(files, [log(8), log(9), log(10)]);
    assert_eq!(r.position, Some((log(10), 4)));
}

#[tokio::test]
async fn offsets_cross_files_from_either_origin() {
    let dir = alloc_dir();
    write(dir.path(), &log(0), b"aaaaaaaaaa");
    write(dir.path(), &log(1), b"bbbbb");
    let cases = [
        (8, Origin::End, &b"aaabbbbb"[..], log(0)),
        (3, Origin::End, b"bbb", log(1)),
        (100, Origin::End, b"aaaaaaaaaabbbbb", log(0)),
        // Nomad's origin=end with offset 0 starts at the beginning of the newest file.
        (0, Origin::End, b"bbbbb", log(1)),
        (12, Origin::Start, b"bbb", log(1)),
        (4, Origin::Start, b"aaaaaabbbbb", log(0)),
    ];
    for (offset, origin, want, first_file) in cases {
        let mut r =
            Reader::new(stream_logs(dir.path(), "web", LogType::Stdout, offset, origin, false).await.expect("stream"));
        r.read_to_end().await;
        assert_eq!(r.data, want, "{offset} {origin:?}");
        assert_eq!(r.frames[0].file, first_file, "{offset} {origin:?}");
    }
}

#[tokio::test]
async fn follow_switches_to_the_next_file_without_losing_a_byte() {
    let dir = alloc_dir();
    write(dir.path(), &log(0), b"one\n");
    let mut r =
        Reader::new(stream_logs(dir.path(), "web", LogType::Stdout, 0, Origin::Start, true).await.expect("stream"));
    r.read_data(4).await;
    // The writer finishes .0, then rotates to .1 and writes there at once.
    append(dir.path(), &log(0), b"two\n");
    write(dir.path(), &log(1), b"three\n");
    append(dir.path(), &log(1), b"four\n");
    r.read_data(19).await;
    assert_eq!(r.data, b"one\ntwo\nthree\nfour\n");
    assert_eq!(r.position, Some((log(1), 11)));
    assert_eq!(r.frames.iter().rev().find(|f| !f.data.is_empty()).expect("data").file, log(1));

    // Batched: many small writes in a burst arrive in fewer frames than writes.
    let before = r.frames.len();
    for i in 0..50 {
        append(dir.path(), &log(1), format!("{i}\n").as_bytes());
    }
    let total = 19 + (0..50).map(|i: i32| i.to_string().len() + 1).sum::<usize>();
    r.read_data(total).await;
    let data_frames = r.frames[before..].iter().filter(|f| !f.data.is_empty()).count();
    assert!(data_frames < 50, "{data_frames} frames for 50 writes");
}

#[tokio::test]
async fn follow_survives_the_old_file_being_deleted_at_rotation() {
    let dir = alloc_dir();
    write(dir.path(), &log(0), b"first\n");
    let mut r =
        Reader::new(stream_logs(dir.path(), "web", LogType::Stdout, 0, Origin::Start, true).await.expect("stream"));
    r.read_data(6).await;
    append(dir.path(), &log(0), b"last of zero\n");
    write(dir.path(), &log(1), b"one\n");
    std::fs::remove_file(dir.path().join(log(0))).expect("rm");
    r.read_data(6 + 13 + 4).await;
    assert_eq!(r.data, b"first\nlast of zero\none\n");
}

/// A writer rotating every `max` bytes and keeping `keep` files, as the client's log
/// rotator does. Returns every byte it wrote, in order.
async fn write_rotating(root: &Path, lines: usize, max: usize, keep: u32) -> Vec<u8> {
    let mut written = Vec::new();
    let (mut index, mut size) = (0u32, 0usize);
    for i in 0..lines {
        let line = format!("line {i:05} {}\n", "x".repeat(i % 37));
        if size + line.len() > max {
            index += 1;
            size = 0;
            write(root, &log(index), b"");
            if index >= keep {
                let _ = std::fs::remove_file(root.join(log(index - keep)));
            }
        }
        append(root, &log(index), line.as_bytes());
        size += line.len();
        written.extend_from_slice(line.as_bytes());
        if i % 200 == 0 {
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
    }
    written
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_frames_concatenated_equal_the_log_byte_for_byte() {
    let dir = alloc_dir();
    write(dir.path(), &log(0), b"");
    let mut r =
        Reader::new(stream_logs(dir.path(), "web", LogType::Stdout, 0, Origin::Start, true).await.expect("stream"));
    let root = dir.path().to_path_buf();
    // Enough files kept that the reader is never lapped.
    let writer = tokio::spawn(async move { write_rotating(&root, 3000, 20_000, 50).await });
    let written = writer.await.expect("writer");
    r.read_data(written.len()).await;
    assert_eq!(r.data, written);
    let files: std::collections::BTreeSet<_> =
        r.frames.iter().filter(|f| !f.data.is_empty()).map(|f| f.file.clone()).collect();
    assert!(files.len() > 3, "rotated across {} files", files.len());
}

#[tokio::test]
async fn plain_mode_is_the_logs_bytes() {
    let dir = alloc_dir();
    write(dir.path(), &log(0), "héllo ".as_bytes());
    write(dir.path(), &log(1), b"world\n");
    let body = plain(stream_logs(dir.path(), "web", LogType::Stdout, 0, Origin::Start, false).await.expect("stream"));
    assert_eq!(collect(body).await, "héllo world\n".as_bytes());
}

/// The client side of the resume scheme in the crate docs, steps 2 to 4.
async fn resume(root: &Path, position: &(String, i64)) -> Reader {
    let (file, end) = position;
    let index_of = |name: &str| name.rsplit('.').next().and_then(|n| n.parse::<i64>().ok());
    let current = index_of(file).expect("index");
    let listed = list(root, "alloc/logs").await.expect("ls");
    let base: i64 = listed
        .iter()
        .filter(|f| f.name.starts_with("web.stdout."))
        .filter(|f| index_of(&f.name).is_some_and(|k| k < current))
        .map(|f| f.size)
        .sum();
    Reader::new(stream_logs(root, "web", LogType::Stdout, base + end, Origin::Start, true).await.expect("resume"))
}

#[tokio::test]
async fn a_dropped_stream_resumes_with_no_gap_and_no_duplicate() {
    let dir = alloc_dir();
    write(dir.path(), &log(0), b"zero-a\n");
    write(dir.path(), &log(1), b"one-a\n");
    let mut r =
        Reader::new(stream_logs(dir.path(), "web", LogType::Stdout, 0, Origin::Start, true).await.expect("stream"));
    r.read_data(13).await;
    let position = r.position.clone().expect("position");
    let mut shown = r.data.clone();
    drop(r);

    // While disconnected: more output, a rotation, and the oldest file rotated out.
    append(dir.path(), &log(1), b"one-b\n");
    write(dir.path(), &log(2), b"two-a\n");
    std::fs::remove_file(dir.path().join(log(0))).expect("rm");

    let mut r = resume(dir.path(), &position).await;
    r.read_data(12).await;
    shown.extend_from_slice(&r.data);
    assert_eq!(shown, b"zero-a\none-a\none-b\ntwo-a\n");
    let first = r.frames.iter().find(|f| !f.data.is_empty()).expect("data");
    assert_eq!((first.file.as_str(), first.offset - first.data.len() as i64), (position.0.as_str(), position.1));

    // Resuming exactly at the end of a file that has since rotated goes on in the next.
    let position = r.position.clone().expect("position");
    drop(r);
    append(dir.path(), &log(3), b"three\n");
    let mut r = resume(dir.path(), &position).await;
    r.read_data(6).await;
    assert_eq!(r.data, b"three\n");
    assert_eq!(r.frames.iter().find(|f| !f.data.is_empty()).expect("data").file, log(3));
}
