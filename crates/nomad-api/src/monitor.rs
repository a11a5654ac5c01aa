//! `/v1/agent/monitor`: the agent's log lines as Nomad's logger (hashicorp/go-hclog) writes
//! them, at the level asked for, in its plain or JSON form. The stream around them is the
//! framing of [`crate::stream`] (`{"Data": <lines>, "FileEvent": "log"}` frames and `{}`
//! heartbeats), or the bare lines with `plain=true` (`nomad/client_agent_endpoint.go`
//! `monitor`, `command/agent/monitor`).

use std::fmt::Write as _;
use time::OffsetDateTime;

/// The `FileEvent` of the frames that carry log lines (`framer.Send("", "log", ...)`).
pub const LOG_FRAME_EVENT: &str = "log";

/// hclog levels, least severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// `trace`: the most detailed.
    Trace,
    /// `debug`.
    Debug,
    /// `info`: the agent's default.
    Info,
    /// `warn`.
    Warn,
    /// `error`: only errors.
    Error,
    /// Nothing is logged.
    Off,
}

impl LogLevel {
    /// `hclog.LevelFromString`: any case, surrounding space ignored; `None` is `NoLevel`,
    /// which the monitor refuses (`Unknown log level: ...`).
    pub fn from_hclog(text: &str) -> Option<LogLevel> {
        match text.trim().to_lowercase().as_str() {
            "trace" => Some(LogLevel::Trace),
            "debug" => Some(LogLevel::Debug),
            "info" => Some(LogLevel::Info),
            "warn" => Some(LogLevel::Warn),
            "error" => Some(LogLevel::Error),
            "off" => Some(LogLevel::Off),
            _ => None,
        }
    }

    /// `_levelToBracket`: five characters and brackets, `INFO` and `WARN` padded.
    fn bracket(self) -> &'static str {
        match self {
            LogLevel::Trace => "[TRACE]",
            LogLevel::Debug => "[DEBUG]",
            LogLevel::Info => "[INFO] ",
            LogLevel::Warn => "[WARN] ",
            LogLevel::Error => "[ERROR]",
            LogLevel::Off => "[?????]",
        }
    }

    /// `@level` of the JSON form.
    fn word(self) -> &'static str {
        match self {
            LogLevel::Trace => "trace",
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
            LogLevel::Off => "all",
        }
    }
}

/// One log entry: when, how severe, which part of the agent, what, and its key/value pairs.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRecord {
    /// When it was logged, Unix nanoseconds.
    pub unix_nanos: i64,
    /// How severe it is.
    pub level: LogLevel,
    /// hclog's logger name (`nomad.client`...); empty for none.
    pub module: String,
    /// The message text.
    pub message: String,
    /// The key/value pairs logged with it, in order.
    pub fields: Vec<(String, serde_json::Value)>,
    /// `file:line` where it was logged, written only when asked for (`IncludeLocation`).
    pub caller: Option<String>,
}

