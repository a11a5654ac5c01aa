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
//! Collection expressions `any`/`all <selector> as <binding> { <expression> }` (go-bexpr
//! `evaluateCollectionExpression`: `v`, `i, v`, `i, _` or `_, v` bound to each element's
//! index or key and value) stand alone or in parentheses, as the grammar has them.
//! JSON-pointer selectors are refused as unsupported.
//!
//! `is nil` and `is not nil` came with go-bexpr v0.1.16 (`grammar/grammar.peg`,
//! `evaluate.go` `doMatchIsNil`, `grammar/ast.go` `NotPresentDisposition`), which Nomad uses
//! from 1.11.3 (v0.1.11 in 1.4 and 1.5, v0.1.12 in 1.6, v0.1.13 in 1.7 to 1.9, v0.1.14 in
//! 1.10, v0.1.15 in 1.11.0 to 1.11.2: `go.mod` at each tag); before, they do not parse, so
//! [`Filter::parse_for`] is told the release. Over an object's JSON, `null` or a missing key
//! is nil (a nil pointer, slice or map encodes as `null`), a list or an object is not (a
//! non-nil slice, map or struct), and a string, number or bool is go-bexpr's error. (A
//! non-nil but empty slice that an `omitempty` struct leaves out of its JSON reads as nil
//! here, where go-bexpr, reading the Go value, says not nil.)
//!
//! `matches` is a regular expression search in a string (`doMatchMatches`, Go's `regexp`, RE2
//! syntax); the `regex` crate reads the same syntax. It needs the `filter-regex` feature
//! (the agent's); without it a `matches` evaluates to an error. As in go-bexpr, a pattern
//! that does not compile fails the evaluation, not the parse.

use serde_json::Value;
use std::borrow::Cow;

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `a and b`: both pass.
    And(Box<Filter>, Box<Filter>),
    /// `a or b`: either passes.
    Or(Box<Filter>, Box<Filter>),
    /// `not a`: the expression fails.
    Not(Box<Filter>),
    /// A match expression: `selector op value`, or `value op selector` for `in`/`not in`.
    Match {
        /// The selector's path, one field name, map key or index a step (`Meta["a"]` is `Meta`, `a`).
        selector: Vec<String>,
        /// The operator.
        op: MatchOp,
        /// The value compared with; `None` for `is empty`, `is not empty`, `is nil` and `is not nil`.
        value: Option<String>,
    },
    /// `matches` (`negated`: `not matches`), its pattern compiled once.
    Regex {
        /// The selector's path, one field name, map key or index a step.
        selector: Vec<String>,
        /// The regular expression, RE2 syntax.
        pattern: Pattern,
        /// `not matches`: true when the pattern finds nothing.
        negated: bool,
    },
    /// `any` (or with `all`, `all`) element of the collection passes `inner`.
    Collection {
        /// `all` rather than `any`: every element must pass (an empty or missing collection passes).
        all: bool,
        /// The path of the list or map whose elements are tried.
        selector: Vec<String>,
        /// The names bound to each element's index (or key) and value.
        binding: Binding,
        /// The expression each element is tried against.
        inner: Box<Filter>,
    },
}

/// `CollectionNameBinding`: the names an element's index (or key) and value go by.
/// `default` alone is the value of a list's element, the key of a map's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Binding {
    /// A lone name (`as v`): a list element's value, or a map's key.
    pub default: Option<String>,
    /// The first of two names (`as i, v`): the index or key; `None` for `_`.
    pub index: Option<String>,
    /// The second of two names (`as i, v`): the element's value; `None` for `_`.
    pub value: Option<String>,
}

/// What a bound name stands for while an element is evaluated.
#[derive(Debug, Clone)]
enum Local {
    /// An index or a key, known.
    Value(Value),
    /// The element, reached by this path from the datum.
    Path(Vec<String>),
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

/// The operator of a match expression (go-bexpr `MatchOperator`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchOp {
    /// `==`: the value equals the selected one.
    Equal,
    /// `!=`: the value differs from the selected one.
    NotEqual,
    /// `contains` and `in` are the same test, operands swapped.
    In,
    /// `not contains` and `not in`.
    NotIn,
    /// `is empty`: an empty string, list or map, or nothing selected.
    IsEmpty,
    /// `is not empty`.
    IsNotEmpty,
    /// `is nil` (go-bexpr v0.1.16, Nomad 1.11.3): `null`, or nothing selected.
    IsNil,
    /// `is not nil`.
    IsNotNil,
}

