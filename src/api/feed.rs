//! The event-fed engine for lists (allocations, jobs, nodes): a snapshot, then Nomad's event stream applied
//! row by row (`model::feed` has the rules and why they are exact), so a change costs the
//! bytes of one event, not a re-read of the whole list.
//!
//! - The first page (`per_page`, newest first) is painted before the rest of the snapshot
//!   arrives, in large pages.
//! - The stream holds one slot of the page-wide connection budget for as long as it is open;
//!   a hidden tab or a visible view needing the slot closes it, and coming back reads a fresh
//!   snapshot.
//! - A stream that ends, breaks, goes silent past its heartbeat, or sends a line that is not
//!   an event means a fresh subscription and snapshot; what is shown stays until it arrives.
//! - A stream refused for good (the token may not read it, the agent has none, or nothing
//!   arrives because a proxy buffers it) hands the view to the blocking-query engine, and the
//!   status line says so.
//! - Changes are shown at most every `PUBLISH_MS`: a busy cluster sends many events a second,
//!   and the list needs the result once per frame or so.

use super::backoff::Backoff;
use super::browser::{now_ms, random, sleep, until_visible, yield_now};
use super::client::{use_client, Client};
use super::decode::split_against;
use super::endpoints::{self, Read, Scope};
use super::error::ApiError;
use super::feed_mode::{refusal, silent_reason, unopened_reason, FeedMode, OPENING_TIMEOUT_S};
use super::fetch::Body;
use super::live::{decode_list, run, Apply, LastList, Live, LiveOptions, LiveState};
use super::slot::Slot;
use crate::model::alloc_list::AllocationRow;
use crate::model::feed::{AllocationFeed, EventList, Keep, NodeAllocations, OneAllocation};
use crate::model::job_feed::JobFeed;
use futures::channel::{mpsc, oneshot};
use futures::stream::FuturesUnordered;
use futures::{pin_mut, select, FutureExt, StreamExt};
use leptos::prelude::*;
use leptos::task::spawn_local_scoped_with_cancellation;
use nomad_api::event::{Events, LineSplitter, HEARTBEAT};
use nomad_api::query::QueryMeta;
use nomad_api::query::ALL_NAMESPACES;
use nomad_api::Allocation;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

/// Rows in the first page: more than a screenful.
const FIRST_PAGE: u32 = 200;
/// Rows in each later page of the snapshot.
const REST_PAGE: u32 = 25_000;
/// Shortest time between two updates of the list while events stream in.
const PUBLISH_MS: f64 = 50.0;
/// How long a follow-up read waits before it is sent, so that the burst of events that
/// called for it (a job's allocations placed one by one) is covered by one read.
const FOLLOW_UP_DELAY: Duration = Duration::from_millis(250);

/// What a feed reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedSpec {
    /// The list: `/v1/allocations` (paginated), or a node's `/v1/node/:id/allocations`.
    pub list: Read,
    /// The event stream; `None` keeps the view on blocking queries, for `why_not`.
    pub stream: Option<Read>,
    pub why_not: String,
    /// Which rows to keep.
    pub keep: Keep,
    /// `list` answers whole objects in one answer (a node's allocations), not stubs in pages.
    pub whole: bool,
    /// Pages are read newest first (`reverse=true`), for lists whose table is read in that
    /// order (see `Read::page`).
    pub reverse: bool,
}

impl FeedSpec {
    /// The allocations list `list` (`endpoints::allocations`, perhaps with a `filter`).
    pub fn allocations(scope: &Scope, list: Read) -> FeedSpec {
        // Events cannot be narrowed by an expression (the stream filters by topic and key
        // only, `nomad/stream/subscription.go`); the server narrows the list instead.
        let filtered = list.has_param("filter");
        FeedSpec {
            stream: (!filtered).then(|| endpoints::event_stream(scope, AllocationFeed::TOPICS)),
            why_not: if filtered { "a filter expression narrows the list on the server".into() } else { String::new() },
            list,
            keep: Keep::default(),
            whole: false,
            reverse: true,
        }
    }

