//! Floor service: who ordered what (attribution from the shared cart),
//! diners' service requests, and the bill split by person or evenly.

use qrorder_shared::MenuItemId;
use qrorder_shared::ws::ClientMessage;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_error, expect_status};
use crate::on_both_backends;
use crate::ws::Diner;

fn add(item: i64, qty: u32) -> ClientMessage {
    ClientMessage::Add {
        item_id: MenuItemId(item),
        options: Default::default(),
        qty,
        note: None,
    }
}

/// The cart as `d` sees it, as an order body at its version.
async fn cart_order(app: &TestApp, token: &str, d: &Diner) -> Value {
    let visit = app.table_info(token).await["visit_id"].clone();
    let mut items = Vec::new();
    for l in &d.lines {
        let version = app.menu_item(l.item_id.0).await["version"].clone();
        items.push(json!({ "menu_item_id": l.item_id, "menu_version": version, "qty": l.qty, "note": l.note }));
    }
    json!({ "visit_id": visit, "cart_version": d.version, "items": items })
}

/// `(menu item, qty, added_by.client_id)` of every line of `order`, sorted.
fn attribution(order: &Value) -> Vec<(i64, u64, Option<String>)> {
    let mut got: Vec<_> = order["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|l| {
            (
                l["menu_item_id"].as_i64().expect("id"),
                l["qty"].as_u64().expect("qty"),
                l["added_by"]["client_id"].as_str().map(str::to_owned),
            )
        })
        .collect();
    got.sort();
    got
}

on_both_backends! {
    async fn lines_ordered_from_the_cart_keep_who_added_them_and_other_orders_are_the_tables(app: TestApp) {
        let token = app.table_token(1);
        let mut a = Diner::connect(&app.base, &token, "ann-1", "Ann").await;
        let mut b = Diner::connect(&app.base, &token, "bo-2", "Bo").await;
        a.send(&add(8, 2)).await;
        a.until(|d| d.lines.len() == 1).await;
        b.send(&add(9, 1)).await;
        b.until(|d| d.lines.len() == 2).await;
        // The same line as Ann's, added by Bo: one of the two is his.
        b.send(&add(8, 2)).await;
        b.until(|d| d.lines.len() == 3).await;
        let body = cart_order(&app, &token, &b).await;
        let order = expect_status(app.place(&token, &body, "from-cart").await, StatusCode::CREATED).await;
        let want = vec![
            (8, 2, Some("ann-1".to_owned())),
            (8, 2, Some("bo-2".to_owned())),
            (9, 1, Some("bo-2".to_owned())),
        ];
        assert_eq!(attribution(&order), want);
        let ann = order["items"].as_array().expect("items").iter()
            .find(|l| l["added_by"]["client_id"] == "ann-1").expect("Ann's line");
        assert_eq!(ann["added_by"]["nickname"], "Ann", "the nickname of the moment");
        // Stored so: the admin API, the table's orders and the bill read it back.
        let stored = app.get_json(&format!("/orders/{}", order["id"]), &app.owner).await;
        assert_eq!(attribution(&stored), want);
        let res = app.client.get(app.url(&format!("/api/v1/tables/{token}/orders"))).send().await.expect("orders");
        let listed = expect_status(res, StatusCode::OK).await;
        assert_eq!(attribution(&listed[0]), want);

        // Without the cart: the table's.
        let plain = expect_status(app.place(&token, &app.order_body(&token, &[(7, 1)]).await, "plain").await, StatusCode::CREATED).await;
        assert_eq!(attribution(&plain), vec![(7, 1, None)]);
        assert!(plain["items"][0]["added_by"].is_null());

        // A request cannot say who added a line.
        a.until(|d| d.lines.is_empty()).await;
        a.send(&add(9, 1)).await;
        a.until(|d| d.lines.len() == 1 && d.lines[0].added_by == "ann-1").await;
        let mut forged = cart_order(&app, &token, &a).await;
        forged["items"][0]["added_by"] = json!({ "client_id": "bo-2", "nickname": "Bo" });
        let res = app.place(&token, &forged, "forged").await;
        assert!(res.status().is_client_error(), "{}", res.status());
        let honest = expect_status(app.place(&token, &cart_order(&app, &token, &a).await, "honest").await, StatusCode::CREATED).await;
        assert_eq!(attribution(&honest), vec![(9, 1, Some("ann-1".to_owned()))]);
    }
}
