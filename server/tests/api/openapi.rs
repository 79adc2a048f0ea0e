//! The OpenAPI document says what the server answers (the rest of the
//! check is schemathesis in `tests/openapi/run.sh`): the answers every
//! operation can give are in it, and integers are what JSON Schema calls
//! integers. The document does not depend on the database: SQLite only.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, expect_status};

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Asserts that `op` documents `status` with the error body and `code`.
fn answers(doc: &Value, what: &str, op: &Value, status: &str, code: &str) {
    let response = &op["responses"][status];
    assert!(
        response.is_object(),
        "{what} does not document {status} (`{code}`)"
    );
    assert_eq!(
        response["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ErrorBody",
        "{what}: {status} has the error body"
    );
    let description = response["description"].as_str().unwrap_or_default();
    assert!(
        description.contains(&format!("`{code}`")),
        "{what}: {status} names `{code}`: {description}"
    );
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_documents_the_answers_it_can_always_give() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let res = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("r");
    let doc = expect_status(res, StatusCode::OK).await;
    let paths = doc["paths"].as_object().expect("paths");
    let (mut bearer, mut ws, mut bodies) = (0, 0, 0);
    for (path, item) in paths {
        for method in METHODS {
            let op = &item[method];
            if !op.is_object() {
                continue;
            }
            let what = format!("{} {path}", method.to_uppercase());
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let has = |place: &str| params.iter().any(|p| p["in"] == place);
            let secured = op["security"]
                .as_array()
                .is_some_and(|reqs| reqs.iter().any(|r| r.get("bearer").is_some()));
            if secured {
                bearer += 1;
                answers(&doc, &what, op, "401", "unauthorized");
            }
            if has("path") {
                answers(&doc, &what, op, "400", "invalid_path");
                answers(&doc, &what, op, "404", "not_found");
            }
            if has("query") {
                answers(&doc, &what, op, "400", "invalid_query");
            }
            if op["requestBody"]["content"]["application/json"].is_object() {
                bodies += 1;
                answers(&doc, &what, op, "400", "invalid_json");
                answers(&doc, &what, op, "413", "body_too_large");
                answers(&doc, &what, op, "415", "unsupported_media_type");
                answers(&doc, &what, op, "422", "invalid_body");
            }
            if path.starts_with("/ws/") {
                ws += 1;
                answers(&doc, &what, op, "400", "websocket_required");
            }
        }
    }
    // The document has what the checks above are about.
    assert!(bearer >= 40, "{bearer} operations with bearer security");
    assert!(bodies >= 15, "{bodies} operations with a JSON body");
    assert_eq!(ws, 3, "the three sockets");

    // What the server refuses, the document does not offer.
    let status = doc["paths"]["/api/v1/admin/orders"]["get"]["parameters"]
        .as_array()
        .expect("params")
        .iter()
        .find(|p| p["name"] == "status")
        .expect("status filter")
        .clone();
    assert_eq!(status["explode"], false, "{status}");
    let items = &status["schema"]["items"];
    let statuses = if items["$ref"].is_string() {
        doc["components"]["schemas"]["OrderStatus"]["enum"].clone()
    } else {
        items["enum"].clone()
    };
    assert_eq!(
        statuses,
        json!([
            "placed",
            "accepted",
            "preparing",
            "ready",
            "served",
            "cancelled"
        ]),
        "{status}"
    );
    let languages = &doc["components"]["schemas"]["RestaurantPatch"]["properties"]["languages"];
    assert_eq!(languages["minItems"], 1, "{languages}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_integer_written_with_a_zero_fraction_is_that_integer() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    // JSON Schema's `integer`, which the document says, counts 1000.0.
    let res = app
        .admin(Method::PATCH, "/restaurant", &app.owner)
        .json(&json!({ "tax_rate_bp": 1000.0 }))
        .send()
        .await
        .expect("patch");
    let body = expect_status(res, StatusCode::OK).await;
    assert_eq!(body["tax_rate_bp"], 1000);
    // A fraction is still not an integer; nor is a number out of range,
    // nor one past what a float holds exactly.
    for bad in [
        "1000.5",
        "-1.0",
        "1e300",
        "4294967296.0",
        "-9223372036854775809",
    ] {
        let res = app
            .admin(Method::PATCH, "/restaurant", &app.owner)
            .header("content-type", "application/json")
            .body(format!("{{\"tax_rate_bp\": {bad}}}"))
            .send()
            .await
            .expect("patch");
        let body = expect_status(res, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(body["code"], "invalid_body", "{bad}: {body}");
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains("tax_rate_bp")),
            "{body}"
        );
    }
    // An i64 field the same way: 3.0 is 3; one past i64's least is refused,
    // not rounded onto it.
    let category = |body: &'static str| {
        app.admin(Method::PATCH, "/categories/1", &app.owner)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let body = expect_status(
        category("{\"sort\": 3.0}").await.expect("patch"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(body["sort"], 3);
    let body = expect_status(
        category("{\"sort\": -9223372036854775809}")
            .await
            .expect("patch"),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(body["code"], "invalid_body", "{body}");
    // Malformed JSON and a missing content type keep their answers.
    let res = app
        .admin(Method::PATCH, "/restaurant", &app.owner)
        .header("content-type", "application/json")
        .body("{\"tax_rate_bp\": ")
        .send()
        .await
        .expect("patch");
    assert_eq!(
        expect_status(res, StatusCode::BAD_REQUEST).await["code"],
        "invalid_json"
    );
    let res = app
        .admin(Method::PATCH, "/restaurant", &app.owner)
        .body("{}")
        .send()
        .await
        .expect("patch");
    assert_eq!(
        expect_status(res, StatusCode::UNSUPPORTED_MEDIA_TYPE).await["code"],
        "unsupported_media_type"
    );
}
