//! A fake Nomad agent with the behaviours the proxy must carry, and a proxy in front of it.

use axum::body::{Body, Bytes};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{self, any, post};
use axum::Router;
use clap::Parser;
use nomad_proxy::{ProxyConfig, ProxyError, ServeArgs};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// Long enough never to fire on a working proxy; it only turns a hang into a failure.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// The close the fake agent sends when the command "exits".
pub const EXIT_CODE: u16 = 4001;
pub const EXIT_REASON: &str = "exited";

/// Bytes as a gzipping agent sends them; the proxy must pass them on undecoded.
pub const GZIP_BODY: &[u8] = &[0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x01, 0x02, 0x03];

pub struct FakeAgent {
    /// `http://127.0.0.1:port` (or https).
    pub address: String,
    /// Each chunk sent here is one chunk of `/v1/stream`; dropping it ends the stream.
    pub chunks: Option<mpsc::UnboundedSender<Bytes>>,
    /// Close frames (code, reason) the exec endpoint received.
    pub closes: mpsc::UnboundedReceiver<(u16, String)>,
}

#[derive(Clone)]
struct AgentState {
    origin: String,
    stream: Arc<Mutex<Option<mpsc::UnboundedReceiver<Bytes>>>>,
    closes: mpsc::UnboundedSender<(u16, String)>,
}

/// The fake agent's routes; `origin` is the only `Origin` its exec endpoint accepts.
pub fn agent_router(origin: String) -> (Router, mpsc::UnboundedSender<Bytes>, mpsc::UnboundedReceiver<(u16, String)>) {
    let (chunks, stream) = mpsc::unbounded_channel();
    let (closes_tx, closes) = mpsc::unbounded_channel();
    let state = AgentState { origin, stream: Arc::new(Mutex::new(Some(stream))), closes: closes_tx };
    let router = Router::new()
        .route("/v1/stream", routing::get(stream_chunks))
        .route("/v1/blocking", routing::get(blocking))
        .route("/v1/echo", any(echo))
        .route("/v1/upload", post(upload))
        .route("/v1/gzip", routing::get(gzip))
        .route("/v1/acl/token/self", routing::get(|| async { (StatusCode::FORBIDDEN, "Permission denied") }))
        .route("/v1/client/allocation/{id}/exec", routing::get(exec))
        .with_state(state);
    (router, chunks, closes)
}

pub async fn start_agent() -> FakeAgent {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let (router, chunks, closes) = agent_router(address.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    FakeAgent { address, chunks: Some(chunks), closes }
}

async fn stream_chunks(State(state): State<AgentState>) -> Response {
    let Some(chunks) = state.stream.lock().unwrap().take() else {
        return (StatusCode::CONFLICT, "stream already taken").into_response();
    };
    let body = futures_util::stream::unfold(chunks, |mut chunks| async move {
        chunks.recv().await.map(|chunk| (Ok::<_, std::convert::Infallible>(chunk), chunks))
    });
    ([(header::CONTENT_TYPE, "application/json")], Body::from_stream(body)).into_response()
}

/// A blocking query that answers after 2 s, with Nomad's query metadata.
async fn blocking() -> Response {
    tokio::time::sleep(Duration::from_secs(2)).await;
    let meta = [("x-nomad-index", "42"), ("x-nomad-knownleader", "true"), ("x-nomad-lastcontact", "0")];
    (meta, "[]").into_response()
}

/// What the agent received, as JSON; answers 201 with query metadata and a hop-by-hop header.
async fn echo(method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let headers: serde_json::Map<String, serde_json::Value> = headers
        .iter()
        .map(|(name, value)| (name.to_string(), String::from_utf8_lossy(value.as_bytes()).into()))
        .collect();
    let seen = serde_json::json!({
        "method": method.as_str(),
        "uri": uri.to_string(),
        "headers": headers,
        "body": String::from_utf8_lossy(&body),
    });
    let meta = [
        ("x-nomad-index", "7"),
        ("x-nomad-knownleader", "true"),
        ("x-nomad-lastcontact", "0"),
        ("connection", "x-upstream-hop"),
        ("x-upstream-hop", "1"),
    ];
    (StatusCode::CREATED, meta, seen.to_string()).into_response()
}

/// Echoes the request body frame by frame while it is still arriving.
async fn upload(body: Body) -> Body {
    Body::from_stream(body.into_data_stream())
}

async fn gzip() -> Response {
    ([(header::CONTENT_ENCODING, "gzip")], GZIP_BODY).into_response()
}

/// Nomad's exec endpoint in miniature: refuses a foreign `Origin` (403) and unknown
/// allocations (404); then says what it received, echoes frames, closes with
/// `EXIT_CODE`/`EXIT_REASON` on "exit", drops the connection on "vanish" and records the
/// browser's close.
async fn exec(
    State(state): State<AgentState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    if header("origin") != state.origin {
        return (StatusCode::FORBIDDEN, "origin not allowed").into_response();
    }
    if id != "a1" {
        return (StatusCode::NOT_FOUND, "alloc not found").into_response();
    }
    let hello = serde_json::json!({
        "token": header("x-nomad-token"),
        "host": header("host"),
        "origin": header("origin"),
        "query": query.unwrap_or_default(),
    });
    upgrade.on_upgrade(move |socket| exec_session(socket, hello.to_string(), state.closes))
}

async fn exec_session(mut socket: WebSocket, hello: String, closes: mpsc::UnboundedSender<(u16, String)>) {
    if socket.send(Message::Text(hello.into())).await.is_err() {
        return;
    }
    while let Some(Ok(message)) = socket.recv().await {
        match message {
            // The agent going away: its connection ends without a close frame.
            Message::Text(text) if text.as_str() == "vanish" => return,
            Message::Text(text) if text.as_str() == "exit" => {
                let close = CloseFrame { code: EXIT_CODE, reason: EXIT_REASON.into() };
                let _ = socket.send(Message::Close(Some(close))).await;
            }
            Message::Text(_) | Message::Binary(_) => {
                if socket.send(message).await.is_err() {
                    return;
                }
            }
            Message::Close(frame) => {
                let (code, reason) = frame.map_or((0, String::new()), |f| (f.code, f.reason.to_string()));
                let _ = closes.send((code, reason));
                return;
            }
            Message::Ping(_) | Message::Pong(_) => {}
        }
    }
}

/// The `serve` subcommand's flags as the agent will parse them.
#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    serve: ServeArgs,
}

