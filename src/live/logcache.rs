//! The scans of fetched logs, per container and crash, kept under a byte budget so that a
//! crash diagnosed again (new events, a relist) does not fetch and scan its log again.

use std::collections::HashMap;

use super::state::PodKey;
use crate::ingest::ScannedLog;

/// Scans of fetched logs kept in total; beyond it the oldest are dropped (and fetched again if
/// that crash is diagnosed again).
pub(crate) const LOG_CACHE_BYTES: usize = 8 << 20;

/// Scans of fetched logs per container, under a byte budget.
#[derive(Debug, Default)]
pub(crate) struct LogCache {
    entries: HashMap<(PodKey, String), CachedLogs>,
    bytes: usize,
    seq: u64,
}

#[derive(Debug)]
struct CachedLogs {
    log_key: String,
    logs: Vec<ScannedLog>,
    bytes: usize,
    seq: u64,
}

impl LogCache {
    /// The scans fetched for this crash of the container, if still cached.
    pub(crate) fn get(
        &self,
        key: &PodKey,
        container: &str,
        log_key: &str,
    ) -> Option<&[ScannedLog]> {
        self.entries
            .get(&(key.clone(), container.to_string()))
            .filter(|c| c.log_key == log_key)
            .map(|c| c.logs.as_slice())
    }

    /// Cache `logs` for this crash, dropping the oldest entries beyond [`LOG_CACHE_BYTES`].
    pub(crate) fn put(
        &mut self,
        key: &PodKey,
        container: &str,
        log_key: String,
        logs: Vec<ScannedLog>,
    ) {
        self.remove(&(key.clone(), container.to_string()));
        let bytes: usize = logs.iter().map(ScannedLog::approx_bytes).sum::<usize>() + log_key.len();
        if bytes > LOG_CACHE_BYTES {
            return;
        }
        while self.bytes + bytes > LOG_CACHE_BYTES {
            let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, c)| c.seq)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            self.remove(&oldest);
        }
        self.seq += 1;
        self.bytes += bytes;
        self.entries.insert(
            (key.clone(), container.to_string()),
            CachedLogs {
                log_key,
                logs,
                bytes,
                seq: self.seq,
            },
        );
    }

    fn remove(&mut self, k: &(PodKey, String)) {
        if let Some(c) = self.entries.remove(k) {
            self.bytes -= c.bytes;
        }
    }

    pub(super) fn forget_pod(&mut self, key: &PodKey) {
        let gone: Vec<_> = self
            .entries
            .keys()
            .filter(|(p, _)| p == key)
            .cloned()
            .collect();
        for k in gone {
            self.remove(&k);
        }
    }

    /// Bytes held.
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_cache_stays_within_its_budget() {
        let set = crate::Engine::new();
        let mut cache = LogCache::default();
        let big = "x".repeat(200) + "\n";
        let log = |i: usize| {
            crate::ingest::ApiLog {
                namespace: "shop".into(),
                pod: format!("p{i}"),
                container: "app".into(),
                previous: true,
                text: big.repeat(40),
                source: None,
            }
            .scan(set.patterns())
        };
        let one = log(0).approx_bytes();
        let n = LOG_CACHE_BYTES / one + 10;
        for i in 0..n {
            cache.put(
                &("shop".into(), format!("p{i}")),
                "app",
                "k".into(),
                vec![log(i)],
            );
            assert!(cache.bytes() <= LOG_CACHE_BYTES);
        }
        let key = |i: usize| ("shop".to_string(), format!("p{i}"));
        assert!(
            cache.get(&key(0), "app", "k").is_none(),
            "the oldest went first"
        );
        assert!(cache.get(&key(n - 1), "app", "k").is_some());
        assert!(cache.get(&key(n - 1), "app", "other crash").is_none());
    }
}