    /// The jobs list `list` (`endpoints::jobs`, perhaps with a `filter`), with its jobs'
    /// summaries read as allocations and evaluations change. Pages in the list's own order:
    /// `Job.List` reads backwards only from 1.8.0 (`nomad/job_endpoint.go`).
    pub fn jobs(scope: &Scope, list: Read) -> FeedSpec {
        let filtered = list.has_param("filter");
        let namespace = scope.namespace_name();
        FeedSpec {
            stream: (!filtered).then(|| endpoints::event_stream(scope, JobFeed::TOPICS)),
            why_not: if filtered { "a filter expression narrows the list on the server".into() } else { String::new() },
            list,
            keep: Keep {
                namespace: (namespace != ALL_NAMESPACES).then(|| namespace.to_string()),
                region: scope.region.clone(),
                ..Keep::default()
            },
            whole: false,
            reverse: false,
        }
    }

    /// The nodes list `list` (`endpoints::nodes`, perhaps with a `filter`). Pages in ID
    /// order: `Node.List` never reads backwards (`nomad/node_endpoint.go`, 1.4.0 to 1.11.3).
    pub fn nodes(scope: &Scope, list: Read) -> FeedSpec {
        let filtered = list.has_param("filter");
        FeedSpec {
            stream: (!filtered).then(|| endpoints::node_event_stream(scope)),
            why_not: if filtered { "a filter expression narrows the list on the server".into() } else { String::new() },
            list,
            keep: Keep::default(),
            whole: false,
            reverse: false,
        }
    }

    /// One allocation (its page): `/v1/allocation/:id`, then its own events
    /// (`topic=Allocation:<id>`: the stream's key filter, `nomad/stream/subscription.go`).
    pub fn allocation(scope: &Scope, id: &str) -> FeedSpec {
        let list = endpoints::allocation(scope, id);
        let key = format!("{}:{id}", nomad_api::event::topic::ALLOCATION);
        // Every namespace: the allocation's own is not known before it is read (its ID
        // alone names it, `/v1/allocation/:id` takes no namespace), and the key narrows the
        // stream to it. A token that may not read every namespace is refused from 1.10.0
        // (`nomad/event_endpoint.go`), and the page falls back to blocking queries.
        let every = Scope { namespace: Some(ALL_NAMESPACES.to_string()), ..scope.clone() };
        FeedSpec {
            stream: Some(endpoints::event_stream(&every, &[&key])),
            why_not: String::new(),
            keep: Keep { one: Some(list.clone()), ..Keep::default() },
            list,
            whole: false,
            reverse: false,
        }
    }

    /// One node (its page): `/v1/node/:id`, then its own events (`topic=Node:<id>`). Node
    /// events have no namespace, so the scope's is not sent.
    pub fn one_node(scope: &Scope, id: &str) -> FeedSpec {
        let list = endpoints::node(scope, id);
        FeedSpec {
            stream: Some(endpoints::one_node_event_stream(scope, id)),
            why_not: String::new(),
            keep: Keep { one: Some(list.clone()), ..Keep::default() },
            list,
            whole: false,
            reverse: false,
        }
    }

    /// The allocations on one node, in the scope's namespace (all with `*`).
    pub fn node(scope: &Scope, node_id: &str) -> FeedSpec {
        let namespace = scope.namespace_name();
        FeedSpec {
            list: endpoints::node_allocations(scope, node_id),
            stream: Some(endpoints::event_stream(scope, AllocationFeed::TOPICS)),
            why_not: String::new(),
            keep: Keep {
                node: Some(node_id.to_string()),
                namespace: (namespace != ALL_NAMESPACES).then(|| namespace.to_string()),
                ..Keep::default()
            },
            whole: true,
            reverse: true,
        }
    }
}

/// A live allocations list fed by `spec` (`None`: nothing to read).
pub fn live_allocations(
    spec: impl Fn() -> Option<FeedSpec> + Send + Sync + 'static,
    options: LiveOptions,
) -> Live<Vec<Arc<AllocationRow>>> {
    live_feed::<AllocationFeed>(spec, options)
}

