//! Caps on the sockets this instance holds, counted here, in memory: a
//! socket is open on one instance, and what a flood exhausts is that
//! instance's file descriptors and memory. (Counted in Redis, the count
//! of an instance that died would have to expire; behind a balancer with
//! N ws instances a client may hold up to N times a cap, still bounded.)

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// Open sockets per key (`client:…`, `table:…`).
#[derive(Default)]
pub struct SocketCounts(Arc<Mutex<HashMap<String, usize>>>);

/// A socket counted under its keys until this is dropped.
pub struct Held {
    counts: Arc<Mutex<HashMap<String, usize>>>,
    keys: Vec<String>,
}

impl SocketCounts {
    /// Counts one more socket under every `(key, cap)`, or under none:
    /// `Err(i)` names the first limit that is full.
    pub fn hold(&self, limits: &[(String, usize)]) -> Result<Held, usize> {
        let mut counts = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(full) = limits
            .iter()
            .position(|(key, cap)| counts.get(key).copied().unwrap_or(0) >= *cap)
        {
            return Err(full);
        }
        for (key, _) in limits {
            *counts.entry(key.clone()).or_insert(0) += 1;
        }
        Ok(Held {
            counts: self.0.clone(),
            keys: limits.iter().map(|(k, _)| k.clone()).collect(),
        })
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        for key in &self.keys {
            if let Some(n) = counts.get_mut(key) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    counts.remove(key);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_limit_refuses_and_counts_nothing_and_a_drop_frees_the_place() {
        let counts = SocketCounts::default();
        let limits = |t: &str| vec![("client:a".to_owned(), 3), (format!("table:{t}"), 2)];
        let a = counts.hold(&limits("1")).expect("first");
        let _b = counts.hold(&limits("1")).expect("second");
        assert_eq!(counts.hold(&limits("1")).err(), Some(1), "table 1 full");
        let _c = counts
            .hold(&limits("2"))
            .expect("another table, same client");
        assert_eq!(counts.hold(&limits("3")).err(), Some(0), "client full");
        drop(a);
        counts.hold(&limits("3")).expect("a place again");
    }
}
