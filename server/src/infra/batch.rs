//! Writes that many tasks hand in and one statement can do together: the
//! first task to find no one writing writes everything queued, and goes on
//! until the queue is empty. Under load one write takes many items; when
//! quiet each goes at once. No timer, no task of its own.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// The most items one write takes.
const MOST: usize = 500;

pub struct Batch<T> {
    queue: Mutex<Vec<T>>,
    writing: AtomicBool,
}

impl<T> Default for Batch<T> {
    fn default() -> Self {
        Self {
            queue: Mutex::new(Vec::new()),
            writing: AtomicBool::new(false),
        }
    }
}

impl<T> Batch<T> {
    fn queue(&self) -> std::sync::MutexGuard<'_, Vec<T>> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues `item`; writes the queue with `write` unless another task is
    /// writing already (that one takes `item` too).
    pub async fn add<F, Fut>(&self, item: T, write: F)
    where
        F: Fn(Vec<T>) -> Fut,
        Fut: Future<Output = ()>,
    {
        self.queue().push(item);
        loop {
            if self.writing.swap(true, Ordering::AcqRel) {
                return; // the writer takes ours
            }
            // Writing is handed back however this ends (a panic in `write`,
            // the future dropped), so that later items are not left queued.
            let writer = Writer(&self.writing);
            loop {
                let items: Vec<T> = {
                    let mut queue = self.queue();
                    let n = queue.len().min(MOST);
                    queue.drain(..n).collect()
                };
                if items.is_empty() {
                    break;
                }
                write(items).await;
            }
            drop(writer);
            // One queued after our last look and before we stopped writing
            // found us writing: it is ours (or the next writer's) to write.
            if self.queue().is_empty() {
                return;
            }
        }
    }
}

/// The writer's claim on `writing`, handed back when dropped.
struct Writer<'a>(&'a AtomicBool);

impl Drop for Writer<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn items_queued_while_one_writes_go_in_its_next_write_each_once() {
        let batch: Arc<Batch<u32>> = Arc::default();
        let written: Arc<Mutex<Vec<Vec<u32>>>> = Arc::default();
        let (release, held) = tokio::sync::oneshot::channel::<()>();
        let held = Arc::new(tokio::sync::Mutex::new(Some(held)));
        let write = {
            let (written, held) = (written.clone(), held.clone());
            move |items: Vec<u32>| {
                let (written, held) = (written.clone(), held.clone());
                async move {
                    // The first write waits until the test lets it finish.
                    if let Some(held) = held.lock().await.take() {
                        held.await.expect("released");
                    }
                    written.lock().expect("lock").push(items);
                }
            }
        };
        let first = {
            let (batch, write) = (batch.clone(), write.clone());
            tokio::spawn(async move { batch.add(0, write).await })
        };
        // Until the first write has taken its item, nothing else is queued.
        let start = std::time::Instant::now();
        while !(batch.writing.load(Ordering::Acquire) && batch.queue().is_empty()) {
            assert!(
                start.elapsed() < std::time::Duration::from_secs(10),
                "the first write started"
            );
            tokio::task::yield_now().await;
        }
        // While it writes, each of these queues its item and returns.
        for i in 1..=700 {
            batch.add(i, write.clone()).await;
        }
        assert!(written.lock().expect("lock").is_empty());
        release.send(()).expect("the writer waits");
        first.await.expect("first add");
        let written = written.lock().expect("lock");
        assert_eq!(written[0], vec![0]);
        assert_eq!(
            written[1],
            (1..=500).collect::<Vec<_>>(),
            "at most MOST a write"
        );
        assert_eq!(written[2], (501..=700).collect::<Vec<_>>());
        assert_eq!(written.len(), 3);
    }
}
