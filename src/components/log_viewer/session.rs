//! The I/O behind one log view: a follower per stream feeding one `Viewer`, earlier output
//! loaded on request, and redraws batched to one per animation frame (a fast writer sends
//! many chunks a frame; the screen needs the result once).

use crate::api::browser::{now_ms, sleep};
use crate::api::client::Client;
use crate::api::endpoints::{self, Scope};
use crate::api::logs::{follow_framed, follow_plain, list_logs, read_raw, whole_log, Sink, StreamState, TAIL};
use crate::api::ApiError;
use leptos::prelude::*;
use leptos::task::spawn_local_scoped_with_cancellation;
use log_view::follow::{Earlier, Follower, Output, Target};
use log_view::store::Limits;
use log_view::viewer::Viewer;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Duration;

/// Time given to taking in output at a go; then the page draws and handles input, so a fast
/// writer cannot freeze it (a long task is one over 50 ms).
const BUDGET_MS: f64 = 30.0;
/// Text is taken in pieces of at most this many bytes, so the budget holds.
const PIECE: usize = 16 << 10;
/// Output waiting beyond this (a hidden tab's timers are slowed) is taken in at once.
const MAX_PENDING: usize = 32 << 20;
/// Bytes of earlier output loaded per request.
const EARLIER: u64 = 1 << 20;
/// Empty rotated files stepped over in one request for earlier output.
const MAX_EMPTY_STEPS: usize = 16;
/// Tenths of a second a request for earlier output waits for the stream's first frame.
const FIRST_FRAME_WAITS: usize = 100;

/// One stream a log view follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stream {
    /// A task's `stdout` or `stderr`.
    Log { task: String, log_type: String },
    /// One file of the allocation directory (a growing file's live tail).
    File { path: String },
}

impl Stream {
    /// Its name in a merged view and in file names.
    pub fn label(&self) -> &str {
        match self {
            Stream::Log { task, .. } => task,
            Stream::File { path } => path.rsplit('/').next().unwrap_or(path),
        }
    }

    fn target(&self) -> Target {
        match self {
            Stream::Log { task, log_type } => Target::Logs { task: task.clone(), log_type: log_type.clone() },
            Stream::File { path } => Target::File { path: path.clone() },
        }
    }
}

/// Whether earlier output can be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EarlierState {
    /// More can be loaded.
    More,
    Loading,
    /// The start of the output is shown.
    AtStart,
    /// Not possible (plain mode, a merged view, or the file was truncated).
    Unavailable,
    Failed(String),
}

struct Core {
    viewer: RefCell<Viewer>,
    streams: Vec<Stream>,
    /// `None` in plain mode, which has no positions to load earlier output from.
    followers: Vec<Option<Rc<RefCell<Follower>>>>,
    /// Whether the held-back first line of each stream was checked against the start.
    settled: Vec<Cell<bool>>,
    frame_pending: Cell<bool>,
    /// Output received and not yet taken in, with its size in bytes.
    pending: RefCell<VecDeque<(u16, Output)>>,
    pending_bytes: Cell<usize>,
}

/// A handle to a running log view (copied into every closure of the view).
#[derive(Clone, Copy)]
pub struct Session {
    core: StoredValue<Rc<Core>, LocalStorage>,
    /// Bumped (at most once a frame) whenever what the viewer holds changed.
    pub version: RwSignal<u64>,
    pub states: RwSignal<Vec<StreamState>>,
    pub earlier: RwSignal<EarlierState>,
    alloc: StoredValue<String>,
    scope: StoredValue<Scope>,
    client: Client,
    /// The view's owner: work started from event handlers (which run without one) stops
    /// with the view too.
    owner: StoredValue<Owner>,
}

