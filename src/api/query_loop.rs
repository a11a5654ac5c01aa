//! The decisions of a live view's read loop, as a pure state machine, so that they are tested
//! natively: the loop in `live` (wasm) only performs the steps this machine names and reports
//! back what happened (an answer with its index, an error, the tab hidden or shown again, a
//! timer run out, a long poll preempted).
//!
//! The index rules follow Nomad's and Consul's blocking queries:
//! - A read without `index` answers at once; `QueryMeta.LastIndex` (`X-Nomad-Index`) of an
//!   answer is the `WaitIndex` (`?index=`) of the next read, which then blocks until the state
//!   passes it or `wait` runs out (Nomad's `api/api.go`: `QueryOptions.WaitIndex`,
//!   `QueryMeta.LastIndex`, and `setQueryOptions` sends `index` only when it is not 0).
//! - A blocking read may answer with no change at all (the wait ran out): same index, same data
//!   (`website/content/api-docs/index.mdx`, "Blocking Queries").
//! - Index 0 never blocks (`nomad/rpc.go` `blockingRPC`: "Fast path non-blocking" when
//!   `MinQueryIndex == 0`), so an answer with index 0 is waited past 1, never spun on
//!   (Consul's API docs, "Blocking Queries", Implementation Details: sanity-check that the
//!   index is greater than zero; Nomad's own docs share the rest of that page's text).
//! - An index going backwards (agent restarted, snapshot restored) resets the index to 0:
//!   the answer replaces what is shown and the next read is a fresh one (same page: reset the
//!   index if it goes backwards).
//!
//! And the dashboard's own: after an error, retry with backoff (`backoff`) and read fresh; a
//! 403 or 404 stops until the query, token or agent changes; while the tab is hidden nothing is
//! requested, and a fresh read follows when it is visible again; long polls (reads with an
//! index) need a slot of the page-wide budget (`budget`), and one preempted queues again with
//! the same index.

use super::backoff::Backoff;
use std::time::Duration;

/// What the loop does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The tab is hidden: request nothing; report `visible` when it is shown again.
    UntilVisible,
    /// Send a read. With `index` it blocks past that index: a long poll, which first takes a
    /// slot of the page-wide budget. Without, a fresh read that answers at once.
    Read { index: Option<u64> },
    /// Wait this long (backoff after an error, or the polling interval), then report `timer`.
    Wait(Duration),
    /// Nothing more until the query, the token or the agent changes (a new loop).
    Stop,
}

impl Step {
    /// A read that holds a connection for up to its `wait`.
    pub fn long_poll(&self) -> bool {
        matches!(self, Step::Read { index: Some(_) })
    }
}

/// How an answer's body relates to what is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Show it (decode and replace the data); its fingerprint is `print`.
    Show { print: u64 },
    /// The same data as shown: keep it, decode nothing.
    Same,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Read,
    Wait(Duration),
    Stopped,
}

#[derive(Debug, Clone)]
pub struct QueryLoop {
    /// The endpoint answers blocking queries and the view wants them (not an interval poll).
    blocking: bool,
    /// Poll at this interval (endpoints without blocking queries, or stats); none: read once.
    every: Option<Duration>,
    phase: Phase,
    visible: bool,
    /// The next read blocks past this index; `None`: a fresh read.
    index: Option<u64>,
    /// `X-Nomad-Index` of the last good answer.
    last_index: Option<u64>,
    /// Fingerprint of the body shown.
    shown: Option<u64>,
    backoff: Backoff,
}

impl QueryLoop {
    pub fn new(blocking: bool, every: Option<Duration>, visible: bool) -> Self {
        QueryLoop {
            blocking: blocking && every.is_none(),
            every,
            phase: Phase::Read,
            visible,
            index: None,
            last_index: None,
            shown: None,
            backoff: Backoff::default(),
        }
    }

    /// Whether this loop long-polls (its answers carry meta worth showing).
    pub fn blocking(&self) -> bool {
        self.blocking
    }

    pub fn next(&self) -> Step {
        match self.phase {
            Phase::Stopped => Step::Stop,
            Phase::Wait(delay) => Step::Wait(delay),
            Phase::Read if !self.visible => Step::UntilVisible,
            Phase::Read => Step::Read { index: self.index },
        }
    }

    /// A good answer arrived with this `X-Nomad-Index`: must its body be shown? `print` computes
    /// the body's fingerprint; it is not called when the index alone says nothing changed.
    pub fn answer(&self, last_index: u64, print: impl FnOnce() -> u64) -> Verdict {
        let backwards = self.last_index.is_some_and(|i| last_index < i);
        if backwards {
            // A restarted agent: its state replaces ours even if it looks the same.
            return Verdict::Show { print: print() };
        }
        if self.blocking && self.shown.is_some() && self.last_index == Some(last_index) {
            // The wait ran out without a change.
            return Verdict::Same;
        }
        let print = print();
        if self.shown == Some(print) {
            Verdict::Same
        } else {
            Verdict::Show { print }
        }
    }

