//! Nomad's `filter` query parameter: a hashicorp/go-bexpr boolean expression over the fields
//! of each listed object (`nomad/state/paginator`, go-bexpr `grammar/grammar.peg` and
//! `evaluate.go`, v0.1.11 in Nomad 1.4 to v0.1.16 in 1.11). The web UI filters evaluations
//! with it (`ID contains "ab" or JobID contains "ab"`, `NodeID is empty`).
//!
//! Expressions are evaluated against an object's JSON form, whose keys are Go's field
//! names. A key the JSON leaves out (an empty field of an omitempty struct, a missing map
//! key) counts as absent, which go-bexpr answers per operator (`NotPresentDisposition`: `==`
//! is false, `!=` true, `is empty` true...). Supported: `==`, `!=`, `contains`,
//! `not contains`, `in`, `not in`, `is empty`, `is not empty`, `matches`, `not matches`; `and`,
//! `or`, `not`, parentheses; selectors `A.B`, `A["key"]`, `A.0`; values quoted, raw or bare.
//! Collection expressions (`any`/`all`), JSON-pointer selectors and go-bexpr 0.1.16's `is nil`
//! (Nomad 1.11.3) are refused as unsupported.
//!
//! `matches` is a regular expression search in a string (`doMatchMatches`, Go's `regexp`, RE2
//! syntax); the `regex` crate reads the same syntax. It needs the `filter-regex` feature
//! (the agent's); without it a `matches` evaluates to an error. As in go-bexpr, a pattern
//! that does not compile fails the evaluation, not the parse.

use serde_json::Value;

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Match { selector: Vec<String>, op: MatchOp, value: Option<String> },
    /// `matches` (`negated`: `not matches`), its pattern compiled once.
    Regex { selector: Vec<String>, pattern: Pattern, negated: bool },
}

/// A `matches` pattern, compiled when parsed; compared by its text.
#[derive(Debug, Clone)]
pub struct Pattern {
    text: String,
    #[cfg(feature = "filter-regex")]
    compiled: Result<std::sync::Arc<regex::Regex>, String>,
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Pattern) -> bool {
        self.text == other.text
    }
}

impl Pattern {
    fn new(text: String) -> Pattern {
        Pattern {
            #[cfg(feature = "filter-regex")]
            compiled: regex::Regex::new(&text).map(std::sync::Arc::new).map_err(|e| {
                // Go's words are `error parsing regexp: <code>: <expr>`; the reason here is the
                // regex crate's.
                let reason = e.to_string().lines().last().unwrap_or_default().trim_start_matches("error: ").to_string();
                format!("failed to compile regular expression {text:?}: error parsing regexp: {reason}")
            }),
            text,
        }
    }

