//! The owner's reports over a range of business days: sales (totals as the
//! bills compute them, dishes, hours, prep time per station) and CSV files
//! of the orders and of their lines. Aggregated in SQL that runs on both
//! databases; only what SQL cannot do portably is done here: the tax of a
//! visit (the bills' rounding) and the local hour of a UTC hour (time zones
//! with their daylight-saving rules).

mod csv;
mod sales;

use qrorder_shared::admin::Role;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::http::error::{ApiError, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sales::sales_report))
        .routes(routes!(csv::orders_csv))
        .routes(routes!(csv::lines_csv))
}

/// At most this many business days in one report.
const MAX_DAYS: i64 = 366;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(crate) struct Range {
    /// First business day, `YYYY-MM-DD` (the restaurant's local date; the
    /// day turns at 04:00).
    from: String,
    /// Last business day, inclusive.
    to: String,
}

/// The checked range: owners only, two dates in order, at most a year.
fn check(caller: &Caller, range: &Range) -> ApiResult<(String, String)> {
    caller.require(&[Role::Owner], "see reports")?;
    let date = |field: &str, text: &str| {
        text.parse::<jiff::civil::Date>()
            .ok()
            .filter(|d| d.to_string() == text)
            .ok_or_else(|| ApiError::invalid(field, "must be a date written YYYY-MM-DD"))
    };
    let (from, to) = (date("from", &range.from)?, date("to", &range.to)?);
    if from > to {
        return Err(ApiError::invalid("to", "must not be before `from`"));
    }
    let days = (to - from).get_days() + 1;
    if i64::from(days) > MAX_DAYS {
        return Err(ApiError::invalid(
            "to",
            format!("a report covers at most {MAX_DAYS} days; this range has {days}"),
        ));
    }
    Ok((from.to_string(), to.to_string()))
}
