//! Per-process caches of what the diners' requests read on every call and
//! what changes rarely: a table by its token, a restaurant's settings, its
//! menu (as items for pricing, and as the diners' menu document).
//!
//! Freshness: an entry lives `ttl` (`cache_ttl_ms`, 0 turns caching off).
//! In the process that makes a change it goes at once: an admin write to
//! the restaurant, its tables or its menu clears all entries (the router's
//! `forget_after_admin_writes`), and an order that changes stock forgets
//! its restaurant's menu (`menu_changed`, called where the change is
//! announced). Other processes see a change within `ttl`. An order does
//! not rest on the cache for its items or its table: its transaction
//! re-checks each item's version, availability and whether its stock is
//! limited, and that the table is still on with that code
//! (`orders::place`), so a stale entry there costs a re-read. The
//! restaurant's settings (tax, location policy, order limits) are taken
//! from the cache: a change through another process applies within `ttl`.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use qrorder_shared::admin::Restaurant;
use qrorder_shared::menu::MenuItem;
use qrorder_shared::{RestaurantId, TableId};

/// Entries one map holds before the expired ones are dropped (and, if
/// still full, all of them): a bound on memory whatever the traffic.
const MAX_ENTRIES: usize = 10_000;

/// A table found by the token in its QR code.
#[derive(Debug, Clone)]
pub struct TableByToken {
    pub id: TableId,
    pub restaurant_id: RestaurantId,
    pub name: String,
}

/// One map of entries that expire after `ttl`.
pub struct Ttl<K, V> {
    ttl: Duration,
    /// Bumped by every `clear`: a value loaded before a clear is not
    /// stored after it (it may predate the change that cleared).
    generation: AtomicU64,
    map: Mutex<HashMap<K, (Instant, V)>>,
    /// The same, per key, for `forget` (one restaurant's menu forgotten
    /// does not keep the others' loads from being stored).
    forgotten: Mutex<HashMap<K, u64>>,
}