pub struct Proxy {
    /// `http://127.0.0.1:port`
    pub url: String,
    _ui: tempfile::TempDir,
}

/// As the build writes it: `<base href>` names /ui/ and everything else is relative to it.
pub const INDEX_HTML: &str = r#"<!doctype html><base href="/ui/"><title>Caravan</title>"#;
pub const APP_JS: &str = "console.log('caravan')";
/// What the build writes beside a large file: its gzip copy (marked, so a test can tell it
/// from the proxy compressing the file itself).
pub const APP_WASM_GZ: &[u8] = b"precompressed app.wasm";

/// A built dashboard in miniature.
pub fn dashboard_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), INDEX_HTML).unwrap();
    std::fs::write(dir.path().join("app.js"), APP_JS).unwrap();
    std::fs::write(dir.path().join("app.wasm"), APP_JS.repeat(100)).unwrap();
    std::fs::write(dir.path().join("app.wasm.gz"), APP_WASM_GZ).unwrap();
    dir
}

/// A config from `serve` flags and the given environment variables.
pub fn config(ui_dir: &std::path::Path, flags: &[&str], vars: &[(&str, &str)]) -> Result<ProxyConfig, ProxyError> {
    let ui_dir = ui_dir.to_str().unwrap();
    let argv = ["serve", "--ui-dir", ui_dir].into_iter().chain(flags.iter().copied());
    let args = Cli::try_parse_from(argv).unwrap().serve;
    let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    ProxyConfig::from_vars_and_args(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()), &args)
}

pub async fn start_proxy(flags: &[&str], vars: &[(&str, &str)]) -> Proxy {
    let ui = dashboard_dir();
    let config = config(ui.path(), flags, vars).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(nomad_proxy::serve(config, listener));
    Proxy { url: format!("http://{addr}"), _ui: ui }
}

/// A proxy in front of `agent`.
pub async fn proxy_to(agent: &FakeAgent) -> Proxy {
    start_proxy(&["--nomad-addr", &agent.address], &[]).await
}

/// A client that follows no redirects and turns a hang into a failure.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).timeout(PATIENCE).build().unwrap()
}

/// `GET` a path of the proxy.
pub async fn get(proxy: &Proxy, path_and_query: &str) -> reqwest::Response {
    client().get(format!("{}{path_and_query}", proxy.url)).send().await.unwrap()
}

/// An address nothing listens on.
pub async fn dead_address() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    address
}
