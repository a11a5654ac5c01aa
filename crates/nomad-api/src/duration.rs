//! Go `time.Duration`: nanoseconds in JSON (sometimes as a string), and Go's text form
//! (`10s`, `5m`, `1h30m`, `250ms`) in query parameters such as `wait`.

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::time::Duration;

/// A Go duration in nanoseconds. Decodes from a number, a string of digits or Go's text form.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GoDuration(pub i64);

impl GoDuration {
    /// From a `std` duration; saturates at `i64::MAX` nanoseconds (about 292 years).
    pub fn from_std(d: Duration) -> Self {
        GoDuration(d.as_nanos().min(i64::MAX as u128) as i64)
    }
    /// As a `std` duration; a negative Go duration becomes zero.
    pub fn as_std(self) -> Duration {
        Duration::from_nanos(self.0.max(0) as u64)
    }
}

impl Serialize for GoDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.0)
    }
}

impl<'de> Deserialize<'de> for GoDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = GoDuration;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration in nanoseconds or Go's duration text")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<GoDuration, E> {
                Ok(GoDuration(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<GoDuration, E> {
                i64::try_from(v).map(GoDuration).map_err(E::custom)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<GoDuration, E> {
                Ok(GoDuration(v as i64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<GoDuration, E> {
                if let Ok(n) = v.parse::<i64>() {
                    return Ok(GoDuration(n));
                }
                parse_go_duration(v).map(GoDuration::from_std).map_err(E::custom)
            }
            fn visit_unit<E: de::Error>(self) -> Result<GoDuration, E> {
                Ok(GoDuration(0))
            }
            fn visit_none<E: de::Error>(self) -> Result<GoDuration, E> {
                Ok(GoDuration(0))
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<GoDuration, D2::Error> {
                d.deserialize_any(V)
            }
        }
        d.deserialize_option(V)
    }
}

/// Parses Go's `time.ParseDuration` text: a sequence of decimal numbers with units
/// `ns`, `us`/`µs`, `ms`, `s`, `m`, `h` (`1h15m30.5s`). Negative durations are refused:
/// nothing in the API takes one.
///
/// Integer arithmetic, as Go's own (a whole part, then the fraction scaled to the unit): exact,
/// and it keeps float parsing, about 10 KB of tables and code, out of the dashboard's first load.
pub fn parse_go_duration(text: &str) -> Result<Duration, String> {
    let err = || format!("invalid duration {text:?}");
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let mut rest = text.strip_prefix('+').unwrap_or(text);
    if rest.is_empty() {
        return Err(err());
    }
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).ok_or_else(err)?;
        let (number, after) = rest.split_at(num_len);
        let unit_len = after.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        let nanos_per_unit: u64 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return Err(err()),
        };
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if (whole.is_empty() && fraction.is_empty()) || fraction.contains('.') {
            return Err(err());
        }
        let mut nanos = digits(whole).ok_or_else(err)?.checked_mul(nanos_per_unit).ok_or_else(err)?;
        // Digits past the 18th are worth under a nanosecond even in hours: they are ignored.
        let fraction = &fraction[..fraction.len().min(18)];
        if !fraction.is_empty() {
            let scale = 10u128.pow(fraction.len() as u32);
            let part = u128::from(digits(fraction).ok_or_else(err)?) * u128::from(nanos_per_unit) / scale;
            nanos = u64::try_from(part).ok().and_then(|part| nanos.checked_add(part)).ok_or_else(err)?;
        }
        total = total.checked_add(nanos).ok_or_else(err)?;
        rest = after;
    }
    Ok(Duration::from_nanos(total))
}

/// A run of ASCII digits as a number; empty is 0, overflow is `None`.
fn digits(text: &str) -> Option<u64> {
    text.bytes().try_fold(0u64, |n, b| n.checked_mul(10)?.checked_add(u64::from(b - b'0')))
}

/// Go's `time.Duration.String()`: `0s`, `250ms`, `1.5s`, `1m30s`, `2h0m0s`, as Nomad writes
/// durations into messages (`Sent interrupt. Waiting 5s before force killing`).
pub fn format_go_duration(nanos: i64) -> String {
    let sign = if nanos < 0 { "-" } else { "" };
    let u = nanos.unsigned_abs();
    let body = if u == 0 {
        "0s".to_string()
    } else if u < 1_000 {
        format!("{u}ns")
    } else if u < 1_000_000 {
        format!("{}µs", decimal(u, 1_000, 3))
    } else if u < 1_000_000_000 {
        format!("{}ms", decimal(u, 1_000_000, 6))
    } else {
        let (h, m) = (u / 3_600_000_000_000, u / 60_000_000_000 % 60);
        let secs = format!("{}s", decimal(u % 60_000_000_000, 1_000_000_000, 9));
        match (h, m) {
            (0, 0) => secs,
            (0, m) => format!("{m}m{secs}"),
            (h, m) => format!("{h}h{m}m{secs}"),
        }
    };
    format!("{sign}{body}")
}

/// `value / unit` with the fraction's trailing zeros dropped, as Go prints it.
fn decimal(value: u64, unit: u64, digits: usize) -> String {
    let (int, frac) = (value / unit, value % unit);
    if frac == 0 {
        return int.to_string();
    }
    let frac = format!("{frac:0digits$}");
    format!("{int}.{}", frac.trim_end_matches('0'))
}

/// Go's text form of a whole-second duration, as written in a `wait` parameter (`300s`).
/// Milliseconds are counted in `u64` (584 million years): printing a `u128` would bring its
/// formatting and division into the dashboard's first load.
pub fn format_wait(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_secs().saturating_mul(1000).saturating_add(u64::from(d.subsec_millis())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_durations() {
        assert_eq!(parse_go_duration("10s").unwrap(), Duration::from_secs(10));
        assert_eq!(parse_go_duration("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(parse_go_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_go_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_go_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_go_duration("0").unwrap(), Duration::ZERO);
        // Fractions exact in integers: a leading or trailing point as Go allows, every unit.
        assert_eq!(parse_go_duration(".5s").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_go_duration("2.s").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_go_duration("1.000000001s").unwrap(), Duration::from_nanos(1_000_000_001));
        assert_eq!(parse_go_duration("0.1ns").unwrap(), Duration::ZERO);
        assert_eq!(parse_go_duration("1.5µs").unwrap(), Duration::from_nanos(1_500));
        assert_eq!(parse_go_duration("1.5us").unwrap(), Duration::from_nanos(1_500));
        assert_eq!(parse_go_duration("+2h0m0.25s").unwrap(), Duration::from_millis(7_200_250));
        assert_eq!(parse_go_duration("1.0000000000000000009h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_go_duration("5124095h").unwrap(), Duration::from_secs(5_124_095 * 3600));
        for bad in
            ["", "10", "s", "10x", "-5s", "1..2s", "5 m", ".s", "1.2.3s", "99999999999999999999ns", "5124096000h"]
        {
            assert!(parse_go_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn decodes_number_or_string() {
        let a: GoDuration = serde_json::from_str("5000000000").unwrap();
        let b: GoDuration = serde_json::from_str(r#""5000000000""#).unwrap();
        let c: GoDuration = serde_json::from_str(r#""5s""#).unwrap();
        assert_eq!((a, b, c), (GoDuration(5_000_000_000), GoDuration(5_000_000_000), GoDuration(5_000_000_000)));
        assert_eq!(format_wait(Duration::from_secs(300)), "300s");
        assert_eq!(format_wait(Duration::from_millis(300_250)), "300250ms");
    }

    #[test]
    fn formats_as_go_does() {
        let cases = [
            (0, "0s"),
            (1, "1ns"),
            (1_500, "1.5µs"),
            (250_000_000, "250ms"),
            (16_318_570, "16.31857ms"),
            (5_000_000_000, "5s"),
            (1_500_000_000, "1.5s"),
            (90_000_000_000, "1m30s"),
            (7_200_000_000_000, "2h0m0s"),
            (-5_000_000_000, "-5s"),
        ];
        for (nanos, want) in cases {
            assert_eq!(format_go_duration(nanos), want);
        }
    }
}
