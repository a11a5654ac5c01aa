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
pub fn parse_go_duration(text: &str) -> Result<Duration, String> {
    let err = || format!("invalid duration {text:?}");
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let mut rest = text.strip_prefix('+').unwrap_or(text);
    if rest.is_empty() {
        return Err(err());
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).ok_or_else(err)?;
        if num_len == 0 {
            return Err(err());
        }
        let value: f64 = rest[..num_len].parse().map_err(|_| err())?;
        rest = &rest[num_len..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let nanos_per_unit = match &rest[..unit_len] {
            "ns" => 1e0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return Err(err()),
        };
        total += value * nanos_per_unit;
        rest = &rest[unit_len..];
    }
    if !total.is_finite() || total > u64::MAX as f64 {
        return Err(err());
    }
    Ok(Duration::from_nanos(total as u64))
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
pub fn format_wait(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
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
        for bad in ["", "10", "s", "10x", "-5s", "1..2s", "5 m"] {
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
