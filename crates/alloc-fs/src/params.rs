//! Query parameters of the /v1/client/fs/* endpoints, parsed as Nomad's HTTP agent
//! (command/agent/fs_endpoint.go) parses them, in the same order and with the same errors.

use crate::error::FsError;
use std::collections::HashMap;

/// Where `offset` counts from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Origin {
    #[default]
    Start,
    End,
}

impl Origin {
    /// `""` means start, as in Nomad.
    pub fn parse(value: &str) -> Result<Origin, FsError> {
        match value {
            "" | "start" => Ok(Origin::Start),
            "end" => Ok(Origin::End),
            _ => Err(FsError::InvalidOrigin),
        }
    }
}

/// Which of a task's log streams: the one rule in nomad-api.
pub use nomad_api::logs::LogType;

/// Query of `/fs/ls`: `path` defaults to the allocation directory's root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRequest {
    pub path: String,
}

/// Query of `/fs/stat` and `/fs/cat`: `path` is required.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRequest {
    pub path: String,
}

/// Query of `/fs/readat`: `offset` is required, `limit` <= 0 means "to the end".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadAtRequest {
    pub path: String,
    pub offset: i64,
    pub limit: i64,
}

/// Query of `/fs/stream`: `follow` defaults to true. Nomad's agent reads no `plain` here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamRequest {
    pub path: String,
    pub follow: bool,
    pub offset: i64,
    pub origin: Origin,
}

/// Query of `/fs/logs`: `follow` defaults to false.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogsRequest {
    pub task: String,
    pub log_type: LogType,
    pub follow: bool,
    pub plain: bool,
    pub offset: i64,
    pub origin: Origin,
}

/// Nomad answers these parse errors 500 on every endpoint but /fs/logs, which codes them 400.
const UNCODED: u16 = 500;
const CODED: u16 = 400;

type Query = HashMap<String, String>;

fn get<'q>(q: &'q Query, key: &str) -> &'q str {
    q.get(key).map_or("", String::as_str)
}

fn required_path(q: &Query) -> Result<String, FsError> {
    match get(q, "path") {
        "" => Err(FsError::FileNameNotPresent),
        path => Ok(path.to_string()),
    }
}

/// Go's `strconv.ParseBool`; an empty value keeps the default.
fn parse_bool(q: &Query, field: &'static str, default: bool, code: u16) -> Result<bool, FsError> {
    match get(q, field) {
        "" => Ok(default),
        value => nomad_api::query::parse_go_bool(value).ok_or_else(|| FsError::InvalidBool {
            field,
            value: value.to_string(),
            code,
        }),
    }
}

/// Go's `strconv.ParseInt(s, 10, 64)`; `default` is used for an empty value unless `None`.
fn parse_int(q: &Query, field: &'static str, default: Option<i64>, code: u16) -> Result<i64, FsError> {
    let value = get(q, field);
    match (value, default) {
        ("", Some(default)) => Ok(default),
        _ => {
            value.parse::<i64>().map_err(|reason| FsError::InvalidInt { field, value: value.to_string(), reason, code })
        }
    }
}

impl ListRequest {
    pub fn from_query(q: &Query) -> ListRequest {
        let path = match get(q, "path") {
            "" => "/",
            path => path,
        };
        ListRequest { path: path.to_string() }
    }
}

impl PathRequest {
    pub fn from_query(q: &Query) -> Result<PathRequest, FsError> {
        Ok(PathRequest { path: required_path(q)? })
    }
}

impl ReadAtRequest {
    pub fn from_query(q: &Query) -> Result<ReadAtRequest, FsError> {
        let path = required_path(q)?;
        let offset = parse_int(q, "offset", None, UNCODED)?;
        let limit = parse_int(q, "limit", Some(0), UNCODED)?;
        Ok(ReadAtRequest { path, offset, limit })
    }
}

impl StreamRequest {
    pub fn from_query(q: &Query) -> Result<StreamRequest, FsError> {
        let path = required_path(q)?;
        let follow = parse_bool(q, "follow", true, UNCODED)?;
        let offset = parse_int(q, "offset", Some(0), UNCODED)?;
        let origin = Origin::parse(get(q, "origin"))?;
        Ok(StreamRequest { path, follow, offset, origin })
    }
}

impl LogsRequest {
    pub fn from_query(q: &Query) -> Result<LogsRequest, FsError> {
        let task = match get(q, "task") {
            "" => return Err(FsError::TaskNotPresent),
            task => task.to_string(),
        };
        let follow = parse_bool(q, "follow", false, CODED)?;
        let plain = parse_bool(q, "plain", false, CODED)?;
        let log_type = LogType::parse(get(q, "type")).ok_or(FsError::LogTypeNotPresent)?;
        let offset = parse_int(q, "offset", Some(0), CODED)?;
        let origin = Origin::parse(get(q, "origin"))?;
        Ok(LogsRequest { task, log_type, follow, plain, offset, origin })
    }
}
