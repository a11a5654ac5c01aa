//! The words of Go's `encoding/json` errors, which Nomad's HTTP agent writes in its answers to
//! a body or parameter it cannot decode (`decodeBody` in `command/agent/http.go`, the exec
//! `command` parameter, the restart body): `invalid character 'x' looking for beginning of
//! value`, `unexpected end of JSON input`, `json: cannot unmarshal array into Go value of type
//! ...`. serde's messages say the same things in other words; clients match on Nomad's.
//!
//! [`syntax_error`] follows Go's scanner (`encoding/json/scanner.go`) byte for byte; the type
//! errors are `UnmarshalTypeError`'s text for the value's JSON kind.

use serde_json::Value;

/// How Go reads the JSON: `json.Unmarshal` checks the whole input, `json.Decoder.Decode`
/// (`decodeBody`) reads the first value and leaves the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// `json.Unmarshal`: anything after the first value but whitespace is a syntax error.
    Unmarshal,
    /// `json.NewDecoder(..).Decode`, as `decodeBody` uses: only the first value is read.
    Decoder,
}

/// Where the scanner is, as `scanner.go`'s step functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    BeginValue,
    BeginValueOrEmpty,
    BeginStringOrEmpty,
    BeginString,
    EndValue,
    EndTop,
    InString,
    InStringEsc,
    InStringEscU(u8),
    Neg,
    One,
    Zero,
    Dot,
    Dot0,
    E,
    ESign,
    E0,
    /// Inside `true`, `false` or `null`: the literal and how much of it has been read.
    Literal(&'static str, usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Parse {
    ObjectKey,
    ObjectValue,
    ArrayValue,
}

/// `quoteChar`: the byte as Go's `strconv.Quote` writes the rune of that value, in single quotes.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => r"'\''".to_string(),
        b'"' => r#"'"'"#.to_string(),
        b'\\' => r"'\\'".to_string(),
        0x07 => r"'\a'".to_string(),
        0x08 => r"'\b'".to_string(),
        0x0c => r"'\f'".to_string(),
        b'\n' => r"'\n'".to_string(),
        b'\r' => r"'\r'".to_string(),
        b'\t' => r"'\t'".to_string(),
        0x0b => r"'\v'".to_string(),
        c if c < 0x20 || c == 0x7f => format!(r"'\x{c:02x}'"),
        // C1 controls, the no-break space and the soft hyphen are not printable.
        c if (0x80..=0xa0).contains(&c) || c == 0xad => format!(r"'\u{c:04x}'"),
        c => format!("'{}'", char::from(c)),
    }
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

fn invalid(c: u8, context: &str) -> Option<String> {
    Some(format!("invalid character {} {context}", quote_char(c)))
}

