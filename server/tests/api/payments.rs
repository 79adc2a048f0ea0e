//! Paying a bill: payments against shares, idempotent, never more than
//! owed, only on the bill staff were shown; paid in full, the table closes
//! and the next party sees nothing of the last. Lines assigned to shares
//! (`split=items`), the diners' view of their bill, payments in the report.

use qrorder_shared::payment::TableUpdate;
use qrorder_shared::ws::ServerMessage;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::floor::{Feed, add, ask, cart_order, next_message, staff_feed};
use crate::helpers::{TestApp, expect_error, expect_status};
use crate::on_both_backends;
use crate::ws::Diner;

fn minor(v: &Value) -> i64 {
    v["amount_minor"].as_i64().expect("amount_minor")
}

async fn pay(app: &TestApp, table_id: i64, key: &str, body: Value) -> reqwest::Response {
    app.admin(
        Method::POST,
        &format!("/tables/{table_id}/bill/payments"),
        &app.owner,
    )
    .header("idempotency-key", key)
    .json(&body)
    .send()
    .await
    .expect("POST payment")
}

/// The next `table` message of a payment or a close the staff feed hears
/// (not one of the people at a table), within a second.
async fn heard_table(feed: &mut Feed) -> TableUpdate {
    let started = std::time::Instant::now();
    loop {
        if let ServerMessage::Table { table } = next_message(feed).await
            && table.people.is_none()
        {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(1),
                "heard within a second"
            );
            return table;
        }
    }
}

async fn diner_get(app: &TestApp, path: &str) -> Value {
    let res = app
        .client
        .get(app.url(&format!("/api/v1{path}")))
        .send()
        .await
        .expect("GET");
    expect_status(res, StatusCode::OK).await
}