    /// `re.Match` on the string: a search anywhere in it.
    fn is_match(&self, haystack: &str) -> Result<bool, String> {
        #[cfg(feature = "filter-regex")]
        {
            self.compiled.as_ref().map(|re| re.is_match(haystack)).map_err(Clone::clone)
        }
        #[cfg(not(feature = "filter-regex"))]
        {
            let _ = haystack;
            Err(format!("matches {:?} is not supported here (no regular expression engine)", self.text))
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchOp {
    Equal,
    NotEqual,
    /// `contains` and `in` are the same test, operands swapped.
    In,
    NotIn,
    IsEmpty,
    IsNotEmpty,
}

impl MatchOp {
    /// `NotPresentDisposition`: the answer for a selector that names nothing.
    fn not_present(self) -> bool {
        matches!(self, MatchOp::NotEqual | MatchOp::NotIn | MatchOp::IsEmpty)
    }
}

struct Parser<'a> {
    text: &'a str,
    at: usize,
    /// How deep the descent is: bounded, so that no expression can exhaust the stack.
    depth: usize,
}

/// Nesting (parentheses, `not`s, chained `and`/`or` terms) beyond this is refused.
const MAX_DEPTH: usize = 256;

type Parsed<T> = Result<T, String>;

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.at..]
    }

    fn error<T>(&self, what: &str) -> Parsed<T> {
        Err(format!("1:{} ({}): {what}", self.at + 1, self.at))
    }

    fn skip_space(&mut self) -> bool {
        let n = self.rest().len() - self.rest().trim_start_matches([' ', '\t', '\r', '\n']).len();
        self.at += n;
        n > 0
    }

    /// A keyword followed by space (or, for `(`-led operands, nothing).
    fn keyword(&mut self, word: &str) -> bool {
        let rest = self.rest();
        let Some(after) = rest.strip_prefix(word) else { return false };
        if after.starts_with([' ', '\t', '\r', '\n']) {
            self.at += word.len();
            self.skip_space();
            true
        } else {
            false
        }
    }

    /// Runs one level of the descent within [`MAX_DEPTH`].
    fn nested(&mut self, level: fn(&mut Self) -> Parsed<Filter>) -> Parsed<Filter> {
        if self.depth >= MAX_DEPTH {
            return self.error("expression nested too deeply");
        }
        self.depth += 1;
        let result = level(self);
        self.depth -= 1;
        result
    }

    fn or(&mut self) -> Parsed<Filter> {
        let left = self.nested(Self::and)?;
        let save = self.at;
        if self.skip_space() && self.keyword("or") {
            return Ok(Filter::Or(Box::new(left), Box::new(self.nested(Self::or)?)));
        }
        self.at = save;
        Ok(left)
    }

    fn and(&mut self) -> Parsed<Filter> {
        let left = self.nested(Self::not)?;
        let save = self.at;
        if self.skip_space() && self.keyword("and") {
            return Ok(Filter::And(Box::new(left), Box::new(self.nested(Self::and)?)));
        }
        self.at = save;
        Ok(left)
    }

    fn not(&mut self) -> Parsed<Filter> {
        if self.keyword("not") {
            return Ok(match self.nested(Self::not)? {
                Filter::Not(inner) => *inner,
                other => Filter::Not(Box::new(other)),
            });
        }
        if self.rest().starts_with("any ") || self.rest().starts_with("all ") {
            return self.error("collection expressions are not supported by this agent");
        }
        if let Some(rest) = self.rest().strip_prefix('(') {
            self.at = self.text.len() - rest.len();
            self.skip_space();
            let inner = self.nested(Self::or)?;
            self.skip_space();
            if !self.rest().starts_with(')') {
                return self.error("Unmatched parentheses");
            }
            self.at += 1;
            return Ok(inner);
        }
        self.matching()
    }

    fn identifier(&mut self) -> Option<String> {
        let rest = self.rest();
        let mut chars = rest.char_indices();
        match chars.next() {
            Some((_, c)) if c.is_ascii_alphabetic() => {}
            _ => return None,
        }
        let end = chars.find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '/')).map_or(rest.len(), |(i, _)| i);
        self.at += end;
        Some(rest[..end].to_string())
    }

    fn string_literal(&mut self) -> Parsed<Option<String>> {
        let rest = self.rest();
        let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '`') else { return Ok(None) };
        let Some(end) = rest[1..].find(quote) else { return self.error("Unterminated string literal") };
        let raw = &rest[..end + 2];
        self.at += raw.len();
        if quote == '`' {
            return Ok(Some(raw[1..raw.len() - 1].to_string()));
        }
        // `strconv.Unquote`, which JSON's string syntax covers for what filters hold.
        serde_json::from_str::<String>(raw).map(Some).or_else(|_| self.error("invalid syntax in string literal"))
    }

    fn selector(&mut self) -> Parsed<Option<Vec<String>>> {
        if self.rest().starts_with('"') && self.rest()[1..].starts_with('/') {
            return self.error("JSON pointer selectors are not supported by this agent");
        }
        let Some(first) = self.identifier() else { return Ok(None) };
        let mut path = vec![first];
        loop {
            let rest = self.rest();
            if let Some(after) = rest.strip_prefix('.') {
                self.at += 1;
                if let Some(ident) = self.identifier() {
                    path.push(ident);
                    continue;
                }
                let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
                if digits == 0 {
                    return self.error("invalid selector");
                }
                path.push(after[..digits].to_string());
                self.at += digits;
            } else if rest.starts_with('[') {
                self.at += 1;
                self.skip_space();
                let Some(key) = self.string_literal()? else { return self.error("Invalid index") };
                self.skip_space();
                if !self.rest().starts_with(']') {
                    return self.error("Unclosed index expression");
                }
                self.at += 1;
                path.push(key);
            } else {
                return Ok(Some(path));
            }
        }
    }

    fn value(&mut self) -> Parsed<Option<String>> {
        if let Some(s) = self.string_literal()? {
            return Ok(Some(s));
        }
        let rest = self.rest();
        let number_len = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit() || c == '-' || c == '.').len();
        if number_len > 0 {
            self.at += number_len;
            return Ok(Some(rest[..number_len].to_string()));
        }
        Ok(self.selector()?.map(|path| path.join(".")))
    }

    fn matching(&mut self) -> Parsed<Filter> {
        let start = self.at;
        if let Some(selector) = self.selector()? {
            let save = self.at;
            self.skip_space();
            for (op, word) in [(MatchOp::Equal, "=="), (MatchOp::NotEqual, "!=")] {
                if let Some(rest) = self.rest().strip_prefix(word) {
                    self.at = self.text.len() - rest.len();
                    self.skip_space();
                    let Some(value) = self.value()? else { return self.error("no match found, expected a value") };
                    return Ok(Filter::Match { selector, op, value: Some(value) });
                }
            }
            for (op, words) in [
                (MatchOp::IsNotEmpty, &["is", "not", "empty"][..]),
                (MatchOp::IsEmpty, &["is", "empty"][..]),
                (MatchOp::NotIn, &["not", "contains"][..]),
                (MatchOp::In, &["contains"][..]),
            ] {
                let mark = self.at;
                let all = words.iter().enumerate().all(|(i, w)| {
                    if i + 1 == words.len() && (op == MatchOp::IsEmpty || op == MatchOp::IsNotEmpty) {
                        self.rest().starts_with(w) && {
                            self.at += w.len();
                            true
                        }
                    } else {
                        self.keyword(w)
                    }
                });
                if all {
                    if op == MatchOp::IsEmpty || op == MatchOp::IsNotEmpty {
                        return Ok(Filter::Match { selector, op, value: None });
                    }
                    let Some(value) = self.value()? else { return self.error("no match found, expected a value") };
                    return Ok(Filter::Match { selector, op, value: Some(value) });
                }
                self.at = mark;
            }
            let mark = self.at;
            let negated = self.keyword("not");
            if self.keyword("matches") {
                let Some(value) = self.value()? else { return self.error("no match found, expected a value") };
                return Ok(Filter::Regex { selector, pattern: Pattern::new(value), negated });
            }
            self.at = mark;
            self.at = save;
        }
        // `<value> in <selector>`.
        self.at = start;
        if let Some(value) = self.value()? {
            self.skip_space();
            let op = if self.keyword("in") {
                MatchOp::In
            } else if self.keyword("not") && self.keyword("in") {
                MatchOp::NotIn
            } else {
                return self.error("no match found, expected an operator");
            };
            let Some(selector) = self.selector()? else { return self.error("Invalid selector") };
            return Ok(Filter::Match { selector, op, value: Some(value) });
        }
        self.error("no match found")
    }
}

