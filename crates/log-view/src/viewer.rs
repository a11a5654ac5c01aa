//! Everything a log viewer shows, in one place: the retained lines of one or more streams
//! (tasks, in a merged view), their open lines, the search and the filter. The UI feeds it
//! the followers' output and asks it what to draw.

use crate::ansi::{LineParser, StyledLine};
use crate::filter::{filter_rows, Row};
use crate::follow::Output;
use crate::merge::Prefixes;
use crate::search::{Matcher, Query, SearchIndex};
use crate::store::{Limits, Line, LineStore, Marker};
use nomad_api::utf8::Utf8Decoder;
use std::ops::Range;

/// Lines longer than this are broken into continuation lines.
pub const MAX_LINE: usize = 64 << 10;

/// One row of the view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    /// A retained line, by number.
    Line(i64),
    /// Lines left out by the filter.
    Separator,
    /// The line a stream is still writing.
    Open(u16),
}

/// The rows of the view: all retained lines, or the filtered ones; then the open lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Items {
    All { first: i64, count: usize, open: Vec<u16> },
    Filtered { rows: Vec<Row>, open: Vec<u16> },
}

impl Items {
    pub fn len(&self) -> usize {
        match self {
            Items::All { count, open, .. } => count + open.len(),
            Items::Filtered { rows, open } => rows.len() + open.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, i: usize) -> Option<Item> {
        match self {
            Items::All { first, count, .. } if i < *count => Some(Item::Line(first + i as i64)),
            Items::All { count, open, .. } => open.get(i - count).map(|s| Item::Open(*s)),
            Items::Filtered { rows, open } => match rows.get(i) {
                Some(Row::Line(n)) => Some(Item::Line(*n)),
                Some(Row::Separator) => Some(Item::Separator),
                None => open.get(i - rows.len()).map(|s| Item::Open(*s)),
            },
        }
    }

    /// Where line `number` is, or the nearest row after it.
    pub fn position_of(&self, number: i64) -> usize {
        match self {
            Items::All { first, count, .. } => ((number - first).max(0) as usize).min(*count),
            Items::Filtered { rows, .. } => {
                rows.iter().position(|r| matches!(r, Row::Line(n) if *n >= number)).unwrap_or(rows.len())
            }
        }
    }
}

#[derive(Debug)]
struct Source {
    parser: LineParser,
}

#[derive(Debug)]
pub struct Viewer {
    store: LineStore,
    sources: Vec<Source>,
    prefixes: Option<Prefixes>,
    search: Option<SearchIndex>,
    /// The current match, an index into the search's hits.
    current: Option<usize>,
    /// Filtering to matches, with this many lines of context.
    filter: Option<usize>,
}

impl Viewer {
    /// `sources` names the streams; with more than one, lines carry their prefix.
    pub fn new<S: AsRef<str>>(sources: &[S], limits: Limits) -> Self {
        Viewer {
            store: LineStore::new(limits),
            sources: sources.iter().map(|_| Source { parser: LineParser::new(MAX_LINE) }).collect(),
            prefixes: (sources.len() > 1).then(|| Prefixes::new(sources)),
            search: None,
            current: None,
            filter: None,
        }
    }

    pub fn store(&self) -> &LineStore {
        &self.store
    }

    pub fn prefixes(&self) -> Option<&Prefixes> {
        self.prefixes.as_ref()
    }

    /// Takes in a stream's output.
    pub fn ingest(&mut self, source: u16, output: Vec<Output>) {
        let Some(src) = self.sources.get_mut(source as usize) else { return };
        let mut lines = Vec::new();
        for o in output {
            match o {
                Output::Text(t) => src.parser.feed(&t, &mut lines),
                Output::Marker(m) => {
                    src.parser.flush(&mut lines);
                    if m == Marker::Gap {
                        src.parser.reset_style();
                    }
                    for l in lines.drain(..) {
                        self.store.push(Line::styled(l, source));
                    }
                    self.store.push(Line::marker(m, marker_text(m), source));
                }
            }
        }
        for l in lines {
            self.store.push(Line::styled(l, source));
        }
        self.sync();
    }

