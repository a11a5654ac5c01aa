//! Streaming UTF-8: a multi-byte character may be split across two frames' `Data`.

/// Holds back the bytes of an incomplete trailing character until the next chunk.
/// Invalid sequences become U+FFFD, never an error: logs are arbitrary bytes.
#[derive(Debug, Default, Clone)]
pub struct Utf8Decoder {
    carry: Vec<u8>,
}

impl Utf8Decoder {
    /// A decoder with nothing held back.
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes `bytes` after what was held back; returns the complete characters, invalid bytes as
    /// U+FFFD, and keeps an incomplete trailing character for the next call.
    pub fn push(&mut self, bytes: &[u8]) -> String {
        let mut input = std::mem::take(&mut self.carry);
        input.extend_from_slice(bytes);
        let mut out = String::with_capacity(input.len());
        let mut rest = &input[..];
        loop {
            match std::str::from_utf8(rest) {
                Ok(s) => {
                    out.push_str(s);
                    break;
                }
                Err(e) => {
                    let (valid, after) = rest.split_at(e.valid_up_to());
                    // SAFETY-free: `valid` was just checked by from_utf8.
                    out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                    match e.error_len() {
                        Some(bad) => {
                            out.push(char::REPLACEMENT_CHARACTER);
                            rest = &after[bad..];
                        }
                        None => {
                            // Incomplete character at the end: wait for more bytes.
                            self.carry = after.to_vec();
                            break;
                        }
                    }
                }
            }
        }
        out
    }

    /// Ends the stream (or a file, on rotation): an incomplete tail becomes U+FFFD.
    pub fn finish(&mut self) -> String {
        if self.carry.is_empty() {
            String::new()
        } else {
            self.carry.clear();
            char::REPLACEMENT_CHARACTER.to_string()
        }
    }

    /// Bytes held back awaiting the rest of a character.
    pub fn pending(&self) -> usize {
        self.carry.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_split_of_multibyte_text_is_intact() {
        let text = "a€b😀c é\n日本";
        let bytes = text.as_bytes();
        for i in 0..=bytes.len() {
            for j in i..=bytes.len() {
                let mut d = Utf8Decoder::new();
                let mut s = d.push(&bytes[..i]);
                s += &d.push(&bytes[i..j]);
                s += &d.push(&bytes[j..]);
                s += &d.finish();
                assert_eq!(s, text, "splits {i} {j}");
            }
        }
    }

    #[test]
    fn invalid_bytes_become_replacement() {
        let mut d = Utf8Decoder::new();
        assert_eq!(d.push(b"a\xffb"), "a\u{fffd}b");
        assert_eq!(d.push(b"\xe2\x82"), "");
        assert_eq!(d.finish(), "\u{fffd}");
    }
}
