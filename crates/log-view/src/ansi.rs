//! Turns decoded log text into styled lines the way a terminal would show it.
//!
//! SGR sequences (`ESC [ ... m`) set the style; every other escape sequence (cursor moves,
//! OSC titles and hyperlinks, charset selection) is removed. `\r` returns to the start of
//! the line so later text overwrites it (progress bars), `\b` steps back one column, `\t`
//! stays, other control characters are dropped. The style carries over to later lines, as
//! in a terminal. Lines longer than `max_line` bytes are broken into continuation lines so a
//! log without newlines cannot grow one line without bound.
//!
//! The parser is fed text in pieces split anywhere, even inside an escape sequence.

use crate::style::{Color, Span, Style};

/// Longest parameter list or OSC string kept; longer ones are still skipped whole.
const MAX_SEQUENCE: usize = 256;

/// A finished line: plain text and the styled parts of it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StyledLine {
    pub text: String,
    pub spans: Vec<Span>,
    /// The text goes on from the line before (it was broken for length).
    pub continued: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Escape {
    None,
    /// After ESC.
    Start,
    /// ESC followed by intermediate bytes (`ESC ( B`): ends at the final byte.
    Intermediate,
    Csi,
    /// OSC, DCS, SOS, PM or APC: a string ended by BEL (OSC) or ST.
    Str,
    /// ESC inside a string: `\` ends it.
    StrEnd,
}

#[derive(Debug)]
pub struct LineParser {
    style: Style,
    escape: Escape,
    params: String,
    csi_ok: bool,
    max_line: usize,
    line: LineWriter,
}

impl LineParser {
    pub fn new(max_line: usize) -> Self {
        LineParser {
            style: Style::default(),
            escape: Escape::None,
            params: String::new(),
            csi_ok: true,
            max_line: max_line.max(16),
            line: LineWriter::default(),
        }
    }

    /// Parses `text`, appending every line it completes to `out`.
    pub fn feed(&mut self, text: &str, out: &mut Vec<StyledLine>) {
        for c in text.chars() {
            self.char(c, out);
        }
    }

    /// The line being written (no newline yet), if it has any text.
    pub fn open_line(&self) -> Option<StyledLine> {
        (!self.line.is_empty()).then(|| self.line.snapshot())
    }

    /// Ends the line being written (before a marker, or at the end of a file shown whole).
    pub fn flush(&mut self, out: &mut Vec<StyledLine>) {
        if !self.line.is_empty() {
            out.push(self.line.take());
        }
        self.escape = Escape::None;
    }

    /// Forgets the style (after a gap, the text that set it may be lost).
    pub fn reset_style(&mut self) {
        self.style = Style::default();
    }

    fn char(&mut self, c: char, out: &mut Vec<StyledLine>) {
        match self.escape {
            Escape::None => self.ground(c, out),
            Escape::Start => {
                self.escape = match c {
                    '[' => {
                        self.params.clear();
                        self.csi_ok = true;
                        Escape::Csi
                    }
                    ']' | 'P' | 'X' | '^' | '_' => Escape::Str,
                    '\u{20}'..='\u{2f}' => Escape::Intermediate,
                    '\n' => return self.newline(out),
                    '\u{1b}' => Escape::Start,
                    // A two-character sequence (`ESC 7`, `ESC M`, ...).
                    _ => Escape::None,
                }
            }
            Escape::Intermediate => match c {
                '\u{20}'..='\u{2f}' => {}
                '\n' => self.newline(out),
                _ => self.escape = Escape::None,
            },
            Escape::Csi => match c {
                '0'..='9' | ';' | ':' => {
                    if self.params.len() < MAX_SEQUENCE {
                        self.params.push(c);
                    } else {
                        self.csi_ok = false;
                    }
                }
                // Private parameters (`ESC [ ? 25 l`) and intermediates: not SGR.
                '<'..='?' | '\u{20}'..='\u{2f}' => self.csi_ok = false,
                '\u{40}'..='\u{7e}' => {
                    if c == 'm' && self.csi_ok {
                        self.style = apply_sgr(self.style, &self.params);
                    }
                    self.escape = Escape::None;
                }
                '\u{1b}' => self.escape = Escape::Start,
                // A broken sequence ends at the line's end rather than eating the log.
                '\n' => self.newline(out),
                _ => self.escape = Escape::None,
            },
            Escape::Str => match c {
                '\u{07}' | '\u{9c}' => self.escape = Escape::None,
                '\u{1b}' => self.escape = Escape::StrEnd,
                '\n' => self.newline(out),
                _ => {}
            },
            Escape::StrEnd => {
                self.escape = match c {
                    '\\' => Escape::None,
                    '\u{1b}' => Escape::StrEnd,
                    '\n' => return self.newline(out),
                    _ => Escape::Str,
                }
            }
        }
    }