/// A node's allocations, live.
pub fn live_node_allocations(
    spec: impl Fn() -> Option<FeedSpec> + Send + Sync + 'static,
    options: LiveOptions,
) -> Live<Vec<Arc<AllocationRow>>> {
    live_feed::<NodeAllocations>(spec, options)
}

/// One allocation, live (a list of one: the engine is the lists').
pub fn live_allocation(
    spec: impl Fn() -> Option<FeedSpec> + Send + Sync + 'static,
    options: LiveOptions,
) -> Live<Vec<Arc<Allocation>>> {
    live_feed::<OneAllocation>(spec, options)
}

/// One node, live (a list of one, as an allocation's page).
pub fn live_node(
    spec: impl Fn() -> Option<FeedSpec> + Send + Sync + 'static,
    options: LiveOptions,
) -> Live<Vec<Arc<nomad_api::Node>>> {
    live_feed::<crate::model::node_feed::OneNode>(spec, options)
}

/// A live list of `L`'s rows fed by `spec` (`None`: nothing to read).
pub fn live_feed<L: EventList>(
    spec: impl Fn() -> Option<FeedSpec> + Send + Sync + 'static,
    options: LiveOptions,
) -> Live<Vec<Arc<L::Row>>> {
    let client = use_client();
    let data = RwSignal::new(None);
    let state = RwSignal::new(LiveState { loading: true, ..LiveState::default() });
    let spec = Memo::new(move |_| spec());
    Effect::new(move |previous: Option<Option<FeedSpec>>| {
        let current = spec.get();
        // A new token or agent: subscribe again, keeping what is shown until the answer comes.
        client.token.track();
        client.address.track();
        if previous.as_ref().is_some_and(|p| *p != current) {
            data.set(None);
            state.set(LiveState { loading: true, ..LiveState::default() });
        }
        if let Some(spec) = current.clone() {
            // Cancelled when this effect re-runs or its view is disposed.
            spawn_local_scoped_with_cancellation(feed::<L>(client, spec, options, data, state));
        }
        current
    });
    Live { data: data.read_only(), state: state.read_only() }
}

type Rows<R> = RwSignal<Option<Arc<Vec<Arc<R>>>>>;

/// How a session with the stream ended.
enum End {
    /// The stream cannot be had: blocking queries from now on.
    Refused(String),
    Hidden,
    Preempted,
    /// Passing trouble: subscribe and read a snapshot again.
    Failed(ApiError),
    /// The stream ended before its opening line: what Nomad 1.11 does when its event broker
    /// is disabled (the answer is already 200 when the error comes; earlier releases send
    /// 500 `EventBroker not configured`). Twice in a row counts as a refusal.
    Unopened(ApiError),
}

async fn feed<L: EventList>(
    client: Client,
    spec: FeedSpec,
    options: LiveOptions,
    data: Rows<L::Row>,
    state: RwSignal<LiveState>,
) {
    let Some(stream) = spec.stream.clone() else {
        let why = spec.why_not.clone();
        return blocking::<L>(client, spec, options, data, state, why).await;
    };
    let mut backoff = Backoff::default();
    let mut unopened = 0;
    loop {
        until_visible(true).await;
        let mut slot = Slot::acquire(options.priority).await;
        let end = session::<L>(&client, &spec, &stream, &mut slot, data, state, &mut backoff).await;
        drop(slot);
        let error = match end {
            End::Refused(why) => return blocking::<L>(client, spec, options, data, state, why).await,
            End::Hidden | End::Preempted => continue,
            End::Unopened(_) if unopened >= 1 => {
                return blocking::<L>(client, spec, options, data, state, unopened_reason()).await
            }
            End::Unopened(e) => {
                unopened += 1;
                e
            }
            // The list itself refused (403) or gone (404): shown, and not asked again.
            End::Failed(e) if e.is_permanent() => {
                state.update(|s| {
                    s.loading = false;
                    s.error = Some(e);
                    s.retry_at_ms = None;
                    s.attempts += 1;
                });
                return;
            }
            End::Failed(e) => {
                unopened = 0;
                e
            }
        };
        let delay = backoff.next_delay(random());
        state.update(|s| {
            s.loading = false;
            s.error = Some(error);
            s.retry_at_ms = Some(now_ms() + delay.as_millis() as f64);
            s.attempts += 1;
        });
        sleep(delay).await;
    }
}

