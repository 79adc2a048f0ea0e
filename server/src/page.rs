//! The two web pages, embedded in the binary (plain ES modules, no
//! bundling; `build.rs` lists each folder's files, served by name with a
//! type by extension):
//! - the diners' page, `GET /t/{token}` (what a table's QR code opens),
//!   from `server/web/`, assets under `/assets/{version}/…`;
//! - the owners' and staff's console, `GET /admin`, from `server/console/`,
//!   assets under `/admin/assets/{version}/…`.
//!
//! Assets are served under a content-hashed prefix so that they can be
//! cached for good while a new binary's page never runs an old script.
//! The pages talk to the APIs and the ws role; they hold no server-side
//! state.
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

/// One page: its template with the asset prefix filled in, and its assets.
struct Site {
    /// Every file of the page's folder but `index.html`, as (name,
    /// contents), sorted by name: the list is written by `build.rs`.
    assets: &'static [(&'static str, &'static [u8])],
    /// A hash of every asset: changes whenever any of them does.
    version: String,
    /// The HTML with the versioned asset prefix filled in.
    index: String,
}

impl Site {
    fn new(assets: &'static [(&'static str, &'static [u8])], template: &str, prefix: &str) -> Self {
        let mut hash = Sha256::new();
        for (name, body) in assets {
            hash.update(name.as_bytes());
            hash.update(body);
        }
        let version = hex::encode(&hash.finalize()[..6]);
        let index = template.replace("{{assets}}", &format!("{prefix}/{version}"));
        Self {
            assets,
            version,
            index,
        }
    }
}

static DINER: LazyLock<Site> = LazyLock::new(|| {
    Site::new(
        include!(concat!(env!("OUT_DIR"), "/web_assets.rs")),
        include_str!("../web/index.html"),
        "/assets",
    )
});

static CONSOLE: LazyLock<Site> = LazyLock::new(|| {
    Site::new(
        include!(concat!(env!("OUT_DIR"), "/console_assets.rs")),
        include_str!("../console/index.html"),
        "/admin/assets",
    )
});

/// The type an asset is served with, by its extension; `None` for a file
/// the page has no use for (not served).
fn content_type(name: &str) -> Option<&'static str> {
    let (_, extension) = name.rsplit_once('.')?;
    Some(match extension {
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        _ => return None,
    })
}

/// Scripts, styles, images and connections from this origin only; no
/// inline script or style, no framing, no plugins. `blob:` images are the
/// console's previews of a photo before it is uploaded.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
    connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

/// The diners' page's routes. Stateless, so it merges into any router.
pub fn diner_router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route(
            "/t/{token}",
            get(|headers: HeaderMap| page(&DINER, headers)),
        )
        .route(
            "/assets/{version}/{name}",
            get(|path: Path<(String, String)>| asset(&DINER, path)),
        )
}

/// The console's routes. Stateless, so it merges into any router.
pub fn console_router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/admin", get(|headers: HeaderMap| page(&CONSOLE, headers)))
        .route(
            "/admin/assets/{version}/{name}",
            get(|path: Path<(String, String)>| asset(&CONSOLE, path)),
        )
}