    /// Earlier output of a stream (whole lines), shown before everything.
    pub fn prepend(&mut self, source: u16, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let mut utf8 = Utf8Decoder::new();
        let mut parser = LineParser::new(MAX_LINE);
        let mut lines = Vec::new();
        parser.feed(&utf8.push(bytes), &mut lines);
        parser.feed(&utf8.finish(), &mut lines);
        parser.flush(&mut lines);
        self.store.prepend(lines.into_iter().map(|l| Line::styled(l, source)).collect());
        self.current = None;
        self.sync();
    }

    /// The line a stream is still writing.
    pub fn open_line(&self, source: u16) -> Option<StyledLine> {
        self.sources.get(source as usize)?.parser.open_line()
    }

    /// Starts (or with an empty query, ends) a search; `Err` for a bad regular expression.
    pub fn set_search(&mut self, query: &Query) -> Result<(), String> {
        self.current = None;
        self.search = Matcher::new(query)?.map(|m| SearchIndex::new(m, &self.store));
        Ok(())
    }

    pub fn matcher(&self) -> Option<&Matcher> {
        self.search.as_ref().map(SearchIndex::matcher)
    }

    /// Matches among the retained lines.
    pub fn match_count(&self) -> usize {
        self.search.as_ref().map_or(0, SearchIndex::count)
    }

    /// The current match (0-based) if one was chosen.
    pub fn current_match(&self) -> Option<usize> {
        self.current
    }

    /// Moves to the next or previous match, or, with none chosen yet, to the first one at or
    /// after line `from` (going forward). Returns the line it is in.
    pub fn step(&mut self, forward: bool, from: i64) -> Option<i64> {
        let search = self.search.as_ref()?;
        let next = match self.current {
            None if forward => search.first_from(from),
            current => search.step(current, forward),
        }?;
        self.current = Some(next);
        search.hit(next).map(|h| h.line)
    }

    /// `Some(context)` filters to matching lines with that many lines around each.
    pub fn set_filter(&mut self, context: Option<usize>) {
        self.filter = context;
    }

    pub fn filter(&self) -> Option<usize> {
        self.filter
    }

    pub fn items(&self) -> Items {
        let open: Vec<u16> = (0..self.sources.len() as u16).filter(|s| self.open_line(*s).is_some()).collect();
        match (&self.search, self.filter) {
            (Some(search), Some(context)) => {
                let open = open
                    .into_iter()
                    .filter(|s| self.open_line(*s).is_some_and(|l| search.matcher().is_match(&l.text)))
                    .collect();
                Items::Filtered {
                    rows: filter_rows(search.lines(), context, self.store.first(), self.store.end()),
                    open,
                }
            }
            _ => Items::All { first: self.store.first(), count: self.store.len(), open },
        }
    }

    /// Columns an item takes, its prefix included.
    pub fn width(&self, item: Item) -> u32 {
        let prefix = |source: u16| self.prefixes.as_ref().map_or(0, |p| crate::layout::display_width(p.label(source)));
        match item {
            Item::Line(n) => self.store.get(n).map_or(0, |l| l.width + prefix(l.source)),
            Item::Separator => 0,
            Item::Open(s) => self.open_line(s).map_or(0, |l| crate::layout::display_width(&l.text) + prefix(s)),
        }
    }

    /// The matches to highlight in an item's text, with whether each is the current one.
    pub fn hits(&self, item: Item) -> Vec<(Range<usize>, bool)> {
        let Some(search) = &self.search else { return Vec::new() };
        match item {
            Item::Line(n) => search.in_line(n).map(|(i, h)| (h.range.clone(), Some(i) == self.current)).collect(),
            Item::Open(s) => self
                .open_line(s)
                .map(|l| search.matcher().find(&l.text).into_iter().map(|r| (r, false)).collect())
                .unwrap_or_default(),
            Item::Separator => Vec::new(),
        }
    }

