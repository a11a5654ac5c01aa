//! The exec endpoint's query parameters, validated as Nomad validates them.

use crate::ExecError;

/// The `command` parameter: a JSON array of strings, not empty (`null` counts as empty).
///
/// A value that is not such JSON fails before Nomad upgrades the socket (HTTP 500); an empty
/// command fails after it (`command is not present`, close 1008).
pub fn parse_command(query_value: &str) -> Result<Vec<String>, ExecError> {
    // `json.Unmarshal` into a `[]string`, with Go's words for what it cannot decode (no
    // `command` at all: `unexpected end of JSON input`).
    let command = nomad_api::gojson::unmarshal_string_list(query_value).map_err(ExecError::CommandJson)?;
    match command {
        Some(command) if !command.is_empty() => Ok(command),
        _ => Err(ExecError::CommandNotPresent),
    }
}

/// The `tty` parameter (absent or empty: false), checked before the upgrade.
pub fn parse_tty(query_value: Option<&str>) -> Result<bool, ExecError> {
    parse_optional_bool(query_value).map_err(ExecError::TtyNotBool)
}

/// Whether the `ws_handshake` parameter asks for the token in the first frame (absent or empty:
/// false). Nomad checks it after the upgrade, so its error closes the socket (1008).
pub fn handshake_required(query_value: Option<&str>) -> Result<bool, ExecError> {
    parse_optional_bool(query_value).map_err(ExecError::HandshakeNotBool)
}

/// Go's `strconv.ParseBool`, with its error text.
fn parse_optional_bool(value: Option<&str>) -> Result<bool, String> {
    match value.unwrap_or_default() {
        "" => Ok(false),
        other => nomad_api::query::parse_go_bool(other)
            .ok_or_else(|| format!("strconv.ParseBool: parsing {other:?}: invalid syntax")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_must_be_a_non_empty_json_array() {
        assert_eq!(parse_command(r#"["echo","hi"]"#).ok(), Some(vec!["echo".to_string(), "hi".to_string()]));
        assert!(matches!(parse_command("[]"), Err(ExecError::CommandNotPresent)));
        assert!(matches!(parse_command("null"), Err(ExecError::CommandNotPresent)));
        let missing = parse_command("").err().map(|e| (e.code(), e.to_string()));
        assert_eq!(missing, Some((500, "failed to marshal command into json: unexpected end of JSON input".into())));
        let error = |text: &str| parse_command(text).err().map(|e| e.to_string());
        assert_eq!(
            error("echo hi").as_deref(),
            Some("failed to marshal command into json: invalid character 'e' looking for beginning of value")
        );
        assert_eq!(
            error("[1]").as_deref(),
            Some("failed to marshal command into json: json: cannot unmarshal number into Go value of type string")
        );
    }

    #[test]
    fn booleans_parse_like_go() {
        assert_eq!(parse_tty(None).ok(), Some(false));
        assert_eq!(parse_tty(Some("")).ok(), Some(false));
        assert_eq!(parse_tty(Some("true")).ok(), Some(true));
        assert_eq!(parse_tty(Some("1")).ok(), Some(true));
        assert_eq!(parse_tty(Some("F")).ok(), Some(false));
        let bad = parse_tty(Some("yes")).err().map(|e| e.to_string());
        assert_eq!(
            bad.as_deref(),
            Some(r#"tty value is not a boolean: strconv.ParseBool: parsing "yes": invalid syntax"#)
        );
        let bad = handshake_required(Some("on")).err().map(|e| (e.code(), e.to_string()));
        assert_eq!(
            bad,
            Some((
                400,
                r#"ws_handshake value is not a boolean: strconv.ParseBool: parsing "on": invalid syntax"#.into()
            ))
        );
        assert_eq!(handshake_required(Some("true")).ok(), Some(true));
    }
}
