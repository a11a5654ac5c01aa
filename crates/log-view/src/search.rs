//! Search over the retained lines: plain text or a regular expression, with or without
//! case. The index keeps its results as lines come and go, scanning only new lines.

use crate::literal::required_literal;
use crate::store::LineStore;
use regex_lite::{Regex, RegexBuilder};
use std::collections::VecDeque;
use std::ops::Range;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pub text: String,
    pub regex: bool,
    pub case_sensitive: bool,
}

#[derive(Debug, Clone)]
pub enum Matcher {
    Plain {
        needle: String,
        case_sensitive: bool,
    },
    /// `required`: text every match contains (folded when case does not matter); a line
    /// without it is not given to the regex.
    Regex {
        regex: Regex,
        required: Option<Box<Matcher>>,
    },
}

impl Matcher {
    /// `Ok(None)` for an empty query; `Err` with the reason for a bad regular expression.
    pub fn new(q: &Query) -> Result<Option<Matcher>, String> {
        if q.text.is_empty() {
            return Ok(None);
        }
        if q.regex {
            let regex =
                RegexBuilder::new(&q.text).case_insensitive(!q.case_sensitive).build().map_err(|e| e.to_string())?;
            // regex-lite ignores only ASCII case, which the plain search folds the same way.
            let required =
                required_literal(&q.text).filter(|text| q.case_sensitive || text.is_ascii()).and_then(|text| {
                    Matcher::new(&Query { text, regex: false, case_sensitive: q.case_sensitive }).ok().flatten()
                });
            return Ok(Some(Matcher::Regex { regex, required: required.map(Box::new) }));
        }
        let needle = if q.case_sensitive { q.text.clone() } else { fold(&q.text) };
        Ok(Some(Matcher::Plain { needle, case_sensitive: q.case_sensitive }))
    }

    /// Byte ranges of the matches in `hay`, in order, not overlapping, never empty.
    pub fn find(&self, hay: &str) -> Vec<Range<usize>> {
        match self {
            Matcher::Plain { needle, case_sensitive: true } => {
                hay.match_indices(needle.as_str()).map(|(i, m)| i..i + m.len()).collect()
            }
            Matcher::Plain { needle, case_sensitive: false } => find_folded(hay, needle),
            Matcher::Regex { regex, required } => {
                if required.as_ref().is_some_and(|r| !r.is_match(hay)) {
                    return Vec::new();
                }
                regex.find_iter(hay).filter(|m| !m.is_empty()).map(|m| m.range()).collect()
            }
        }
    }

    pub fn is_match(&self, hay: &str) -> bool {
        match self {
            Matcher::Plain { needle, case_sensitive: true } => hay.contains(needle.as_str()),
            Matcher::Plain { .. } | Matcher::Regex { .. } => !self.find(hay).is_empty(),
        }
    }
}

/// Simple case folding: one lowercase character per character, so positions line up.
fn fold_char(c: char) -> char {
    if c.is_ascii() {
        c.to_ascii_lowercase()
    } else {
        let mut lower = c.to_lowercase();
        match (lower.next(), lower.next()) {
            (Some(l), None) => l,
            _ => c,
        }
    }
}

fn fold(s: &str) -> String {
    s.chars().map(fold_char).collect()
}

/// Case-insensitive substring search; `needle` is already folded.
fn find_folded(hay: &str, needle: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    if needle.is_ascii() {
        // Bytes: ASCII folding keeps lengths, and a non-ASCII byte never equals an ASCII one.
        let n = needle.as_bytes();
        let h = hay.as_bytes();
        let mut i = 0;
        while i + n.len() <= h.len() {
            if h[i..i + n.len()].iter().zip(n).all(|(a, b)| a.to_ascii_lowercase() == *b) {
                out.push(i..i + n.len());
                i += n.len();
            } else {
                i += 1;
            }
        }
        return out;
    }
    let needle: Vec<char> = needle.chars().collect();
    let chars: Vec<(usize, char)> = hay.char_indices().collect();
    let mut i = 0;
    while i + needle.len() <= chars.len() {
        if chars[i..i + needle.len()].iter().zip(&needle).all(|((_, a), b)| fold_char(*a) == *b) {
            let start = chars[i].0;
            let end = chars.get(i + needle.len()).map_or(hay.len(), |(p, _)| *p);
            out.push(start..end);
            i += needle.len();
        } else {
            i += 1;
        }
    }
    out
}

/// One match: line number and byte range in its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub line: i64,
    pub range: Range<usize>,
}

/// The matches of one matcher over a store, kept up to date by `sync`.
#[derive(Debug)]
pub struct SearchIndex {
    matcher: Matcher,
    hits: VecDeque<Hit>,
    /// Lines below this number have been scanned.
    scanned: i64,
    epoch: u64,
}

impl SearchIndex {
    pub fn new(matcher: Matcher, store: &LineStore) -> Self {
        let mut index = SearchIndex { matcher, hits: VecDeque::new(), scanned: store.first(), epoch: store.epoch() };
        index.sync(store);
        index
    }

    pub fn matcher(&self) -> &Matcher {
        &self.matcher
    }

    /// Catches up with the store: forgets dropped lines, scans new ones. Marker lines are
    /// the viewer's, not output, and never match.
    pub fn sync(&mut self, store: &LineStore) {
        if store.epoch() != self.epoch {
            self.hits.clear();
            self.scanned = store.first();
            self.epoch = store.epoch();
        }
        while self.hits.front().is_some_and(|h| h.line < store.first()) {
            self.hits.pop_front();
        }
        let from = self.scanned.max(store.first());
        for (number, line) in store.range(from..store.end()) {
            if line.marker.is_none() {
                self.hits.extend(self.matcher.find(&line.text).into_iter().map(|range| Hit { line: number, range }));
            }
        }
        self.scanned = store.end();
    }

