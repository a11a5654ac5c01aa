//! `/v1/agent/monitor`: streams the agent's log lines at the level asked for
//! (`command/agent/agent_endpoint.go` `AgentMonitor`, `nomad/client_agent_endpoint.go`
//! `monitor`). The lines are this process's `tracing` events, which [`layer`] hands to every
//! monitor open at a level that wants them; nothing is formatted while none is open.

use super::request::{after_ignored_parse, parse_go_bool, ApiRequest};
use crate::acl::Realm;
use crate::error::{ApiError, NO_NODE_CONN};
use crate::AppState;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use nomad_api::monitor::{LogLevel, LogRecord, LOG_FRAME_EVENT};
use nomad_api::StreamFrame;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::broadcast;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// How many lines a slow monitor may fall behind before it misses some (`monitor.New(512)`).
const BUFFER: usize = 512;
/// The framer's flush and heartbeat periods and frame size (`sframer.NewStreamFramer(frames,
/// 1*time.Second, 200*time.Millisecond, 1024)`).
const FLUSH: Duration = Duration::from_millis(200);
const HEARTBEAT: Duration = Duration::from_secs(1);
const FRAME_SIZE: usize = 1024;

/// Where log records go: one channel for the process, and per level how many monitors want
/// it, so that an event no monitor wants costs one atomic load.
struct Hub {
    records: broadcast::Sender<Arc<LogRecord>>,
    wanted: [AtomicUsize; 5],
}

fn hub() -> &'static Hub {
    static HUB: OnceLock<Hub> = OnceLock::new();
    HUB.get_or_init(|| Hub { records: broadcast::channel(BUFFER).0, wanted: Default::default() })
}

fn level_of(level: &tracing::Level) -> LogLevel {
    match *level {
        tracing::Level::TRACE => LogLevel::Trace,
        tracing::Level::DEBUG => LogLevel::Debug,
        tracing::Level::INFO => LogLevel::Info,
        tracing::Level::WARN => LogLevel::Warn,
        tracing::Level::ERROR => LogLevel::Error,
    }
}

/// Whether an open monitor wants events of this level: one at it or at a lower level.
fn wanted(level: &tracing::Level) -> bool {
    let at = level_of(level) as usize;
    hub().wanted[..=at].iter().any(|n| n.load(Ordering::Relaxed) > 0)
}

/// A monitor's interest in its level while it is open.
struct Interest(usize);

impl Interest {
    fn new(level: LogLevel) -> Option<Interest> {
        let at = level as usize;
        let slot = hub().wanted.get(at)?;
        slot.fetch_add(1, Ordering::Relaxed);
        Some(Interest(at))
    }
}

impl Drop for Interest {
    fn drop(&mut self) {
        if let Some(slot) = hub().wanted.get(self.0) {
            slot.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// The `tracing` layer that feeds monitors; the binary installs it next to its log output.
pub fn layer<S: Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>>() -> impl Layer<S> {
    MonitorLayer.with_filter(tracing_subscriber::filter::dynamic_filter_fn(|meta, _| wanted(meta.level())))
}

struct MonitorLayer;

#[derive(Default)]
struct Fields {
    message: String,
    fields: Vec<(String, serde_json::Value)>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.into());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, value.into());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.put(field, format!("{value:?}").into());
    }
}

impl Fields {
    fn put(&mut self, field: &Field, value: serde_json::Value) {
        if field.name() == "message" {
            self.message = value.as_str().map_or_else(|| value.to_string(), str::to_string);
        } else {
            self.fields.push((field.name().to_string(), value));
        }
    }
}

impl<S: Subscriber> Layer<S> for MonitorLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        let mut fields = Fields::default();
        event.record(&mut fields);
        let _ = hub().records.send(Arc::new(LogRecord {
            unix_nanos: crate::state::store::now_nanos(),
            level: level_of(meta.level()),
            module: meta.target().replace("::", "."),
            message: fields.message,
            fields: fields.fields,
            caller: meta.file().zip(meta.line()).map(|(file, line)| format!("{file}:{line}")),
        }));
    }
}

/// `GET /v1/agent/monitor` (agent:read; the handler checks no method).
pub async fn monitor(State(state): State<AppState>, req: ApiRequest) -> Result<Response, ApiError> {
    let level_text = match req.get("log_level") {
        "" => "INFO",
        text => text,
    };
    let level = LogLevel::from_hclog(level_text)
        .ok_or_else(|| ApiError::bad_request(format!("Unknown log level: {level_text}")))?;
    let option = |key: &str, what: &str| -> Result<bool, ApiError> {
        match req.get(key) {
            "" => Ok(false),
            text => parse_go_bool(text).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "Unknown option for {what}: strconv.ParseBool: parsing {text:?}: invalid syntax"
                ))
            }),
        }
    };
    let json = option("log_json", "log json")?;
    let plain = option("plain", "plain")?;
    let include_location = if state.version.monitor_include_location() {
        option("log_include_location", "log_include_location")?
    } else {
        false
    };
    let (node_id, server_id) = (req.get("node_id"), req.get("server_id"));
    if !node_id.is_empty() && !server_id.is_empty() {
        return Err(ApiError::bad_request("Cannot target node and server simultaneously"));
    }
    // `AgentMonitor` calls `parse` here and ignores its failure.
    let parse_error = req.ignored_parse(&state.region);
    let options = MonitorOptions { level, json, plain, include_location };
    after_ignored_parse(parse_error, open(&state, &req, options))
}

