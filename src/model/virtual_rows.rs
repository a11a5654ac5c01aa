//! Virtual scrolling: which rows of a long list to render for the current scroll position.

use std::ops::Range;

/// Rows `[start, end)` that intersect the viewport, plus `overscan` rows on each side so fast
/// scrolling does not show blanks. Fixed row heights make this arithmetic, not measurement.
pub fn visible_rows(scroll_top: f64, viewport: f64, row_height: f64, total: usize, overscan: usize) -> Range<usize> {
    if total == 0 || row_height <= 0.0 || !scroll_top.is_finite() || !viewport.is_finite() {
        return 0..total.min(overscan);
    }
    let first = (scroll_top.max(0.0) / row_height).floor() as usize;
    let count = (viewport.max(0.0) / row_height).ceil() as usize + 1;
    let start = first.saturating_sub(overscan).min(total);
    let end = first.saturating_add(count).saturating_add(overscan).min(total);
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows() {
        assert_eq!(visible_rows(0.0, 340.0, 34.0, 10_000, 5), 0..16);
        assert_eq!(visible_rows(34_000.0, 340.0, 34.0, 10_000, 5), 995..1016);
        // Scrolled past the end (the list shrank under the viewport).
        assert_eq!(visible_rows(1e9, 340.0, 34.0, 100, 5), 100..100);
        assert_eq!(visible_rows(0.0, 340.0, 34.0, 0, 5), 0..0);
        assert_eq!(visible_rows(f64::NAN, 340.0, 34.0, 50, 5), 0..5);
    }
}