on_both_backends! {
    async fn two_card_shares_and_one_cash_share_close_the_table_and_the_next_diners_see_nothing_of_it(app: TestApp) {
        app.patch_restaurant(json!({ "tax_included": false, "tax_rate_bp": 1000 })).await;
        let token = app.table_token(5);
        let table_id = app.seed.tables[5].id;
        let mut feed = staff_feed(&app).await;
        let mut ann = Diner::connect(&app.base, &token, "ann-p", "Ann").await;
        ann.send(&add(8, 1)).await;
        ann.send(&add(7, 1)).await;
        ann.until(|d| d.lines.len() == 2).await;
        let first_visit = app.table_info(&token).await["visit_id"].clone();
        expect_status(app.place(&token, &cart_order(&app, &token, &ann).await, "o1").await, StatusCode::CREATED).await;
        expect_status(app.place(&token, &app.order_body(&token, &[(9, 1)]).await, "o2").await, StatusCode::CREATED).await;
        // Something left in the cart, a request, a nickname: all of this visit.
        ann.until(|d| d.lines.is_empty()).await;
        ann.send(&add(9, 2)).await;
        ann.until(|d| d.lines.len() == 1).await;
        expect_status(ask(&app, &token, "bill").await, StatusCode::CREATED).await;

        // 14 000 + 10 % = 15 400, in three: 5 134, 5 133, 5 133.
        let bill = app.get_json(&format!("/tables/{table_id}/bill?split=even&ways=3"), &app.owner).await;
        assert_eq!((minor(&bill["total"]), minor(&bill["paid"]), minor(&bill["due"])), (15_400, 0, 15_400));
        let shares = bill["shares"].as_array().expect("shares").clone();
        let ids: Vec<&str> = shares.iter().map(|s| s["id"].as_str().expect("id")).collect();
        assert_eq!(ids, ["even:1/3", "even:2/3", "even:3/3"]);
        let mine = diner_get(&app, &format!("/tables/{token}/bill?client_id=ann-p")).await;
        assert_eq!((minor(&mine["total"]), minor(&mine["mine"]["total"])), (15_400, 11_000), "Ann's lines with their tax");

        for (i, method) in ["card", "card"].into_iter().enumerate() {
            let body = json!({ "share": ids[i], "amount_minor": minor(&shares[i]["total"]), "method": method, "expected_total_minor": 15_400 });
            let receipt = expect_status(pay(&app, table_id, &format!("k{i}"), body.clone()).await, StatusCode::CREATED).await;
            assert_eq!(receipt["closed"], false);
            // A double tap: the same payment, nothing more.
            let again = expect_status(pay(&app, table_id, &format!("k{i}"), body).await, StatusCode::OK).await;
            assert_eq!(again["payment"], receipt["payment"]);
            let heard = heard_table(&mut feed).await;
            assert_eq!((heard.table_id.0, heard.closed, heard.paid.map(|m| m.amount_minor)), (table_id, false, receipt["paid"]["amount_minor"].as_i64()));
        }
        let bill = app.get_json(&format!("/tables/{table_id}/bill?split=even&ways=3"), &app.owner).await;
        assert_eq!((minor(&bill["paid"]), minor(&bill["due"])), (10_267, 5_133));
        let dues: Vec<i64> = bill["shares"].as_array().expect("shares").iter().map(|s| minor(&s["due"])).collect();
        assert_eq!(dues, [0, 0, 5_133]);
        assert_eq!(bill["payments"].as_array().map(Vec::len), Some(2), "the double taps recorded nothing");

        let cash = json!({ "share": "even:3/3", "amount_minor": 5_133, "method": "cash", "expected_total_minor": 15_400 });
        let receipt = expect_status(pay(&app, table_id, "k2", cash).await, StatusCode::CREATED).await;
        assert_eq!((receipt["closed"].as_bool(), minor(&receipt["due"])), (Some(true), 0));
        let heard = heard_table(&mut feed).await;
        assert!(heard.closed && heard.due.map(|m| m.amount_minor) == Some(0), "{heard:?}");
        let next_visit = app.table_info(&token).await["visit_id"].clone();
        assert_ne!(next_visit, first_visit, "a new visit began");
        assert_eq!(heard.next_visit_id, next_visit.as_i64());
        // The old page can order no more.
        let old = json!({ "visit_id": first_visit, "items": app.order_body(&token, &[(8, 1)]).await["items"] });
        expect_error(app.place(&token, &old, "late").await, StatusCode::CONFLICT, "visit_closed").await;

        // The next party: nothing of the last one.
        let dee = Diner::connect(&app.base, &token, "dee-p", "Dee").await;
        assert!(dee.lines.is_empty(), "an empty cart: {:?}", dee.lines);
        assert!(dee.participants.iter().all(|p| p.client_id == "dee-p"), "no one of the last party: {:?}", dee.participants);
        assert_eq!(diner_get(&app, &format!("/tables/{token}/orders")).await, json!([]));
        assert_eq!(diner_get(&app, &format!("/tables/{token}/service-requests")).await, json!([]));
        let fresh = diner_get(&app, &format!("/tables/{token}/bill?client_id=ann-p")).await;
        assert_eq!((fresh["lines"].clone(), minor(&fresh["total"]), minor(&fresh["paid"]), fresh["mine"].clone()), (json!([]), 0, 0, Value::Null));
        let staff_view = app.get_json(&format!("/tables/{table_id}/bill"), &app.owner).await;
        assert_eq!((staff_view["orders"].clone(), staff_view["payments"].clone()), (json!([]), json!([])));
        // A retry of the last payment after the close is still the same one.
        let retry = json!({ "share": "even:3/3", "amount_minor": 5_133, "method": "cash", "expected_total_minor": 15_400 });
        let again = expect_status(pay(&app, table_id, "k2", retry).await, StatusCode::OK).await;
        assert_eq!((again["payment"].clone(), again["closed"].as_bool()), (receipt["payment"].clone(), Some(true)));
    }

    async fn a_payment_is_refused_when_it_overpays_or_the_bill_changed_and_staff_may_still_close(app: TestApp) {
        let token = app.table_token(4);
        let table_id = app.seed.tables[4].id;
        expect_status(app.place(&token, &app.order_body(&token, &[(7, 1)]).await, "a").await, StatusCode::CREATED).await;
        let body = |share: Value, amount: i64, expected: i64| json!({ "share": share, "amount_minor": amount, "method": "other", "expected_total_minor": expected });
        // 7 000 in two: 3 500 each.
        let err = expect_error(pay(&app, table_id, "over", body(json!("even:1/2"), 3_501, 7_000)).await, StatusCode::UNPROCESSABLE_ENTITY, "overpays_share").await;
        assert_eq!(err["details"]["due_minor"], 3_500);
        expect_error(pay(&app, table_id, "over2", body(Value::Null, 7_001, 7_000)).await, StatusCode::UNPROCESSABLE_ENTITY, "overpays_bill").await;
        expect_error(pay(&app, table_id, "zero", body(Value::Null, 0, 7_000)).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
        expect_error(pay(&app, table_id, "who", body(json!("diner:nobody"), 100, 7_000)).await, StatusCode::UNPROCESSABLE_ENTITY, "unknown_share").await;
        expect_error(pay(&app, table_id, "what", body(json!("half"), 100, 7_000)).await, StatusCode::UNPROCESSABLE_ENTITY, "unknown_share").await;
        let res = app.admin(Method::POST, &format!("/tables/{table_id}/bill/payments"), &app.owner).json(&body(Value::Null, 100, 7_000)).send().await.expect("no key");
        expect_error(res, StatusCode::BAD_REQUEST, "idempotency_key_required").await;
        // Four taps at once: one payment, every tap answered with it.
        let taps = futures::future::join_all((0..4).map(|_| pay(&app, table_id, "half", body(json!("even:1/2"), 3_500, 7_000)))).await;
        let statuses: Vec<StatusCode> = taps.iter().map(|r| r.status()).collect();
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{statuses:?}");
        assert!(statuses.iter().all(|s| *s == StatusCode::CREATED || *s == StatusCode::OK), "{statuses:?}");
        let mut ids = std::collections::BTreeSet::new();
        for res in taps {
            ids.insert(res.json::<Value>().await.expect("json")["payment"]["id"].as_i64().expect("id"));
        }
        assert_eq!(ids.len(), 1, "every tap got the one payment");
        expect_error(pay(&app, table_id, "half", body(json!("even:2/2"), 3_500, 7_000)).await, StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused").await;
        expect_error(pay(&app, table_id, "twice", body(json!("even:1/2"), 1, 7_000)).await, StatusCode::UNPROCESSABLE_ENTITY, "overpays_share").await;
        // By person, the table's share is the whole 7 000, but only 3 500 is still due on the bill.
        let err = expect_error(pay(&app, table_id, "tbl", body(json!("table"), 4_000, 7_000)).await, StatusCode::UNPROCESSABLE_ENTITY, "overpays_bill").await;
        assert_eq!(err["details"]["due_minor"], 3_500);

        // An order came in while staff looked: nothing recorded.
        expect_status(app.place(&token, &app.order_body(&token, &[(8, 1)]).await, "b").await, StatusCode::CREATED).await;
        let err = expect_error(pay(&app, table_id, "late", body(json!("even:2/2"), 3_500, 7_000)).await, StatusCode::CONFLICT, "bill_changed").await;
        assert_eq!(err["details"]["total_minor"], 10_000);
        let bill = app.get_json(&format!("/tables/{table_id}/bill"), &app.owner).await;
        assert_eq!((minor(&bill["paid"]), minor(&bill["due"]), bill["payments"].as_array().map(Vec::len)), (3_500, 6_500, Some(1)));
        // Half paid, staff close it anyway; the feed hears it.
        let mut feed = staff_feed(&app).await;
        let res = app.admin(Method::POST, &format!("/tables/{table_id}/close?expected_total_minor=10000"), &app.owner).send().await.expect("close");
        let closed = expect_status(res, StatusCode::OK).await;
        assert_eq!((minor(&closed["paid"]), minor(&closed["due"])), (3_500, 6_500));
        let heard = heard_table(&mut feed).await;
        assert!(heard.closed && heard.table_id.0 == table_id, "{heard:?}");
        let err = expect_error(pay(&app, table_id, "after", body(Value::Null, 100, 10_000)).await, StatusCode::CONFLICT, "bill_changed").await;
        assert_eq!(err["details"]["total_minor"], 0, "the new visit's bill is empty");

        // Another restaurant's table and a device: no.
        let other = app.other_restaurant().await;
        let res = app.admin(Method::POST, &format!("/tables/{table_id}/bill/payments"), &other).header("idempotency-key", "x").json(&body(Value::Null, 1, 0)).send().await.expect("other");
        expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
        let (_, device) = app.device().await;
        let res = app.admin(Method::POST, &format!("/tables/{table_id}/bill/payments"), &device).header("idempotency-key", "x").json(&body(Value::Null, 1, 0)).send().await.expect("device");
        expect_error(res, StatusCode::FORBIDDEN, "forbidden").await;
    }

    async fn lines_assigned_to_shares_split_a_bottle_between_three_and_payments_show_in_the_report(app: TestApp) {
        let token = app.table_token(3);
        let table_id = app.seed.tables[3].id;
        // Mandu 7 000, Sikhye 4 000 and Naengmyeon 3 000; tax 10 % included.
        expect_status(app.place(&token, &app.order_body(&token, &[(7, 1), (9, 1), (8, 1)]).await, "a").await, StatusCode::CREATED).await;
        let bill = app.get_json(&format!("/tables/{table_id}/bill?split=items"), &app.owner).await;
        let items = bill["items"].as_array().expect("items").clone();
        assert_eq!(items.len(), 3);
        let line = |price: i64| items.iter().find(|i| minor(&i["line_total"]) == price).expect("line")["line_id"].as_i64().expect("id");
        let (mandu, bottle, noodles) = (line(7_000), line(4_000), line(3_000));
        let shares = bill["shares"].as_array().expect("shares");
        assert_eq!((shares.len(), shares[0]["id"].as_str(), minor(&shares[0]["total"])), (1, Some("unassigned"), 14_000), "nothing assigned yet");

        let assign = |body: Value| app.admin(Method::POST, &format!("/tables/{table_id}/bill/shares"), &app.owner).json(&body).send();
        // The bottle between three; the noodles nobody's yet.
        let body = json!({ "shares": [
            { "name": "Ann", "line_ids": [mandu, bottle] }, { "name": "Bo", "line_ids": [bottle] }, { "name": " Cy ", "line_ids": [bottle] } ] });
        let bill = expect_status(assign(body).await.expect("assign"), StatusCode::OK).await;
        let shares = bill["shares"].as_array().expect("shares");
        let got: Vec<(&str, &str, i64)> = shares.iter().map(|s| (s["id"].as_str().expect("id"), s["name"].as_str().expect("name"), minor(&s["total"]))).collect();
        // 4 000 / 3 = 1 334, 1 333, 1 333 (the unit left to the first).
        assert_eq!(got, [("items:1", "Ann", 8_334), ("items:2", "Bo", 1_333), ("items:3", "Cy", 1_333), ("unassigned", "", 3_000)]);
        for field in ["subtotal", "tax", "total"] {
            assert_eq!(shares.iter().map(|s| minor(&s[field])).sum::<i64>(), minor(&bill[field]), "{field}");
        }
        let bottle_item = bill["items"].as_array().expect("items").iter().find(|i| i["line_id"] == bottle).expect("bottle").clone();
        assert_eq!(bottle_item["shares"], json!(["items:1", "items:2", "items:3"]));
        assert_eq!(app.get_json(&format!("/tables/{table_id}/bill?split=items"), &app.owner).await["shares"], bill["shares"], "kept");

        for bad in [json!({ "shares": [{ "name": "", "line_ids": [] }] }), json!({ "shares": [{ "name": "X", "line_ids": [999_999] }] })] {
            expect_error(assign(bad).await.expect("assign"), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
        }
        let pay_share = |key: &'static str, share: &'static str, amount: i64, method: &'static str| pay(&app, table_id, key, json!({ "share": share, "amount_minor": amount, "method": method, "expected_total_minor": 14_000 }));
        expect_status(pay_share("bo", "items:2", 1_333, "cash").await, StatusCode::CREATED).await;
        let again = json!({ "shares": [{ "name": "Ann", "line_ids": [mandu, bottle, noodles] }] });
        expect_error(assign(again).await.expect("assign"), StatusCode::CONFLICT, "shares_paid").await;
        expect_status(pay_share("ann", "items:1", 8_334, "card").await, StatusCode::CREATED).await;
        expect_status(pay_share("cy", "items:3", 1_000, "card").await, StatusCode::CREATED).await;

        let (from, to) = {
            let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
            (today.yesterday().expect("date"), today.tomorrow().expect("date"))
        };
        let report = app.get_json(&format!("/reports/sales?from={from}&to={to}"), &app.owner).await;
        let by: Vec<(&str, u64, i64)> = report["payments"].as_array().expect("payments").iter()
            .map(|p| (p["method"].as_str().expect("method"), p["count"].as_u64().expect("count"), minor(&p["amount"]))).collect();
        assert_eq!(by, [("cash", 1, 1_333), ("card", 2, 9_334), ("other", 0, 0)]);
    }
}

on_both_backends! {
    async fn the_openapi_document_describes_payments_item_shares_and_the_diners_bill(app: TestApp) {
        let res = app.client.get(app.url("/api/v1/openapi.json")).send().await.expect("doc");
        let doc = expect_status(res, StatusCode::OK).await;
        let paths = &doc["paths"];
        let pay = &paths["/api/v1/admin/tables/{id}/bill/payments"]["post"]["responses"];
        for status in ["200", "201", "400", "401", "403", "404", "409", "422"] {
            assert!(pay[status].is_object(), "POST payments documents {status}");
        }
        let shares = &paths["/api/v1/admin/tables/{id}/bill/shares"]["post"]["responses"];
        for status in ["200", "404", "409", "422"] {
            assert!(shares[status].is_object(), "POST shares documents {status}");
        }
        assert!(paths["/api/v1/tables/{token}/bill"]["get"]["responses"]["200"].is_object());
        for schema in ["NewPayment", "PaymentReceipt", "Payment", "PaymentMethod", "ItemShares", "BillItem", "DinerBill", "MethodPayments"] {
            assert!(doc["components"]["schemas"][schema].is_object(), "{schema} in the schemas");
        }
    }
}