    /// The answer judged by `answer` is on screen (`shown`: the fingerprint of a body shown
    /// now; `None` when it was the same).
    pub fn succeeded(&mut self, last_index: u64, shown: Option<u64>) {
        let backwards = self.last_index.is_some_and(|i| last_index < i);
        if shown.is_some() {
            self.shown = shown;
        }
        self.last_index = Some(last_index);
        self.backoff.reset();
        self.phase = if self.blocking {
            Phase::Read
        } else {
            match self.every {
                Some(every) => Phase::Wait(every),
                None => Phase::Stopped,
            }
        };
        self.index = match (self.blocking, backwards) {
            (false, _) => None,
            // Reset to 0: the next read answers at once with the new state and index.
            (true, true) => None,
            // Index 0 would not block: never spin.
            (true, false) => Some(last_index.max(1)),
        };
    }

    /// The read (or decoding its answer) failed. Returns when to retry, or `None` when the
    /// loop stops (a 403 or 404 stays so until the token or the query changes, which starts
    /// a new loop). `random` is in `[0, 1)`, for the backoff's jitter.
    pub fn failed(&mut self, permanent: bool, random: f64) -> Option<Duration> {
        self.index = None;
        if permanent {
            self.phase = Phase::Stopped;
            return None;
        }
        let delay = self.backoff.next_delay(random);
        self.phase = Phase::Wait(delay);
        Some(delay)
    }

    /// The wait of a `Step::Wait` ran out.
    pub fn timer(&mut self) {
        if let Phase::Wait(_) = self.phase {
            self.phase = Phase::Read;
        }
    }

    /// The tab was hidden (an open read is aborted): a fresh read when it is visible again,
    /// since a long poll held across hours would show nothing the fresh read does not.
    pub fn hidden(&mut self) {
        self.visible = false;
        self.index = None;
    }

    pub fn visible(&mut self) {
        self.visible = true;
    }

