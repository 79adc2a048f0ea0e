//! Floor service: who ordered what (attribution from the shared cart),
//! diners' service requests, and the bill split by person or evenly.

use qrorder_shared::MenuItemId;
use qrorder_shared::service::{ServiceKind, ServiceRequest, ServiceState};
use qrorder_shared::ws::{ClientMessage, ServerMessage};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_error, expect_status};
use crate::on_both_backends;
use crate::ws::Diner;

pub(crate) fn add(item: i64, qty: u32) -> ClientMessage {
    ClientMessage::Add {
        item_id: MenuItemId(item),
        options: Default::default(),
        qty,
        note: None,
    }
}

/// The cart as `d` sees it, as an order body at its version.
pub(crate) async fn cart_order(app: &TestApp, token: &str, d: &Diner) -> Value {
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

/// `POST /tables/{token}/service-requests` for `kind` on the current visit.
pub(crate) async fn ask(app: &TestApp, token: &str, kind: &str) -> reqwest::Response {
    let visit = app.table_info(token).await["visit_id"].clone();
    ask_on(app, token, json!({ "visit_id": visit, "kind": kind })).await
}

async fn ask_on(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/tables/{token}/service-requests")))
        .json(&body)
        .send()
        .await
        .expect("POST service request")
}

pub(crate) type Feed =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The staff feed of the owner, past its first `resync`.
pub(crate) async fn staff_feed(app: &TestApp) -> Feed {
    let url = format!(
        "{}/ws/staff?token={}",
        app.base.replacen("http", "ws", 1),
        app.owner
    );
    let (mut feed, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("staff feed");
    assert_eq!(next_message(&mut feed).await, ServerMessage::Resync);
    feed
}

pub(crate) async fn next_message(feed: &mut Feed) -> ServerMessage {
    use futures::StreamExt;
    let m = tokio::time::timeout(std::time::Duration::from_secs(5), feed.next())
        .await
        .expect("the feed hears in time")
        .expect("open")
        .expect("frame");
    serde_json::from_str(m.to_text().expect("text")).expect("a server message")
}

/// The next service request the feed hears, within a second.
async fn heard_request(feed: &mut Feed) -> ServiceRequest {
    let started = std::time::Instant::now();
    loop {
        if let ServerMessage::ServiceRequest { request } = next_message(feed).await {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(1),
                "heard within a second"
            );
            return request;
        }
    }
}

fn diner_heard(d: &Diner, id: i64, state: ServiceState) -> bool {
    d.events.iter().any(|e| matches!(e, ServerMessage::ServiceRequest { request } if request.id == id && request.state == state))
}

on_both_backends! {
    async fn a_call_reaches_staff_and_the_table_once_and_follows_ack_and_done(app: TestApp) {
        let token = app.table_token(2);
        let table_id = app.seed.tables[2].id;
        let mut feed = staff_feed(&app).await;
        let mut diner = Diner::connect(&app.base, &token, "cal-1", "Cal").await;

        let first = expect_status(ask(&app, &token, "call_staff").await, StatusCode::CREATED).await;
        assert_eq!((first["state"].as_str(), first["kind"].as_str(), first["table_id"].as_i64()), (Some("open"), Some("call_staff"), Some(table_id)));
        let id = first["id"].as_i64().expect("id");
        let heard = heard_request(&mut feed).await;
        assert_eq!((heard.id, heard.state, heard.kind), (id, ServiceState::Open, ServiceKind::CallStaff));
        diner.until(|d| diner_heard(d, id, ServiceState::Open)).await;

        // Asking again while it is open: the same request, nothing new said.
        let again = expect_status(ask(&app, &token, "call_staff").await, StatusCode::OK).await;
        assert_eq!(again, first);
        // Many taps at once: one request.
        let body = json!({ "visit_id": first["visit_id"], "kind": "water" });
        let taps = futures::future::join_all((0..6).map(|_| ask_on(&app, &token, body.clone()))).await;
        let statuses: Vec<StatusCode> = taps.iter().map(|r| r.status()).collect();
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{statuses:?}");
        assert!(statuses.iter().all(|s| *s == StatusCode::CREATED || *s == StatusCode::OK), "{statuses:?}");
        let mut ids = std::collections::BTreeSet::new();
        for res in taps {
            ids.insert(res.json::<Value>().await.expect("json")["id"].as_i64().expect("id"));
        }
        assert_eq!(ids.len(), 1, "every tap got the one request");
        let water = *ids.first().expect("id");
        let heard = heard_request(&mut feed).await;
        assert_eq!((heard.id, heard.kind), (water, ServiceKind::Water));

        let open = app.get_json("/service-requests?state=open", &app.owner).await;
        let kinds: Vec<&str> = open.as_array().expect("list").iter().map(|r| r["kind"].as_str().expect("kind")).collect();
        assert_eq!(kinds, ["call_staff", "water"]);

        // Devices do not handle requests; staff do.
        let (_, device) = app.device().await;
        for path in [format!("/service-requests/{id}/ack"), "/service-requests".to_owned()] {
            let method = if path.ends_with("ack") { Method::POST } else { Method::GET };
            let res = app.admin(method, &path, &device).send().await.expect("device");
            expect_error(res, StatusCode::FORBIDDEN, "forbidden").await;
        }
        let staff = app.staff().await;
        let res = app.admin(Method::POST, &format!("/service-requests/{id}/ack"), &staff).send().await.expect("ack");
        let acked = expect_status(res, StatusCode::OK).await;
        assert_eq!(acked["state"], "acked");
        assert!(acked["acked_at"].as_i64().is_some());
        let heard = heard_request(&mut feed).await;
        assert_eq!((heard.id, heard.state), (id, ServiceState::Acked));
        diner.until(|d| diner_heard(d, id, ServiceState::Acked)).await;
        // Acknowledged twice: unchanged; asked again while acknowledged: that one.
        let res = app.admin(Method::POST, &format!("/service-requests/{id}/ack"), &app.owner).send().await.expect("ack");
        assert_eq!(expect_status(res, StatusCode::OK).await, acked);
        assert_eq!(expect_status(ask(&app, &token, "call_staff").await, StatusCode::OK).await, acked);
        assert_eq!(app.get_json("/service-requests?state=acked", &staff).await.as_array().map(Vec::len), Some(1));

        let res = app.admin(Method::POST, &format!("/service-requests/{id}/done"), &staff).send().await.expect("done");
        let done = expect_status(res, StatusCode::OK).await;
        assert_eq!(done["state"], "done");
        diner.until(|d| diner_heard(d, id, ServiceState::Done)).await;
        assert_eq!(heard_request(&mut feed).await.state, ServiceState::Done);
        let res = app.admin(Method::POST, &format!("/service-requests/{id}/ack"), &staff).send().await.expect("ack");
        let err = expect_error(res, StatusCode::CONFLICT, "illegal_transition").await;
        assert_eq!(err["details"]["current_state"], "done");
        let res = app.admin(Method::POST, &format!("/service-requests/{id}/done"), &staff).send().await.expect("done");
        assert_eq!(expect_status(res, StatusCode::OK).await, done);
        // Done: the next call is a new request.
        let next = expect_status(ask(&app, &token, "call_staff").await, StatusCode::CREATED).await;
        assert_ne!(next["id"], first["id"]);

        let res = app.admin(Method::GET, "/service-requests?state=lost", &staff).send().await.expect("list");
        expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
        let other = app.other_restaurant().await;
        let res = app.admin(Method::POST, &format!("/service-requests/{id}/done"), &other).send().await.expect("other");
        expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
        assert_eq!(app.get_json("/service-requests", &other).await, json!([]));

        // The table sees its visit's requests, and once the visit is closed
        // the next diners see none of them.
        let res = app.client.get(app.url(&format!("/api/v1/tables/{token}/service-requests"))).send().await.expect("list");
        assert_eq!(expect_status(res, StatusCode::OK).await.as_array().map(Vec::len), Some(3));
        let res = app.admin(Method::POST, &format!("/tables/{table_id}/close"), &app.owner).send().await.expect("close");
        expect_status(res, StatusCode::OK).await;
        let res = app.client.get(app.url(&format!("/api/v1/tables/{token}/service-requests"))).send().await.expect("list");
        assert_eq!(expect_status(res, StatusCode::OK).await, json!([]));
        assert_eq!(app.get_json("/service-requests", &app.owner).await, json!([]), "a closed visit's requests are over");
        let mut next_party = Diner::connect(&app.base, &token, "dee-2", "Dee").await;
        let fresh = expect_status(ask(&app, &token, "water").await, StatusCode::CREATED).await;
        assert_ne!(fresh["id"].as_i64(), Some(water), "a new visit, a new request");
        let fresh_id = fresh["id"].as_i64().expect("id");
        next_party.until(|d| diner_heard(d, fresh_id, ServiceState::Open)).await;
        assert!(next_party.events.iter().all(|e| !matches!(e, ServerMessage::ServiceRequest { request } if request.id != fresh_id)),
            "nothing of the last party: {:?}", next_party.events);
    }

    async fn requests_are_guarded_like_orders_and_only_for_the_kinds_offered(app: TestApp) {
        let token = app.table_token(3);
        assert_eq!(app.table_info(&token).await["service_kinds"], json!(["call_staff", "water", "bill"]));
        app.patch_restaurant(json!({ "service_kinds": ["bill", "call_staff", "bill"] })).await;
        assert_eq!(app.table_info(&token).await["service_kinds"], json!(["call_staff", "bill"]));
        let err = expect_error(ask(&app, &token, "water").await, StatusCode::UNPROCESSABLE_ENTITY, "service_kind_off").await;
        assert_eq!(err["details"]["offered"], json!(["call_staff", "bill"]));
        expect_error(ask(&app, &token, "dessert").await, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;

        // From outside the restaurant's network: the very refusal an order gets.
        app.patch_restaurant(json!({ "location_policy": "network", "network_cidrs": ["192.0.2.0/24"] })).await;
        let refused = expect_error(ask(&app, &token, "bill").await, StatusCode::FORBIDDEN, "outside_restaurant").await;
        let order = expect_error(app.place(&token, &app.order_body(&token, &[(8, 1)]).await, "o").await, StatusCode::FORBIDDEN, "outside_restaurant").await;
        assert_eq!(refused, order);
        assert_eq!(refused["details"]["reason"], "not_on_restaurant_network");
        // GPS policies want the fix, checked as an order's.
        app.patch_restaurant(json!({ "location_policy": "gps", "lat": 37.5663, "lon": 126.9779, "radius_m": 100 })).await;
        let refused = expect_error(ask(&app, &token, "bill").await, StatusCode::FORBIDDEN, "outside_restaurant").await;
        assert_eq!(refused["details"]["reason"], "location_required");
        let visit = app.table_info(&token).await["visit_id"].clone();
        let now = qrorder::infra::db::now_ms();
        let off_globe = json!({ "visit_id": visit, "kind": "bill", "location": { "lat": 397.5663, "lon": 126.9779, "accuracy_m": 10.0, "at": now } });
        expect_error(ask_on(&app, &token, off_globe).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid_location").await;
        let near = json!({ "visit_id": visit, "kind": "bill", "location": { "lat": 37.5664, "lon": 126.9779, "accuracy_m": 10.0, "at": now - 2_000 } });
        expect_status(ask_on(&app, &token, near).await, StatusCode::CREATED).await;
        app.patch_restaurant(json!({ "location_policy": "network", "network_cidrs": ["127.0.0.0/8"] })).await;

        // A closed visit's page asks no more.
        let table_id = app.seed.tables[3].id;
        let res = app.admin(Method::POST, &format!("/tables/{table_id}/close"), &app.owner).send().await.expect("close");
        expect_status(res, StatusCode::OK).await;
        expect_error(ask_on(&app, &token, json!({ "visit_id": visit, "kind": "bill" })).await, StatusCode::CONFLICT, "visit_closed").await;
        let res = ask_on(&app, "no-such-table", json!({ "visit_id": 1, "kind": "bill" })).await;
        expect_error(res, StatusCode::NOT_FOUND, "table_not_found").await;
        app.patch_restaurant(json!({ "service_kinds": [] })).await;
        assert_eq!(app.table_info(&token).await["service_kinds"], json!([]));
        expect_error(ask(&app, &token, "call_staff").await, StatusCode::UNPROCESSABLE_ENTITY, "service_kind_off").await;
    }
}

/// A visit that asks too often is told to wait (repeats of an open request
/// count too); another table is not.
async fn rate_limited_per_visit(backend: crate::helpers::Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.service_requests_per_window = 3;
        c.service_window_secs = 120;
    })
    .await;
    let token = app.table_token(4);
    expect_status(ask(&app, &token, "call_staff").await, StatusCode::CREATED).await;
    expect_status(ask(&app, &token, "call_staff").await, StatusCode::OK).await;
    expect_status(ask(&app, &token, "water").await, StatusCode::CREATED).await;
    let res = ask(&app, &token, "bill").await;
    let retry_after: u64 = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!(retry_after > 0 && retry_after <= 120, "{retry_after}");
    expect_error(res, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
    let requests = app.get_json("/service-requests", &app.owner).await;
    assert_eq!(
        requests.as_array().map(Vec::len),
        Some(2),
        "the refused one was not made"
    );
    expect_status(
        ask(&app, &app.table_token(5), "bill").await,
        StatusCode::CREATED,
    )
    .await;
}

mod service_requests_are_rate_limited_per_visit {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::rate_limited_per_visit(crate::helpers::Backend::Sqlite).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::rate_limited_per_visit(crate::helpers::Backend::Postgres).await
    }
}

fn minor(v: &Value) -> i64 {
    v["amount_minor"].as_i64().expect("amount_minor")
}

/// `(name.en, qty, line total)` of each line of a share or bill, sorted.
fn lines_of(v: &Value) -> Vec<(String, u64, i64)> {
    let mut got: Vec<_> = v["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| {
            (
                l["name"]["en"].as_str().expect("name").to_owned(),
                l["qty"].as_u64().expect("qty"),
                minor(&l["line_total"]),
            )
        })
        .collect();
    got.sort();
    got
}

