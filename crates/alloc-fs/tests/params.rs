//! Query parsing with Nomad's defaults, messages and status codes.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use alloc_fs::{ListRequest, LogType, LogsRequest, Origin, PathRequest, ReadAtRequest, StreamRequest};
use std::collections::HashMap;

fn q(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn err<T: std::fmt::Debug>(r: Result<T, alloc_fs::FsError>) -> (u16, String) {
    let e = r.expect_err("an error");
    (e.code(), e.to_string())
}

#[test]
fn list_and_path_requests() {
    assert_eq!(ListRequest::from_query(&q(&[])).path, "/");
    assert_eq!(ListRequest::from_query(&q(&[("path", "alloc/logs")])).path, "alloc/logs");
    assert_eq!(PathRequest::from_query(&q(&[("path", "/alloc/x")])).expect("path").path, "/alloc/x");
    assert_eq!(err(PathRequest::from_query(&q(&[]))), (400, "must provide a file name".into()));
    assert_eq!(err(PathRequest::from_query(&q(&[("path", "")]))), (400, "must provide a file name".into()));
}

#[test]
fn read_at_request() {
    let r = ReadAtRequest::from_query(&q(&[("path", "a"), ("offset", "10"), ("limit", "5")])).expect("ok");
    assert_eq!((r.offset, r.limit), (10, 5));
    let r = ReadAtRequest::from_query(&q(&[("path", "a"), ("offset", "0")])).expect("no limit");
    assert_eq!(r.limit, 0);
    // offset is required: Go parses "" and fails, uncoded (500).
    assert_eq!(
        err(ReadAtRequest::from_query(&q(&[("path", "a")]))),
        (500, r#"error parsing offset: strconv.ParseInt: parsing "": invalid syntax"#.into())
    );
    assert_eq!(
        err(ReadAtRequest::from_query(&q(&[("path", "a"), ("offset", "1"), ("limit", "x")]))),
        (500, r#"error parsing limit: strconv.ParseInt: parsing "x": invalid syntax"#.into())
    );
    assert_eq!(
        err(ReadAtRequest::from_query(&q(&[("path", "a"), ("offset", "99999999999999999999")]))),
        (500, r#"error parsing offset: strconv.ParseInt: parsing "99999999999999999999": value out of range"#.into())
    );
    assert_eq!(err(ReadAtRequest::from_query(&q(&[("offset", "1")]))).1, "must provide a file name");
}

#[test]
fn stream_request() {
    let r = StreamRequest::from_query(&q(&[("path", "alloc/logs/x")])).expect("defaults");
    assert_eq!((r.follow, r.offset, r.origin), (true, 0, Origin::Start));
    let r = StreamRequest::from_query(&q(&[("path", "p"), ("follow", "F"), ("offset", "-3"), ("origin", "end")]))
        .expect("all");
    assert_eq!((r.follow, r.offset, r.origin), (false, -3, Origin::End));
    assert_eq!(
        err(StreamRequest::from_query(&q(&[("path", "p"), ("follow", "yes")]))),
        (500, r#"failed to parse follow field to boolean: strconv.ParseBool: parsing "yes": invalid syntax"#.into())
    );
    assert_eq!(err(StreamRequest::from_query(&q(&[("path", "p"), ("offset", "1.5")]))).0, 500);
    assert_eq!(
        err(StreamRequest::from_query(&q(&[("path", "p"), ("origin", "middle")]))),
        (400, "origin must be start or end".into())
    );
    assert_eq!(err(StreamRequest::from_query(&q(&[]))), (400, "must provide a file name".into()));
}

#[test]
fn logs_request() {
    let r = LogsRequest::from_query(&q(&[("task", "web"), ("type", "stderr")])).expect("defaults");
    assert_eq!(
        (r.task.as_str(), r.log_type, r.follow, r.plain, r.offset, r.origin),
        ("web", LogType::Stderr, false, false, 0, Origin::Start)
    );
    let r = LogsRequest::from_query(&q(&[
        ("task", "web"),
        ("type", "stdout"),
        ("follow", "true"),
        ("plain", "1"),
        ("offset", "50000"),
        ("origin", "end"),
    ]))
    .expect("all");
    assert_eq!((r.follow, r.plain, r.offset, r.origin), (true, true, 50000, Origin::End));

    // Checked in Nomad's order: task, follow, plain, type, offset, origin; all coded 400.
    assert_eq!(err(LogsRequest::from_query(&q(&[("type", "bad")]))), (400, "must provide task name".into()));
    assert_eq!(
        err(LogsRequest::from_query(&q(&[("task", "web"), ("follow", "nope"), ("type", "bad")]))),
        (400, r#"failed to parse follow field to boolean: strconv.ParseBool: parsing "nope": invalid syntax"#.into())
    );
    assert_eq!(
        err(LogsRequest::from_query(&q(&[("task", "web"), ("plain", "2")]))),
        (400, r#"failed to parse plain field to boolean: strconv.ParseBool: parsing "2": invalid syntax"#.into())
    );
    assert_eq!(
        err(LogsRequest::from_query(&q(&[("task", "web")]))),
        (400, "must provide log type (stdout/stderr)".into())
    );
    assert_eq!(
        err(LogsRequest::from_query(&q(&[("task", "web"), ("type", "stdout"), ("offset", "x")]))),
        (400, r#"error parsing offset: strconv.ParseInt: parsing "x": invalid syntax"#.into())
    );
    assert_eq!(
        err(LogsRequest::from_query(&q(&[("task", "web"), ("type", "stdout"), ("origin", "x")]))),
        (400, "origin must be start or end".into())
    );
}
