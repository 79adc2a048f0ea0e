//! The application: the router of the roles a process runs, and serving
//! with graceful shutdown and the background loops. The top of the crate
//! below `cli`: it composes the features and nothing imports it but `cli`.

mod openapi;
mod router;
mod serve;

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::{Config, Roles};
use crate::infra::db::Db;
use crate::state::AppState;

pub use router::router;
pub use serve::raise_open_files_limit;

/// A bound, migrated, ready-to-run server (tests build it on port 0).
pub struct Application {
    pub state: AppState,
    pub local_addr: SocketAddr,
    listener: TcpListener,
    roles: Roles,
}

impl Application {
    pub async fn build(config: Config, roles: Roles) -> anyhow::Result<Self> {
        // A deployment's proxies that do not parse are a mistake to stop at.
        config.trusted_proxy_networks()?;
        let db = Db::connect(&config.database_url).await?;
        db.migrate().await?;
        std::fs::create_dir_all(&config.media_dir).with_context(|| {
            format!("cannot create media folder {}", config.media_dir.display())
        })?;
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let local_addr = listener.local_addr()?;
        let state = AppState::new(config, db)?;
        Ok(Self {
            state,
            local_addr,
            listener,
            roles,
        })
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests
    /// and stops the background loops.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let app = router(self.state.clone(), self.roles);
        let (stop, stopped) = watch::channel(false);
        let background = spawn_background(&self.state, self.roles, stopped);
        tracing::info!(addr = %self.local_addr, roles = ?self.roles, "serving");
        let c = &self.state.config;
        let limits = serve::Limits {
            header_read_timeout: Duration::from_secs(c.header_read_timeout_secs.max(1)),
            max_connections: c.max_connections,
            reserve_connections: c.reserve_connections,
        };
        serve::serve(self.listener, app, limits, shutdown).await;
        // In-flight requests are done: close the sockets with a reason, stop
        // the loops, then the pool.
        self.state.hub.close_sessions(Duration::from_secs(5)).await;
        let _ = stop.send(true);
        for task in background {
            let _ = task.await;
        }
        self.state.db.pool.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// Every background loop of a process, started here and nowhere else. Each
/// ends when `stopped` turns true.
fn spawn_background(
    state: &AppState,
    roles: Roles,
    stopped: watch::Receiver<bool>,
) -> Vec<JoinHandle<()>> {
    let mut tasks = Vec::new();
    if roles.client_api {
        // Publishes orders whose immediate publish failed (Redis down, crash).
        let interval = Duration::from_millis(state.config.outbox_relay_interval_ms.max(50));
        tasks.push(tokio::spawn(crate::orders::outbox_relay(
            state.clone(),
            interval,
            stopped.clone(),
        )));
    }
    if roles.admin_api && state.config.redis_device_acl {
        // The kitchen devices' Redis users, set again whenever Redis restarts.
        tasks.push(tokio::spawn(crate::devices::keep_redis_users(
            state.clone(),
            Duration::from_secs(2),
            stopped.clone(),
        )));
    }
    if roles.ws {
        // The one Pub/Sub connection of this instance, kept alive.
        tasks.push(tokio::spawn(state.hub.clone().run(stopped.clone())));
    }
    tasks
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C). The handlers are installed when
/// this is called, not when the future is first polled, so a signal that
/// arrives while the server is starting is not lost (nor fatal).
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate());
        let int = signal(SignalKind::interrupt());
        async move {
            match (term, int) {
                (Ok(mut term), Ok(mut int)) => {
                    tokio::select! { _ = term.recv() => {}, _ = int.recv() => {} }
                }
                _ => std::future::pending::<()>().await,
            }
            tracing::info!("shutdown signal received: finishing in-flight requests");
        }
    }
    #[cfg(not(unix))]
    async move {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutdown signal received: finishing in-flight requests");
    }
}
