//! A line cut into the pieces the viewer draws: each piece has one style and is either in
//! a search match (the current one or another) or not.

use crate::style::{Span, Style};
use std::ops::Range;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub range: Range<usize>,
    pub style: Style,
    /// `Some(true)`: inside the current match; `Some(false)`: inside another match.
    pub hit: Option<bool>,
}

/// `spans` and `hits` (byte ranges, each list in order, not overlapping) cut `text` into
/// segments covering all of it.
pub fn segments(text: &str, spans: &[Span], hits: &[(Range<usize>, bool)]) -> Vec<Segment> {
    let mut cuts: Vec<usize> = vec![0, text.len()];
    cuts.extend(spans.iter().flat_map(|s| [s.start as usize, s.end as usize]));
    cuts.extend(hits.iter().flat_map(|(r, _)| [r.start, r.end]));
    cuts.retain(|&c| c <= text.len() && text.is_char_boundary(c));
    cuts.sort_unstable();
    cuts.dedup();
    let (mut si, mut hi) = (0, 0);
    let mut out: Vec<Segment> = Vec::with_capacity(cuts.len());
    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        while si < spans.len() && (spans[si].end as usize) <= a {
            si += 1;
        }
        while hi < hits.len() && hits[hi].0.end <= a {
            hi += 1;
        }
        let style = spans.get(si).filter(|s| s.start as usize <= a).map_or(Style::default(), |s| s.style);
        let hit = hits.get(hi).filter(|(r, _)| r.start <= a).map(|(_, current)| *current);
        match out.last_mut() {
            Some(last) if last.style == style && last.hit == hit => last.range.end = b,
            _ => out.push(Segment { range: a..b, style, hit }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::style::Color;

    #[test]
    fn styles_and_hits_cut_the_line() {
        let red = Style { fg: Some(Color::Indexed(1)), ..Style::default() };
        let text = "ERROR: disk full";
        let spans = [Span { start: 0, end: 5, style: red }];
        let got = segments(text, &spans, &[(3..9, true), (11..15, false)]);
        let want = vec![
            Segment { range: 0..3, style: red, hit: None },
            Segment { range: 3..5, style: red, hit: Some(true) },
            Segment { range: 5..9, style: Style::default(), hit: Some(true) },
            Segment { range: 9..11, style: Style::default(), hit: None },
            Segment { range: 11..15, style: Style::default(), hit: Some(false) },
            Segment { range: 15..16, style: Style::default(), hit: None },
        ];
        assert_eq!(got, want);
        assert_eq!(segments("plain", &[], &[]), vec![Segment { range: 0..5, style: Style::default(), hit: None }]);
        assert!(segments("", &[], &[]).is_empty());
    }
}