/// One subscription: open, snapshot, then events until it ends.
async fn session<L: EventList>(
    client: &Client,
    spec: &FeedSpec,
    stream: &Read,
    slot: &mut Slot,
    data: Rows<L::Row>,
    state: RwSignal<LiveState>,
    backoff: &mut Backoff,
) -> End {
    let hidden = until_visible(false).fuse();
    let preempted = slot.preempted().fuse();
    pin_mut!(hidden, preempted);

    // 1. Subscribe, and wait for the opening `{}`: from then on every write is sent. The
    //    first page is read meanwhile and shown if nothing is yet, so first rows never wait
    //    for the stream (it is read again in the snapshot, after the opening).
    let opening = client.stream(stream).fuse();
    let timeout = sleep(Duration::from_secs(OPENING_TIMEOUT_S)).fuse();
    let preview = async {
        if spec.whole || spec.keep.one.is_some() || data.with_untracked(Option::is_some) {
            return std::future::pending().await;
        }
        let first = client.get(&spec.list.page(Some(FIRST_PAGE), None, spec.reverse), None, Duration::ZERO).await?;
        let rows = decode_list(first.body, Rc::new(RefCell::new(LastList::default()))).await?;
        Ok::<_, ApiError>((rows, first.meta))
    }
    .fuse();
    pin_mut!(opening, timeout, preview);
    let mut chunks: Option<(Chunks, oneshot::Sender<()>)> = None;
    let mut lines = LineSplitter::default();
    let mut held: Vec<Events<L::Payload>> = Vec::new();
    while held.is_empty() {
        let next = async {
            match chunks.as_mut() {
                Some((rx, _)) => rx.next().await,
                None => std::future::pending().await,
            }
        }
        .fuse();
        pin_mut!(next);
        select! {
            opened = opening => match opened {
                Ok(body) => chunks = Some(read_in_background(body)),
                Err(e) => return refusal(&e).map_or(End::Failed(e), End::Refused),
            },
            chunk = next => match take::<L>(chunk, &mut lines) {
                Ok(batches) => held.extend(batches),
                Err(e) => return End::Unopened(e),
            },
            shown = preview => {
                if let Ok((rows, mut meta)) = shown {
                    if data.with_untracked(Option::is_none) {
                        publish(&L::new(rows, meta.last_index, &spec.keep), &mut meta, data, state, true);
                    }
                }
            },
            _ = timeout => return End::Refused(silent_reason()),
            _ = hidden => return End::Hidden,
            _ = preempted => return End::Preempted,
        }
    }
    let Some((mut chunks, _stop)) = chunks else { return End::Failed(ApiError::Network("no event stream".into())) };

    // 2. The snapshot, with the stream's batches held meanwhile.
    let snapshot = read_snapshot::<L>(client, spec, data, state).fuse();
    pin_mut!(snapshot);
    let (mut feed, meta) = loop {
        select! {
            read = snapshot => match read {
                Ok(read) => break read,
                Err(e) => return End::Failed(e),
            },
            chunk = chunks.next() => match take::<L>(chunk, &mut lines) {
                Ok(batches) => held.extend(batches),
                Err(e) => return End::Failed(e),
            },
            _ = hidden => return End::Hidden,
            _ = preempted => return End::Preempted,
        }
    };
    for batch in held {
        feed.apply(batch);
    }
    backoff.reset();
    let mut meta = meta;
    publish(&feed, &mut meta, data, state, false);

    // 3. Events, each applied to its row; the list shown at most every PUBLISH_MS.
    let silence_limit = (HEARTBEAT + Duration::from_secs(15)).as_millis() as f64;
    let mut last_data = now_ms();
    let mut last_publish = now_ms();
    let mut dirty = false;
    // Reads events call for (a job's summary), answered while events keep coming.
    let mut follow_ups = FuturesUnordered::new();
    loop {
        for (key, read) in feed.follow_ups() {
            let client = *client;
            follow_ups.push(async move {
                sleep(FOLLOW_UP_DELAY).await;
                (key, client.get(&read, None, Duration::ZERO).await)
            });
        }
        let due = if dirty { (last_publish + PUBLISH_MS - now_ms()).max(0.0) } else { 5_000.0 };
        let tick = sleep(Duration::from_millis(due as u64)).fuse();
        pin_mut!(tick);
        select! {
            chunk = chunks.next() => {
                last_data = now_ms();
                match take::<L>(chunk, &mut lines) {
                    Ok(batches) => {
                        for batch in batches {
                            dirty |= feed.apply(batch);
                        }
                    }
                    Err(e) => {
                        if dirty {
                            publish(&feed, &mut meta, data, state, false);
                        }
                        return End::Failed(e);
                    }
                }
            },
            (key, answer) = follow_ups.select_next_some() => {
                // A failed follow-up leaves the row as it was; the next event asks again.
                match answer {
                    Ok(answer) => dirty |= feed.take_follow_up(&key, &answer.body).unwrap_or(false),
                    Err(ApiError::NotFound(_)) => dirty |= feed.follow_up_missing(&key),
                    Err(_) => feed.follow_up_failed(&key),
                }
            },
            _ = tick => {
                if dirty && now_ms() - last_publish >= PUBLISH_MS {
                    publish(&feed, &mut meta, data, state, false);
                    last_publish = now_ms();
                    dirty = false;
                } else if !dirty && now_ms() - last_data > silence_limit {
                    return End::Failed(ApiError::Network("the event stream went silent".into()));
                }
            },
            _ = hidden => return End::Hidden,
            _ = preempted => return End::Preempted,
        }
    }
}