/// The shares sum exactly to the bill: subtotal, tax and total.
fn assert_sums(bill: &Value) {
    let shares = bill["shares"].as_array().expect("shares");
    for field in ["subtotal", "tax", "total"] {
        let sum: i64 = shares.iter().map(|s| minor(&s[field])).sum();
        assert_eq!(
            sum,
            minor(&bill[field]),
            "shares' {field} sum to the bill's: {bill}"
        );
    }
    for s in shares {
        let expect = if bill["tax_included"].as_bool().expect("flag") {
            minor(&s["subtotal"])
        } else {
            minor(&s["subtotal"]) + minor(&s["tax"])
        };
        assert_eq!(minor(&s["total"]), expect, "{s}");
    }
}

on_both_backends! {
    async fn split_by_person_gives_each_diner_exactly_what_they_added_and_even_shares_sum_to_the_total(app: TestApp) {
        // Tax added, at a rate that does not divide evenly: 3.33 %.
        app.patch_restaurant(json!({ "tax_included": false, "tax_rate_bp": 333 })).await;
        let token = app.table_token(6);
        let table_id = app.seed.tables[6].id;
        let mut ann = Diner::connect(&app.base, &token, "ann-6", "Ann").await;
        let mut bo = Diner::connect(&app.base, &token, "bo-6", "Bo").await;
        ann.send(&add(8, 2)).await; // Kimchi 2 × 3 000
        ann.send(&add(7, 1)).await; // Mandu 7 000
        ann.until(|d| d.lines.len() == 2).await;
        bo.send(&add(9, 1)).await; // Sikhye 4 000
        bo.until(|d| d.lines.len() == 3).await;
        let body = cart_order(&app, &token, &bo).await;
        expect_status(app.place(&token, &body, "first").await, StatusCode::CREATED).await;
        // A second round from the cart: Bo's Kimchi.
        bo.until(|d| d.lines.is_empty()).await;
        bo.send(&add(8, 1)).await;
        bo.until(|d| d.lines.len() == 1).await;
        expect_status(app.place(&token, &cart_order(&app, &token, &bo).await, "second").await, StatusCode::CREATED).await;
        // And one without the cart: the table's.
        expect_status(app.place(&token, &app.order_body(&token, &[(9, 1)]).await, "table").await, StatusCode::CREATED).await;
        ann.until(|d| d.events.iter().filter(|e| matches!(e, ServerMessage::OrderPlaced { .. })).count() == 3).await;

        let bill = app.get_json(&format!("/tables/{table_id}/bill?split=person"), &app.owner).await;
        assert_eq!((minor(&bill["subtotal"]), minor(&bill["tax"]), minor(&bill["total"])), (24_000, 799, 24_799));
        let shares = bill["shares"].as_array().expect("shares");
        let who: Vec<(&str, &str)> = shares.iter().map(|s| (s["kind"].as_str().expect("kind"), s["name"].as_str().expect("name"))).collect();
        assert_eq!(who, [("diner", "Ann"), ("diner", "Bo"), ("table", "Window 1")]);
        assert_eq!(shares[0]["diner"]["client_id"], "ann-6");
        assert_eq!(lines_of(&shares[0]), [("Kimchi".to_owned(), 2, 6_000), ("Mandu".to_owned(), 1, 7_000)]);
        assert_eq!(lines_of(&shares[1]), [("Kimchi".to_owned(), 1, 3_000), ("Sikhye".to_owned(), 1, 4_000)]);
        assert_eq!(lines_of(&shares[2]), [("Sikhye".to_owned(), 1, 4_000)]);
        assert!(shares[2]["diner"].is_null());
        assert_eq!(shares.iter().map(|s| minor(&s["subtotal"])).collect::<Vec<_>>(), [13_000, 7_000, 4_000]);
        // 799 of tax in proportion to 13 000 : 7 000 : 4 000 = 432.79, 233.04,
        // 133.17 → 432, 233, 133 and the one unit left to the largest remainder.
        assert_eq!(shares.iter().map(|s| minor(&s["tax"])).collect::<Vec<_>>(), [433, 233, 133]);
        assert_sums(&bill);

        for ways in [2, 3, 7, 50] {
            let bill = app.get_json(&format!("/tables/{table_id}/bill?split=even&ways={ways}"), &app.owner).await;
            let shares = bill["shares"].as_array().expect("shares");
            assert_eq!(shares.len(), ways);
            let totals: Vec<i64> = shares.iter().map(|s| minor(&s["total"])).collect();
            let (min, max) = (totals.iter().min().expect("min"), totals.iter().max().expect("max"));
            assert!(max - min <= 1, "{totals:?}");
            assert_eq!(shares[0]["name"], format!("1/{ways}"));
            assert_sums(&bill);
        }
        // Tax included: the shares are the subtotals, the tax divided among them.
        app.patch_restaurant(json!({ "tax_included": true, "tax_rate_bp": 1000 })).await;
        let bill = app.get_json(&format!("/tables/{table_id}/bill?split=person"), &app.owner).await;
        assert_eq!(minor(&bill["total"]), 24_000);
        assert_sums(&bill);
        let bill = app.get_json(&format!("/tables/{table_id}/bill?split=even&ways=7"), &app.owner).await;
        assert_eq!(bill["shares"].as_array().expect("shares").iter().map(|s| minor(&s["total"])).collect::<Vec<_>>(),
            [3_429, 3_429, 3_429, 3_429, 3_428, 3_428, 3_428]);
        assert_sums(&bill);
        // Without `split`, no shares.
        assert!(app.get_json(&format!("/tables/{table_id}/bill"), &app.owner).await.get("shares").is_none());

        for query in ["split=even", "split=even&ways=1", "split=even&ways=51", "split=halves", "split=person&ways=2", "ways=3"] {
            let res = app.admin(Method::GET, &format!("/tables/{table_id}/bill?{query}"), &app.owner).send().await.expect("bill");
            expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
        }
        let (_, device) = app.device().await;
        let res = app.admin(Method::GET, &format!("/tables/{table_id}/bill?split=person"), &device).send().await.expect("bill");
        expect_error(res, StatusCode::FORBIDDEN, "forbidden").await;
    }
}

