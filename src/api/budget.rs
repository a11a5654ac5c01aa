//! The long-poll budget.
//!
//! Browsers open about 6 HTTP/1.1 connections per host, and each blocking query holds one
//! for up to its `wait`. Long polls therefore share a small number of slots, leaving the rest
//! for actions, stats polls, log streams and exec. When a view on screen needs a slot while
//! all are taken, a background poll is asked to give its slot up (preempted): it aborts its
//! request and queues again behind what is visible.

/// Higher wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    /// Live data that is not the page's main content (navigation badges, side panels).
    Background,
    /// What the user is looking at.
    Foreground,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ticket(u64);

/// The outcome of a request for a slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub ticket: Ticket,
    /// Holds a slot now; otherwise wait until `release` names the ticket.
    pub granted: bool,
    /// A background holder that should give its slot up for this request.
    pub preempt: Option<Ticket>,
}

#[derive(Debug)]
pub struct Budget {
    capacity: usize,
    next: u64,
    holders: Vec<(Ticket, Priority)>,
    /// Holders already asked to give their slot up.
    preempting: Vec<Ticket>,
    /// In arrival order.
    waiting: Vec<(Ticket, Priority)>,
}

impl Budget {
    pub fn new(capacity: usize) -> Self {
        Budget { capacity: capacity.max(1), next: 0, holders: Vec::new(), preempting: Vec::new(), waiting: Vec::new() }
    }

    pub fn request(&mut self, priority: Priority) -> Request {
        self.next += 1;
        let ticket = Ticket(self.next);
        if self.holders.len() < self.capacity {
            self.holders.push((ticket, priority));
            return Request { ticket, granted: true, preempt: None };
        }
        self.waiting.push((ticket, priority));
        // One preemption per waiter that outranks some holder, no more.
        let outranking_waiters = self.waiting.iter().filter(|(_, p)| *p == Priority::Foreground).count();
        let preempt = if priority == Priority::Foreground && outranking_waiters > self.preempting.len() {
            let victim = self
                .holders
                .iter()
                .find(|(t, p)| *p == Priority::Background && !self.preempting.contains(t))
                .map(|(t, _)| *t);
            if let Some(v) = victim {
                self.preempting.push(v);
            }
            victim
        } else {
            None
        };
        Request { ticket, granted: false, preempt }
    }

    /// A holder is done, or a waiter gave up. Returns the waiters now granted a slot:
    /// the highest priority first, in arrival order within a priority.
    pub fn release(&mut self, ticket: Ticket) -> Vec<Ticket> {
        self.holders.retain(|(t, _)| *t != ticket);
        self.preempting.retain(|t| *t != ticket);
        self.waiting.retain(|(t, _)| *t != ticket);
        let mut granted = Vec::new();
        while self.holders.len() < self.capacity {
            let Some(best) = self.waiting.iter().map(|(_, p)| *p).max() else { break };
            let Some(at) = self.waiting.iter().position(|(_, p)| *p == best) else { break };
            let next = self.waiting.remove(at);
            self.holders.push(next);
            granted.push(next.0);
        }
        granted
    }

    pub fn in_use(&self) -> usize {
        self.holders.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Priority::*;

    #[test]
    fn grants_up_to_capacity_then_queues_in_order() {
        let mut b = Budget::new(2);
        let a = b.request(Background);
        let c = b.request(Foreground);
        assert!(a.granted && c.granted);
        let d = b.request(Background);
        let e = b.request(Background);
        assert!(!d.granted && d.preempt.is_none());
        assert_eq!(b.release(a.ticket), vec![d.ticket]);
        assert_eq!(b.release(c.ticket), vec![e.ticket]);
        assert_eq!(b.in_use(), 2);
    }

    #[test]
    fn foreground_preempts_background_once_per_waiter() {
        let mut b = Budget::new(2);
        let bg1 = b.request(Background);
        let bg2 = b.request(Background);
        let fg1 = b.request(Foreground);
        assert_eq!(fg1.preempt, Some(bg1.ticket));
        let fg2 = b.request(Foreground);
        assert_eq!(fg2.preempt, Some(bg2.ticket));
        // Nothing left to preempt.
        let fg3 = b.request(Foreground);
        assert_eq!(fg3.preempt, None);
        // The preempted poll gives up its slot and queues again, behind the visible ones.
        assert_eq!(b.release(bg1.ticket), vec![fg1.ticket]);
        let again = b.request(Background);
        assert!(!again.granted && again.preempt.is_none());
        assert_eq!(b.release(bg2.ticket), vec![fg2.ticket]);
        assert_eq!(b.release(fg1.ticket), vec![fg3.ticket]);
        assert_eq!(b.release(fg2.ticket), vec![again.ticket]);
    }

    #[test]
    fn foreground_never_preempts_foreground() {
        let mut b = Budget::new(1);
        let fg = b.request(Foreground);
        let other = b.request(Foreground);
        assert_eq!(other.preempt, None);
        // A waiter that gives up leaves the queue without being granted.
        assert!(b.release(other.ticket).is_empty());
        assert!(b.release(fg.ticket).is_empty());
        assert_eq!(b.in_use(), 0);
    }
}
