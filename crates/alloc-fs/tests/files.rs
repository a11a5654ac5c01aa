//! ls, stat, cat, readat and path confinement.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use alloc_fs::{cat, list, read_at, resolve, stat, FsError};
use common::{alloc_dir, collect, write};
use std::os::unix::fs::{symlink, PermissionsExt};

#[test]
fn resolve_keeps_paths_inside_the_alloc_dir() {
    let dir = alloc_dir();
    let root = dir.path().canonicalize().expect("canonical");
    for path in ["", "/", ".", "alloc/.."] {
        assert_eq!(resolve(dir.path(), path).expect(path), root);
    }
    assert_eq!(resolve(dir.path(), "/alloc/logs").expect("abs"), root.join("alloc/logs"));
    assert_eq!(resolve(dir.path(), "alloc/../web/./local").expect("dots"), root.join("web/local"));
    // A path that does not exist yet still resolves (a log about to be created).
    assert_eq!(resolve(dir.path(), "alloc/logs/web.stdout.9").expect("new"), root.join("alloc/logs/web.stdout.9"));
    // An absolute path names a file in the alloc dir, never the host's.
    assert_eq!(resolve(dir.path(), "/etc/passwd").expect("abs"), root.join("etc/passwd"));
}

#[test]
fn resolve_refuses_escapes() {
    let dir = alloc_dir();
    symlink("/etc", dir.path().join("alloc/data/etc")).expect("symlink");
    symlink("/etc/hostname", dir.path().join("alloc/data/host")).expect("symlink");
    for path in [
        "..",
        "../x",
        "alloc/../../x",
        "/../etc/passwd",
        "alloc/data/etc",
        "alloc/data/etc/passwd",
        "alloc/data/host",
        "alloc/data/etc/no-such-file",
    ] {
        let err = resolve(dir.path(), path).expect_err(path);
        assert!(matches!(err, FsError::PathEscapes), "{path}: {err}");
        assert_eq!(err.to_string(), "Path escapes the alloc directory");
    }
    // A symlink that stays inside is fine and resolved.
    symlink("../logs", dir.path().join("alloc/data/logs")).expect("symlink");
    let root = dir.path().canonicalize().expect("canonical");
    assert_eq!(resolve(dir.path(), "alloc/data/logs").expect("inside"), root.join("alloc/logs"));
}

#[tokio::test]
async fn traversal_is_refused_by_every_reader() {
    let dir = alloc_dir();
    symlink("/etc", dir.path().join("alloc/data/etc")).expect("symlink");
    for path in ["../../etc/passwd", "alloc/data/etc/passwd"] {
        let err = list(dir.path(), path).await.expect_err("ls");
        assert_eq!((err.code(), err.to_string().as_str()), (500, "Path escapes the alloc directory"));
        let err = stat(dir.path(), path).await.expect_err("stat");
        assert_eq!(err.code(), 500);
        // The stream RPC answers every failed stat with 400.
        let err = cat(dir.path(), path).await.err().expect("cat");
        assert_eq!((err.code(), err.to_string().as_str()), (400, "Path escapes the alloc directory"));
        let err = read_at(dir.path(), path, 0, 10).await.err().expect("readat");
        assert_eq!(err.code(), 400);
    }
    // `/etc/passwd` is looked up inside the alloc dir, where there is none.
    let err = cat(dir.path(), "/etc/passwd").await.err().expect("cat");
    assert_eq!(err.code(), 400);
    assert!(err.to_string().ends_with("/etc/passwd: no such file or directory"), "{err}");
    assert!(err.to_string().starts_with("stat "), "{err}");
}

#[tokio::test]
async fn list_is_sorted_with_go_file_modes() {
    let dir = alloc_dir();
    write(dir.path(), "alloc/data/b.txt", b"bb");
    write(dir.path(), "alloc/data/a.txt", b"a");
    std::fs::set_permissions(dir.path().join("alloc/data/a.txt"), std::fs::Permissions::from_mode(0o640))
        .expect("chmod");
    std::fs::create_dir(dir.path().join("alloc/data/c")).expect("mkdir");
    std::fs::set_permissions(dir.path().join("alloc/data/c"), std::fs::Permissions::from_mode(0o1777)).expect("chmod");
    symlink("a.txt", dir.path().join("alloc/data/link")).expect("symlink");

    let files = list(dir.path(), "alloc/data").await.expect("ls");
    let names: Vec<_> = files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["a.txt", "b.txt", "c", "link"]);
    assert_eq!((files[0].size, files[0].is_dir, files[0].file_mode.as_str()), (1, false, "-rw-r-----"));
    assert_eq!(files[1].size, 2);
    assert_eq!((files[2].is_dir, files[2].file_mode.as_str()), (true, "dtrwxrwxrwx"));
    assert!(files[3].file_mode.starts_with('L'), "{}", files[3].file_mode);
    assert!(files.iter().all(|f| f.content_type.is_empty()));
    assert!(files[0].mod_time.as_unix_nanos() > 0);

    // The root, by every spelling Nomad accepts.
    for root in ["/", ""] {
        let names: Vec<_> = list(dir.path(), root).await.expect("root").into_iter().map(|f| f.name).collect();
        assert_eq!(names, ["alloc", "web"]);
    }
}

