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

/// Every finite number of `value` with no fraction that fits an `i64` or a
/// `u64` becomes that integer (exactly: such a float is an integer).
fn integral_floats_as_integers(value: &mut serde_json::Value) {
    use serde_json::{Number, Value};
    const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
    const TWO_POW_64: f64 = 18_446_744_073_709_551_616.0;
    match value {
        Value::Number(n) if n.is_f64() => {
            let Some(f) = n.as_f64() else { return };
            if !f.is_finite() || f.fract() != 0.0 {
                return;
            }
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            if (-TWO_POW_63..TWO_POW_63).contains(&f) {
                *n = Number::from(f as i64);
            } else if (0.0..TWO_POW_64).contains(&f) {
                *n = Number::from(f as u64);
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
        let mut big = json!(1.8e19);
        integral_floats_as_integers(&mut big);
        assert_eq!(big.as_u64(), Some(18_000_000_000_000_000_000));
    }
}
