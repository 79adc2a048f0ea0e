//! The diners' web page: `GET /t/{token}` (what a table's QR code opens)
//! and its static assets, embedded in the binary from `server/web/` (plain
//! ES modules; no build step). Assets are served under a content-hashed
//! prefix, `/assets/{version}/…`, so that they can be cached for good while
//! a new binary's page never runs an old script. The page talks to the
//! client API and to the ws role; it holds no server-side state.
//!
//! Must not touch the database or Redis: an unknown token still gets the
//! page, which asks the API and says so.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

struct Asset {
    name: &'static str,
    body: &'static [u8],
    content_type: &'static str,
}

const JS: &str = "text/javascript; charset=utf-8";

/// Everything under `server/web/` that the page loads.
static ASSETS: &[Asset] = &[
    Asset {
        name: "app.js",
        body: include_bytes!("../web/app.js"),
        content_type: JS,
    },
    Asset {
        name: "cart.js",
        body: include_bytes!("../web/cart.js"),
        content_type: JS,
    },
    Asset {
        name: "i18n.js",
        body: include_bytes!("../web/i18n.js"),
        content_type: JS,
    },
    Asset {
        name: "socket.js",
        body: include_bytes!("../web/socket.js"),
        content_type: JS,
    },
    Asset {
        name: "dom.js",
        body: include_bytes!("../web/dom.js"),
        content_type: JS,
    },
    Asset {
        name: "app.css",
        body: include_bytes!("../web/app.css"),
        content_type: "text/css; charset=utf-8",
    },
    Asset {
        name: "icon.svg",
        body: include_bytes!("../web/icon.svg"),
        content_type: "image/svg+xml",
    },
];

/// A hash of every asset: changes whenever any of them does.
static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut hash = Sha256::new();
    for asset in ASSETS {
        hash.update(asset.name.as_bytes());
        hash.update(asset.body);
    }
    hex::encode(&hash.finalize()[..6])
});

/// The HTML with the versioned asset prefix filled in.
static INDEX: LazyLock<String> = LazyLock::new(|| {
    include_str!("../web/index.html").replace("{{assets}}", &format!("/assets/{}", *VERSION))
});

/// Scripts, styles, images and connections from this origin only; no
/// inline script or style, no framing, no plugins.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

/// The page's routes. Stateless, so it merges into any router.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/t/{token}", get(page))
        .route("/assets/{version}/{name}", get(asset))
}

async fn page(headers: HeaderMap) -> Response {
    let mut response = (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // Always revalidated: it names the current assets.
            (header::CACHE_CONTROL, "no-cache"),
            // The table's token is in the URL: never hand it to anybody else.
            (header::REFERRER_POLICY, "no-referrer"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        INDEX.as_str(),
    )
        .into_response();
    let csp = HeaderValue::from_str(&content_security_policy(&headers))
        .unwrap_or(HeaderValue::from_static(CSP));
    let out = response.headers_mut();
    out.insert(header::CONTENT_SECURITY_POLICY, csp);
    out.insert(
        "permissions-policy",
        HeaderValue::from_static("geolocation=(self), camera=(), microphone=(), payment=()"),
    );
    response
}

/// [`CSP`], with this host's WebSocket URLs named explicitly: browsers that
/// predate CSP 3 do not count `ws:` to the same host as `'self'`.
fn content_security_policy(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        });
    match host {
        Some(host) => CSP.replace(
            "connect-src 'self'",
            &format!("connect-src 'self' ws://{host} wss://{host}"),
        ),
        None => CSP.to_owned(),
    }
}

async fn asset(Path((version, name)): Path<(String, String)>) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.name == name) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    // A page from an older binary asking for its own version gets today's
    // file, but must not keep it.
    let cache = if version == *VERSION {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    (
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, cache),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        asset.body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_names_every_module_it_loads_under_the_versioned_prefix() {
        let prefix = format!("/assets/{}/", *VERSION);
        assert!(INDEX.contains(&format!("{prefix}app.js")));
        assert!(INDEX.contains(&format!("{prefix}app.css")));
        assert!(!INDEX.contains("{{"));
        // Modules import each other relatively; each must be served.
        for asset in ASSETS.iter().filter(|a| a.content_type == JS) {
            let text = std::str::from_utf8(asset.body).expect("utf-8 script");
            for import in text.lines().filter_map(|l| l.split("from './").nth(1)) {
                let file = import.split('\'').next().unwrap_or_default();
                assert!(
                    ASSETS.iter().any(|a| a.name == file),
                    "{} imports {file}, which is not served",
                    asset.name
                );
            }
        }
    }

    #[test]
    fn the_policy_adds_the_websocket_origin_of_a_plain_host_only() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("192.168.1.5:8080"));
        assert!(
            content_security_policy(&headers)
                .contains("connect-src 'self' ws://192.168.1.5:8080 wss://192.168.1.5:8080;")
        );
        headers.insert(
            header::HOST,
            HeaderValue::from_static("evil.test; script-src *"),
        );
        assert_eq!(content_security_policy(&headers), CSP);
    }
}
