//! /fs/stream: framed, batched, followed, truncated, deleted.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use alloc_fs::{plain, stream_file, Origin};
use common::{alloc_dir, append, collect, write, Reader};
use nomad_api::{FILE_DELETED, FILE_TRUNCATED};

const PATH: &str = "alloc/logs/app.log";

#[tokio::test]
async fn without_follow_sends_the_file_and_ends() {
    let dir = alloc_dir();
    let content: Vec<u8> = (0..150_000u32).map(|i| (i % 241) as u8).collect();
    write(dir.path(), PATH, &content);
    let mut r = Reader::new(stream_file(dir.path(), PATH, 0, Origin::Start, false).await.expect("stream"));
    r.read_to_end().await;
    assert_eq!(r.data, content);
    // 64 KiB frames, each naming the path as given, the last ending at the file's size.
    let sizes: Vec<_> = r.frames.iter().map(|f| f.data.len()).collect();
    assert_eq!(sizes, [65_536, 65_536, 150_000 - 131_072]);
    assert!(r.frames.iter().all(|f| f.file == PATH && f.file_event.is_empty()));
    assert_eq!(r.position, Some((PATH.to_string(), 150_000)));
}

#[tokio::test]
async fn offset_and_origin() {
    let dir = alloc_dir();
    write(dir.path(), PATH, b"0123456789");
    let cases = [
        (3, Origin::Start, &b"3456789"[..]),
        (4, Origin::End, b"6789"),
        (0, Origin::End, b""),
        (50, Origin::End, b"0123456789"),
        (10, Origin::Start, b""),
    ];
    for (offset, origin, want) in cases {
        let mut r = Reader::new(stream_file(dir.path(), PATH, offset, origin, false).await.expect("stream"));
        r.read_to_end().await;
        assert_eq!(r.data, want, "{offset} {origin:?}");
    }
    // The path as the client spelled it is echoed in File.
    let mut r =
        Reader::new(stream_file(dir.path(), "/alloc/logs/app.log", 8, Origin::Start, false).await.expect("stream"));
    r.read_to_end().await;
    assert_eq!((r.frames[0].file.as_str(), r.frames[0].offset), ("/alloc/logs/app.log", 10));
}

#[tokio::test]
async fn errors_come_before_the_stream() {
    let dir = alloc_dir();
    let err = stream_file(dir.path(), "alloc/logs", 0, Origin::Start, true).await.err().expect("dir");
    assert_eq!((err.code(), err.to_string().as_str()), (400, r#"file "alloc/logs" is a directory"#));
    let err = stream_file(dir.path(), "alloc/logs/none", 0, Origin::Start, true).await.err().expect("missing");
    assert_eq!(err.code(), 400);
    assert!(err.to_string().ends_with("alloc/logs/none: no such file or directory"), "{err}");
    let err = stream_file(dir.path(), "../../etc/passwd", 0, Origin::Start, true).await.err().expect("escape");
    assert_eq!((err.code(), err.to_string().as_str()), (400, "Path escapes the alloc directory"));
    write(dir.path(), "web/secrets/k", b"k");
    let err = stream_file(dir.path(), "web/secrets/k", 0, Origin::Start, false).await.err().expect("secret");
    assert_eq!(err.code(), 500);
    write(dir.path(), PATH, b"x");
    let err = stream_file(dir.path(), PATH, -1, Origin::Start, false).await.err().expect("negative");
    assert_eq!(err.code(), 500);
}

#[tokio::test]
async fn follow_delivers_appended_bytes_and_heartbeats_while_idle() {
    let dir = alloc_dir();
    write(dir.path(), PATH, b"first\n");
    let mut r = Reader::new(stream_file(dir.path(), PATH, 0, Origin::Start, true).await.expect("stream"));
    r.read_data(6).await;
    append(dir.path(), PATH, b"second\n");
    r.read_data(13).await;
    append(dir.path(), PATH, "thi€".as_bytes());
    append(dir.path(), PATH, b"rd\n");
    r.read_data(13 + 9).await;
    assert_eq!(r.data, "first\nsecond\nthi€rd\n".as_bytes());
    assert_eq!(r.position, Some((PATH.to_string(), 22)));

    // Nothing more is written: the next frame is a heartbeat, `{}` on the wire.
    let frame = r.next().await.expect("still open");
    assert!(frame.is_heartbeat(), "{frame:?}");
    assert!(r.raw().windows(2).any(|w| w == b"{}"));
}

#[tokio::test]
async fn truncation_restarts_from_zero() {
    let dir = alloc_dir();
    write(dir.path(), PATH, b"hello world\n");
    let mut r = Reader::new(stream_file(dir.path(), PATH, 0, Origin::Start, true).await.expect("stream"));
    r.read_data(12).await;
    write(dir.path(), PATH, b"new\n");
    let event = loop {
        let frame = r.next().await.expect("open");
        if !frame.is_heartbeat() {
            break frame;
        }
    };
    assert_eq!((event.file.as_str(), event.file_event.as_str(), event.data.len()), (PATH, FILE_TRUNCATED, 0));
    r.read_data(16).await;
    assert_eq!(&r.data[12..], b"new\n");
    assert_eq!(r.position, Some((PATH.to_string(), 4)));
}

#[tokio::test]
async fn deletion_is_announced_and_ends_the_stream() {
    let dir = alloc_dir();
    write(dir.path(), PATH, b"abc");
    let mut r = Reader::new(stream_file(dir.path(), PATH, 0, Origin::Start, true).await.expect("stream"));
    r.read_data(3).await;
    // Written just before the deletion: still delivered, through the open file.
    append(dir.path(), PATH, b"def");
    std::fs::remove_file(dir.path().join(PATH)).expect("rm");
    r.read_to_end().await;
    assert_eq!(r.data, b"abcdef");
    let last = r.frames.last().expect("frames");
    assert_eq!((last.file.as_str(), last.file_event.as_str(), last.offset), (PATH, FILE_DELETED, 6));
}

#[tokio::test]
async fn a_file_replaced_at_its_path_counts_as_deleted() {
    let dir = alloc_dir();
    write(dir.path(), PATH, b"old");
    let mut r = Reader::new(stream_file(dir.path(), PATH, 0, Origin::Start, true).await.expect("stream"));
    r.read_data(3).await;
    write(dir.path(), "alloc/logs/tmp", b"replacement");
    std::fs::rename(dir.path().join("alloc/logs/tmp"), dir.path().join(PATH)).expect("mv");
    r.read_to_end().await;
    assert_eq!(r.data, b"old");
    assert_eq!(r.frames.last().expect("frames").file_event, FILE_DELETED);
}

#[tokio::test]
async fn plain_mode_is_the_file_bytes() {
    let dir = alloc_dir();
    let content: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 256) as u8).collect();
    write(dir.path(), PATH, &content);
    let body = plain(stream_file(dir.path(), PATH, 0, Origin::Start, false).await.expect("stream"));
    assert_eq!(collect(body).await, content);
}
