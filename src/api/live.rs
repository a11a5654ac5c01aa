//! The blocking-query engine: one loop per live view, feeding two signals.
//!
//! What to read next and when is decided by `query_loop` (pure, tested natively); this loop
//! performs its steps in the browser:
//! - The first read has no index; each next one blocks with `index` = the last
//!   `X-Nomad-Index` and an explicit `wait`. The view's data changes only when the body did.
//! - An index going backwards (agent restarted) starts over: the new answer replaces the old,
//!   and the next read is a fresh one.
//! - Errors keep the data shown, mark it stale with the time of the last good read, and
//!   retry with backoff (about 1 s growing to 30 s, jittered); after an error the next read is
//!   a fresh one, without index.
//! - The loop runs under its view's owner: when the view goes away the loop is cancelled and
//!   its request aborted. While the tab is hidden nothing is requested (an open long poll is
//!   aborted); when it is visible again, a fresh read.
//! - Long polls wait for a slot of the page-wide budget (`slot`); visible views go first.
//! - Endpoints without blocking queries are polled at an interval instead.

use super::browser::{now_ms, random, sleep, until_visible, visible, yield_now};
use super::budget::Priority;
use super::client::{decode, use_client, Client};
use super::decode::{decode_element, fingerprint, split_against, SplitBody};
use super::endpoints::Read;
use super::error::ApiError;
use super::feed_mode::FeedMode;
use super::query_loop::{QueryLoop, Step, Verdict};
use super::slot::Slot;
use futures::{pin_mut, select, FutureExt};
use leptos::prelude::*;
use leptos::task::spawn_local_scoped_with_cancellation;
use nomad_api::query::QueryMeta;
use serde::de::DeserializeOwned;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

/// A blocking query's `wait`: below the 60 s read timeout of common reverse proxies, even
/// with the up to wait/16 jitter Nomad adds.
pub const WAIT: Duration = Duration::from_secs(50);

/// A `X-Nomad-LastContact` above this is shown: the answering server may be behind.
pub const HIGH_LAST_CONTACT_MS: u64 = 5_000;

/// How a live view is doing, besides its data.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LiveState {
    /// No answer yet for the current query.
    pub loading: bool,
    /// The latest attempt failed; the data, if any, is from `last_ok_ms`.
    pub error: Option<ApiError>,
    pub last_ok_ms: Option<f64>,
    /// When the next attempt is due after a failure (none: it will not retry by itself).
    pub retry_at_ms: Option<f64>,
    /// Metadata of the last good answer of a blocking endpoint.
    pub meta: Option<QueryMeta>,
    /// Attempts completed, good or failed (charts count them to draw gaps).
    pub attempts: u64,
    /// How a list fed by `feed` is kept live; `None` for every other view.
    pub mode: Option<FeedMode>,
    /// The first page is shown and the rest of the list is still arriving.
    pub filling: bool,
}

impl LiveState {
    /// The data on screen is older than the latest attempt.
    pub fn stale(&self) -> bool {
        self.error.is_some() && self.last_ok_ms.is_some()
    }
}

/// A live view's data and state. Copy it freely.
pub struct Live<T: Send + Sync + 'static> {
    pub data: ReadSignal<Option<Arc<T>>>,
    pub state: ReadSignal<LiveState>,
}

impl<T: Send + Sync + 'static> Clone for Live<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: Send + Sync + 'static> Copy for Live<T> {}

#[derive(Debug, Clone, Copy)]
pub struct LiveOptions {
    pub priority: Priority,
    /// Poll at this interval even if the endpoint supports blocking queries (stats).
    pub every: Option<Duration>,
}

impl LiveOptions {
    pub const FOREGROUND: LiveOptions = LiveOptions { priority: Priority::Foreground, every: None };
    pub const BACKGROUND: LiveOptions = LiveOptions { priority: Priority::Background, every: None };

    pub fn every(d: Duration) -> Self {
        LiveOptions { priority: Priority::Foreground, every: Some(d) }
    }
}

/// Decodes a body and shows it. The loop itself is not generic, so it is compiled once, not
/// once per data type (wasm size).
pub(super) type Apply = Rc<dyn Fn(Vec<u8>) -> Pin<Box<dyn Future<Output = Result<(), ApiError>>>>>;

type Decode<T> = Rc<dyn Fn(Vec<u8>) -> Pin<Box<dyn Future<Output = Result<T, ApiError>>>>>;

