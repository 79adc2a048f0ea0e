//! The admin API as the device uses it: open orders and status changes,
//! with the device's bearer token.

use std::time::Duration;

use qrorder_shared::ErrorBody;
use qrorder_shared::device::{DevicePrinter, DeviceStatus};
use qrorder_shared::order::{
    KitchenConfirmation, KitchenConfirmed, Order, OrderStatus, StatusChange,
};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("admin API unreachable: {0}")]
    Unreachable(#[from] reqwest::Error),
    #[error("admin API answered {status}: {code}: {message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
}

impl ApiError {
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Refused { code, .. } => Some(code),
            ApiError::Unreachable(_) => None,
        }
    }
}

#[derive(Clone)]
pub struct AdminClient {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl AdminClient {
    pub fn new(base: &str, token: &str, timeout: Duration) -> Result<Self, ApiError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            // A fresh connection per request: a dead server shows at once.
            .pool_max_idle_per_host(0)
            .build()?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
        })
    }

    async fn check(resp: reqwest::Response) -> Result<reqwest::Response, ApiError> {
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let body: Option<ErrorBody> = resp.json().await.ok();
        let (code, message) = body.map_or_else(
            || ("http_error".to_owned(), status.to_string()),
            |b| (b.code, b.message),
        );
        Err(ApiError::Refused {
            status: status.as_u16(),
            code,
            message,
        })
    }

    /// `POST /api/v1/admin/devices/status`: this device's printer, for the
    /// console's device list.
    pub async fn report_printer(&self, printer: DevicePrinter) -> Result<(), ApiError> {
        let resp = self
            .http
            .post(format!("{}/api/v1/admin/devices/status", self.base))
            .bearer_auth(&self.token)
            .json(&DeviceStatus { printer })
            .send()
            .await?;
        Self::check(resp).await.map(drop)
    }

    /// `GET /healthz`: the server answers.
    pub async fn health(&self) -> Result<(), ApiError> {
        let resp = self
            .http
            .get(format!("{}/healthz", self.base))
            .send()
            .await?;
        Self::check(resp).await.map(drop)
    }

    /// Orders placed, accepted or preparing.
    pub async fn open_orders(&self) -> Result<Vec<Order>, ApiError> {
        let resp = self
            .http
            .get(format!("{}/api/v1/admin/orders", self.base))
            .query(&[("status", "placed,accepted,preparing")])
            .bearer_auth(&self.token)
            .send()
            .await?;
        Ok(Self::check(resp).await?.json().await?)
    }

    pub async fn set_status(&self, order_id: i64, status: OrderStatus) -> Result<(), ApiError> {
        let resp = self
            .http
            .patch(format!("{}/api/v1/admin/orders/{order_id}", self.base))
            .bearer_auth(&self.token)
            .json(&StatusChange { status })
            .send()
            .await?;
        Self::check(resp).await.map(drop)
    }

    /// `POST /api/v1/admin/orders/kitchen-confirmations`: these orders'
    /// tickets were printed here (at most [`KitchenConfirmation::MAX`]).
    pub async fn confirm_printed(&self, order_ids: &[i64]) -> Result<usize, ApiError> {
        let resp = self
            .http
            .post(format!(
                "{}/api/v1/admin/orders/kitchen-confirmations",
                self.base
            ))
            .bearer_auth(&self.token)
            .json(&KitchenConfirmation {
                order_ids: order_ids.to_vec(),
            })
            .send()
            .await?;
        let answer: KitchenConfirmed = Self::check(resp).await?.json().await?;
        Ok(answer.recorded)
    }
}