/// The `SyntaxError` (or EOF error) Go reports for `input`, or `None` when it is valid JSON
/// (for a [`Reader::Decoder`], when its first value is).
pub fn syntax_error(input: &[u8], reader: Reader) -> Option<String> {
    let mut step = Step::BeginValue;
    let mut stack: Vec<Parse> = Vec::new();
    let mut started = false;
    for &c in input {
        // A step may hand the byte on to the next (`stateEndValue(s, c)` and the like).
        loop {
            match step {
                Step::BeginValueOrEmpty if is_space(c) => {}
                Step::BeginValueOrEmpty if c == b']' => {
                    step = Step::EndValue;
                    continue;
                }
                Step::BeginValueOrEmpty => {
                    step = Step::BeginValue;
                    continue;
                }
                Step::BeginValue if is_space(c) => {}
                Step::BeginValue => {
                    started = true;
                    step = match c {
                        b'{' => {
                            stack.push(Parse::ObjectKey);
                            Step::BeginStringOrEmpty
                        }
                        b'[' => {
                            stack.push(Parse::ArrayValue);
                            Step::BeginValueOrEmpty
                        }
                        b'"' => Step::InString,
                        b'-' => Step::Neg,
                        b'0' => Step::Zero,
                        b'1'..=b'9' => Step::One,
                        b't' => Step::Literal("true", 1),
                        b'f' => Step::Literal("false", 1),
                        b'n' => Step::Literal("null", 1),
                        _ => return invalid(c, "looking for beginning of value"),
                    };
                }
                Step::BeginStringOrEmpty if is_space(c) => {}
                Step::BeginStringOrEmpty if c == b'}' => {
                    if let Some(top) = stack.last_mut() {
                        *top = Parse::ObjectValue;
                    }
                    step = Step::EndValue;
                    continue;
                }
                Step::BeginStringOrEmpty => {
                    step = Step::BeginString;
                    continue;
                }
                Step::BeginString if is_space(c) => {}
                Step::BeginString if c == b'"' => step = Step::InString,
                Step::BeginString => return invalid(c, "looking for beginning of object key string"),
                Step::EndValue => {
                    let Some(top) = stack.last().copied() else {
                        step = Step::EndTop;
                        continue;
                    };
                    if is_space(c) {
                        break;
                    }
                    match (top, c) {
                        (Parse::ObjectKey, b':') => {
                            stack.pop();
                            stack.push(Parse::ObjectValue);
                            step = Step::BeginValue;
                        }
                        (Parse::ObjectKey, _) => return invalid(c, "after object key"),
                        (Parse::ObjectValue, b',') => {
                            stack.pop();
                            stack.push(Parse::ObjectKey);
                            step = Step::BeginString;
                        }
                        (Parse::ObjectValue, b'}') | (Parse::ArrayValue, b']') => {
                            stack.pop();
                            step = Step::EndValue;
                            if stack.is_empty() && reader == Reader::Decoder {
                                return None;
                            }
                        }
                        (Parse::ObjectValue, _) => return invalid(c, "after object key:value pair"),
                        (Parse::ArrayValue, b',') => step = Step::BeginValue,
                        (Parse::ArrayValue, _) => return invalid(c, "after array element"),
                    }
                }
                // The decoder stops at the space after a value; what follows is not read.
                Step::EndTop if is_space(c) && reader == Reader::Decoder => return None,
                Step::EndTop if is_space(c) => {}
                Step::EndTop => return invalid(c, "after top-level value"),
                Step::InString => match c {
                    b'"' => step = Step::EndValue,
                    b'\\' => step = Step::InStringEsc,
                    c if c < 0x20 => return invalid(c, "in string literal"),
                    _ => {}
                },
                Step::InStringEsc => match c {
                    b'b' | b'f' | b'n' | b'r' | b't' | b'\\' | b'/' | b'"' => step = Step::InString,
                    b'u' => step = Step::InStringEscU(0),
                    _ => return invalid(c, "in string escape code"),
                },
                Step::InStringEscU(n) => {
                    if !c.is_ascii_hexdigit() {
                        return invalid(c, "in \\u hexadecimal character escape");
                    }
                    step = if n == 3 { Step::InString } else { Step::InStringEscU(n + 1) };
                }
                Step::Neg => match c {
                    b'0' => step = Step::Zero,
                    b'1'..=b'9' => step = Step::One,
                    _ => return invalid(c, "in numeric literal"),
                },
                Step::One if c.is_ascii_digit() => {}
                Step::One | Step::Zero => match c {
                    b'.' => step = Step::Dot,
                    b'e' | b'E' => step = Step::E,
                    _ => {
                        step = Step::EndValue;
                        continue;
                    }
                },
                Step::Dot if c.is_ascii_digit() => step = Step::Dot0,
                Step::Dot => return invalid(c, "after decimal point in numeric literal"),
                Step::Dot0 if c.is_ascii_digit() => {}
                Step::Dot0 if c == b'e' || c == b'E' => step = Step::E,
                Step::Dot0 | Step::E0 if !c.is_ascii_digit() => {
                    step = Step::EndValue;
                    continue;
                }
                Step::Dot0 | Step::E0 => {}
                Step::E if c == b'+' || c == b'-' => step = Step::ESign,
                Step::E | Step::ESign if c.is_ascii_digit() => step = Step::E0,
                Step::E | Step::ESign => return invalid(c, "in exponent of numeric literal"),
                Step::Literal(word, at) => {
                    let expected = word.as_bytes()[at];
                    if c != expected {
                        let context = format!("in literal {word} (expecting {})", quote_char(expected));
                        return invalid(c, &context);
                    }
                    step = if at + 1 == word.len() { Step::EndValue } else { Step::Literal(word, at + 1) };
                }
            }
            break;
        }
    }
    // `scanner.eof`: a number or a closed value at the top level ends the input well.
    let complete = stack.is_empty()
        && matches!(step, Step::EndValue | Step::EndTop | Step::One | Step::Zero | Step::Dot0 | Step::E0);
    match (complete, reader) {
        (true, _) => None,
        (false, Reader::Unmarshal) => Some("unexpected end of JSON input".to_string()),
        (false, Reader::Decoder) if !started => Some("EOF".to_string()),
        (false, Reader::Decoder) => Some("unexpected EOF".to_string()),
    }
}