fn utc(nanos: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(nanos as i128).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// `isNormal`: `-` through `~`; a value with any other character is quoted.
fn needs_quoting(value: &str) -> bool {
    value.chars().any(|c| !('-'..='~').contains(&c))
}

impl LogRecord {
    /// The plain line: `2006-01-02T15:04:05.000Z [INFO]  module: message: key=value`,
    /// newline-terminated (`logPlain`, `TimeFormat`, in UTC); with the location,
    /// `[INFO]  file.go:12: module: ...`.
    pub fn to_plain(&self, include_location: bool) -> String {
        let t = utc(self.unix_nanos);
        let mut line = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z {} ",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.millisecond(),
            self.level.bracket()
        );
        if let Some(caller) = self.caller.as_ref().filter(|_| include_location) {
            let _ = write!(line, "{caller}: ");
        }
        match (self.module.is_empty(), self.message.is_empty()) {
            (false, false) => {
                let _ = write!(line, "{}: {}", self.module, self.message);
            }
            (false, true) => line.push_str(&self.module),
            (true, _) => line.push_str(&self.message),
        }
        if !self.fields.is_empty() {
            line.push(':');
            for (key, value) in &self.fields {
                let text = match value {
                    serde_json::Value::String(s) if s.is_empty() => "\"\"".to_string(),
                    serde_json::Value::String(s) if needs_quoting(s) => serde_json::to_string(s).unwrap_or_default(),
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let _ = write!(line, " {key}={text}");
            }
        }
        line.push('\n');
        line
    }

    /// The JSON line (`logJSON`): `@level`, `@message`, `@module`, `@timestamp`
    /// (`TimeFormatJSON`, microseconds) and the fields, keys sorted as Go's encoder sorts a
    /// map, and `@caller` with the location; newline-terminated.
    pub fn to_json(&self, include_location: bool) -> String {
        let t = utc(self.unix_nanos);
        let timestamp = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.microsecond()
        );
        let mut map = serde_json::Map::new();
        for (key, value) in &self.fields {
            map.insert(key.clone(), value.clone());
        }
        map.insert("@level".into(), self.level.word().into());
        map.insert("@message".into(), self.message.clone().into());
        if !self.module.is_empty() {
            map.insert("@module".into(), self.module.clone().into());
        }
        map.insert("@timestamp".into(), timestamp.into());
        if let Some(caller) = self.caller.as_ref().filter(|_| include_location) {
            map.insert("@caller".into(), caller.clone().into());
        }
        let mut line = serde_json::Value::Object(map).to_string();
        line.push('\n');
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> LogRecord {
        LogRecord {
            // 2024-05-01T10:20:30.123456789Z
            unix_nanos: 1_714_558_830_123_456_789,
            level: LogLevel::Info,
            module: "agent.http".into(),
            message: "request complete".into(),
            fields: vec![
                ("method".into(), "GET".into()),
                ("path".into(), "/v1/jobs?namespace=*".into()),
                ("empty".into(), "".into()),
                ("code".into(), 200.into()),
            ],
            caller: Some("agent/http.go:12".into()),
        }
    }

    /// hashicorp/go-hclog intlogger.go `logPlain`, `needsQuoting`, `_levelToBracket`.
    #[test]
    fn plain_lines_as_hclog_writes_them() {
        assert_eq!(
            record().to_plain(false),
            "2024-05-01T10:20:30.123Z [INFO]  agent.http: request complete: method=GET path=\"/v1/jobs?namespace=*\" empty=\"\" code=200\n"
        );
        let bare = LogRecord { module: String::new(), fields: vec![], level: LogLevel::Error, ..record() };
        assert_eq!(bare.to_plain(false), "2024-05-01T10:20:30.123Z [ERROR] request complete\n");
        assert_eq!(bare.to_plain(true), "2024-05-01T10:20:30.123Z [ERROR] agent/http.go:12: request complete\n");
        let info = LogRecord { fields: vec![], ..record() };
        assert_eq!(
            info.to_plain(true),
            "2024-05-01T10:20:30.123Z [INFO]  agent/http.go:12: agent.http: request complete\n"
        );
    }

    #[test]
    fn json_lines_as_hclog_writes_them() {
        assert!(!record().to_json(false).contains("@caller"));
        let line = record().to_json(true);
        assert!(line.ends_with('\n'));
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["@timestamp"], "2024-05-01T10:20:30.123456Z");
        assert_eq!(v["@caller"], "agent/http.go:12");
        assert_eq!(
            (v["@level"].as_str(), v["@module"].as_str(), v["code"].as_i64()),
            (Some("info"), Some("agent.http"), Some(200))
        );
    }

    #[test]
    fn levels_as_hclog_reads_them() {
        assert_eq!(LogLevel::from_hclog(" DEBUG "), Some(LogLevel::Debug));
        assert_eq!(LogLevel::from_hclog("warning"), None);
        assert!(LogLevel::Trace < LogLevel::Info && LogLevel::Error < LogLevel::Off);
    }
}
