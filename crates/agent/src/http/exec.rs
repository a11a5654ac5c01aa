//! `/v1/client/allocation/:alloc_id/exec`: Nomad's exec WebSocket (the agent's `allocExec`,
//! `readWsHandshake` and `execStreamImpl`, the client's `Allocations.exec`). The session itself
//! is `alloc_exec::run_session`; this handler upgrades the socket as Nomad's gorilla upgrader
//! does, finds the task, checks the ACL and ends the socket as the chosen release does: with a
//! close frame, or (after the exit frame from 1.5.15, 1.6.8 and 1.7.5 on) without one.

use crate::acl::{cap, Realm};
use crate::error::{ApiError, NO_NODE_CONN};
use crate::http::client;
use crate::http::request::ApiRequest;
use crate::AppState;
use alloc_exec::{
    handshake_required, parse_command, parse_tty, read_handshake, run_session, socket_end_after_error,
    socket_end_after_exit, ExecError, ExecSpec, SocketEnd,
};
use axum::extract::ws::{self, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequestParts, Path, Request, State};
use axum::handler::Handler;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use futures::{future, FutureExt, SinkExt, Stream, StreamExt};
use nomad_api::{client_status, task_state, NomadVersion};
use std::path::PathBuf;
use std::time::Duration;

/// `allocRunner.GetTaskDriverCapabilities` for a task the allocation does not have. Nomad
/// checks it before the task's state, without a code (so 500).
const TASK_NOT_FOUND: &str = "task not found";

/// How long the browser has to answer the agent's close.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// What the request asked for, carried past the upgrade.
struct ExecRequest {
    alloc_id: String,
    task: String,
    /// Empty when the parameter was `[]` or `null`: Nomad reports that after the upgrade.
    command: Vec<String>,
    tty: bool,
    ws_handshake: String,
    header_token: String,
}

/// `/v1/client/allocation/{*rest}` as `ClientAllocRequest` routes it: `:alloc_id/exec` here,
/// every other action in `client::allocation` (the router cannot hold `{alloc_id}/exec` beside
/// the catch-all).
pub async fn client_allocation(State(state): State<AppState>, Path(rest): Path<String>, request: Request) -> Response {
    match rest.split('/').collect::<Vec<_>>().as_slice() {
        [alloc_id, "exec"] => exec(state, alloc_id.to_string(), request).await,
        _ => client::allocation.call(request, state).await,
    }
}

/// `GET /v1/client/allocation/:alloc_id/exec` (namespace:alloc-exec, and alloc-node-exec since
/// raw_exec tasks have no filesystem isolation). The parameters are checked before the upgrade,
/// the token and the task after it, as Nomad does.
async fn exec(state: AppState, alloc_id: String, request: Request) -> Response {
    let (mut parts, _) = request.into_parts();
    let Ok(req) = ApiRequest::from_request_parts(&mut parts, &state).await;
    let command = match parse_command(req.get("command")) {
        Ok(command) => command,
        Err(ExecError::CommandNotPresent) => Vec::new(),
        Err(e) => return coded_error(&e),
    };
    let tty = match parse_tty(Some(req.get("tty"))) {
        Ok(tty) => tty,
        Err(e) => return coded_error(&e),
    };
    // `allocExec` calls `parse` here and ignores its failure, whose 400 and message are then
    // on their way before the upgrade is tried: the client sees them.
    if let Some(e) = req.ignored_parse(&state.region) {
        return e.into_response();
    }
    if let Err((status, reason)) = check_upgrade(&parts.method, &parts.uri, &parts.headers) {
        return upgrade_failed(status, reason);
    }
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
        Ok(upgrade) => upgrade,
        // What gorilla's checks let through but hyper cannot upgrade (say, no connection to take over).
        Err(rejection) => return upgrade_failed(StatusCode::INTERNAL_SERVER_ERROR, &rejection.body_text()),
    };
    let request = ExecRequest {
        alloc_id,
        task: req.get("task").to_string(),
        command,
        tty,
        ws_handshake: req.get("ws_handshake").to_string(),
        header_token: req.token().to_string(),
    };
    upgrade.on_upgrade(move |socket| serve(state, request, socket))
}