async fn page(site: &'static Site, headers: HeaderMap) -> Response {
    let mut response = (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // Always revalidated: it names the current assets.
            (header::CACHE_CONTROL, "no-cache"),
            // The table's token is in the URL: never hand it to anybody else.
            (header::REFERRER_POLICY, "no-referrer"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        site.index.as_str(),
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

async fn asset(site: &'static Site, Path((version, name)): Path<(String, String)>) -> Response {
    let found = site.assets.iter().find(|(n, _)| *n == name);
    let Some((content_type, body)) = found.and_then(|(n, body)| Some((content_type(n)?, *body)))
    else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    // A page from an older binary asking for its own version gets today's
    // file, but must not keep it.
    let cache = if version == site.version {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, cache),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The module specifiers a script imports: `from '…'`, `import '…'`, `import('…')`.
    fn imports(script: &str) -> Vec<&str> {
        let mut found = Vec::new();
        for marker in ["from ", "import ", "import("] {
            for (at, _) in script.match_indices(marker) {
                let rest = script[at + marker.len()..].trim_start();
                let Some(quote) = rest.chars().next().filter(|c| matches!(c, '\'' | '"')) else {
                    continue;
                };
                found.extend(rest[1..].split(quote).next());
            }
        }
        found
    }

    /// Each page, its folder and its asset prefix.
    fn sites() -> [(&'static Site, &'static str, &'static str); 2] {
        [
            (&DINER, "web", "/assets"),
            (&CONSOLE, "console", "/admin/assets"),
        ]
    }

    fn script(site: &Site, name: &str) -> &'static str {
        let (_, body) = site
            .assets
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("{name} is not served"));
        std::str::from_utf8(body).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    #[test]
    fn each_page_names_every_module_it_loads_under_the_versioned_prefix() {
        for (site, folder, prefix) in sites() {
            modules_are_served_and_loaded(site, folder, prefix);
        }
    }

    fn modules_are_served_and_loaded(site: &Site, folder: &str, prefix: &str) {
        let prefix = format!("{prefix}/{}/", site.version);
        assert!(site.index.contains(&format!("{prefix}app.js")), "{folder}");
        assert!(site.index.contains(&format!("{prefix}app.css")), "{folder}");
        assert!(!site.index.contains("{{"), "{folder}");
        for reference in site.index.split(&prefix).skip(1) {
            let name = reference.split('"').next().unwrap_or_default();
            assert!(
                site.assets.iter().any(|(n, _)| *n == name),
                "{folder}: the page loads {name}, which is not served"
            );
        }
        // From app.js, modules import each other relatively (so under the
        // same versioned prefix); each must be served, and each served
        // script must be one the page loads.
        let mut loaded = vec!["app.js"];
        let mut next = 0;
        while let Some(&name) = loaded.get(next) {
            next += 1;
            for import in imports(script(site, name)) {
                let file = import.strip_prefix("./").unwrap_or_else(|| {
                    panic!("{folder}/{name} imports {import}: not relative to the page's assets")
                });
                assert!(
                    file.ends_with(".js") && site.assets.iter().any(|(n, _)| *n == file),
                    "{folder}/{name} imports {file}, which is not a served script"
                );
                if !loaded.contains(&file) {
                    loaded.push(file);
                }
            }
        }
        for (name, _) in site.assets.iter().filter(|(n, _)| n.ends_with(".js")) {
            assert!(
                loaded.contains(name),
                "{folder}/{name} is served but never loaded"
            );
        }
    }

    #[test]
    fn every_file_of_each_folder_but_the_template_is_served_with_its_type() {
        for (site, folder, _) in sites() {
            let dir = format!("{}/{folder}", env!("CARGO_MANIFEST_DIR"));
            let mut files: Vec<String> = std::fs::read_dir(&dir)
                .expect("page folder")
                .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
                .filter(|n| n != "index.html" && !n.starts_with('.'))
                .collect();
            files.sort();
            let served: Vec<&str> = site.assets.iter().map(|(n, _)| *n).collect();
            assert_eq!(served, files, "{folder}");
            for (name, body) in site.assets {
                assert!(
                    content_type(name).is_some(),
                    "{folder}/{name}: no content type"
                );
                let on_disk = std::fs::read(format!("{dir}/{name}")).expect("asset file");
                assert_eq!(
                    *body,
                    on_disk.as_slice(),
                    "{folder}/{name} is not what is on disk"
                );
            }
        }
        assert_eq!(
            content_type("app.js"),
            Some("text/javascript; charset=utf-8")
        );
        assert_eq!(content_type("app.css"), Some("text/css; charset=utf-8"));
        assert_eq!(content_type("icon.svg"), Some("image/svg+xml"));
        assert_eq!(content_type("notes.txt"), None);
        assert_eq!(content_type("Makefile"), None);
    }

    #[tokio::test]
    async fn assets_are_served_by_name_and_cached_for_good_only_under_this_version() {
        use axum::body::Body;
        use axum::http::Request;
        use tower::ServiceExt;

        let get = |uri: String| async move {
            let request = Request::get(uri).body(Body::empty()).expect("request");
            diner_router::<()>()
                .merge(console_router())
                .oneshot(request)
                .await
                .expect("response")
        };
        let console = get(format!("/admin/assets/{}/app.js", CONSOLE.version)).await;
        assert_eq!(console.status(), StatusCode::OK);
        assert_eq!(
            console.headers()[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        // Each page's assets are its own.
        let crossed = get(format!("/admin/assets/{}/cart.js", CONSOLE.version)).await;
        assert_eq!(crossed.status(), StatusCode::NOT_FOUND);
        let page = get("/admin".to_owned()).await;
        assert_eq!(page.status(), StatusCode::OK);
        assert!(
            page.headers()[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .expect("ascii")
                .contains("script-src 'self';")
        );
        let fresh = get(format!("/assets/{}/app.js", DINER.version)).await;
        assert_eq!(fresh.status(), StatusCode::OK);
        assert_eq!(
            fresh.headers()[header::CONTENT_TYPE],
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            fresh.headers()[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        let old = get("/assets/000000000000/app.js".to_owned()).await;
        assert_eq!(old.status(), StatusCode::OK);
        assert_eq!(old.headers()[header::CACHE_CONTROL], "no-cache");
        for missing in ["index.html", "nothing.js"] {
            let response = get(format!("/assets/{}/{missing}", DINER.version)).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{missing}");
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
