//! The retained output: lines in order, bounded in count and bytes. When a bound is passed
//! the oldest lines go, and how many went is kept so the viewer can say so.
//!
//! Lines have absolute numbers that never change while they are retained (new lines get
//! the next number, earlier output loaded later gets numbers below the first), so search
//! results and the scroll position can refer to them across updates.

use crate::ansi::StyledLine;
use crate::layout::display_width;
use crate::style::Span;
use std::collections::VecDeque;
use std::ops::Range;

/// What a marker line stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// The file started again from its beginning.
    Truncated,
    /// The file was deleted while it was read.
    Deleted,
    /// Output is missing here (rotated out while disconnected, or a plain stream reconnected).
    Gap,
}

impl Marker {
    pub fn name(self) -> &'static str {
        match self {
            Marker::Truncated => "truncated",
            Marker::Deleted => "deleted",
            Marker::Gap => "gap",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub text: String,
    pub spans: Box<[Span]>,
    /// Which stream it came from (the task, in a merged view).
    pub source: u16,
    /// Goes on from the line before (broken for length).
    pub continued: bool,
    /// A note from the viewer, not output.
    pub marker: Option<Marker>,
    /// Columns the text takes (for laying out wrapped lines).
    pub width: u32,
}

impl Line {
    pub fn styled(line: StyledLine, source: u16) -> Line {
        let width = display_width(&line.text);
        Line {
            text: line.text,
            spans: line.spans.into_boxed_slice(),
            source,
            continued: line.continued,
            marker: None,
            width,
        }
    }

    pub fn marker(marker: Marker, text: impl Into<String>, source: u16) -> Line {
        let text = text.into();
        let width = display_width(&text);
        Line { text, spans: Box::new([]), source, continued: false, marker: Some(marker), width }
    }

    /// Roughly what the line costs in memory.
    fn cost(&self) -> usize {
        std::mem::size_of::<Line>() + self.text.len() + std::mem::size_of_val(&*self.spans)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_lines: usize,
    pub max_bytes: usize,
}

impl Default for Limits {
    /// About 64 MiB: a long afternoon of a chatty service, well inside a tab's budget.
    fn default() -> Self {
        Limits { max_lines: 500_000, max_bytes: 64 << 20 }
    }
}

#[derive(Debug)]
pub struct LineStore {
    lines: VecDeque<Line>,
    /// The number of `lines[0]`.
    first: i64,
    bytes: usize,
    dropped: u64,
    limits: Limits,
    /// Changes when lines are added before the first or everything is cleared: numbering
    /// before this point cannot be relied on.
    epoch: u64,
}

impl LineStore {
    pub fn new(limits: Limits) -> Self {
        LineStore { lines: VecDeque::new(), first: 0, bytes: 0, dropped: 0, limits, epoch: 0 }
    }

    pub fn push(&mut self, line: Line) {
        self.bytes += line.cost();
        self.lines.push_back(line);
        while self.over_limit() && self.lines.len() > 1 {
            self.drop_front();
        }
    }

    /// Earlier output, oldest first. Only what fits under the limits is kept (the newest
    /// of `lines`); the rest counts as dropped. Returns how many were kept.
    pub fn prepend(&mut self, lines: Vec<Line>) -> usize {
        let mut kept = 0;
        for line in lines.into_iter().rev() {
            let cost = line.cost();
            if self.lines.len() + 1 > self.limits.max_lines || self.bytes + cost > self.limits.max_bytes {
                self.dropped += 1;
                continue;
            }
            self.bytes += cost;
            self.lines.push_front(line);
            self.first -= 1;
            kept += 1;
        }
        if kept > 0 {
            self.epoch += 1;
        }
        kept
    }

    pub fn clear(&mut self) {
        self.lines.clear();
        self.bytes = 0;
        self.dropped = 0;
        self.first = 0;
        self.epoch += 1;
    }

    fn over_limit(&self) -> bool {
        self.lines.len() > self.limits.max_lines || self.bytes > self.limits.max_bytes
    }