/// A live view of a single object. `read` returning `None` means "nothing to read".
pub fn live<T>(read: impl Fn() -> Option<Read> + Send + Sync + 'static, options: LiveOptions) -> Live<T>
where
    T: DeserializeOwned + Send + Sync + 'static,
{
    start(read, options, Rc::new(|body| Box::pin(async move { decode::<T>(&body) })))
}

/// A live view of a list, decoded in slices so a large one never blocks the page. Elements
/// whose bytes did not change since the last answer are reused, not decoded again: a
/// blocking query over 10,000 allocations answers with all of them for every change.
pub fn live_list<E>(read: impl Fn() -> Option<Read> + Send + Sync + 'static, options: LiveOptions) -> Live<Vec<Arc<E>>>
where
    E: DeserializeOwned + Send + Sync + 'static,
{
    let last = Rc::new(RefCell::new(LastList::default()));
    start(read, options, Rc::new(move |body| Box::pin(decode_list::<E>(body, last.clone()))))
}

/// The last answer of a list, split, and its decoded elements.
pub(super) struct LastList<E> {
    body: SplitBody,
    elements: Vec<Arc<E>>,
}

impl<E> Default for LastList<E> {
    fn default() -> Self {
        LastList { body: SplitBody::default(), elements: Vec::new() }
    }
}

/// Decodes in batches of about 8 ms, yielding to the browser in between.
pub(super) async fn decode_list<E: DeserializeOwned>(
    body: Vec<u8>,
    last: Rc<RefCell<LastList<E>>>,
) -> Result<Vec<Arc<E>>, ApiError> {
    let previous = last.take();
    let split = split_against(Some(&previous.body), &body).map_err(ApiError::Malformed)?;
    let mut out = Vec::with_capacity(split.len());
    let (mut slice_start, mut decoded) = (now_ms(), 0usize);
    for (range, same) in &split {
        let element = match same.and_then(|k| previous.elements.get(k)) {
            Some(element) => element.clone(),
            None => {
                let element = Arc::new(decode_element(&body, range.clone()).map_err(ApiError::Malformed)?);
                decoded += 1;
                if decoded % 32 == 0 && now_ms() - slice_start > 8.0 {
                    yield_now().await;
                    slice_start = now_ms();
                }
                element
            }
        };
        out.push(element);
    }
    let ranges = split.into_iter().map(|(range, _)| range).collect();
    last.replace(LastList { body: SplitBody { bytes: body, ranges }, elements: out.clone() });
    Ok(out)
}

fn start<T: Send + Sync + 'static>(
    read: impl Fn() -> Option<Read> + Send + Sync + 'static,
    options: LiveOptions,
    decode: Decode<T>,
) -> Live<T> {
    let client = use_client();
    let data = RwSignal::new(None);
    let state = RwSignal::new(LiveState { loading: true, ..LiveState::default() });
    let apply: Apply = Rc::new(move |body| {
        let decoded = decode(body);
        Box::pin(async move {
            data.set(Some(Arc::new(decoded.await?)));
            Ok(())
        })
    });
    let read = Memo::new(move |_| read());
    Effect::new(move |previous: Option<Option<Read>>| {
        let current = read.get();
        // A new token or agent: read again, keeping what is shown until the answer comes.
        client.token.track();
        client.address.track();
        if previous.as_ref().is_some_and(|p| *p != current) {
            data.set(None);
            state.set(LiveState { loading: true, ..LiveState::default() });
        }
        if let Some(r) = current.clone() {
            // Cancelled when this effect re-runs or its view is disposed.
            spawn_local_scoped_with_cancellation(run(client, r, options, apply.clone(), state));
        }
        current
    });
    Live { data: data.read_only(), state: state.read_only() }
}

enum Outcome {
    Answer(Result<super::fetch::Answer, ApiError>),
    Hidden,
    Preempted,
}

/// Performs the steps `QueryLoop` decides, and reports back what happened.
pub(super) async fn run(client: Client, read: Read, options: LiveOptions, apply: Apply, state: RwSignal<LiveState>) {
    let mut machine = QueryLoop::new(read.blocking, options.every, visible().get_untracked());
    loop {
        let index = match machine.next() {
            Step::Stop => return,
            Step::UntilVisible => {
                until_visible(true).await;
                machine.visible();
                continue;
            }
            Step::Wait(delay) => {
                sleep(delay).await;
                machine.timer();
                continue;
            }
            Step::Read { index } => index,
        };
        if !visible().get_untracked() {
            machine.hidden();
            continue;
        }
        let mut slot = match index {
            Some(_) => Some(Slot::acquire(options.priority).await),
            None => None,
        };
        let outcome = {
            let request = client.get(&read, index, WAIT).fuse();
            let hidden = until_visible(false).fuse();
            let preempted = async {
                match slot.as_mut() {
                    Some(s) => s.preempted().await,
                    None => std::future::pending().await,
                }
            }
            .fuse();
            pin_mut!(request, hidden, preempted);
            select! {
                r = request => Outcome::Answer(r),
                _ = hidden => Outcome::Hidden,
                _ = preempted => Outcome::Preempted,
            }
        };
        // The connection is free again (or the request was aborted by dropping it).
        drop(slot);
        let result = match outcome {
            Outcome::Answer(r) => r,
            Outcome::Hidden => {
                machine.hidden();
                continue;
            }
            Outcome::Preempted => {
                machine.preempted();
                continue;
            }
        };
        let result = match result {
            Ok(answer) => {
                let meta = answer.meta;
                match machine.answer(meta.last_index, || fingerprint(&answer.body)) {
                    Verdict::Show { print } => apply(answer.body).await.map(|()| (meta, Some(print))),
                    Verdict::Same => Ok((meta, None)),
                }
            }
            Err(e) => Err(e),
        };
        match result {
            Ok((meta, shown)) => {
                machine.succeeded(meta.last_index, shown);
                state.update(|s| {
                    s.loading = false;
                    s.error = None;
                    s.last_ok_ms = Some(now_ms());
                    s.retry_at_ms = None;
                    s.meta = machine.blocking().then_some(meta);
                    s.attempts += 1;
                });
            }
            Err(e) => {
                let delay = machine.failed(e.is_permanent(), random());
                state.update(|s| {
                    s.loading = false;
                    s.error = Some(e);
                    s.retry_at_ms = delay.map(|d| now_ms() + d.as_millis() as f64);
                    s.attempts += 1;
                });
            }
        }
    }
}
