//! Response bodies: change detection and decoding large lists in slices.
//!
//! A blocking query returns on any write to the watched table, often with a body identical to
//! the last one; comparing fingerprints skips decoding and re-rendering then. Lists of 10,000
//! allocations are megabytes of JSON: decoding them in one go would block the main thread for
//! longer than a frame, so lists are split into their elements first and decoded in batches,
//! the caller yielding to the browser between batches. The next answer of the same list is
//! split against the last one, so unchanged elements are recognised without being read again.

use serde::de::DeserializeOwned;
use std::hash::Hasher;
use std::ops::Range;

/// A fast hash of a body (several bytes per step: a 10,000-allocation list is megabytes):
/// equal bodies, equal fingerprints; a collision merely skips one update, which the next
/// change repairs.
pub fn fingerprint(bytes: &[u8]) -> u64 {
    let mut hasher = rustc_hash::FxHasher::default();
    hasher.write(bytes);
    hasher.finish()
}

/// Byte ranges of the elements of a top-level JSON array (`null`, as Go writes a nil slice,
/// is an empty list). Only the structure is checked here; each element is validated when
/// decoded.
pub fn split_array(bytes: &[u8]) -> Result<Vec<Range<usize>>, String> {
    Ok(split_against(None, bytes)?.into_iter().map(|(range, _)| range).collect())
}

/// An element's bytes in its body, and the index of the last body's element with the same bytes.
pub type Element = (Range<usize>, Option<usize>);

/// A list body already split, to split the next one against.
#[derive(Debug, Default)]
pub struct SplitBody {
    pub bytes: Vec<u8>,
    pub ranges: Vec<Range<usize>>,
}

/// How far from where it is expected an element of the last body is looked for, each way:
/// enough to step over a few elements added, removed or changed in one place.
const LOOK_AROUND: usize = 3;