impl Filter {
    /// `bexpr.CreateEvaluator`: the expression, or the parse error.
    pub fn parse(text: &str) -> Result<Filter, String> {
        let mut p = Parser { text, at: 0, depth: 0 };
        p.skip_space();
        let filter = p.or()?;
        p.skip_space();
        if !p.rest().is_empty() {
            return p.error("no match found, expected: \"and\", \"or\" or EOF");
        }
        Ok(filter)
    }

    /// Whether any selector of the expression starts with `field`: a lister may leave out of
    /// the objects it filters a large field no selector reads (an allocation's `Job`).
    pub fn selects(&self, field: &str) -> bool {
        match self {
            Filter::And(a, b) | Filter::Or(a, b) => a.selects(field) || b.selects(field),
            Filter::Not(a) => a.selects(field),
            Filter::Match { selector, .. } | Filter::Regex { selector, .. } => {
                selector.first().is_some_and(|first| first == field)
            }
        }
    }

    /// Whether `datum` (an object's JSON) passes; an error for a comparison go-bexpr
    /// cannot make (`==` on a list, `contains` on a number...).
    pub fn matches(&self, datum: &Value) -> Result<bool, String> {
        match self {
            Filter::And(a, b) => Ok(a.matches(datum)? && b.matches(datum)?),
            Filter::Or(a, b) => Ok(a.matches(datum)? || b.matches(datum)?),
            Filter::Not(a) => Ok(!a.matches(datum)?),
            Filter::Regex { selector, pattern, negated } => match select(datum, selector) {
                // `NotPresentDisposition`: nothing matches a missing key.
                None | Some(Value::Null) => Ok(*negated),
                Some(Value::String(s)) => Ok(pattern.is_match(s)? != *negated),
                Some(other) => Err(format!("value of type {} is not convertible to []byte", kind(other))),
            },
            Filter::Match { selector, op, value } => {
                let found = match select(datum, selector) {
                    None | Some(Value::Null) => return Ok(op.not_present()),
                    Some(v) => v,
                };
                let raw = value.as_deref().unwrap_or("");
                let result = match op {
                    MatchOp::Equal | MatchOp::NotEqual => equal(found, raw, selector)?,
                    MatchOp::In | MatchOp::NotIn => contains(found, raw, selector)?,
                    MatchOp::IsEmpty | MatchOp::IsNotEmpty => match found {
                        Value::String(s) => s.is_empty(),
                        Value::Array(a) => a.is_empty(),
                        Value::Object(o) => o.is_empty(),
                        other => {
                            return Err(format!(
                                "cannot perform is-empty operations on type {} for selector: {:?}",
                                kind(other),
                                selector.join(".")
                            ))
                        }
                    },
                };
                Ok(match op {
                    MatchOp::NotEqual | MatchOp::NotIn | MatchOp::IsNotEmpty => !result,
                    _ => result,
                })
            }
        }
    }
}

