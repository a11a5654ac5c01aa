//! The longest run of plain text every match of a regular expression must contain, so that
//! lines without it are skipped before the regex engine runs: `regex-lite` has no literal
//! optimisations and spends most of a search rejecting lines one character at a time.
//!
//! The scan is deliberately conservative: anything it does not fully understand (alternation,
//! flags, `\x`/`\u`/`\p` escapes, nested classes) gives no literal, and the regex alone decides.

/// What `pattern` (regex-lite syntax) requires in every match, or `None` when it cannot tell.
pub fn required_literal(pattern: &str) -> Option<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut runs: Vec<String> = Vec::new();
    let mut run = String::new();
    // Inside a group, text may be optional (`(ab)?`): it never counts.
    let mut depth = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        // A single character that is part of the text, or `None` for anything else.
        let literal = match c {
            '|' => return None,
            '(' => {
                if chars.get(i) == Some(&'?') {
                    return None;
                }
                depth += 1;
                None
            }
            ')' => {
                depth = depth.checked_sub(1)?;
                None
            }
            '[' => {
                i = class_end(&chars, i)?;
                None
            }
            '\\' => {
                let escaped = *chars.get(i)?;
                i += 1;
                match escaped {
                    'd' | 'D' | 'w' | 'W' | 's' | 'S' | 'b' | 'B' | 'A' | 'z' | '<' | '>' => None,
                    'n' => Some('\n'),
                    't' => Some('\t'),
                    'r' => Some('\r'),
                    e if e.is_ascii_alphanumeric() => return None,
                    e => Some(e),
                }
            }
            '.' | '^' | '$' => None,
            // Quantifiers with nothing to repeat, or after a group or class: not text.
            '*' | '+' | '?' | '{' => None,
            c => Some(c),
        };
        // What follows an atom may make it optional or repeat it.
        let quantified = matches!(chars.get(i), Some('*' | '+' | '?' | '{'));
        let required = literal.filter(|_| depth == 0 && !matches!(chars.get(i), Some('*' | '?' | '{')));
        match required {
            Some(c) => run.push(c),
            None => runs.push(std::mem::take(&mut run)),
        }
        if quantified {
            // `a+` requires one `a` but not what follows right after it.
            runs.push(std::mem::take(&mut run));
            i = quantifier_end(&chars, i)?;
        }
    }
    if depth != 0 {
        return None;
    }
    runs.push(run);
    runs.into_iter().max_by_key(|r| r.chars().count()).filter(|r| !r.is_empty())
}

/// Past the class that starts right before `i` (after its `[`).
fn class_end(chars: &[char], mut i: usize) -> Option<usize> {
    if chars.get(i) == Some(&'^') {
        i += 1;
    }
    // A `]` first is part of the class.
    if chars.get(i) == Some(&']') {
        i += 1;
    }
    loop {
        match chars.get(i)? {
            ']' => return Some(i + 1),
            // Nested classes and set operations: not worth understanding here.
            '[' => return None,
            '\\' => i += 2,
            _ => i += 1,
        }
    }
}

/// Past the quantifier at `i` (`*`, `+`, `?`, `{m,n}`), and its lazy `?`.
fn quantifier_end(chars: &[char], mut i: usize) -> Option<usize> {
    if chars[i] == '{' {
        i += chars[i..].iter().position(|c| *c == '}')?;
    }
    i += 1;
    if chars.get(i) == Some(&'?') {
        i += 1;
    }
    Some(i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex_lite::RegexBuilder;

    #[test]
    fn the_longest_required_run() {
        assert_eq!(required_literal(r"entry \d+5 level=err").as_deref(), Some("5 level=err"));
        assert_eq!(required_literal(r"error: .* timeout").as_deref(), Some(" timeout"));
        assert_eq!(required_literal(r"abc?d").as_deref(), Some("ab"));
        assert_eq!(required_literal(r"ab+cd").as_deref(), Some("cd"));
        assert_eq!(required_literal(r"a\.b\tc").as_deref(), Some("a.b\tc"));
        assert_eq!(required_literal(r"(optional)?text").as_deref(), Some("text"));
        assert_eq!(required_literal(r"x{2,3}yz[]a]w").as_deref(), Some("yz"));
        assert_eq!(required_literal(r"id=\d+").as_deref(), Some("id="));
    }

    #[test]
    fn nothing_when_unsure() {
        for pattern in
            [r"error|warn", r"(?i)error", r"\x41BC", r"\pLetter", r"[a[b]]cd", r"\d+", r".*", r"(ab", r"ab)", "\\"]
        {
            assert_eq!(required_literal(pattern), None, "{pattern}");
        }
    }

    /// A tiny deterministic generator, so the check below covers many shapes without a crate.
    struct Rng(u64);
    impl Rng {
        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            items[(self.0 % items.len() as u64) as usize]
        }
    }

    /// The literal never rejects a line the regex matches, with and without case.
    #[test]
    fn never_rejects_a_match() {
        let atoms = [
            "a", "b", "ab", "\\d", ".", "\\.", "x", " ", "(a", "(b", ")", "[ab]", "[^a]", "[]b]", "\\s", "\\b", "^",
            "$", "|",
        ];
        let quantifiers = ["", "", "", "*", "+", "?", "{2}", "{0,2}", "+?", "*?"];
        let hay_parts = ["a", "b", "ab", "1", ".", "x", " ", "A", "B", "X"];
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut checked = 0;
        for _ in 0..20_000 {
            let pattern: String = (0..4).map(|_| format!("{}{}", rng.pick(&atoms), rng.pick(&quantifiers))).collect();
            let hay: String = (0..8).map(|_| rng.pick(&hay_parts)).collect();
            for case_sensitive in [true, false] {
                let Ok(re) = RegexBuilder::new(&pattern).case_insensitive(!case_sensitive).build() else { continue };
                let Some(literal) = required_literal(&pattern) else { continue };
                if re.is_match(&hay) {
                    let found = if case_sensitive {
                        hay.contains(&literal)
                    } else {
                        hay.to_lowercase().contains(&literal.to_lowercase())
                    };
                    assert!(found, "{pattern:?} matches {hay:?} but {literal:?} was required");
                    checked += 1;
                }
            }
        }
        assert!(checked > 1_000, "only {checked} matches were checked");
    }
}