/// An error before the upgrade: its code as the status, its message as plain text.
fn coded_error(e: &ExecError) -> Response {
    ApiError::new(StatusCode::from_u16(e.code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), e.to_string())
        .into_response()
}

/// A refused upgrade as Nomad answers it: gorilla writes `http.Error(w, StatusText(status))`,
/// then Nomad's `wrap` appends its own message to the body already started.
fn upgrade_failed(status: StatusCode, reason: &str) -> Response {
    let body = format!("{}\nfailed to upgrade connection: {reason}", status.canonical_reason().unwrap_or_default());
    let headers = [
        (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::SEC_WEBSOCKET_VERSION, "13"),
    ];
    (status, headers, body).into_response()
}

/// gorilla/websocket's `Upgrader.Upgrade` checks (v1.5), in its order and words. Nomad's
/// upgrader sets no `CheckOrigin`, so gorilla's same-origin rule applies.
fn check_upgrade(method: &Method, uri: &Uri, headers: &HeaderMap) -> Result<(), (StatusCode, &'static str)> {
    if !has_token(headers, header::CONNECTION, "upgrade") {
        return Err((
            StatusCode::BAD_REQUEST,
            "websocket: the client is not using the websocket protocol: 'upgrade' token not found in 'Connection' header",
        ));
    }
    if !has_token(headers, header::UPGRADE, "websocket") {
        return Err((
            StatusCode::BAD_REQUEST,
            "websocket: the client is not using the websocket protocol: 'websocket' token not found in 'Upgrade' header",
        ));
    }
    if method != Method::GET {
        return Err((
            StatusCode::METHOD_NOT_ALLOWED,
            "websocket: the client is not using the websocket protocol: request method is not GET",
        ));
    }
    if !has_token(headers, header::SEC_WEBSOCKET_VERSION, "13") {
        return Err((
            StatusCode::BAD_REQUEST,
            "websocket: unsupported version: 13 not found in 'Sec-Websocket-Version' header",
        ));
    }
    if !same_origin(uri, headers) {
        return Err((StatusCode::FORBIDDEN, "websocket: request origin not allowed by Upgrader.CheckOrigin"));
    }
    if !headers.get(header::SEC_WEBSOCKET_KEY).is_some_and(is_challenge_key) {
        return Err((
            StatusCode::BAD_REQUEST,
            "websocket: not a websocket handshake: 'Sec-WebSocket-Key' header must be Base64 encoded value of 16-byte in length",
        ));
    }
    Ok(())
}

/// Whether a comma-separated header lists `token`, ignoring ASCII case.
fn has_token(headers: &HeaderMap, name: HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim_matches([' ', '\t']).eq_ignore_ascii_case(token))
}

/// gorilla's `checkSameOrigin`: no `Origin`, or one whose host (port included, scheme ignored)
/// equals the request's host, ignoring ASCII case.
fn same_origin(uri: &Uri, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else { return true };
    // Go's `Request.Host`: the host of an absolute request target, else the Host header.
    let request_host = match uri.authority() {
        Some(authority) => without_user_info(authority.as_str()),
        None => headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default(),
    };
    let Some(origin) = origin.to_str().ok().and_then(|o| o.parse::<Uri>().ok()) else { return false };
    // Go's `url.Parse` gives a URL without a scheme (`null`) no host at all.
    let origin_host = match (origin.scheme(), origin.authority()) {
        (Some(_), Some(authority)) => without_user_info(authority.as_str()),
        _ => "",
    };
    origin_host.eq_ignore_ascii_case(request_host)
}

fn without_user_info(authority: &str) -> &str {
    authority.rsplit_once('@').map_or(authority, |(_, host)| host)
}