on_both_backends! {
    async fn the_openapi_document_describes_service_requests_and_the_split(app: TestApp) {
        let res = app.client.get(app.url("/api/v1/openapi.json")).send().await.expect("doc");
        let doc = expect_status(res, StatusCode::OK).await;
        let paths = &doc["paths"];
        let ask = &paths["/api/v1/tables/{token}/service-requests"]["post"]["responses"];
        for status in ["200", "201", "403", "404", "409", "422", "429"] {
            assert!(ask[status].is_object(), "POST service-requests documents {status}");
        }
        assert!(paths["/api/v1/tables/{token}/service-requests"]["get"].is_object());
        assert!(paths["/api/v1/admin/service-requests"]["get"].is_object());
        for action in ["ack", "done"] {
            let responses = &paths[format!("/api/v1/admin/service-requests/{{id}}/{action}")]["post"]["responses"];
            for status in ["200", "401", "403", "404"] {
                assert!(responses[status].is_object(), "{action} documents {status}");
            }
        }
        let bill = &paths["/api/v1/admin/tables/{id}/bill"]["get"];
        let params: Vec<&str> = bill["parameters"].as_array().expect("params").iter().map(|p| p["name"].as_str().expect("name")).collect();
        assert!(params.contains(&"split") && params.contains(&"ways"), "{params:?}");
        assert!(bill["responses"]["422"].is_object());
        for schema in ["ServiceRequest", "NewServiceRequest", "BillShare", "Diner"] {
            assert!(doc["components"]["schemas"][schema].is_object(), "{schema} in the schemas");
        }
    }
}