/// Shows the feed's rows.
fn publish<L: EventList>(
    feed: &L,
    meta: &mut QueryMeta,
    data: Rows<L::Row>,
    state: RwSignal<LiveState>,
    filling: bool,
) {
    meta.last_index = feed.index();
    data.set(Some(Arc::new(feed.rows())));
    let meta = *meta;
    state.update(|s| {
        s.loading = false;
        s.error = None;
        s.last_ok_ms = Some(now_ms());
        s.retry_at_ms = None;
        s.meta = Some(meta);
        s.mode = Some(FeedMode::Events);
        s.filling = filling;
    });
}

/// The lines a chunk completes, as event batches; the stream's end or a line that is not an
/// event batch is an error (the session starts over).
fn take<L: EventList>(
    chunk: Option<Result<Option<Vec<u8>>, ApiError>>,
    lines: &mut LineSplitter,
) -> Result<Vec<Events<L::Payload>>, ApiError> {
    let bytes = match chunk {
        Some(Ok(Some(bytes))) => bytes,
        Some(Err(e)) => return Err(e),
        Some(Ok(None)) | None => return Err(ApiError::Network("the event stream ended".into())),
    };
    lines
        .push(&bytes)
        .iter()
        .map(|line| {
            L::decode_batch(line)
                .map_err(|e| ApiError::Malformed(format!("a line of the event stream is not an event batch: {e}")))
        })
        .collect()
}

type Chunks = mpsc::UnboundedReceiver<Result<Option<Vec<u8>>, ApiError>>;

/// Reads the body into a channel, so that waiting on it can be given up without losing a
/// chunk (a pending read's chunk would be lost with its future). Dropping the returned
/// sender stops the reader and aborts the request.
fn read_in_background(mut body: Body) -> (Chunks, oneshot::Sender<()>) {
    let (tx, rx) = mpsc::unbounded();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    wasm_bindgen_futures::spawn_local(async move {
        let mut stop = stop_rx.fuse();
        loop {
            let next = body.next().fuse();
            pin_mut!(next);
            let read = select! {
                read = next => read,
                _ = stop => return,
            };
            let ended = !matches!(read, Ok(Some(_)));
            if tx.unbounded_send(read).is_err() || ended {
                return;
            }
        }
    });
    (rx, stop_tx)
}