impl Session {
    /// Starts following `streams` of allocation `alloc`; everything stops with the owner.
    pub fn start(client: Client, scope: Scope, alloc: String, streams: Vec<Stream>, plain: bool) -> Session {
        let labels: Vec<&str> = streams.iter().map(Stream::label).collect();
        let viewer = Viewer::new(&labels, Limits::default());
        let framed = |s: &Stream| !plain || matches!(s, Stream::File { .. });
        let followers =
            streams.iter().map(|s| framed(s).then(|| Rc::new(RefCell::new(Follower::new(s.target(), TAIL))))).collect();
        let core = Rc::new(Core {
            viewer: RefCell::new(viewer),
            settled: streams.iter().map(|_| Cell::new(false)).collect(),
            streams,
            followers,
            frame_pending: Cell::new(false),
            pending: RefCell::new(VecDeque::new()),
            pending_bytes: Cell::new(0),
        });
        let single = core.streams.len() == 1 && core.followers[0].is_some();
        let session = Session {
            core: StoredValue::new_local(core.clone()),
            version: RwSignal::new(0),
            states: RwSignal::new(vec![StreamState::Connecting; core.streams.len()]),
            earlier: RwSignal::new(if single { EarlierState::More } else { EarlierState::Unavailable }),
            alloc: StoredValue::new(alloc.clone()),
            scope: StoredValue::new(scope.clone()),
            client,
            owner: StoredValue::new(Owner::current().unwrap_or_default()),
        };
        for (i, stream) in core.streams.iter().enumerate() {
            let source = i as u16;
            let output = {
                let core = core.clone();
                Box::new(move |out: Vec<Output>| session.ingest(&core, source, out)) as Box<dyn Fn(Vec<Output>)>
            };
            let states = session.states;
            let state = Box::new(move |s: StreamState| {
                states.try_update(|v| {
                    if let Some(slot) = v.get_mut(i) {
                        *slot = s;
                    }
                });
            });
            let sink = Sink { output, state };
            let (scope, alloc) = (scope.clone(), alloc.clone());
            match (&core.followers[i], stream) {
                (Some(follower), _) => {
                    spawn_local_scoped_with_cancellation(follow_framed(client, scope, alloc, follower.clone(), sink))
                }
                (None, Stream::Log { task, log_type }) => spawn_local_scoped_with_cancellation(follow_plain(
                    client,
                    scope,
                    alloc,
                    task.clone(),
                    log_type.clone(),
                    sink,
                )),
                (None, Stream::File { .. }) => {}
            }
        }
        session
    }

    fn spawn(&self, task: impl std::future::Future<Output = ()> + 'static) {
        self.owner.with_value(|owner| owner.with(|| spawn_local_scoped_with_cancellation(task)));
    }

    /// Reads the viewer (drawing, searching).
    pub fn with<R>(&self, f: impl FnOnce(&Viewer) -> R) -> R {
        let core = self.core.get_value();
        let viewer = core.viewer.borrow();
        f(&viewer)
    }

    /// Changes the viewer (search, filter) and redraws.
    pub fn update<R>(&self, f: impl FnOnce(&mut Viewer) -> R) -> R {
        let core = self.core.get_value();
        let r = f(&mut core.viewer.borrow_mut());
        self.version.update(|v| *v += 1);
        r
    }

    pub fn streams(&self) -> Vec<Stream> {
        self.core.with_value(|c| c.streams.clone())
    }

    fn ingest(&self, core: &Rc<Core>, source: u16, out: Vec<Output>) {
        if !out.is_empty() {
            let bytes: usize = out.iter().map(|o| if let Output::Text(t) = o { t.len() } else { 0 }).sum();
            core.pending.borrow_mut().extend(out.into_iter().map(|o| (source, o)));
            core.pending_bytes.set(core.pending_bytes.get() + bytes);
            if core.pending_bytes.get() > MAX_PENDING {
                take_in(core, f64::INFINITY);
            }
            self.redraw(core);
        }
        let i = source as usize;
        let has_data = core.followers[i].as_ref().is_some_and(|f| f.borrow().position().is_some());
        if has_data && !core.settled[i].replace(true) {
            let session = *self;
            let core = core.clone();
            self.spawn(async move {
                // Only a check: an error leaves the first line held back, loadable later.
                let _ = session.settle(&core, i).await;
            });
        }
    }

    /// Takes in what arrived and redraws, once however much arrives meanwhile; what the
    /// budget leaves goes on after the page had its turn.
    fn redraw(&self, core: &Rc<Core>) {
        if core.frame_pending.replace(true) {
            return;
        }
        let (core, session) = (core.clone(), *self);
        set_timeout(
            move || {
                core.frame_pending.set(false);
                let more = take_in(&core, BUDGET_MS);
                if session.version.try_update(|v| *v += 1).is_some() && more {
                    session.redraw(&core);
                }
            },
            std::time::Duration::ZERO,
        );
    }

    /// The view starts at the end, holding back the partial first line; when that line is in
    /// fact the start of the output (a short log), it is shown at once.
    async fn settle(&self, core: &Rc<Core>, i: usize) -> Result<(), ApiError> {
        let Some(follower) = core.followers[i].clone() else { return Ok(()) };
        let listing = self.listing(core, i).await?;
        if follower.borrow().earlier(&listing, EARLIER) == Earlier::AtStart {
            self.release(core, i, &follower);
        }
        Ok(())
    }

    /// The listing of the logs a framed log stream needs (none for a file).
    async fn listing(&self, core: &Rc<Core>, i: usize) -> Result<Vec<nomad_api::AllocFileInfo>, ApiError> {
        match &core.streams[i] {
            Stream::Log { .. } => list_logs(&self.client, &self.scope.get_value(), &self.alloc.get_value()).await,
            Stream::File { .. } => Ok(Vec::new()),
        }
    }

