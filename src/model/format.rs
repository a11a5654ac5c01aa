//! Text for numbers, sizes, times and IDs, as the views show them.

/// What the views show where Nomad has no value: an empty string, a time that never came.
pub const NONE: &str = "–";

/// A time the views can show, in ms since 1970: `None` for Nomad's "never". Nomad writes a zero
/// `time.Time` as `null` (decoded `None` before it gets here) or, from older servers and Go's
/// `encoding/json`, `0001-01-01T00:00:00Z`; an `int64` nanosecond field left at 0 is the epoch;
/// none of them may be shown as a date.
pub fn known_time(ms: f64) -> Option<f64> {
    (ms.is_finite() && ms > 0.0).then_some(ms)
}

/// `text`, or [`NONE`] when Nomad left it empty (a node's class, a 1.4 node's pool).
pub fn or_none(text: &str) -> &str {
    if text.is_empty() {
        NONE
    } else {
        text
    }
}

/// The 8-character form Nomad's CLI and UI show.
pub fn short_id(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// `1 match`, `3 matches`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `3s ago`, `5m ago`, `2h ago`, `4d ago`; `in 10s` for the future; `just now` within a second.
pub fn relative(then_ms: f64, now_ms: f64) -> String {
    let diff = (now_ms - then_ms) / 1000.0;
    let secs = diff.abs();
    if secs < 1.0 {
        return "just now".into();
    }
    let amount = if secs < 60.0 {
        format!("{}s", secs as u64)
    } else if secs < 3600.0 {
        format!("{}m", (secs / 60.0) as u64)
    } else if secs < 86_400.0 {
        format!("{}h", (secs / 3600.0) as u64)
    } else {
        format!("{}d", (secs / 86_400.0) as u64)
    };
    if diff >= 0.0 {
        format!("{amount} ago")
    } else {
        format!("in {amount}")
    }
}

/// Go-style durations for humans: `1h2m`, `5m30s`, `12s`, `250ms`.
pub fn duration(nanos: i64) -> String {
    let ms = nanos / 1_000_000;
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let s = ms / 1000;
    let (h, m, s) = (s / 3600, (s % 3600) / 60, s % 60);
    match (h, m, s) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s}s"),
        (h, 0, _) => format!("{h}h"),
        (h, m, _) => format!("{h}h{m}m"),
    }
}

/// Bytes in binary units: `512 B`, `1.5 KiB`, `12 MiB`, `3.2 GiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else if value < 10.0 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

/// A percentage with one decimal below 10 %.
pub fn percent(p: f64) -> String {
    if !p.is_finite() {
        return "–".into();
    }
    if p.abs() < 10.0 {
        format!("{p:.1}%")
    } else {
        format!("{p:.0}%")
    }
}

/// Seconds of uptime as `3d 4h`, `5h 12m`, `7m`.
pub fn uptime(secs: u64) -> String {
    let (d, h, m) = (secs / 86_400, (secs % 86_400) / 3600, (secs % 3600) / 60);
    if d > 0 {
        format!("{d}d {h}h")
    } else if h > 0 {
        format!("{h}h {m}m")
    } else {
        format!("{m}m")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_say_one_or_many() {
        assert_eq!(count(1, "match", "matches"), "1 match");
        assert_eq!(count(0, "match", "matches"), "0 matches");
        assert_eq!(count(2, "file", "files"), "2 files");
    }

    #[test]
    fn never_is_not_a_date() {
        assert_eq!(known_time(0.0), None);
        assert_eq!(known_time(-62_135_596_800_000.0), None, "0001-01-01 in ms");
        assert_eq!(known_time(f64::NAN), None);
        assert_eq!(known_time(1_700_000_000_000.0), Some(1_700_000_000_000.0));
        assert_eq!(or_none(""), "–");
        assert_eq!(or_none("default"), "default");
    }

    #[test]
    fn formats() {
        assert_eq!(short_id("5457f16d-0f87-8e6b"), "5457f16d");
        assert_eq!(short_id("abc"), "abc");
        assert_eq!(relative(0.0, 500.0), "just now");
        assert_eq!(relative(0.0, 42_000.0), "42s ago");
        assert_eq!(relative(0.0, 125_000.0), "2m ago");
        assert_eq!(relative(0.0, 7_300_000.0), "2h ago");
        assert_eq!(relative(0.0, 200_000_000.0), "2d ago");
        assert_eq!(relative(10_000.0, 0.0), "in 10s");
        assert_eq!(duration(250_000_000), "250ms");
        assert_eq!(duration(5_000_000_000), "5s");
        assert_eq!(duration(330_000_000_000), "5m30s");
        assert_eq!(duration(300_000_000_000), "5m");
        assert_eq!(duration(3_720_000_000_000), "1h2m");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(12 * 1024 * 1024), "12 MiB");
        assert_eq!(percent(2.96), "3.0%");
        assert_eq!(percent(42.6), "43%");
        assert_eq!(percent(f64::NAN), "–");
        assert_eq!(uptime(3 * 86_400 + 4 * 3600 + 5), "3d 4h");
        assert_eq!(uptime(5 * 3600 + 12 * 60), "5h 12m");
        assert_eq!(uptime(420), "7m");
    }
}
