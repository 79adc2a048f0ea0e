//! The workers every benchmark runs: `concurrency` callers back to back
//! for a duration, timed; their HTTP clients; and `gets`, a page of reads.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

/// The `p` percentile (0 to 1) of sorted `latencies`, in milliseconds.
pub(crate) fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted
        .get(((sorted.len() as f64 - 1.0) * p).round() as usize)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// What `drive` measured.
pub(crate) struct Driven {
    pub(crate) seconds: f64,
    pub(crate) ok: u64,
    pub(crate) failed: u64,
    /// Sorted.
    pub(crate) latencies: Vec<Duration>,
}

/// Keeps `concurrency` workers calling `call(worker, n)` (true: success)
/// back to back for `duration`, timing each call.
pub(crate) async fn drive<F, Fut>(
    concurrency: usize,
    duration: Duration,
    call: F,
) -> anyhow::Result<Driven>
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send,
{
    let call = Arc::new(call);
    let ok = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + duration;
    let mut workers = Vec::new();
    for w in 0..concurrency {
        let (call, ok, failed) = (call.clone(), ok.clone(), failed.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut n = 0usize;
            while Instant::now() < deadline {
                let t = Instant::now();
                let success = call(w, n).await;
                latencies.push(t.elapsed());
                if success {
                    ok.fetch_add(1, Ordering::Relaxed);
                } else {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
                n += 1;
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for w in workers {
        latencies.extend(w.await?);
    }
    let seconds = started.elapsed().as_secs_f64();
    latencies.sort();
    Ok(Driven {
        seconds,
        ok: ok.load(Ordering::Relaxed),
        failed: failed.load(Ordering::Relaxed),
        latencies,
    })
}

/// The HTTP client of worker `w`, from loopback address 127.0.0.(2 + w).
pub(crate) fn phone(w: usize, concurrency: usize) -> anyhow::Result<reqwest::Client> {
    let last = u8::try_from(2 + w % 250).unwrap_or(2);
    Ok(reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .local_address(std::net::IpAddr::from([127, 0, 0, last]))
        .timeout(Duration::from_secs(30))
        .build()?)
}

pub(crate) fn http_client(concurrency: usize) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .timeout(Duration::from_secs(30))
        .build()?)
}

#[derive(Debug, Serialize)]
pub struct RequestsReport {
    pub path: String,
    pub requests_per_second: f64,
    pub ok: u64,
    pub failed: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// `GET` of each of `paths` (round robin) by `concurrency` workers for
/// `duration`: requests/s of 200 answers and latency.
pub async fn gets(
    base: &str,
    paths: &[String],
    concurrency: usize,
    duration: Duration,
) -> anyhow::Result<RequestsReport> {
    anyhow::ensure!(!paths.is_empty(), "nothing to request");
    let client = http_client(concurrency)?;
    let base = base.trim_end_matches('/');
    let urls: Arc<Vec<String>> = Arc::new(paths.iter().map(|p| format!("{base}{p}")).collect());
    let driven = drive(concurrency, duration, move |w, n| {
        let (client, urls) = (client.clone(), urls.clone());
        async move {
            let url = &urls[(w + n) % urls.len()];
            match client.get(url).send().await {
                // The whole body, as a phone would read it.
                Ok(r) if r.status().as_u16() == 200 => r.bytes().await.is_ok(),
                _ => false,
            }
        }
    })
    .await?;
    Ok(RequestsReport {
        path: paths[0].clone(),
        requests_per_second: driven.ok as f64 / driven.seconds,
        ok: driven.ok,
        failed: driven.failed,
        p50_ms: percentile(&driven.latencies, 0.50),
        p99_ms: percentile(&driven.latencies, 0.99),
    })
}
