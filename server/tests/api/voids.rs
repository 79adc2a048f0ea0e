//! Staff order entry and voids: an order entered from the console takes the
//! diners' path (checks, stock, idempotency, kitchen stream) without the
//! location guard; a void gives the stock back exactly, leaves the bill,
//! and reaches the kitchen stream as a void entry.

use std::time::Duration;

use qrorder_shared::order::{Order, OrderStatus};
use qrorder_shared::stream::{VOID_ID_FIELD, VOID_PAYLOAD_SCHEMA, VoidPayload};
use qrorder_shared::ws::{ClientMessage, ServerMessage};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::floor::{Feed, next_message, staff_feed};
use crate::helpers::{TestApp, expect_error, expect_status};
use crate::on_both_backends;
use crate::ws::Diner;

/// The next `order_changed` the staff feed hears (at most 20 messages, each within 5 s).
async fn heard_change(feed: &mut Feed) -> Order {
    for _ in 0..20 {
        if let ServerMessage::OrderChanged { order } = next_message(feed).await {
            return order;
        }
    }
    panic!("twenty messages and no order_changed");
}

/// The `order_changed` of order `id` among what the diner heard.
fn diner_change(d: &Diner, id: i64) -> Option<&Order> {
    d.events.iter().rev().find_map(|e| match e {
        ServerMessage::OrderChanged { order } if order.id == id => Some(order),
        _ => None,
    })
}

impl TestApp {
    /// Staff (`token`) enter `(menu item, qty)` lines for table `index`.
    async fn enter(&self, token: &str, index: usize, lines: &[(i64, u32)], key: &str) -> Response {
        let items = self.order_body(&self.table_token(index), lines).await["items"].clone();
        let table = self.seed.tables[index].id;
        self.admin(Method::POST, &format!("/tables/{table}/orders"), token)
            .header("idempotency-key", key)
            .json(&json!({ "items": items }))
            .send()
            .await
            .expect("POST staff order")
    }

    pub(crate) async fn void(&self, order: i64, body: Value) -> Response {
        self.admin(Method::POST, &format!("/orders/{order}/void"), &self.owner)
            .json(&body)
            .send()
            .await
            .expect("POST void")
    }

    async fn stock(&self, item: i64) -> i64 {
        self.menu_item(item).await["stock"].as_i64().expect("stock")
    }
}

fn line_id(order: &Value, index: usize) -> i64 {
    order["items"][index]["id"].as_i64().expect("line id")
}