/// The value a selector names, if any.
fn select<'a>(datum: &'a Value, selector: &[String]) -> Option<&'a Value> {
    let mut found = Some(datum);
    for part in selector {
        found = match found {
            Some(Value::Object(o)) => o.get(part),
            Some(Value::Array(a)) => part.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        };
    }
    found
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "ptr",
        Value::Bool(_) => "bool",
        Value::Number(_) => "int64",
        Value::String(_) => "string",
        Value::Array(_) => "slice",
        Value::Object(_) => "map",
    }
}

/// `doMatchEqual`: the raw value coerced to the field's type.
fn equal(found: &Value, raw: &str, selector: &[String]) -> Result<bool, String> {
    match found {
        Value::String(s) => Ok(s == raw),
        Value::Bool(b) => match raw {
            "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(*b),
            "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(!*b),
            _ => Err(format!("error getting match value in expression: strconv.ParseBool: parsing {raw:?}: invalid syntax")),
        },
        Value::Number(n) => {
            let wanted: f64 = raw.parse().map_err(|_| {
                format!("error getting match value in expression: strconv.ParseInt: parsing {raw:?}: invalid syntax")
            })?;
            Ok(n.as_f64() == Some(wanted))
        }
        other => Err(format!(
            "unable to find suitable primitive comparison function for matching (type {} for selector {:?})",
            kind(other),
            selector.join(".")
        )),
    }
}