    fn release(&self, core: &Rc<Core>, i: usize, follower: &Rc<RefCell<Follower>>) {
        let released = follower.borrow_mut().release_head();
        let mut viewer = core.viewer.borrow_mut();
        viewer.prepend(i as u16, &released.prepend);
        if !released.append.is_empty() {
            viewer.ingest(i as u16, released.append);
        }
        drop(viewer);
        if single_view(core) {
            self.earlier.set(EarlierState::AtStart);
        }
        self.redraw(core);
    }

    /// Loads about `EARLIER` bytes of earlier output (a single stream's view only).
    pub fn load_earlier(&self) {
        let core = self.core.get_value();
        let Some(follower) = core.followers.first().cloned().flatten().filter(|_| single_view(&core)) else { return };
        if self.earlier.get_untracked() == EarlierState::Loading {
            return;
        }
        self.earlier.set(EarlierState::Loading);
        let session = *self;
        self.spawn(async move {
            let state = match session.earlier_step(&core, &follower).await {
                Ok(()) if follower.borrow().has_earlier() => EarlierState::More,
                Ok(()) => EarlierState::AtStart,
                Err(e) => EarlierState::Failed(e.to_string()),
            };
            session.earlier.try_set(state);
        });
    }

    async fn earlier_step(&self, core: &Rc<Core>, follower: &Rc<RefCell<Follower>>) -> Result<(), ApiError> {
        let (scope, alloc) = (self.scope.get_value(), self.alloc.get_value());
        // Asked before the stream's first frame: where the view starts is not known yet, so
        // wait for it (a slow first answer) rather than do nothing.
        for _ in 0..FIRST_FRAME_WAITS {
            if follower.borrow().earlier(&[], EARLIER) != Earlier::NotYet {
                break;
            }
            sleep(Duration::from_millis(100)).await;
        }
        for _ in 0..MAX_EMPTY_STEPS {
            let listing = self.listing(core, 0).await?;
            let plan = follower.borrow().earlier(&listing, EARLIER);
            match plan {
                Earlier::Read(read) => {
                    let bytes = if read.limit == 0 {
                        Vec::new()
                    } else {
                        read_raw(
                            &self.client,
                            &endpoints::fs_readat(&scope, &alloc, &read.path, read.offset, read.limit),
                        )
                        .await?
                    };
                    let lines = follower.borrow_mut().take_earlier(&read, &bytes);
                    core.viewer.borrow_mut().prepend(0, &lines);
                    self.redraw(core);
                    if read.limit > 0 {
                        return Ok(());
                    }
                }
                Earlier::AtStart => {
                    self.release(core, 0, follower);
                    return Ok(());
                }
                // Still no data (an empty log): nothing earlier to load yet.
                Earlier::NotYet | Earlier::Unavailable => return Ok(()),
            }
        }
        Ok(())
    }

    /// The whole of each stream (every rotated file), as `(file name, bytes)`.
    pub async fn whole(&self) -> Result<Vec<(String, Vec<u8>)>, ApiError> {
        let (scope, alloc) = (self.scope.get_value(), self.alloc.get_value());
        let short = alloc.get(..8).unwrap_or(&alloc).to_string();
        let mut files = Vec::new();
        for stream in self.streams() {
            match &stream {
                Stream::Log { task, log_type } => {
                    let bytes = whole_log(&self.client, &scope, &alloc, task, log_type).await?;
                    files.push((format!("{short}-{task}.{log_type}.log"), bytes));
                }
                Stream::File { path } => {
                    let bytes = read_raw(&self.client, &endpoints::fs_cat(&scope, &alloc, path)).await?;
                    files.push((stream.label().to_string(), bytes));
                }
            }
        }
        Ok(files)
    }
}

/// Feeds pending output to the viewer for about `budget_ms`; whether some is left.
fn take_in(core: &Core, budget_ms: f64) -> bool {
    let start = now_ms();
    let mut pending = core.pending.borrow_mut();
    let mut viewer = core.viewer.borrow_mut();
    while let Some((source, output)) = pending.pop_front() {
        let output = match output {
            Output::Text(mut text) if text.len() > PIECE => {
                let cut = (1..=PIECE).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(text.len());
                let rest = text.split_off(cut);
                pending.push_front((source, Output::Text(rest)));
                Output::Text(text)
            }
            other => other,
        };
        if let Output::Text(t) = &output {
            core.pending_bytes.set(core.pending_bytes.get().saturating_sub(t.len()));
        }
        viewer.ingest(source, vec![output]);
        if now_ms() - start > budget_ms {
            break;
        }
    }
    !pending.is_empty()
}

fn single_view(core: &Core) -> bool {
    core.streams.len() == 1
}
