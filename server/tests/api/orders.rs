use std::collections::HashMap;

use futures::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{expect_error, expect_status, random_suffix};
use crate::on_both_backends;

on_both_backends! {
    async fn two_hundred_concurrent_orders_for_ten_portions_accept_exactly_ten(app: TestApp) {
        // About stock, not the order limits: those are set out of the way.
        app.patch_restaurant(json!({ "order_limits": { "visit_burst": 1000, "visit_per_minute": 1000, "client_burst": 1000, "client_per_minute": 1000 } })).await;
        let item = app.limited_item("Last ten dumplings", 10).await;
        let token = app.table_token(0);
        let body = app.order_body(&token, &[(item, 1)]).await;
        let attempts = (0..200).map(|_| {
            let (app, body, token) = (&app, &body, &token);
            async move { app.place(token, body, &random_suffix()).await }
        });
        let responses = join_all(attempts).await;
        let mut by_status: HashMap<StatusCode, usize> = HashMap::new();
        for res in responses {
            let status = res.status();
            if status == StatusCode::CONFLICT {
                expect_error(res, status, "sold_out").await;
            }
            *by_status.entry(status).or_default() += 1;
        }
        assert_eq!(by_status.get(&StatusCode::CREATED), Some(&10), "{by_status:?}");
        assert_eq!(by_status.get(&StatusCode::CONFLICT), Some(&190), "{by_status:?}");
        assert_eq!(app.menu_item(item).await["stock"], 0);
        let orders = app.get_json("/orders?limit=1000", &app.owner).await;
        let sold: u64 = orders.as_array().expect("orders").iter()
            .flat_map(|o| o["items"].as_array().expect("items").iter())
            .filter(|l| l["menu_item_id"] == item)
            .map(|l| l["qty"].as_u64().expect("qty"))
            .sum();
        assert_eq!(sold, 10, "every accepted order took its portion and no more");
    }

    async fn an_order_citing_an_old_menu_version_is_409_and_takes_nothing(app: TestApp) {
        let limited = app.limited_item("Crab", 5).await;
        let token = app.table_token(0);
        let body = app.order_body(&token, &[(limited, 2), (4, 1)]).await;
        let japchae = app.menu_item(4).await;
        let res = app.admin(Method::PATCH, "/menu-items/4", &app.owner)
            .json(&json!({ "version": japchae["version"], "price_minor": 14000 })).send().await.expect("patch");
        expect_status(res, StatusCode::OK).await;
        let res = app.place(&token, &body, "k1").await;
        let err = expect_error(res, StatusCode::CONFLICT, "menu_changed").await;
        assert_eq!(err["details"]["items"], json!([{ "menu_item_id": 4, "reason": "changed", "current_version": 2 }]));
        assert_eq!(app.menu_item(limited).await["stock"], 5, "nothing taken");
        let orders = app.get_json("/orders", &app.owner).await;
        assert_eq!(orders, json!([]));
        // Sold out by staff in the meantime is also a menu change.
        let crab = app.menu_item(limited).await;
        let res = app.admin(Method::PATCH, &format!("/menu-items/{limited}"), &app.owner)
            .json(&json!({ "version": crab["version"], "available": false })).send().await.expect("patch");
        expect_status(res, StatusCode::OK).await;
        let body = app.order_body(&token, &[(limited, 1)]).await;
        let err = expect_error(app.place(&token, &body, "k2").await, StatusCode::CONFLICT, "menu_changed").await;
        assert_eq!(err["details"]["items"][0]["reason"], "unavailable");
    }

    async fn a_diners_instance_with_a_cached_menu_never_takes_a_changed_price_or_skips_stock(app: TestApp) {
        // The diners talk to a client-api instance of their own (another
        // process of the deployment, with its own caches); the owner
        // changes the menu through `app`, so that instance's cache is old.
        app.patch_restaurant(json!({ "order_limits": { "visit_burst": 1000, "visit_per_minute": 1000, "client_burst": 1000, "client_per_minute": 1000 } })).await;
        let diners = app.instance(qrorder::config::Roles { client_api: true, admin_api: false, ws: false }).await;
        let app = &app;
        let token = app.table_token(0);
        let place = |body: serde_json::Value, key: &'static str| {
            let (client, url) = (app.client.clone(), diners.url(&format!("/api/v1/tables/{token}/orders")));
            async move { client.post(url).header("idempotency-key", key).json(&body).send().await.expect("POST order") }
        };
        let menu_of_diners = || {
            let (client, url) = (app.client.clone(), diners.url(&format!("/api/v1/tables/{token}/menu")));
            async move { expect_status(client.get(url).send().await.expect("menu"), StatusCode::OK).await }
        };
        let patch = |changes: serde_json::Value| async move {
            let version = app.menu_item(4).await["version"].clone();
            let mut body = changes;
            body["version"] = version;
            let res = app.admin(Method::PATCH, "/menu-items/4", &app.owner).json(&body).send().await.expect("patch");
            expect_status(res, StatusCode::OK).await
        };
        let with = |body: &serde_json::Value, version: &serde_json::Value, qty: u32| {
            let mut body = body.clone();
            body["items"][0]["menu_version"] = version.clone();
            body["items"][0]["qty"] = json!(qty);
            body
        };
        // The diners' instance reads (and keeps) the menu, and orders once.
        menu_of_diners().await;
        let body = app.order_body(&token, &[(4, 1)]).await;
        let v1 = body["items"][0]["menu_version"].clone();
        expect_status(place(body.clone(), "warm").await, StatusCode::CREATED).await;

        // Limited to one portion (a live field: the version stays): the
        // instance still has it as unlimited, and the stock is taken anyway.
        patch(json!({ "stock": 1 })).await;
        expect_error(place(with(&body, &v1, 2), "two").await, StatusCode::CONFLICT, "sold_out").await;
        expect_status(place(with(&body, &v1, 1), "one").await, StatusCode::CREATED).await;
        assert_eq!(app.menu_item(4).await["stock"], 0);
        expect_error(place(with(&body, &v1, 1), "none-left").await, StatusCode::CONFLICT, "sold_out").await;
        patch(json!({ "stock": null })).await;
        expect_status(place(with(&body, &v1, 1), "refill").await, StatusCode::CREATED).await;

        // A new price, cited by the diner before the instance has read it:
        // ordered, at the new price.
        let v2 = patch(json!({ "price_minor": 14000 })).await["version"].clone();
        let order = expect_status(place(with(&body, &v2, 1), "new-price").await, StatusCode::CREATED).await;
        assert_eq!(order["items"][0]["unit_price"]["amount_minor"], 14000, "{order}");
        // Another, while the instance still has the one before: an order
        // citing that one is refused, not charged the old price.
        patch(json!({ "price_minor": 15000 })).await;
        let err = expect_error(place(with(&body, &v2, 1), "old-price").await, StatusCode::CONFLICT, "menu_changed").await;
        assert_eq!(err["details"]["items"][0]["reason"], "changed", "{err}");

        // Switched off (live, no new version) while the instance has it on.
        let v3 = app.menu_item(4).await["version"].clone();
        expect_status(place(with(&body, &v3, 1), "fill").await, StatusCode::CREATED).await;
        patch(json!({ "available": false })).await;
        let err = expect_error(place(with(&body, &v3, 1), "off").await, StatusCode::CONFLICT, "menu_changed").await;
        assert_eq!(err["details"]["items"][0]["reason"], "unavailable", "{err}");

        patch(json!({ "available": true })).await;

        // The table switched off while the instance still knows its code.
        let table_id = app.table_info(&token).await["table_id"].clone();
        expect_status(place(with(&body, &v3, 1), "table-known").await, StatusCode::CREATED).await;
        let res = app.admin(Method::PATCH, &format!("/tables/{table_id}"), &app.owner)
            .json(&json!({ "active": false })).send().await.expect("patch table");
        expect_status(res, StatusCode::OK).await;
        expect_error(place(with(&body, &v3, 1), "table-off").await, StatusCode::NOT_FOUND, "table_not_found").await;

        let orders = app.get_json("/orders", &app.owner).await;
        assert_eq!(orders.as_array().expect("orders").len(), 6, "warm, one, refill, new-price, fill, table-known: {orders}");
    }

    async fn the_same_idempotency_key_makes_one_order_also_when_sent_concurrently(app: TestApp) {
        let item = app.limited_item("Tea", 50).await;
        let token = app.table_token(1);
        let body = app.order_body(&token, &[(item, 2)]).await;
        let first = expect_status(app.place(&token, &body, "same-key").await, StatusCode::CREATED).await;
        let again = expect_status(app.place(&token, &body, "same-key").await, StatusCode::OK).await;
        assert_eq!(first, again);

        let body2 = app.order_body(&token, &[(item, 1)]).await;
        let responses = join_all((0..10).map(|_| app.place(&token, &body2, "racing-key"))).await;
        let mut ids = Vec::new();
        let mut created = 0;
        for res in responses {
            if res.status() == StatusCode::CREATED { created += 1; }
            let status = res.status();
            assert!(status == StatusCode::CREATED || status == StatusCode::OK, "{status}");
            ids.push(expect_status(res, status).await["id"].clone());
        }
        assert_eq!(created, 1);
        assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
        assert_eq!(app.menu_item(item).await["stock"], 47, "stock taken once per order");
        let err = expect_error(app.place(&token, &body2, "same-key").await, StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused").await;
        assert!(err["message"].as_str().is_some());
        let res = app.client.post(app.url(&format!("/api/v1/tables/{token}/orders"))).json(&body2).send().await.expect("post");
        expect_error(res, StatusCode::BAD_REQUEST, "idempotency_key_required").await;
    }

    async fn an_order_snapshots_prices_numbers_the_day_and_shows_on_the_visit(app: TestApp) {
        let token = app.table_token(2);
        let mut body = app.order_body(&token, &[(1, 2)]).await;
        body["items"][0]["options"] = json!({ "spice": ["hot"], "extras": ["egg", "beef"] });
        body["items"][0]["note"] = json!("  no sesame  ");
        let order = expect_status(app.place(&token, &body, "a").await, StatusCode::CREATED).await;
        assert_eq!(order["number"], 1);
        assert_eq!(order["status"], "placed");
        let line = &order["items"][0];
        assert_eq!(line["unit_price"]["amount_minor"], 12000 + 1000 + 3000);
        assert_eq!(line["line_total"]["amount_minor"], 32000);
        assert_eq!(line["note"], "no sesame");
        assert_eq!(line["options"].as_array().map(Vec::len), Some(3));
        // KRW prices include 10 % VAT in the demo: 32000 * 10/110 = 2909.09 → 2909.
        assert_eq!(order["subtotal"]["amount_minor"], 32000);
        assert_eq!(order["tax"]["amount_minor"], 2909);
        assert_eq!(order["total"]["amount_minor"], 32000);

        let item = app.menu_item(1).await;
        let res = app.admin(Method::PATCH, "/menu-items/1", &app.owner)
            .json(&json!({ "version": item["version"], "price_minor": 99000, "name": { "en": "Renamed" } })).send().await.expect("patch");
        expect_status(res, StatusCode::OK).await;
        let seen = app.get_json(&format!("/orders/{}", order["id"]), &app.owner).await;
        assert_eq!(seen["items"], order["items"], "the order keeps what was ordered");

        let second = expect_status(app.place(&token, &app.order_body(&token, &[(8, 1)]).await, "b").await, StatusCode::CREATED).await;
        assert_eq!(second["number"], 2);
        let res = app.client.get(app.url(&format!("/api/v1/tables/{token}/orders"))).send().await.expect("get");
        let visit_orders = expect_status(res, StatusCode::OK).await;
        let ids: Vec<_> = visit_orders.as_array().expect("list").iter().map(|o| o["id"].clone()).collect();
        assert_eq!(ids, vec![order["id"].clone(), second["id"].clone()]);
    }

    async fn malformed_order_items_are_422_with_the_item_named(app: TestApp) {
        let token = app.table_token(0);
        let base = app.order_body(&token, &[(1, 1)]).await;
        let cases = [
            (json!({ "qty": 0 }), "invalid_item"),
            (json!({ "qty": 1000 }), "invalid_item"),
            (json!({ "options": { "spice": ["volcanic"] } }), "invalid_item"),
            (json!({ "options": {} }), "invalid_item"),
            (json!({ "options": { "spice": ["hot"], "size": ["l"] } }), "invalid_item"),
            (json!({ "options": { "spice": ["hot", "mild"] } }), "invalid_item"),
            (json!({ "note": "x".repeat(201) }), "invalid_item"),
        ];
        for (i, (change, code)) in cases.into_iter().enumerate() {
            let mut body = base.clone();
            for (k, v) in change.as_object().expect("object") {
                body["items"][0][k] = v.clone();
            }
            let err = expect_error(app.place(&token, &body, &format!("m{i}")).await, StatusCode::UNPROCESSABLE_ENTITY, code).await;
            assert_eq!(err["details"]["index"], 0, "{body}");
        }
        let mut empty = base.clone();
        empty["items"] = json!([]);
        expect_error(app.place(&token, &empty, "e").await, StatusCode::UNPROCESSABLE_ENTITY, "empty_order").await;
        let mut typo = base.clone();
        typo["items"][0]["quantity"] = json!(1);
        expect_error(app.place(&token, &typo, "t").await, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
        assert_eq!(app.get_json("/orders", &app.owner).await, json!([]), "nothing was ordered");
    }

    async fn unknown_rotated_or_inactive_table_tokens_are_404(app: TestApp) {
        for path in ["", "/menu", "/orders"] {
            let res = app.client.get(app.url(&format!("/api/v1/tables/{}{path}", "0".repeat(32)))).send().await.expect("get");
            expect_error(res, StatusCode::NOT_FOUND, "table_not_found").await;
        }
        let table = &app.seed.tables[3];
        let res = app.admin(Method::POST, &format!("/tables/{}/rotate-token", table.id), &app.owner).send().await.expect("rotate");
        expect_status(res, StatusCode::OK).await;
        let res = app.client.get(app.url(&format!("/api/v1/tables/{}/menu", table.token))).send().await.expect("get");
        expect_error(res, StatusCode::NOT_FOUND, "table_not_found").await;
        let body = json!({ "visit_id": 1, "items": [{ "menu_item_id": 8, "menu_version": 1, "qty": 1 }] });
        expect_error(app.place(&table.token, &body, "x").await, StatusCode::NOT_FOUND, "table_not_found").await;
    }

    async fn the_menu_shows_availability_and_what_is_left(app: TestApp) {
        let token = app.table_token(0);
        let res = app.client.get(app.url(&format!("/api/v1/tables/{token}/menu"))).send().await.expect("get");
        let menu = expect_status(res, StatusCode::OK).await;
        assert_eq!(menu["currency"], "KRW");
        let items: Vec<_> = menu["categories"].as_array().expect("categories").iter()
            .flat_map(|c| c["items"].as_array().expect("items").clone()).collect();
        assert_eq!(items.len(), 14);
        let bulgogi = items.iter().find(|i| i["name"]["en"] == "Bulgogi").expect("bulgogi");
        assert_eq!((bulgogi["remaining"].as_i64(), bulgogi["available"].as_bool()), (Some(20), Some(true)));
        assert_eq!(bulgogi["name"]["ko"], "불고기");
        let info = app.table_info(&token).await;
        assert_eq!(info["table_name"], "Table 1");
        assert_eq!(info["location"]["gps_required"], false);

        // This process keeps the menu (infra::cache), and an owner's change
        // through it is shown at once, well within the cache's second.
        let id = bulgogi["id"].as_i64().expect("id");
        let version = app.menu_item(id).await["version"].clone();
        let res = app.admin(Method::PATCH, &format!("/menu-items/{id}"), &app.owner)
            .json(&json!({ "version": version, "price_minor": 19000, "stock": 7 })).send().await.expect("patch");
        expect_status(res, StatusCode::OK).await;
        let res = app.client.get(app.url(&format!("/api/v1/tables/{token}/menu"))).send().await.expect("get");
        let menu = expect_status(res, StatusCode::OK).await;
        let bulgogi = menu["categories"].as_array().expect("categories").iter()
            .flat_map(|c| c["items"].as_array().expect("items").clone())
            .find(|i| i["id"] == id).expect("bulgogi");
        assert_eq!((bulgogi["price"]["amount_minor"].as_i64(), bulgogi["remaining"].as_i64()), (Some(19000), Some(7)), "{bulgogi}");
        // A rotated code is refused at once too.
        let table_id = info["table_id"].clone();
        let res = app.admin(Method::POST, &format!("/tables/{table_id}/rotate-token"), &app.owner).send().await.expect("rotate");
        expect_status(res, StatusCode::OK).await;
        let res = app.client.get(app.url(&format!("/api/v1/tables/{token}/menu"))).send().await.expect("get");
        expect_error(res, StatusCode::NOT_FOUND, "table_not_found").await;
    }
}

/// The `Retry-After` of a 429, in seconds.
fn retry_after(res: &reqwest::Response) -> u64 {
    res.headers()
        .get("retry-after")
        .expect("Retry-After on a 429")
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds")
}

on_both_backends! {
    async fn a_thousand_orders_from_one_phone_meet_429_after_the_burst(app: TestApp) {
        // The default limits of a visit (the next test reads them back).
        let (burst, per_minute) = (10u64, 4u64);
        let token = app.table_token(0);
        assert!(app.menu_item(4).await["stock"].is_null(), "no stock to run out of");
        let body = app.order_body(&token, &[(4, 1)]).await;
        let started = std::time::Instant::now();
        // As fast as the phone can: 16 at a time, 1000 in all, bounded in time.
        let results: Vec<(StatusCode, Option<u64>, serde_json::Value)> = tokio::time::timeout(std::time::Duration::from_secs(120), async {
            let mut results = Vec::new();
            for chunk in (0..1000).collect::<Vec<_>>().chunks(16) {
                let round = chunk.iter().map(|i| {
                    let (app, body, token) = (&app, &body, &token);
                    async move {
                        let res = app.place(token, body, &format!("flood-{i}")).await;
                        let status = res.status();
                        let wait = (status == StatusCode::TOO_MANY_REQUESTS).then(|| retry_after(&res));
                        (status, wait, res.json::<serde_json::Value>().await.expect("body"))
                    }
                });
                results.extend(join_all(round).await);
            }
            results
        }).await.expect("1000 orders answered within 120 s");
        let elapsed_min = started.elapsed().as_secs_f64() / 60.0;
        let created = results.iter().filter(|r| r.0 == StatusCode::CREATED).count() as u64;
        let limited: Vec<_> = results.iter().filter(|r| r.0 == StatusCode::TOO_MANY_REQUESTS).collect();
        let bound = burst + (elapsed_min * per_minute as f64).ceil() as u64;
        assert!(created >= burst && created <= bound, "{created} placed; the limit allows {burst} + {per_minute}/min = {bound}");
        assert_eq!(created as usize + limited.len(), 1000, "every other answer is a 429");
        for (_, wait, body) in &limited {
            assert_eq!(body["code"], "too_many_orders", "{body}");
            assert_eq!(body["details"]["limit"], "visit", "{body}");
            assert!(body["message"].as_str().is_some_and(|m| m.contains("wait")), "{body}");
            let wait = wait.expect("Retry-After");
            assert!((1..=60).contains(&wait), "Retry-After {wait}");
        }
        let orders = app.get_json("/orders?limit=1000", &app.owner).await;
        assert_eq!(orders.as_array().expect("orders").len() as u64, created, "only the accepted reached the kitchen's list");
    }

    async fn orders_under_the_restaurants_limits_pass_and_the_first_over_gets_429(app: TestApp) {
        let before = app.get_json("/restaurant", &app.owner).await;
        assert_eq!(before["order_limits"], json!({ "visit_burst": 10, "visit_per_minute": 4, "client_burst": 60, "client_per_minute": 30 }));
        for bad in [json!({ "visit_burst": 0, "visit_per_minute": 1, "client_burst": 5, "client_per_minute": 1 }),
                    json!({ "visit_burst": 3, "visit_per_minute": 1, "client_burst": 10001, "client_per_minute": 1 })] {
            let res = app.admin(Method::PATCH, "/restaurant", &app.owner).json(&json!({ "order_limits": bad })).send().await.expect("patch");
            let err = expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
            assert!(err["details"]["field"].as_str().is_some_and(|f| f.starts_with("order_limits.")), "{err}");
        }
        let limits = json!({ "visit_burst": 3, "visit_per_minute": 1, "client_burst": 5, "client_per_minute": 1 });
        app.patch_restaurant(json!({ "order_limits": limits })).await;
        assert_eq!(app.get_json("/restaurant", &app.owner).await["order_limits"], limits);

        // One table: three orders pass, the fourth is over the visit's limit.
        let token = app.table_token(0);
        let body = app.order_body(&token, &[(2, 1)]).await;
        let first = expect_status(app.place(&token, &body, "t0-0").await, StatusCode::CREATED).await;
        // Ten copies of one order at the same moment (a phone retrying):
        // one order, one token.
        let racing = join_all((0..10).map(|_| app.place(&token, &body, "t0-1"))).await;
        let mut ids = Vec::new();
        for res in racing {
            let status = res.status();
            assert!(status == StatusCode::CREATED || status == StatusCode::OK, "{status}");
            ids.push(expect_status(res, status).await["id"].clone());
        }
        assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
        expect_status(app.place(&token, &body, "t0-2").await, StatusCode::CREATED).await;
        let res = app.place(&token, &body, "t0-3").await;
        assert!(retry_after(&res) >= 1);
        let err = expect_error(res, StatusCode::TOO_MANY_REQUESTS, "too_many_orders").await;
        assert_eq!(err["details"]["limit"], "visit");
        // A retry of a placed order is still answered with it, and costs nothing.
        for _ in 0..5 {
            let again = expect_status(app.place(&token, &body, "t0-0").await, StatusCode::OK).await;
            assert_eq!(again["id"], first["id"]);
        }
        // Another table from the same phone: the address's budget (5) has two left.
        let other = app.table_token(1);
        let body = app.order_body(&other, &[(2, 1)]).await;
        for i in 0..2 {
            expect_status(app.place(&other, &body, &format!("t1-{i}")).await, StatusCode::CREATED).await;
        }
        let res = app.place(&other, &body, "t1-2").await;
        let err = expect_error(res, StatusCode::TOO_MANY_REQUESTS, "too_many_orders").await;
        assert_eq!(err["details"]["limit"], "client");
    }
}