/// `doMatchIn`: a key of a map, an element of a list, a substring of a string.
fn contains(found: &Value, raw: &str, selector: &[String]) -> Result<bool, String> {
    match found {
        Value::Object(o) => Ok(o.contains_key(raw)),
        Value::Array(items) => Ok(items.iter().any(|item| equal(item, raw, selector).unwrap_or(false))),
        Value::String(s) => Ok(s.contains(raw)),
        other => Err(format!(
            "cannot perform in/contains operations on type {} for selector: {:?}",
            kind(other),
            selector.join(".")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eval(filter: &str, datum: &Value) -> bool {
        Filter::parse(filter).unwrap_or_else(|e| panic!("{filter}: {e}")).matches(datum).unwrap()
    }

    /// The expressions the web UI builds (ui/app/routes/evaluations/index.js, v1.6.0).
    #[test]
    fn the_uis_evaluation_filters() {
        let e = json!({"ID": "ab12", "JobID": "web", "Status": "complete", "TriggeredBy": "job-register", "Priority": 50});
        assert!(eval(r#"ID contains "ab" or JobID contains "ab" or NodeID contains "ab" or TriggeredBy contains "ab""#, &e));
        assert!(eval(r#"(JobID contains "we") and NodeID is empty and Status contains "complete""#, &e));
        assert!(!eval("NodeID is not empty", &e));
        assert!(eval(r#"TriggeredBy contains "register" and not Status == "failed""#, &e));
        assert!(eval("Priority == 50 and Priority != 49", &e));
        assert!(eval(r#""web" in JobID"#, &e));
    }

    #[test]
    fn selectors_maps_and_lists() {
        let d = json!({"Meta": {"team": "ops"}, "Datacenters": ["dc1", "dc2"], "Stop": false, "TaskGroups": [{"Name": "web"}]});
        assert!(eval(r#"Meta.team == "ops""#, &d));
        assert!(eval(r#"Meta["team"] == ops"#, &d));
        assert!(eval(r#"Meta.missing != "x""#, &d), "a missing key is not equal to anything");
        assert!(eval(r#""dc2" in Datacenters and Datacenters not contains "dc3""#, &d));
        assert!(eval(r#"Meta contains "team""#, &d));
        assert!(eval("Stop == false", &d));
        assert!(eval(r#"TaskGroups.0.Name == "web""#, &d));
        assert!(Filter::parse(r#"Datacenters == "dc1""#).unwrap().matches(&d).is_err());
    }

    /// go-bexpr evaluate.go `doMatchMatches` (v0.1.16): a search anywhere in a string; a
    /// missing key matches nothing; a pattern that does not compile fails the evaluation.
    #[cfg(feature = "filter-regex")]
    #[test]
    fn matches_searches_with_a_regular_expression() {
        let a = json!({"JobID": "billing-api", "ClientStatus": "failed", "Priority": 50});
        assert!(eval(r#"JobID matches "^billing-" and ClientStatus == "failed""#, &a));
        assert!(eval(r#"JobID matches "api$""#, &a));
        assert!(!eval(r#"JobID not matches "bill""#, &a));
        assert!(eval(r#"JobID matches `^[a-z]+-\w+$`"#, &a));
        assert!(!eval(r#"NodeID matches ".*""#, &a));
        assert!(eval(r#"NodeID not matches ".*""#, &a));
        let bad = Filter::parse(r#"JobID matches "(""#).unwrap();
        assert!(bad.matches(&a).unwrap_err().starts_with("failed to compile regular expression \"(\": error parsing regexp: "));
        assert!(Filter::parse(r#"Priority matches "5""#).unwrap().matches(&a).is_err());
    }

    #[test]
    fn malformed_and_unsupported_expressions_are_refused() {
        let deep = format!("{}Status == \"a\"{}", "(".repeat(100_000), ")".repeat(100_000));
        assert!(Filter::parse(&deep).unwrap_err().contains("nested too deeply"));
        let long = vec![r#"Status == "a""#; 100_000].join(" or ");
        assert!(Filter::parse(&long).is_err());
        for bad in [r#"Status =="#, r#"(Status == "a""#, r#"Status == "a" xor"#, r#"Name matches"#, r#"any TaskGroups as g { g.Name == "a" }"#, r#"Status == "open"#] {
            assert!(Filter::parse(bad).is_err(), "{bad}");
        }
    }
}