/// Splits `bytes` as [`split_array`] does, and pairs each element with the index of an element
/// of `previous` with the same bytes, if any. A blocking query over 10,000 allocations answers
/// with all of them for each change, nearly all unchanged and in the same order: each of those
/// is found with one comparison, and only the others are scanned.
pub fn split_against(previous: Option<&SplitBody>, bytes: &[u8]) -> Result<Vec<Element>, String> {
    let mut i = skip_ws(bytes, 0);
    if bytes[i..].starts_with(b"null") && skip_ws(bytes, i + 4) == bytes.len() {
        return Ok(Vec::new());
    }
    if bytes.get(i) != Some(&b'[') {
        return Err("expected a JSON array".into());
    }
    i = skip_ws(bytes, i + 1);
    let mut elements = Vec::new();
    if bytes.get(i) == Some(&b']') {
        return closed(bytes, i, elements);
    }
    // The element of `previous` expected here, and the first not yet passed by a match.
    let (mut next, mut floor) = (0usize, 0usize);
    loop {
        let same = previous.and_then(|p| {
            (next.saturating_sub(LOOK_AROUND).max(floor)..(next + LOOK_AROUND).min(p.ranges.len())).find(|&k| {
                let old = &p.bytes[p.ranges[k].clone()];
                // Equal bytes followed by a delimiter: the same value (a number could go on).
                bytes[i..].starts_with(old)
                    && matches!(bytes.get(i + old.len()), Some(b',' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
            })
        });
        let end = match (same, previous) {
            (Some(k), Some(p)) => {
                (next, floor) = (k + 1, k + 1);
                i + p.ranges[k].len()
            }
            _ => {
                // Changed in place, most likely: the next one is expected one further on.
                next += 1;
                value_end(bytes, i)?
            }
        };
        elements.push((i..end, same));
        i = skip_ws(bytes, end);
        match bytes.get(i) {
            Some(b',') => {
                i = skip_ws(bytes, i + 1);
                if matches!(bytes.get(i), Some(b']') | None) {
                    return Err("trailing comma in array".into());
                }
            }
            Some(b']') => {
                return closed(bytes, i, elements);
            }
            Some(_) => return Err(format!("expected ',' or ']' at byte {i}")),
            None => return Err("unterminated array".into()),
        }
    }
}

/// The elements, if the array's `]` at `at` is the end of the body (bar whitespace).
fn closed(bytes: &[u8], at: usize, elements: Vec<Element>) -> Result<Vec<Element>, String> {
    if skip_ws(bytes, at + 1) == bytes.len() {
        Ok(elements)
    } else {
        Err("data after the array".into())
    }
}

/// Where the JSON value starting at `start` ends (exclusive). Only the structure is checked:
/// brackets, strings and their escapes.
fn value_end(bytes: &[u8], start: usize) -> Result<usize, String> {
    let mut i = start;
    let mut depth = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                // Straight to the string's next quote or escape: most of a body is strings.
                i += 1;
                loop {
                    let rest = bytes.get(i..).ok_or("unterminated string")?;
                    match memchr::memchr2(b'"', b'\\', rest) {
                        Some(at) if bytes[i + at] == b'"' => {
                            i += at + 1;
                            break;
                        }
                        Some(at) => i += at + 2,
                        None => return Err("unterminated string".into()),
                    }
                }
                if depth == 0 {
                    return Ok(i);
                }
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    return Ok(i + 1);
                }
            }
            b'}' | b']' | b',' | b' ' | b'\t' | b'\n' | b'\r' if depth == 0 => {
                return if i > start { Ok(i) } else { Err(format!("expected a value at byte {i}")) };
            }
            _ => {}
        }
        i += 1;
    }
    Err("unterminated array".into())
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// Decodes one element of a list split by [`split_array`] (structs from objects only: less
/// wasm, `nomad_api::json`).
pub fn decode_element<T: DeserializeOwned>(bytes: &[u8], range: Range<usize>) -> Result<T, String> {
    let at = range.start;
    nomad_api::json::from_slice(&bytes[range]).map_err(|e| format!("element at byte {at}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nomad_api::AllocationListStub;

    fn parts(json: &str) -> Result<Vec<&str>, String> {
        Ok(split_array(json.as_bytes())?.into_iter().map(|r| &json[r]).collect())
    }

    #[test]
    fn splits_top_level_elements() {
        assert_eq!(
            parts(r#" [ {"a":[1,2],"b":"x,]}"} , 3,"q\"]" ,null ] "#).unwrap(),
            vec![r#"{"a":[1,2],"b":"x,]}"}"#, "3", r#""q\"]""#, "null"]
        );
        assert_eq!(parts("[]").unwrap(), Vec::<&str>::new());
        assert_eq!(parts(" null\n").unwrap(), Vec::<&str>::new());
        assert_eq!(parts("[[1,[2]],{}]").unwrap(), vec!["[1,[2]]", "{}"]);
    }

    #[test]
    fn rejects_broken_structure() {
        for bad in ["", "{}", "[1,", "[1,]", "[,1]", "[1] x", r#"["abc]"#, r#"["a\"#, "[1 2]", "[}]", "nul"] {
            assert!(split_array(bad.as_bytes()).is_err(), "{bad:?}");
            let previous = SplitBody { bytes: b"[1,2]".to_vec(), ranges: vec![1..2, 3..4] };
            assert!(split_against(Some(&previous), bad.as_bytes()).is_err(), "{bad:?} against a body");
        }
    }

    fn split_body(json: &str) -> SplitBody {
        SplitBody { bytes: json.as_bytes().to_vec(), ranges: split_array(json.as_bytes()).unwrap() }
    }

    #[test]
    fn unchanged_elements_are_found_in_the_last_body() {
        let previous = split_body(r#"[{"ID":"a","V":1}, 1, {"ID":"b","V":2},{"ID":"c","V":3}]"#);
        // `b` changed, `1` became `12` (a prefix is not the same value), `d` added before `c`.
        let next = r#"[{"ID":"a","V":1},12,{"ID":"b","V":20},{"ID":"d"},{"ID":"c","V":3}]"#;
        let found: Vec<(&str, Option<usize>)> =
            split_against(Some(&previous), next.as_bytes()).unwrap().into_iter().map(|(r, k)| (&next[r], k)).collect();
        assert_eq!(
            found,
            vec![
                (r#"{"ID":"a","V":1}"#, Some(0)),
                ("12", None),
                (r#"{"ID":"b","V":20}"#, None),
                (r#"{"ID":"d"}"#, None),
                (r#"{"ID":"c","V":3}"#, Some(3))
            ]
        );
    }

    /// Against any last body, the split is the one `split_array` makes, every match has the
    /// same bytes, and elements changed in place leave all the others found.
    #[test]
    fn splitting_against_a_last_body_agrees_with_a_fresh_split() {
        let mut seed = 0x9e3779b97f4a7c15u64;
        let mut random = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        // Every value is distinct, as allocations are (by ID).
        let mut made = 0;
        let mut value = |random: &mut dyn FnMut(usize) -> usize| {
            made += 1;
            match random(4) {
                0 => format!(r#"{{"ID":"{made}","S":"x\"],{{y","N":[1,{{"a":null}}]}}"#),
                1 => made.to_string(),
                2 => format!(r#""s{made}\\""#),
                _ => format!("[{made},[null]]"),
            }
        };
        for _ in 0..3000 {
            let before: Vec<String> = (0..random(30)).map(|_| value(&mut random)).collect();
            let in_place = random(2) == 0;
            let mut after = before.clone();
            for _ in 0..random(4) {
                let at = random(after.len() + 1);
                match (in_place, random(3)) {
                    (true, _) | (false, 0) if at < after.len() => after[at] = value(&mut random),
                    (false, 1) if at < after.len() => drop(after.remove(at)),
                    (false, _) => after.insert(at, value(&mut random)),
                    _ => {}
                }
            }
            let join = |xs: &[String], random: &mut dyn FnMut(usize) -> usize| {
                let space = |random: &mut dyn FnMut(usize) -> usize| [" ", "", "\n "][random(3)];
                let items: Vec<String> = xs.iter().map(|x| format!("{}{x}{}", space(random), space(random))).collect();
                format!("[{}]", items.join(","))
            };
            let previous = split_body(&join(&before, &mut random));
            let next = join(&after, &mut random);
            let split = split_against(Some(&previous), next.as_bytes()).unwrap();
            assert_eq!(
                split.iter().map(|(r, _)| r.clone()).collect::<Vec<_>>(),
                split_array(next.as_bytes()).unwrap(),
                "{next}"
            );
            for (range, k) in &split {
                if let Some(k) = k {
                    assert_eq!(&next.as_bytes()[range.clone()], &previous.bytes[previous.ranges[*k].clone()]);
                }
            }
            if in_place {
                for (i, (_, k)) in split.iter().enumerate() {
                    assert!(before[i] != after[i] || *k == Some(i), "{next}: element {i} not found");
                }
            }
        }
    }

    #[test]
    fn element_decoding_matches_whole_decoding() {
        let json = include_str!("../../crates/nomad-api/tests/samples/allocations.json");
        let whole: Vec<AllocationListStub> = serde_json::from_str(json).unwrap();
        let ranges = split_array(json.as_bytes()).unwrap();
        let each: Vec<AllocationListStub> =
            ranges.into_iter().map(|r| decode_element(json.as_bytes(), r).unwrap()).collect();
        assert_eq!(whole, each);
        assert!(!whole.is_empty());
    }

    #[test]
    fn fingerprints_tell_bodies_apart() {
        assert_eq!(fingerprint(b"[1,2]"), fingerprint(b"[1,2]"));
        assert_ne!(fingerprint(b"[1,2]"), fingerprint(b"[2,1]"));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;
        use serde_json::Value;

        /// Any JSON value: strings with quotes, backslashes, brackets and commas, numbers of
        /// every kind, nesting.
        fn json_value() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i64>().prop_map(Value::from),
                any::<u64>().prop_map(Value::from),
                any::<f64>().prop_filter("JSON has no NaN or infinity", |f| f.is_finite()).prop_map(Value::from),
                any::<String>().prop_map(Value::String),
                "[\\[\\]{},:\"\\\\ a-z]{0,8}".prop_map(Value::String),
            ];
            leaf.prop_recursive(4, 48, 6, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                    prop::collection::btree_map("[\\[\\]\",a-z]{0,4}", inner, 0..5)
                        .prop_map(|m| Value::Object(m.into_iter().collect())),
                ]
            })
        }

        /// An element as some encoder writes it: compact or indented.
        fn element() -> impl Strategy<Value = (Value, bool)> {
            (json_value(), any::<bool>())
        }

        fn whitespace() -> impl Strategy<Value = String> {
            "[ \t\r\n]{0,3}"
        }

        /// `[`, the elements with whitespace around each comma, `]`.
        fn array(elements: &[(Value, bool)], gaps: &[String]) -> String {
            let gap = |i: usize| gaps.get(i % gaps.len().max(1)).map_or("", String::as_str);
            let mut out = format!("{}[{}", gap(0), gap(1));
            for (i, (value, pretty)) in elements.iter().enumerate() {
                if i > 0 {
                    out.push_str(&format!("{},{}", gap(2 * i), gap(2 * i + 1)));
                }
                let text = if *pretty { serde_json::to_string_pretty(value) } else { serde_json::to_string(value) };
                out.push_str(&text.unwrap());
            }
            out.push_str(&format!("{}]{}", gap(3), gap(4)));
            out
        }

        proptest! {
            /// Split into elements and decoded one by one, any array yields what `serde_json`
            /// decodes from the whole.
            #[test]
            fn elements_decode_as_the_whole_array(
                elements in prop::collection::vec(element(), 0..8),
                gaps in prop::collection::vec(whitespace(), 0..6),
            ) {
                let json = array(&elements, &gaps);
                let whole: Vec<Value> = serde_json::from_str(&json).unwrap();
                let ranges = split_array(json.as_bytes()).unwrap();
                let each: Vec<Value> = ranges.into_iter().map(|r| decode_element(json.as_bytes(), r).unwrap()).collect();
                prop_assert_eq!(each, whole);
            }

            /// Split against any last body, an array splits as it does alone, and every element
            /// it says it found in the last body has the same bytes there.
            #[test]
            fn splitting_against_any_last_body_agrees(
                last in prop::collection::vec(element(), 0..8),
                kept in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
                added in prop::collection::vec(element(), 0..4),
                order in any::<u64>(),
                gaps in prop::collection::vec(whitespace(), 0..6),
            ) {
                let last_json = array(&last, &gaps);
                let previous = SplitBody { bytes: last_json.clone().into_bytes(), ranges: split_array(last_json.as_bytes()).unwrap() };
                // The next answer: some of the last elements, some new ones, interleaved.
                let mut next: Vec<(Value, bool)> = if last.is_empty() { Vec::new() } else { kept.iter().map(|i| last[i.index(last.len())].clone()).collect() };
                for (n, e) in added.into_iter().enumerate() {
                    let at = (order.rotate_left(n as u32 * 7) as usize) % (next.len() + 1);
                    next.insert(at, e);
                }
                let json = array(&next, &gaps);
                let alone = split_array(json.as_bytes()).unwrap();
                let against = split_against(Some(&previous), json.as_bytes()).unwrap();
                let ranges: Vec<_> = against.iter().map(|(r, _)| r.clone()).collect();
                prop_assert_eq!(&ranges, &alone);
                for (range, found) in against {
                    if let Some(k) = found {
                        prop_assert_eq!(&json.as_bytes()[range], &previous.bytes[previous.ranges[k].clone()]);
                    }
                }
            }
        }
    }
}