    fn ground(&mut self, c: char, out: &mut Vec<StyledLine>) {
        match c {
            '\n' => self.newline(out),
            '\r' => self.line.cursor = 0,
            '\u{08}' => self.line.cursor = self.line.cursor.saturating_sub(1),
            '\u{1b}' => self.escape = Escape::Start,
            '\u{9b}' => {
                self.params.clear();
                self.csi_ok = true;
                self.escape = Escape::Csi;
            }
            '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => self.escape = Escape::Str,
            '\t' => self.put(c, out),
            c if c.is_control() => {}
            c => self.put(c, out),
        }
    }

    fn put(&mut self, c: char, out: &mut Vec<StyledLine>) {
        if self.line.at_end() && self.line.text.len() + c.len_utf8() > self.max_line {
            out.push(self.line.take());
            self.line.continued = true;
        }
        self.line.put(c, self.style);
    }

    fn newline(&mut self, out: &mut Vec<StyledLine>) {
        self.escape = Escape::None;
        out.push(self.line.take());
    }
}

/// One line being written, with a cursor. Appending is the fast path; writing over earlier
/// text (after `\r` or `\b`) switches to a cell per character until the line ends.
#[derive(Debug, Default)]
struct LineWriter {
    text: String,
    spans: Vec<Span>,
    /// Characters in `text` (or `cells`).
    len: usize,
    /// Column the next character goes to.
    cursor: usize,
    cells: Option<Vec<(char, Style)>>,
    continued: bool,
}

impl LineWriter {
    fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn at_end(&self) -> bool {
        self.cursor >= self.len
    }

    fn put(&mut self, c: char, style: Style) {
        if self.at_end() && self.cells.is_none() {
            let start = self.text.len() as u32;
            self.text.push(c);
            let end = self.text.len() as u32;
            push_span(&mut self.spans, start, end, style);
        } else {
            let cells = self.cells.get_or_insert_with(|| to_cells(&self.text, &self.spans));
            if self.cursor < cells.len() {
                cells[self.cursor] = (c, style);
            } else {
                cells.push((c, style));
            }
            self.len = self.len.max(cells.len());
        }
        self.cursor += 1;
        self.len = self.len.max(self.cursor);
    }

    fn snapshot(&self) -> StyledLine {
        match &self.cells {
            Some(cells) => from_cells(cells, self.continued),
            None => StyledLine { text: self.text.clone(), spans: self.spans.clone(), continued: self.continued },
        }
    }

    fn take(&mut self) -> StyledLine {
        let line = match self.cells.take() {
            Some(cells) => from_cells(&cells, self.continued),
            None => StyledLine {
                text: std::mem::take(&mut self.text),
                spans: std::mem::take(&mut self.spans),
                continued: self.continued,
            },
        };
        *self = LineWriter::default();
        line
    }
}

fn push_span(spans: &mut Vec<Span>, start: u32, end: u32, style: Style) {
    if style.is_plain() {
        return;
    }
    match spans.last_mut() {
        Some(last) if last.end == start && last.style == style => last.end = end,
        _ => spans.push(Span { start, end, style }),
    }
}

fn to_cells(text: &str, spans: &[Span]) -> Vec<(char, Style)> {
    let mut spans = spans.iter().peekable();
    text.char_indices()
        .map(|(i, c)| {
            let i = i as u32;
            while spans.peek().is_some_and(|s| s.end <= i) {
                spans.next();
            }
            let style = spans.peek().filter(|s| s.start <= i).map_or(Style::default(), |s| s.style);
            (c, style)
        })
        .collect()
}

fn from_cells(cells: &[(char, Style)], continued: bool) -> StyledLine {
    let mut line = StyledLine { continued, ..StyledLine::default() };
    for &(c, style) in cells {
        let start = line.text.len() as u32;
        line.text.push(c);
        push_span(&mut line.spans, start, line.text.len() as u32, style);
    }
    line
}