/// The JSON kind of a value as `UnmarshalTypeError` names it (`null` decodes into anything).
pub fn kind(value: &Value) -> Option<&'static str> {
    match value {
        Value::Null => None,
        Value::Bool(_) => Some("bool"),
        Value::Number(_) => Some("number"),
        Value::String(_) => Some("string"),
        Value::Array(_) => Some("array"),
        Value::Object(_) => Some("object"),
    }
}

/// `UnmarshalTypeError` for a value at the top level: `json: cannot unmarshal array into Go
/// value of type structs.AllocSignalRequest`.
pub fn type_error(value: &Value, go_type: &str) -> Option<String> {
    kind(value).map(|kind| format!("json: cannot unmarshal {kind} into Go value of type {go_type}"))
}

/// `UnmarshalTypeError` for a struct's field: `json: cannot unmarshal number into Go struct
/// field AllocSignalRequest.Signal of type string` (`go_struct` is the struct's name without
/// its package, empty for an anonymous struct).
pub fn field_type_error(kind: &str, go_struct: &str, field: &str, go_type: &str) -> String {
    format!("json: cannot unmarshal {kind} into Go struct field {go_struct}.{field} of type {go_type}")
}

/// `decodeBody` (a `json.Decoder`) into a struct of Go type `go_type` (`go_struct` its name
/// without the package, empty when anonymous): `Ok(None)` when the input holds no value
/// (`EOF`), the object's fields, or Go's error. `fields` names the struct's fields this
/// agent reads with their Go types (`string` or `bool`), whose values are checked as Go
/// checks them. Members that are `null` are left out, as Go leaves their fields alone.
pub fn decode_object(
    input: &[u8],
    go_type: &str,
    go_struct: &str,
    fields: &[(&str, &str)],
) -> Result<Option<serde_json::Map<String, Value>>, String> {
    if let Some(e) = syntax_error(input, Reader::Decoder) {
        return if e == "EOF" { Ok(None) } else { Err(e) };
    }
    let first = serde_json::Deserializer::from_slice(input).into_iter::<Value>().next();
    let value = match first {
        Some(Ok(value)) => value,
        Some(Err(e)) => return Err(e.to_string()),
        None => return Ok(None),
    };
    // A `null` member leaves its field as it was: it is dropped here.
    let object = match value {
        Value::Object(object) => object.into_iter().filter(|(_, v)| !v.is_null()).collect(),
        Value::Null => serde_json::Map::new(),
        other => return Err(type_error(&other, go_type).unwrap_or_default()),
    };
    for (key, value) in &object {
        let Some((field, go_field_type)) = fields.iter().find(|(name, _)| name.eq_ignore_ascii_case(key)) else {
            continue;
        };
        let fits = match (*go_field_type, value) {
            (_, Value::Null) => true,
            ("string", Value::String(_)) | ("bool", Value::Bool(_)) => true,
            ("string" | "bool", _) => false,
            _ => true,
        };
        if !fits {
            return Err(field_type_error(kind(value).unwrap_or("null"), go_struct, field, go_field_type));
        }
    }
    Ok(Some(object))
}

