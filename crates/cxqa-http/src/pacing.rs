use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

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
    pub async fn acquire(&self) -> Duration {
        let now = Instant::now();
        let slot = {
            let mut next = self.next_slot.lock().await;
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + self.interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
        slot - now
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
}
