//! What every operation of the document can answer, added in one place so
//! that no handler has to repeat it (and none can forget it): the answers
//! of the extractors (`http::extract`), of the bearer check (`auth::Caller`)
//! and of the WebSocket upgrade, each with the error body. Applied to the
//! whole document once the routers are merged (`app::router`).
//!
//! - an operation with bearer security: 401 `unauthorized`;
//! - path parameters: 400 `invalid_path`, 404 `not_found` (every path
//!   parameter names something that may not exist, or not for the caller);
//! - query parameters: 400 `invalid_query`;
//! - an `Idempotency-Key` header: 400 `invalid_idempotency_key`;
//! - a JSON body: 400 `invalid_json`, 413 `body_too_large`, 415
//!   `unsupported_media_type`, 422 `invalid_body`;
//! - a multipart body: 400 `invalid_multipart`, 413, 415;
//! - `/ws/*`: 400 `websocket_required` (a plain HTTP request).
//!
//! A status the handler already documents keeps its description; the codes
//! added here are appended to it.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder};

/// Adds the common answers to every operation of `doc`.
pub fn add_common_responses(doc: &mut OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        let ws = path.starts_with("/ws/");
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ]
        .into_iter()
        .flatten()
        {
            add_to_operation(op, ws);
        }
    }
}

fn add_to_operation(op: &mut Operation, ws: bool) {
    let params = op.parameters.as_deref().unwrap_or_default();
    let has = |place: ParameterIn| params.iter().any(|p| p.parameter_in == place);
    let (path_params, query_params) = (has(ParameterIn::Path), has(ParameterIn::Query));
    let idempotency = params.iter().any(|p| {
        p.parameter_in == ParameterIn::Header && p.name.eq_ignore_ascii_case("idempotency-key")
    });
    let body_types: Vec<String> = op
        .request_body
        .as_ref()
        .map(|b| b.content.keys().cloned().collect())
        .unwrap_or_default();
    let json_body = body_types.iter().any(|t| t.contains("json"));
    let multipart_body = body_types.iter().any(|t| t.starts_with("multipart/"));
    let bearer = op
        .security
        .as_ref()
        .is_some_and(|reqs| !reqs.is_empty() && security_names(reqs).any(|n| n == "bearer"));

    let mut add = |status: &str, code: &str, when: &str| add_response(op, status, code, when);
    if bearer {
        add(
            "401",
            "unauthorized",
            "no bearer token, a malformed one, or one unknown, expired or revoked",
        );
    }
    if path_params {
        add("400", "invalid_path", "a path parameter does not parse");
        add(
            "404",
            "not_found",
            "nothing of that id or token (or it is another restaurant's)",
        );
    }
    if query_params {
        add("400", "invalid_query", "a query parameter does not parse");
    }
    if idempotency {
        add(
            "400",
            "invalid_idempotency_key",
            "the `Idempotency-Key` is not 1 to 100 visible ASCII characters",
        );
    }
    if json_body {
        add("400", "invalid_json", "the body is not JSON");
        add("413", "body_too_large", "the body is over the size limit");
        add(
            "415",
            "unsupported_media_type",
            "the body is not sent as `application/json`",
        );
        add(
            "422",
            "invalid_body",
            "the JSON does not have the body's shape (a missing field, a wrong type)",
        );
    }
    if multipart_body {
        add(
            "400",
            "invalid_multipart",
            "the multipart body does not parse",
        );
        add("413", "body_too_large", "the body is over the size limit");
        add(
            "415",
            "unsupported_media_type",
            "the body is not `multipart/form-data`",
        );
    }
    if ws {
        add(
            "400",
            "websocket_required",
            "a plain HTTP request; open it with a WebSocket client",
        );
    }
}

fn security_names(
    reqs: &[utoipa::openapi::security::SecurityRequirement],
) -> impl Iterator<Item = String> + '_ {
    // `SecurityRequirement` keeps its map private; its JSON form names the
    // schemes.
    reqs.iter().flat_map(|r| {
        serde_json::to_value(r)
            .ok()
            .and_then(|v| v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()))
            .unwrap_or_default()
    })
}

/// `status` answers with the error body and `code` (when `when`): a new
/// response, or the code appended to the one the handler documents.
fn add_response(op: &mut Operation, status: &str, code: &str, when: &str) {
    let line = format!("`{code}`: {when}");
    match op.responses.responses.get_mut(status) {
        Some(RefOr::T(existing)) => {
            if !existing.description.contains(&format!("`{code}`")) {
                if existing.description.trim().is_empty() {
                    existing.description = line;
                } else {
                    existing.description = format!("{}; {line}", existing.description);
                }
            }
            if existing.content.is_empty() {
                *existing = error_response(&existing.description);
            }
        }
        Some(RefOr::Ref(_)) => {}
        None => {
            op.responses
                .responses
                .insert(status.to_owned(), RefOr::T(error_response(&line)));
        }
    }
}

fn error_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
}
