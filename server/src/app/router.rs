//! Router composition per role, the OpenAPI document and the request
//! metrics. Routers are built without state and given it once, here.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::header::{CONTENT_SECURITY_POLICY, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use tower::ServiceExt;
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::config::Roles;
use crate::http::error::ApiError;
use crate::infra::telemetry::RequestLabels;
use crate::state::AppState;

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
            .merge(crate::orders::client_router())
            .merge(crate::service::client_router())
            .merge(crate::billing::client_router())
            .merge(crate::devices::pairing_router());
        api = api.nest("/api/v1", client);
    }
    if roles.admin_api {
        let admin = OpenApiRouter::new()
            .merge(crate::auth::router())
            .merge(crate::restaurant::router())
            .merge(crate::users::router())
            .merge(crate::devices::router())
            .merge(crate::menu::router(&state.config))
            .merge(crate::ws::admin_router())
            .merge(crate::tables::router())
            .merge(crate::orders::admin_router())
            .merge(crate::billing::router())
            .merge(crate::service::admin_router())
            .merge(crate::reports::router())
            .merge(crate::location::router())
            .layer(middleware::from_fn_with_state(
                state.clone(),
                forget_after_admin_writes,
            ));
        api = api.nest("/api/v1/admin", admin);
    }
    if roles.ws {
        api = api.merge(crate::ws::router());
    }
    let (api, mut openapi) = api.split_for_parts();
    super::openapi::add_common_responses(&mut openapi);
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
        // Never sniffed into anything but the image type the extension
        // names (a PNG with HTML appended stays a PNG), and never a page.
        let serve = ServeDir::new(&state.config.media_dir);
        let media = ServiceExt::<Request>::map_response(serve, |mut res: Response<_>| {
            let headers = res.headers_mut();
            headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
            headers.insert(
                CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; sandbox"),
            );
            res
        });
        app = app.nest_service("/media", media);
        // The diners' page (`/t/{token}`) and its embedded assets.
        app = app.merge(crate::page::diner_router());
    }
    if roles.admin_api {
        // The owners' and staff's console (`/admin`) and its assets.
        app = app.merge(crate::page::console_router());
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

/// The admin resources whose writes change what this process caches (a
/// table's token, a restaurant's settings, its menu). Orders, payments,
/// kitchen confirmations and the rest leave the caches be (a stock change
/// forgets the menu where it is announced, `notify::menu_changed`).
const CACHED_RESOURCES: [&str; 4] = ["/restaurant", "/tables", "/categories", "/menu-items"];

/// After a write to one of `CACHED_RESOURCES` the caches forget everything,
/// so that this process answers from the database at once. (Other
/// processes see the change within `cache_ttl_ms`.)
async fn forget_after_admin_writes(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    // Inside the nested admin router the path may or may not keep its prefix.
    let path = request.uri().path();
    let path = path.strip_prefix("/api/v1/admin").unwrap_or(path);
    let write = !request.method().is_safe()
        && CACHED_RESOURCES.iter().any(|r| {
            path.strip_prefix(r)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        });
    let response = next.run(request).await;
    if write {
        state.caches.clear();
    }
    response
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
