//! Filtering to matching lines with `context` lines around each, as `grep -C` does: groups
//! that do not touch are separated.

/// One row of a filtered view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Line(i64),
    /// Lines left out here.
    Separator,
}

/// The rows for matching line numbers `matching` (ascending) among the lines `first..end`.
pub fn filter_rows(matching: impl IntoIterator<Item = i64>, context: usize, first: i64, end: i64) -> Vec<Row> {
    let context = context as i64;
    let mut rows = Vec::new();
    // One past the last line already in `rows`.
    let mut shown_end: Option<i64> = None;
    for m in matching {
        if m < first || m >= end {
            continue;
        }
        let from = (m - context).max(first);
        let to = (m + context + 1).min(end);
        let from = match shown_end {
            Some(e) if from <= e => e,
            Some(_) => {
                rows.push(Row::Separator);
                from
            }
            None => from,
        };
        rows.extend((from..to).map(Row::Line));
        shown_end = Some(shown_end.map_or(to, |e| e.max(to)));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use Row::*;

    #[test]
    fn without_context_only_matches() {
        assert_eq!(filter_rows([1, 2, 5], 0, 0, 10), vec![Line(1), Line(2), Separator, Line(5)]);
    }

    #[test]
    fn context_merges_touching_groups_and_clamps_to_the_store() {
        assert_eq!(
            filter_rows([0, 3, 9], 1, 0, 10),
            vec![Line(0), Line(1), Line(2), Line(3), Line(4), Separator, Line(8), Line(9)]
        );
        assert_eq!(filter_rows([5, 6], 2, 4, 7), vec![Line(4), Line(5), Line(6)]);
        assert_eq!(filter_rows([2], 1, 3, 10), vec![]);
        assert_eq!(filter_rows(Vec::new(), 3, 0, 10), vec![]);
    }
}