    /// The retained output as text (prefixed in a merged view), for copying.
    pub fn text(&self) -> String {
        let Some(prefixes) = &self.prefixes else { return self.store.text() };
        let mut out = String::new();
        for (_, line) in self.store.range(self.store.first()..self.store.end()).filter(|(_, l)| l.marker.is_none()) {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&prefixes.apply(line.source, &line.text));
        }
        out
    }

    fn sync(&mut self) {
        if let Some(s) = &mut self.search {
            s.sync(&self.store);
            if self.current.is_some_and(|c| c >= s.count()) {
                self.current = None;
            }
        }
    }
}

fn marker_text(m: Marker) -> &'static str {
    match m {
        Marker::Truncated => "── the file was truncated: output starts again ──",
        Marker::Deleted => "── the file was deleted ──",
        Marker::Gap => "── output is missing here (it was rotated away or sent while disconnected) ──",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Vec<Output> {
        vec![Output::Text(s.into())]
    }

    #[test]
    fn ingests_lines_markers_and_open_lines() {
        let mut v = Viewer::new(&["web"], Limits::default());
        v.ingest(0, text("a\nb\npart"));
        v.ingest(0, vec![Output::Marker(Marker::Gap), Output::Text("c\n".into())]);
        let items = v.items();
        assert_eq!(items.len(), 5);
        assert_eq!(v.store().get(2).unwrap().text, "part");
        assert_eq!(v.store().get(3).unwrap().marker, Some(Marker::Gap));
        assert_eq!(v.text(), "a\nb\npart\nc");
        v.ingest(0, text("open"));
        assert_eq!(v.items().get(5), Some(Item::Open(0)));
        assert_eq!(v.width(Item::Open(0)), 4);
    }

    #[test]
    fn search_steps_and_filters_with_context() {
        let mut v = Viewer::new(&["web"], Limits::default());
        v.ingest(0, text("ok 1\nerror 2\nok 3\nok 4\nok 5\nerror 6\nerr"));
        v.set_search(&Query { text: "error".into(), regex: false, case_sensitive: true }).unwrap();
        assert_eq!(v.match_count(), 2);
        assert_eq!(v.step(true, 3), Some(5));
        assert_eq!(v.step(true, 0), Some(1));
        assert_eq!(v.hits(Item::Line(1)), vec![(0..5, true)]);
        assert_eq!(v.hits(Item::Line(5)), vec![(0..5, false)]);
        v.set_filter(Some(1));
        let items = v.items();
        let got: Vec<_> = (0..items.len()).map(|i| items.get(i).unwrap()).collect();
        assert_eq!(
            got,
            vec![Item::Line(0), Item::Line(1), Item::Line(2), Item::Separator, Item::Line(4), Item::Line(5)]
        );
        assert_eq!(items.position_of(4), 4);
        v.ingest(0, text("or 7\n"));
        assert_eq!(v.match_count(), 3);
        assert!(v.set_search(&Query { text: "[".into(), regex: true, case_sensitive: false }).is_err());
    }

    #[test]
    fn merged_view_prefixes_lines_and_keeps_streams_apart() {
        let mut v = Viewer::new(&["api", "shipper"], Limits::default());
        v.ingest(0, text("\x1b[31mred"));
        v.ingest(1, text("one\n"));
        v.ingest(0, text(" still\n"));
        assert_eq!(v.text(), "shipper │ one\napi     │ red still");
        assert_eq!(v.store().get(1).unwrap().source, 0);
        assert_eq!(v.width(Item::Line(0)), 10 + 3);
    }

    #[test]
    fn prepended_output_goes_first_and_resets_the_current_match() {
        let mut v = Viewer::new(&["web"], Limits::default());
        v.ingest(0, text("x 2\n"));
        v.set_search(&Query { text: "x".into(), ..Query::default() }).unwrap();
        v.step(true, 0);
        v.prepend(0, b"x 0\nx 1\n");
        assert_eq!(v.text(), "x 0\nx 1\nx 2");
        assert_eq!((v.match_count(), v.current_match()), (3, None));
        assert_eq!(v.items().get(0), Some(Item::Line(-2)));
    }
}
