//! A request body with a read deadline. A client that sends a head with `Content-Length:
//! 1000000` and then a byte every few seconds would otherwise hold its connection and the
//! handler reading the body for as long as it likes. The body must arrive within the body read
//! timeout plus one second per [`BODY_MIN_RATE`] bytes received (a large body that keeps
//! arriving at a fair rate is never cut, a trickle is), and never pause longer than the stall
//! timeout. Past either, the handler's read fails and the connection answers 408 and closes
//! (see `serve_connection`).

use crate::{Limits, BODY_MIN_RATE};
use axum::body::Bytes;
use hyper::body::Incoming;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// The error a handler's body read gets once the deadline has passed.
#[derive(Debug)]
pub(crate) struct BodyTooSlow;

impl std::fmt::Display for BodyTooSlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the request body did not arrive in time")
    }
}

impl std::error::Error for BodyTooSlow {}

pub(crate) struct DeadlineBody {
    inner: Incoming,
    started: Instant,
    received: u64,
    read_timeout: Duration,
    stall_timeout: Duration,
    timer: Pin<Box<Sleep>>,
    /// Set when the deadline passed, for the connection to answer 408.
    expired: Arc<AtomicBool>,
}

impl DeadlineBody {
    pub(crate) fn new(inner: Incoming, limits: &Limits, expired: Arc<AtomicBool>) -> Self {
        let started = Instant::now();
        let mut body = DeadlineBody {
            inner,
            started,
            received: 0,
            read_timeout: limits.body_read_timeout,
            stall_timeout: limits.body_stall_timeout,
            timer: Box::pin(tokio::time::sleep_until(started)),
            expired,
        };
        let deadline = body.deadline(started);
        body.timer.as_mut().reset(deadline);
        body
    }

    /// The earlier of the whole body's deadline (extended by what arrived) and the end of the
    /// longest pause allowed from `now`.
    fn deadline(&self, now: Instant) -> Instant {
        let earned = Duration::from_secs_f64(self.received as f64 / BODY_MIN_RATE as f64);
        (self.started + self.read_timeout + earned).min(now + self.stall_timeout)
    }
}

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if this.expired.load(Ordering::Relaxed) {
            return Poll::Ready(Some(Err(BodyTooSlow.into())));
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.received = this.received.saturating_add(data.len() as u64);
                }
                let deadline = this.deadline(Instant::now());
                this.timer.as_mut().reset(deadline);
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => {
                if this.timer.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                tracing::debug!(received = this.received, "a request body did not arrive in time");
                this.expired.store(true, Ordering::Relaxed);
                Poll::Ready(Some(Err(BodyTooSlow.into())))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
