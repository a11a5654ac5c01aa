//! The file browser's logic: paths inside the allocation directory, breadcrumbs, sorting
//! a listing, and how a file is previewed.

use nomad_api::AllocFileInfo;
use std::cmp::Ordering;
use std::ops::Range;

/// Text files up to this size are shown whole (`cat`); larger ones as head and tail.
pub const WHOLE_TEXT_MAX: u64 = 256 << 10;
/// Bytes shown of each end of a large text file.
pub const HEAD_TAIL: u64 = 64 << 10;
/// Images up to this size are previewed.
pub const IMAGE_MAX: u64 = 16 << 20;

/// A path relative to the allocation directory, without `.`, empty parts or a leading
/// `/`; `..` goes up but never above the allocation directory. The root is `""`.
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

pub fn join(dir: &str, name: &str) -> String {
    normalize(&format!("{dir}/{name}"))
}

/// The directory holding `path` (the root for the root).
pub fn parent(path: &str) -> String {
    normalize(path).rsplit_once('/').map_or(String::new(), |(p, _)| p.to_string())
}

/// `(label, path)` from the root to `path`.
pub fn breadcrumbs(path: &str) -> Vec<(String, String)> {
    let path = normalize(path);
    let mut crumbs = vec![("/".to_string(), String::new())];
    let mut so_far = String::new();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        if !so_far.is_empty() {
            so_far.push('/');
        }
        so_far.push_str(part);
        crumbs.push((part.to_string(), so_far.clone()));
    }
    crumbs
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Name,
    Size,
    Modified,
}

impl SortKey {
    pub fn parse(s: &str) -> SortKey {
        match s {
            "size" => SortKey::Size,
            "modified" => SortKey::Modified,
            _ => SortKey::Name,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::Size => "size",
            SortKey::Modified => "modified",
        }
    }
}

/// Directories first, then by `key` (ties by name), reversed when not `ascending`.
pub fn sort_entries(entries: &mut [AllocFileInfo], key: SortKey, ascending: bool) {
    entries.sort_by(|a, b| {
        let by_key = match key {
            SortKey::Name => Ordering::Equal,
            SortKey::Size => a.size.cmp(&b.size),
            SortKey::Modified => a.mod_time.cmp(&b.mod_time),
        };
        let order = by_key.then_with(|| a.name.cmp(&b.name));
        b.is_dir.cmp(&a.is_dir).then(if ascending { order } else { order.reverse() })
    });
}

/// How a file is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Preview {
    /// The whole text.
    Text,
    /// The first and last bytes of a large text file (`readat` ranges).
    HeadTail {
        head: Range<u64>,
        tail: Range<u64>,
    },
    Image,
    /// Not shown: only a download.
    Binary,
}

/// From `stat`'s `ContentType` (Go's content sniffing) and size.
pub fn preview(info: &AllocFileInfo) -> Preview {
    let size = info.size.max(0) as u64;
    let mime = info.content_type.split(';').next().unwrap_or("").trim();
    let texty = mime.starts_with("text/")
        || matches!(mime, "application/json" | "application/xml" | "application/javascript")
        || (mime.is_empty() && size == 0);
    if mime.starts_with("image/") && size <= IMAGE_MAX {
        Preview::Image
    } else if texty && size <= WHOLE_TEXT_MAX {
        Preview::Text
    } else if texty {
        Preview::HeadTail { head: 0..HEAD_TAIL, tail: size - HEAD_TAIL..size }
    } else {
        Preview::Binary
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nomad_api::DateTime;

    #[test]
    fn paths_stay_inside() {
        assert_eq!(normalize("/alloc//logs/./x"), "alloc/logs/x");
        assert_eq!(normalize("../../etc/passwd"), "etc/passwd");
        assert_eq!(normalize("alloc/../.."), "");
        assert_eq!(join("alloc", "logs"), "alloc/logs");
        assert_eq!(join("", "alloc"), "alloc");
        assert_eq!(parent("alloc/logs/x"), "alloc/logs");
        assert_eq!(parent("alloc"), "");
        assert_eq!(parent(""), "");
    }

    #[test]
    fn crumbs_from_the_root() {
        assert_eq!(
            breadcrumbs("/alloc/logs"),
            vec![("/".into(), "".into()), ("alloc".into(), "alloc".into()), ("logs".into(), "alloc/logs".into())]
        );
        assert_eq!(breadcrumbs(""), vec![("/".to_string(), String::new())]);
    }

    fn entry(name: &str, is_dir: bool, size: i64, secs: i64) -> AllocFileInfo {
        let mod_time = DateTime::from_unix_nanos(secs * 1_000_000_000);
        AllocFileInfo { name: name.into(), is_dir, size, mod_time, ..AllocFileInfo::default() }
    }

    #[test]
    fn sorting_keeps_directories_first() {
        let mut e = vec![
            entry("b.txt", false, 5, 3),
            entry("logs", true, 4096, 1),
            entry("a.txt", false, 50, 2),
            entry("data", true, 4096, 9),
        ];
        let names = |e: &[AllocFileInfo]| e.iter().map(|f| f.name.clone()).collect::<Vec<_>>();
        sort_entries(&mut e, SortKey::Name, true);
        assert_eq!(names(&e), vec!["data", "logs", "a.txt", "b.txt"]);
        sort_entries(&mut e, SortKey::Size, false);
        assert_eq!(names(&e), vec!["logs", "data", "a.txt", "b.txt"]);
        sort_entries(&mut e, SortKey::Modified, true);
        assert_eq!(names(&e), vec!["logs", "data", "a.txt", "b.txt"]);
        sort_entries(&mut e, SortKey::Modified, false);
        assert_eq!(names(&e), vec!["data", "logs", "b.txt", "a.txt"]);
        assert_eq!(SortKey::parse("size").as_str(), "size");
    }

    #[test]
    fn previews_by_type_and_size() {
        let f = |ct: &str, size: i64| AllocFileInfo { content_type: ct.into(), size, ..AllocFileInfo::default() };
        assert_eq!(preview(&f("text/plain; charset=utf-8", 10)), Preview::Text);
        assert_eq!(preview(&f("image/png", 10)), Preview::Image);
        assert_eq!(preview(&f("application/octet-stream", 10)), Preview::Binary);
        assert_eq!(preview(&f("", 0)), Preview::Text);
        let big = 1 << 20;
        assert_eq!(
            preview(&f("text/plain", big)),
            Preview::HeadTail { head: 0..HEAD_TAIL, tail: big as u64 - HEAD_TAIL..big as u64 }
        );
    }
}
