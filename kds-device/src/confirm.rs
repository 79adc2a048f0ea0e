//! Kitchen confirmation: tells the server which orders were printed here
//! (`POST /orders/kitchen-confirmations`), so that it knows what reached a
//! kitchen and publishes again what Redis lost before any kitchen had it.
//!
//! The print is in the journal first; a `C` record follows once the server
//! has it on record. At start the journal's prints not yet reported are
//! sent again; a server out of reach is retried with back-off, so nothing
//! printed here stays unreported for good.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use qrorder_shared::order::KitchenConfirmation;
use tokio::sync::mpsc;

use crate::api::{AdminClient, ApiError};
use crate::journal::Journal;

/// Reports the orders sent on `printed` (and the journal's unreported
/// prints) until the channel closes or the server refuses the display.
pub async fn report(
    api: AdminClient,
    journal: Arc<Mutex<Journal>>,
    mut printed: mpsc::UnboundedReceiver<i64>,
) {
    let lock = |j: &Arc<Mutex<Journal>>| {
        j.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .unreported()
    };
    let mut waiting: Vec<i64> = lock(&journal);
    let mut backoff = Duration::from_secs(1);
    loop {
        if waiting.is_empty() {
            match printed.recv().await {
                Some(id) => waiting.push(id),
                None => return,
            }
        }
        while let Ok(id) = printed.try_recv() {
            waiting.push(id);
        }
        let mut seen = HashSet::new();
        waiting.retain(|id| seen.insert(*id));
        let batch: Vec<i64> = waiting
            .iter()
            .take(KitchenConfirmation::MAX)
            .copied()
            .collect();
        match api.confirm_printed(&batch).await {
            Ok(_) => {
                let result = journal
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .reported(&batch);
                if let Err(e) = result {
                    // The server has them; at worst they are reported again.
                    tracing::error!(error = %e, "journal write failed");
                }
                let sent: HashSet<i64> = batch.into_iter().collect();
                waiting.retain(|id| !sent.contains(id));
                backoff = Duration::from_secs(1);
            }
            Err(ApiError::Refused {
                status,
                code,
                message,
            }) if status < 500 && status != 429 => {
                // Revoked (the status sync says so on screen), or a server
                // without confirmations: nothing a retry would change.
                tracing::warn!(
                    status,
                    code,
                    message,
                    "the server refuses kitchen confirmations; no longer reporting prints"
                );
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, waiting = waiting.len(), "cannot report printed orders yet; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(30));
            }
        }
    }
}
