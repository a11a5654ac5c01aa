//! A terminal and the exec session behind it: keystrokes out as stdin frames, every resize as
//! `tty_size`, output in through the flow-controlled queue, and how the session ended once its
//! output has been shown. Enter after the end asks for a new session.

use super::terminal::Term;
use crate::api::exec::{ending_after_close, Closed, CLOSE_INTERNAL_ERROR};
use crate::api::exec_socket::{ExecSocket, SocketEvent};
use crate::model::exec_command::Ending;
use crate::model::output_queue::OutputQueue;
use leptos::prelude::*;
use nomad_api::exec::ExecStreamingInput;
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

/// What the status line shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// xterm is loading.
    Loading,
    /// Waiting for a task, the allocation or the token's rights.
    Idle,
    Connecting,
    Connected,
    Exited(i32),
    Closed {
        code: u16,
        message: String,
    },
    /// Not started: the command does not parse, the agent address is not a URL, ...
    Refused(String),
    /// Not started: the token lacks the capability.
    Denied(String),
}

impl Status {
    /// `data-state` for the status line.
    pub fn state(&self) -> &'static str {
        match self {
            Status::Loading => "loading",
            Status::Idle => "idle",
            Status::Connecting => "connecting",
            Status::Connected => "connected",
            Status::Exited(_) => "exited",
            Status::Closed { .. } => "closed",
            Status::Refused(_) => "refused",
            Status::Denied(_) => "denied",
        }
    }

    fn ended(&self) -> bool {
        matches!(self, Status::Exited(_) | Status::Closed { .. })
    }
}

/// What the console reports to its page.
#[derive(Clone, Copy)]
pub struct Signals {
    pub status: RwSignal<Status>,
    /// Bumped by Enter once a session has ended: the page starts a new one.
    pub reconnect: RwSignal<u64>,
    /// Set when a session has ended and all its output is shown.
    pub ended: RwSignal<Option<Ended>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ended {
    pub command: Vec<String>,
    /// Something was typed into the session.
    pub typed: bool,
    pub ending: Ending,
}

/// Most typed ahead of a connecting socket: a paste, not a file.
const EARLY_INPUT_LIMIT: usize = 64 * 1024;

pub struct Console {
    me: Weak<RefCell<Console>>,
    term: Option<Term>,
    socket: Option<ExecSocket>,
    queue: OutputQueue,
    /// xterm's write callback, shared by every write. xterm may call it inside `write` (it
    /// parses at once right after a keystroke), so it only counts here and `pump` catches up.
    on_written: Closure<dyn FnMut()>,
    written: Rc<Cell<usize>>,
    /// How the session ended, shown once its output is.
    ending: Option<Ending>,
    command: Vec<String>,
    /// Something was typed into this session.
    typed: bool,
    /// Typed while the socket was still connecting: sent once it opens, as a terminal does,
    /// so that nothing typed right away is lost. Only `connect` enters Connecting, and it
    /// empties this.
    early_input: String,
    pub signals: Signals,
}

pub type Shared = Rc<RefCell<Console>>;

impl Console {
    pub fn new(signals: Signals) -> Shared {
        Rc::new_cyclic(|me: &Weak<RefCell<Console>>| {
            let (weak, written) = (me.clone(), Rc::new(Cell::new(0)));
            let count = written.clone();
            let on_written = Closure::<dyn FnMut()>::new(move || {
                count.set(count.get() + 1);
                match weak.upgrade() {
                    // Not from inside `pump`, which is writing.
                    Some(console) if console.try_borrow_mut().is_ok() => Console::pump(&console),
                    _ => {}
                }
            });
            RefCell::new(Console {
                me: me.clone(),
                term: None,
                socket: None,
                queue: OutputQueue::default(),
                on_written,
                written,
                ending: None,
                command: Vec::new(),
                typed: false,
                early_input: String::new(),
                signals,
            })
        })
    }

    /// Opens the terminal in `pane` once xterm has loaded.
    pub fn attach(console: &Shared, pane: &HtmlElement) {
        let (on_data, on_resize) = (console.borrow().me.clone(), console.borrow().me.clone());
        let term = Term::open(
            pane,
            move |data: String| {
                if let Some(c) = on_data.upgrade() {
                    c.borrow_mut().typed(data);
                }
            },
            move |cols, rows| {
                if let Some(c) = on_resize.upgrade() {
                    if let Some(s) = &c.borrow().socket {
                        s.send(&ExecStreamingInput::resize(cols, rows));
                    }
                }
            },
        );
        let mut c = console.borrow_mut();
        c.term = Some(term);
        c.signals.status.set(Status::Idle);
    }

    pub fn has_terminal(&self) -> bool {
        self.term.is_some()
    }

