//! Go's `http.DetectContentType` (net/http/sniff.go), which Nomad's stat reports as
//! `ContentType`: the same signatures in the same order (MP4 and embedded OpenType aside),
//! so the dashboard previews what Nomad would let it preview.

const HTML_TAGS: &[&[u8]] = &[
    b"<!DOCTYPE HTML",
    b"<HTML",
    b"<HEAD",
    b"<SCRIPT",
    b"<IFRAME",
    b"<H1",
    b"<DIV",
    b"<FONT",
    b"<TABLE",
    b"<A",
    b"<STYLE",
    b"<TITLE",
    b"<B",
    b"<BODY",
    b"<BR",
    b"<P",
    b"<!--",
];

/// Signatures matched at byte 0, in Go's order after HTML, XML and PostScript.
const PREFIXES: &[(&[u8], &str)] = &[
    (b"%PDF-", "application/pdf"),
    (b"%!PS-Adobe-", "application/postscript"),
    (b"\xFE\xFF", "text/plain; charset=utf-16be"),
    (b"\xFF\xFE", "text/plain; charset=utf-16le"),
    (b"\xEF\xBB\xBF", "text/plain; charset=utf-8"),
    (b"\x00\x00\x01\x00", "image/x-icon"),
    (b"\x00\x00\x02\x00", "image/x-icon"),
    (b"BM", "image/bmp"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
];

/// Containers whose type name sits at byte 8 (`RIFF....WEBPVP`, `FORM....AIFF`).
const CONTAINERS: &[(&[u8], &[u8], &str)] = &[
    (b"RIFF", b"WEBPVP", "image/webp"),
    (b"FORM", b"AIFF", "audio/aiff"),
    (b"RIFF", b"AVI ", "video/avi"),
    (b"RIFF", b"WAVE", "audio/wave"),
];

const LATER_PREFIXES: &[(&[u8], &str)] = &[
    (b"\x89PNG\x0D\x0A\x1A\x0A", "image/png"),
    (b"\xFF\xD8\xFF", "image/jpeg"),
    (b"ID3", "audio/mpeg"),
    (b"OggS\x00", "application/ogg"),
    (b"MThd\x00\x00\x00\x06", "audio/midi"),
    (b"\x1A\x45\xDF\xA3", "video/webm"),
    (b"\x00\x01\x00\x00", "font/ttf"),
    (b"OTTO", "font/otf"),
    (b"ttcf", "font/collection"),
    (b"wOFF", "font/woff"),
    (b"wOF2", "font/woff2"),
    (b"\x1F\x8B\x08", "application/x-gzip"),
    (b"PK\x03\x04", "application/zip"),
    (b"Rar!\x1A\x07\x00", "application/x-rar-compressed"),
    (b"Rar!\x1A\x07\x01\x00", "application/x-rar-compressed"),
    (b"\x00\x61\x73\x6D", "application/wasm"),
];

/// Go's `http.DetectContentType`: the type of content that starts with `data` (its first
/// 512 bytes count); `text/plain; charset=utf-8` for no data.
pub fn detect_content_type(data: &[u8]) -> &'static str {
    let data = &data[..data.len().min(512)];
    let first_non_ws = data.iter().position(|b| !b"\t\n\x0C\r ".contains(b)).unwrap_or(data.len());
    let text = &data[first_non_ws..];

    if HTML_TAGS.iter().any(|tag| is_html_tag(text, tag)) {
        return "text/html; charset=utf-8";
    }
    if text.starts_with(b"<?xml") {
        return "text/xml; charset=utf-8";
    }
    if let Some((_, kind)) = PREFIXES.iter().find(|(sig, _)| data.starts_with(sig)) {
        return kind;
    }
    let container = CONTAINERS
        .iter()
        .find(|(outer, inner, _)| data.starts_with(outer) && data.get(8..8 + inner.len()) == Some(*inner));
    if let Some((_, _, kind)) = container {
        return kind;
    }
    if let Some((_, kind)) = LATER_PREFIXES.iter().find(|(sig, _)| data.starts_with(sig)) {
        return kind;
    }
    let binary = |b: &u8| matches!(b, 0x00..=0x08 | 0x0B | 0x0E..=0x1A | 0x1C..=0x1F);
    if text.iter().any(binary) {
        "application/octet-stream"
    } else {
        "text/plain; charset=utf-8"
    }
}

/// Case-insensitive tag followed by a space or `>`.
fn is_html_tag(data: &[u8], tag: &[u8]) -> bool {
    data.len() > tag.len() && data[..tag.len()].eq_ignore_ascii_case(tag) && matches!(data[tag.len()], b' ' | b'>')
}

#[cfg(test)]
mod tests {
    use super::detect_content_type as sniff;

    #[test]
    fn matches_go_for_common_files() {
        assert_eq!(sniff(b"hello\nworld\n"), "text/plain; charset=utf-8");
        assert_eq!(sniff(b"  <html><body>"), "text/html; charset=utf-8");
        assert_eq!(sniff(b"<htmlx"), "text/plain; charset=utf-8");
        assert_eq!(sniff(b"<?xml version=\"1.0\"?>"), "text/xml; charset=utf-8");
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png");
        assert_eq!(sniff(b"GIF89a\x01\0"), "image/gif");
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), "image/webp");
        assert_eq!(sniff(b"\xff\xd8\xff\xe0"), "image/jpeg");
        assert_eq!(sniff(b"\x1f\x8b\x08\0"), "application/x-gzip");
        assert_eq!(sniff(b"\x7fELF\x02\x01\x01\0"), "application/octet-stream");
        assert_eq!(sniff("naïve ✓".as_bytes()), "text/plain; charset=utf-8");
    }
}