/// gorilla's `isValidChallengeKey`: standard base64 of 16 bytes, which is always 22 characters
/// and `==` (Go does not insist that the unused bits be zero).
fn is_challenge_key(key: &HeaderValue) -> bool {
    let key = key.as_bytes();
    key.len() == 24
        && key[22..] == *b"=="
        && key[..22].iter().all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
}

/// Why the command did not run or how the session failed.
enum Refusal {
    Exec(ExecError),
    /// An error Nomad sends that `ExecError` has no variant for: its code and words.
    Coded {
        code: u16,
        message: String,
    },
}

impl From<ExecError> for Refusal {
    fn from(e: ExecError) -> Self {
        Refusal::Exec(e)
    }
}

impl Refusal {
    fn coded(code: u16, message: impl Into<String>) -> Self {
        Refusal::Coded { code, message: message.into() }
    }

    /// A token that does not resolve: 400 from 1.7.0, no code before (`execImpl`).
    fn unresolved(e: ApiError, version: NomadVersion) -> Self {
        let code = if version.exec_token_error_is_bad_request() { 400 } else { 500 };
        Self::coded(code, e.message)
    }

    fn socket_end(&self, version: NomadVersion) -> SocketEnd {
        match self {
            Refusal::Exec(e) => e.socket_end(version),
            Refusal::Coded { code, message } => socket_end_after_error(version, *code, message),
        }
    }
}

/// Runs the session over the socket's text frames and ends it as the chosen release does.
async fn serve(state: AppState, request: ExecRequest, socket: WebSocket) {
    let (sink, mut frames) = socket.split();
    let mut sink = sink.with(|text: String| future::ready(Ok::<_, axum::Error>(Message::text(text))));
    let mut stream = text_frames(&mut frames);
    let result: Result<i32, Refusal> = async {
        let token = if handshake_required(Some(&request.ws_handshake))? {
            read_handshake(&mut stream).await?
        } else {
            request.header_token.clone()
        };
        let spec = exec_spec(&state, &request, &token)?;
        Ok(run_session(spec, &mut sink, &mut stream).await?)
    }
    .await;
    drop(stream);
    let end = match result {
        Ok(_) => socket_end_after_exit(state.version),
        Err(refusal) => refusal.socket_end(state.version),
    };
    match end {
        SocketEnd::Close(close) => {
            let frame = ws::CloseFrame { code: close.code, reason: close.reason.into() };
            // Fails only when the peer is gone, and then there is nobody left to tell.
            let _ = sink.get_mut().send(Message::Close(Some(frame))).await;
            // Nomad closes the connection at once; this agent waits for the browser's answer
            // (RFC 6455 §7.1.1): closing it with the browser's last frames unread makes the
            // kernel reset it, and a proxy in between may then drop the exit and close frames,
            // leaving the browser a bare 1006.
            let answered = async { while let Some(Ok(_)) = frames.next().await {} };
            let _ = tokio::time::timeout(CLOSE_GRACE, answered).await;
        }
        SocketEnd::Drop => {
            // gorilla's `Conn.Close`: the connection ends without a close frame. What the browser
            // has sent meanwhile is read first (Nomad's input goroutine reads until then), so
            // that the kernel ends the connection with a FIN rather than a reset.
            while let Some(Some(Ok(_))) = frames.next().now_or_never() {}
        }
    }
}

/// The peer's frames as text, ending at its Close frame; binary frames count as UTF-8 text, as
/// gorilla's `ReadJSON` reads either.
fn text_frames(
    stream: impl Stream<Item = Result<Message, axum::Error>> + Unpin,
) -> impl Stream<Item = Result<String, axum::Error>> + Unpin {
    stream.take_while(|m| future::ready(!matches!(m, Ok(Message::Close(_))))).filter_map(|m| {
        future::ready(match m {
            Ok(Message::Text(text)) => Some(Ok(text.to_string())),
            Ok(Message::Binary(bytes)) => Some(Ok(String::from_utf8_lossy(&bytes).into_owned())),
            Ok(_) => None,
            Err(e) => Some(Err(e)),
        })
    })
}