/// The snapshot: the first page shown at once, then the rest; or a node's allocations.
async fn read_snapshot<L: EventList>(
    client: &Client,
    spec: &FeedSpec,
    data: Rows<L::Row>,
    state: RwSignal<LiveState>,
) -> Result<(L, QueryMeta), ApiError> {
    if spec.keep.one.is_some() {
        let answer = client.get(&spec.list, None, Duration::ZERO).await?;
        let row = L::one_row(&answer.body).map_err(ApiError::Malformed)?;
        return Ok((L::new(vec![Arc::new(row)], answer.meta.last_index, &spec.keep), answer.meta));
    }
    if L::WHOLE && spec.whole {
        let answer = client.get(&spec.list, None, Duration::ZERO).await?;
        let rows = decode_whole::<L>(answer.body, &spec.keep).await?;
        return Ok((L::new(rows, answer.meta.last_index, &spec.keep), answer.meta));
    }
    let first = client.get(&spec.list.page(Some(FIRST_PAGE), None, spec.reverse), None, Duration::ZERO).await?;
    let mut meta = first.meta;
    let mut next = first.next_token.clone();
    let rows = decode_list(first.body, Rc::new(RefCell::new(LastList::default()))).await?;
    let mut feed = L::new(rows, meta.last_index, &spec.keep);
    while let Some(token) = next {
        publish(&feed, &mut meta, data, state, true);
        let page =
            client.get(&spec.list.page(Some(REST_PAGE), Some(&token), spec.reverse), None, Duration::ZERO).await?;
        next = page.next_token.clone();
        feed.merge(decode_list(page.body, Rc::new(RefCell::new(LastList::default()))).await?);
    }
    Ok((feed, meta))
}

/// An answer of whole objects (a node's allocations) as rows, decoded in slices so a long
/// list never blocks the page.
async fn decode_whole<L: EventList>(body: Vec<u8>, keep: &Keep) -> Result<Vec<Arc<L::Row>>, ApiError> {
    let split = split_against(None, &body).map_err(ApiError::Malformed)?;
    let mut rows = Vec::with_capacity(split.len());
    let mut slice_start = now_ms();
    for (i, (range, _)) in split.into_iter().enumerate() {
        if let Some(row) = L::whole_row(&body, range, keep).map_err(ApiError::Malformed)? {
            rows.push(Arc::new(row));
        }
        if i % 32 == 31 && now_ms() - slice_start > 8.0 {
            yield_now().await;
            slice_start = now_ms();
        }
    }
    Ok(rows)
}

/// The blocking-query engine on the same list, for when the stream cannot be had.
async fn blocking<L: EventList>(
    client: Client,
    spec: FeedSpec,
    options: LiveOptions,
    data: Rows<L::Row>,
    state: RwSignal<LiveState>,
    why: String,
) {
    state.update(|s| s.mode = Some(FeedMode::Blocking(why)));
    let last = Rc::new(RefCell::new(LastList::default()));
    let (keep, whole) = (spec.keep.clone(), L::WHOLE && spec.whole);
    let apply: Apply = Rc::new(move |body| {
        let (last, keep) = (last.clone(), keep.clone());
        Box::pin(async move {
            let rows = if keep.one.is_some() {
                vec![Arc::new(L::one_row(&body).map_err(ApiError::Malformed)?)]
            } else if whole {
                decode_whole::<L>(body, &keep).await?
            } else {
                decode_list(body, last).await?
            };
            // Kept as a feed would keep them (a node's page).
            let rows = L::new(rows, 0, &keep).rows();
            data.set(Some(Arc::new(rows)));
            Ok(())
        })
    });
    run(client, spec.list, options, apply, state).await
}
