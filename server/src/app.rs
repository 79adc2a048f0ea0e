//! The application: shared state, the router of the roles a process runs,
//! and serving with graceful shutdown. Routers are built without state and
//! given it once, here.

use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::config::{Config, Roles};
use crate::db::Db;
use crate::error::ApiError;
use crate::keys::Keys;
use crate::telemetry::{Metrics, RequestLabels};

/// Cheap to clone: everything lives behind one `Arc`.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub config: Config,
    pub db: Db,
    pub redis: Redis,
    pub keys: Keys,
    pub metrics: Metrics,
    /// The ws role's rooms and Pub/Sub connection.
    pub hub: Arc<crate::ws::hub::Hub>,
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(config: Config, db: Db) -> anyhow::Result<Self> {
        let redis = Redis::new(&config.redis_url)?;
        let keys = Keys::new(&config.redis_prefix);
        let hub = crate::ws::hub::Hub::new(redis.client.clone());
        Ok(Self(Arc::new(Inner {
            config,
            db,
            redis,
            keys,
            metrics: Metrics::new(),
            hub,
        })))
    }

    pub fn public_base_url(&self) -> String {
        self.config.public_base_url()
    }
}

/// Redis for commands: one multiplexed `ConnectionManager`, made on first
/// use, so that the server starts (and reports not-ready) while Redis is down.
pub struct Redis {
    pub client: redis::Client,
    manager: tokio::sync::Mutex<Option<ConnectionManager>>,
    /// When the last first-connect failed: callers within a second of it
    /// fail at once instead of queueing for another attempt each.
    last_failure: std::sync::Mutex<Option<Instant>>,
}

impl Redis {
    pub fn new(url: &str) -> anyhow::Result<Self> {
        let client =
            redis::Client::open(url).with_context(|| format!("invalid Redis URL `{url}`"))?;
        Ok(Self {
            client,
            manager: tokio::sync::Mutex::new(None),
            last_failure: std::sync::Mutex::new(None),
        })
    }

    pub async fn conn(&self) -> redis::RedisResult<ConnectionManager> {
        let mut manager = self.manager.lock().await;
        if let Some(m) = manager.as_ref() {
            return Ok(m.clone());
        }
        let recently_failed = self
            .last_failure
            .lock()
            .map(|f| f.is_some_and(|at| at.elapsed() < Duration::from_secs(1)))
            .unwrap_or(false);
        if recently_failed {
            return Err(redis::RedisError::from(std::io::Error::new(
                std::io::ErrorKind::NotConnected,
                "Redis was unreachable a moment ago",
            )));
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(2);
        let m = tokio::time::timeout(
            Duration::from_secs(3),
            ConnectionManager::new_with_config(self.client.clone(), config),
        )
        .await
        .map_err(|_| redis::RedisError::from(std::io::Error::from(std::io::ErrorKind::TimedOut)))
        .and_then(|r| r);
        match m {
            Ok(m) => {
                *manager = Some(m.clone());
                Ok(m)
            }
            Err(e) => {
                if let Ok(mut f) = self.last_failure.lock() {
                    *f = Some(Instant::now());
                }
                Err(e)
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "QR Order API", description = "Client and admin API of QR Order. Errors are `{code, message}` with a stable code."),
    components(schemas(qrorder_shared::ErrorBody)),
    modifiers(&BearerAuth),
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The whole HTTP surface of a process running `roles`.
pub fn router(state: AppState, roles: Roles) -> Router {
    let mut api = OpenApiRouter::with_openapi(ApiDoc::openapi());
    if roles.client_api {
        let client = OpenApiRouter::new()
            .merge(crate::tables::public_router())
            .merge(crate::menu::public_router())
            .merge(crate::orders::client_router());
        api = api.nest("/api/v1", client);
    }
    if roles.admin_api {
        let admin = OpenApiRouter::new()
            .merge(crate::auth::router())
            .merge(crate::restaurant::router())
            .merge(crate::users::router())
            .merge(crate::devices::router())
            .merge(crate::menu::router(&state.config))
            .merge(crate::tables::router())
            .merge(crate::orders::admin_router())
            .merge(crate::billing::router());
        api = api.nest("/api/v1/admin", admin);
    }
    if roles.ws {
        api = api.merge(crate::ws::router());
    }
    let (api, openapi) = api.split_for_parts();
    let openapi = Arc::new(openapi);

    let mut app = Router::new()
        .merge(api)
        .route(
            "/api/v1/openapi.json",
            get(move || async move { axum::Json(openapi.as_ref().clone()) }),
        )
        .merge(crate::ops::router());
    if roles.client_api {
        // Uploaded menu images, shown on the diners' page.
        app = app.nest_service("/media", ServeDir::new(&state.config.media_dir));
        // The diners' page (`/t/{token}`) and its embedded assets.
        app = app.merge(crate::page::router());
    }
    app.fallback(|| async { ApiError::not_found("route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this method is not allowed here",
            )
        })
        .layer(middleware::from_fn_with_state(
            state.clone(),
            record_metrics,
        ))
        .layer(DefaultBodyLimit::max(state.config.body_limit_bytes))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn record_metrics(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    let labels = RequestLabels {
        method,
        route,
        status: response.status().as_u16(),
    };
    state.metrics.requests.get_or_create(&labels).inc();
    state
        .metrics
        .request_seconds
        .get_or_create(&labels)
        .observe(started.elapsed().as_secs_f64());
    response
}

/// A bound, migrated, ready-to-run server (tests build it on port 0).
pub struct Application {
    pub state: AppState,
    pub local_addr: SocketAddr,
    listener: TcpListener,
    roles: Roles,
}

impl Application {
    pub async fn build(config: Config, roles: Roles) -> anyhow::Result<Self> {
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
        axum::serve(
            self.listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
        .context("server failed")?;
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
        tasks.push(tokio::spawn(crate::orders::outbox::relay(
            state.clone(),
            interval,
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
