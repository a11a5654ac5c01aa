//! Nomad's two ways of writing a point in time.
//!
//! Go's `time.Time` is written as RFC 3339 text; Nomad's HTTP encoder (go-msgpack's JSON
//! handle, `codec/json.go` `EncodeTime`, in every release from 1.4 to 1.11) writes the zero
//! time, "never", as `null`, while Go's `encoding/json` and older Nomad wrote
//! `0001-01-01T00:00:00Z`. Nomad's `int64` fields (`CreateTime`, an event's `Time`) are Unix
//! nanoseconds. Both types here accept any of these forms on input and write the form Nomad
//! writes.

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Unix nanoseconds, written as an integer (`CreateTime`, `ModifyTime`, `TaskEvent.Time`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NanoTime(pub i64);

/// A Go `time.Time`, written as RFC 3339 text. Fields are `Option<DateTime>`: `None` is Go's
/// zero time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime(pub i64);

/// Go's zero `time.Time` as `encoding/json` writes it, which older servers sent for "not yet".
pub const GO_ZERO_TIME: &str = "0001-01-01T00:00:00Z";

impl NanoTime {
    /// The value, Unix nanoseconds.
    pub fn as_unix_nanos(self) -> i64 {
        self.0
    }
    /// Unix milliseconds, as JavaScript's `Date` counts them.
    pub fn as_unix_millis(self) -> f64 {
        self.0 as f64 / 1e6
    }
}

impl DateTime {
    /// From Unix nanoseconds.
    pub fn from_unix_nanos(nanos: i64) -> Self {
        DateTime(nanos)
    }
    /// The value, Unix nanoseconds.
    pub fn as_unix_nanos(self) -> i64 {
        self.0
    }
    /// Unix milliseconds, as JavaScript's `Date` counts them.
    pub fn as_unix_millis(self) -> f64 {
        self.0 as f64 / 1e6
    }
    /// RFC 3339 with nanoseconds, as Go writes it (`2017-07-25T23:36:26.106431265Z`).
    pub fn to_rfc3339(self) -> String {
        OffsetDateTime::from_unix_timestamp_nanos(self.0 as i128)
            .ok()
            .and_then(|t| t.format(&Rfc3339).ok())
            .unwrap_or_else(|| GO_ZERO_TIME.to_string())
    }
}

/// Parses RFC 3339 text to Unix nanoseconds; `Ok(None)` for Go's zero time.
pub fn parse_rfc3339(text: &str) -> Result<Option<i64>, String> {
    let t = OffsetDateTime::parse(text, &Rfc3339).map_err(|e| format!("invalid time {text:?}: {e}"))?;
    if t.year() <= 1 {
        return Ok(None);
    }
    i64::try_from(t.unix_timestamp_nanos()).map(Some).map_err(|_| format!("time out of range: {text:?}"))
}

/// Any of the encodings seen in the wild: integer or float nanoseconds, a string of digits,
/// or RFC 3339 text. `None` for `null` and for Go's zero time.
fn any_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    struct V;
    impl<'de> de::Visitor<'de> for V {
        type Value = Option<i64>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("Unix nanoseconds or an RFC 3339 time")
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            i64::try_from(v).map(Some).map_err(E::custom)
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Some(v as i64))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            if let Ok(n) = v.parse::<i64>() {
                return Ok(Some(n));
            }
            parse_rfc3339(v).map_err(E::custom)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(V)
        }
    }
    d.deserialize_option(V)
}

impl<'de> Deserialize<'de> for NanoTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(NanoTime(any_time(d)?.unwrap_or(0)))
    }
}

impl Serialize for NanoTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.0)
    }
}

impl<'de> Deserialize<'de> for DateTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(DateTime(any_time(d)?.unwrap_or(0)))
    }
}

impl Serialize for DateTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

/// For `Option<DateTime>` fields: `null`, a missing field and Go's zero time are all `None`.
/// Serializes `None` as `null`, as Nomad's encoder writes the zero time.
pub mod optional {
    use super::*;

    /// Reads RFC 3339 text, Unix nanoseconds, `null` or Go's zero time; the last two as `None`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime>, D::Error> {
        Ok(any_time(d)?.map(DateTime))
    }

    /// Writes RFC 3339 text, or `null` for `None`.
    pub fn serialize<S: Serializer>(t: &Option<DateTime>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => t.serialize(s),
            None => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        let cases = [
            (r#""2017-07-25T23:36:26.106431265Z""#, Some(1_501_025_786_106_431_265)),
            (r#""2021-11-04T10:14:22.054814+01:00""#, Some(1_636_017_262_054_814_000)),
            (r#""0001-01-01T00:00:00Z""#, None),
            ("null", None),
            ("1495747371795703800", Some(1_495_747_371_795_703_800)),
            (r#""5000000000""#, Some(5_000_000_000)),
        ];
        for (json, want) in cases {
            #[derive(Deserialize)]
            struct W(#[serde(with = "optional")] Option<DateTime>);
            let got: W = serde_json::from_str(json).unwrap();
            assert_eq!(got.0.map(|t| t.0), want, "{json}");
        }
    }

    #[test]
    fn rfc3339_round_trips_with_nanoseconds() {
        let t = DateTime(1_501_025_786_106_431_265);
        assert_eq!(t.to_rfc3339(), "2017-07-25T23:36:26.106431265Z");
        assert_eq!(parse_rfc3339(&t.to_rfc3339()).unwrap(), Some(t.0));
    }

    #[test]
    fn the_zero_time_is_written_null() {
        #[derive(Serialize)]
        struct W(#[serde(with = "optional")] Option<DateTime>);
        assert_eq!(serde_json::to_string(&W(None)).unwrap(), "null");
        assert_eq!(serde_json::to_string(&W(Some(DateTime(1_000_000_000)))).unwrap(), r#""1970-01-01T00:00:01Z""#);
        // Go's RFC3339Nano drops trailing zeros of the fraction.
        assert_eq!(DateTime(1_500_000_000).to_rfc3339(), "1970-01-01T00:00:01.5Z");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(serde_json::from_str::<NanoTime>(r#""yesterday""#).is_err());
        assert!(serde_json::from_str::<NanoTime>("[1]").is_err());
    }
}
