//! Serde helpers for Nomad's Go-encoded JSON, where nil slices and maps arrive as `null`.

use serde::de::{MapAccess, Visitor};
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
    Ok(optional_nullable_values(d)?.unwrap_or_default())
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
    Ok(Option::<ValuesOrDefault<T>>::deserialize(d)?.map(|m| m.0))
}

/// A map whose `null` values are their type's default, built entry by entry as it is read:
/// decoding a map of `Option`s and collecting it again would sort every entry once more,
/// and compile a sort for each value type into the dashboard's wasm.
struct ValuesOrDefault<T>(BTreeMap<String, T>);

impl<'de, T: Default + Deserialize<'de>> Deserialize<'de> for ValuesOrDefault<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Entries<T>(std::marker::PhantomData<T>);

        impl<'de, T: Default + Deserialize<'de>> Visitor<'de> for Entries<T> {
            type Value = ValuesOrDefault<T>;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<Self::Value, A::Error> {
                let mut map = BTreeMap::new();
                while let Some((key, value)) = entries.next_entry::<String, Option<T>>()? {
                    map.insert(key, value.unwrap_or_default());
                }
                Ok(ValuesOrDefault(map))
            }
        }

        d.deserialize_map(Entries(std::marker::PhantomData))
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Default, PartialEq, Deserialize)]
    #[serde(default)]
    struct Entry {
        n: u64,
    }

    #[derive(Debug, Default, PartialEq, Deserialize)]
    #[serde(default)]
    struct Maps {
        #[serde(deserialize_with = "nullable_values")]
        all: BTreeMap<String, Entry>,
        #[serde(deserialize_with = "optional_nullable_values")]
        some: Option<BTreeMap<String, Entry>>,
    }

    fn maps(json: &str) -> Result<Maps, serde_json::Error> {
        crate::json::from_slice(json.as_bytes())
    }

    /// Go writes a nil map as `null` and a nil pointer in a map as `null`
    /// (`map[string]*TaskState`, go-msgpack's JSON handle).
    #[test]
    fn null_maps_and_null_entries_read_as_defaults() {
        assert_eq!(maps(r#"{"all":null,"some":null}"#).unwrap(), Maps::default());
        let read = maps(r#"{"all":{"b":{"n":2},"a":null},"some":{"x":null}}"#).unwrap();
        assert_eq!(read.all, BTreeMap::from([("a".into(), Entry::default()), ("b".into(), Entry { n: 2 })]));
        assert_eq!(read.some, Some(BTreeMap::from([("x".into(), Entry::default())])));
        // A key written twice keeps its last value, as serde's own maps do.
        assert_eq!(maps(r#"{"all":{"a":{"n":1},"a":{"n":3}}}"#).unwrap().all["a"], Entry { n: 3 });
        assert!(maps(r#"{"all":[1]}"#).unwrap_err().to_string().contains("expected a map"));
        assert!(maps(r#"{"some":{"a":7}}"#).is_err());
    }
}