/// What `json.Unmarshal` makes of `input` for a Go `[]string` (the exec `command`): the
/// strings (`null` elements are empty strings, a `null` document no list), or Go's error.
pub fn unmarshal_string_list(input: &str) -> Result<Option<Vec<String>>, String> {
    if let Some(e) = syntax_error(input.as_bytes(), Reader::Unmarshal) {
        return Err(e);
    }
    let value: Value = serde_json::from_str(input).map_err(|e| e.to_string())?;
    let items = match value {
        Value::Null => return Ok(None),
        Value::Array(items) => items,
        other => return Err(type_error(&other, "[]string").unwrap_or_default()),
    };
    // Go decodes every element it can and reports the first it cannot.
    let mut first_error = None;
    let mut list = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Value::String(s) => list.push(s),
            Value::Null => list.push(String::new()),
            other => {
                first_error = first_error.or_else(|| type_error(&other, "string"));
                list.push(String::new());
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(Some(list)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unmarshal(text: &str) -> Option<String> {
        syntax_error(text.as_bytes(), Reader::Unmarshal)
    }

    fn decode(text: &str) -> Option<String> {
        syntax_error(text.as_bytes(), Reader::Decoder)
    }

    /// encoding/json scanner.go's messages (Go 1.24, as Nomad 1.11.3 is built).
    #[test]
    fn syntax_errors_read_as_gos() {
        for valid in
            ["[]", "{}", " [\"a\", \"b\"] ", "null", "0", "-1.5e+3", "true", r#"{"a":[1,{"b":null}]}"#, r#""\u00e9\n""#]
        {
            assert_eq!(unmarshal(valid), None, "{valid}");
        }
        let cases = [
            ("", "unexpected end of JSON input"),
            ("   ", "unexpected end of JSON input"),
            ("[", "unexpected end of JSON input"),
            (r#"["a""#, "unexpected end of JSON input"),
            ("echo", "invalid character 'e' looking for beginning of value"),
            ("[1,]", "invalid character ']' looking for beginning of value"),
            ("[1 2]", "invalid character '2' after array element"),
            (r#"{"a" 1}"#, "invalid character '1' after object key"),
            (r#"{"a":1 "b"}"#, "invalid character '\"' after object key:value pair"),
            ("{1}", "invalid character '1' looking for beginning of object key string"),
            ("{{{", "invalid character '{' looking for beginning of object key string"),
            ("[]x", "invalid character 'x' after top-level value"),
            ("tru", "unexpected end of JSON input"),
            ("trve", "invalid character 'v' in literal true (expecting 'u')"),
            ("nul!", "invalid character '!' in literal null (expecting 'l')"),
            ("-x", "invalid character 'x' in numeric literal"),
            ("1.x", "invalid character 'x' after decimal point in numeric literal"),
            ("1ex", "invalid character 'x' in exponent of numeric literal"),
            ("01", "invalid character '1' after top-level value"),
            ("\"a\u{1}\"", r"invalid character '\x01' in string literal"),
            (r#""\q""#, "invalid character 'q' in string escape code"),
            (r#""\u12g4""#, r"invalid character 'g' in \u hexadecimal character escape"),
            ("'a'", r"invalid character '\'' looking for beginning of value"),
            ("\n\t\u{0}", r"invalid character '\x00' looking for beginning of value"),
        ];
        for (text, message) in cases {
            assert_eq!(unmarshal(text).as_deref(), Some(message), "{text:?}");
        }
        assert_eq!(
            syntax_error(b"\xff", Reader::Unmarshal).as_deref(),
            Some("invalid character 'ÿ' looking for beginning of value")
        );
    }

    /// A `Decoder` reads one value: what follows it is not its business, and the end of the
    /// input is `EOF` before a value and `unexpected EOF` inside one.
    #[test]
    fn the_decoder_reads_one_value() {
        assert_eq!(decode("{} trailing"), None);
        assert_eq!(decode("[1]]"), None);
        assert_eq!(decode("1 x"), None);
        assert_eq!(decode("1x"), Some("invalid character 'x' after top-level value".into()));
        assert_eq!(decode(r#""a"x"#), Some("invalid character 'x' after top-level value".into()));
        assert_eq!(decode(""), Some("EOF".into()));
        assert_eq!(decode("  \n"), Some("EOF".into()));
        assert_eq!(decode("{"), Some("unexpected EOF".into()));
        assert_eq!(decode("{{{"), Some("invalid character '{' looking for beginning of object key string".into()));
    }

    #[test]
    fn objects_decode_as_go_does() {
        let fields = [("Task", "string"), ("AllTasks", "bool")];
        let decode = |text: &str| decode_object(text.as_bytes(), "structs.X", "X", &fields);
        assert_eq!(decode("  "), Ok(None));
        assert!(decode(r#"{"task": "web", "AllTasks": true} tail"#).unwrap().is_some());
        assert_eq!(decode("[]"), Err("json: cannot unmarshal array into Go value of type structs.X".into()));
        assert_eq!(
            decode(r#"{"task": 5}"#),
            Err("json: cannot unmarshal number into Go struct field X.Task of type string".into())
        );
        assert_eq!(
            decode(r#"{"AllTasks": "yes"}"#),
            Err("json: cannot unmarshal string into Go struct field X.AllTasks of type bool".into())
        );
        assert_eq!(decode("{"), Err("unexpected EOF".into()));
    }

    #[test]
    fn string_lists_decode_as_go_does() {
        assert_eq!(unmarshal_string_list(r#"["sh", null]"#), Ok(Some(vec!["sh".into(), String::new()])));
        assert_eq!(unmarshal_string_list("null"), Ok(None));
        assert_eq!(
            unmarshal_string_list(r#""sh""#),
            Err("json: cannot unmarshal string into Go value of type []string".into())
        );
        assert_eq!(
            unmarshal_string_list("[1]"),
            Err("json: cannot unmarshal number into Go value of type string".into())
        );
        assert_eq!(
            unmarshal_string_list("echo hi"),
            Err("invalid character 'e' looking for beginning of value".into())
        );
    }
}
