//! Service requests: a diner asks for staff, water or the bill from the
//! table's page; staff acknowledge ("on the way") and mark them done. Every
//! change is pushed as `ServerMessage::ServiceRequest` to the staff feed and
//! to the table's diners.

use serde::{Deserialize, Serialize};

use crate::TableId;
use crate::location::GeoFix;

/// What a diner can ask for. A restaurant offers any of them
/// (`Restaurant::service_kinds`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ServiceKind {
    CallStaff,
    Water,
    Bill,
}

impl ServiceKind {
    pub const ALL: [ServiceKind; 3] = [
        ServiceKind::CallStaff,
        ServiceKind::Water,
        ServiceKind::Bill,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            ServiceKind::CallStaff => "call_staff",
            ServiceKind::Water => "water",
            ServiceKind::Bill => "bill",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// `open` → `acked` (staff on the way) → `done`; `open` → `done` directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ServiceState {
    Open,
    Acked,
    Done,
}

impl ServiceState {
    pub const ALL: [ServiceState; 3] =
        [ServiceState::Open, ServiceState::Acked, ServiceState::Done];

    pub fn as_str(&self) -> &'static str {
        match self {
            ServiceState::Open => "open",
            ServiceState::Acked => "acked",
            ServiceState::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A diner's request, as staff and the table's diners see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceRequest {
    pub id: i64,
    pub table_id: TableId,
    pub table_name: String,
    pub visit_id: i64,
    pub kind: ServiceKind,
    pub state: ServiceState,
    /// Unix milliseconds.
    pub created_at: i64,
    pub acked_at: Option<i64>,
    pub done_at: Option<i64>,
}

/// `POST /tables/{token}/service-requests`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewServiceRequest {
    /// The visit from `GET /tables/{token}`; a closed one is 409 `visit_closed`.
    pub visit_id: i64,
    pub kind: ServiceKind,
    /// A GPS fix, when the restaurant's location policy asks for one (as
    /// for an order).
    #[serde(default)]
    pub location: Option<GeoFix>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_states_are_snake_case_words() {
        for k in ServiceKind::ALL {
            let json = serde_json::to_value(k).expect("json");
            assert_eq!(json, k.as_str());
            assert_eq!(ServiceKind::parse(k.as_str()), Some(k));
        }
        for s in ServiceState::ALL {
            assert_eq!(serde_json::to_value(s).expect("json"), s.as_str());
        }
        assert_eq!(ServiceKind::parse("dessert"), None);
    }
}
