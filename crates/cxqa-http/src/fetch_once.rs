use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// Values fetched at most once per key, however many streams ask at the same time: the first
/// caller fetches, the others wait for its answer. A failed fetch is not remembered, so the
/// next caller tries again.
pub struct FetchOnce<K, V> {
    cells: Mutex<HashMap<K, Arc<OnceCell<V>>>>,
}

impl<K, V> Default for FetchOnce<K, V> {
    fn default() -> Self {
        FetchOnce {
            cells: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Hash + Eq + Clone, V: Clone> FetchOnce<K, V> {
    fn cell(&self, key: &K) -> Arc<OnceCell<V>> {
        self.cells
            .lock()
            .expect("fetch-once map")
            .entry(key.clone())
            .or_default()
            .clone()
    }

    /// The value of `key`, fetched by `fetch` unless it is known or being fetched.
    pub async fn get_or_fetch<E, F, Fut>(&self, key: &K, fetch: F) -> Result<V, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        self.cell(key).get_or_try_init(fetch).await.cloned()
    }

    /// Remembers a value learnt another way (a listing that carried it whole).
    pub fn insert(&self, key: K, value: V) -> V {
        let cell = self.cell(&key);
        // Already known: keep the first (both came from the vendor in the same run).
        let _ = cell.set(value.clone());
        cell.get().cloned().unwrap_or(value)
    }

    /// Forgets one value; the next caller fetches it again.
    pub fn remove(&self, key: &K) {
        self.cells.lock().expect("fetch-once map").remove(key);
    }

    /// Forgets everything (a new run reads afresh).
    pub fn clear(&self) {
        self.cells.lock().expect("fetch-once map").clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn concurrent_askers_share_one_fetch_and_a_failure_is_not_remembered() {
        let map = FetchOnce::<&str, u32>::default();
        let fetches = AtomicU32::new(0);
        let fetch = || async {
            fetches.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            Ok::<_, String>(7)
        };
        let (a, b, c) = tokio::join!(
            map.get_or_fetch(&"k", fetch),
            map.get_or_fetch(&"k", fetch),
            map.get_or_fetch(&"k", fetch)
        );
        assert_eq!((a, b, c), (Ok(7), Ok(7), Ok(7)));
        assert_eq!(fetches.load(Ordering::SeqCst), 1);

        let failed = map
            .get_or_fetch(&"other", || async { Err::<u32, _>("down".to_string()) })
            .await;
        assert_eq!(failed, Err("down".to_string()));
        let retried = map
            .get_or_fetch(&"other", || async { Ok::<_, String>(8) })
            .await;
        assert_eq!(retried, Ok(8));
        map.clear();
        assert_eq!(
            map.get_or_fetch(&"k", || async { Ok::<_, String>(9) })
                .await,
            Ok(9)
        );
    }
}