impl<K: Eq + Hash, V: Clone> Ttl<K, V> {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            generation: AtomicU64::new(0),
            map: Mutex::new(HashMap::new()),
            forgotten: Mutex::new(HashMap::new()),
        }
    }

    fn forgotten(&self) -> std::sync::MutexGuard<'_, HashMap<K, u64>> {
        self.forgotten.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Where `key` stands: the map's clears and the key's forgets.
    fn stand(&self, key: &K) -> (u64, u64) {
        let forgets = self.forgotten().get(key).copied().unwrap_or(0);
        (self.generation.load(Ordering::Acquire), forgets)
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<K, (Instant, V)>> {
        // A panic while holding the lock leaves a map that is still whole.
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The value for `key`, from the map while fresh, else from `load`
    /// (stored unless the map was cleared meanwhile). Errors are not stored.
    pub async fn get_or_load<E, F>(&self, key: K, load: F) -> Result<V, E>
    where
        F: Future<Output = Result<V, E>>,
    {
        if self.ttl.is_zero() {
            return load.await;
        }
        if let Some((at, v)) = self.map().get(&key)
            && at.elapsed() < self.ttl
        {
            return Ok(v.clone());
        }
        let before = self.stand(&key);
        let value = load.await?;
        let mut map = self.map();
        if self.stand(&key) == before {
            if map.len() >= MAX_ENTRIES {
                map.retain(|_, (at, _)| at.elapsed() < self.ttl);
                if map.len() >= MAX_ENTRIES {
                    map.clear();
                }
            }
            map.insert(key, (Instant::now(), value.clone()));
        }
        Ok(value)
    }

    pub fn forget(&self, key: &K)
    where
        K: Clone,
    {
        {
            let mut forgotten = self.forgotten();
            if forgotten.len() >= MAX_ENTRIES && !forgotten.contains_key(key) {
                // Bounded: a clear stands in for every key's forget.
                forgotten.clear();
                self.generation.fetch_add(1, Ordering::AcqRel);
            }
            *forgotten.entry(key.clone()).or_default() += 1;
        }
        self.map().remove(key);
    }

    pub fn clear(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.map().clear();
    }
}

/// The caches of one process (see the module's comment).
pub struct Caches {
    pub tables: Ttl<String, TableByToken>,
    pub restaurants: Ttl<RestaurantId, Arc<Restaurant>>,
    /// The restaurant's items, as orders are priced against them.
    pub menu_items: Ttl<RestaurantId, Arc<Vec<MenuItem>>>,
    /// The diners' menu document, serialised.
    pub public_menus: Ttl<RestaurantId, Bytes>,
}

impl Caches {
    pub fn new(ttl: Duration) -> Self {
        Self {
            tables: Ttl::new(ttl),
            restaurants: Ttl::new(ttl),
            menu_items: Ttl::new(ttl),
            public_menus: Ttl::new(ttl),
        }
    }

    /// Something of some restaurant changed (an admin write): forget all.
    pub fn clear(&self) {
        self.tables.clear();
        self.restaurants.clear();
        self.menu_items.clear();
        self.public_menus.clear();
    }

    /// The restaurant's items changed (stock, availability, content).
    pub fn menu_changed(&self, restaurant: RestaurantId) {
        self.menu_items.forget(&restaurant);
        self.public_menus.forget(&restaurant);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_entry_is_served_until_forgotten_and_a_load_racing_a_clear_is_not_stored() {
        let cache: Ttl<u32, u32> = Ttl::new(Duration::from_secs(60));
        let first: Result<u32, ()> = cache.get_or_load(1, async { Ok(10) }).await;
        assert_eq!(first, Ok(10));
        // Fresh: the loader is not asked.
        let again: Result<u32, ()> = cache.get_or_load(1, async { Ok(11) }).await;
        assert_eq!(again, Ok(10));
        cache.forget(&1);
        let reloaded: Result<u32, ()> = cache.get_or_load(1, async { Ok(12) }).await;
        assert_eq!(reloaded, Ok(12));

        // A value loaded while a clear happens is answered but not kept.
        let raced: Result<u32, ()> = cache
            .get_or_load(2, async {
                cache.clear();
                Ok(20)
            })
            .await;
        assert_eq!(raced, Ok(20));
        let after: Result<u32, ()> = cache.get_or_load(2, async { Ok(21) }).await;
        assert_eq!(after, Ok(21));

        // Forgetting another key does not keep this one's load from being stored.
        let other: Result<u32, ()> = cache
            .get_or_load(4, async {
                cache.forget(&5);
                Ok(40)
            })
            .await;
        assert_eq!(other, Ok(40));
        let kept: Result<u32, ()> = cache.get_or_load(4, async { Ok(41) }).await;
        assert_eq!(kept, Ok(40));
        // Forgetting this one does.
        let raced: Result<u32, ()> = cache
            .get_or_load(6, async {
                cache.forget(&6);
                Ok(60)
            })
            .await;
        assert_eq!(raced, Ok(60));
        let after: Result<u32, ()> = cache.get_or_load(6, async { Ok(61) }).await;
        assert_eq!(after, Ok(61));

        // Errors are not kept either.
        let failed: Result<u32, &str> = cache.get_or_load(3, async { Err("down") }).await;
        assert_eq!(failed, Err("down"));
        let ok: Result<u32, &str> = cache.get_or_load(3, async { Ok(30) }).await;
        assert_eq!(ok, Ok(30));
    }

    #[tokio::test]
    async fn a_zero_ttl_always_loads_and_expired_entries_are_reloaded() {
        let off: Ttl<u32, u32> = Ttl::new(Duration::ZERO);
        let _: Result<u32, ()> = off.get_or_load(1, async { Ok(1) }).await;
        let second: Result<u32, ()> = off.get_or_load(1, async { Ok(2) }).await;
        assert_eq!(second, Ok(2));

        let short: Ttl<u32, u32> = Ttl::new(Duration::from_millis(1));
        let _: Result<u32, ()> = short.get_or_load(1, async { Ok(1) }).await;
        let start = Instant::now();
        // Wait until the entry is past its ttl (bounded).
        while start.elapsed() <= Duration::from_millis(1) {
            std::thread::yield_now();
        }
        let reloaded: Result<u32, ()> = short.get_or_load(1, async { Ok(2) }).await;
        assert_eq!(reloaded, Ok(2));
    }
}