    pub fn count(&self) -> usize {
        self.hits.len()
    }

    pub fn hit(&self, i: usize) -> Option<&Hit> {
        self.hits.get(i)
    }

    /// The matches in one line.
    pub fn in_line(&self, line: i64) -> impl Iterator<Item = (usize, &Hit)> {
        let start = self.hits.partition_point(|h| h.line < line);
        self.hits.range(start..).enumerate().take_while(move |(_, h)| h.line == line).map(move |(i, h)| (start + i, h))
    }

    /// The first match at or after `line`, or the first one (searching wraps around).
    pub fn first_from(&self, line: i64) -> Option<usize> {
        if self.hits.is_empty() {
            return None;
        }
        let i = self.hits.partition_point(|h| h.line < line);
        Some(if i == self.hits.len() { 0 } else { i })
    }

    /// The match after (`forward`) or before `current`, wrapping around.
    pub fn step(&self, current: Option<usize>, forward: bool) -> Option<usize> {
        let n = self.hits.len();
        if n == 0 {
            return None;
        }
        Some(match current {
            None if forward => 0,
            None => n - 1,
            Some(c) if forward => (c.min(n - 1) + 1) % n,
            Some(c) => (c.min(n - 1) + n - 1) % n,
        })
    }

    /// Numbers of the lines with a match, in order, each once.
    pub fn lines(&self) -> impl Iterator<Item = i64> + '_ {
        let mut last = None;
        self.hits.iter().filter_map(move |h| {
            let new = last != Some(h.line);
            last = Some(h.line);
            new.then_some(h.line)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ansi::StyledLine;
    use crate::store::{Limits, Line, Marker};

    fn matcher(text: &str, regex: bool, case_sensitive: bool) -> Matcher {
        Matcher::new(&Query { text: text.into(), regex, case_sensitive }).unwrap().unwrap()
    }

    fn store(lines: &[&str], limits: Limits) -> LineStore {
        let mut s = LineStore::new(limits);
        for l in lines {
            s.push(Line::styled(StyledLine { text: l.to_string(), ..StyledLine::default() }, 0));
        }
        s
    }

    #[test]
    fn plain_search_with_and_without_case() {
        let m = matcher("Err", false, true);
        assert_eq!(m.find("Err err ERR Err"), vec![0..3, 12..15]);
        let m = matcher("Err", false, false);
        assert_eq!(m.find("Err err ERR é"), vec![0..3, 4..7, 8..11]);
        let m = matcher("ÉTÉ", false, false);
        assert_eq!(m.find("un été, ÉTÉ"), vec![3..8, 10..15]);
        assert_eq!(matcher("aa", false, true).find("aaaa"), vec![0..2, 2..4]);
        assert!(Matcher::new(&Query::default()).unwrap().is_none());
    }

    #[test]
    fn regex_search_skips_empty_matches_and_reports_bad_patterns() {
        let m = matcher(r"id=\d+", true, true);
        assert_eq!(m.find("id=12 x id=3"), vec![0..5, 8..12]);
        assert_eq!(matcher("x*", true, true).find("axxb"), vec![1..3]);
        assert_eq!(matcher("warn", true, false).find("WARN"), vec![0..4]);
        assert!(Matcher::new(&Query { text: "(".into(), regex: true, case_sensitive: true }).is_err());
    }

    #[test]
    fn index_follows_appends_drops_and_prepends() {
        let mut s = store(&["a error", "b", "c error error"], Limits { max_lines: 4, max_bytes: usize::MAX });
        let mut idx = SearchIndex::new(matcher("error", false, true), &s);
        assert_eq!(idx.count(), 3);
        assert_eq!(idx.lines().collect::<Vec<_>>(), vec![0, 2]);
        s.push(Line::styled(StyledLine { text: "error d".into(), ..StyledLine::default() }, 0));
        s.push(Line::marker(Marker::Gap, "error gap", 0));
        idx.sync(&s);
        // Line 0 was dropped by the cap; the marker does not match.
        assert_eq!(idx.lines().collect::<Vec<_>>(), vec![2, 3]);
        assert_eq!(idx.in_line(2).map(|(i, h)| (i, h.range.clone())).collect::<Vec<_>>(), vec![(0, 2..7), (1, 8..13)]);
        let mut s = store(&["x", "error"], Limits::default());
        let mut idx = SearchIndex::new(matcher("error", false, true), &s);
        s.prepend(vec![Line::styled(StyledLine { text: "early error".into(), ..StyledLine::default() }, 0)]);
        idx.sync(&s);
        assert_eq!(idx.lines().collect::<Vec<_>>(), vec![-1, 1]);
    }

    #[test]
    fn stepping_wraps_around() {
        let s = store(&["e", "x", "e", "e"], Limits::default());
        let idx = SearchIndex::new(matcher("e", false, true), &s);
        assert_eq!(idx.step(None, true), Some(0));
        assert_eq!(idx.step(None, false), Some(2));
        assert_eq!(idx.step(Some(2), true), Some(0));
        assert_eq!(idx.step(Some(0), false), Some(2));
        assert_eq!(idx.first_from(1), Some(1));
        assert_eq!(idx.first_from(9), Some(0));
    }
}