    /// Starts a session of `command` at the socket `url`; any previous one is closed.
    pub fn connect(console: &Shared, url: &str, token: Option<String>, command: Vec<String>) {
        let me = console.borrow().me.clone();
        let socket = ExecSocket::connect(url, token, move |event| {
            if let Some(c) = me.upgrade() {
                Console::on_event(&c, event);
            }
        });
        let mut c = console.borrow_mut();
        // Replacing the socket closes the old one, whose events then go nowhere.
        c.socket = None;
        c.ending = None;
        c.typed = false;
        c.early_input.clear();
        c.command = command;
        match socket {
            Ok(socket) => {
                c.socket = Some(socket);
                c.signals.status.set(Status::Connecting);
            }
            Err(e) => c.signals.status.set(Status::Refused(e.to_string())),
        }
    }

    /// Shows why a session is not started (closing any running one).
    pub fn refuse(&mut self, status: Status) {
        self.socket = None;
        self.ending = None;
        self.signals.status.set(status);
    }

    /// A line of the console's own, dimmed, after the output so far.
    pub fn notice(console: &Shared, text: &str) {
        console.borrow_mut().queue.push(format!("\r\n\x1b[2m{text}\x1b[0m\r\n").into_bytes());
        Console::pump(console);
    }

    fn typed(&mut self, data: String) {
        match (&self.socket, self.signals.status.get_untracked()) {
            (Some(socket), Status::Connected) => {
                self.typed = true;
                socket.send(&ExecStreamingInput::stdin(data.into_bytes()));
            }
            (Some(_), Status::Connecting) if self.early_input.len() + data.len() <= EARLY_INPUT_LIMIT => {
                self.early_input.push_str(&data);
            }
            (_, status) if status.ended() && data.contains('\r') => self.signals.reconnect.update(|n| *n += 1),
            _ => {}
        }
    }

    /// What the socket reports (public so the browser component tests can play a session).
    pub fn on_event(console: &Shared, event: SocketEvent) {
        let mut c = console.borrow_mut();
        match event {
            SocketEvent::Open => {
                c.signals.status.set(Status::Connected);
                if let (Some(term), Some(socket)) = (&c.term, &c.socket) {
                    let (cols, rows) = term.size();
                    socket.send(&ExecStreamingInput::resize(cols, rows));
                    term.focus();
                }
                // After the size, so that the shell reads it at the terminal's width.
                let early = std::mem::take(&mut c.early_input);
                if !early.is_empty() {
                    c.typed = true;
                    if let Some(socket) = &c.socket {
                        socket.send(&ExecStreamingInput::stdin(early.into_bytes()));
                    }
                }
            }
            SocketEvent::Received(received) => {
                c.queue.push(received.output);
                if let Some(code) = received.exit_code {
                    c.ending = Some(Ending::Exited(code));
                }
            }
            SocketEvent::Malformed(e) => {
                c.ending.get_or_insert(Ending::Closed {
                    code: CLOSE_INTERNAL_ERROR,
                    reason: e.to_string(),
                    opened: true,
                });
            }
            // After the exit frame (whether or not its output is shown yet), the close is just
            // the end of the socket, whichever way Nomad ends it: 1000, or no close frame
            // (1006) from 1.7.5 on, or the error of an input it could not handle (1011).
            SocketEvent::Closed(closed) => {
                // Not when the ending is already shown.
                if !c.signals.status.get_untracked().ended() {
                    c.ending = Some(ending_after_close(c.ending.take(), closed));
                }
            }
        }
        drop(c);
        Console::pump(console);
    }

    /// Writes what the terminal has room for; once all output is shown, reports the ending.
    fn pump(console: &Shared) {
        let mut c = console.borrow_mut();
        // Without a terminal nothing is written. (The page attaches one before any session
        // starts; a session played without one, as the component tests do, still ends.)
        while c.term.is_some() {
            for _ in 0..c.written.take() {
                c.queue.written();
            }
            let Some(chunk) = c.queue.next_chunk() else { break };
            if let Some(term) = &c.term {
                term.write(&chunk, c.on_written.as_ref().unchecked_ref());
            }
        }
        if c.queue.is_idle() && c.signals.status.get_untracked() != Status::Loading {
            if let Some(ending) = c.ending.take() {
                let c = &mut *c;
                let status = match &ending {
                    Ending::Exited(code) => Status::Exited(*code),
                    Ending::Closed { code, reason, opened } => Status::Closed {
                        code: *code,
                        message: Closed { code: *code, reason: reason.clone(), opened: *opened }.message(),
                    },
                };
                c.signals.status.set(status);
                c.signals.ended.set(Some(Ended { command: c.command.clone(), typed: c.typed, ending }));
            }
        }
    }
}
