//! Retry delays after failed reads: about 1 s, doubling to 30 s, with jitter so that many
//! views (and many browsers) do not retry an agent that just came back in lockstep.

use std::time::Duration;

const FIRST: Duration = Duration::from_secs(1);
const MAX: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Default)]
pub struct Backoff {
    failures: u32,
}

impl Backoff {
    /// The delay before the next attempt, given a random number in `[0, 1)`: somewhere in
    /// the upper half of the current step ("equal jitter"), so it never collapses to zero.
    pub fn next_delay(&mut self, random: f64) -> Duration {
        let step = FIRST.saturating_mul(1u32 << self.failures.min(16)).min(MAX);
        self.failures = self.failures.saturating_add(1);
        let half = step / 2;
        half + half.mul_f64(random.clamp(0.0, 1.0))
    }

    pub fn reset(&mut self) {
        self.failures = 0;
    }

    pub fn failures(&self) -> u32 {
        self.failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_to_thirty_seconds_with_jitter() {
        let mut b = Backoff::default();
        let lows: Vec<u64> = (0..8).map(|_| b.next_delay(0.0).as_millis() as u64).collect();
        assert_eq!(lows, [500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]);
        let mut b = Backoff::default();
        let highs: Vec<u64> = (0..7).map(|_| b.next_delay(1.0).as_millis() as u64).collect();
        assert_eq!(highs, [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
        assert_eq!(b.failures(), 7);
        b.reset();
        assert_eq!(b.next_delay(0.5), Duration::from_millis(750));
    }

    #[test]
    fn survives_endless_failures() {
        let mut b = Backoff::default();
        for _ in 0..100 {
            assert!(b.next_delay(0.9) <= MAX);
        }
    }
}
