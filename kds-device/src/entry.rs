//! What an entry of the kitchen stream is: an order or a void of some of
//! its lines (`qrorder_shared::stream`), decoded, or why it cannot be.

use qrorder_shared::stream::{
    ORDER_PAYLOAD_SCHEMA, OrderPayload, VOID_ID_FIELD, VOID_PAYLOAD_SCHEMA, VoidPayload,
};

use crate::redis_io::Entry;

/// What an entry of the kitchen stream is.
#[derive(Debug)]
pub(crate) enum Decoded {
    Order(OrderPayload),
    Void(VoidPayload),
}

/// Why an entry cannot be handled.
pub(crate) fn decode(entry: &Entry) -> Result<Decoded, String> {
    let fields = entry.fields.as_ref().ok_or("the entry no longer exists")?;
    let payload = fields.get("payload").ok_or("no `payload` field")?;
    let value: serde_json::Value =
        serde_json::from_slice(payload).map_err(|e| format!("payload is not JSON: {e}"))?;
    let is_void = fields.contains_key(VOID_ID_FIELD);
    let known = if is_void {
        VOID_PAYLOAD_SCHEMA
    } else {
        ORDER_PAYLOAD_SCHEMA
    };
    let schema = value.get("schema").and_then(serde_json::Value::as_u64);
    if schema != Some(u64::from(known)) {
        return Err(format!(
            "unknown payload schema {} (this device reads {known})",
            schema.map_or_else(|| "none".to_owned(), |s| s.to_string())
        ));
    }
    if is_void {
        let void: VoidPayload =
            serde_json::from_value(value).map_err(|e| format!("void does not decode: {e}"))?;
        return Ok(Decoded::Void(void));
    }
    let order: OrderPayload =
        serde_json::from_value(value).map_err(|e| format!("payload does not decode: {e}"))?;
    if let Some(id) = fields.get("order_id") {
        let id = String::from_utf8_lossy(id);
        if id.trim() != order.order_id.to_string() {
            return Err(format!(
                "order_id field {id} differs from the payload's {}",
                order.order_id
            ));
        }
    }
    Ok(Decoded::Order(order))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(payload: &str) -> Entry {
        Entry {
            id: "1-0".into(),
            fields: Some(
                [
                    ("order_id".to_owned(), b"5".to_vec()),
                    ("payload".to_owned(), payload.as_bytes().to_vec()),
                ]
                .into_iter()
                .collect(),
            ),
        }
    }

    #[test]
    fn unknown_schema_and_broken_json_are_refused_with_a_reason() {
        let e = decode(&entry(r#"{"schema": 99, "order_id": 5}"#)).err();
        assert!(e.is_some_and(|e| e.contains("schema 99")));
        assert!(decode(&entry("{not json")).is_err());
        assert!(
            decode(&Entry {
                id: "1-0".into(),
                fields: None
            })
            .is_err()
        );
    }

    #[test]
    fn a_void_decodes_as_a_void_and_never_as_an_order() {
        let void = serde_json::json!({
            "schema": VOID_PAYLOAD_SCHEMA, "restaurant_id": 1, "void_id": 3, "order_id": 5,
            "number": 12, "table_name": "T3", "voided_at": 0, "reason": "wrong table",
            "order_cancelled": false,
            "items": [{"menu_item_id": 1, "name": {"en": "Bibimbap"}, "qty": 2,
                       "options": [], "note": null, "station": "kitchen"}],
        })
        .to_string();
        let mut e = entry(&void);
        if let Some(f) = e.fields.as_mut() {
            f.insert(VOID_ID_FIELD.to_owned(), b"3".to_vec());
        }
        assert!(
            matches!(decode(&e), Ok(Decoded::Void(v)) if v.void_id == 3 && v.items[0].qty == 2)
        );
        // Read as an order (a device that knows no voids): refused, never printed.
        let as_order = decode(&entry(&void));
        assert!(
            as_order
                .as_ref()
                .is_err_and(|e| e.contains("does not decode")),
            "{as_order:?}"
        );
    }
}