/// The client's `Allocations.exec` checks, in its order, for an allocation this client runs.
fn exec_spec(state: &AppState, request: &ExecRequest, token: &str) -> Result<ExecSpec, Refusal> {
    let id = &request.alloc_id;
    let Ok(alloc_state) = state.client.alloc_state(id) else { return Err(server_refusal(state, id, token)) };
    let namespace = state.cluster.read().alloc(id).map(|a| a.namespace.clone());
    let namespace = namespace.ok_or_else(|| ExecError::UnknownAllocation(id.clone()))?;
    let authority = state.authorize(token, Realm::Client).map_err(|e| Refusal::unresolved(e, state.version))?;
    if !authority.allow_ns_op(&namespace, cap::ALLOC_EXEC) {
        return Err(ExecError::PermissionDenied.into());
    }
    let task = &request.task;
    if task.is_empty() {
        return Err(ExecError::TaskNotPresent.into());
    }
    if request.command.is_empty() {
        return Err(ExecError::CommandNotPresent.into());
    }
    let not_found = |_| Refusal::coded(500, TASK_NOT_FOUND);
    let task_dir = state.client.task_dir(id, task).map_err(not_found)?;
    // raw_exec runs commands without filesystem isolation: Nomad then wants alloc-node-exec too.
    if !authority.allow_ns_op(&namespace, cap::ALLOC_NODE_EXEC) {
        return Err(ExecError::PermissionDenied.into());
    }
    let task_state = alloc_state.task_states.get(task).ok_or_else(|| ExecError::UnknownTask(task.clone()))?;
    if task_state.started_at.is_none() {
        return Err(ExecError::TaskNotStarted(task.clone()).into());
    }
    if task_state.state != task_state::RUNNING {
        return Err(ExecError::TaskNotRunning(task.clone()).into());
    }
    let env = state.client.task_env(id, task).map_err(not_found)?;
    // The executor runs the command in the task's directory from 1.9.2, in `/` before.
    let cwd = if state.version.exec_runs_in_task_dir() { task_dir } else { PathBuf::from("/") };
    // In the task's unit, as its user: the command dies with its session, task and agent.
    let workload = state.client.exec_workload(id, task).map_err(|_| ExecError::TaskNotRunning(task.clone()))?;
    Ok(ExecSpec { command: request.command.clone(), tty: request.tty, cwd, env, workload: Some(workload) })
}

/// The server's `ClientAllocations.exec`, for an allocation this client does not run: after the
/// allocation and the token are checked, only the allocation's node could run the command.
fn server_refusal(state: &AppState, id: &str, token: &str) -> Refusal {
    // `getAlloc`'s error for an ID go-memdb cannot read, sent without a code.
    if let Err(e) = crate::http::allocations::check_uuid(id, "alloc") {
        return Refusal::coded(500, e.message);
    }
    let alloc =
        state.cluster.read().alloc(id).map(|a| (a.namespace.clone(), a.node_id.clone(), a.client_status.clone()));
    let Some((namespace, node_id, status)) = alloc else { return ExecError::UnknownAllocation(id.to_string()).into() };
    match state.authorize(token, Realm::Server) {
        // The server's own resolution error carries no code in any release.
        Err(e) => return Refusal::coded(500, e.message),
        Ok(authority) if !authority.allow_ns_op(&namespace, cap::ALLOC_EXEC) => {
            return ExecError::PermissionDenied.into()
        }
        Ok(_) => {}
    }
    let terminal = [client_status::COMPLETE, client_status::FAILED, client_status::LOST].contains(&status.as_str());
    if terminal && state.version.exec_refuses_terminal_allocations() {
        return Refusal::coded(400, format!("exec not possible, client status of allocation {id} is {status}"));
    }
    if node_id == state.node_id {
        // Forwarded to this agent's own client, which does not have it (any more).
        return ExecError::UnknownAllocation(id.to_string()).into();
    }
    if state.cluster.read().node(&node_id).is_none() {
        return Refusal::coded(400, format!("Unknown node {node_id:?}"));
    }
    Refusal::coded(404, NO_NODE_CONN)
}