/// What the monitor was asked for.
struct MonitorOptions {
    level: LogLevel,
    json: bool,
    plain: bool,
    include_location: bool,
}

/// `streamMonitor`: the token and the target, then the stream.
fn open(state: &AppState, req: &ApiRequest, options: MonitorOptions) -> Result<Response, ApiError> {
    let MonitorOptions { level, json, plain, include_location } = options;
    let (node_id, server_id) = (req.get("node_id"), req.get("server_id"));
    // The local client's monitor resolves the token as the client does, and sends its error
    // with 403 whatever it is (`Agent.monitor` in `client/agent_endpoint.go`).
    let authority = if node_id == state.node_id {
        state.authorize(req.token(), Realm::Client).map_err(|e| ApiError::new(StatusCode::FORBIDDEN, e.message))?
    } else {
        state.authorize(req.token(), Realm::Server)?
    };
    if !authority.allow_agent_read() {
        return Err(ApiError::permission_denied());
    }
    if !node_id.is_empty() && node_id != state.node_id {
        return Err(match state.cluster.read().node(node_id) {
            None => ApiError::not_found(format!("Unknown node {node_id:?}")),
            Some(_) => ApiError::internal(NO_NODE_CONN),
        });
    }
    let member = format!("{}.{}", state.node_name, state.region);
    if !server_id.is_empty() && server_id != "leader" && server_id != member {
        return Err(ApiError::bad_request(format!("unknown nomad server {server_id}")));
    }
    let content_type = if plain { "text/plain" } else { "application/json" };
    // Fused: a layer (gzip) may poll once more after the end, which an `Unfold` answers with a panic.
    let body = Body::from_stream(futures::StreamExt::fuse(frames(level, json, plain, include_location)));
    Ok((StatusCode::OK, [(header::CONTENT_TYPE, content_type)], body).into_response())
}

/// The monitor's output: log lines batched every 200 ms into frames of up to 1 KiB
/// (`{"Data": ..., "FileEvent": "log"}`), a `{}` heartbeat each second without one, or with
/// `plain` the bare lines.
fn frames(
    level: LogLevel,
    json: bool,
    plain: bool,
    include_location: bool,
) -> impl futures::Stream<Item = Result<Bytes, std::convert::Infallible>> + Send + 'static {
    struct Session {
        records: broadcast::Receiver<Arc<LogRecord>>,
        _interest: Option<Interest>,
        pending: Vec<u8>,
        idle: Duration,
    }
    let session = Session {
        records: hub().records.subscribe(),
        _interest: Interest::new(level),
        pending: Vec::new(),
        idle: Duration::ZERO,
    };
    futures::stream::unfold(session, move |mut s| async move {
        loop {
            let tick = tokio::time::sleep(FLUSH);
            tokio::pin!(tick);
            loop {
                tokio::select! {
                    received = s.records.recv() => match received {
                        Ok(record) if record.level >= level && level != LogLevel::Off => {
                            let line = if json { record.to_json(include_location) } else { record.to_plain(include_location) };
                            s.pending.extend_from_slice(line.as_bytes());
                        }
                        Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                        Err(broadcast::error::RecvError::Closed) => return None,
                    },
                    _ = &mut tick => break,
                }
            }
            if !s.pending.is_empty() {
                s.idle = Duration::ZERO;
                let data = std::mem::take(&mut s.pending);
                if plain {
                    return Some((Ok(Bytes::from(data)), s));
                }
                let mut out = Vec::new();
                for (i, chunk) in data.chunks(FRAME_SIZE).enumerate() {
                    let frame = StreamFrame {
                        offset: (i * FRAME_SIZE) as i64,
                        data: chunk.to_vec(),
                        file_event: LOG_FRAME_EVENT.to_string(),
                        ..StreamFrame::default()
                    };
                    if serde_json::to_writer(&mut out, &frame).is_err() {
                        continue;
                    }
                }
                return Some((Ok(Bytes::from(out)), s));
            }
            s.idle += FLUSH;
            if s.idle >= HEARTBEAT {
                s.idle = Duration::ZERO;
                if !plain {
                    return Some((Ok(Bytes::from_static(b"{}")), s));
                }
            }
        }
    })
}
