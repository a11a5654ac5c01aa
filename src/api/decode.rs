//! Response bodies: change detection and decoding large lists in slices.
//!
//! A blocking query returns on any write to the watched table, often with a body identical to
//! the last one; comparing fingerprints skips decoding and re-rendering then. Lists of 10,000
//! allocations are megabytes of JSON: decoding them in one go would block the main thread for
//! longer than a frame, so lists are split into their elements first and decoded in batches,
//! the caller yielding to the browser between batches.

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
    let mut i = skip_ws(bytes, 0);
    if bytes[i..].starts_with(b"null") && skip_ws(bytes, i + 4) == bytes.len() {
        return Ok(Vec::new());
    }
    if bytes.get(i) != Some(&b'[') {
        return Err("expected a JSON array".into());
    }
    i += 1;
    let mut elements = Vec::new();
    let mut start: Option<usize> = None;
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                // Straight to the string's next quote or escape: most of a body is strings.
                _ => {
                    i += memchr::memchr2(b'"', b'\\', &bytes[i..]).unwrap_or(bytes.len() - i);
                    continue;
                }
            }
        } else {
            match b {
                b'"' => {
                    in_string = true;
                    start.get_or_insert(i);
                }
                b'{' | b'[' => {
                    depth += 1;
                    start.get_or_insert(i);
                }
                b'}' | b']' if depth > 0 => depth -= 1,
                b']' => {
                    if let Some(s) = start.take() {
                        elements.push(s..trim_end(bytes, s, i));
                    } else if !elements.is_empty() {
                        return Err("trailing comma in array".into());
                    }
                    return if skip_ws(bytes, i + 1) == bytes.len() { Ok(elements) } else { Err("data after the array".into()) };
                }
                b',' if depth == 0 => match start.take() {
                    Some(s) => elements.push(s..trim_end(bytes, s, i)),
                    None => return Err("empty array element".into()),
                },
                b' ' | b'\t' | b'\n' | b'\r' => {}
                b'}' => return Err("unbalanced '}'".into()),
                _ => {
                    start.get_or_insert(i);
                }
            }
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

fn trim_end(bytes: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && bytes[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    end
}

/// Decodes one element of a list split by [`split_array`].
pub fn decode_element<T: DeserializeOwned>(bytes: &[u8], range: Range<usize>) -> Result<T, String> {
    let at = range.start;
    serde_json::from_slice(&bytes[range]).map_err(|e| format!("element at byte {at}: {e}"))
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
        assert_eq!(parts(r#" [ {"a":[1,2],"b":"x,]}"} , 3,"q\"]" ,null ] "#).unwrap(), vec![r#"{"a":[1,2],"b":"x,]}"}"#, "3", r#""q\"]""#, "null"]);
        assert_eq!(parts("[]").unwrap(), Vec::<&str>::new());
        assert_eq!(parts(" null\n").unwrap(), Vec::<&str>::new());
        assert_eq!(parts("[[1,[2]],{}]").unwrap(), vec!["[1,[2]]", "{}"]);
    }

    #[test]
    fn rejects_broken_structure() {
        for bad in ["", "{}", "[1,", "[1,]", "[,1]", "[1] x", r#"["abc]"#, "[}]", "nul"] {
            assert!(split_array(bad.as_bytes()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn element_decoding_matches_whole_decoding() {
        let json = include_str!("../../crates/nomad-api/tests/samples/allocations.json");
        let whole: Vec<AllocationListStub> = serde_json::from_str(json).unwrap();
        let ranges = split_array(json.as_bytes()).unwrap();
        let each: Vec<AllocationListStub> = ranges.into_iter().map(|r| decode_element(json.as_bytes(), r).unwrap()).collect();
        assert_eq!(whole, each);
        assert!(!whole.is_empty());
    }

    #[test]
    fn fingerprints_tell_bodies_apart() {
        assert_eq!(fingerprint(b"[1,2]"), fingerprint(b"[1,2]"));
        assert_ne!(fingerprint(b"[1,2]"), fingerprint(b"[2,1]"));
    }
}
