//! One exec session over a browser WebSocket: the handshake frame with the token once open, a
//! `{}` heartbeat every 10 s as Nomad's UI sends, input frames, and the agent's frames and close
//! as events. Dropping the socket closes it.

use super::exec::{self, Closed, Received};
use super::ApiError;
use nomad_api::exec::ExecStreamingInput;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

/// How often the browser says it is still there.
const HEARTBEAT_MS: i32 = 10_000;

pub enum SocketEvent {
    /// The handshake went out: input may follow.
    Open,
    Received(Received),
    /// A frame the console cannot read; the socket is closed after it.
    Malformed(ApiError),
    Closed(Closed),
}

/// The socket's open, message and close handlers, and the heartbeat's timer.
type Handlers = (Closure<dyn FnMut()>, Closure<dyn FnMut(MessageEvent)>, Closure<dyn FnMut(CloseEvent)>, Closure<dyn FnMut()>);

pub struct ExecSocket {
    ws: WebSocket,
    heartbeat: Option<i32>,
    // The handlers live as long as the socket.
    _handlers: Handlers,
}

impl ExecSocket {
    /// Opens `url` (from `exec::socket_url`); `token` goes in the first frame only.
    pub fn connect(url: &str, token: Option<String>, on_event: impl FnMut(SocketEvent) + 'static) -> Result<Self, ApiError> {
        let ws = WebSocket::new(url).map_err(|e| ApiError::Network(js_message(&e)))?;
        let on_event = Rc::new(RefCell::new(on_event));
        // The browser delivers events one at a time and handlers never await, so a handler is
        // never re-entered; `try_borrow_mut` is there to be safe rather than panic.
        let emit = move |event| {
            if let Ok(mut f) = on_event.try_borrow_mut() {
                f(event);
            }
        };

        // Whether the upgrade went through: a close then ended a session, not an attempt.
        let opened = Rc::new(std::cell::Cell::new(false));
        let (ws1, emit1, opened1) = (ws.clone(), emit.clone(), opened.clone());
        let on_open = Closure::<dyn FnMut()>::new(move || {
            opened1.set(true);
            let _ = ws1.send_with_str(&exec::handshake(token.as_deref()));
            emit1(SocketEvent::Open);
        });
        let (ws2, emit2) = (ws.clone(), emit.clone());
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let Some(text) = e.data().as_string() else { return };
            match exec::decode(&text) {
                Ok(received) => emit2(SocketEvent::Received(received)),
                Err(error) => {
                    emit2(SocketEvent::Malformed(error));
                    let _ = ws2.close();
                }
            }
        });
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |e: CloseEvent| {
            emit(SocketEvent::Closed(Closed { code: e.code(), reason: e.reason(), opened: opened.get() }));
        });
        let ws3 = ws.clone();
        let beat = Closure::<dyn FnMut()>::new(move || {
            if ws3.ready_state() == WebSocket::OPEN {
                let _ = ws3.send_with_str(&exec::encode(&ExecStreamingInput::heartbeat()));
            }
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        let heartbeat = web_sys::window().and_then(|w| {
            w.set_interval_with_callback_and_timeout_and_arguments_0(beat.as_ref().unchecked_ref(), HEARTBEAT_MS).ok()
        });
        Ok(ExecSocket { ws, heartbeat, _handlers: (on_open, on_message, on_close, beat) })
    }

    /// Sends a frame while the session is open (before it opens or after it ends there is no
    /// command to receive it).
    pub fn send(&self, input: &ExecStreamingInput) {
        if self.ws.ready_state() == WebSocket::OPEN {
            let _ = self.ws.send_with_str(&exec::encode(input));
        }
    }
}

impl Drop for ExecSocket {
    fn drop(&mut self) {
        if let (Some(id), Some(w)) = (self.heartbeat, web_sys::window()) {
            w.clear_interval_with_handle(id);
        }
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}

fn js_message(e: &wasm_bindgen::JsValue) -> String {
    e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_else(|| format!("{e:?}"))
}