/// Applies one SGR parameter list (`1;38;5;208`, `38:2::255:0:0`, empty = reset).
fn apply_sgr(mut style: Style, params: &str) -> Style {
    let groups: Vec<Vec<Option<u32>>> =
        params.split(';').map(|g| g.split(':').map(|p| p.parse::<u32>().ok()).collect()).collect();
    let mut i = 0;
    while i < groups.len() {
        let group = &groups[i];
        let code = group.first().copied().flatten().unwrap_or(0);
        i += 1;
        match code {
            0 => style = Style::default(),
            1 => style.bold = true,
            2 => style.dim = true,
            3 => style.italic = true,
            4 => style.underline = group.get(1).copied().flatten() != Some(0),
            7 => style.inverse = true,
            8 => style.hidden = true,
            9 => style.strike = true,
            21 => style.underline = true,
            22 => {
                style.bold = false;
                style.dim = false;
            }
            23 => style.italic = false,
            24 => style.underline = false,
            27 => style.inverse = false,
            28 => style.hidden = false,
            29 => style.strike = false,
            30..=37 => style.fg = Some(Color::Indexed((code - 30) as u8)),
            39 => style.fg = None,
            40..=47 => style.bg = Some(Color::Indexed((code - 40) as u8)),
            49 => style.bg = None,
            90..=97 => style.fg = Some(Color::Indexed((code - 90 + 8) as u8)),
            100..=107 => style.bg = Some(Color::Indexed((code - 100 + 8) as u8)),
            38 | 48 => {
                let color = if group.len() > 1 {
                    extended_color(&group[1..], true)
                } else {
                    // `38;5;n` / `38;2;r;g;b`: the colour takes the next parameters.
                    let rest: Vec<Option<u32>> = groups[i..].iter().map(|g| g.first().copied().flatten()).collect();
                    let (color, used) = extended_color_list(&rest);
                    i += used;
                    color
                };
                if let Some(c) = color {
                    if code == 38 {
                        style.fg = Some(c);
                    } else {
                        style.bg = Some(c);
                    }
                }
            }
            // Blink, fonts, frames and the rest have no look here.
            _ => {}
        }
    }
    style
}

fn channel(v: Option<u32>) -> Option<u8> {
    v.and_then(|v| u8::try_from(v).ok())
}

/// The colon form: `5:n`, `2:r:g:b` or `2:colorspace:r:g:b`.
fn extended_color(sub: &[Option<u32>], colon: bool) -> Option<Color> {
    match sub.first().copied().flatten() {
        Some(5) => channel(sub.get(1).copied().flatten()).map(Color::Indexed),
        Some(2) => {
            let rgb = if colon && sub.len() >= 5 { &sub[2..5] } else { sub.get(1..4)? };
            Some(Color::Rgb(channel(rgb[0])?, channel(rgb[1])?, channel(rgb[2])?))
        }
        _ => None,
    }
}

