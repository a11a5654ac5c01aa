//! Serde helpers for Nomad's Go-encoded JSON, where nil slices and maps arrive as `null`.

use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;

/// `null` decodes as the type's default (Go encodes a nil slice or map as `null`).
pub fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A Go map of pointers (`map[string]*TaskState`): `null` is empty, and a `null` entry (a nil
/// pointer) is the type's default rather than an error that would lose the whole response.
pub fn nullable_values<'de, D, T>(d: D) -> Result<BTreeMap<String, T>, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    let map = Option::<BTreeMap<String, Option<T>>>::deserialize(d)?.unwrap_or_default();
    Ok(map.into_iter().map(|(k, v)| (k, v.unwrap_or_default())).collect())
}

/// [`nullable_values`] for a map held shared (`Arc`).
pub fn shared_nullable_values<'de, D, T>(d: D) -> Result<std::sync::Arc<BTreeMap<String, T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    nullable_values(d).map(std::sync::Arc::new)
}

/// [`nullable_values`] for a map that may be left out as a whole (`None`).
pub fn optional_nullable_values<'de, D, T>(d: D) -> Result<Option<BTreeMap<String, T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    let map = Option::<BTreeMap<String, Option<T>>>::deserialize(d)?;
    Ok(map.map(|m| m.into_iter().map(|(k, v)| (k, v.unwrap_or_default())).collect()))
}

/// Standard base64, as Go's `encoding/json` writes `[]byte`.
pub mod base64_bytes {
    use base64::{engine::general_purpose::STANDARD, Engine};
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the bytes as one standard base64 string, padded, as Go's `[]byte`.
    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    /// Reads a standard base64 string; `null` or a missing value is empty bytes, as Go leaves a nil slice.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = Option::<String>::deserialize(d)?.unwrap_or_default();
        STANDARD.decode(text.as_bytes()).map_err(serde::de::Error::custom)
    }
}