on_both_backends! {
    async fn staff_enter_an_order_that_takes_stock_reaches_the_kitchen_and_needs_no_location(app: TestApp) {
        // Diners must be on a network the test is not on: staff need not.
        app.patch_restaurant(json!({ "location_policy": "network", "network_cidrs": ["192.0.2.0/24"] })).await;
        let crab = app.limited_item("Crab", 5).await;
        let staff = app.staff().await;
        let res = app.enter(&staff, 0, &[(crab, 2), (1, 1)], "s1").await;
        let order = expect_status(res, StatusCode::CREATED).await;
        let id = order["id"].as_i64().expect("id");
        assert_eq!(app.stock(crab).await, 3);
        let line = &order["items"][0];
        assert!(line["added_by"].is_null(), "the table's line on the bill: {line}");
        assert!(line["entered_by"]["name"].as_str().is_some_and(|n| n.starts_with("staff-")), "{line}");
        assert!(line_id(&order, 0) > 0 && line_id(&order, 1) > line_id(&order, 0));
        assert_eq!(app.stream_order_ids(1, Duration::from_secs(10)).await, [id]);

        // The same key again: the first order, nothing new.
        let again = expect_status(app.enter(&staff, 0, &[(crab, 2), (1, 1)], "s1").await, StatusCode::OK).await;
        assert_eq!(again["id"], id);
        assert_eq!(app.stock(crab).await, 3);

        // Short of stock: the diners' answer, nothing taken.
        let res = app.enter(&staff, 0, &[(crab, 4)], "s2").await;
        expect_error(res, StatusCode::CONFLICT, "sold_out").await;
        assert_eq!(app.stock(crab).await, 3);
        let token = app.table_token(0);
        let diner = app.place(&token, &app.order_body(&token, &[(crab, 4)]).await, "d1").await;
        expect_error(diner, StatusCode::FORBIDDEN, "outside_restaurant").await;

        // A kitchen device enters nothing.
        let (_, device) = app.device().await;
        expect_status(app.enter(&device, 0, &[(1, 1)], "s3").await, StatusCode::FORBIDDEN).await;
    }

    async fn a_staff_order_opens_a_visit_for_a_table_whose_bill_was_closed(app: TestApp) {
        let table = app.seed.tables[1].id;
        let bill = app.get_json(&format!("/tables/{table}/bill"), &app.owner).await;
        let res = app.admin(Method::POST, &format!("/tables/{table}/close"), &app.owner).send().await.expect("close");
        expect_status(res, StatusCode::OK).await;
        let order = expect_status(app.enter(&app.owner, 1, &[(4, 1)], "o1").await, StatusCode::CREATED).await;
        assert_ne!(order["visit_id"], bill["visit_id"]);
        let now = app.get_json(&format!("/tables/{table}/bill"), &app.owner).await;
        assert_eq!(now["visit_id"], order["visit_id"]);
        assert_eq!(now["total"], order["total"]);
    }

    async fn a_void_returns_stock_exactly_leaves_the_bill_and_reaches_the_kitchen(app: TestApp) {
        let crab = app.limited_item("Crab", 5).await;
        let order = expect_status(app.enter(&app.owner, 0, &[(crab, 2), (crab, 1), (4, 1)], "v1").await, StatusCode::CREATED).await;
        let id = order["id"].as_i64().expect("id");
        assert_eq!(app.stock(crab).await, 2);
        let (first, japchae) = (line_id(&order, 0), line_id(&order, 2));

        let res = app.void(id, json!({ "line_ids": [first], "reason": "  entered twice  " })).await;
        let voided = expect_status(res, StatusCode::OK).await;
        assert_eq!(voided["items"][0]["voided"]["reason"], "entered twice");
        assert!(voided["items"][1]["voided"].is_null());
        assert_eq!(app.stock(crab).await, 4, "the voided line's 2 came back");
        let kept = order["total"]["amount_minor"].as_i64().expect("total")
            - order["items"][0]["line_total"]["amount_minor"].as_i64().expect("line");
        let table = app.seed.tables[0].id;
        let bill = app.get_json(&format!("/tables/{table}/bill"), &app.owner).await;
        assert_eq!(bill["subtotal"]["amount_minor"], kept);
        let crab_on_bill: u64 = bill["lines"].as_array().expect("lines").iter()
            .filter(|l| l["name"]["en"] == "Crab").map(|l| l["qty"].as_u64().expect("qty")).sum();
        assert_eq!(crab_on_bill, 1);

        // The kitchen stream: the order, then the void of its line.
        let entries = app.stream_entries(2).await;
        assert_eq!(entries.len(), 2);
        let void_id: i64 = entries[1].get::<String>(VOID_ID_FIELD).expect("void_id field").parse().expect("id");
        let payload: VoidPayload = serde_json::from_str(&entries[1].get::<String>("payload").expect("payload")).expect("void JSON");
        assert_eq!((payload.schema, payload.void_id, payload.order_id), (VOID_PAYLOAD_SCHEMA, void_id, id));
        assert_eq!((payload.reason.as_str(), payload.items.len(), payload.items[0].qty), ("entered twice", 1, 2));
        assert!(!payload.order_cancelled);

        // Refusals, each with nothing changed.
        let again = expect_error(app.void(id, json!({ "line_ids": [first], "reason": "again" })).await, StatusCode::CONFLICT, "already_voided").await;
        assert_eq!(again["details"]["line_ids"], json!([first]));
        expect_error(app.void(id, json!({ "line_ids": [japchae], "reason": " " })).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
        expect_error(app.void(id, json!({ "line_ids": [], "reason": "x" })).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
        expect_error(app.void(id, json!({ "line_ids": [999_999], "reason": "x" })).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
        assert_eq!(app.stock(crab).await, 4);

        // Cancelling now gives back what was not voided, and no more.
        let res = app.admin(Method::PATCH, &format!("/orders/{id}"), &app.owner)
            .json(&json!({ "status": "cancelled" })).send().await.expect("cancel");
        expect_status(res, StatusCode::OK).await;
        assert_eq!(app.stock(crab).await, 5);
        let cancelled = expect_error(app.void(id, json!({ "reason": "late" })).await, StatusCode::CONFLICT, "not_voidable").await;
        assert_eq!(cancelled["details"]["status"], "cancelled");
    }

    async fn voiding_every_line_cancels_the_order_and_served_orders_are_not_voidable(app: TestApp) {
        let crab = app.limited_item("Crab", 3).await;
        let order = expect_status(app.enter(&app.owner, 0, &[(crab, 3)], "w1").await, StatusCode::CREATED).await;
        let id = order["id"].as_i64().expect("id");
        let whole = expect_status(app.void(id, json!({ "reason": "guest left" })).await, StatusCode::OK).await;
        assert_eq!(whole["status"], "cancelled");
        assert_eq!(whole["total"]["amount_minor"], 0);
        assert_eq!(app.stock(crab).await, 3);
        let entries = app.stream_entries(2).await;
        let payload: VoidPayload = serde_json::from_str(&entries[1].get::<String>("payload").expect("payload")).expect("void JSON");
        assert!(payload.order_cancelled);

        let served = expect_status(app.enter(&app.owner, 0, &[(4, 1)], "w2").await, StatusCode::CREATED).await;
        let sid = served["id"].as_i64().expect("id");
        let res = app.admin(Method::PATCH, &format!("/orders/{sid}"), &app.owner)
            .json(&json!({ "status": "served" })).send().await.expect("serve");
        expect_status(res, StatusCode::OK).await;
        let err = expect_error(app.void(sid, json!({ "reason": "cold" })).await, StatusCode::CONFLICT, "not_voidable").await;
        assert_eq!(err["details"]["status"], "served");

        // The period's report counts the void, at what its lines came to.
        let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
        let range = format!("from={}&to={}", today.yesterday().expect("date"), today.tomorrow().expect("date"));
        let report = app.get_json(&format!("/reports/sales?{range}"), &app.owner).await;
        assert_eq!(report["voids"], 1);
        assert_eq!(report["voided_total"]["amount_minor"], order["subtotal"]["amount_minor"]);
        assert_eq!(report["orders"], 1, "the served order");
    }
    async fn a_void_of_some_lines_reaches_the_staff_feed_and_the_tables_diners_as_the_order_now_stands(app: TestApp) {
        let token = app.table_token(0);
        let mut diner = Diner::connect(&app.base, &token, "ann-1", "Ann").await;
        let mut feed = staff_feed(&app).await;
        let order = expect_status(app.enter(&app.owner, 0, &[(7, 2), (8, 1), (9, 1)], "live").await, StatusCode::CREATED).await;
        let id = order["id"].as_i64().expect("id");
        let gone = line_id(&order, 1);

        let started = std::time::Instant::now();
        let answer = expect_status(app.void(id, json!({ "line_ids": [gone], "reason": "no more" })).await, StatusCode::OK).await;
        let heard = heard_change(&mut feed).await;
        assert!(started.elapsed() < Duration::from_secs(1), "heard in {:?}", started.elapsed());
        assert_eq!(serde_json::to_value(&heard).expect("json"), answer, "the order as the void answered it");
        assert_eq!(heard.status, OrderStatus::Placed);
        let marked: Vec<bool> = heard.items.iter().map(|l| l.voided.is_some()).collect();
        assert_eq!(marked, [false, true, false]);
        assert_eq!(heard.items[1].voided.as_ref().map(|v| v.reason.as_str()), Some("no more"));
        let kept = order["subtotal"]["amount_minor"].as_i64().expect("subtotal") - order["items"][1]["line_total"]["amount_minor"].as_i64().expect("line");
        assert_eq!(heard.subtotal.amount_minor, kept);
        diner.until(|d| diner_change(d, id).is_some()).await;
        assert_eq!(diner_change(&diner, id), Some(&heard));

        // Another table's diners hear nothing of it.
        let mut other = Diner::connect(&app.base, &app.table_token(1), "bo-2", "Bo").await;

        // The rest voided: the order changed, and cancelled.
        let rest = expect_status(app.void(id, json!({ "reason": "left" })).await, StatusCode::OK).await;
        assert_eq!(rest["status"], "cancelled");
        let last = heard_change(&mut feed).await;
        assert_eq!((last.status, last.items.iter().all(|l| l.voided.is_some())), (OrderStatus::Cancelled, true));
        diner.until(|d| d.events.iter().any(|e| matches!(e, ServerMessage::OrderStatus { order_id, status } if *order_id == id && *status == OrderStatus::Cancelled))).await;
        assert_eq!(diner_change(&diner, id), Some(&last));
        // A message to the other table shows its socket is live; it heard no change.
        other.send(&ClientMessage::Sync).await;
        let before = other.events.len();
        other.until(|d| d.events.len() > before).await;
        assert!(other.events.iter().all(|e| !matches!(e, ServerMessage::OrderChanged { .. })), "{:?}", other.events);
    }
    async fn lines_staff_enter_are_the_tables_share_by_person_and_say_who_entered_them(app: TestApp) {
        let token = app.table_token(0);
        let mut ann = Diner::connect(&app.base, &token, "ann-1", "Ann").await;
        ann.send(&crate::floor::add(8, 1)).await;
        ann.until(|d| d.lines.len() == 1).await;
        let body = crate::floor::cart_order(&app, &token, &ann).await;
        let mine = expect_status(app.place(&token, &body, "cart").await, StatusCode::CREATED).await;
        let staff = app.staff().await;
        let entered = expect_status(app.enter(&staff, 0, &[(7, 2)], "staff").await, StatusCode::CREATED).await;

        let table = app.seed.tables[0].id;
        let bill = app.get_json(&format!("/tables/{table}/bill?split=person"), &app.owner).await;
        let shares = bill["shares"].as_array().expect("shares");
        let ids: Vec<&str> = shares.iter().map(|s| s["id"].as_str().unwrap_or_default()).collect();
        assert_eq!(ids, ["diner:ann-1", "table"], "Ann's, and the table's with what staff entered");
        assert_eq!((&shares[0]["subtotal"], &shares[1]["subtotal"]), (&mine["subtotal"], &entered["subtotal"]));

        // Assigning lines, staff see who entered each.
        let items = app.get_json(&format!("/tables/{table}/bill?split=items"), &app.owner).await;
        let items = items["items"].as_array().expect("items");
        assert_eq!(items.len(), 2);
        for item in items {
            if item["order_id"] == entered["id"] {
                assert!(item["added_by"].is_null(), "{item}");
                assert!(item["entered_by"]["name"].as_str().is_some_and(|n| n.starts_with("staff-")), "{item}");
            } else {
                assert_eq!(item["added_by"]["client_id"], "ann-1", "{item}");
                assert!(item.get("entered_by").is_none(), "{item}");
            }
        }
    }
}
