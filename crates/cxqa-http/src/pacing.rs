use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// The timer's resolution.
const TICK: Duration = Duration::from_millis(1);

/// Spaces requests evenly so that a client stays below a requests-per-minute limit.
#[derive(Debug)]
pub struct Pacer {
    interval: Duration,
    next_slot: Mutex<Option<Instant>>,
}

impl Pacer {
    pub fn per_minute(requests_per_minute: u32) -> Self {
        Pacer {
            interval: Duration::from_secs(60) / requests_per_minute.max(1),
            next_slot: Mutex::new(None),
        }
    }

    /// Waits for this caller's slot; returns how long it waited.
    ///
    /// The timer ticks in milliseconds: a pacer spacing requests closer than that (above 60,000
    /// a minute) cannot sleep per request without sleeping a whole tick each time. Its callers
    /// go at once while their slot is less than a tick away; the booked slots keep the rate.
    pub async fn acquire(&self) -> Duration {
        let now = Instant::now();
        let slot = {
            let mut next = self.next_slot.lock().await;
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + self.interval);
            slot
        };
        let wait = slot - now;
        if self.interval < TICK && wait < TICK {
            return Duration::ZERO;
        }
        tokio::time::sleep_until(slot).await;
        wait
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn spaces_requests_by_the_interval() {
        let pacer = Pacer::per_minute(600); // one every 100 ms
        let start = Instant::now();
        for _ in 0..5 {
            pacer.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::from_millis(400));
    }

    #[tokio::test(start_paused = true)]
    async fn faster_than_the_timer_it_keeps_the_rate_without_sleeping_every_request() {
        let pacer = Pacer::per_minute(600_000); // one every 100 µs
        let start = Instant::now();
        for _ in 0..1_000 {
            pacer.acquire().await;
        }
        // A thousand requests at 10,000 a second take a tenth of a second, not a thousand ticks.
        let elapsed = start.elapsed();
        assert!(
            elapsed >= Duration::from_millis(99) && elapsed <= Duration::from_millis(101),
            "{elapsed:?}"
        );
    }
}
