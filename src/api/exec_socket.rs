//! One exec session over gloo-net's WebSocket: the handshake frame with the token once open, a
//! `{}` heartbeat every 10 s as Nomad's UI sends, input frames while open, and the agent's frames
//! and close as events. The socket lives in a task of its own; dropping the `ExecSocket` ends
//! that task, which drops the socket (gloo closes it on drop) and its heartbeat.
//!
//! How gloo-net 0.6 (`websocket::futures`) reports things, which this follows:
//! - it has no open event: its sink is ready once the socket has left CONNECTING, whether it
//!   opened or failed, so the state says which;
//! - the browser's `error` event is `Err(ConnectionError)`, without detail (browsers give none);
//!   the `close` event that always follows it is `Err(ConnectionClose)` with the code and
//!   reason, and then the stream ends. A connection that never opened is an error then a close
//!   with 1006.

use super::browser::sleep;
use super::exec::{self, Closed, Received};
use super::ApiError;
use futures::channel::mpsc;
use futures::future::poll_fn;
use futures::{pin_mut, select_biased, FutureExt, SinkExt, StreamExt};
use gloo_net::websocket::futures::WebSocket;
use gloo_net::websocket::{Message, State, WebSocketError};
use nomad_api::exec::ExecStreamingInput;
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

/// How often the browser says it is still there.
const HEARTBEAT: Duration = Duration::from_secs(10);

pub enum SocketEvent {
    /// The handshake went out: input may follow.
    Open,
    Received(Received),
    /// A frame the console cannot read. The socket is closed after it, and no `Closed` follows:
    /// this is how the session ended.
    Malformed(ApiError),
    Closed(Closed),
}

pub struct ExecSocket {
    /// Input frames, as JSON text, for the socket's task. Dropping it ends the task.
    input: mpsc::UnboundedSender<String>,
    /// The handshake went out and the socket has not closed since.
    open: Rc<Cell<bool>>,
}

impl ExecSocket {
    /// Opens `url` (from `exec::socket_url`); `token` goes in the first frame only.
    pub fn connect(
        url: &str,
        token: Option<String>,
        on_event: impl FnMut(SocketEvent) + 'static,
    ) -> Result<Self, ApiError> {
        let ws = WebSocket::open(url).map_err(|e| ApiError::Network(e.message))?;
        let (input, inputs) = mpsc::unbounded();
        let open = Rc::new(Cell::new(false));
        wasm_bindgen_futures::spawn_local(run(ws, token, inputs, open.clone(), on_event));
        Ok(ExecSocket { input, open })
    }

    /// Sends a frame while the session is open (before it opens or after it ends there is no
    /// command to receive it).
    pub fn send(&self, input: &ExecStreamingInput) {
        if self.open.get() {
            let _ = self.input.unbounded_send(exec::encode(input));
        }
    }
}

/// What woke the socket's task.
enum Step {
    Input(String),
    Frame(Option<Result<Message, WebSocketError>>),
    Heartbeat,
}

/// Sends a text frame if the socket is open (the browser would drop it anyway once closing).
async fn send_text(ws: &mut WebSocket, text: String) {
    if matches!(ws.state(), State::Open) {
        // Sending on an open socket does not fail; there is nothing to do if it did.
        let _ = ws.send(Message::Text(text)).await;
    }
}

async fn run(
    mut ws: WebSocket,
    token: Option<String>,
    mut inputs: mpsc::UnboundedReceiver<String>,
    open: Rc<Cell<bool>>,
    mut on_event: impl FnMut(SocketEvent),
) {
    // Wait for the socket to open or fail; the `ExecSocket` going away first closes it. Inputs
    // cannot come yet (`open` is false), so `inputs` only says when it went away.
    let dropped = {
        let ready = poll_fn(|cx| ws.poll_ready_unpin(cx)).fuse();
        pin_mut!(ready);
        select_biased! {
            _ = inputs.next() => true,
            _ = ready => false,
        }
    };
    if dropped {
        return;
    }
    // Whether the upgrade went through: a close then ended a session, not an attempt.
    let opened = matches!(ws.state(), State::Open);
    if opened {
        send_text(&mut ws, exec::handshake(token.as_deref())).await;
        open.set(true);
        on_event(SocketEvent::Open);
    }
    let beat = sleep(HEARTBEAT).fuse();
    pin_mut!(beat);
    loop {
        // Inputs first: once the `ExecSocket` is dropped, no event goes out.
        let step = select_biased! {
            input = inputs.next() => match input {
                Some(frame) => Step::Input(frame),
                None => return,
            },
            frame = ws.next().fuse() => Step::Frame(frame),
            () = beat => Step::Heartbeat,
        };
        match step {
            Step::Input(frame) => send_text(&mut ws, frame).await,
            Step::Heartbeat => {
                send_text(&mut ws, exec::encode(&ExecStreamingInput::heartbeat())).await;
                beat.set(sleep(HEARTBEAT).fuse());
            }
            Step::Frame(Some(Ok(Message::Text(text)))) => match exec::decode(&text) {
                Ok(received) => on_event(SocketEvent::Received(received)),
                Err(error) => {
                    open.set(false);
                    on_event(SocketEvent::Malformed(error));
                    // Returning drops the socket, which closes it.
                    return;
                }
            },
            // Nomad sends text frames only.
            Step::Frame(Some(Ok(Message::Bytes(_)))) => {}
            Step::Frame(Some(Err(WebSocketError::ConnectionClose(e)))) => {
                open.set(false);
                on_event(SocketEvent::Closed(Closed { code: e.code, reason: e.reason, opened }));
                return;
            }
            // The close event that follows tells how it ended.
            Step::Frame(Some(Err(_))) => {}
            // gloo ends its stream only after the close event above.
            Step::Frame(None) => return,
        }
    }
}
