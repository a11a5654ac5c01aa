//! `/v1/client/fs/{ls,stat,cat,readat,stream,logs}/:alloc_id`, routed as Nomad's `FsRequest`.
//! Each handler parses the query as Nomad's HTTP agent does (`alloc_fs`'s `*Request` types),
//! finds the allocation and checks the ACL as the client's `FileSystem` endpoint does, then
//! answers with one `alloc_fs` call. Streamed bodies go out as they are produced.

use super::client::{authorize_alloc, authorize_alloc_with};
use super::request::{after_ignored_parse, ApiRequest};
use crate::acl::cap;
use crate::error::{ApiError, INVALID_METHOD};
use crate::AppState;
use alloc_fs::{FsError, ListRequest, LogsRequest, PathRequest, ReadAtRequest, StreamRequest};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderName, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use futures::{stream, Stream, StreamExt};
use std::collections::HashMap;
use std::convert::Infallible;
use std::path::PathBuf;

const PREFIX: &str = "/v1/client/fs/";

/// What Go's `http.DetectContentType` makes of a JSON frame, which is what Nomad's
/// /fs/stream sends since it sets no type.
const SNIFFED_JSON: &str = "text/plain; charset=utf-8";

/// Nomad's `noxssrw`: how much is read to sniff a type, the sniffed types a browser would
/// render (prefixes, replaced by `text/plain`), and the headers sent with any content.
const SNIFF_LEN: usize = 512;
const UNSAFE_TYPES: [&str; 3] = ["text/html", "text/xhtml", "text/xhtml+xml"];
const UNTRUSTED_HEADERS: [(HeaderName, &str); 3] = [
    (header::CONTENT_SECURITY_POLICY, "default-src 'none'; style-src 'unsafe-inline'; sandbox"),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::X_XSS_PROTECTION, "1; mode=block"),
];

impl From<FsError> for ApiError {
    fn from(e: FsError) -> Self {
        ApiError::new(StatusCode::from_u16(e.code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), e.to_string())
    }
}

/// One request to an fs endpoint: the allocation it names and its query, read as Go's
/// `Query().Get` reads it (the first value of each key, malformed pairs ignored).
struct FsCall<'a> {
    state: &'a AppState,
    alloc_id: &'a str,
    req: &'a ApiRequest,
    query: HashMap<String, String>,
}

/// Any method, as Nomad's handler does not check it. Each endpoint reads its own parameters,
/// then calls `parse` without checking its result (`command/agent/fs_endpoint.go`): see
/// `after_ignored_parse`.
pub async fn fs(State(state): State<AppState>, uri: Uri, req: ApiRequest) -> Result<Response, ApiError> {
    let rest = uri.path().strip_prefix(PREFIX).unwrap_or_default();
    let (endpoint, alloc_id) = rest.split_once('/').unwrap_or((rest, ""));
    let call = FsCall { state: &state, alloc_id, req: &req, query: req.first_values() };
    let parse = || req.ignored_parse(&state.region);
    match endpoint {
        "ls" => {
            let args = ListRequest::from_query(&call.checked()?.query);
            after_ignored_parse(parse(), ls(&call, args).await)
        }
        "stat" => {
            let args = PathRequest::from_query(&call.checked()?.query)?;
            after_ignored_parse(parse(), stat(&call, args).await)
        }
        "cat" => {
            let args = PathRequest::from_query(&call.checked()?.query)?;
            after_ignored_parse(parse(), cat(&call, args).await)
        }
        "readat" => {
            let args = ReadAtRequest::from_query(&call.checked()?.query)?;
            after_ignored_parse(parse(), read_at(&call, args).await)
        }
        "stream" => {
            let args = StreamRequest::from_query(&call.checked()?.query)?;
            after_ignored_parse(parse(), stream_file(&call, args).await)
        }
        "logs" => {
            let args = LogsRequest::from_query(&call.checked()?.query)?;
            after_ignored_parse(parse(), logs(&call, args).await)
        }
        _ => Err(ApiError::not_found(INVALID_METHOD)),
    }
}

/// Which kind of endpoint asks for the allocation's directory: the streaming ones code a
/// token error their own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Unary,
    Stream,
    Logs,
}

impl FsCall<'_> {
    /// Every endpoint needs an allocation ID.
    fn checked(&self) -> Result<&Self, ApiError> {
        match self.alloc_id {
            "" => Err(ApiError::bad_request("must provide a valid alloc id")),
            _ => Ok(self),
        }
    }

    /// The allocation's directory, once the token may read its files (or, for logs, its logs).
    /// A secret the client cannot resolve is sent by the streaming endpoints with their own
    /// code (`client/fs_endpoint.go`, 1.4 to 1.11): `stream` always 403, `logs` none (500).
    fn alloc_dir(&self, kind: Kind) -> Result<PathBuf, ApiError> {
        let (state, id, req) = (self.state, self.alloc_id, self.req);
        let unresolved = |e: ApiError| match kind {
            Kind::Unary => e,
            Kind::Stream => ApiError::new(StatusCode::FORBIDDEN, e.message),
            Kind::Logs => ApiError::internal(e.message),
        };
        let read_fs = authorize_alloc_with(state, id, req, cap::READ_FS, unresolved);
        if kind == Kind::Logs && read_fs.as_ref().is_err_and(|e| *e == ApiError::permission_denied()) {
            authorize_alloc(state, id, req, cap::READ_LOGS).map_err(|e| match e {
                // Sent without a code before the fix of 1.4.13, 1.5.9 and 1.6.2.
                e if e == ApiError::permission_denied() && !state.version.fs_logs_denial_is_forbidden() => {
                    ApiError::internal(e.message)
                }
                e => e,
            })?;
        } else {
            read_fs?;
        }
        Ok(state.client.alloc_dir(id)?)
    }
}

