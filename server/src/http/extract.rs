//! Extractors whose rejections are `ApiError`s, so malformed input always
//! gets the JSON error body and a 4xx, never axum's plain-text default.

use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::http::error::ApiError;

/// `axum::Json` with our error body. A number with a zero fraction
/// (`8098.0`) is taken as the integer it is, as JSON Schema's `integer`
/// (what the OpenAPI document says) counts it: the document and the server
/// agree on what an integer field accepts.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let axum::Json(mut value) =
            axum::Json::<serde_json::Value>::from_request(req, state).await?;
        integral_floats_as_integers(&mut value);
        serde_path_to_error::deserialize(value)
            .map(Json)
            .map_err(|e| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_body",
                    format!("Failed to deserialize the JSON body into the target type: {e}"),
                )
            })
    }
}

/// Every number of `value` that is a float with no fraction, smaller than
/// 2^53 in magnitude, becomes that integer. Only there is the float exactly
/// the integer it was written as (`9007199254740993.0` parses as 2^53, and
/// `-9223372036854775809` as -2^63: those stay floats, and an integer field
/// refuses them). serde_json's `float_roundtrip` (server/Cargo.toml) makes
/// the parse exact enough for that: without it `9007199254740991.0` parses
/// as ...990.
fn integral_floats_as_integers(value: &mut serde_json::Value) {
    use serde_json::{Number, Value};
    const TWO_POW_53: f64 = 9_007_199_254_740_992.0;
    match value {
        Value::Number(n) if n.is_f64() => {
            let Some(f) = n.as_f64() else { return };
            if f.fract() == 0.0 && f.abs() < TWO_POW_53 {
                #[allow(clippy::cast_possible_truncation)]
                let i = f as i64;
                *n = Number::from(i);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_floats_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(integral_floats_as_integers),
        _ => {}
    }
}

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let text = r.body_text();
        match r.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                "the request body is too large",
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON with `Content-Type: application/json`",
            ),
            StatusCode::UNPROCESSABLE_ENTITY => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", text)
            }
            _ => ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", text),
        }
    }
}

/// `axum::extract::Path` with our error body.
#[derive(Debug, Clone, Copy, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_path", r.body_text())
    }
}

/// `axum::extract::Query` with our error body.
#[derive(Debug, Clone, Copy, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(r: axum::extract::rejection::QueryRejection) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", r.body_text())
    }
}

#[cfg(test)]
mod tests {
    use super::integral_floats_as_integers;
    use serde_json::json;

    #[test]
    fn integral_floats_become_integers_and_others_stay() {
        let mut v =
            json!({"a": 8098.0, "b": [-3.0, 1.5, 0.0], "c": {"d": 1e300, "e": "7.0"}, "f": 7});
        integral_floats_as_integers(&mut v);
        assert_eq!(
            v,
            json!({"a": 8098, "b": [-3, 1.5, 0], "c": {"d": 1e300, "e": "7.0"}, "f": 7})
        );
        assert!(v["a"].is_i64());
        // Where a float is no longer exactly what was written, it stays one.
        for text in ["9007199254740993.0", "-9223372036854775809", "1.8e19"] {
            let mut big: serde_json::Value = serde_json::from_str(text).expect("number");
            integral_floats_as_integers(&mut big);
            assert!(big.is_f64(), "{text}");
        }
        let mut edge: serde_json::Value = serde_json::from_str("9007199254740991.0").expect("n");
        integral_floats_as_integers(&mut edge);
        assert_eq!(edge.as_i64(), Some(9_007_199_254_740_991));
    }
}
