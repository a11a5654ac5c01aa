//! The page-wide long-poll budget (see `budget`), as slots that async loops wait for.

use super::budget::{Budget, Priority, Ticket};
use futures::channel::oneshot;
use std::cell::RefCell;
use std::collections::HashMap;

/// Long polls allowed at once. Browsers keep about 6 HTTP/1.1 connections per host; the rest
/// stay free for actions, stats polls, log streams and exec.
pub const LONG_POLLS: usize = 3;

struct Shared {
    budget: Budget,
    /// Wakes a waiter when granted.
    grant: HashMap<Ticket, oneshot::Sender<()>>,
    /// Asks a holder to give its slot up.
    preempt: HashMap<Ticket, oneshot::Sender<()>>,
}

thread_local! {
    static SHARED: RefCell<Shared> = RefCell::new(Shared {
        budget: Budget::new(LONG_POLLS),
        grant: HashMap::new(),
        preempt: HashMap::new(),
    });
}

/// A held (or awaited) slot; dropping it gives the slot back or leaves the queue.
pub struct Slot {
    ticket: Ticket,
    preempted: Option<oneshot::Receiver<()>>,
}

impl Slot {
    pub async fn acquire(priority: Priority) -> Slot {
        let (ticket, granted) = SHARED.with(|s| {
            let mut s = s.borrow_mut();
            let request = s.budget.request(priority);
            if let Some(victim) = request.preempt.and_then(|v| s.preempt.remove(&v)) {
                let _ = victim.send(());
            }
            let granted = if request.granted {
                None
            } else {
                let (tx, rx) = oneshot::channel();
                s.grant.insert(request.ticket, tx);
                Some(rx)
            };
            (request.ticket, granted)
        });
        let (tx, rx) = oneshot::channel();
        SHARED.with(|s| s.borrow_mut().preempt.insert(ticket, tx));
        // Built before waiting, so that a loop cancelled in the queue leaves it.
        let slot = Slot { ticket, preempted: Some(rx) };
        if let Some(granted) = granted {
            let _ = granted.await;
        }
        slot
    }

    /// Resolves when a visible view needs this slot.
    pub async fn preempted(&mut self) {
        if let Some(rx) = self.preempted.as_mut() {
            if rx.await.is_ok() {
                return;
            }
            self.preempted = None;
        }
        std::future::pending::<()>().await
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        SHARED.with(|s| {
            let mut s = s.borrow_mut();
            s.grant.remove(&self.ticket);
            s.preempt.remove(&self.ticket);
            for next in s.budget.release(self.ticket) {
                if let Some(tx) = s.grant.remove(&next) {
                    let _ = tx.send(());
                }
            }
        });
    }
}