impl MatchOp {
    /// `NotPresentDisposition`: the answer for a selector that names nothing.
    fn not_present(self) -> bool {
        matches!(self, MatchOp::NotEqual | MatchOp::NotIn | MatchOp::IsEmpty | MatchOp::IsNil)
    }

    /// `MatchSelectorOp`'s operators, which take no value.
    fn takes_value(self) -> bool {
        !matches!(self, MatchOp::IsEmpty | MatchOp::IsNotEmpty | MatchOp::IsNil | MatchOp::IsNotNil)
    }
}

struct Parser<'a> {
    text: &'a str,
    at: usize,
    /// How deep the descent is: bounded, so that no expression can exhaust the stack.
    depth: usize,
    /// The grammar has `is nil` and `is not nil` (go-bexpr v0.1.16).
    is_nil: bool,
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
        let start = self.at;
        let left = match self.nested(Self::and) {
            Ok(left) => left,
            // `OrExpression`'s last choice: a collection expression alone.
            Err(e) => {
                self.at = start;
                if !(self.rest().starts_with("any") || self.rest().starts_with("all")) {
                    return Err(e);
                }
                return self.nested(Self::collection);
            }
        };
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

    /// `CollectionExpression`.
    fn collection(&mut self) -> Parsed<Filter> {
        let all = if self.keyword("any") {
            false
        } else if self.keyword("all") {
            true
        } else {
            return self.error("no match found");
        };
        let Some(selector) = self.selector()? else { return self.error("no match found, expected a selector") };
        self.skip_space();
        if !self.keyword("as") {
            return self.error("no match found, expected \"as\"");
        }
        let name = |p: &mut Self| -> Option<Option<String>> {
            if let Some(rest) = p.rest().strip_prefix('_') {
                if !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '/') {
                    p.at += 1;
                    return Some(None);
                }
            }
            p.identifier().map(Some)
        };
        let Some(first) = name(self) else { return self.error("no match found, expected collection-identifiers") };
        let mark = self.at;
        self.skip_space();
        let binding = if let Some(rest) = self.rest().strip_prefix(',') {
            self.at = self.text.len() - rest.len();
            self.skip_space();
            let Some(second) = name(self) else { return self.error("no match found, expected collection-identifiers") };
            match (first, second) {
                (Some(index), Some(value)) => Binding { index: Some(index), value: Some(value), default: None },
                (Some(index), None) => Binding { index: Some(index), ..Binding::default() },
                (None, Some(value)) => Binding { value: Some(value), ..Binding::default() },
                (None, None) => return self.error("no match found, expected collection-identifiers"),
            }
        } else {
            self.at = mark;
            match first {
                Some(default) => Binding { default: Some(default), ..Binding::default() },
                None => return self.error("no match found, expected collection-identifiers"),
            }
        };
        self.skip_space();
        let Some(rest) = self.rest().strip_prefix('{') else { return self.error("no match found, expected \"{\"") };
        self.at = self.text.len() - rest.len();
        self.skip_space();
        let inner = self.nested(Self::or)?;
        self.skip_space();
        let Some(rest) = self.rest().strip_prefix('}') else { return self.error("no match found, expected \"}\"") };
        self.at = self.text.len() - rest.len();
        Ok(Filter::Collection { all, selector, binding, inner: Box::new(inner) })
    }

    fn identifier(&mut self) -> Option<String> {
        let rest = self.rest();
        let mut chars = rest.char_indices();
        match chars.next() {
            Some((_, c)) if c.is_ascii_alphabetic() => {}
            _ => return None,
        }
        let end =
            chars.find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '/')).map_or(rest.len(), |(i, _)| i);
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
        let number_len =
            rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit() || c == '-' || c == '.').len();
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
                (MatchOp::IsNotNil, &["is", "not", "nil"][..]),
                (MatchOp::IsNil, &["is", "nil"][..]),
                (MatchOp::NotIn, &["not", "contains"][..]),
                (MatchOp::In, &["contains"][..]),
            ] {
                if matches!(op, MatchOp::IsNil | MatchOp::IsNotNil) && !self.is_nil {
                    continue;
                }
                let mark = self.at;
                let all = words.iter().enumerate().all(|(i, w)| {
                    if i + 1 == words.len() && !op.takes_value() {
                        self.rest().starts_with(w) && {
                            self.at += w.len();
                            true
                        }
                    } else {
                        self.keyword(w)
                    }
                });
                if all {
                    if !op.takes_value() {
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
    /// `bexpr.CreateEvaluator` with the grammar of the latest release: the expression, or the
    /// parse error.
    pub fn parse(text: &str) -> Result<Filter, String> {
        Filter::parse_for(text, crate::NomadVersion::LATEST)
    }

    /// `bexpr.CreateEvaluator` with the grammar of the go-bexpr `version` builds with
    /// ([`crate::NomadVersion::filter_is_nil`]).
    pub fn parse_for(text: &str, version: crate::NomadVersion) -> Result<Filter, String> {
        let mut p = Parser { text, at: 0, depth: 0, is_nil: version.filter_is_nil() };
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
            Filter::Collection { selector, inner, .. } => {
                selector.first().is_some_and(|first| first == field) || inner.selects(field)
            }
        }
    }

    /// Whether `datum` (an object's JSON) passes; an error for a comparison go-bexpr
    /// cannot make (`==` on a list, `contains` on a number...).
    pub fn matches(&self, datum: &Value) -> Result<bool, String> {
        self.matches_with(datum, &[])
    }

    fn matches_with(&self, datum: &Value, locals: &[(String, Local)]) -> Result<bool, String> {
        match self {
            Filter::And(a, b) => Ok(a.matches_with(datum, locals)? && b.matches_with(datum, locals)?),
            Filter::Or(a, b) => Ok(a.matches_with(datum, locals)? || b.matches_with(datum, locals)?),
            Filter::Not(a) => Ok(!a.matches_with(datum, locals)?),
            Filter::Collection { all, selector, binding, inner } => {
                let path = path_of(selector, locals);
                let found = match resolve(datum, selector, locals)? {
                    None | Some(Cow::Borrowed(Value::Null)) | Some(Cow::Owned(Value::Null)) => return Ok(*all),
                    Some(found) => found.into_owned(),
                };
                if let (Some(index), Some(value)) = (&binding.index, &binding.value) {
                    if index == value {
                        return Err(format!(
                            "{index:?} cannot be used as a placeholder for both the index and the value"
                        ));
                    }
                }
                let elements: Vec<(Value, String)> = match &found {
                    Value::Array(items) => (0..items.len()).map(|i| (Value::from(i), i.to_string())).collect(),
                    Value::Object(map) => map.keys().map(|k| (Value::from(k.clone()), k.clone())).collect(),
                    _ => return Err(format!("{} is not a list or a map", selector.join("."))),
                };
                let is_map = found.is_object();
                for (key, step) in elements {
                    let mut inner_locals = locals.to_vec();
                    let mut element = path.clone();
                    element.push(step);
                    let mut bind = |name: &Option<String>, local: Local| {
                        if let Some(name) = name {
                            inner_locals.push((name.clone(), local));
                        }
                    };
                    if is_map {
                        bind(&binding.default, Local::Value(key.clone()));
                        bind(&binding.index, Local::Value(key));
                        bind(&binding.value, Local::Path(element));
                    } else {
                        bind(&binding.index, Local::Value(key));
                        bind(&binding.default, Local::Path(element.clone()));
                        bind(&binding.value, Local::Path(element));
                    }
                    let passed = inner.matches_with(datum, &inner_locals)?;
                    if passed != *all {
                        return Ok(passed);
                    }
                }
                Ok(*all)
            }
            Filter::Regex { selector, pattern, negated } => match resolve(datum, selector, locals)?.as_deref() {
                // `NotPresentDisposition`: nothing matches a missing key.
                None | Some(Value::Null) => Ok(*negated),
                Some(Value::String(s)) => Ok(pattern.is_match(s)? != *negated),
                Some(other) => Err(format!("value of type {} is not convertible to []byte", kind(other))),
            },
            Filter::Match { selector, op, value } => {
                let found = resolve(datum, selector, locals)?;
                let found = match found.as_deref() {
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
                    // `doMatchIsNil`: a non-nil slice, map or struct is not nil; other kinds
                    // have no nil.
                    MatchOp::IsNil | MatchOp::IsNotNil => match found {
                        Value::Array(_) | Value::Object(_) => false,
                        other => {
                            return Err(format!(
                                "cannot perform is-nil operations on type {} for selector: {:?}",
                                kind(other),
                                selector.join(".")
                            ))
                        }
                    },
                };
                Ok(match op {
                    MatchOp::NotEqual | MatchOp::NotIn | MatchOp::IsNotEmpty | MatchOp::IsNotNil => !result,
                    _ => result,
                })
            }
        }
    }
}

/// A selector's path from the datum, its first name replaced by the element it is bound to.
fn path_of(selector: &[String], locals: &[(String, Local)]) -> Vec<String> {
    let Some(first) = selector.first() else { return Vec::new() };
    match locals.iter().rev().find(|(name, _)| name == first) {
        Some((_, Local::Path(path))) => path.iter().chain(&selector[1..]).cloned().collect(),
        _ => selector.to_vec(),
    }
}

/// The value a selector names with the bound names in scope (`getValue`): an index or key
/// itself, or the element's path from the datum.
fn resolve<'a>(
    datum: &'a Value,
    selector: &[String],
    locals: &[(String, Local)],
) -> Result<Option<Cow<'a, Value>>, String> {
    if let Some(first) = selector.first() {
        match locals.iter().rev().find(|(name, _)| name == first) {
            Some((_, Local::Value(v))) if selector.len() > 1 => {
                return Err(format!("/{first} references a {} so /{} is invalid", kind(v), selector.join("/")))
            }
            Some((_, Local::Value(v))) => return Ok(Some(Cow::Owned(v.clone()))),
            Some((_, Local::Path(_))) => return Ok(select(datum, &path_of(selector, locals)).map(Cow::Borrowed)),
            None => {}
        }
    }
    Ok(select(datum, selector).map(Cow::Borrowed))
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
        Value::Bool(b) => match crate::query::parse_go_bool(raw) {
            Some(wanted) => Ok(*b == wanted),
            None => Err(format!(
                "error getting match value in expression: strconv.ParseBool: parsing {raw:?}: invalid syntax"
            )),
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
        let e =
            json!({"ID": "ab12", "JobID": "web", "Status": "complete", "TriggeredBy": "job-register", "Priority": 50});
        assert!(eval(
            r#"ID contains "ab" or JobID contains "ab" or NodeID contains "ab" or TriggeredBy contains "ab""#,
            &e
        ));
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

    /// go-bexpr evaluate.go `evaluateCollectionExpression` (v0.1.16): each element bound by
    /// value (a list's) or key (a map's), `i, v` both; a missing collection makes `any` false
    /// and `all` true; anything else than a list or map is an error.
    #[test]
    fn collection_expressions() {
        let j = json!({"TaskGroups": [{"Name": "web", "Count": 2}, {"Name": "db", "Count": 1}], "Meta": {"team": "ops", "tier": "1"}, "Priority": 50});
        assert!(eval(r#"any TaskGroups as g { g.Name == "db" }"#, &j));
        assert!(!eval(r#"all TaskGroups as g { g.Name == "db" }"#, &j));
        assert!(eval(r#"all TaskGroups as g { g.Count != 0 and Priority == 50 }"#, &j));
        assert!(eval(r#"any TaskGroups as i, g { i == 1 and g.Name == "db" }"#, &j));
        assert!(eval(r#"any Meta as k { k == "team" }"#, &j));
        assert!(eval(r#"any Meta as _, v { v == "ops" }"#, &j));
        assert!(eval(r#"(any Missing as m { m == "x" }) or (all Missing as m { m == "x" })"#, &j));
        assert!(eval(r#"not (any TaskGroups as g { g.Name == "cache" })"#, &j));
        assert!(Filter::parse(r#"any Priority as p { p == 1 }"#)
            .unwrap()
            .matches(&j)
            .unwrap_err()
            .contains("is not a list or a map"));
        assert!(Filter::parse(r#"any TaskGroups as g, g { g == 1 }"#).unwrap().matches(&j).is_err());
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
        assert!(bad
            .matches(&a)
            .unwrap_err()
            .starts_with("failed to compile regular expression \"(\": error parsing regexp: "));
        assert!(Filter::parse(r#"Priority matches "5""#).unwrap().matches(&a).is_err());
    }

    /// go-bexpr v0.1.16 (Nomad 1.11.3): `grammar/grammar.peg` `MatchIsNil`, `MatchIsNotNil`;
    /// `evaluate.go` `doMatchIsNil` (nil slice, map or pointer true; a struct or non-nil slice
    /// or map false; other kinds an error); `grammar/ast.go` `NotPresentDisposition` (a
    /// missing key: `is nil` true, `is not nil` false).
    #[test]
    fn is_nil_from_go_bexpr_0_1_16() {
        let d = json!({"DeploymentID": "", "Job": null, "Meta": {"team": "ops"}, "Tags": [], "Priority": 50, "Stop": false});
        assert!(eval("Job is nil", &d));
        assert!(!eval("Job is not nil", &d));
        assert!(eval("Missing is nil and Meta.missing is nil", &d));
        assert!(!eval("Missing is not nil", &d));
        assert!(eval("Meta is not nil and Tags is not nil", &d));
        assert!(!eval("Meta is nil or Tags is nil", &d));
        assert!(eval("not Job is not nil", &d));
        assert!(eval(r#"Job is nil and Meta.team == "ops""#, &d));
        for (expr, kind, selector) in [
            ("DeploymentID is nil", "string", "DeploymentID"),
            ("Priority is not nil", "int64", "Priority"),
            ("Stop is nil", "bool", "Stop"),
        ] {
            assert_eq!(
                Filter::parse(expr).unwrap().matches(&d).unwrap_err(),
                format!("cannot perform is-nil operations on type {kind} for selector: {selector:?}")
            );
        }
        assert_eq!(
            Filter::parse("Job is nil").unwrap(),
            Filter::Match { selector: vec!["Job".into()], op: MatchOp::IsNil, value: None }
        );
        assert_eq!(
            Filter::parse("Job is not nil").unwrap(),
            Filter::Match { selector: vec!["Job".into()], op: MatchOp::IsNotNil, value: None }
        );
        // `is empty` and `is not empty` are still themselves.
        assert!(eval("Tags is empty and Meta is not empty", &d));
    }

    /// Before go-bexpr v0.1.16 (Nomad 1.4.0 to 1.11.2, `go.mod`), `is nil` does not parse.
    #[test]
    fn is_nil_does_not_parse_before_nomad_1_11_3() {
        use crate::NomadVersion;
        for version in [NomadVersion::OLDEST, NomadVersion::new(1, 10, 5), NomadVersion::new(1, 11, 2)] {
            for expr in ["Job is nil", "Job is not nil", r#"Status == "a" and Job is nil"#] {
                assert!(Filter::parse_for(expr, version).is_err(), "{expr} at {version}");
            }
            assert!(Filter::parse_for("Tags is empty", version).is_ok());
        }
        assert!(Filter::parse_for("Job is nil", NomadVersion::LATEST).is_ok());
        assert!(Filter::parse_for("Job is nilly", NomadVersion::LATEST).is_err());
    }

    #[test]
    fn malformed_and_unsupported_expressions_are_refused() {
        let deep = format!("{}Status == \"a\"{}", "(".repeat(100_000), ")".repeat(100_000));
        assert!(Filter::parse(&deep).unwrap_err().contains("nested too deeply"));
        let long = vec![r#"Status == "a""#; 100_000].join(" or ");
        assert!(Filter::parse(&long).is_err());
        for bad in [
            r#"Status =="#,
            r#"(Status == "a""#,
            r#"Status == "a" xor"#,
            r#"Name matches"#,
            r#"any TaskGroups as g { g.Name == "a" } and ID == "x""#,
            r#"Status == "open"#,
        ] {
            assert!(Filter::parse(bad).is_err(), "{bad}");
        }
    }
}