/// The semicolon form; returns the colour and how many parameters it used.
fn extended_color_list(rest: &[Option<u32>]) -> (Option<Color>, usize) {
    match rest.first().copied().flatten() {
        Some(5) => (extended_color(&rest[..rest.len().min(2)], false), rest.len().min(2)),
        Some(2) => (extended_color(&rest[..rest.len().min(4)], false), rest.len().min(4)),
        _ => (None, rest.len().min(1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(chunks: &[&str]) -> (Vec<StyledLine>, Option<StyledLine>) {
        let mut p = LineParser::new(1 << 16);
        let mut out = Vec::new();
        for c in chunks {
            p.feed(c, &mut out);
        }
        (out, p.open_line())
    }

    fn texts(lines: &[StyledLine]) -> Vec<&str> {
        lines.iter().map(|l| l.text.as_str()).collect()
    }

    fn fg(i: u8) -> Style {
        Style { fg: Some(Color::Indexed(i)), ..Style::default() }
    }

    #[test]
    fn basic_colours_and_reset() {
        let (lines, open) = parse(&["\x1b[32mINFO\x1b[0m  ok \x1b[1mbold\x1b[0m\n"]);
        assert!(open.is_none());
        assert_eq!(lines[0].text, "INFO  ok bold");
        assert_eq!(
            lines[0].spans,
            vec![
                Span { start: 0, end: 4, style: fg(2) },
                Span { start: 9, end: 13, style: Style { bold: true, ..Style::default() } }
            ]
        );
    }

    #[test]
    fn extended_colours_in_both_forms() {
        let (lines, _) =
            parse(&["\x1b[38;5;208ma\x1b[48;2;1;2;3mb\x1b[38:2::10:20:30mc\x1b[38:5:9;1md\x1b[39;49;22me\n"]);
        let s = &lines[0].spans;
        assert_eq!(s[0].style.fg, Some(Color::Indexed(208)));
        assert_eq!(s[1].style.bg, Some(Color::Rgb(1, 2, 3)));
        assert_eq!(s[2].style.fg, Some(Color::Rgb(10, 20, 30)));
        assert_eq!(
            s[3].style,
            Style { fg: Some(Color::Indexed(9)), bg: Some(Color::Rgb(1, 2, 3)), bold: true, ..Style::default() }
        );
        assert_eq!(s.len(), 4, "e is plain: {s:?}");
        assert_eq!(lines[0].text, "abcde");
    }

    #[test]
    fn bright_and_attributes() {
        let (lines, _) = parse(&["\x1b[91;4;3;9;7;2mx\x1b[24;23;29;27;22my\n"]);
        let st = lines[0].spans[0].style;
        assert_eq!(st.fg, Some(Color::Indexed(9)));
        assert!(st.underline && st.italic && st.strike && st.inverse && st.dim);
        assert_eq!(lines[0].spans[1].style, fg(9));
    }

    #[test]
    fn other_sequences_are_stripped() {
        let (lines, _) = parse(&[
            "\x1b[2J\x1b[?25l\x1b]0;title\x07a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\\x1b(Bb\x1b7c\x00\x07d\n",
        ]);
        assert_eq!(texts(&lines), vec!["alinkbcd"]);
        assert!(lines[0].spans.is_empty());
    }

    #[test]
    fn style_survives_any_chunk_split_and_carries_to_next_line() {
        let input = "\x1b[31mred\nstill red\x1b[0m plain\n\x1b]0;t\x07x\x1b[38;5;2my€\n";
        let (want, _) = parse(&[input]);
        for i in 0..=input.len() {
            if !input.is_char_boundary(i) {
                continue;
            }
            let (got, open) = parse(&[&input[..i], &input[i..]]);
            assert_eq!(got, want, "split at {i}");
            assert!(open.is_none());
        }
        assert_eq!(texts(&want), vec!["red", "still red plain", "xy€"]);
        assert_eq!(want[1].spans, vec![Span { start: 0, end: 9, style: fg(1) }]);
    }

    #[test]
    fn carriage_return_overwrites_like_a_terminal() {
        let (lines, open) = parse(&["10%\r20%\r100% done\n", "abcdef\rXY\n", "line\r\n", "x\x1b[31m\rZ\n"]);
        assert_eq!(texts(&lines), vec!["100% done", "XYcdef", "line", "Z"]);
        assert_eq!(lines[3].spans, vec![Span { start: 0, end: 1, style: fg(1) }]);
        assert!(open.is_none());
        // The open line shows the latest state of a progress bar.
        let (_, open) = parse(&["[#   ]\r[##  ]\r[###"]);
        assert_eq!(open.unwrap().text, "[### ]");
    }

    #[test]
    fn backspace_moves_back_one_column() {
        let (lines, _) = parse(&["ab\x08c\n", "\x08\x08x\n"]);
        assert_eq!(texts(&lines), vec!["ac", "x"]);
    }

    #[test]
    fn overwriting_keeps_styles_of_untouched_cells() {
        let (lines, _) = parse(&["\x1b[32mgreen\x1b[0m tail\r\x1b[31mR\n"]);
        assert_eq!(lines[0].text, "Rreen tail");
        assert_eq!(
            lines[0].spans,
            vec![Span { start: 0, end: 1, style: fg(1) }, Span { start: 1, end: 5, style: fg(2) }]
        );
    }

    #[test]
    fn long_lines_are_broken_into_continuations() {
        let mut p = LineParser::new(16);
        let mut out = Vec::new();
        p.feed(&"x".repeat(40), &mut out);
        p.feed("\n", &mut out);
        assert_eq!(
            out.iter().map(|l| (l.text.len(), l.continued)).collect::<Vec<_>>(),
            vec![(16, false), (16, true), (8, true)]
        );
        // Multi-byte characters are never split.
        let mut out = Vec::new();
        p.feed(&"€".repeat(10), &mut out);
        p.flush(&mut out);
        assert!(out.iter().all(|l| l.text.len() <= 16 && l.text.chars().all(|c| c == '€')));
        assert_eq!(out.iter().map(|l| l.text.chars().count()).sum::<usize>(), 10);
    }

    #[test]
    fn unterminated_sequences_end_at_the_newline() {
        let (lines, _) = parse(&["\x1b]0;never ends\nnext\n", "\x1b[12;\nafter\n"]);
        assert_eq!(texts(&lines), vec!["", "next", "", "after"]);
    }

    #[test]
    fn a_sgr_split_mid_parameter_is_applied_once_whole() {
        let (lines, _) = parse(&["\x1b[38;5", ";1", "96mX\n"]);
        assert_eq!(lines[0].spans[0].style.fg, Some(Color::Indexed(196)));
    }
}