    fn drop_front(&mut self) {
        if let Some(line) = self.lines.pop_front() {
            self.bytes -= line.cost();
            self.first += 1;
            self.dropped += 1;
        }
    }

    /// Number of the first retained line.
    pub fn first(&self) -> i64 {
        self.first
    }

    /// One past the number of the last line.
    pub fn end(&self) -> i64 {
        self.first + self.lines.len() as i64
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn get(&self, number: i64) -> Option<&Line> {
        usize::try_from(number - self.first).ok().and_then(|i| self.lines.get(i))
    }

    /// The line at a position counted from the first retained one.
    pub fn nth(&self, i: usize) -> Option<&Line> {
        self.lines.get(i)
    }

    /// `(number, line)` for the numbers in `range` that are retained.
    pub fn range(&self, range: Range<i64>) -> impl Iterator<Item = (i64, &Line)> {
        let start = range.start.max(self.first);
        let end = range.end.min(self.end()).max(start);
        let from = (start - self.first) as usize;
        self.lines.range(from..(end - self.first) as usize).enumerate().map(move |(i, l)| (start + i as i64, l))
    }

    /// Lines dropped to stay under the limits, since the start or the last `clear`.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }

    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The retained output, lines joined by `\n` (continuations joined back together,
    /// markers left out: they are not output).
    pub fn text(&self) -> String {
        let mut out = String::with_capacity(self.lines.iter().map(|l| l.text.len() + 1).sum());
        let mut first = true;
        for line in self.lines.iter().filter(|l| l.marker.is_none()) {
            if !first && !line.continued {
                out.push('\n');
            }
            first = false;
            out.push_str(&line.text);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Line {
        Line::styled(StyledLine { text: s.into(), ..StyledLine::default() }, 0)
    }

    #[test]
    fn keeps_numbers_and_drops_the_oldest_over_the_line_cap() {
        let mut s = LineStore::new(Limits { max_lines: 3, max_bytes: usize::MAX });
        for i in 0..5 {
            s.push(text(&format!("l{i}")));
        }
        assert_eq!((s.first(), s.end(), s.dropped()), (2, 5, 2));
        assert_eq!(s.get(2).unwrap().text, "l2");
        assert!(s.get(1).is_none());
        assert_eq!(
            s.range(0..4).map(|(n, l)| (n, l.text.clone())).collect::<Vec<_>>(),
            vec![(2, "l2".into()), (3, "l3".into())]
        );
        assert_eq!(s.text(), "l2\nl3\nl4");
    }

    #[test]
    fn byte_cap_counts_text_and_keeps_at_least_one_line() {
        let one = text(&"x".repeat(100)).cost();
        let mut s = LineStore::new(Limits { max_lines: usize::MAX, max_bytes: one * 2 });
        for _ in 0..5 {
            s.push(text(&"x".repeat(100)));
        }
        assert_eq!((s.len(), s.dropped()), (2, 3));
        assert!(s.bytes() <= one * 2);
        s.push(text(&"y".repeat(10_000)));
        assert_eq!(s.len(), 1, "an oversized line is still shown");
    }

    #[test]
    fn prepend_numbers_below_and_keeps_only_what_fits() {
        let mut s = LineStore::new(Limits { max_lines: 4, max_bytes: usize::MAX });
        s.push(text("c"));
        s.push(text("d"));
        let epoch = s.epoch();
        assert_eq!(s.prepend(vec![text("x"), text("a"), text("b")]), 2);
        assert_eq!((s.first(), s.dropped()), (-2, 1));
        assert_eq!(s.text(), "a\nb\nc\nd");
        assert_ne!(s.epoch(), epoch);
    }

    #[test]
    fn continuations_join_back_in_text() {
        let mut s = LineStore::new(Limits::default());
        s.push(text("ab"));
        s.push(Line { continued: true, ..text("cd") });
        s.push(Line::marker(Marker::Gap, "gap", 0));
        s.push(text("e"));
        assert_eq!(s.text(), "abcd\ne");
        s.clear();
        assert!(s.is_empty() && s.bytes() == 0);
    }
}