    /// A visible view took this long poll's slot (its request was aborted): queue again,
    /// blocking on the same index.
    pub fn preempted(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::super::budget::{Budget, Priority};
    use super::*;

    fn blocking() -> QueryLoop {
        QueryLoop::new(true, None, true)
    }

    /// Feeds a good answer, showing it when the machine says so.
    fn answer(m: &mut QueryLoop, index: u64, body: u64) -> Verdict {
        let verdict = m.answer(index, || body);
        let shown = match verdict {
            Verdict::Show { print } => Some(print),
            Verdict::Same => None,
        };
        m.succeeded(index, shown);
        verdict
    }

    #[test]
    fn first_read_is_fresh_then_blocks_on_the_last_index() {
        let mut m = blocking();
        assert_eq!(m.next(), Step::Read { index: None });
        assert!(!m.next().long_poll());
        assert_eq!(answer(&mut m, 7, 100), Verdict::Show { print: 100 });
        assert_eq!(m.next(), Step::Read { index: Some(7) });
        assert!(m.next().long_poll());
        // The wait ran out: same index, nothing decoded, the body not even fingerprinted.
        assert_eq!(m.answer(7, || unreachable!("no fingerprint needed")), Verdict::Same);
        m.succeeded(7, None);
        assert_eq!(m.next(), Step::Read { index: Some(7) });
        // A change elsewhere in the cluster: a new index, the same body.
        assert_eq!(answer(&mut m, 9, 100), Verdict::Same);
        assert_eq!(m.next(), Step::Read { index: Some(9) });
        assert_eq!(answer(&mut m, 12, 101), Verdict::Show { print: 101 });
        assert_eq!(m.next(), Step::Read { index: Some(12) });
    }

    #[test]
    fn index_zero_is_waited_past_one() {
        // nomad/rpc.go (v1.11.3) blockingRPC: MinQueryIndex 0 never blocks; api/api.go sends no
        // `index` for a WaitIndex of 0. Blocking on 0 would spin.
        let mut m = blocking();
        answer(&mut m, 0, 1);
        assert_eq!(m.next(), Step::Read { index: Some(1) });
    }

    #[test]
    fn index_going_backwards_replaces_the_data_and_reads_fresh() {
        // Consul's blocking-query guidance: reset the index to 0 when it goes backwards.
        let mut m = blocking();
        answer(&mut m, 50, 7);
        assert_eq!(m.next(), Step::Read { index: Some(50) });
        // The restarted agent's state is shown even when its body looks the same.
        assert_eq!(answer(&mut m, 3, 7), Verdict::Show { print: 7 });
        assert_eq!(m.next(), Step::Read { index: None });
        // From the fresh answer on, it blocks on the new, lower index.
        assert_eq!(answer(&mut m, 3, 7), Verdict::Same);
        assert_eq!(m.next(), Step::Read { index: Some(3) });
        assert_eq!(answer(&mut m, 4, 8), Verdict::Show { print: 8 });
        assert_eq!(m.next(), Step::Read { index: Some(4) });
    }

    #[test]
    fn errors_back_off_and_read_fresh_until_one_succeeds() {
        let mut m = blocking();
        answer(&mut m, 10, 1);
        let delays: Vec<u128> = (0..7)
            .map(|_| {
                let delay = m.failed(false, 0.0).expect("transient errors retry");
                assert_eq!(m.next(), Step::Wait(delay));
                m.timer();
                // After an error the next read is fresh, without index.
                assert_eq!(m.next(), Step::Read { index: None });
                delay.as_millis()
            })
            .collect();
        assert_eq!(delays, [500, 1000, 2000, 4000, 8000, 15000, 15000]);
        // The data shown survives errors: the same body after the agent is back is not shown
        // again, and the backoff starts over.
        assert_eq!(answer(&mut m, 10, 1), Verdict::Same);
        assert_eq!(m.next(), Step::Read { index: Some(10) });
        assert_eq!(m.failed(false, 0.0), Some(Duration::from_millis(500)));
    }

    #[test]
    fn forbidden_and_not_found_stop_the_loop() {
        let mut m = blocking();
        assert_eq!(m.failed(true, 0.5), None);
        assert_eq!(m.next(), Step::Stop);
        // A stray timer does not restart it.
        m.timer();
        assert_eq!(m.next(), Step::Stop);
    }

    #[test]
    fn a_hidden_tab_requests_nothing_then_reads_fresh() {
        let mut m = blocking();
        answer(&mut m, 20, 1);
        assert_eq!(m.next(), Step::Read { index: Some(20) });
        m.hidden();
        assert_eq!(m.next(), Step::UntilVisible);
        m.visible();
        assert_eq!(m.next(), Step::Read { index: None });
        answer(&mut m, 25, 2);
        assert_eq!(m.next(), Step::Read { index: Some(25) });
        // Starting hidden: nothing until shown.
        let m = QueryLoop::new(true, None, false);
        assert_eq!(m.next(), Step::UntilVisible);
    }

    #[test]
    fn a_hidden_tab_during_backoff_waits_then_reads_when_visible() {
        let mut m = blocking();
        let delay = m.failed(false, 1.0).expect("retries");
        m.hidden();
        // The backoff runs its course, then nothing is requested until the tab is visible.
        assert_eq!(m.next(), Step::Wait(delay));
        m.timer();
        assert_eq!(m.next(), Step::UntilVisible);
        m.visible();
        assert_eq!(m.next(), Step::Read { index: None });
    }

    #[test]
    fn interval_polls_and_single_reads() {
        let every = Duration::from_secs(2);
        // Stats: polled at an interval even where blocking queries exist, never with an index.
        let mut m = QueryLoop::new(true, Some(every), true);
        assert!(!m.blocking());
        assert_eq!(answer(&mut m, 5, 1), Verdict::Show { print: 1 });
        assert_eq!(m.next(), Step::Wait(every));
        m.timer();
        assert_eq!(m.next(), Step::Read { index: None });
        // The same index is no proof of the same body here: it is fingerprinted.
        assert_eq!(answer(&mut m, 5, 2), Verdict::Show { print: 2 });
        // An endpoint without blocking queries, read once.
        let mut once = QueryLoop::new(false, None, true);
        answer(&mut once, 0, 1);
        assert_eq!(once.next(), Step::Stop);
    }

    #[test]
    fn preempted_long_polls_queue_again_with_their_index_behind_visible_views() {
        // Two long polls in a budget of one: the foreground view preempts the background one,
        // which keeps its index and gets the slot back when the foreground poll gives it up.
        let mut budget = Budget::new(1);
        let mut badge = blocking();
        answer(&mut badge, 30, 1);
        let step = badge.next();
        assert!(step.long_poll());
        let held = budget.request(Priority::Background);
        assert!(held.granted);

        let mut page = blocking();
        answer(&mut page, 31, 2);
        assert!(page.next().long_poll());
        let wanted = budget.request(Priority::Foreground);
        assert!(!wanted.granted);
        assert_eq!(wanted.preempt, Some(held.ticket));

        badge.preempted();
        assert_eq!(budget.release(held.ticket), vec![wanted.ticket]);
        assert_eq!(badge.next(), Step::Read { index: Some(30) });
        let again = budget.request(Priority::Background);
        assert!(!again.granted && again.preempt.is_none());
        assert_eq!(budget.release(wanted.ticket), vec![again.ticket]);
        // A fresh read (after an error) needs no slot at all.
        page.failed(false, 0.0);
        page.timer();
        assert!(!page.next().long_poll());
    }
}
