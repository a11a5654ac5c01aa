//! Virtual scrolling over lines of a monospace font: which lines intersect the viewport,
//! when each takes one row (no wrap) or as many rows as its width needs (wrap). Widths are
//! computed once per line, so laying out is arithmetic over numbers, not text.

use std::ops::Range;

const TAB: u32 = 8;

/// Columns `text` takes: tabs to the next multiple of 8, East Asian wide characters two.
pub fn display_width(text: &str) -> u32 {
    let mut col = 0u32;
    for c in text.chars() {
        col = match c {
            '\t' => (col / TAB + 1) * TAB,
            c if is_wide(c) => col + 2,
            _ => col + 1,
        };
    }
    col
}

/// The main blocks of double-width characters (CJK, Hangul, full-width forms, emoji).
fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6 | 0x1F300..=0x1F64F | 0x1F900..=0x1F9FF | 0x20000..=0x3FFFD)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// One row per line.
    Rows(usize),
    /// `starts[i]` is the first row of line `i`; the last entry is the total.
    Wrapped(Vec<u64>),
}

impl Layout {
    /// `cols`: the columns that fit in the viewport when wrapping, `None` for no wrap.
    pub fn new(widths: impl ExactSizeIterator<Item = u32>, cols: Option<u32>) -> Layout {
        let Some(cols) = cols else { return Layout::Rows(widths.len()) };
        let cols = u64::from(cols.max(1));
        let mut starts = Vec::with_capacity(widths.len() + 1);
        let mut row = 0u64;
        starts.push(0);
        for w in widths {
            row += u64::from(w).div_ceil(cols).max(1);
            starts.push(row);
        }
        Layout::Wrapped(starts)
    }

    pub fn lines(&self) -> usize {
        match self {
            Layout::Rows(n) => *n,
            Layout::Wrapped(s) => s.len() - 1,
        }
    }

    pub fn total_rows(&self) -> u64 {
        match self {
            Layout::Rows(n) => *n as u64,
            Layout::Wrapped(s) => s.last().copied().unwrap_or(0),
        }
    }

    /// The first row of line `i`.
    pub fn row_of(&self, i: usize) -> u64 {
        match self {
            Layout::Rows(n) => i.min(*n) as u64,
            Layout::Wrapped(s) => s[i.min(s.len() - 1)],
        }
    }

    /// Rows line `i` takes.
    pub fn rows_of(&self, i: usize) -> u64 {
        self.row_of(i + 1) - self.row_of(i)
    }

    /// The line that `row` falls in (the last line for rows past the end).
    pub fn line_at(&self, row: u64) -> usize {
        let last = self.lines().saturating_sub(1);
        match self {
            Layout::Rows(_) => usize::try_from(row).unwrap_or(usize::MAX).min(last),
            Layout::Wrapped(s) => s.partition_point(|&start| start <= row).saturating_sub(1).min(last),
        }
    }

    /// Lines intersecting the viewport, with `overscan` more on each side.
    pub fn visible(&self, scroll_top: f64, viewport: f64, row_height: f64, overscan: usize) -> Range<usize> {
        let n = self.lines();
        if n == 0 || row_height <= 0.0 || !scroll_top.is_finite() || !viewport.is_finite() {
            return 0..n.min(overscan);
        }
        let first_row = (scroll_top.max(0.0) / row_height).floor() as u64;
        let last_row = ((scroll_top.max(0.0) + viewport.max(0.0)) / row_height).ceil() as u64;
        let start = self.line_at(first_row).saturating_sub(overscan);
        let end = (self.line_at(last_row) + 1 + overscan).min(n);
        start.min(end)..end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("a\tb"), 9);
        assert_eq!(display_width("\t\t"), 16);
        assert_eq!(display_width("日本"), 4);
        assert_eq!(display_width("é€"), 2);
    }

    #[test]
    fn unwrapped_is_one_row_per_line() {
        let l = Layout::new([5u32, 500, 0].into_iter(), None);
        assert_eq!((l.total_rows(), l.row_of(2), l.line_at(1)), (3, 2, 1));
        assert_eq!(l.visible(18.0, 18.0, 18.0, 0), 1..3);
    }

    #[test]
    fn wrapped_lines_take_their_rows() {
        let l = Layout::new([10u32, 0, 25, 20].into_iter(), Some(10));
        assert_eq!(l, Layout::Wrapped(vec![0, 1, 2, 5, 7]));
        assert_eq!((l.line_at(0), l.line_at(2), l.line_at(4), l.line_at(6), l.line_at(99)), (0, 2, 2, 3, 3));
        assert_eq!(l.rows_of(2), 3);
        // Rows 3..5 are on screen: line 2 (rows 2-4) and line 3 (rows 5-6).
        assert_eq!(l.visible(30.0, 20.0, 10.0, 0), 2..4);
        assert_eq!(l.visible(30.0, 20.0, 10.0, 1), 1..4);
        assert_eq!(Layout::new(std::iter::empty(), Some(4)).visible(0.0, 100.0, 10.0, 2), 0..0);
    }
}