/// `/fs/ls`: the directory's entries as JSON.
async fn ls(call: &FsCall<'_>, args: ListRequest) -> Result<Response, ApiError> {
    let dir = call.alloc_dir(Kind::Unary)?;
    call.req.reply(None, &alloc_fs::list(&dir, &args.path).await?)
}

/// `/fs/stat`: one file's `AllocFileInfo` as JSON.
async fn stat(call: &FsCall<'_>, args: PathRequest) -> Result<Response, ApiError> {
    let dir = call.alloc_dir(Kind::Unary)?;
    call.req.reply(None, &alloc_fs::stat(&dir, &args.path).await?)
}

/// `/fs/cat`: the whole file, raw.
async fn cat(call: &FsCall<'_>, args: PathRequest) -> Result<Response, ApiError> {
    let dir = call.alloc_dir(Kind::Unary)?;
    untrusted(alloc_fs::cat(&dir, &args.path).await?).await
}

/// `/fs/readat`: `limit` bytes from `offset`, raw.
async fn read_at(call: &FsCall<'_>, args: ReadAtRequest) -> Result<Response, ApiError> {
    let dir = call.alloc_dir(Kind::Unary)?;
    untrusted(alloc_fs::read_at(&dir, &args.path, args.offset, args.limit).await?).await
}

/// `/fs/stream`: one file as frames, followed by default.
async fn stream_file(call: &FsCall<'_>, args: StreamRequest) -> Result<Response, ApiError> {
    let dir = call.alloc_dir(Kind::Stream)?;
    let frames = alloc_fs::stream_file(&dir, &args.path, args.offset, args.origin, args.follow).await?;
    Ok(streaming(SNIFFED_JSON, alloc_fs::framed(frames)))
}

/// `/fs/logs`: a task's stdout or stderr across its rotated files, as frames or plain text.
/// The task must be one of the allocation's and have started, as the client checks.
async fn logs(call: &FsCall<'_>, args: LogsRequest) -> Result<Response, ApiError> {
    let dir = call.alloc_dir(Kind::Logs)?;
    let alloc_state = call.state.client.alloc_state(call.alloc_id)?;
    let task = alloc_state.task_states.get(&args.task).ok_or_else(|| FsError::UnknownTask(args.task.clone()))?;
    if task.started_at.is_none() {
        return Err(FsError::TaskNotStarted(args.task).into());
    }
    let frames = alloc_fs::stream_logs(&dir, &args.task, args.log_type, args.offset, args.origin, args.follow).await?;
    Ok(if args.plain {
        streaming("text/plain", alloc_fs::plain(frames))
    } else {
        streaming("application/json", alloc_fs::framed(frames))
    })
}

/// A body sent as it is produced.
fn streaming<S>(content_type: &'static str, bytes: S) -> Response
where
    S: Stream<Item = Result<Bytes, FsError>> + Send + 'static,
{
    ([(header::CONTENT_TYPE, content_type)], Body::from_stream(until_error(bytes))).into_response()
}

/// An error after the body has started cannot change the status: Nomad writes its text after
/// what was sent and ends the body there.
fn until_error<S>(bytes: S) -> impl Stream<Item = Result<Bytes, Infallible>> + Send + 'static
where
    S: Stream<Item = Result<Bytes, FsError>> + Send + 'static,
{
    bytes.scan(false, |failed, item| {
        let next = match item {
            _ if *failed => None,
            Ok(chunk) => Some(chunk),
            Err(e) => {
                *failed = true;
                Some(Bytes::from(e.to_string()))
            }
        };
        std::future::ready(next.map(Ok))
    })
}

/// File content, as Nomad's `wrapUntrustedContent` sends it: typed by sniffing its first
/// 512 bytes, never as a type a browser would render as a page, and with headers that keep
/// a browser from running it. An empty file gets the type only, as in Nomad.
async fn untrusted<S>(bytes: S) -> Result<Response, ApiError>
where
    S: Stream<Item = Result<Bytes, FsError>> + Send + 'static,
{
    let mut bytes = Box::pin(bytes);
    let mut head = Vec::new();
    let mut sniffed = Vec::new();
    while sniffed.len() < SNIFF_LEN {
        match bytes.next().await {
            Some(Ok(chunk)) => {
                sniffed.extend_from_slice(&chunk);
                head.push(Ok(chunk));
            }
            Some(Err(e)) if sniffed.is_empty() => return Err(e.into()),
            Some(Err(e)) => {
                head.push(Err(e));
                break;
            }
            None => break,
        }
    }
    let detected = alloc_fs::detect_content_type(&sniffed);
    let content_type =
        if UNSAFE_TYPES.iter().any(|unsafe_type| detected.starts_with(unsafe_type)) { "text/plain" } else { detected };
    let mut response = streaming(content_type, stream::iter(head).chain(bytes));
    if !sniffed.is_empty() {
        let headers = response.headers_mut();
        for (name, value) in UNTRUSTED_HEADERS {
            headers.insert(name, axum::http::HeaderValue::from_static(value));
        }
    }
    Ok(response)
}