#[tokio::test]
async fn list_errors_are_nomads() {
    let dir = alloc_dir();
    let err = list(dir.path(), "alloc/nope").await.expect_err("missing");
    assert_eq!(err.code(), 404);
    assert!(
        err.to_string().starts_with("open ") && err.to_string().ends_with("alloc/nope: no such file or directory"),
        "{err}"
    );
    write(dir.path(), "alloc/data/f", b"x");
    let err = list(dir.path(), "alloc/data/f").await.expect_err("a file");
    assert_eq!(err.code(), 500);
    assert!(err.to_string().starts_with("readdirent ") && err.to_string().ends_with(": not a directory"), "{err}");
}

#[tokio::test]
async fn stat_reports_content_type_as_go_sniffs_it() {
    let dir = alloc_dir();
    write(dir.path(), "alloc/data/notes.txt", "héllo\n".as_bytes());
    write(dir.path(), "alloc/data/conf.json", b"{\"a\":1}");
    write(dir.path(), "alloc/data/pic", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    write(dir.path(), "alloc/data/empty", b"");
    write(dir.path(), "alloc/data/bin", b"\x7fELF\x02\x01\x01\0");
    let cases = [
        ("alloc/data/notes.txt", "text/plain; charset=utf-8"),
        ("alloc/data/conf.json", "application/json"),
        ("/alloc/data/pic", "image/png"),
        ("alloc/data/empty", "application/octet-stream"),
        ("alloc/data/bin", "application/octet-stream"),
        ("alloc/data", "application/octet-stream"),
    ];
    for (path, want) in cases {
        assert_eq!(stat(dir.path(), path).await.expect(path).content_type, want, "{path}");
    }
    let info = stat(dir.path(), "alloc/data/notes.txt").await.expect("stat");
    assert_eq!((info.name.as_str(), info.size, info.is_dir), ("notes.txt", 7, false));
    let info = stat(dir.path(), "alloc/data").await.expect("dir");
    assert_eq!((info.name.as_str(), info.is_dir), ("data", true));
    assert!(info.file_mode.starts_with('d'));

    // Symlinks are followed by stat; the name stays the one asked for.
    symlink("notes.txt", dir.path().join("alloc/data/n")).expect("symlink");
    let info = stat(dir.path(), "alloc/data/n").await.expect("link");
    assert_eq!((info.name.as_str(), info.size, info.file_mode.as_str().starts_with('-')), ("n", 7, true));

    let err = stat(dir.path(), "alloc/data/missing").await.expect_err("missing");
    assert_eq!(err.code(), 404);
    assert!(
        err.to_string().starts_with("stat ")
            && err.to_string().ends_with("alloc/data/missing: no such file or directory"),
        "{err}"
    );
}

#[tokio::test]
async fn cat_and_read_at_return_the_bytes() {
    let dir = alloc_dir();
    let content: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    write(dir.path(), "alloc/data/big", &content);

    assert_eq!(collect(cat(dir.path(), "alloc/data/big").await.expect("cat")).await, content);
    assert_eq!(collect(cat(dir.path(), "/alloc/data/big").await.expect("cat")).await, content);
    let part = collect(read_at(dir.path(), "alloc/data/big", 1000, 70_000).await.expect("readat")).await;
    assert_eq!(part, &content[1000..71_000]);
    let rest = collect(read_at(dir.path(), "alloc/data/big", 199_990, 0).await.expect("to the end")).await;
    assert_eq!(rest, &content[199_990..]);
    let rest = collect(read_at(dir.path(), "alloc/data/big", 199_990, -1).await.expect("negative limit")).await;
    assert_eq!(rest, &content[199_990..]);
    let past = collect(read_at(dir.path(), "alloc/data/big", 300_000, 10).await.expect("past the end")).await;
    assert!(past.is_empty());

    let err = read_at(dir.path(), "alloc/data/big", -5, 10).await.err().expect("negative offset");
    assert_eq!(err.code(), 500);
    assert!(err.to_string().starts_with("can't seek to offset %!q(int64=-5): seek "), "{err}");
}

#[tokio::test]
async fn cat_refuses_directories_and_secrets() {
    let dir = alloc_dir();
    let err = cat(dir.path(), "alloc").await.err().expect("dir");
    assert_eq!((err.code(), err.to_string().as_str()), (400, r#"file "alloc" is a directory"#));

    write(dir.path(), "web/secrets/token", b"s3cr3t");
    let err = cat(dir.path(), "web/secrets/token").await.err().expect("secret");
    assert_eq!((err.code(), err.to_string().as_str()), (500, "Reading secret file prohibited: web/secrets/token"));
    // Through a symlink too.
    symlink("../../web/secrets/token", dir.path().join("alloc/data/t")).expect("symlink");
    let err = read_at(dir.path(), "alloc/data/t", 0, 0).await.err().expect("secret via link");
    assert_eq!(err.code(), 500);
    // Listing and stat of secrets stay allowed, as in Nomad.
    assert_eq!(list(dir.path(), "web/secrets").await.expect("ls").len(), 1);
    assert_eq!(stat(dir.path(), "web/secrets/token").await.expect("stat").size, 6);
    // `alloc/secrets` is not a task's secrets directory.
    std::fs::create_dir(dir.path().join("alloc/secrets")).expect("mkdir");
    write(dir.path(), "alloc/secrets/x", b"ok");
    assert_eq!(collect(cat(dir.path(), "alloc/secrets/x").await.expect("cat")).await, b"ok");
}
